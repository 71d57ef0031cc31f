// Add a medical record. With a fixed patient (the patient page) the picker is hidden.
import { api, type MedicalRecord, type RecordInput } from '../api';
import { FormError, TextAreaField, TextField } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { btn } from '../components/styles';
import { useNotify } from '../components/Banner';
import { DoctorList, useDoctors } from '../lib/doctors';
import { useFormSubmit } from '../lib/forms';
import { today } from '../lib/format';
import { useDraft } from '../lib/hooks';
import { validateRecord } from '../lib/validate';
import { useSession } from '../session';

interface RecordFormProps {
  /** The patient the record is for; when set, no picker is shown. */
  patient: PatientRef | null;
  onPatientChange?: (p: PatientRef | null) => void;
  onSaved?: (record: MedicalRecord) => void;
  onCancel?: () => void;
  /** The visit the record belongs to. */
  visitId?: number;
}

export function RecordForm({ patient, onPatientChange, onSaved, onCancel, visitId }: RecordFormProps) {
  const notify = useNotify();
  const { user } = useSession();
  const doctors = useDoctors();
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit();
  const initial = {
    diagnosis: '',
    doctor_name: user?.role === 'doctor' ? user.name : '',
    prescription: '',
    record_date: today(),
    notes: '',
  };
  // With a picker the draft outlives a change of patient; on a patient page it is theirs.
  const draftKey = onPatientChange ? 'record-new' : `record-${patient?.id}${visitId ? `-visit-${visitId}` : ''}`;
  const [values, setValues, clearDraft] = useDraft(draftKey, initial);

  function set(key: keyof typeof initial, value: string) {
    setValues({ ...values, [key]: value });
    clearError(key);
  }

  async function save() {
    if (!patient) return;
    const body: RecordInput = {
      patient_id: patient.id,
      diagnosis: values.diagnosis.trim(),
      doctor_name: values.doctor_name.trim(),
    };
    if (visitId) body.visit_id = visitId;
    if (values.prescription.trim()) body.prescription = values.prescription.trim();
    if (values.record_date) body.record_date = values.record_date;
    if (values.notes.trim()) body.notes = values.notes.trim();
    const saved = await api.records.create(body);
    clearDraft();
    notify.success(`Added a medical record for ${patient.name}.`);
    onSaved?.(saved);
  }

  return (
    <form
      ref={form}
      onSubmit={(e) => submit(e, () => validateRecord({ ...values, patient_id: patient?.id ?? null }), save)}
      noValidate
      className="space-y-4"
      aria-label="Add medical record"
    >
      <FormError message={formError} />
      {onPatientChange && (
        <PatientPicker value={patient} onChange={onPatientChange} error={errors.patient_id} required />
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="record-diagnosis"
          label="Diagnosis"
          required
          className="sm:col-span-2"
          value={values.diagnosis}
          error={errors.diagnosis}
          onChange={(e) => set('diagnosis', e.target.value)}
        />
        <TextField
          id="record-doctor"
          label="Doctor"
          required
          list="record-doctor-names"
          autoComplete="off"
          value={values.doctor_name}
          error={errors.doctor_name}
          maxLength={100}
          onChange={(e) => set('doctor_name', e.target.value)}
        />
        <DoctorList id="record-doctor-names" names={doctors.names} />
        <TextField
          id="record-date"
          label="Date"
          type="date"
          max={today()}
          value={values.record_date}
          error={errors.record_date}
          onChange={(e) => set('record_date', e.target.value)}
        />
        <TextAreaField
          id="record-prescription"
          label="Prescription"
          className="sm:col-span-2"
          rows={2}
          value={values.prescription}
          error={errors.prescription}
          onChange={(e) => set('prescription', e.target.value)}
        />
        <TextAreaField
          id="record-notes"
          label="Notes"
          className="sm:col-span-2"
          rows={3}
          value={values.notes}
          error={errors.notes}
          onChange={(e) => set('notes', e.target.value)}
        />
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={btn.primary} disabled={saving}>
          {saving ? 'Saving…' : 'Add record'}
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
      </div>
    </form>
  );
}
