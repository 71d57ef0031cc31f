// The doctors, for admins: specialty, working hours and whether they take bookings.
import { useState } from 'react';
import { api, type Doctor, type WorkingHours } from '../api';
import { Badge } from '../components/Badge';
import { FormError, TextField } from '../components/Field';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, panel, panelTitle } from '../components/styles';
import { useNotify } from '../components/Banner';
import { useFormSubmit } from '../lib/forms';
import { useAsync, useReloadOnChange } from '../lib/hooks';

export const WEEKDAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
] as const;

/** "09:00–12:00, 13:00–17:00", or "" for a day off. */
export function hoursText(intervals: { start: string; end: string }[] | undefined): string {
  return (intervals ?? []).map((i) => `${i.start}–${i.end}`).join(', ');
}

/** Reads "09:00-12:00, 13:00-17:00" (a hyphen or a dash); "" is a day off; null when it is not that form. */
export function parseHours(text: string): { start: string; end: string }[] | null {
  const out: { start: string; end: string }[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$/.exec(part);
    if (!m) return null;
    const start = `${m[1].padStart(2, '0')}:${m[2]}`;
    const end = `${m[3].padStart(2, '0')}:${m[4]}`;
    if (start >= end || start > '23:59' || end > '24:00') return null;
    out.push({ start, end });
  }
  return out;
}

export function DoctorsScreen() {
  const doctors = useAsync((signal) => api.doctors.all(signal), []);
  useReloadOnChange(doctors.reload, (path) => path.startsWith('/api/doctors'));
  return (
    <section className={`${panel} p-5`} aria-labelledby="doctors-title">
      <h2 id="doctors-title" className={`${panelTitle} mb-1`}>
        Doctors
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        Working hours are in the clinic&rsquo;s time zone; booking outside them asks for a confirmation. A deactivated doctor takes no
        bookings.
      </p>
      {doctors.error ? (
        <ErrorState error={doctors.error} onRetry={doctors.reload} />
      ) : !doctors.data ? (
        <LoadingBlock label="Loading doctors…" />
      ) : doctors.data.items.length === 0 ? (
        <EmptyState title="No doctors yet" />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Doctors">
          {doctors.data.items.map((d) => (
            <DoctorRow key={`${d.id}-${d.version}`} doctor={d} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DoctorRow({ doctor: d }: { doctor: Doctor }) {
  const [editing, setEditing] = useState(false);
  const days = WEEKDAYS.filter(([key]) => (d.working_hours[key] ?? []).length > 0);
  return (
    <li className="py-3" data-testid="doctor-row">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 font-medium text-slate-900">
            {d.name}
            {!d.active && <Badge tone="red">Deactivated</Badge>}
          </p>
          <p className="text-sm text-slate-600">{d.specialty || 'No specialty'}</p>
          <p className="text-xs text-slate-600">
            {days.length === 0
              ? 'No working hours'
              : days.map(([key, label]) => `${label.slice(0, 3)} ${hoursText(d.working_hours[key])}`).join(' · ')}
          </p>
        </div>
        {!editing && (
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setEditing(true)}>
            Edit <span className="sr-only">{d.name}</span>
          </button>
        )}
      </div>
      {editing && <DoctorForm doctor={d} onDone={() => setEditing(false)} />}
    </li>
  );
}

function DoctorForm({ doctor: d, onDone }: { doctor: Doctor; onDone: () => void }) {
  const notify = useNotify();
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit();
  const [specialty, setSpecialty] = useState(d.specialty ?? '');
  const [active, setActive] = useState(d.active);
  const [hours, setHours] = useState<Record<string, string>>(
    Object.fromEntries(WEEKDAYS.map(([key]) => [key, hoursText(d.working_hours[key])])),
  );

  function validate() {
    const out: Record<string, string> = {};
    for (const [key] of WEEKDAYS) {
      if (parseHours(hours[key]) === null) out[`hours-${key}`] = 'Write hours as 09:00-12:00, 13:00-17:00, or leave empty for a day off';
    }
    if (specialty.length > 100) out.specialty = 'At most 100 characters';
    return out;
  }

  async function save() {
    const working: WorkingHours = {};
    for (const [key] of WEEKDAYS) working[key] = parseHours(hours[key]) ?? [];
    await api.doctors.update(d.id, { specialty: specialty.trim() || null, active, working_hours: working });
    notify.success(`Saved ${d.name}.`);
    onDone();
  }

  return (
    <form
      ref={form}
      noValidate
      aria-label={`Edit ${d.name}`}
      className="mt-3 space-y-3 rounded-lg bg-slate-50 p-3"
      onSubmit={(e) => submit(e, validate, save)}
    >
      <FormError message={formError} />
      <TextField
        id={`doctor-${d.id}-specialty`}
        label="Specialty"
        value={specialty}
        error={errors.specialty}
        onChange={(e) => {
          setSpecialty(e.target.value);
          clearError('specialty');
        }}
      />
      <fieldset className="grid gap-2 sm:grid-cols-2">
        <legend className="mb-1 text-sm font-medium text-slate-800">Working hours (empty: day off)</legend>
        {WEEKDAYS.map(([key, label]) => (
          <TextField
            key={key}
            id={`doctor-${d.id}-hours-${key}`}
            label={label}
            placeholder="Day off"
            value={hours[key]}
            error={errors[`hours-${key}`] ?? errors[`working_hours.${key}`]}
            onChange={(e) => {
              setHours({ ...hours, [key]: e.target.value });
              clearError(`hours-${key}`);
            }}
          />
        ))}
      </fieldset>
      <label className="flex items-center gap-2 text-sm text-slate-800">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
        Takes bookings (active)
      </label>
      <div className="flex gap-2">
        <button type="submit" className={btn.primary} disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className={btn.secondary} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
