// The patient's chart on their page: visits, vital signs with their trends, allergies,
// problems and medications. Shown to the roles that may read the chart.
import { useState } from 'react';
import {
  ALLERGY_CRITICALITIES,
  ALLERGY_SEVERITIES,
  api,
  VITAL_KINDS,
  type Medication,
  type Patient,
  type VitalKind,
  type VitalSign,
} from '../../api';
import { Badge } from '../../components/Badge';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError, SelectField, TextField } from '../../components/Field';
import { LoadingBlock } from '../../components/Spinner';
import { EmptyState, ErrorState } from '../../components/States';
import { btn, link, panel, panelTitle } from '../../components/styles';
import { VitalChart } from '../../components/VitalChart';
import { useAction, useFormSubmit } from '../../lib/forms';
import { formatDate, formatDateTime, today } from '../../lib/format';
import { useAsync, useReloadOnChange } from '../../lib/hooks';
import { Link, navigate } from '../../router';
import { useSession } from '../../session';
import { VitalsForm } from './VitalsForm';

export const VITAL_LABELS: Record<VitalKind, string> = {
  blood_pressure: 'Blood pressure',
  heart_rate: 'Heart rate',
  respiratory_rate: 'Respiratory rate',
  temperature: 'Temperature',
  oxygen_saturation: 'SpO₂',
  weight: 'Weight',
  height: 'Height',
  bmi: 'BMI',
};

/** How people write the UCUM units that vital signs are stored in. */
const UNIT_LABELS: Record<string, string> = { 'mm[Hg]': 'mmHg', Cel: '°C', 'kg/m2': 'kg/m²' };

export function vitalValue(v: VitalSign): string {
  return `${v.value}${v.diastolic !== undefined ? `/${v.diastolic}` : ''} ${UNIT_LABELS[v.unit] ?? v.unit}`;
}

export function PatientChart({ patient }: { patient: Patient }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Visits patient={patient} />
      <Allergies patientId={patient.id} />
      <Vitals patientId={patient.id} />
      <div className="space-y-6">
        <Problems patientId={patient.id} />
        <Medications patientId={patient.id} />
      </div>
    </div>
  );
}

function Section({ id, title, action, children }: { id: string; title: string; action?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section className={`${panel} p-5`} aria-labelledby={`${id}-title`}>
      <div className="mb-3 flex items-center justify-between gap-3">
        <h3 id={`${id}-title`} className={panelTitle}>
          {title}
        </h3>
        {action}
      </div>
      {children}
    </section>
  );
}

function Visits({ patient }: { patient: Patient }) {
  const [, run] = useAction();
  const visits = useAsync((signal) => api.visits.forPatient(patient.id, signal), [patient.id]);
  useReloadOnChange(visits.reload, (path) => path.startsWith('/api/visits') || path.startsWith('/api/appointments'));
  const startWalkIn = () =>
    run(async () => {
      const v = await api.visits.create({ patient_id: patient.id });
      navigate(`/visits/${v.id}`);
    }, `Opened a visit for ${patient.name}.`);
  return (
    <Section
      id="visits"
      title="Visits"
      action={
        <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => void startWalkIn()}>
          Start walk-in visit
        </button>
      }
    >
      {visits.error ? (
        <ErrorState error={visits.error} onRetry={visits.reload} />
      ) : !visits.data ? (
        <LoadingBlock />
      ) : visits.data.length === 0 ? (
        <EmptyState title="No visits yet">Checking the patient in opens one.</EmptyState>
      ) : (
        <ol className="relative ml-2 border-l-2 border-slate-200" aria-label="Visit timeline">
          {visits.data.map((v) => (
            <li key={v.id} className="relative pb-4 pl-6 last:pb-0">
              <span aria-hidden="true" className="absolute -left-[9px] top-1 h-4 w-4 rounded-full border-2 border-white bg-sky-700" />
              <Link to={`/visits/${v.id}`} className={link}>
                {formatDateTime(v.started_at)}
              </Link>{' '}
              <Badge tone={v.status === 'open' ? 'emerald' : 'slate'}>{v.status}</Badge>{' '}
              {v.signed_at && <Badge tone="sky">signed</Badge>}
              {v.reason && <p className="mt-0.5 text-sm text-slate-700">{v.reason}</p>}
              {v.assessment && <p className="text-sm text-slate-600">Assessment: {v.assessment}</p>}
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}

function Vitals({ patientId }: { patientId: number }) {
  const { can } = useSession();
  const [adding, setAdding] = useState(false);
  const vitals = useAsync((signal) => api.vitals.forPatient(patientId, signal), [patientId]);
  useReloadOnChange(vitals.reload, (path) => path.endsWith('/vitals'));
  return (
    <Section
      id="vitals"
      title="Vital signs"
      action={
        can('chart.nursing') && !adding ? (
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setAdding(true)}>
            Record vitals
          </button>
        ) : undefined
      }
    >
      {adding && (
        <div className="mb-4 rounded-lg border border-slate-200 bg-slate-50 p-4">
          <VitalsForm patientId={patientId} />
          <button type="button" className={`${btn.quiet} mt-2`} onClick={() => setAdding(false)}>
            Close
          </button>
        </div>
      )}
      {vitals.error ? (
        <ErrorState error={vitals.error} onRetry={vitals.reload} />
      ) : !vitals.data ? (
        <LoadingBlock />
      ) : vitals.data.vitals.length === 0 ? (
        <EmptyState title="No vital signs recorded" />
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2" aria-label="Latest vital signs">
          {VITAL_KINDS.filter((k) => vitals.data?.latest[k]).map((k) => {
            const latest = vitals.data!.latest[k]!;
            const series = vitals.data!.vitals.filter((v) => v.kind === k);
            return (
              <li key={k} className="rounded-md border border-slate-200 p-3" data-testid={`vital-${k}`}>
                <p className="text-xs font-medium uppercase tracking-wide text-slate-600">{VITAL_LABELS[k]}</p>
                <p className="text-lg font-semibold text-slate-900">{vitalValue(latest)}</p>
                <p className="text-xs text-slate-600">
                  {formatDateTime(latest.effective_at)} · LOINC {latest.code}
                </p>
                {series.length > 1 && <VitalChart title={VITAL_LABELS[k]} vitals={series} />}
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

function Allergies({ patientId }: { patientId: number }) {
  const { can } = useSession();
  const [, run] = useAction();
  const [adding, setAdding] = useState(false);
  const allergies = useAsync((signal) => api.allergies.forPatient(patientId, signal), [patientId]);
  useReloadOnChange(allergies.reload, (path) => path.includes('/allergies'));
  const list = allergies.data?.allergies.filter((a) => !a.no_known_allergies) ?? [];
  return (
    <Section
      id="allergies"
      title="Allergies"
      action={
        can('chart.nursing') && !adding ? (
          <div className="flex gap-2">
            <button
              type="button"
              className={`${btn.secondary} ${btn.small}`}
              onClick={() => void run(() => api.allergies.create(patientId, { no_known_allergies: true }), 'Recorded: no known allergies.')}
            >
              No known allergies
            </button>
            <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setAdding(true)}>
              Add allergy
            </button>
          </div>
        ) : undefined
      }
    >
      {adding && <AllergyForm patientId={patientId} onDone={() => setAdding(false)} />}
      {allergies.error ? (
        <ErrorState error={allergies.error} onRetry={allergies.reload} />
      ) : !allergies.data ? (
        <LoadingBlock />
      ) : list.length === 0 ? (
        <EmptyState title={allergies.data.noKnown ? 'No known allergies' : 'No allergies recorded'} />
      ) : (
        <ul className="space-y-2" aria-label="Allergy list">
          {list.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 text-sm">
              <span>
                <span className="font-semibold text-slate-900">{a.substance}</span>
                {a.reaction && ` — ${a.reaction}`} {a.severity && <Badge tone="red">{a.severity}</Badge>}{' '}
                {a.criticality && <Badge tone="amber">criticality {a.criticality}</Badge>}{' '}
                <Badge tone={a.clinical_status === 'active' ? 'red' : 'slate'}>{a.clinical_status}</Badge>
              </span>
              {can('chart.nursing') && a.clinical_status === 'active' && (
                <button
                  type="button"
                  className={`${btn.quiet} ${btn.small}`}
                  onClick={() => void run(() => api.allergies.update(a.id, { clinical_status: 'resolved' }), `Marked ${a.substance} resolved.`)}
                >
                  Mark resolved
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function AllergyForm({ patientId, onDone }: { patientId: number; onDone: () => void }) {
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit();
  const [v, setV] = useState({ substance: '', reaction: '', severity: '', criticality: '' });
  const set = (k: keyof typeof v, value: string) => {
    setV({ ...v, [k]: value });
    clearError(k);
  };
  return (
    <form
      ref={form}
      noValidate
      aria-label="Add allergy"
      className="mb-4 space-y-3 rounded-lg border border-slate-200 bg-slate-50 p-4"
      onSubmit={(e) =>
        submit(
          e,
          (): Record<string, string> => (v.substance.trim() ? {} : { substance: 'Enter the substance.' }),
          async () => {
            await api.allergies.create(patientId, {
              substance: v.substance.trim(),
              reaction: v.reaction.trim() || undefined,
              severity: v.severity || undefined,
              criticality: v.criticality || undefined,
            });
            onDone();
          },
        )
      }
    >
      <FormError message={formError} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField id="allergy-substance" label="Substance" required value={v.substance} error={errors.substance} onChange={(e) => set('substance', e.target.value)} />
        <TextField id="allergy-reaction" label="Reaction" value={v.reaction} error={errors.reaction} onChange={(e) => set('reaction', e.target.value)} />
        <SelectField id="allergy-severity" label="Severity" value={v.severity} error={errors.severity} onChange={(e) => set('severity', e.target.value)}>
          <option value="">—</option>
          {ALLERGY_SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </SelectField>
        <SelectField id="allergy-criticality" label="Criticality" value={v.criticality} error={errors.criticality} onChange={(e) => set('criticality', e.target.value)}>
          <option value="">—</option>
          {ALLERGY_CRITICALITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </SelectField>
      </div>
      <div className="flex gap-2">
        <button type="submit" className={btn.primary} disabled={saving}>
          Add allergy
        </button>
        <button type="button" className={btn.secondary} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Problems({ patientId }: { patientId: number }) {
  const { can } = useSession();
  const [, run] = useAction();
  const [description, setDescription] = useState('');
  const problems = useAsync((signal) => api.problems.forPatient(patientId, signal), [patientId]);
  useReloadOnChange(problems.reload, (path) => path.includes('/problems'));
  return (
    <Section id="problems" title="Problem list">
      {can('chart.sign') && (
        <form
          className="mb-3 flex gap-2"
          aria-label="Add problem"
          onSubmit={(e) => {
            e.preventDefault();
            if (!description.trim()) return;
            void run(() => api.problems.create(patientId, { description: description.trim() }), 'Added to the problem list.').then(
              (ok) => ok && setDescription(''),
            );
          }}
        >
          <label htmlFor="problem-description" className="sr-only">
            New problem
          </label>
          <input
            id="problem-description"
            className="block w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm"
            placeholder="New problem, e.g. Asthma"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <button type="submit" className={`${btn.secondary} ${btn.small}`}>
            Add
          </button>
        </form>
      )}
      {problems.error ? (
        <ErrorState error={problems.error} onRetry={problems.reload} />
      ) : !problems.data ? (
        <LoadingBlock />
      ) : problems.data.length === 0 ? (
        <EmptyState title="No problems recorded" />
      ) : (
        <ul className="space-y-2 text-sm" aria-label="Problems">
          {problems.data.map((p) => (
            <li key={p.id} className="flex flex-wrap items-center justify-between gap-2">
              <span>
                <span className="font-medium text-slate-900">{p.description}</span>{' '}
                <Badge tone={p.clinical_status === 'active' ? 'amber' : 'slate'}>{p.clinical_status}</Badge>
                {p.onset_date && <span className="text-slate-600"> since {formatDate(p.onset_date)}</span>}
              </span>
              {can('chart.sign') && p.clinical_status === 'active' && (
                <button
                  type="button"
                  className={`${btn.quiet} ${btn.small}`}
                  onClick={() => void run(() => api.problems.update(p.id, { clinical_status: 'resolved' }), `Resolved ${p.description}.`)}
                >
                  Resolve
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function Medications({ patientId }: { patientId: number }) {
  const { can } = useSession();
  const [, run] = useAction();
  const meds = useAsync((signal) => api.medications.forPatient(patientId, true, signal), [patientId]);
  useReloadOnChange(meds.reload, (path) => path.startsWith('/api/medications') || path.startsWith('/api/records'));
  return (
    <Section id="medications" title="Medications">
      {meds.error ? (
        <ErrorState error={meds.error} onRetry={meds.reload} />
      ) : !meds.data ? (
        <LoadingBlock />
      ) : meds.data.length === 0 ? (
        <EmptyState title="No medications" />
      ) : (
        <ul className="space-y-2 text-sm" aria-label="Medication list">
          {meds.data.map((m) => (
            <li key={m.record_id} className="flex flex-wrap items-center justify-between gap-2">
              <span className={m.status === 'stopped' ? 'text-slate-500 line-through' : ''}>
                <span className="font-medium">{m.prescription}</span> · since {formatDate(m.started_on)}
                {m.stopped_on && ` · stopped ${formatDate(m.stopped_on)} (${m.stop_reason})`}
              </span>
              {can('chart.sign') && m.status === 'active' && <StopMedicationButton medication={m} run={run} />}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

/** Stop asks, in a dialog, why and since when (today unless told); the API wants a reason. */
function StopMedicationButton({ medication: m, run }: { medication: Medication; run: ReturnType<typeof useAction>[1] }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(today());
  const [error, setError] = useState<string | undefined>();
  async function confirm() {
    if (!reason.trim()) {
      setError('Say why it is stopped.');
      return;
    }
    setBusy(true);
    const ok = await run(() => api.medications.stop(m.record_id, reason.trim(), date || undefined), `Stopped ${m.prescription}.`);
    setBusy(false);
    if (ok) setOpen(false);
  }
  return (
    <>
      <button
        type="button"
        className={`${btn.quiet} ${btn.small}`}
        aria-label={`Stop ${m.prescription}`}
        onClick={() => {
          setReason('');
          setDate(today());
          setError(undefined);
          setOpen(true);
        }}
      >
        Stop
      </button>
      {open && (
        <ConfirmDialog
          title={`Stop ${m.prescription}?`}
          confirmLabel="Stop medication"
          dismissLabel="Keep it"
          busy={busy}
          onConfirm={() => void confirm()}
          onCancel={() => setOpen(false)}
        >
          <div className="space-y-3">
            <p>It stays in the medication list as stopped, with the reason.</p>
            <TextField
              id={`stop-${m.record_id}-reason`}
              label="Reason"
              required
              placeholder="side effects"
              value={reason}
              error={error}
              onChange={(e) => {
                setReason(e.target.value);
                setError(undefined);
              }}
            />
            <TextField id={`stop-${m.record_id}-date`} label="Stopped on" type="date" max={today()} value={date} onChange={(e) => setDate(e.target.value)} />
          </div>
        </ConfirmDialog>
      )}
    </>
  );
}
