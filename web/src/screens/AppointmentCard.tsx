// One appointment: when, who, with whom, its status with the next steps as buttons
// (final ones ask first), and notes.
import { useId, useState } from 'react';
import { api, type Appointment, type SeriesScope } from '../api';
import { Badge, StatusBadge } from '../components/Badge';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { MoveDialog } from '../components/MoveDialog';
import { StatusActions } from '../components/StatusActions';
import { AppointmentMessages } from './AppointmentMessages';
import { btn, input, inputOk, link } from '../components/styles';
import { useAction } from '../lib/forms';
import { formatDateTime, formatTime } from '../lib/format';
import { nextStatuses, SERIES_SCOPES } from '../lib/lifecycle';
import { Link } from '../router';
import { useSession } from '../session';

interface AppointmentCardProps {
  appointment: Appointment;
  /** Hide the patient's name (on that patient's own page). */
  hidePatient?: boolean;
  onChanged?: (a: Appointment) => void;
}

export function AppointmentCard({ appointment: a, hidePatient, onChanged }: AppointmentCardProps) {
  const { can } = useSession();
  const id = useId();
  const [editingNotes, setEditingNotes] = useState(false);
  const [moving, setMoving] = useState(false);
  const [notes, setNotes] = useState(a.notes ?? '');
  const [busy, run] = useAction();
  const canUpdate = can('appointments.update');
  const next = nextStatuses(a.status);
  const who = `${a.patient_name} with ${a.doctor_name}`;

  const update = (change: { notes?: string }, done: string) =>
    run(() => api.appointments.update(a.id, change).then((saved) => onChanged?.(saved)), done);

  return (
    <li className="rounded-lg border border-slate-200 p-4" data-testid="appointment-card">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2">
            <time dateTime={a.appointment_datetime} className="text-base font-semibold text-slate-900">
              {formatDateTime(a.appointment_datetime)}
              {a.end_datetime && `–${formatTime(a.end_datetime)}`}
            </time>
            <StatusBadge status={a.status} />
            {a.series_id && <Badge tone="slate">Repeats</Badge>}
          </p>
          <p className="mt-1 text-sm text-slate-700">
            {!hidePatient && (
              <>
                <Link to={`/patients/${a.patient_id}`} className={link}>
                  {a.patient_name}
                </Link>
                {' · '}
              </>
            )}
            {a.doctor_name}
          </p>
          {a.reason && <p className="mt-1 text-sm text-slate-600">{a.reason}</p>}
          {a.notes && !editingNotes && (
            <p className="mt-1 whitespace-pre-line text-sm text-slate-600">
              <span className="font-medium text-slate-700">Notes:</span> {a.notes}
            </p>
          )}
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <StatusActions appointment={a} onChanged={onChanged} />
          {canUpdate && a.status === 'scheduled' && (
            <button
              type="button"
              className={`${btn.secondary} ${btn.small}`}
              onClick={() => setMoving(true)}
              aria-label={`Move appointment of ${who}`}
            >
              Move
            </button>
          )}
          {moving && <MoveDialog appointment={a} onClose={() => setMoving(false)} />}
          {canUpdate && !editingNotes && (
            <button
              type="button"
              className={`${btn.secondary} ${btn.small}`}
              onClick={() => setEditingNotes(true)}
              aria-label={`Notes for appointment of ${who}`}
            >
              Notes
            </button>
          )}
          {can('appointments.delete') && a.series_id && next.includes('cancelled') && (
            <CancelSeriesButton appointment={a} who={who} />
          )}
        </div>
      </div>
      {editingNotes && (
        <form
          className="mt-3 space-y-2"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await update({ notes }, 'Saved the notes.')) setEditingNotes(false);
          }}
        >
          <label htmlFor={`${id}-notes`} className="block text-sm font-medium text-slate-700">
            Notes
          </label>
          <textarea
            id={`${id}-notes`}
            rows={3}
            className={`${input} ${inputOk}`}
            value={notes}
            onChange={(e) => setNotes(e.target.value)}
          />
          <div className="flex gap-2">
            <button type="submit" className={`${btn.primary} ${btn.small}`} disabled={busy}>
              Save notes
            </button>
            <button
              type="button"
              className={`${btn.secondary} ${btn.small}`}
              onClick={() => {
                setNotes(a.notes ?? '');
                setEditingNotes(false);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      <AppointmentMessages appointmentId={a.id} />
    </li>
  );
}

/** Cancels occurrences of a series (DELETE with a scope): which ones, asked in the dialog.
 * A single appointment is cancelled with its Cancel step, which asks for a reason. */
function CancelSeriesButton({ appointment: a, who }: { appointment: Appointment; who: string }) {
  const [open, setOpen] = useState(false);
  const [scope, setScope] = useState<SeriesScope>('this');
  const [busy, run] = useAction();
  const name = useId();
  return (
    <>
      <button
        type="button"
        className={`${btn.dangerQuiet} ${btn.small}`}
        onClick={() => setOpen(true)}
        aria-label={`Cancel appointments of the series for ${who}`}
      >
        Cancel series…
      </button>
      {open && (
        <ConfirmDialog
          title={`Cancel appointments of the series for ${who}?`}
          confirmLabel="Cancel appointments"
          dismissLabel="Keep them"
          busy={busy}
          onCancel={() => setOpen(false)}
          onConfirm={async () => {
            await run(
              () => api.appointments.remove(a.id, scope),
              (r: { deleted?: number[] }) =>
                (r.deleted?.length ?? 1) === 1 ? 'Cancelled the appointment.' : `Cancelled ${r.deleted!.length} appointments of the series.`,
            );
            setOpen(false);
          }}
        >
          <p>This appointment repeats. Cancelled appointments stay in the lists as cancelled and free their time; only those still scheduled are cancelled, never a completed one.</p>
          <fieldset className="mt-3 space-y-1.5">
            <legend className="font-medium text-slate-800">Cancel</legend>
            {SERIES_SCOPES.map((s) => (
              <label key={s.value} className="flex items-center gap-2">
                <input type="radio" name={name} value={s.value} checked={scope === s.value} onChange={() => setScope(s.value)} />
                {s.label}
              </label>
            ))}
          </fieldset>
        </ConfirmDialog>
      )}
    </>
  );
}
