// Who is using the app. A browser that holds a session asks the server who it is
// (GET /api/auth/me: the user and their permissions); one without a session shows the
// login screen at once, with no call that would fail.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, sessionExpired, type LoginResult, type Role, type User } from './api';
import { setClinicZone } from './lib/format';
import { setSSOError, takeSSORedirect } from './lib/sso';
import { allowed, homePath, type Permission } from './lib/permissions';
import { navigate } from './router';

export type SessionState =
  | { status: 'checking' }
  | { status: 'signed-in'; user: User }
  | { status: 'signed-out'; expired: boolean }
  | { status: 'unreachable'; error: unknown };

export interface SessionValue {
  state: SessionState;
  user: User | null;
  /** null until signed in. */
  role: Role | null;
  can: (permission: Permission) => boolean;
  /** Signs in with a password: null when done, else the second step it needs. */
  login: (email: string, password: string) => Promise<Exclude<LoginResult, { user: User }> | null>;
  /** Completes a sign-in whose second step (api.auth.verifyMfa, mfaConfirm) answered user. */
  signedIn: (user: User) => Promise<void>;
  logout: () => Promise<void>;
  retry: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** Learns the clinic's time zone (GET /api/clinic) before any screen shows a time. */
async function loadClinicZone(signal?: AbortSignal): Promise<void> {
  setClinicZone((await api.clinic(signal)).time_zone);
}

/** Removes what this tab kept of the signed-in user: form drafts (they may hold patient data) and the emergencies they opened. */
function clearTabState() {
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith('hms.draft.') || key.startsWith('hms.emergency.')) sessionStorage.removeItem(key);
  }
}

// The exchange of a single sign-on's one-time code, shared by every run of the start-up
// effect (React runs it twice in development): the code works once.
let ssoExchange: Promise<boolean> | null = null;

/** Back from single sign-on: trades its code for tokens. Resolves true once signed in so. */
function ssoSignIn(): Promise<boolean> | null {
  const code = takeSSORedirect();
  if (code) {
    ssoExchange = api.auth.ssoSession(code).then(
      () => {
        clearTabState(); // a new sign-in: earlier drafts are not necessarily this user's
        return true;
      },
      (err: unknown) => {
        setSSOError(err instanceof ApiError ? err.message : 'Single sign-on failed. Please try again.');
        return false;
      },
    );
  }
  return ssoExchange;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });
  const [attempt, setAttempt] = useState(0);
  // Who was signed in when the session expired: the same user signing in again gets the
  // page (and the form drafts) back; anyone else starts on their own start screen.
  const expiredUser = useRef<number | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    // Back from single sign-on, the one-time code is traded first; without it or a stored
    // session, the sign-in screen shows at once, with no call that would fail.
    const sso = ssoSignIn();
    if (!sso && !api.auth.hasSession()) {
      setState({ status: 'signed-out', expired: false });
      return;
    }
    setState({ status: 'checking' });
    (sso ?? Promise.resolve(false))
      .then(async (viaSSO) => {
        if (!viaSSO && !api.auth.hasSession()) {
          setState({ status: 'signed-out', expired: false });
          return;
        }
        const user = await api.auth.me(ctrl.signal);
        await loadClinicZone(ctrl.signal);
        if (viaSSO) navigate(homePath(user.role), { replace: true });
        setState({ status: 'signed-in', user });
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) setState({ status: 'signed-out', expired: false });
        else setState({ status: 'unreachable', error: err });
      });
    return () => ctrl.abort();
  }, [attempt]);

  // Signing out in another tab of this browser signs this one out too (the tabs share the session).
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key !== null && e.key !== 'hms.refresh_token') return;
      if (api.auth.hasSession()) return;
      clearTabState();
      expiredUser.current = null;
      setState((s) => (s.status === 'signed-in' ? { status: 'signed-out', expired: false } : s));
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  // An expired session keeps form drafts, so they come back after signing in.
  useEffect(
    () =>
      sessionExpired.subscribe(() =>
        setState((s) => {
          if (s.status !== 'signed-in') return s;
          expiredUser.current = s.user.id;
          return { status: 'signed-out', expired: true };
        }),
      ),
    [],
  );

  const signedIn = useCallback(async (user: User) => {
    await loadClinicZone();
    if (expiredUser.current !== user.id) {
      clearTabState(); // another user's drafts are not this one's
      navigate(homePath(user.role), { replace: true });
    }
    expiredUser.current = null;
    setState({ status: 'signed-in', user });
  }, []);

  const login = useCallback(
    async (email: string, password: string) => {
      const result = await api.auth.login(email, password);
      if ('step' in result) return result;
      await signedIn(result.user);
      return null;
    },
    [signedIn],
  );

  const logout = useCallback(async () => {
    await api.auth.logout();
    clearTabState();
    expiredUser.current = null;
    navigate('/', { replace: true });
    setState({ status: 'signed-out', expired: false });
  }, []);

  const value = useMemo<SessionValue>(() => {
    const user = state.status === 'signed-in' ? state.user : null;
    const role = user?.role ?? null;
    return {
      state,
      user,
      role,
      can: (p) => allowed(user, p),
      login,
      signedIn,
      logout,
      retry: () => setAttempt((a) => a + 1),
    };
  }, [state, login, signedIn, logout]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
