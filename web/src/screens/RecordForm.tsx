// Add a medical record. With a fixed patient (the patient page) the picker is hidden.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type MedicalRecord, type RecordInput } from '../api';
import { FormError, TextAreaField, TextField } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { btn } from '../components/styles';
import { useNotify } from '../components/Banner';
import { DoctorList, useDoctorNames } from '../lib/doctors';
import { focusFirstInvalid, saveErrors } from '../lib/errors';
import { today } from '../lib/format';
import { useDraft } from '../lib/hooks';
import { hasErrors, validateRecord, type FieldErrors } from '../lib/validate';
import { useSession } from '../session';

interface RecordFormProps {
  /** The patient the record is for; when set, no picker is shown. */
  patient: PatientRef | null;
  onPatientChange?: (p: PatientRef | null) => void;
  onSaved?: (record: MedicalRecord) => void;
  onCancel?: () => void;
}

export function RecordForm({ patient, onPatientChange, onSaved, onCancel }: RecordFormProps) {
  const notify = useNotify();
  const { user } = useSession();
  const doctors = useDoctorNames();
  const form = useRef<HTMLFormElement>(null);
  const initial = {
    diagnosis: '',
    doctor_name: user?.role === 'doctor' ? user.name : '',
    prescription: '',
    record_date: today(),
    notes: '',
  };
  // With a picker the draft outlives a change of patient; on a patient page it is theirs.
  const draftKey = onPatientChange ? 'record-new' : `record-${patient?.id}`;
  const [values, setValues, clearDraft] = useDraft(draftKey, initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [focusErrors, setFocusErrors] = useState(0);

  useEffect(() => {
    if (focusErrors) focusFirstInvalid(form.current);
  }, [focusErrors]);

  function set(key: keyof typeof initial, value: string) {
    setValues({ ...values, [key]: value });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const found = validateRecord({ ...values, patient_id: patient?.id ?? null });
    setErrors(found);
    if (hasErrors(found) || !patient) {
      setFocusErrors((n) => n + 1);
      return;
    }
    const body: RecordInput = {
      patient_id: patient.id,
      diagnosis: values.diagnosis.trim(),
      doctor_name: values.doctor_name.trim(),
    };
    if (values.prescription.trim()) body.prescription = values.prescription.trim();
    if (values.record_date) body.record_date = values.record_date;
    if (values.notes.trim()) body.notes = values.notes.trim();
    setSaving(true);
    try {
      const saved = await api.records.create(body);
      clearDraft();
      notify.success(`Added a medical record for ${patient.name}.`);
      onSaved?.(saved);
    } catch (err) {
      const { fields, message } = saveErrors(err);
      setErrors(fields);
      setFormError(message);
      if (message) notify.error(message);
      setFocusErrors((n) => n + 1);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="space-y-4" aria-label="Add medical record">
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
        <DoctorList id="record-doctor-names" names={doctors} />
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
