// What each role may do, mirroring the server's route table (issue 3). The server
// enforces it; the UI only hides what a role cannot use. A null role means the
// server runs without access control, so everything is shown.
import type { Role } from '../api';

export type Permission =
  | 'patients.create'
  | 'patients.update'
  | 'patients.delete'
  | 'appointments.create'
  | 'appointments.update'
  | 'appointments.delete'
  | 'records.read'
  | 'records.create'
  | 'records.delete'
  | 'users.manage'
  | 'audit.read';

const granted: Record<Role, readonly Permission[]> = {
  admin: [
    'patients.create',
    'patients.update',
    'patients.delete',
    'appointments.create',
    'appointments.update',
    'appointments.delete',
    'records.read',
    'records.create',
    'records.delete',
    'users.manage',
    'audit.read',
  ],
  doctor: ['patients.update', 'appointments.create', 'appointments.update', 'records.read', 'records.create'],
  staff: [
    'patients.create',
    'patients.update',
    'appointments.create',
    'appointments.update',
    'appointments.delete',
  ],
};

export function allowed(role: Role | null, permission: Permission): boolean {
  if (role === null) return true;
  return granted[role]?.includes(permission) ?? false;
}
