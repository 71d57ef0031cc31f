import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { tokens } from './api';
import { fakeServer, list, patient, session, user } from './test/fakeServer';
import { renderAt } from './test/render';

const tabNames = () =>
  within(screen.getByRole('navigation', { name: 'Main' }))
    .getAllByRole('link')
    .map((a) => a.textContent);

/** A server with access control where the given role is signed in. */
function signedIn(role: 'admin' | 'doctor' | 'staff') {
  tokens.set('A', 'R');
  return fakeServer({ 'GET /api/auth/me': { body: { success: true, data: user(role) } } });
}

describe('a fresh visit', () => {
  it('shows the login screen at once, with no call that fails', async () => {
    tokens.clear();
    const server = fakeServer();
    renderAt('/');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(server.requests('GET /api/auth/me')).toHaveLength(0);
    expect(server.requests('POST /api/auth/refresh')).toHaveLength(0);
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
  });
});

describe('roles', () => {
  it('staff see no medical records, not even by URL', async () => {
    signedIn('staff');
    renderAt('/records');
    await waitFor(() => expect(tabNames()).toEqual(['Today', 'Patients', 'Appointments']));
    expect(screen.getByText('Access denied')).toBeInTheDocument();
    expect(screen.getByTestId('current-user')).toHaveTextContent('Staff User');
  });

  it('staff do not see records on a patient page', async () => {
    const server = signedIn('staff');
    server.on('GET /api/patients/1', { body: { success: true, data: patient(1, 'Jane Doe') } });
    renderAt('/patients/1');
    expect(await screen.findByRole('heading', { name: /Jane Doe/ })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Appointments' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Medical records' })).not.toBeInTheDocument();
    expect(server.requests('GET /api/patients/1/records')).toHaveLength(0);
  });

  it('staff neither see nor set the blood group, which the server leaves out for them', async () => {
    const server = signedIn('staff');
    const { blood_group: _, ...withoutBloodGroup } = patient(1, 'Jane Doe');
    server.on('GET /api/patients/1', { body: { success: true, data: withoutBloodGroup } });
    server.on('GET /api/patients', { body: list([withoutBloodGroup]) });
    const page = renderAt('/patients/1');
    expect(await screen.findByRole('heading', { name: /Jane Doe/ })).toBeInTheDocument();
    expect(screen.getByText('Email')).toBeInTheDocument();
    expect(screen.queryByText('Blood group')).not.toBeInTheDocument();
    expect(screen.queryByText('Unknown')).not.toBeInTheDocument();
    page.unmount();
    renderAt('/patients/1/edit');
    expect(await screen.findByRole('form', { name: 'Edit patient' })).toBeInTheDocument();
    expect(screen.queryByLabelText('Blood group')).not.toBeInTheDocument();
  });

  it('doctors see and set the blood group', async () => {
    const server = signedIn('doctor');
    server.on('GET /api/patients/1', { body: { success: true, data: patient(1, 'Jane Doe', { blood_group: 'O-' }) } });
    renderAt('/patients/1/edit');
    expect(await screen.findByLabelText('Blood group')).toHaveValue('O-');
  });

  it('doctors see records but cannot add or delete patients', async () => {
    const server = signedIn('doctor');
    server.on('GET /api/patients', { body: list([patient(1, 'Jane Doe')]) });
    renderAt('/patients');
    await screen.findByText('Jane Doe');
    expect(tabNames()).toEqual(['My day', 'Patients', 'Appointments', 'Medical Records']);
    expect(screen.queryByRole('heading', { name: 'Add new patient' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Delete patient/ })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Edit Jane Doe' })).toBeInTheDocument();
  });

  it('admins also get user management, the audit log and the outbox', async () => {
    signedIn('admin');
    renderAt('/patients');
    await waitFor(() =>
      expect(tabNames()).toEqual(['Today', 'Patients', 'Appointments', 'Medical Records', 'Doctors', 'Users', 'Audit log', 'Outbox']),
    );
  });

  it('only admins reach the audit log', async () => {
    signedIn('doctor');
    renderAt('/audit');
    expect(await screen.findByText('Access denied')).toBeInTheDocument();
  });
});

describe('signing in and out', () => {
  it('shows the login screen when the server wants a session, then the app', async () => {
    const user = userEvent.setup();
    tokens.clear();
    const server = fakeServer({
      'POST /api/auth/login': (req) =>
        (req.body as { password: string }).password === 'correct horse battery'
          ? { body: session('admin') }
          : { status: 401, body: { success: false, error: 'invalid email or password' } },
    });
    renderAt('/appointments');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Email'), 'admin@clinic.test');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('The email or password is not correct.')).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveValue('');

    await user.type(screen.getByLabelText('Password'), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    // The user's own start screen, not the page the browser was left on.
    expect(await screen.findByRole('heading', { name: 'Today' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/today');
    // Who is signed in, with the permissions, is asked once, after signing in.
    expect(server.requests('GET /api/auth/me')).toHaveLength(1);
    expect(server.requests('GET /api/auth/me')[0].headers.Authorization).toBe('Bearer access-1');
    expect(server.requests('POST /api/auth/login')[1].body).toEqual({
      email: 'admin@clinic.test',
      password: 'correct horse battery',
    });
  });

  it('asks for the second factor after the password, and takes a recovery code', async () => {
    const keys = userEvent.setup();
    let signedIn = false;
    const server = fakeServer({
      'GET /api/auth/me': () =>
        signedIn
          ? { body: { success: true, data: user('admin') } }
          : { status: 401, body: { success: false, error: 'authentication required' } },
      'POST /api/auth/login': { body: { success: true, data: { mfa_required: 'code', mfa_token: 'M1', expires_in: 300 } } },
      'POST /api/auth/mfa/verify': (req) =>
        (req.body as { code: string }).code === 'abcde-fghjk'
          ? ((signedIn = true), { body: session('admin') })
          : { status: 400, body: { success: false, error: 'code: is not valid', fields: { code: 'is not valid' } } },
    });
    renderAt('/');
    await keys.type(await screen.findByLabelText('Email'), 'admin@clinic.test');
    await keys.type(screen.getByLabelText('Password'), 'correct horse battery');
    await keys.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Two-factor sign-in' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
    expect(tokens.access()).toBeNull();

    await keys.type(screen.getByLabelText('Code'), '123456');
    await keys.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByText('That code is not right. Enter the current one from your app.')).toBeInTheDocument();

    await keys.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    await keys.type(screen.getByLabelText('Recovery code'), 'abcde-fghjk');
    await keys.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('heading', { name: 'Today' })).toBeInTheDocument();
    expect(server.requests('POST /api/auth/mfa/verify').map((r) => r.headers.Authorization)).toEqual(['Bearer M1', 'Bearer M1']);
  });

  it('each role lands on its own start screen after signing in', async () => {
    for (const [role, path, heading] of [
      ['doctor', '/my-day', 'My day'],
      ['staff', '/today', 'Today'],
    ] as const) {
      const user = userEvent.setup();
      tokens.clear();
      fakeServer({
        'GET /api/auth/me': { body: { success: true, data: session(role).data.user } },
        'POST /api/auth/login': { body: session(role) },
        'GET /api/doctors': { body: list([{ id: 7, name: 'Doctor User', specialty: null, active: true, user_id: 2 }]) },
      });
      const { unmount } = renderAt('/users');
      await user.type(await screen.findByLabelText('Email'), `${role}@clinic.test`);
      await user.type(screen.getByLabelText('Password'), 'correct horse battery');
      await user.click(screen.getByRole('button', { name: 'Sign in' }));
      expect(await screen.findByRole('heading', { name: heading })).toBeInTheDocument();
      expect(window.location.pathname).toBe(path);
      unmount();
    }
  });

  it('tells a locked-out user how long to wait', async () => {
    const user = userEvent.setup();
    tokens.clear();
    fakeServer({
      'POST /api/auth/login': {
        status: 423,
        body: { success: false, error: 'This account is locked after too many failed sign-ins.' },
        headers: { 'Retry-After': '900' },
      },
    });
    renderAt('/');
    await user.type(await screen.findByLabelText('Email'), 'staff@clinic.test');
    await user.type(screen.getByLabelText('Password'), 'whatever it is');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(
      await screen.findByText('This account is locked after too many failed sign-ins. Try again in 15 min.'),
    ).toBeInTheDocument();
  });

  it('signing out revokes the session and forgets form drafts', async () => {
    const user = userEvent.setup();
    const server = signedIn('staff');
    server.on('POST /api/auth/logout', { body: { success: true } });
    renderAt('/patients');
    await user.type(await screen.findByLabelText(/Full name/), 'Private Name');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(server.requests('POST /api/auth/logout')).toHaveLength(1);
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith('hms.'))).toEqual([]);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('hms.'))).toEqual([]);
  });

  it('a tab of the same browser shares the session, and signing out in another tab signs it out', async () => {
    const server = signedIn('staff');
    renderAt('/patients');
    expect(await screen.findByTestId('current-user')).toHaveTextContent('Staff User');
    expect(server.requests('GET /api/auth/me')[0].headers.Authorization).toBe('Bearer A');
    // Another tab signs out: the tokens leave the shared storage, and this tab hears of it.
    tokens.clear();
    window.dispatchEvent(new StorageEvent('storage', { key: 'hms.refresh_token', oldValue: 'R', newValue: null }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('an expired session goes to the login screen and keeps what was typed', async () => {
    const user = userEvent.setup();
    let expired = false;
    const server = signedIn('staff');
    server.on('POST /api/patients', { status: 401, body: { success: false, error: 'token expired' } });
    server.on('POST /api/auth/refresh', () => {
      expired = true;
      return { status: 401, body: { success: false, error: 'refresh token expired' } };
    });
    server.on('POST /api/auth/login', { body: session('staff', 'A2', 'R2') });
    renderAt('/patients');

    await user.type(await screen.findByLabelText(/Full name/), 'Jane Doe');
    await user.type(screen.getByLabelText(/Date of birth/), '1985-04-12');
    await user.type(screen.getByLabelText(/Email/), 'jane@example.com');
    await user.click(screen.getByRole('button', { name: 'Add patient' }));

    expect(await screen.findByText(/Your session has expired/)).toBeInTheDocument();
    expect(expired).toBe(true);
    await user.type(screen.getByLabelText('Email'), 'staff@clinic.test');
    await user.type(screen.getByLabelText('Password'), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByLabelText(/Full name/)).toHaveValue('Jane Doe');
    expect(screen.getByLabelText(/Email/)).toHaveValue('jane@example.com');
    expect(screen.getByLabelText(/Date of birth/)).toHaveValue('1985-04-12');
  });
});

describe('error states', () => {
  it('says when the server cannot be reached, and retries', async () => {
    const user = userEvent.setup();
    const server = fakeServer();
    server.setDown(true);
    renderAt('/patients');
    expect(await screen.findByText('The server is not reachable')).toBeInTheDocument();
    server.setDown(false);
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'All patients' })).toBeInTheDocument();
  });

  it('shows not found for an unknown patient and an unknown page', async () => {
    const server = fakeServer();
    server.on('GET /api/patients/99', { status: 404, body: { success: false, error: 'patient 99 not found' } });
    const { unmount } = renderAt('/patients/99');
    expect(await screen.findByText('Not found')).toBeInTheDocument();
    unmount();
    renderAt('/no/such/page');
    expect(await screen.findByText('Page not found')).toBeInTheDocument();
  });
});
