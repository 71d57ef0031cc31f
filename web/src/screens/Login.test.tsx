import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { tokens } from '../api';
import { fakeServer, session } from '../test/fakeServer';
import { renderAt } from '../test/render';

const unauthorized = { status: 401, body: { success: false, error: 'sign in first' } };
const ssoMethods = (password: 'all' | 'break_glass' = 'all') => ({
  body: { success: true, data: { password, sso: { name: 'Clinic ID', start_url: '/api/auth/oidc/start' } } },
});

describe('single sign-on on the sign-in screen', () => {
  it('offers "Sign in with" the provider when the server has one', async () => {
    fakeServer({ 'GET /api/auth/me': unauthorized, 'GET /api/auth/methods': ssoMethods() });
    renderAt('/');
    const link = await screen.findByRole('link', { name: 'Sign in with Clinic ID' });
    expect(link).toHaveAttribute('href', '/api/auth/oidc/start');
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
    expect(screen.queryByText(/break-glass/)).not.toBeInTheDocument();
  });

  it('offers passwords only when the server has no provider', async () => {
    const server = fakeServer({
      'GET /api/auth/me': unauthorized,
      'GET /api/auth/methods': { body: { success: true, data: { password: 'all', sso: null } } },
    });
    renderAt('/');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    // Only once the methods have been answered does the absence of the link say anything.
    await waitFor(() => expect(server.requests('GET /api/auth/methods')).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('link', { name: /Sign in with/ })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
  });

  it('says when passwords are kept for the break-glass admin', async () => {
    fakeServer({ 'GET /api/auth/me': unauthorized, 'GET /api/auth/methods': ssoMethods('break_glass') });
    renderAt('/');
    expect(await screen.findByText(/kept for the break-glass administrator only/)).toBeInTheDocument();
  });

  it('shows why the provider or HMS refused the sign-in, and drops it from the address', async () => {
    fakeServer({ 'GET /api/auth/me': unauthorized, 'GET /api/auth/methods': ssoMethods() });
    document.cookie = 'hms_sso_error=' + encodeURIComponent('your HMS account is disabled: ask your administrator') + '; Path=/';
    renderAt('/#sso_error');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Single sign-on did not sign you in.');
    expect(alert).toHaveTextContent('your HMS account is disabled: ask your administrator');
    expect(window.location.hash).toBe('');
    expect(document.cookie).not.toContain('hms_sso_error');
  });

  it('shows no words that come in the address: only the server sets the reason', async () => {
    fakeServer({ 'GET /api/auth/me': unauthorized, 'GET /api/auth/methods': ssoMethods() });
    renderAt('/#sso_error=' + encodeURIComponent('Call +1 555 0100 to verify your account'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Single sign-on did not complete. Please try again.');
    expect(alert).not.toHaveTextContent('555');
  });

  it('trades the one-time code for a session and signs in', async () => {
    const server = fakeServer({
      'POST /api/auth/oidc/session': { body: session('doctor', 'sso-access', 'sso-refresh') },
      'GET /api/auth/me': (req) =>
        req.headers.Authorization === 'Bearer sso-access'
          ? { body: { success: true, data: session('doctor').data.user } }
          : unauthorized,
    });
    renderAt('/#sso=one-time-code');
    expect(await screen.findByTestId('current-user')).toBeInTheDocument();
    expect(server.requests('POST /api/auth/oidc/session')[0].body).toEqual({ code: 'one-time-code' });
    expect(tokens.refresh()).toBe('sso-refresh');
    expect(window.location.hash).toBe('');
  });

  it('shows a refused code on the sign-in screen', async () => {
    fakeServer({
      'GET /api/auth/me': unauthorized,
      'GET /api/auth/methods': ssoMethods(),
      'POST /api/auth/oidc/session': {
        status: 401,
        body: { success: false, error: 'this single sign-on has already been used or has expired: sign in again' },
      },
    });
    renderAt('/#sso=spent');
    expect(await screen.findByRole('alert')).toHaveTextContent('already been used or has expired');
    expect(await screen.findByRole('link', { name: 'Sign in with Clinic ID' })).toBeInTheDocument();
  });
});
