// Doctor names for pickers and filters: GET /api/doctors where the server has it,
// plus every name seen in recent appointments.
import { useEffect, useState } from 'react';
import { api } from '../api';

export function useDoctorNames(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    const ctrl = new AbortController();
    Promise.allSettled([api.doctors(ctrl.signal), api.appointments.list({ limit: 200 }, ctrl.signal)]).then(
      ([doctors, recent]) => {
        if (ctrl.signal.aborted) return;
        const all = new Set<string>();
        if (doctors.status === 'fulfilled') doctors.value.forEach((d) => all.add(d));
        if (recent.status === 'fulfilled') recent.value.items.forEach((a) => all.add(a.doctor_name));
        setNames([...all].sort((a, b) => a.localeCompare(b)));
      },
    );
    return () => ctrl.abort();
  }, []);
  return names;
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
