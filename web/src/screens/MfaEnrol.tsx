// Enrolling an authenticator app: the QR code and the secret as text, a code to confirm,
// then the ten recovery codes, shown this once. Used on the Account screen and, with the
// enrolment token of a sign-in, on the sign-in screen when the user's role requires it.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type MfaEnrolment, type User } from '../api';
import { FormError, TextField } from '../components/Field';
import { LoadingBlock } from '../components/Spinner';
import { btn } from '../components/styles';

interface Props {
  /** The enrolment token of a sign-in; absent for the signed-in user. */
  token?: string;
  /** After the recovery codes were seen; user when the enrolment completed a sign-in. */
  onDone: (user?: User) => void;
}

export function MfaEnrol({ token, onDone }: Props) {
  const [enrolment, setEnrolment] = useState<MfaEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ codes: string[]; user?: User } | null>(null);

  useEffect(() => {
    let live = true;
    api.auth.mfaSetup(token).then(
      (e) => live && setEnrolment(e),
      (err) => live && setError(err instanceof Error ? err.message : 'Could not start the set-up.'),
    );
    return () => {
      live = false;
    };
  }, [token]);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    if (!code.trim()) {
      setError('Enter the 6-digit code your app shows.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const out = await api.auth.mfaConfirm(code.trim(), token);
      setDone({ codes: out.recoveryCodes, user: out.user });
    } catch (err) {
      setError(err instanceof ApiError && err.fields.code ? 'That code is not right. Check the time on your phone and try the current one.' : err instanceof Error ? err.message : 'That did not work.');
      setCode('');
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div className="space-y-3" data-testid="recovery-codes">
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          Two-factor sign-in is on.
        </p>
        <p className="text-sm text-slate-700">
          Keep these recovery codes somewhere safe, away from your phone. Each one signs you in once if you lose it. They are
          shown only now.
        </p>
        <ul className="grid grid-cols-2 gap-2 rounded-md bg-slate-50 p-3 font-mono text-sm text-slate-900" aria-label="Recovery codes">
          {done.codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <button type="button" className={`${btn.primary} w-full sm:w-auto`} onClick={() => onDone(done.user)}>
          I have saved my recovery codes
        </button>
      </div>
    );
  }
  if (!enrolment) return error ? <FormError message={error} /> : <LoadingBlock label="Preparing the set-up…" />;
  return (
    <form onSubmit={confirm} noValidate className="space-y-4">
      <p className="text-sm text-slate-700">
        Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…), then enter the
        6-digit code it shows.
      </p>
      <img src={enrolment.qr_code} alt="QR code to scan with your authenticator app" width={180} height={180} className="mx-auto rounded border border-slate-200" />
      <p className="text-xs text-slate-600">
        Cannot scan? Enter this key in the app:{' '}
        <code className="break-all rounded bg-slate-100 px-1 py-0.5 font-mono text-slate-900" data-testid="mfa-secret">
          {enrolment.secret}
        </code>
      </p>
      <FormError message={error} />
      <TextField
        id="mfa-enrol-code"
        label="Code from the app"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={10}
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <button type="submit" className={`${btn.primary} w-full sm:w-auto`} disabled={busy}>
        {busy ? 'Checking…' : 'Turn on two-factor sign-in'}
      </button>
    </form>
  );
}
