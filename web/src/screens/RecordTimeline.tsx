// A patient's medical records, newest first, as a timeline.
import { api, type MedicalRecord } from '../api';
import { DeleteButton } from '../components/ConfirmDialog';
import { EmptyState } from '../components/States';
import { useAction } from '../lib/forms';
import { formatDate } from '../lib/format';
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
              <h4 className="mt-1 text-sm font-semibold text-slate-900">{r.diagnosis}</h4>
            </div>
            {can('records.delete') && (
              <DeleteButton
                what={`record “${r.diagnosis}”`}
                detail={<p>It leaves the timeline and is kept as void, with every version, for the audit trail.</p>}
                onDelete={() => run(() => api.records.remove(r.id), 'Deleted the medical record.')}
              />
            )}
          </div>
          {r.prescription && (
            <p className="mt-1 text-sm text-slate-700">
              <span className="font-medium">Prescription:</span> {r.prescription}
            </p>
          )}
          {r.notes && <p className="mt-1 whitespace-pre-line text-sm text-slate-600">{r.notes}</p>}
        </li>
      ))}
    </ol>
  );
}
