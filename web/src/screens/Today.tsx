// The day in the clinic. Today is the front desk's landing page: every appointment of
// the clinic's today, grouped by doctor, with where each patient is (expected,
// arrived, with the doctor, done, no-show), how long those who arrived have waited,
// one-click Check in, and a walk-in that books the doctor's first free moment and
// checks the patient in at once. My day is a doctor's: their own day, the patients
// waiting for them first.
import { useEffect, useState } from 'react';
import { api, ApiError, type Appointment, type Doctor } from '../api';
import { useNotify } from '../components/Banner';
import { FormError, SelectField, TextField } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { StatusActions } from '../components/StatusActions';
import { Badge, statusTone } from '../components/Badge';
import { btn, link, panel, panelTitle } from '../components/styles';
import { useDoctors } from '../lib/doctors';
import { formatLongDay, formatTime, formatWaited, today } from '../lib/format';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { DAY_LABELS } from '../lib/lifecycle';
import { Link } from '../router';
import { useSession } from '../session';

/** How often the board asks again, for changes made at other desks. */
const REFRESH_MS = 30_000;

/** The order of a doctor's day: with the doctor, waiting (longest first), expected, then the ended. */
const rank: Record<string, number> = { in_progress: 0, checked_in: 1, scheduled: 2, completed: 3, no_show: 4, cancelled: 5 };

/** Sorts a day's appointments the way a doctor works through them: the waiting first. */
export function waitingFirst(items: Appointment[]): Appointment[] {
  const key = (a: Appointment) => (a.status === 'checked_in' ? (a.checked_in_at ?? a.appointment_datetime) : a.appointment_datetime);
  return [...items].sort((x, y) => rank[x.status] - rank[y.status] || key(x).localeCompare(key(y)) || x.id - y.id);
}

/** A day's appointments by doctor (doctors by name), each in time order. */
export function byDoctor(items: Appointment[]): { doctor: string; doctorId?: number; items: Appointment[] }[] {
  const groups = new Map<string, { doctor: string; doctorId?: number; items: Appointment[] }>();
  for (const a of items) {
    const key = a.doctor_id ? `id:${a.doctor_id}` : `name:${a.doctor_name}`;
    const g = groups.get(key) ?? { doctor: a.doctor_name, doctorId: a.doctor_id, items: [] };
    g.items.push(a);
    groups.set(key, g);
  }
  const out = [...groups.values()].sort((x, y) => x.doctor.localeCompare(y.doctor));
  for (const g of out) g.items.sort((x, y) => x.appointment_datetime.localeCompare(y.appointment_datetime) || x.id - y.id);
  return out;
}

/** The clock, ticking every interval ms, for "waiting 12 min". */
function useNow(interval = REFRESH_MS): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), interval);
    return () => clearInterval(t);
  }, [interval]);
  return now;
}

/** Today's appointments (of one doctor, or all), reloaded on every change and every 30 s. */
function useDay(doctorId?: number) {
  const day = today();
  const result = useAsync(
    (signal) => api.appointments.list({ from: day, to: day, doctor_id: doctorId, limit: 500 }, signal),
    [day, doctorId],
  );
  useReloadOnChange(result.reload, (path) => path.startsWith('/api/appointments') || path.startsWith('/api/patients'));
  useEffect(() => {
    const t = setInterval(result.reload, REFRESH_MS);
    return () => clearInterval(t);
  }, [result.reload]);
  return { day, ...result };
}

function Counts({ items }: { items: Appointment[] }) {
  const count = (s: string) => items.filter((a) => a.status === s).length;
  const shown = ['scheduled', 'checked_in', 'in_progress', 'completed', 'no_show'] as const;
  return (
    <dl className="flex flex-wrap gap-2" aria-label="Today in numbers" data-testid="day-counts">
      {shown.map((s) => (
        <div key={s} className="rounded-md border border-slate-200 bg-white px-3 py-1.5 text-sm">
          <dt className="inline text-slate-600">{DAY_LABELS[s]}</dt> <dd className="inline font-semibold text-slate-900">{count(s)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Row({ a, now, showDoctor }: { a: Appointment; now: Date; showDoctor?: boolean }) {
  const ended = a.status === 'cancelled' || a.status === 'no_show';
  return (
    <li
      className={`flex flex-wrap items-center justify-between gap-3 px-3 py-2.5 ${ended ? 'bg-slate-50 text-slate-500' : ''}`}
      data-testid="day-row"
      data-status={a.status}
    >
      <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1">
        <time dateTime={a.appointment_datetime} className="w-28 shrink-0 whitespace-nowrap font-semibold tabular-nums text-slate-900">
          {formatTime(a.appointment_datetime)}
          {a.end_datetime && `–${formatTime(a.end_datetime)}`}
        </time>
        <span className="min-w-0">
          <Link to={`/patients/${a.patient_id}`} className={`${link} ${ended ? 'line-through' : ''}`}>
            {a.patient_name}
          </Link>
          {showDoctor && <span className="text-sm text-slate-600"> · {a.doctor_name}</span>}
          {a.reason && <span className="block truncate text-xs text-slate-600">{a.reason}</span>}
        </span>
        <Badge tone={statusTone[a.status]}>{DAY_LABELS[a.status]}</Badge>
        {a.status === 'checked_in' && a.checked_in_at && (
          <span className="text-sm font-medium text-violet-800" data-testid="waiting">
            waiting {formatWaited(a.checked_in_at, now)}
            <span className="sr-only">, since {formatTime(a.checked_in_at)}</span>
          </span>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        <StatusActions appointment={a} hide={['cancelled']} />
      </div>
    </li>
  );
}

export function TodayScreen() {
  const { day, data, error, loading, reload } = useDay();
  const doctors = useDoctors();
  const now = useNow();
  const [walkIn, setWalkIn] = useState(false);
  const { can } = useSession();
  const items = data?.items ?? [];
  const groups = byDoctor(items);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="text-xl font-semibold text-slate-900">Today</h2>
          <p className="text-sm text-slate-600">{formatLongDay(day)}</p>
        </div>
        <div className="flex flex-wrap gap-2">
          {can('appointments.create') && (
            <button type="button" className={btn.primary} onClick={() => setWalkIn(!walkIn)} aria-expanded={walkIn}>
              Walk-in
            </button>
          )}
          <Link to="/appointments" className={btn.secondary}>
            Book for another day
          </Link>
        </div>
      </div>
      {walkIn && (
        <section className={`${panel} p-5`} aria-labelledby="walkin-title">
          <h3 id="walkin-title" className={`${panelTitle} mb-3`}>
            Walk-in
          </h3>
          <WalkInForm doctors={doctors.list} onDone={() => setWalkIn(false)} />
        </section>
      )}
      <Counts items={items} />
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data ? (
        <LoadingBlock label="Loading today…" />
      ) : groups.length === 0 ? (
        <EmptyState title="No appointments today">Book one, or check in a walk-in.</EmptyState>
      ) : (
        <div className="grid gap-4 xl:grid-cols-2" aria-busy={loading}>
          {groups.map((g) => (
            <section key={g.doctorId ?? g.doctor} className={panel} aria-label={`${g.doctor} today`} data-testid="day-doctor">
              <h3 className={`${panelTitle} border-b border-slate-200 px-3 py-2`}>
                {g.doctor}{' '}
                <span className="text-sm font-normal text-slate-600">
                  · {g.items.filter((a) => a.status === 'checked_in').length} waiting
                </span>
              </h3>
              <ul className="divide-y divide-slate-100">
                {g.items.map((a) => (
                  <Row key={`${a.id}-${a.updated_at}`} a={a} now={now} />
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}
    </div>
  );
}

export function MyDayScreen() {
  const { user } = useSession();
  const doctors = useDoctors();
  const me = doctors.list.find((d) => user && d.user_id === user.id);
  if (!doctors.loaded) return <LoadingBlock label="Loading your day…" />;
  if (!me) {
    return (
      <EmptyState title="Your account is not linked to a doctor">
        An administrator links a doctor user to the doctor of the same name.
      </EmptyState>
    );
  }
  return <DoctorDay doctor={me} />;
}

function DoctorDay({ doctor }: { doctor: Doctor }) {
  const { day, data, error, loading, reload } = useDay(doctor.id);
  const now = useNow();
  const items = waitingFirst(data?.items ?? []);
  return (
    <div className="space-y-4">
      <div>
        <h2 className="text-xl font-semibold text-slate-900">My day</h2>
        <p className="text-sm text-slate-600">
          {doctor.name} · {formatLongDay(day)}
        </p>
      </div>
      <Counts items={items} />
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : !data ? (
        <LoadingBlock label="Loading your day…" />
      ) : items.length === 0 ? (
        <EmptyState title="No appointments today" />
      ) : (
        <ul className={`${panel} divide-y divide-slate-100`} aria-label="My appointments today" aria-busy={loading}>
          {items.map((a) => (
            <Row key={`${a.id}-${a.updated_at}`} a={a} now={now} />
          ))}
        </ul>
      )}
    </div>
  );
}

const WALK_IN_DURATIONS = ['10', '15', '20', '30', '45', '60'];

/** A walk-in: the patient, a doctor from the list, how long; the server finds the time. */
function WalkInForm({ doctors, onDone }: { doctors: Doctor[]; onDone: () => void }) {
  const notify = useNotify();
  const [patient, setPatient] = useState<PatientRef | null>(null);
  const [doctorId, setDoctorId] = useState('');
  const [duration, setDuration] = useState('15');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!patient) errs.patient_id = 'Choose a patient';
    if (!doctorId) errs.doctor_id = 'Choose a doctor';
    setErrors(errs);
    setFormError(null);
    if (!patient || !doctorId) return;
    setSaving(true);
    try {
      const saved = await api.appointments.create({
        patient_id: patient.id,
        doctor_id: Number(doctorId),
        walk_in: true,
        duration_minutes: Number(duration),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      notify.success(`Checked in ${saved.patient_name} with ${saved.doctor_name} at ${formatTime(saved.appointment_datetime)}.`);
      onDone();
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) setErrors(err.fields);
      else setFormError(err instanceof Error ? err.message : 'The walk-in could not be booked.');
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Walk-in">
      <FormError message={formError} />
      <PatientPicker value={patient} onChange={setPatient} error={errors.patient_id} required />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          id="walkin-doctor"
          label="Doctor"
          required
          value={doctorId}
          error={errors.doctor_id ?? errors.doctor_name}
          onChange={(e) => setDoctorId(e.target.value)}
        >
          <option value="">Choose a doctor</option>
          {doctors.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
              {d.specialty ? ` · ${d.specialty}` : ''}
            </option>
          ))}
        </SelectField>
        <SelectField
          id="walkin-duration"
          label="Duration"
          value={duration}
          error={errors.duration_minutes}
          onChange={(e) => setDuration(e.target.value)}
        >
          {WALK_IN_DURATIONS.map((m) => (
            <option key={m} value={m}>
              {m} min
            </option>
          ))}
        </SelectField>
      </div>
      <TextField id="walkin-reason" label="Reason" value={reason} error={errors.reason} onChange={(e) => setReason(e.target.value)} />
      <p className="text-sm text-slate-600">
        Booked at the doctor’s first free moment from now (now, if they are free) and checked in at once.
      </p>
      <div className="flex gap-2">
        <button type="submit" className={btn.primary} disabled={saving}>
          {saving ? 'Checking in…' : 'Book and check in'}
        </button>
        <button type="button" className={btn.secondary} onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}
