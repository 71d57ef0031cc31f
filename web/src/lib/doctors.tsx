// Doctors for pickers and filters: GET /api/doctors where the server has it, plus
// every name seen in recent appointments (older servers know doctors only by name).
import { useEffect, useState } from 'react';
import { api, type Doctor } from '../api';

export interface Doctors {
  /** The doctors the server lists (active ones), by name; empty until loaded. */
  list: Doctor[];
  /** Whether the list has been asked for and answered. */
  loaded: boolean;
  /** Every known name, sorted. */
  names: string[];
  /** The doctor with this name (the server's rule: case and runs of spaces ignored). */
  find: (name: string) => Doctor | undefined;
}

/** The server's notion of the same name: ASCII case and runs of spaces do not count. */
export const sameName = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

export function useDoctors(): Doctors {
  const [doctors, setDoctors] = useState<Doctor[]>([]);
  const [seen, setSeen] = useState<string[]>([]);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    const ctrl = new AbortController();
    Promise.allSettled([api.doctors.list(ctrl.signal), api.appointments.list({ limit: 200 }, ctrl.signal)]).then(
      ([listed, recent]) => {
        if (ctrl.signal.aborted) return;
        if (listed.status === 'fulfilled') setDoctors(listed.value);
        if (recent.status === 'fulfilled') setSeen(recent.value.items.map((a) => a.doctor_name));
        setLoaded(true);
      },
    );
    return () => ctrl.abort();
  }, []);

  const byName = new Map<string, string>();
  for (const n of [...doctors.map((d) => d.name), ...seen]) {
    if (!byName.has(sameName(n))) byName.set(sameName(n), n);
  }
  return {
    list: [...doctors].sort((a, b) => a.name.localeCompare(b.name)),
    loaded,
    names: [...byName.values()].sort((a, b) => a.localeCompare(b)),
    find: (name) => doctors.find((d) => sameName(d.name) === sameName(name)),
  };
}

/** A <datalist> of doctor names to attach to a text input with list={id}. */
export function DoctorList({ id, names }: { id: string; names: string[] }) {
  return (
    <datalist id={id}>
      {names.map((n) => (
        <option key={n} value={n} />
      ))}
    </datalist>
  );
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The doctor's working intervals on date (YYYY-MM-DD), in minutes after midnight. */
export function workingMinutes(doctor: Doctor | undefined, date: string): [number, number][] {
  const weekday = WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()];
  const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return (doctor?.working_hours?.[weekday] ?? []).map((iv) => [toMin(iv.start), toMin(iv.end)]);
}

/** Whether [start, start+length) lies inside the doctor's hours that day. */
export function withinHours(doctor: Doctor | undefined, date: string, start: number, length: number): boolean {
  if (!doctor?.working_hours) return true; // unknown hours: no warning
  return workingMinutes(doctor, date).some(([s, e]) => start >= s && start + length <= e);
}
