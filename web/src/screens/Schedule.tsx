// A doctor's day or week at a glance. Appointments are fetched for the visible
// range (dates the server reads in the clinic's time zone, as the UI does) and
// placed by their date and hour on the clinic's clock.
import { useState } from 'react';
import { api, type Appointment, type Doctor } from '../api';
import { StatusBadge } from '../components/Badge';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { MoveDialog } from '../components/MoveDialog';
import { useSession } from '../session';
import { SelectField, TextField } from '../components/Field';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, link, panel, panelTitle } from '../components/styles';
import { sameName, useDoctors, withinHours, workingMinutes, type Doctors } from '../lib/doctors';
import {
  addDays,
  formatLongDay,
  formatTime,
  formatWeekday,
  isoDate,
  minutesOfDay,
  startOfWeek,
  statusLabel,
  today,
} from '../lib/format';
import { useAsync, useReloadOnChange } from '../lib/hooks';
import { Link, navigate } from '../router';
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
  const chosen = doctor ? (doctors.find(doctor) ?? null) : null;
  const columns: Column[] =
    mode === 'day'
      ? dayColumns(anchor, byDay.get(anchor) ?? [], doctor, doctors)
      : days.map((d) => ({
          key: d,
          title: formatWeekday(d),
          date: d,
          doctor: chosen ?? undefined,
          doctorName: doctor,
          items: byDay.get(d) ?? [],
        }));
  const printed = mode === 'day' ? (byDay.get(anchor) ?? []) : days.flatMap((d) => byDay.get(d) ?? []);

  return (
    <div>
      <div className="print:hidden">
        <AppointmentViews current="schedule" />
      </div>
      <section className={`${panel} p-5 print:border-0 print:p-0 print:shadow-none`} aria-labelledby="schedule-title">
        <div className="mb-4 flex flex-wrap items-end gap-3 print:hidden">
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
            <button type="button" className={btn.secondary} onClick={() => window.print()}>
              Print
            </button>
          </div>
        </div>
        <h2 id="schedule-title" className={`${panelTitle} mb-3 print:hidden`}>
          {doctor || 'All doctors'} · {title}
        </h2>
        {result.error ? (
          <ErrorState error={result.error} onRetry={result.reload} />
        ) : !result.data ? (
          <LoadingBlock label="Loading the schedule…" />
        ) : mode === 'week' && !doctor ? (
          <WeekView days={days} byDay={byDay} showDoctor />
        ) : (
          <>
            {printed.length === 0 && <p className="mb-3 text-sm text-slate-600">No appointments {mode === 'day' ? 'on this day' : 'this week'}.</p>}
            <TimeGrid
              columns={columns}
              label={mode === 'day' ? `Schedule for ${formatLongDay(anchor)}` : `Week schedule of ${doctor}`}
              showDoctor={false}
            />
          </>
        )}
        <PrintList title={`${doctor || 'All doctors'} · ${title}`} items={printed} withDate={mode === 'week'} />
      </section>
    </div>
  );
}

/** The day's columns: the chosen doctor, or every doctor who works that day or has
 * appointments on it. */
function dayColumns(date: string, items: Appointment[], doctor: string, doctors: Doctors): Column[] {
  const names = new Map<string, Doctor | undefined>();
  if (doctor) names.set(sameName(doctor), doctors.find(doctor));
  else {
    for (const d of doctors.list) if (workingMinutes(d, date).length > 0) names.set(sameName(d.name), d);
    for (const a of items) if (!names.has(sameName(a.doctor_name))) names.set(sameName(a.doctor_name), doctors.find(a.doctor_name));
  }
  const shown = (key: string) => doctors.list.find((d) => sameName(d.name) === key)?.name ?? items.find((a) => sameName(a.doctor_name) === key)?.doctor_name ?? doctor;
  return [...names.entries()]
    .map(([key, d]) => ({
      key,
      title: d?.name ?? shown(key),
      date,
      doctor: d,
      doctorName: d?.name ?? shown(key),
      items: items.filter((a) => sameName(a.doctor_name) === key),
    }))
    .sort((x, y) => x.title.localeCompare(y.title));
}

/** Pixels per minute of the time grid: 30 minutes are 48 px, room for two lines. */
const SCALE = 1.6;
/** Free slots offered for booking, in minutes. */
const SLOT = 30;
interface Column {
  key: string;
  title: string;
  date: string;
  doctor?: Doctor;
  doctorName: string;
  items: Appointment[];
}

/** A time grid: one column per doctor (a day) or per day (a doctor's week), each
 * appointment as tall as it lasts, free half hours as buttons that book them. */
function TimeGrid({ columns, label, showDoctor }: { columns: Column[]; label: string; showDoctor: boolean }) {
  const [asking, setAsking] = useState<{ column: Column; minute: number } | null>(null);
  const minutes = columns.flatMap((c) => [
    ...c.items.flatMap((a) => [minutesOfDay(a.appointment_datetime), minutesOfDay(a.appointment_datetime) + (a.duration_minutes ?? 30)]),
    ...workingMinutes(c.doctor, c.date).flat(),
  ]);
  const first = Math.min(FIRST_HOUR, ...minutes.map((m) => Math.floor(m / 60)));
  const last = Math.max(LAST_HOUR + 1, ...minutes.map((m) => Math.ceil(m / 60)));
  const hours = Array.from({ length: last - first }, (_, i) => first + i);
  const height = (last - first) * 60 * SCALE;
  const book = (c: Column, minute: number) => {
    const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    navigate(`/appointments?${new URLSearchParams({ doctor: c.doctorName, date: c.date, time }).toString()}`);
  };
  const now = today();
  return (
    <div className="overflow-x-auto print:hidden" role="region" aria-label={label} tabIndex={0}>
      <div className="flex min-w-fit">
        <div className="w-12 shrink-0 pt-9" aria-hidden="true">
          <div className="relative" style={{ height }}>
            {hours.map((h) => (
              <span key={h} className="absolute -mt-2 text-xs text-slate-600" style={{ top: (h - first) * 60 * SCALE }}>
                {String(h).padStart(2, '0')}:00
              </span>
            ))}
          </div>
        </div>
        {columns.map((c) => {
          const hoursThatDay = workingMinutes(c.doctor, c.date);
          const taken = (m: number) =>
            c.items.some((a) => {
              if (a.status === 'cancelled' || a.status === 'no_show') return false;
              const s = minutesOfDay(a.appointment_datetime);
              return s < m + SLOT && m < s + (a.duration_minutes ?? 30);
            });
          const slots = Array.from({ length: ((last - first) * 60) / SLOT }, (_, i) => first * 60 + i * SLOT).filter(
            (m) => !taken(m) && (c.date > now || (c.date === now && m >= minutesOfDay(new Date()))),
          );
          return (
            <section key={c.key} className="min-w-40 flex-1 border-l border-slate-200" aria-label={c.title} data-testid="calendar-column">
              <h3 className={`h-9 truncate px-2 py-2 text-xs font-semibold uppercase tracking-wide ${c.date === now ? 'text-sky-800' : 'text-slate-700'}`}>
                {c.title}
              </h3>
              <div className="relative bg-slate-50" style={{ height }}>
                {hoursThatDay.map(([s, e]) => (
                  <div key={s} className="absolute inset-x-0 bg-white" style={{ top: (s - first * 60) * SCALE, height: (e - s) * SCALE }} aria-hidden="true" />
                ))}
                {hours.map((h) => (
                  <div key={h} className="absolute inset-x-0 border-t border-slate-100" style={{ top: (h - first) * 60 * SCALE }} aria-hidden="true" />
                ))}
                {slots.map((m) => {
                  const inHours = withinHours(c.doctor, c.date, m, SLOT);
                  const at = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
                  return (
                    <button
                      key={m}
                      type="button"
                      className="absolute inset-x-0 opacity-0 hover:bg-sky-100 hover:opacity-100 focus:bg-sky-100 focus:opacity-100"
                      style={{ top: (m - first * 60) * SCALE, height: SLOT * SCALE }}
                      aria-label={`Book ${c.doctorName} on ${formatLongDay(c.date)} at ${at}${inHours ? '' : ' (outside working hours)'}`}
                      data-slot={`${c.date}T${at}`}
                      onClick={() => (inHours ? book(c, m) : setAsking({ column: c, minute: m }))}
                    >
                      <span className="text-xs font-medium text-sky-800">+ {at}</span>
                    </button>
                  );
                })}
                {c.items.map((a) => {
                  const top = (minutesOfDay(a.appointment_datetime) - first * 60) * SCALE;
                  const h = (a.duration_minutes ?? 30) * SCALE - 2; // a gap, so back-to-back never looks like overlap
                  return (
                    <div key={a.id} className="absolute inset-x-1 overflow-hidden" style={{ top, height: h }}>
                      <Entry a={a} showDoctor={showDoctor} />
                    </div>
                  );
                })}
              </div>
            </section>
          );
        })}
      </div>
      {asking && (
        <ConfirmDialog
          title={`Book ${asking.column.doctorName} outside working hours?`}
          confirmLabel="Book anyway"
          dismissLabel="Go back"
          onCancel={() => setAsking(null)}
          onConfirm={() => book(asking.column, asking.minute)}
        >
          <p>
            {formatLongDay(asking.column.date)} at{' '}
            {`${String(Math.floor(asking.minute / 60)).padStart(2, '0')}:${String(asking.minute % 60).padStart(2, '0')}`} is
            outside {asking.column.doctorName}’s working hours{workingMinutes(asking.column.doctor, asking.column.date).length ? '' : ' (a day off)'}.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function Entry({ a, showDoctor }: { a: Appointment; showDoctor: boolean }) {
  const inactive = a.status === 'cancelled' || a.status === 'no_show';
  const { can } = useSession();
  const [moving, setMoving] = useState(false);
  return (
    <div
      className={`h-full rounded-md border-l-4 px-2 py-1 text-xs ${
        inactive ? 'border-slate-300 bg-slate-100 text-slate-600' : 'border-sky-600 bg-sky-50 text-slate-800'
      }`}
      data-testid="schedule-entry"
    >
      <div className="flex flex-wrap items-center gap-x-2">
        <span className="font-semibold">
          {formatTime(a.appointment_datetime)}
          {a.end_datetime && `–${formatTime(a.end_datetime)}`}
        </span>
        <Link to={`/patients/${a.patient_id}`} className={`${link} ${inactive ? 'line-through' : ''}`}>
          {a.patient_name}
        </Link>
        {a.status !== 'scheduled' && <StatusBadge status={a.status} />}
      </div>
      {a.status === 'scheduled' && can('appointments.update') && (
        <button
          type="button"
          className="ml-1 text-xs font-medium text-sky-800 underline-offset-2 hover:underline print:hidden"
          onClick={() => setMoving(true)}
          aria-label={`Move appointment of ${a.patient_name} at ${formatTime(a.appointment_datetime)}`}
        >
          Move
        </button>
      )}
      {showDoctor && <p className="text-slate-600">{a.doctor_name}</p>}
      {a.reason && <p className="truncate text-slate-600">{a.reason}</p>}
      {moving && <MoveDialog appointment={a} onClose={() => setMoving(false)} />}
    </div>
  );
}

/** The day list a doctor takes along: shown only when printing. */
function PrintList({ title, items, withDate }: { title: string; items: Appointment[]; withDate: boolean }) {
  return (
    <div className="hidden print:block" data-testid="print-list">
      <h2 className="mb-2 text-lg font-semibold">{title}</h2>
      <table className="w-full text-sm">
        <thead>
          <tr className="border-b text-left">
            <th className="py-1 pr-3">Time</th>
            <th className="py-1 pr-3">Patient</th>
            <th className="py-1 pr-3">Doctor</th>
            <th className="py-1 pr-3">Reason</th>
            <th className="py-1">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} className="border-b align-top">
              <td className="py-1 pr-3 whitespace-nowrap">
                {withDate && `${formatWeekday(isoDate(new Date(a.appointment_datetime)))}, `}
                {formatTime(a.appointment_datetime)}
                {a.end_datetime && `–${formatTime(a.end_datetime)}`}
              </td>
              <td className="py-1 pr-3">{a.patient_name}</td>
              <td className="py-1 pr-3">{a.doctor_name}</td>
              <td className="py-1 pr-3">{a.reason}</td>
              <td className="py-1">{statusLabel(a.status)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
