// What every form and every button that changes data does the same way: check,
// save, put the server's field messages next to their fields, report in the banner.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { useNotify } from '../components/Banner';
import { hasErrors, type FieldErrors } from './validate';

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

interface FormOptions {
  /** The unique field a 409 without field messages is about. */
  conflictField?: string;
  /** Server field names that the form shows under another field. */
  fieldAliases?: Record<string, string>;
  /** Field messages for an error the server does not tie to a field (e.g. a 409). */
  explain?: (err: ApiError) => FieldErrors | null;
}

/**
 * State of a form that validates, then saves. submit() runs validate; when it
 * finds nothing it runs save. Errors from either end up in errors (per field) or
 * formError, and focus moves to the first invalid field.
 */
export function useFormSubmit({ conflictField, fieldAliases = {}, explain }: FormOptions = {}) {
  const notify = useNotify();
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);

  useEffect(() => {
    if (focusRequest) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  function fail(fields: FieldErrors, message: string | null) {
    setErrors(fields);
    setFormError(message);
    setFocusRequest((n) => n + 1);
  }

  async function submit(e: FormEvent, validate: () => FieldErrors, save: () => Promise<void>): Promise<boolean> {
    e.preventDefault();
    setFormError(null);
    const found = validate();
    if (hasErrors(found)) {
      fail(found, null);
      return false;
    }
    setErrors({});
    setSaving(true);
    try {
      await save();
      return true;
    } catch (err) {
      const explained = err instanceof ApiError ? explain?.(err) : null;
      const { fields, message } = explained ? { fields: explained, message: null } : saveErrors(err, conflictField);
      for (const [from, to] of Object.entries(fieldAliases)) {
        if (fields[from]) {
          fields[to] = fields[from];
          delete fields[from];
        }
      }
      if (message) notify.error(message);
      fail(fields, message);
      return false;
    } finally {
      setSaving(false);
    }
  }

  /** Forgets the message of one field, e.g. when it is edited. */
  function clearError(field: string) {
    if (!errors[field]) return;
    const rest = { ...errors };
    delete rest[field];
    setErrors(rest);
  }

  function reset() {
    setErrors({});
    setFormError(null);
  }

  return { form, errors, formError, saving, submit, clearError, reset };
}

/** What run reports when the action succeeds: a sentence, or one made from the result. */
type Done<T> = string | ((result: T) => string);

/** Runs an action with a busy flag; resolves to whether it succeeded, and never throws. */
type Run = <T>(action: () => Promise<T>, done: Done<T>) => Promise<boolean>;

/**
 * Runs a change (a status, a deletion) with a busy flag: success and failure are
 * reported in the banner, failure with the server's message.
 */
export function useAction(): [boolean, Run] {
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  async function run<T>(action: () => Promise<T>, done: Done<T>) {
    setBusy(true);
    try {
      const result = await action();
      notify.success(typeof done === 'function' ? done(result) : done);
      return true;
    } catch (err) {
      notify.error(err instanceof Error ? err.message : 'That did not work. Please try again.');
      return false;
    } finally {
      setBusy(false);
    }
  }
  return [busy, run];
}
