// Reschedule an appointment: a new date, time, length or doctor, checked by the server with
// the same conflict feedback as booking; for an occurrence of a series, which occurrences move.
import { useState } from 'react';
import { api, ApiError, type Appointment, type SeriesScope } from '../api';
import { useNotify } from './Banner';
import { FormError, SelectField, TextField } from './Field';
import { btn } from './styles';
import { explainConflict, explainSeriesConflict } from '../screens/AppointmentForm';
import { isoDate, isoTime, toRFC3339 } from '../lib/format';
import { SERIES_SCOPES } from '../lib/lifecycle';
import { useDoctors } from '../lib/doctors';

const DURATIONS = ['10', '15', '20', '30', '45', '60', '90'];

export function MoveDialog({ appointment: a, onClose }: { appointment: Appointment; onClose: () => void }) {
  const notify = useNotify();
  const start = new Date(a.appointment_datetime);
  const [date, setDate] = useState(isoDate(start));
  const [time, setTime] = useState(isoTime(start));
  const [duration, setDuration] = useState(String(a.duration_minutes ?? 30));
  const [doctorId, setDoctorId] = useState(String(a.doctor_id ?? ''));
  const doctors = useDoctors();
  const [scope, setScope] = useState<SeriesScope>('this');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    if (!date || !time) {
      setError('Choose a date and a time.');
      return;
    }
    setSaving(true);
    try {
      const body: { appointment_datetime: string; duration_minutes?: number; doctor_id?: number } = {
        appointment_datetime: toRFC3339(date, time),
      };
      if (Number(duration) !== (a.duration_minutes ?? 30)) body.duration_minutes = Number(duration);
      const doctor = doctors.list.find((d) => d.id === Number(doctorId));
      if (doctorId && Number(doctorId) !== a.doctor_id) body.doctor_id = Number(doctorId);
      await api.appointments.move(a.id, body, scope);
      const withWhom = body.doctor_id ? ` with ${doctor?.name ?? 'the other doctor'}` : '';
      notify.success(
        scope === 'this' ? `Moved ${a.patient_name} to ${date} ${time}${withWhom}.` : `Moved the appointments of the series${withWhom}.`,
      );
      onClose();
    } catch (err) {
      if (err instanceof ApiError) {
        const explained = explainSeriesConflict(err)?.repeat ?? explainConflict(err)?.time;
        setError(explained ?? (Object.values(err.fields)[0] ? `${Object.keys(err.fields)[0]}: ${Object.values(err.fields)[0]}` : err.message));
      } else setError('The appointment could not be moved.');
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/50 p-4" onMouseDown={onClose}>
      <form
        role="dialog"
        aria-modal="true"
        aria-label={`Move the appointment of ${a.patient_name}`}
        className="w-full max-w-md space-y-3 rounded-lg bg-white p-5 shadow-xl"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
        onSubmit={save}
        noValidate
      >
        <h2 className="text-lg font-semibold text-slate-900">
          Move {a.patient_name}, now with {a.doctor_name}
        </h2>
        <FormError message={error} />
        <SelectField id="move-doctor" label="Doctor" value={doctorId} onChange={(e) => setDoctorId(e.target.value)}>
          {!doctors.list.some((d) => d.id === a.doctor_id) && <option value={String(a.doctor_id ?? '')}>{a.doctor_name}</option>}
          {doctors.list.map((d) => (
            <option key={d.id} value={String(d.id)}>
              {d.name}
              {d.specialty ? ` · ${d.specialty}` : ''}
            </option>
          ))}
        </SelectField>
        <div className="grid gap-3 sm:grid-cols-3">
          <TextField id="move-date" label="Date" type="date" value={date} onChange={(e) => setDate(e.target.value)} autoFocus />
          <TextField id="move-time" label="Time" type="time" step={300} value={time} onChange={(e) => setTime(e.target.value)} />
          <SelectField id="move-duration" label="Duration" value={duration} onChange={(e) => setDuration(e.target.value)}>
            {[...new Set([...DURATIONS, duration])].map((m) => (
              <option key={m} value={m}>
                {m} min
              </option>
            ))}
          </SelectField>
        </div>
        {a.series_id && (
          <fieldset className="space-y-1.5 text-sm">
            <legend className="font-medium text-slate-800">Move</legend>
            {SERIES_SCOPES.map((s) => (
              <label key={s.value} className="flex items-center gap-2">
                <input type="radio" name="move-scope" value={s.value} checked={scope === s.value} onChange={() => setScope(s.value)} />
                {s.label}
              </label>
            ))}
            <p className="text-xs text-slate-600">
              The others move by as much as this one, and to the doctor chosen; only those still scheduled move.
            </p>
          </fieldset>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className={btn.secondary} onClick={onClose}>
            Go back
          </button>
          <button type="submit" className={btn.primary} disabled={saving}>
            {saving ? 'Moving…' : 'Move'}
          </button>
        </div>
      </form>
    </div>
  );
}
