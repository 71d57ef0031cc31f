// The signed-in user's own account: the sessions they are signed in with, each of
// which they can sign out.
import { api, type SignedInSession } from '../api';
import { Badge } from '../components/Badge';
import { LoadingBlock } from '../components/Spinner';
import { EmptyState, ErrorState } from '../components/States';
import { btn, panel, panelTitle } from '../components/styles';
import { useAction } from '../lib/forms';
import { formatDateTime } from '../lib/format';
import { useAsync } from '../lib/hooks';
import { useSession } from '../session';

export function AccountScreen() {
  const { user } = useSession();
  const sessions = useAsync((signal) => api.auth.sessions(signal), []);
  return (
    <section className={`${panel} max-w-3xl p-5`} aria-labelledby="sessions-title">
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
