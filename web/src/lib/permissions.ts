// What the signed-in user may do comes from the server: GET /api/auth/me answers the
// permissions of their role, derived from its route table. The server enforces them; the
// UI only hides what the user cannot use. Which screen is a user's own is the UI's choice.
import type { Permission, Role, User } from '../api';

export type { Permission };

/** The screen a role starts on: a doctor's My day, everyone else's Today. */
export function homePath(role: Role | null): string {
  return role === 'doctor' ? '/my-day' : '/today';
}

/** Whether user holds permission, as the server said. */
export function allowed(user: User | null, permission: Permission): boolean {
  return user?.permissions.includes(permission) ?? false;
}
