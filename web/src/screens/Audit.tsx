// The audit log for admins: who touched which patient's data, when (to the second, on the
// clinic's clock), and how it ended. The patients' names it shows are patient data: the
// server records this read for each patient named.
import { useState } from 'react';
import { api, AUDIT_ACTIONS, type AuditFilter } from '../api';
import { Badge } from '../components/Badge';
import { SelectField, TextField } from '../components/Field';
import { PatientPicker, type PatientRef } from '../components/PatientPicker';
import { Pager } from '../components/Pager';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, panel, panelTitle } from '../components/styles';
import { formatDateTimeSeconds } from '../lib/format';
import { useAsync, useCursorStack, useDebounced } from '../lib/hooks';

export const AUDIT_PAGE_SIZE = 50;

const emptyFilter = { user_id: '', patient_id: '', action: '', from: '', to: '' };

export function AuditScreen() {
  const [filter, setFilter] = useState(emptyFilter);
  const [patient, setPatient] = useState<PatientRef | null>(null);
  const settled = useDebounced(filter, 300);
  const pages = useCursorStack();
  const users = useAsync((signal) => api.users.list({ limit: 500 }, signal), []);

  const set = (key: keyof typeof emptyFilter, value: string) => {
    setFilter({ ...filter, [key]: value });
    pages.reset();
  };
  const choosePatient = (p: PatientRef | null) => {
    setPatient(p);
    set('patient_id', p ? String(p.id) : '');
  };

  const query: AuditFilter = { ...settled, limit: AUDIT_PAGE_SIZE, cursor: pages.cursor };
  const events = useAsync((signal) => api.audit.list(query, signal), [JSON.stringify(query)]);
  const filtered = Object.values(filter).some(Boolean);

  return (
    <section className={`${panel} p-5`} aria-labelledby="audit-title">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h2 id="audit-title" className={panelTitle}>
          Audit log
        </h2>
        <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={events.reload}>
          Refresh
        </button>
      </div>
      <fieldset className="mb-4 grid gap-3 rounded-lg bg-slate-50 p-3 sm:grid-cols-3 xl:grid-cols-5">
        <legend className="sr-only">Filter audit events</legend>
        <SelectField id="audit-user" label="User" value={filter.user_id} onChange={(e) => set('user_id', e.target.value)}>
          <option value="">Anyone</option>
          {users.data?.items.map((u) => (
            <option key={u.id} value={String(u.id)}>
              {u.name} ({u.role})
            </option>
          ))}
        </SelectField>
        <PatientPicker label="Patient" value={patient} onChange={choosePatient} />
        <SelectField id="audit-action" label="Action" value={filter.action} onChange={(e) => set('action', e.target.value)}>
          <option value="">Any action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a.replace(/_/g, ' ')}
            </option>
          ))}
        </SelectField>
        <TextField id="audit-from" label="From" type="date" value={filter.from} onChange={(e) => set('from', e.target.value)} />
        <TextField id="audit-to" label="To" type="date" value={filter.to} onChange={(e) => set('to', e.target.value)} />
      </fieldset>
      {events.error ? (
        <ErrorState error={events.error} onRetry={events.reload} />
      ) : !events.data ? (
        <LoadingBlock label="Loading audit events…" />
      ) : events.data.items.length === 0 ? (
        <EmptyState title={filtered ? 'No events match these filters' : 'No audit events yet'} />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200" tabIndex={0} aria-label="Audit events table, scrolls sideways">
          <table className="min-w-full divide-y divide-slate-200 text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2 font-semibold">Time</th>
                <th scope="col" className="px-3 py-2 font-semibold">User</th>
                <th scope="col" className="px-3 py-2 font-semibold">Action</th>
                <th scope="col" className="px-3 py-2 font-semibold">Resource</th>
                <th scope="col" className="px-3 py-2 font-semibold">Patient</th>
                <th scope="col" className="px-3 py-2 font-semibold">Outcome</th>
                <th scope="col" className="px-3 py-2 font-semibold">IP</th>
                <th scope="col" className="px-3 py-2 font-semibold">Request</th>
              </tr>
            </thead>
            <tbody className={`divide-y divide-slate-100 ${events.loading ? 'opacity-60' : ''}`} aria-busy={events.loading || undefined}>
              {events.data.items.map((e) => (
                <tr key={e.id} data-testid="audit-row">
                  <td className="whitespace-nowrap px-3 py-2 text-slate-700">{formatDateTimeSeconds(e.time)}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                    {e.user_name ?? (e.user_id != null ? `#${e.user_id}` : '—')}
                    {e.role && <span className="text-slate-600"> ({e.role})</span>}
                  </td>
                  <td className="px-3 py-2 font-medium text-slate-900">{e.action}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                    {e.resource_type ?? '—'}
                    {e.resource_id != null && ` #${e.resource_id}`}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                    {e.patient ? (
                      <>
                        {e.patient.name} <span className="text-xs text-slate-600">{e.patient.mrn}</span>
                      </>
                    ) : e.patient_id != null ? (
                      `#${e.patient_id} (erased)`
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={/^(ok|success|allowed)$/i.test(e.outcome) ? 'emerald' : 'red'}>{e.outcome}</Badge>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs text-slate-700">{e.ip ?? '—'}</td>
                  <td className="max-w-40 truncate px-3 py-2 font-mono text-xs text-slate-600" title={e.request_id ?? ''}>
                    {e.request_id ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager data={events.data} pages={pages} pageSize={AUDIT_PAGE_SIZE} noun="events" />
    </section>
  );
}
