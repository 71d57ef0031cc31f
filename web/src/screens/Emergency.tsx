// Emergency ("break-glass") access. Under HMS_CHART_ACCESS=care-team a doctor opens the
// chart of a patient outside their care team only by declaring an emergency with a reason
// (ChartGate); admins see every emergency of the last hours at once (EmergencyNotice).
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, type EmergencyAccess } from '../api';
import { FormError, TextAreaField } from '../components/Field';
import { LoadingBlock } from '../components/Spinner';
import { btn, link, panel, panelTitle } from '../components/styles';
import { formatDateTime, formatTime } from '../lib/format';
import { useAsync } from '../lib/hooks';
import { Link } from '../router';
import { useSession } from '../session';

/** Whether an error is the server's refusal of a chart outside the care team. */
export function outsideCareTeam(err: unknown): boolean {
  return err instanceof ApiError && err.status === 403 && err.message.includes('emergency-access');
}

/**
 * Renders children(true) when the doctor may read the chart; otherwise the form that
 * declares an emergency, and children(false) for what is not the chart. Only doctors are
 * limited, so other roles skip the check.
 */
export function ChartGate({ patientId, children }: { patientId: number; children: (open: boolean) => ReactNode }) {
  const { role } = useSession();
  const [opened, setOpened] = useState(0);
  const probe = useAsync(
    (signal) => (role === 'doctor' ? api.records.forPatient(patientId, signal).then(() => true) : Promise.resolve(true)),
    [patientId, role, opened],
  );
  if (role !== 'doctor') return <>{children(true)}</>;
  if (probe.error && outsideCareTeam(probe.error))
    return (
      <>
        <DeclareEmergency patientId={patientId} onOpened={() => setOpened((n) => n + 1)} />
        {children(false)}
      </>
    );
  if (!probe.data && !probe.error)
    return (
      <>
        <LoadingBlock label="Loading the chart…" />
        {children(false)}
      </>
    );
  const until = sessionStorage.getItem(emergencyKey(patientId));
  return (
    <>
      {until && Date.parse(until) > Date.now() && (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950" data-testid="emergency-open">
          <span className="font-semibold">Emergency access</span> until {formatTime(until)}: every read of this chart is recorded as
          emergency access.
        </p>
      )}
      {children(true)}
    </>
  );
}

/** Where this tab keeps the end of an emergency the doctor declared for a patient (cleared at sign-out). */
function emergencyKey(patientId: number): string {
  return `hms.emergency.${patientId}`;
}

function DeclareEmergency({ patientId, onOpened }: { patientId: number; onOpened: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) {
      setError('Say why the emergency needs this chart.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const opened = await api.emergency.start(patientId, reason.trim());
      sessionStorage.setItem(emergencyKey(patientId), opened.expires_at);
      onOpened();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'That did not work.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={`${panel} border-amber-300 p-5`} aria-labelledby="emergency-title" data-testid="emergency-gate">
      <h3 id="emergency-title" className={`${panelTitle} mb-1`}>
        This patient is not in your care team
      </h3>
      <p className="mb-4 text-sm text-slate-700">
        You have no appointment, visit or record with them. In an emergency you can open their chart for one hour: every read is
        recorded as emergency access and the administrators are told at once.
      </p>
      <form onSubmit={submit} noValidate className="space-y-3">
        <FormError message={error} />
        <TextAreaField
          id="emergency-reason"
          label="Reason for emergency access"
          rows={2}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <button type="submit" className={btn.danger} disabled={busy}>
          {busy ? 'Opening…' : 'Declare an emergency and open the chart'}
        </button>
      </form>
    </section>
  );
}

/** Admins: the emergencies still open, or started in the last 24 hours, checked every minute. */
export function EmergencyNotice() {
  const { role } = useSession();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (role !== 'admin') return;
    const t = setInterval(() => setTick((n) => n + 1), 60_000);
    return () => clearInterval(t);
  }, [role]);
  const list = useAsync(
    (signal) => (role === 'admin' ? api.emergency.list(signal) : Promise.resolve([] as EmergencyAccess[])),
    [role, tick],
  );
  const since = Date.now() - 24 * 3600_000;
  const recent = (list.data ?? []).filter((e) => Date.parse(e.started_at) >= since || Date.parse(e.expires_at) > Date.now());
  if (recent.length === 0) return null;
  return (
    <section
      aria-label="Emergency access"
      className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950"
      data-testid="emergency-notice"
    >
      <p className="font-semibold">Emergency access in the last 24 hours</p>
      <ul className="mt-1 space-y-1">
        {recent.map((e) => (
          <li key={e.id}>
            {e.user_name} opened the chart of{' '}
            <Link to={`/patients/${e.patient_id}`} className={link}>
              patient #{e.patient_id}
            </Link>{' '}
            at {formatDateTime(e.started_at)} {Date.parse(e.expires_at) > Date.now() ? `(open until ${formatDateTime(e.expires_at)})` : ''}: “
            {e.reason}”
          </li>
        ))}
      </ul>
    </section>
  );
}
