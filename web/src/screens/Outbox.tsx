// The admins' outbox: every appointment message, newest first; failures and a resend.
import { useState } from 'react';
import { api, type Notification } from '../api';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, input, inputOk, link, panel, panelTitle } from '../components/styles';
import { useAction } from '../lib/forms';
import { useAsync } from '../lib/hooks';
import { Link } from '../router';
import { DeliveryBadge, noticeLabel, noticeTime } from './AppointmentMessages';

export const OUTBOX_PAGE_SIZE = 50;

const statuses = ['', 'failed', 'queued', 'scheduled', 'sent', 'skipped', 'dropped'];

export function OutboxScreen() {
  const [status, setStatus] = useState('failed');
  const [before, setBefore] = useState<number[]>([]); // the ids the pages so far started below
  const cursor = before[before.length - 1];
  const list = useAsync(
    (signal) => api.notifications.outbox({ status, limit: OUTBOX_PAGE_SIZE, before: cursor }, signal),
    [status, cursor],
  );
  const [busy, run] = useAction();
  const items = list.data ?? [];

  const resend = (n: Notification) =>
    run(() => api.notifications.resend(n.id).then(list.reload), `Queued the ${noticeLabel(n).toLowerCase()} again.`);

  return (
    <section className={`${panel} p-5`} aria-labelledby="outbox-title">
      <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
        <h2 id="outbox-title" className={panelTitle}>
          Outbox
        </h2>
        <div className="flex items-end gap-2">
          <div>
            <label htmlFor="outbox-status" className="mb-1 block text-xs font-medium text-slate-600">
              Status
            </label>
            <select
              id="outbox-status"
              className={`${input} ${inputOk} py-1.5 text-sm`}
              value={status}
              onChange={(e) => {
                setStatus(e.target.value);
                setBefore([]);
              }}
            >
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {s || 'any'}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={list.reload}>
            Refresh
          </button>
        </div>
      </div>
      {list.loading && !list.data ? (
        <LoadingBlock label="Loading the outbox" />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <EmptyState title={status === 'failed' ? 'Nothing failed' : 'No messages'}>
          {status === 'failed' ? 'Every message was delivered, or is on its way.' : 'No message has this status.'}
        </EmptyState>
      ) : (
        <div className="-mx-1 min-w-0 max-w-full overflow-x-auto px-1">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2 pr-3 font-medium">Message</th>
                <th className="hidden py-2 pr-3 font-medium sm:table-cell">Channel</th>
                <th className="py-2 pr-3 font-medium">Status</th>
                <th className="hidden py-2 pr-3 font-medium sm:table-cell">When</th>
                <th className="py-2 pr-3 font-medium">Appointment</th>
                <th className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((n) => (
                <tr key={n.id} className="align-top" data-testid="outbox-row">
                  <td className="py-2 pr-3 font-medium text-slate-800">
                    {noticeLabel(n)}
                    <span className="ml-1 text-xs font-normal uppercase text-slate-500 sm:hidden">{n.channel}</span>
                    <p className="text-xs font-normal text-slate-500 sm:hidden">{noticeTime(n)}</p>
                    {n.last_error && <p className="mt-0.5 text-xs font-normal text-red-700">{n.last_error}</p>}
                  </td>
                  <td className="hidden py-2 pr-3 uppercase text-slate-600 sm:table-cell">{n.channel}</td>
                  <td className="py-2 pr-3">
                    <DeliveryBadge n={n} />
                    {n.attempts > 0 && <span className="ml-2 text-xs text-slate-500">{n.attempts}×</span>}
                  </td>
                  <td className="hidden py-2 pr-3 text-slate-600 sm:table-cell">{noticeTime(n)}</td>
                  <td className="py-2 pr-3">
                    <Link to={`/patients/${n.patient_id}`} className={link}>
                      #{n.appointment_id}
                    </Link>
                  </td>
                  <td className="py-2 text-right">
                    {(n.status === 'failed' || n.status === 'skipped') && (
                      <button type="button" className={`${btn.secondary} ${btn.small}`} disabled={busy} onClick={() => void resend(n)}>
                        Resend
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="mt-4 flex gap-2">
        {before.length > 0 && (
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setBefore(before.slice(0, -1))}>
            Newer
          </button>
        )}
        {items.length === OUTBOX_PAGE_SIZE && (
          <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setBefore([...before, items[items.length - 1].id])}>
            Older
          </button>
        )}
      </div>
    </section>
  );
}
