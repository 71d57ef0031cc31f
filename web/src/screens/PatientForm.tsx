// Add or edit a patient. Client-side checks run first; the server's field errors
// land next to the same fields. The input is kept as a draft until it is saved. Before a
// new patient is saved, the server is asked who they may already be: the form shows the
// possible matches, to open one or to save anyway. Editing a patient is not held up.
import { useState } from 'react';
import { api, BLOOD_GROUPS, GENDERS, type BloodGroup, type Gender, type Patient, type PatientInput, type Warning } from '../api';
import { FormError, SelectField, TextAreaField, TextField } from '../components/Field';
import { btn, link } from '../components/styles';
import { useNotify } from '../components/Banner';
import { useFormSubmit } from '../lib/forms';
import { formatDate, genderLabel, today } from '../lib/format';
import { useDraft } from '../lib/hooks';
import { validatePatient, type PatientFields } from '../lib/validate';
import { Link } from '../router';

function fieldsOf(p?: Patient): PatientFields {
  return {
    name: p?.name ?? '',
    email: p?.email ?? '',
    date_of_birth: p?.date_of_birth ?? '',
    phone: p?.phone ?? '',
    blood_group: p?.blood_group ?? '',
    gender: p?.gender ?? '',
    address: p?.address ?? '',
  };
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

/** The body to send: everything for a new patient, only what changed for an edit. */
function toInput(f: PatientFields, original?: Patient): Partial<PatientInput> {
  const full: PatientInput = {
    name: f.name.trim(),
    email: f.email.trim(),
    date_of_birth: f.date_of_birth,
    phone: orNull(f.phone),
    address: orNull(f.address),
    blood_group: (f.blood_group || null) as BloodGroup | null,
    gender: (f.gender || null) as Gender | null,
  };
  if (!original) {
    const created: PatientInput = { name: full.name, email: full.email, date_of_birth: full.date_of_birth };
    if (full.phone) created.phone = full.phone;
    if (full.address) created.address = full.address;
    if (full.blood_group) created.blood_group = full.blood_group;
    if (full.gender) created.gender = full.gender;
    return created;
  }
  const changed: Partial<PatientInput> = {};
  for (const key of Object.keys(full) as (keyof PatientInput)[]) {
    if ((full[key] ?? null) !== (original[key] ?? null)) (changed as Record<string, unknown>)[key] = full[key];
  }
  return changed;
}

interface PatientFormProps {
  patient?: Patient;
  /** Whether the user may see and set the blood group (clinical data); true by default. */
  clinical?: boolean;
  onSaved?: (patient: Patient) => void;
  onCancel?: () => void;
}

export function PatientForm({ patient, clinical = true, onSaved, onCancel }: PatientFormProps) {
  const notify = useNotify();
  const { form, errors, formError, saving, submit, clearError, reset } = useFormSubmit({ conflictField: 'email' });
  const [warnings, setWarnings] = useState<Warning[]>([]);
  // The possible matches of the values they were found for; saving those same values
  // again is "save anyway".
  const [matches, setMatches] = useState<{ key: string; found: Patient[] } | null>(null);
  const [values, setValues, clearDraft, restored] = useDraft(
    patient ? `patient-edit-${patient.id}` : 'patient-new',
    fieldsOf(patient),
  );

  function set<K extends keyof PatientFields>(key: K, value: PatientFields[K]) {
    setValues({ ...values, [key]: value });
    clearError(key);
  }

  async function save() {
    const body = toInput(values, patient);
    // The server refuses a body that names the blood group from someone who may not set it.
    if (!clinical) delete body.blood_group;
    let saved = patient;
    setWarnings([]);
    if (!patient) {
      const q = { name: values.name.trim(), date_of_birth: values.date_of_birth, phone: values.phone.trim(), email: values.email.trim() };
      const key = JSON.stringify(q);
      if (matches?.key !== key) {
        const found = await api.patients.matches(q);
        if (found.length > 0) {
          setMatches({ key, found });
          return;
        }
      }
      setMatches(null);
      const created = await api.patients.create(body as PatientInput);
      saved = created.patient;
      setWarnings(created.warnings);
      notify.success(`Added patient ${saved.name}.`);
    } else if (Object.keys(body).length > 0) {
      saved = await api.patients.update(patient.id, body);
      notify.success(`Saved changes to ${saved.name}.`);
    }
    clearDraft();
    if (saved) onSaved?.(saved);
  }

  const idPrefix = patient ? `patient-${patient.id}` : 'new-patient';

  return (
    <form
      ref={form}
      onSubmit={(e) => submit(e, () => validatePatient(values), save)}
      noValidate className="space-y-4" aria-label={patient ? 'Edit patient' : 'Add patient'}>
      {restored && (
        <p className="rounded-md bg-sky-50 px-3 py-2 text-xs text-sky-900">Your unsaved input was restored.</p>
      )}
      <FormError message={formError} />
      {warnings.map((w) => (
        <div key={`${w.type}-${w.patient_id}`} role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <p>
            <span className="font-semibold">Check for a duplicate:</span> {w.message}.
          </p>
          {w.patient_id && (
            <Link to={`/patients/${w.patient_id}`} className={`${link} text-sm`}>
              Open patient #{w.patient_id}
            </Link>
          )}
        </div>
      ))}
      {matches && <PossibleMatches found={matches.found} />}
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id={`${idPrefix}-name`}
          label="Full name"
          required
          autoComplete="off"
          value={values.name}
          error={errors.name}
          maxLength={100}
          onChange={(e) => set('name', e.target.value)}
        />
        <TextField
          id={`${idPrefix}-dob`}
          label="Date of birth"
          type="date"
          required
          max={today()}
          value={values.date_of_birth}
          error={errors.date_of_birth}
          onChange={(e) => set('date_of_birth', e.target.value)}
        />
        <TextField
          id={`${idPrefix}-email`}
          label="Email"
          type="email"
          required
          autoComplete="off"
          value={values.email}
          error={errors.email}
          onChange={(e) => set('email', e.target.value)}
        />
        <TextField
          id={`${idPrefix}-phone`}
          label="Phone"
          type="tel"
          autoComplete="off"
          value={values.phone}
          error={errors.phone}
          onChange={(e) => set('phone', e.target.value)}
        />
        <SelectField
          id={`${idPrefix}-gender`}
          label="Gender"
          value={values.gender}
          error={errors.gender}
          onChange={(e) => set('gender', e.target.value)}
        >
          <option value="">Not recorded</option>
          {GENDERS.map((g) => (
            <option key={g} value={g}>
              {genderLabel(g)}
            </option>
          ))}
        </SelectField>
        {clinical && (
          <SelectField
            id={`${idPrefix}-blood`}
            label="Blood group"
            value={values.blood_group}
            error={errors.blood_group}
            onChange={(e) => set('blood_group', e.target.value)}
          >
            <option value="">Unknown</option>
            {BLOOD_GROUPS.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </SelectField>
        )}
        <TextAreaField
          id={`${idPrefix}-address`}
          label="Address"
          className="sm:col-span-2"
          rows={2}
          value={values.address}
          error={errors.address}
          onChange={(e) => set('address', e.target.value)}
        />
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={btn.primary} disabled={saving}>
          {saving ? 'Saving…' : patient ? 'Save changes' : matches ? 'Save anyway' : 'Add patient'}
        </button>
        {onCancel && (
          <button
            type="button"
            className={btn.secondary}
            onClick={() => {
              clearDraft();
              onCancel();
            }}
          >
            Cancel
          </button>
        )}
        {!patient && !onCancel && (values.name || values.email) && (
          <button
            type="button"
            className={btn.secondary}
            onClick={() => {
              clearDraft();
              reset();
            }}
          >
            Clear
          </button>
        )}
      </div>
    </form>
  );
}

/** The patients the person being registered may already be, each to open instead. */
function PossibleMatches({ found }: { found: Patient[] }) {
  return (
    <section
      role="status"
      aria-label="Possible matches"
      className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-3 text-sm text-amber-950"
    >
      <p>
        <span className="font-semibold">
          {found.length === 1 ? 'This person may already be registered.' : `This person may already be registered (${found.length} matches).`}
        </span>{' '}
        Open the patient instead, or check the details and choose <span className="font-semibold">Save anyway</span>.
      </p>
      <ul className="divide-y divide-amber-200">
        {found.map((p) => (
          <li key={p.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
            <span className="min-w-0">
              <span className="font-medium">{p.name}</span> <span className="font-mono text-xs">{p.mrn ?? `#${p.id}`}</span>
              {p.active === false && (
                <span className="ml-2 rounded bg-slate-200 px-1.5 py-0.5 text-xs text-slate-800">
                  {p.replaced_by ? 'merged' : 'deactivated'}
                </span>
              )}
              <span className="block text-xs text-amber-900">
                Born {formatDate(p.date_of_birth)}
                {p.phone ? ` · ${p.phone}` : ''}
                {p.email ? ` · ${p.email}` : ''}
              </span>
            </span>
            <Link to={`/patients/${p.id}`} className={`${link} shrink-0 text-sm`}>
              Open {p.mrn ?? `patient #${p.id}`}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
