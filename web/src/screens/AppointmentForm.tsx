// Book an appointment: pick the patient by search, the doctor, the date and a free
// time (the doctor's open slots are offered where the server knows the doctor).
import { useEffect, useState } from 'react';
import { api, ApiError, type Appointment, type AppointmentInput, type Frequency, type SeriesConflict } from '../api';
import { FormError, SelectField, TextAreaField, TextField } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { btn } from '../components/styles';
import { useNotify } from '../components/Banner';
import { DoctorList, withinHours, type Doctors } from '../lib/doctors';
import { useFormSubmit } from '../lib/forms';
import { formatDateTime, formatTime, isoTime, toRFC3339, today } from '../lib/format';
import { useAsync, useDebounced, useDraft } from '../lib/hooks';
import { validateAppointment, validateRepeat, type FieldErrors } from '../lib/validate';

interface BookingDraft {
  patient: PatientRef | null;
  doctor_name: string;
  date: string;
  time: string;
  duration: string;
  reason: string;
  /** '' for a single appointment. */
  repeat: Frequency | '';
  every: string;
  ends: 'count' | 'until';
  count: string;
  until: string;
}

export const DEFAULT_DURATION = '30';
const DURATIONS = ['10', '15', '20', '30', '45', '60', '90'];

const blank: BookingDraft = {
  patient: null,
  doctor_name: '',
  date: '',
  time: '',
  duration: DEFAULT_DURATION,
  reason: '',
  repeat: '',
  every: '1',
  ends: 'count',
  count: '4',
  until: '',
};

const UNITS: Record<Frequency, [string, string]> = { daily: ['day', 'days'], weekly: ['week', 'weeks'], monthly: ['month', 'months'] };

/** A series refused as a whole (409 with every clashing occurrence) as a message under Repeat. */
export function explainSeriesConflict(err: ApiError): FieldErrors | null {
  const conflicts = err.body.conflicts as SeriesConflict[] | undefined;
  if (err.status !== 409 || !Array.isArray(conflicts) || conflicts.length === 0) return null;
  const list = conflicts.map((c) => `${formatDateTime(c.start)} (${c.with === 'patient' ? 'the patient' : 'the doctor'} is booked)`);
  return {
    repeat: `Nothing was booked: ${conflicts.length === 1 ? 'one occurrence clashes' : `${conflicts.length} occurrences clash`}: ${list.join('; ')}.`,
  };
}

/** A double booking (409 with the times it clashes with) as a message under the time. */
export function explainConflict(err: ApiError): FieldErrors | null {
  const conflict = err.body.conflict as { start?: string; end?: string } | undefined;
  if (err.status !== 409 || !conflict?.start || !conflict.end) return null;
  const who = /patient/i.test(err.message) ? 'The patient' : 'The doctor';
  return { time: `${who} already has an appointment ${formatTime(conflict.start)}–${formatTime(conflict.end)}` };
}

interface AppointmentFormProps {
  doctors: Doctors;
  /** A patient to start with (from ?patient=). */
  initialPatient?: PatientRef | null;
  /** A doctor, date and time to start with (a free slot clicked on the calendar). */
  initialSlot?: { doctor: string; date: string; time: string } | null;
  onSaved?: (a: Appointment) => void;
}

export function AppointmentForm({ doctors, initialPatient, initialSlot, onSaved }: AppointmentFormProps) {
  const notify = useNotify();
  // The server speaks of appointment_datetime; the form has a date and a time.
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit({
    fieldAliases: {
      appointment_datetime: 'time',
      duration_minutes: 'duration',
      recurrence: 'repeat',
      'recurrence.frequency': 'repeat',
      'recurrence.interval': 'every',
      'recurrence.count': 'count',
      'recurrence.until': 'until',
    },
    explain: (err) => explainSeriesConflict(err) ?? explainConflict(err),
  });
  const [values, setValues, clearDraft] = useDraft<BookingDraft>('appointment-new', blank);

  useEffect(() => {
    if (initialPatient) setValues({ ...values, patient: initialPatient });
  }, [initialPatient]);

  const slotKey = initialSlot ? `${initialSlot.doctor}|${initialSlot.date}|${initialSlot.time}` : '';
  useEffect(() => {
    if (initialSlot) setValues({ ...values, doctor_name: initialSlot.doctor, date: initialSlot.date, time: initialSlot.time });
  }, [slotKey]);

  function set<K extends keyof BookingDraft>(key: K, value: BookingDraft[K]) {
    setValues({ ...values, [key]: value });
    clearError(key === 'patient' ? 'patient_id' : key);
  }

  async function save() {
    if (!values.patient) return;
    const listed = doctors.find(values.doctor_name);
    const body: AppointmentInput = {
      patient_id: values.patient.id,
      ...(listed ? { doctor_id: listed.id } : { doctor_name: values.doctor_name.trim() }),
      appointment_datetime: toRFC3339(values.date, values.time),
    };
    if (values.duration && values.duration !== DEFAULT_DURATION) body.duration_minutes = Number(values.duration);
    if (values.reason.trim()) body.reason = values.reason.trim();
    let saved: Appointment;
    if (values.repeat) {
      body.recurrence = { frequency: values.repeat, interval: Number(values.every) };
      if (values.ends === 'count') body.recurrence.count = Number(values.count);
      else body.recurrence.until = values.until;
      const series = await api.appointments.createSeries(body);
      saved = series.first;
      notify.success(
        `Booked ${series.appointments.length} appointments (${values.repeat}) for ${saved.patient_name || values.patient.name} with ${saved.doctor_name}.`,
      );
    } else {
      saved = await api.appointments.create(body);
      notify.success(`Booked ${saved.patient_name || values.patient.name} with ${saved.doctor_name}.`);
    }
    clearDraft();
    setOutsideOk(false);
    // The doctor and the date stay for the next patient.
    setValues({ ...blank, doctor_name: values.doctor_name, date: values.date, duration: values.duration });
    onSaved?.(saved);
  }

  const doctorName = useDebounced(values.doctor_name, 300);
  const doctor = doctors.find(doctorName);
  const [outsideOk, setOutsideOk] = useState(false);
  const outside =
    !!doctor &&
    /^\d{4}-\d{2}-\d{2}$/.test(values.date) &&
    /^\d{2}:\d{2}$/.test(values.time) &&
    !withinHours(doctor, values.date, Number(values.time.slice(0, 2)) * 60 + Number(values.time.slice(3)), Number(values.duration || DEFAULT_DURATION));

  return (
    <form
      ref={form}
      onSubmit={(e) =>
        submit(
          e,
          () => ({
            ...validateAppointment({ ...values, patient_id: values.patient?.id ?? null }),
            ...validateRepeat(values),
            ...(outside && !outsideOk ? { outside: 'Confirm the booking outside working hours' } : {}),
          }),
          save,
        )
      }
      noValidate
      className="space-y-4"
      aria-label="Book appointment"
    >
      <FormError message={formError} />
      <PatientPicker value={values.patient} onChange={(p) => set('patient', p)} error={errors.patient_id} required />
      {doctors.list.length > 0 ? (
        // Doctors come from the list: a typo never creates a new doctor.
        <SelectField
          id="booking-doctor"
          label="Doctor"
          required
          value={doctors.find(values.doctor_name)?.name ?? ''}
          error={errors.doctor_name ?? errors.doctor_id}
          hint={doctor?.specialty ?? undefined}
          onChange={(e) => set('doctor_name', e.target.value)}
        >
          <option value="">Choose a doctor</option>
          {doctors.list.map((d) => (
            <option key={d.id} value={d.name}>
              {d.name}
              {d.specialty ? ` · ${d.specialty}` : ''}
            </option>
          ))}
        </SelectField>
      ) : (
        <>
          <TextField
            id="booking-doctor"
            label="Doctor"
            required
            list="booking-doctor-names"
            autoComplete="off"
            maxLength={100}
            value={values.doctor_name}
            error={errors.doctor_name ?? errors.doctor_id}
            hint={doctor?.specialty ?? undefined}
            onChange={(e) => set('doctor_name', e.target.value)}
          />
          <DoctorList id="booking-doctor-names" names={doctors.names} />
        </>
      )}
      <div className="grid gap-4 sm:grid-cols-3">
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
        <SelectField
          id="booking-duration"
          label="Duration"
          value={values.duration}
          error={errors.duration}
          onChange={(e) => set('duration', e.target.value)}
        >
          {DURATIONS.map((m) => (
            <option key={m} value={m}>
              {m} min
            </option>
          ))}
        </SelectField>
      </div>
      {doctor && values.date && (
        <FreeSlots
          doctorId={doctor.id}
          doctorName={doctor.name}
          date={values.date}
          duration={Number(values.duration || DEFAULT_DURATION)}
          chosen={values.time}
          onChoose={(time) => set('time', time)}
        />
      )}
      {outside && (
        <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="status">
          <p className="font-medium">
            {values.time} is outside {doctor?.name}’s working hours that day.
          </p>
          <label className="mt-2 flex items-center gap-2">
            <input
              type="checkbox"
              checked={outsideOk}
              aria-invalid={errors.outside ? true : undefined}
              onChange={(e) => {
                setOutsideOk(e.target.checked);
                clearError('outside');
              }}
            />
            Book outside working hours
          </label>
          {errors.outside && <p className="mt-1 text-xs font-medium text-red-700">{errors.outside}</p>}
        </div>
      )}
      <RepeatFields values={values} errors={errors} set={set} />
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

interface RepeatFieldsProps {
  values: BookingDraft;
  errors: FieldErrors;
  set: <K extends keyof BookingDraft>(key: K, value: BookingDraft[K]) => void;
}

/** Repeat: none, or every N days, weeks or months, N times or until a date. */
function RepeatFields({ values, errors, set }: RepeatFieldsProps) {
  const unit = values.repeat ? UNITS[values.repeat] : null;
  return (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-sm font-medium text-slate-700">Repeat</legend>
      <SelectField
        id="booking-repeat"
        label="Repeats"
        value={values.repeat}
        error={errors.repeat}
        onChange={(e) => set('repeat', e.target.value as Frequency | '')}
      >
        <option value="">Does not repeat</option>
        <option value="daily">Daily</option>
        <option value="weekly">Weekly</option>
        <option value="monthly">Monthly</option>
      </SelectField>
      {unit && (
        <div className="grid gap-3 sm:grid-cols-3">
          <SelectField id="booking-every" label="Every" value={values.every} error={errors.every} onChange={(e) => set('every', e.target.value)}>
            {Array.from({ length: 12 }, (_, i) => String(i + 1)).map((n) => (
              <option key={n} value={n}>
                {n} {n === '1' ? unit[0] : unit[1]}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="booking-ends"
            label="Ends"
            value={values.ends}
            onChange={(e) => set('ends', e.target.value as 'count' | 'until')}
          >
            <option value="count">After a number of times</option>
            <option value="until">On a date</option>
          </SelectField>
          {values.ends === 'count' ? (
            <TextField
              id="booking-count"
              label="Times"
              type="number"
              min={2}
              max={52}
              value={values.count}
              error={errors.count}
              onChange={(e) => set('count', e.target.value)}
            />
          ) : (
            <TextField
              id="booking-until"
              label="Last date"
              type="date"
              min={values.date || today()}
              value={values.until}
              error={errors.until}
              onChange={(e) => set('until', e.target.value)}
            />
          )}
        </div>
      )}
    </fieldset>
  );
}

interface FreeSlotsProps {
  doctorId: number;
  doctorName: string;
  date: string;
  duration: number;
  chosen: string;
  onChoose: (time: string) => void;
}

/** The doctor's free start times that day, as buttons that fill in the time. */
function FreeSlots({ doctorId, doctorName, date, duration, chosen, onChoose }: FreeSlotsProps) {
  const slots = useAsync((signal) => api.doctors.availability(doctorId, date, duration, signal), [doctorId, date, duration]);
  const times = (slots.data?.slots ?? []).map((s) => ({ value: isoTime(new Date(s.start)), label: formatTime(s.start) }));
  return (
    <fieldset className="rounded-md border border-slate-200 bg-slate-50 p-3">
      <legend className="px-1 text-sm font-medium text-slate-700">Free times of {doctorName}</legend>
      {slots.error ? (
        <p className="text-xs text-slate-600">Free times could not be loaded; any time can still be booked.</p>
      ) : !slots.data ? (
        <p className="text-xs text-slate-600">Looking for free times…</p>
      ) : times.length === 0 ? (
        <p className="text-xs text-slate-600">No free time within working hours that day.</p>
      ) : (
        <div className="flex flex-wrap gap-1.5" data-testid="free-slots">
          {times.map((t) => (
            <button
              key={t.value}
              type="button"
              data-time={t.value}
              aria-pressed={t.value === chosen}
              onClick={() => onChoose(t.value)}
              className={`rounded border px-2 py-1 text-xs font-medium ${
                t.value === chosen
                  ? 'border-sky-700 bg-sky-700 text-white'
                  : 'border-slate-300 bg-white text-slate-700 hover:bg-sky-50'
              }`}
            >
              {t.label}
            </button>
          ))}
        </div>
      )}
    </fieldset>
  );
}
