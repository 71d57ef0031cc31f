// What was sent to the patient about one appointment, and what waits: loaded when opened.
import { useState } from 'react';
import { api, type Notification } from '../api';
import { Badge, type Tone } from '../components/Badge';
import { LoadingBlock } from '../components/Spinner';
import { ErrorState } from '../components/States';
import { formatDateTime } from '../lib/format';
import { useAsync } from '../lib/hooks';

const deliveryTone: Record<Notification['status'], Tone> = {
  scheduled: 'sky',
  queued: 'amber',
  sent: 'emerald',
  failed: 'red',
  dropped: 'slate',
  skipped: 'slate',
};

const kindLabel: Record<Notification['kind'], string> = {
  confirmation: 'Confirmation',
  reminder: 'Reminder',
  rescheduled: 'New time',
  cancelled: 'Cancellation',
};

/** "Reminder 24 h before", "Confirmation". */
export function noticeLabel(n: Pick<Notification, 'kind' | 'offset_minutes'>): string {
  if (n.kind !== 'reminder') return kindLabel[n.kind];
  const m = n.offset_minutes;
  const span = m % 1440 === 0 ? `${m / 1440} d` : m % 60 === 0 ? `${m / 60} h` : `${m} min`;
  return `Reminder ${span} before`;
}

export function DeliveryBadge({ n }: { n: Pick<Notification, 'status'> }) {
  return <Badge tone={deliveryTone[n.status]}>{n.status}</Badge>;
}

/** The time that matters for a message: when it went out, or when it is due. */
export function noticeTime(n: Notification): string {
  return n.sent_at ? `sent ${formatDateTime(n.sent_at)}` : `due ${formatDateTime(n.due_at)}`;
}

export function AppointmentMessages({ appointmentId }: { appointmentId: number }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="mt-3 text-sm" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary className="cursor-pointer select-none text-xs font-medium text-slate-600 hover:text-slate-900">
        Messages to the patient
      </summary>
      {open && <MessageList appointmentId={appointmentId} />}
    </details>
  );
}

function MessageList({ appointmentId }: { appointmentId: number }) {
  const messages = useAsync((signal) => api.notifications.forAppointment(appointmentId, signal), [appointmentId]);
  if (messages.loading && !messages.data) return <LoadingBlock label="Loading messages" />;
  if (messages.error) return <ErrorState error={messages.error} onRetry={messages.reload} />;
  const items = messages.data ?? [];
  if (items.length === 0)
    return <p className="mt-2 text-xs text-slate-500">No messages: email and SMS are off, or the patient has no address for them.</p>;
  return (
    <ul className="mt-2 divide-y divide-slate-100 rounded-md border border-slate-200" aria-label="Messages to the patient">
      {items.map((n) => (
        <li key={n.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 text-xs">
          <span className="font-medium text-slate-800">{noticeLabel(n)}</span>
          <span className="uppercase text-slate-500">{n.channel}</span>
          <DeliveryBadge n={n} />
          <span className="text-slate-600">{noticeTime(n)}</span>
          {n.attempts > 1 && <span className="text-slate-500">{n.attempts} attempts</span>}
          {n.last_error && n.status !== 'sent' && <span className="w-full text-red-700">{n.last_error}</span>}
        </li>
      ))}
    </ul>
  );
}
