// One appointment: when, who, with whom, its status (changeable) and notes.
import { useId, useState } from 'react';
import { api, type Appointment, type AppointmentStatus } from '../api';
import { StatusBadge } from '../components/Badge';
import { DeleteButton } from '../components/ConfirmDialog';
import { btn, input, inputOk, link } from '../components/styles';
import { useAction } from '../lib/forms';
import { formatDateTime, formatTime, statusLabel } from '../lib/format';
import { nextStatuses } from '../lib/lifecycle';
import { Link } from '../router';
import { useSession } from '../session';

interface AppointmentCardProps {
  appointment: Appointment;
  /** Hide the patient's name (on that patient's own page). */
  hidePatient?: boolean;
  onChanged?: (a: Appointment) => void;
}

/** The server's message as a sentence: "appointment 9 cancelled" → "Appointment 9 cancelled." */
function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function AppointmentCard({ appointment: a, hidePatient, onChanged }: AppointmentCardProps) {
  const { can } = useSession();
  const id = useId();
  const [editingNotes, setEditingNotes] = useState(false);
  const [notes, setNotes] = useState(a.notes ?? '');
  const [busy, run] = useAction();
  const canUpdate = can('appointments.update');
  const next = nextStatuses(a.status);
  const who = `${a.patient_name} with ${a.doctor_name}`;

  const update = (change: { status?: AppointmentStatus; notes?: string }, done: string) =>
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
          {canUpdate && next.length > 0 && (
            <div>
              <label htmlFor={`${id}-status`} className="mb-1 block text-xs font-medium text-slate-600">
                Status
              </label>
              <select
                id={`${id}-status`}
                className={`${input} ${inputOk} py-1.5 text-xs`}
                value={a.status}
                disabled={busy}
                aria-label={`Status of appointment for ${who}`}
                onChange={(e) => {
                  const status = e.target.value as AppointmentStatus;
                  void update({ status }, `Appointment marked ${statusLabel(status).toLowerCase()}.`);
                }}
              >
                {[a.status, ...next].map((s) => (
                  <option key={s} value={s}>
                    {s === a.status ? statusLabel(s) : `→ ${statusLabel(s)}`}
                  </option>
                ))}
              </select>
            </div>
          )}
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
          {can('appointments.delete') && next.includes('cancelled') && (
            <DeleteButton
              label="Cancel appointment"
              dismissLabel="Keep it"
              what={`for ${who}`}
              detail={<p>It stays in the lists as cancelled, with its history, and its time becomes free again.</p>}
              onDelete={() => run(() => api.appointments.cancel(a.id), (r) => sentence(r.message ?? 'appointment cancelled'))}
            />
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
    </li>
  );
}
