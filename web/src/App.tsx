// The shell: header, status bar, tabs and the screen for the current route. What
// is shown depends on the session: a login screen, or the tabs the role may use.
import { useEffect, type ReactNode } from 'react';
import { BannerProvider } from './components/Banner';
import { LoadingBlock } from './components/Spinner';
import { ErrorState, Forbidden } from './components/States';
import { StatusBar } from './components/StatusBar';
import { link } from './components/styles';
import { clinicZone } from './lib/format';
import type { Role } from './api';
import { homePath, type Permission } from './lib/permissions';
import { Link, matchPath, navigate, useLocation } from './router';
import { SessionProvider, useSession } from './session';
import { AccountScreen } from './screens/Account';
import { AppointmentsScreen } from './screens/Appointments';
import { AuditScreen } from './screens/Audit';
import { OutboxScreen } from './screens/Outbox';
import { LoginScreen } from './screens/Login';
import { PatientEditPage, PatientPage } from './screens/PatientPage';
import { PatientsScreen } from './screens/Patients';
import { RecordsScreen } from './screens/Records';
import { ScheduleScreen } from './screens/Schedule';
import { MyDayScreen, TodayScreen } from './screens/Today';
import { DoctorsScreen } from './screens/Doctors';
import { UsersScreen } from './screens/Users';
import { EmergencyNotice } from './screens/Emergency';
import { VisitPage } from './screens/chart/VisitPage';

interface Tab {
  to: string;
  label: string;
  needs?: Permission;
  /** Shown to these roles only. */
  roles?: Role[];
}

// A doctor's day is their own list; everyone else runs the clinic's board.
const BOARD: Role[] = ['admin', 'nurse', 'staff'];

export const TABS: Tab[] = [
  { to: '/today', label: 'Today', roles: BOARD },
  { to: '/my-day', label: 'My day', roles: ['doctor'] },
  { to: '/patients', label: 'Patients' },
  { to: '/appointments', label: 'Appointments' },
  { to: '/records', label: 'Medical Records', needs: 'records.read' },
  { to: '/doctors', label: 'Doctors', needs: 'doctors.manage' },
  { to: '/users', label: 'Users', needs: 'users.manage' },
  { to: '/audit', label: 'Audit log', needs: 'audit.read' },
  { to: '/outbox', label: 'Outbox', needs: 'notifications.manage' },
];

export default function App() {
  return (
    <BannerProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </BannerProvider>
  );
}

function Header() {
  const { user, logout } = useSession();
  return (
    <header className="bg-sky-800 text-white print:hidden">
      {/* On a phone one line of about 48 px: the mark, the short name, the user and the two buttons. */}
      <div className="mx-auto flex max-w-7xl items-center justify-between gap-2 px-3 py-1.5 sm:flex-wrap sm:gap-3 sm:px-6 sm:py-4">
        <div className="flex min-w-0 items-center gap-2 sm:gap-3">
          <span
            aria-hidden="true"
            className="flex h-7 w-7 shrink-0 items-center justify-center rounded-md bg-white text-base font-bold text-sky-800 sm:h-9 sm:w-9 sm:rounded-lg sm:text-lg"
          >
            +
          </span>
          <div className="min-w-0">
            <h1 className="text-base font-semibold leading-tight sm:text-xl">
              <span className="sm:hidden">HMS</span>
              <span className="hidden sm:inline">Healthcare Management System</span>
            </h1>
            <p className="hidden text-sm text-sky-100 sm:block">Patients, appointments and medical records in one place</p>
          </div>
        </div>
        {user && (
          <div className="flex min-w-0 items-center justify-end gap-x-2 text-sm sm:flex-wrap sm:gap-x-3 sm:gap-y-2">
            <span className="hidden min-w-0 break-words text-right text-xs leading-tight text-sky-100 sm:block" data-testid="clinic-zone">
              <span className="block">Clinic time</span>
              <span className="block font-medium text-white">{clinicZone().replace(/_/g, ' ')}</span>
            </span>
            <span className="min-w-0 text-right leading-tight">
              <span className="block truncate text-xs font-medium sm:text-sm" data-testid="current-user">
                {user.name}
              </span>
              <span className="block text-xs capitalize text-sky-100">{user.role}</span>
            </span>
            <Link
              to="/account"
              className="rounded-md px-2 py-1 text-xs font-medium text-white underline-offset-2 hover:bg-sky-700 hover:underline sm:px-3 sm:py-1.5 sm:text-sm"
            >
              Account
            </Link>
            <button
              type="button"
              className="whitespace-nowrap rounded-md border border-sky-200/60 px-2 py-1 text-xs font-medium text-white hover:bg-sky-700 sm:px-3 sm:py-1.5 sm:text-sm"
              onClick={() => {
                void logout();
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </div>
    </header>
  );
}

function Tabs({ path }: { path: string }) {
  const { can, role } = useSession();
  return (
    <nav aria-label="Main" className="border-b border-slate-200 bg-white print:hidden">
      <ul className="mx-auto flex max-w-7xl gap-1 overflow-x-auto px-4 sm:px-6">
        {TABS.filter((t) => (!t.needs || can(t.needs)) && (!t.roles || (role !== null && t.roles.includes(role)))).map((t) => {
          const active = path === t.to || path.startsWith(`${t.to}/`);
          return (
            <li key={t.to}>
              <Link
                to={t.to}
                aria-current={active ? 'page' : undefined}
                className={`block whitespace-nowrap border-b-2 px-3 py-3 text-sm font-medium ${
                  active ? 'border-sky-700 text-sky-800' : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900'
                }`}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function Main({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 sm:px-6">
      {children}
    </main>
  );
}

function Shell() {
  const { state, role, retry } = useSession();
  const { path } = useLocation();
  const ready = state.status === 'signed-in';

  useEffect(() => {
    if (ready && (path === '/' || path === '/login')) navigate(homePath(role), { replace: true });
  }, [path, ready, role]);

  useEffect(() => {
    const tab = TABS.find((t) => path === t.to || path.startsWith(`${t.to}/`));
    document.title = tab ? `${tab.label} · HMS` : 'HMS';
  }, [path]);

  return (
    <div className="flex min-h-screen flex-col bg-slate-100/70">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sky-800"
      >
        Skip to content
      </a>
      <Header />
      <div className="print:hidden">
        <StatusBar showCounts={ready} />
      </div>
      {ready && <Tabs path={path} />}
      <Main>
        {state.status === 'checking' && <LoadingBlock label="Connecting to HMS…" />}
        {state.status === 'unreachable' && <ErrorState error={state.error} onRetry={retry} />}
        {state.status === 'signed-out' && <LoginScreen expired={state.expired} />}
        {state.status === 'signed-in' && <EmergencyNotice />}
        {ready && <Routes path={path} />}
      </Main>
      <footer className="border-t border-slate-200 bg-white py-3 text-center text-xs text-slate-600 print:hidden">
        HMS · Healthcare Management System
      </footer>
    </div>
  );
}

function Guard({ needs, roles, children }: { needs?: Permission; roles?: Role[]; children: ReactNode }) {
  const { can, role } = useSession();
  const ok = (!needs || can(needs)) && (!roles || (role !== null && roles.includes(role)));
  return ok ? <>{children}</> : <Forbidden />;
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/' || path === '/login') return null; // on the way to the role's start screen
  if (path === '/today')
    return (
      <Guard roles={BOARD}>
        <TodayScreen />
      </Guard>
    );
  if (path === '/my-day')
    return (
      <Guard roles={['doctor']}>
        <MyDayScreen />
      </Guard>
    );
  if (path === '/patients') return <PatientsScreen />;
  if ((m = matchPath('/patients/:id/edit', path)) && isId(m.id)) return <PatientEditPage id={Number(m.id)} />;
  if ((m = matchPath('/patients/:id', path)) && isId(m.id)) return <PatientPage key={m.id} id={Number(m.id)} />;
  if ((m = matchPath('/visits/:id', path)) && isId(m.id))
    return (
      <Guard needs="chart.read">
        <VisitPage key={m.id} id={Number(m.id)} />
      </Guard>
    );
  if (path === '/account') return <AccountScreen />;
  if (path === '/appointments') return <AppointmentsScreen />;
  if (path === '/appointments/schedule') return <ScheduleScreen />;
  if (path === '/records')
    return (
      <Guard needs="records.read">
        <RecordsScreen />
      </Guard>
    );
  if (path === '/doctors')
    return (
      <Guard needs="doctors.manage">
        <DoctorsScreen />
      </Guard>
    );
  if (path === '/users')
    return (
      <Guard needs="users.manage">
        <UsersScreen />
      </Guard>
    );
  if (path === '/audit')
    return (
      <Guard needs="audit.read">
        <AuditScreen />
      </Guard>
    );
  if (path === '/outbox')
    return (
      <Guard needs="notifications.manage">
        <OutboxScreen />
      </Guard>
    );
  return <NotFound />;
}

const isId = (s: string) => /^[1-9]\d*$/.test(s);

function NotFound() {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-6 py-12 text-center">
      <p className="text-base font-semibold text-slate-900">Page not found</p>
      <p className="mt-1 text-sm text-slate-600">There is nothing at this address.</p>
      <Link to="/patients" className={`${link} mt-4 inline-block text-sm`}>
        Go to patients
      </Link>
    </div>
  );
}
