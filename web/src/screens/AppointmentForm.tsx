// Book an appointment: pick the patient by search, the doctor, the date and time.
import { useEffect } from 'react';
import { api, type Appointment, type AppointmentInput } from '../api';
import { FormError, TextAreaField, TextField } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { btn } from '../components/styles';
import { useNotify } from '../components/Banner';
import { DoctorList } from '../lib/doctors';
import { useFormSubmit } from '../lib/forms';
import { toRFC3339, today } from '../lib/format';
import { useDraft } from '../lib/hooks';
import { validateAppointment } from '../lib/validate';

interface BookingDraft {
  patient: PatientRef | null;
  doctor_name: string;
  date: string;
  time: string;
  reason: string;
}

const blank: BookingDraft = { patient: null, doctor_name: '', date: '', time: '', reason: '' };

interface AppointmentFormProps {
  doctors: string[];
  /** A patient to start with (from ?patient=). */
  initialPatient?: PatientRef | null;
  onSaved?: (a: Appointment) => void;
}

export function AppointmentForm({ doctors, initialPatient, onSaved }: AppointmentFormProps) {
  const notify = useNotify();
  // The server speaks of appointment_datetime; the form has a date and a time.
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit({
    fieldAliases: { appointment_datetime: 'time' },
  });
  const [values, setValues, clearDraft] = useDraft<BookingDraft>('appointment-new', blank);

  useEffect(() => {
    if (initialPatient) setValues({ ...values, patient: initialPatient });
  }, [initialPatient]);

  function set<K extends keyof BookingDraft>(key: K, value: BookingDraft[K]) {
    setValues({ ...values, [key]: value });
    clearError(key === 'patient' ? 'patient_id' : key);
  }

  async function save() {
    if (!values.patient) return;
    const body: AppointmentInput = {
      patient_id: values.patient.id,
      doctor_name: values.doctor_name.trim(),
      appointment_datetime: toRFC3339(values.date, values.time),
    };
    if (values.reason.trim()) body.reason = values.reason.trim();
    const saved = await api.appointments.create(body);
    clearDraft();
    notify.success(`Booked ${saved.patient_name || values.patient.name} with ${saved.doctor_name}.`);
    onSaved?.(saved);
  }

  return (
    <form
      ref={form}
      onSubmit={(e) => submit(e, () => validateAppointment({ ...values, patient_id: values.patient?.id ?? null }), save)}
      noValidate
      className="space-y-4"
      aria-label="Book appointment"
    >
      <FormError message={formError} />
      <PatientPicker value={values.patient} onChange={(p) => set('patient', p)} error={errors.patient_id} required />
      <TextField
        id="booking-doctor"
        label="Doctor"
        required
        list="booking-doctor-names"
        autoComplete="off"
        maxLength={100}
        value={values.doctor_name}
        error={errors.doctor_name}
        onChange={(e) => set('doctor_name', e.target.value)}
      />
      <DoctorList id="booking-doctor-names" names={doctors} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="booking-date"
          label="Date"
          type="date"
          required
          min={today()}
          value={values.date}
          error={errors.date}
          onChange={(e) => set('date', e.target.value)}
        />
        <TextField
          id="booking-time"
          label="Time"
          type="time"
          required
          step={300}
          value={values.time}
          error={errors.time}
          onChange={(e) => set('time', e.target.value)}
        />
      </div>
      <TextAreaField
        id="booking-reason"
        label="Reason"
        rows={2}
        value={values.reason}
        error={errors.reason}
        onChange={(e) => set('reason', e.target.value)}
      />
      <button type="submit" className={btn.primary} disabled={saving}>
        {saving ? 'Booking…' : 'Book appointment'}
      </button>
    </form>
  );
}
