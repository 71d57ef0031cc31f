// The appointment lifecycle the server enforces:
// scheduled → checked_in → in_progress → completed, and cancelled or no_show from
// the first two. completed, cancelled and no_show are final.
import type { AppointmentStatus, SeriesScope } from '../api';

const next: Record<AppointmentStatus, AppointmentStatus[]> = {
  scheduled: ['checked_in', 'cancelled', 'no_show'],
  checked_in: ['in_progress', 'cancelled', 'no_show'],
  in_progress: ['completed'],
  completed: [],
  cancelled: [],
  no_show: [],
};

/** The statuses an appointment may move to from status. */
export function nextStatuses(status: AppointmentStatus): AppointmentStatus[] {
  return next[status] ?? [];
}

/** Only a scheduled appointment may still be moved. */
export const isFinal = (status: AppointmentStatus) => nextStatuses(status).length === 0;

/** Statuses that end an appointment: reaching one asks for confirmation first. */
export const FINAL_STATUSES: readonly AppointmentStatus[] = ['completed', 'cancelled', 'no_show'];

/** The front desk's words for where a patient is in their visit. */
export const DAY_LABELS: Record<AppointmentStatus, string> = {
  scheduled: 'Expected',
  checked_in: 'Arrived',
  in_progress: 'With the doctor',
  completed: 'Done',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

/** The button that moves an appointment to each status. */
export const ACTION_LABELS: Record<AppointmentStatus, string> = {
  scheduled: 'Schedule',
  checked_in: 'Check in',
  in_progress: 'Start',
  completed: 'Complete',
  cancelled: 'Cancel',
  no_show: 'No-show',
};

/** Which occurrences of a series a cancel or a move reaches, as the dialogs offer them. */
export const SERIES_SCOPES: { value: SeriesScope; label: string }[] = [
  { value: 'this', label: 'This appointment' },
  { value: 'following', label: 'This and the following ones' },
  { value: 'series', label: 'Every appointment of the series' },
];
