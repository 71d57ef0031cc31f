// What each role may do, mirroring the server's route table (issue 3). The server
// enforces it; the UI only hides what a role cannot use.
import type { Role } from '../api';

export type Permission =
  | 'patients.create'
  | 'patients.update'
  | 'patients.delete'
  /** The blood group: clinical data, read and written by admins and doctors only. */
  | 'patients.clinical'
  | 'appointments.create'
  | 'appointments.update'
  | 'appointments.delete'
  | 'appointments.start'
  | 'day.board'
  | 'day.mine'
  | 'records.read'
  | 'records.create'
  | 'records.delete'
  | 'chart.read'
  | 'chart.nursing'
  | 'chart.sign'
  | 'users.manage'
  | 'audit.read'
  | 'notifications.manage';

const granted: Record<Role, readonly Permission[]> = {
  admin: [
    'patients.create',
    'patients.update',
    'patients.delete',
    'patients.clinical',
    'appointments.create',
    'appointments.update',
    'appointments.delete',
    'appointments.start',
    'day.board',
    'records.read',
    'records.create',
    'records.delete',
    'chart.read',
    'chart.nursing',
    'chart.sign',
    'users.manage',
    'audit.read',
    'notifications.manage',
  ],
  doctor: [
    'patients.update',
    'patients.clinical',
    'appointments.create',
    'appointments.update',
    'appointments.start',
    'day.mine',
    'records.read',
    'records.create',
    'chart.read',
    'chart.nursing',
    'chart.sign',
  ],
  // A nurse reads the chart and checks patients in; diagnoses and prescriptions are the doctor's.
  nurse: [
    'patients.update',
    'patients.clinical',
    'appointments.create',
    'appointments.update',
    'day.board',
    'records.read',
    'chart.read',
    'chart.nursing',
  ],
  staff: [
    'patients.create',
    'patients.update',
    'appointments.create',
    'appointments.update',
    'appointments.delete',
    'day.board',
  ],
};

/** The screen a role starts on: the front desk's Today, a doctor's My day. */
export function homePath(role: Role | null): string {
  return role === 'doctor' ? '/my-day' : '/today';
}

export function allowed(role: Role, permission: Permission): boolean {
  return granted[role]?.includes(permission) ?? false;
}

/**
 * What the app offers when the server has no access control: all of the clinic's
 * work, but no user management, audit log or outbox, which exist only with it.
 */
export function openAllows(permission: Permission): boolean {
  return (
    permission !== 'users.manage' &&
    permission !== 'audit.read' &&
    permission !== 'notifications.manage' &&
    permission !== 'day.mine'
  );
}
