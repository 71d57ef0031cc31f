// The next steps of an appointment as buttons: Check in, Start, Complete, No-show,
// Cancel. Steps that end the appointment (complete, cancel, no-show) ask first;
// nothing final happens on one click. Start and Complete are the doctor's.
import { useState } from 'react';
import { api, type Appointment, type AppointmentStatus } from '../api';
import { useAction } from '../lib/forms';
import { formatTime } from '../lib/format';
import { ACTION_LABELS, FINAL_STATUSES, nextStatuses } from '../lib/lifecycle';
import { useSession } from '../session';
import { ConfirmDialog } from './ConfirmDialog';
import { btn, input, inputOk } from './styles';

interface StatusActionsProps {
  appointment: Appointment;
  onChanged?: (a: Appointment) => void;
  /** Leave these steps out (e.g. cancel on the day board, which has no-show). */
  hide?: AppointmentStatus[];
}

const DONE: Record<AppointmentStatus, string> = {
  scheduled: 'scheduled',
  checked_in: 'checked in',
  in_progress: 'with the doctor',
  completed: 'completed',
  cancelled: 'cancelled',
  no_show: 'marked as a no-show',
};

const CONFIRM: Partial<Record<AppointmentStatus, string>> = {
  completed: 'The visit is then over; this cannot be undone.',
  cancelled: 'The time becomes free for others. A cancelled appointment cannot be reopened; book a new one instead.',
  no_show: 'The time becomes free for others. This cannot be undone.',
};

export function StatusActions({ appointment: a, onChanged, hide = [] }: StatusActionsProps) {
  const { can } = useSession();
  const [busy, run] = useAction();
  const [asking, setAsking] = useState<AppointmentStatus | null>(null);
  const [reason, setReason] = useState('');
  if (!can('appointments.update')) return null;
  const steps = nextStatuses(a.status).filter(
    (s) => !hide.includes(s) && ((s !== 'in_progress' && s !== 'completed') || can('appointments.start')),
  );
  const who = `${a.patient_name} with ${a.doctor_name} at ${formatTime(a.appointment_datetime)}`;

  const go = (status: AppointmentStatus, why = '') =>
    run(
      () =>
        api.appointments
          .update(a.id, why.trim() ? { status, status_reason: why.trim() } : { status })
          .then((saved) => onChanged?.(saved)),
      `${a.patient_name} ${DONE[status]}.`,
    );

  return (
    <>
      {steps.map((s) => {
        const final = FINAL_STATUSES.includes(s);
        return (
          <button
            key={s}
            type="button"
            disabled={busy}
            className={`${s === 'cancelled' || s === 'no_show' ? btn.dangerQuiet : s === 'checked_in' || s === 'in_progress' ? btn.primary : btn.secondary} ${btn.small}`}
            aria-label={`${ACTION_LABELS[s]}: ${who}`}
            onClick={() => {
              setReason('');
              if (final) setAsking(s);
              else void go(s);
            }}
          >
            {ACTION_LABELS[s]}
            {final && '…'}
          </button>
        );
      })}
      {asking && (
        <ConfirmDialog
          title={`${ACTION_LABELS[asking]}: ${who}?`}
          confirmLabel={asking === 'cancelled' ? 'Cancel appointment' : ACTION_LABELS[asking]}
          dismissLabel="Go back"
          busy={busy}
          onCancel={() => setAsking(null)}
          onConfirm={async () => {
            await go(asking, reason);
            setAsking(null);
          }}
        >
          <p>{CONFIRM[asking]}</p>
          {asking === 'cancelled' && (
            <label className="mt-3 block">
              <span className="mb-1 block font-medium text-slate-800">Reason for cancelling</span>
              <input
                className={`${input} ${inputOk}`}
                maxLength={255}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="e.g. the patient is ill"
              />
            </label>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
