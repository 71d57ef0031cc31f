// The signed-in user's own account: two-factor sign-in (enrol, turn off), their password,
// and the sessions they are signed in with, each of which they can sign out.
import { useState, type FormEvent } from 'react';
import { api, ApiError, type SignedInSession } from '../api';
import { useNotify } from '../components/Banner';
import { FormError, TextField } from '../components/Field';
import { Badge } from '../components/Badge';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, panel, panelTitle } from '../components/styles';
import { useAction, useFormSubmit } from '../lib/forms';
import { formatDateTime } from '../lib/format';
import { useAsync } from '../lib/hooks';
import { useSession } from '../session';
import { MfaEnrol } from './MfaEnrol';

export function AccountScreen() {
  return (
    <div className="grid max-w-3xl gap-6">
      <TwoFactorPanel />
      <Sessions />
      <PasswordForm />
    </div>
  );
}

function TwoFactorPanel() {
  const status = useAsync((signal) => api.auth.mfaStatus(signal), []);
  const [enrolling, setEnrolling] = useState(false);
  const [code, setCode] = useState('');
  const [busy, run] = useAction();

  async function disable(e: FormEvent) {
    e.preventDefault();
    if (!code.trim()) return;
    const ok = await run(
      () =>
        api.auth.mfaDisable(code.trim()).catch((err: unknown) => {
          if (err instanceof ApiError && err.fields.code)
            throw new Error('That code is not right, or the recovery code was already used. Enter the current code from your app.');
          throw err;
        }),
      'Two-factor sign-in is off.',
    );
    setCode('');
    if (ok) status.reload();
  }

  return (
    <section className={`${panel} p-5`} aria-labelledby="mfa-title">
      <h2 id="mfa-title" className={`${panelTitle} mb-1 flex items-center gap-2`}>
        Two-factor sign-in
        {status.data && <Badge tone={status.data.enabled ? 'emerald' : 'slate'}>{status.data.enabled ? 'On' : 'Off'}</Badge>}
      </h2>
      {status.error ? (
        <ErrorState error={status.error} onRetry={status.reload} />
      ) : !status.data ? (
        <LoadingBlock label="Loading…" />
      ) : enrolling ? (
        <MfaEnrol
          onDone={() => {
            setEnrolling(false);
            status.reload();
          }}
        />
      ) : status.data.enabled ? (
        <div className="space-y-3">
          <p className="text-sm text-slate-600">
            Signing in asks for a code from your authenticator app after your password.{' '}
            {status.data.recovery_codes_left} of 10 recovery codes left.
          </p>
          {status.data.required ? (
            <p className="text-sm text-slate-600">Your role requires it, so it cannot be turned off. If you lose your phone, an admin can reset it.</p>
          ) : (
            <form onSubmit={disable} noValidate className="flex flex-wrap items-end gap-3">
              <TextField
                id="mfa-disable-code"
                label="Current code (or a recovery code)"
                autoComplete="one-time-code"
                maxLength={20}
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
              <button type="submit" className={btn.dangerQuiet} disabled={busy || !code.trim()}>
                Turn off
              </button>
            </form>
          )}
        </div>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-slate-600">
            {status.data.required
              ? 'Your role requires a second step at sign-in.'
              : 'Protect your account with a code from an authenticator app on your phone, asked after your password.'}
          </p>
          <button type="button" className={btn.primary} onClick={() => setEnrolling(true)}>
            Set up two-factor sign-in
          </button>
        </div>
      )}
    </section>
  );
}

const blankPasswords = { current: '', next: '', again: '' };

/** Changes one's own password: the current one first; the other sessions end. */
export function PasswordForm() {
  const notify = useNotify();
  const { form, errors, formError, saving, submit, clearError } = useFormSubmit({
    fieldAliases: { current_password: 'current', new_password: 'next' },
  });
  const [values, setValues] = useState(blankPasswords);
  const set = (key: keyof typeof blankPasswords, value: string) => {
    setValues({ ...values, [key]: value });
    clearError(key);
  };
  function validate() {
    const out: Record<string, string> = {};
    if (!values.current) out.current = 'Enter your current password';
    if (values.next.length < 12) out.next = 'At least 12 characters';
    else if (values.again !== values.next) out.again = 'Does not match the new password';
    return out;
  }
  async function save() {
    await api.auth.changePassword(values.current, values.next);
    setValues(blankPasswords);
    notify.success('Password changed. Your other sessions are signed out.');
  }
  return (
    <section className={`${panel} p-5`} aria-labelledby="password-title">
      <h2 id="password-title" className={`${panelTitle} mb-4`}>
        Change password
      </h2>
      <form ref={form} noValidate aria-label="Change password" className="grid gap-3 sm:max-w-sm" onSubmit={(e) => submit(e, validate, save)}>
        <FormError message={formError} />
        <TextField id="pw-current" label="Current password" type="password" autoComplete="current-password" required
          value={values.current} error={errors.current} onChange={(e) => set('current', e.target.value)} />
        <TextField id="pw-next" label="New password" type="password" autoComplete="new-password" required
          hint="At least 12 characters, not your email address." value={values.next} error={errors.next}
          onChange={(e) => set('next', e.target.value)} />
        <TextField id="pw-again" label="New password again" type="password" autoComplete="new-password" required
          value={values.again} error={errors.again} onChange={(e) => set('again', e.target.value)} />
        <div>
          <button type="submit" className={btn.primary} disabled={saving}>
            {saving ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Sessions() {
  const { user } = useSession();
  const sessions = useAsync((signal) => api.auth.sessions(signal), []);
  return (
    <section className={`${panel} p-5`} aria-labelledby="sessions-title">
      <h2 id="sessions-title" className={`${panelTitle} mb-1`}>
        Signed-in sessions
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        {user ? `${user.name}, these` : 'These'} are the browsers and devices signed in to your account. Sign out any you do
        not recognise.
      </p>
      {sessions.error ? (
        <ErrorState error={sessions.error} onRetry={sessions.reload} />
      ) : !sessions.data ? (
        <LoadingBlock label="Loading sessions…" />
      ) : sessions.data.length === 0 ? (
        <EmptyState title="No open sessions" />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Signed-in sessions">
          {sessions.data.map((s) => (
            <SessionRow key={s.id} session={s} onEnded={sessions.reload} />
          ))}
        </ul>
      )}
    </section>
  );
}

// Writes under /api/auth/ announce no data change (see api.ts), so a row reloads the list itself.
function SessionRow({ session: s, onEnded }: { session: SignedInSession; onEnded: () => void }) {
  const { logout } = useSession();
  const [busy, run] = useAction();
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="session-row">
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 font-medium text-slate-900">
          {s.device}
          {s.current && <Badge tone="sky">This browser</Badge>}
        </p>
        <p className="text-xs text-slate-600">
          Signed in {formatDateTime(s.created_at)}
          {s.last_used_at !== s.created_at && <> · last active {formatDateTime(s.last_used_at)}</>}
          {s.ip && <> · IP {s.ip}</>}
        </p>
      </div>
      <button
        type="button"
        className={`${btn.secondary} ${btn.small}`}
        disabled={busy}
        aria-label={`Sign out ${s.device}${s.current ? ' (this browser)' : ''}`}
        onClick={() => {
          if (s.current) void logout();
          else void run(() => api.auth.endSession(s.id), `Signed out ${s.device}.`).then((ok) => ok && onEnded());
        }}
      >
        Sign out
      </button>
    </li>
  );
}
