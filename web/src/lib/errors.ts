// Turning a failed save into messages next to the fields they concern.
import { ApiError } from '../api';
import type { FieldErrors } from './validate';

/**
 * Splits an error from a save into field messages and a form message. A 409
 * without fields is about the one unique field the caller names (the email).
 */
export function saveErrors(err: unknown, conflictField?: string): { fields: FieldErrors; message: string | null } {
  if (!(err instanceof ApiError)) return { fields: {}, message: 'Saving failed. Please try again.' };
  const fields = { ...err.fields };
  if (err.status === 409 && conflictField && Object.keys(fields).length === 0) {
    fields[conflictField] = err.message;
  }
  return { fields, message: Object.keys(fields).length > 0 ? null : err.message };
}

/** Moves focus to the first field marked invalid inside form. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  const el = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  el?.focus();
}
