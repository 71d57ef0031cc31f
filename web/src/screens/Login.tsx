// The sign-in screen. After an expired session it says so, and the forms the user
// was filling in come back once they are signed in again. A user with two-factor sign-in
// enters a code (or a recovery code) after the password; one whose role requires it and
// has none enrols first.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type SignInMethods } from '../api';
import { FormError, TextField } from '../components/Field';
import { btn, panel } from '../components/styles';
import { formatRetryAfter } from '../lib/format';
import { clearSSOError, ssoError } from '../lib/sso';
import { useSession } from '../session';
import { MfaEnrol } from './MfaEnrol';

function loginMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Signing in failed. Please try again.';
  if (err.status === 401) return 'The email or password is not correct.';
  if (err.status === 423 || err.status === 429) {
    const wait = err.retryAfter ? ` Try again in ${formatRetryAfter(err.retryAfter)}.` : '';
    return `${err.message}${wait}`;
  }
  return err.message;
}

export function LoginScreen({ expired }: { expired: boolean }) {
  const { login, signedIn } = useSession();
  const [second, setSecond] = useState<{ step: 'code' | 'enrolment'; token: string } | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ email?: string; password?: string }>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const [methods, setMethods] = useState<SignInMethods | null>(null);
  const [providerError, setProviderError] = useState<string | null>(ssoError);

  useEffect(() => {
    const ctrl = new AbortController();
    api.auth.methods(ctrl.signal).then(setMethods, () => {
      // A server without the call offers passwords only.
    });
    return () => ctrl.abort();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: typeof errors = {};
    if (!email.trim()) found.email = 'Email is required';
    if (!password) found.password = 'Password is required';
    setErrors(found);
    setMessage(null);
    setProviderError(null);
    clearSSOError();
    if (found.email || found.password) return;
    setBusy(true);
    try {
      const next = await login(email.trim(), password);
      if (next) {
        setPassword('');
        setSecond(next);
      }
    } catch (err) {
      setMessage(loginMessage(err));
      setPassword('');
      emailRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  const restart = (why: string) => {
    setSecond(null);
    setMessage(why);
  };
  if (second?.step === 'code')
    return <CodeStep token={second.token} onSignedIn={signedIn} onRestart={restart} />;
  if (second?.step === 'enrolment')
    return (
      <div className="flex min-h-[60vh] items-center justify-center px-4 py-10">
        <section className={`${panel} w-full max-w-sm p-6`} aria-labelledby="enrol-title">
          <h2 id="enrol-title" className="text-xl font-semibold text-slate-900">
            Set up two-factor sign-in
          </h2>
          <p className="mb-4 mt-1 text-sm text-slate-600">Your clinic requires a second step at sign-in for your role.</p>
          <MfaEnrol token={second.token} onDone={(user) => (user ? void signedIn(user) : restart('Sign in again.'))} />
        </section>
      </div>
    );

  return (
    <div className="flex min-h-[60vh] items-center justify-center px-4 py-10">
      <section className={`${panel} w-full max-w-sm p-6`} aria-labelledby="login-title">
        <h2 id="login-title" className="text-xl font-semibold text-slate-900">
          Sign in
        </h2>
        <p className="mt-1 text-sm text-slate-600">Use the account your clinic administrator gave you.</p>
        {expired && (
          <p role="status" className="mt-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            Your session has expired. Sign in again; what you were typing is kept.
          </p>
        )}
        {providerError && (
          <div role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            <p className="font-medium">Single sign-on did not sign you in.</p>
            <p className="mt-1">{providerError}</p>
          </div>
        )}
        {methods?.sso && (
          <>
            <a
              href={methods.sso.start_url}
              className={`${btn.primary} mt-5 flex w-full justify-center`}
              onClick={() => clearSSOError()}
            >
              Sign in with {methods.sso.name}
            </a>
            <p className="mt-5 flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500" aria-hidden="true">
              <span className="h-px flex-1 bg-slate-200" />
              or with a password
              <span className="h-px flex-1 bg-slate-200" />
            </p>
          </>
        )}
        {methods?.password === 'break_glass' && (
          <p className="mt-4 text-sm text-slate-600">
            Password sign-in is kept for the break-glass administrator only.
          </p>
        )}
        <form onSubmit={submit} noValidate className="mt-5 space-y-4">
          <FormError message={message} />
          <TextField
            ref={emailRef}
            id="login-email"
            label="Email"
            type="email"
            autoComplete="username"
            autoFocus
            value={email}
            error={errors.email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextField
            id="login-password"
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            error={errors.password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className={`${methods?.sso ? btn.secondary : btn.primary} w-full`} disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </section>
    </div>
  );
}

/** The second step: a code of the authenticator app, or one of the recovery codes. */
function CodeStep({
  token,
  onSignedIn,
  onRestart,
}: {
  token: string;
  onSignedIn: (user: Awaited<ReturnType<typeof api.auth.verifyMfa>>) => Promise<void>;
  onRestart: (why: string) => void;
}) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!code.trim()) {
      setMessage(recovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code your app shows.');
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await onSignedIn(await api.auth.verifyMfa(token, code.trim()));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        onRestart('The sign-in took too long. Enter your password again.');
        return;
      }
      setMessage(
        err instanceof ApiError && err.fields.code
          ? recovery
            ? 'That recovery code is not right, or was already used.'
            : 'That code is not right. Enter the current one from your app.'
          : loginMessage(err),
      );
      setCode('');
      codeRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-[60vh] items-center justify-center px-4 py-10">
      <section className={`${panel} w-full max-w-sm p-6`} aria-labelledby="mfa-title">
        <h2 id="mfa-title" className="text-xl font-semibold text-slate-900">
          Two-factor sign-in
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          {recovery
            ? 'Enter one of the recovery codes you saved when you set up two-factor sign-in. Each works once.'
            : 'Enter the 6-digit code from your authenticator app.'}
        </p>
        <form onSubmit={submit} noValidate className="mt-5 space-y-4">
          <FormError message={message} />
          <TextField
            ref={codeRef}
            key={recovery ? 'recovery' : 'code'}
            id="mfa-code"
            label={recovery ? 'Recovery code' : 'Code'}
            inputMode={recovery ? 'text' : 'numeric'}
            autoComplete="one-time-code"
            autoFocus
            maxLength={recovery ? 20 : 10}
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" className={`${btn.primary} w-full`} disabled={busy}>
            {busy ? 'Checking…' : 'Verify'}
          </button>
          <button
            type="button"
            className={`${btn.quiet} w-full`}
            onClick={() => {
              setRecovery(!recovery);
              setCode('');
              setMessage(null);
            }}
          >
            {recovery ? 'Use a code from the app' : 'Use a recovery code'}
          </button>
        </form>
      </section>
    </div>
  );
}
