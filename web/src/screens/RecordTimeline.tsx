// A patient's medical records, newest first, as a timeline. A record is never edited in
// place: an amendment adds a version (the history shows them all, and the record is marked
// amended), and deleting voids it with a reason.
import { useState } from 'react';
import { api, type MedicalRecord } from '../api';
import { Badge } from '../components/Badge';
import { DeleteButton } from '../components/ConfirmDialog';
import { TextAreaField, TextField } from '../components/Field';
import { EmptyState } from '../components/States';
import { btn } from '../components/styles';
import { useAction } from '../lib/forms';
import { formatDate, formatDateTime } from '../lib/format';
import { useAsync } from '../lib/hooks';
import { useSession } from '../session';

export function sortRecords(records: MedicalRecord[]): MedicalRecord[] {
  return [...records].sort(
    (a, b) => b.record_date.localeCompare(a.record_date) || b.created_at.localeCompare(a.created_at) || b.id - a.id,
  );
}

export function RecordTimeline({ records }: { records: MedicalRecord[] }) {
  const { can } = useSession();
  const [, run] = useAction();
  if (records.length === 0) {
    return <EmptyState title="No medical records yet">Records added for this patient appear here.</EmptyState>;
  }
  return (
    <ol className="relative ml-2 border-l-2 border-slate-200" aria-label="Medical records">
      {sortRecords(records).map((r) => (
        <li key={r.id} className="relative pb-6 pl-6 last:pb-0" data-testid="record-entry">
          <span
            aria-hidden="true"
            className="absolute -left-[9px] top-1 h-4 w-4 rounded-full border-2 border-white bg-sky-700 ring-2 ring-sky-100"
          />
          <div className="flex flex-wrap items-start justify-between gap-2">
            <div className="min-w-0">
              <p className="text-xs font-semibold uppercase tracking-wide text-slate-600">
                <time dateTime={r.record_date}>{formatDate(r.record_date)}</time> · {r.doctor_name}
              </p>
              <h4 className="mt-1 text-sm font-semibold text-slate-900">
                {r.diagnosis}
                {(r.version ?? 1) > 1 && (
                  <span className="ml-2">
                    <Badge tone="amber">amended</Badge>
                  </span>
                )}
              </h4>
            </div>
            <div className="flex gap-1">
              {can('records.create') && <AmendButton record={r} />}
              {can('records.delete') && <VoidButton record={r} run={run} />}
            </div>
          </div>
          {r.prescription && (
            <p className="mt-1 text-sm text-slate-700">
              <span className="font-medium">Prescription:</span> {r.prescription}
            </p>
          )}
          {r.notes && <p className="mt-1 whitespace-pre-line text-sm text-slate-600">{r.notes}</p>}
          {(r.version ?? 1) > 1 && <RecordHistory record={r} />}
        </li>
      ))}
    </ol>
  );
}

function AmendButton({ record: r }: { record: MedicalRecord }) {
  const [open, setOpen] = useState(false);
  const [busy, run] = useAction();
  const [v, setV] = useState({ diagnosis: r.diagnosis, prescription: r.prescription ?? '', notes: r.notes ?? '' });
  if (!open) {
    return (
      <button type="button" className={`${btn.secondary} ${btn.small}`} aria-label={`Amend record “${r.diagnosis}”`} onClick={() => setOpen(true)}>
        Amend
      </button>
    );
  }
  return (
    <form
      aria-label={`Amend record “${r.diagnosis}”`}
      className="mt-2 w-full space-y-2 rounded-md border border-slate-200 bg-slate-50 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        void run(
          () => api.records.amend(r.id, { diagnosis: v.diagnosis.trim(), prescription: v.prescription.trim() || null, notes: v.notes.trim() || null }),
          'Amended the record; the earlier version is kept.',
        ).then((ok) => ok && setOpen(false));
      }}
    >
      <TextField id={`amend-${r.id}-diagnosis`} label="Diagnosis" value={v.diagnosis} onChange={(e) => setV({ ...v, diagnosis: e.target.value })} />
      <TextAreaField id={`amend-${r.id}-prescription`} label="Prescription" rows={2} value={v.prescription} onChange={(e) => setV({ ...v, prescription: e.target.value })} />
      <TextAreaField id={`amend-${r.id}-notes`} label="Notes" rows={2} value={v.notes} onChange={(e) => setV({ ...v, notes: e.target.value })} />
      <div className="flex gap-2">
        <button type="submit" className={`${btn.primary} ${btn.small}`} disabled={busy}>
          Save amendment
        </button>
        <button type="button" className={`${btn.secondary} ${btn.small}`} onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RecordHistory({ record: r }: { record: MedicalRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="mt-1">
      <button type="button" className={`${btn.quiet} ${btn.small}`} aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide history' : `History (${r.version} versions)`}
      </button>
      {open && <Versions id={r.id} version={r.version ?? 1} />}
    </div>
  );
}

function Versions({ id, version }: { id: number; version: number }) {
  const versions = useAsync((signal) => api.records.history(id, signal), [id, version]);
  if (!versions.data) return null;
  return (
    <ol className="mt-1 space-y-1 border-l border-slate-200 pl-3 text-xs text-slate-700" aria-label="Record history">
      {versions.data.map((v) => (
        <li key={v.version}>
          <span className="font-semibold">Version {v.version}</span> · {formatDateTime(v.created_at)}: {v.diagnosis}
          {v.prescription && ` · Rx ${v.prescription}`}
        </li>
      ))}
    </ol>
  );
}

function VoidButton({ record: r, run }: { record: MedicalRecord; run: ReturnType<typeof useAction>[1] }) {
  const [reason, setReason] = useState('');
  return (
    <DeleteButton
      what={`record “${r.diagnosis}”`}
      detail={
        <div className="space-y-2">
          <p>It leaves the timeline and is kept as void, with every version, for the audit trail.</p>
          <TextField id={`void-${r.id}-reason`} label="Reason" placeholder="entered in error" value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
      }
      onDelete={() => run(() => api.records.remove(r.id, reason.trim() || undefined), 'Deleted the medical record.')}
    />
  );
}
