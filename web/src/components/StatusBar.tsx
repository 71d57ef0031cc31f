// System status (from /health, every 30 s, on window focus and whenever a request
// could not reach the server) with the patient and appointment counts.
import { useCallback, useEffect, useState } from 'react';
import { api, dataChanged, inFlight, unreachable } from '../api';
import { formatNumber } from '../lib/format';
import { Spinner } from './Spinner';

export const HEALTH_INTERVAL_MS = 30_000;

type Status = 'checking' | 'online' | 'offline';

const dot: Record<Status, string> = {
  checking: 'bg-amber-500',
  online: 'bg-emerald-600',
  offline: 'bg-red-600',
};
const label: Record<Status, string> = { checking: 'Checking…', online: 'Online', offline: 'Offline' };

export function useHealth(): Status {
  const [status, setStatus] = useState<Status>('checking');

  useEffect(() => {
    let ctrl: AbortController | null = null;
    const check = () => {
      ctrl?.abort();
      const mine = new AbortController();
      ctrl = mine;
      api.health(mine.signal).then((s) => {
        if (!mine.signal.aborted) setStatus(s);
      });
    };
    check();
    const timer = setInterval(check, HEALTH_INTERVAL_MS);
    const onVisible = () => document.visibilityState === 'visible' && check();
    window.addEventListener('focus', check);
    document.addEventListener('visibilitychange', onVisible);
    const off = unreachable.subscribe(check);
    return () => {
      ctrl?.abort();
      clearInterval(timer);
      window.removeEventListener('focus', check);
      document.removeEventListener('visibilitychange', onVisible);
      off();
    };
  }, []);
  return status;
}

function useCounts(enabled: boolean, online: boolean) {
  const [counts, setCounts] = useState<{ patients: number; appointments: number } | null>(null);
  const load = useCallback(() => {
    if (!enabled) return;
    Promise.all([api.patients.list({ limit: 1 }), api.appointments.list({ limit: 1 })]).then(
      ([p, a]) => setCounts({ patients: p.total, appointments: a.total }),
      () => {},
    );
  }, [enabled]);
  useEffect(() => {
    if (online) load();
  }, [load, online]);
  useEffect(() => dataChanged.subscribe(load), [load]);
  return enabled ? counts : null;
}

function useBusy(): boolean {
  const [busy, setBusy] = useState(false);
  useEffect(() => inFlight.subscribe((n) => setBusy(n > 0)), []);
  return busy;
}

/** showCounts is false while nobody is signed in (the counts need a session). */
export function StatusBar({ showCounts }: { showCounts: boolean }) {
  const status = useHealth();
  const counts = useCounts(showCounts, status === 'online');
  const busy = useBusy();
  return (
    <div className="border-b border-slate-200 bg-slate-50 print:hidden">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-1 px-4 py-2 text-sm text-slate-700 sm:px-6">
        <p className="flex items-center gap-2" data-testid="system-status" aria-live="polite">
          <span>System status:</span>
          <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-full ${dot[status]}`} />
          <strong className="font-semibold text-slate-900">{label[status]}</strong>
        </p>
        {counts && (
          <>
            <p>
              Patients: <strong className="font-semibold text-slate-900">{formatNumber(counts.patients)}</strong>
            </p>
            <p>
              Appointments:{' '}
              <strong className="font-semibold text-slate-900">{formatNumber(counts.appointments)}</strong>
            </p>
          </>
        )}
        <span className="ml-auto min-h-5">{busy && <Spinner label="Working" />}</span>
      </div>
    </div>
  );
}
