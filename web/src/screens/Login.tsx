// The sign-in screen. After an expired session it says so, and the forms the user
// was filling in come back once they are signed in again.
import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { FormError, TextField } from '../components/Field';
import { btn, panel } from '../components/styles';
import { formatRetryAfter } from '../lib/format';
import { useSession } from '../session';

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
  const { login } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ email?: string; password?: string }>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: typeof errors = {};
    if (!email.trim()) found.email = 'Email is required';
    if (!password) found.password = 'Password is required';
    setErrors(found);
    setMessage(null);
    if (found.email || found.password) return;
    setBusy(true);
    try {
      await login(email.trim(), password);
    } catch (err) {
      setMessage(loginMessage(err));
      setPassword('');
      emailRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

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
          <button type="submit" className={`${btn.primary} w-full`} disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </section>
    </div>
  );
}
