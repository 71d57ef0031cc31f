// A doctor's day or week at a glance. Appointments are fetched for the visible
// range (dates the server reads in the clinic's time zone, as the UI does) and
// placed by their date and hour on the clinic's clock.
import { useState } from 'react';
import { api, type Appointment } from '../api';
import { StatusBadge } from '../components/Badge';
import { SelectField, TextField } from '../components/Field';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, link, panel, panelTitle } from '../components/styles';
import { sameName, useDoctors } from '../lib/doctors';
import {
  addDays,
  formatLongDay,
  formatTime,
  formatWeekday,
  isoDate,
  minutesOfDay,
  startOfWeek,
  today,
} from '../lib/format';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { Link } from '../router';
import { AppointmentViews } from './Appointments';

type Mode = 'day' | 'week';

const FIRST_HOUR = 8;
const LAST_HOUR = 17;

/** The days shown for an anchor date: that day, or Monday to Sunday of its week. */
export function visibleDays(mode: Mode, anchor: string): string[] {
  if (mode === 'day') return [anchor];
  const monday = startOfWeek(anchor);
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** Appointments grouped by the clinic's date, each day sorted by time. */
export function groupByDay(appointments: Appointment[], doctor: string): Map<string, Appointment[]> {
  const byDay = new Map<string, Appointment[]>();
  for (const a of appointments) {
    if (doctor && sameName(a.doctor_name) !== sameName(doctor)) continue;
    const day = isoDate(new Date(a.appointment_datetime));
    const list = byDay.get(day) ?? [];
    list.push(a);
    byDay.set(day, list);
  }
  for (const list of byDay.values()) {
    list.sort((x, y) => x.appointment_datetime.localeCompare(y.appointment_datetime));
  }
  return byDay;
}

export function ScheduleScreen() {
  const doctors = useDoctors();
  const [doctor, setDoctor] = useState('');
  const [mode, setMode] = useState<Mode>('day');
  const [anchor, setAnchor] = useState(today());
  const days = visibleDays(mode, anchor);

  const result = useAsync(
    (signal) =>
      api.appointments.list(
        { doctor_name: doctor, from: days[0], to: days[days.length - 1], limit: 500 },
        signal,
      ),
    [doctor, days[0], days[days.length - 1]],
  );
  useReloadOnChange(result.reload, (path) => path.startsWith('/api/appointments'));

  const byDay = groupByDay(result.data?.items ?? [], doctor);
  const step = mode === 'day' ? 1 : 7;
  const title =
    mode === 'day'
      ? formatLongDay(anchor)
      : `${formatWeekday(days[0])} – ${formatWeekday(days[6])}`;

  return (
    <div>
      <AppointmentViews current="schedule" />
      <section className={`${panel} p-5`} aria-labelledby="schedule-title">
        <div className="mb-4 flex flex-wrap items-end gap-3">
          <SelectField
            id="schedule-doctor"
            label="Doctor"
            className="w-full sm:w-64"
            value={doctor}
            onChange={(e) => setDoctor(e.target.value)}
          >
            <option value="">All doctors</option>
            {doctors.names.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </SelectField>
          <TextField
            id="schedule-date"
            label="Date"
            type="date"
            className="w-full sm:w-44"
            value={anchor}
            onChange={(e) => e.target.value && setAnchor(e.target.value)}
          />
          <div role="group" aria-label="View" className="inline-flex rounded-md shadow-sm">
            {(['day', 'week'] as Mode[]).map((m, i) => (
              <button
                key={m}
                type="button"
                aria-pressed={mode === m}
                onClick={() => setMode(m)}
                className={`border px-3 py-2 text-sm font-medium ${i === 0 ? 'rounded-l-md' : '-ml-px rounded-r-md'} ${
                  mode === m ? 'border-sky-700 bg-sky-700 text-white' : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-50'
                }`}
              >
                {m === 'day' ? 'Day' : 'Week'}
              </button>
            ))}
          </div>
          <div className="flex gap-2">
            <button type="button" className={btn.secondary} onClick={() => setAnchor(addDays(anchor, -step))}>
              <span aria-hidden="true">←</span>
              <span className="sr-only">Previous {mode}</span>
            </button>
            <button type="button" className={btn.secondary} onClick={() => setAnchor(today())}>
              Today
            </button>
            <button type="button" className={btn.secondary} onClick={() => setAnchor(addDays(anchor, step))}>
              <span aria-hidden="true">→</span>
              <span className="sr-only">Next {mode}</span>
            </button>
          </div>
        </div>
        <h2 id="schedule-title" className={`${panelTitle} mb-3`}>
          {doctor || 'All doctors'} · {title}
        </h2>
        {result.error ? (
          <ErrorState error={result.error} onRetry={result.reload} />
        ) : !result.data ? (
          <LoadingBlock label="Loading the schedule…" />
        ) : mode === 'day' ? (
          <DayView day={anchor} appointments={byDay.get(anchor) ?? []} showDoctor={!doctor} />
        ) : (
          <WeekView days={days} byDay={byDay} showDoctor={!doctor} />
        )}
      </section>
    </div>
  );
}

function Entry({ a, showDoctor }: { a: Appointment; showDoctor: boolean }) {
  const inactive = a.status === 'cancelled' || a.status === 'no_show';
  return (
    <div
      className={`rounded-md border-l-4 px-3 py-2 text-sm ${
        inactive ? 'border-slate-300 bg-slate-50 text-slate-600' : 'border-sky-600 bg-sky-50 text-slate-800'
      }`}
      data-testid="schedule-entry"
    >
      <div className="flex flex-wrap items-center justify-between gap-1">
        <span className="font-semibold">
          {formatTime(a.appointment_datetime)}
          {a.end_datetime && `–${formatTime(a.end_datetime)}`}
        </span>
        <StatusBadge status={a.status} />
      </div>
      <Link to={`/patients/${a.patient_id}`} className={`${link} ${inactive ? 'line-through' : ''}`}>
        {a.patient_name}
      </Link>
      {showDoctor && <p className="text-xs text-slate-600">{a.doctor_name}</p>}
      {a.reason && <p className="truncate text-xs text-slate-600">{a.reason}</p>}
    </div>
  );
}

function DayView({ day, appointments, showDoctor }: { day: string; appointments: Appointment[]; showDoctor: boolean }) {
  const hourOf = (a: Appointment) => Math.floor(minutesOfDay(a.appointment_datetime) / 60);
  const hours = appointments.map(hourOf);
  const first = Math.min(FIRST_HOUR, ...hours);
  const last = Math.max(LAST_HOUR, ...hours);
  return (
    <>
      {appointments.length === 0 && <p className="mb-3 text-sm text-slate-600">No appointments on this day.</p>}
      <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200" aria-label={`Schedule for ${formatLongDay(day)}`}>
      {Array.from({ length: last - first + 1 }, (_, i) => first + i).map((hour) => {
        const items = appointments.filter((a) => hourOf(a) === hour);
        return (
          <li key={hour} className="flex min-h-14 gap-3 px-3 py-2">
            <span className="w-12 shrink-0 pt-2 text-xs font-medium text-slate-600">{String(hour).padStart(2, '0')}:00</span>
            <div className="grid flex-1 gap-2 sm:grid-cols-2 xl:grid-cols-3">
              {items.map((a) => (
                <Entry key={a.id} a={a} showDoctor={showDoctor} />
              ))}
            </div>
          </li>
        );
      })}
      </ol>
    </>
  );
}

function WeekView({ days, byDay, showDoctor }: { days: string[]; byDay: Map<string, Appointment[]>; showDoctor: boolean }) {
  const empty = days.every((d) => !(byDay.get(d)?.length));
  return (
    <>
      {empty && (
        <div className="mb-3">
          <EmptyState title="No appointments this week" />
        </div>
      )}
      <ol className="grid gap-3 md:grid-cols-7" aria-label="Week schedule">
        {days.map((d) => {
          const items = byDay.get(d) ?? [];
          const isToday = d === today();
          return (
            <li key={d} className={`min-h-24 rounded-lg border p-2 ${isToday ? 'border-sky-300 bg-sky-50/40' : 'border-slate-200'}`}>
              <h3 className={`mb-2 text-xs font-semibold uppercase tracking-wide ${isToday ? 'text-sky-800' : 'text-slate-600'}`}>
                {formatWeekday(d)}
                <span className="sr-only">{`, ${items.length} appointments`}</span>
              </h3>
              <div className="space-y-2">
                {items.map((a) => (
                  <Entry key={a.id} a={a} showDoctor={showDoctor} />
                ))}
              </div>
            </li>
          );
        })}
      </ol>
    </>
  );
}
