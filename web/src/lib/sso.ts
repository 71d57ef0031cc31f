// Single sign-on comes back to the app as a redirect to /#sso=<one-time code> or
// /#sso_error, with the reason in the cookie hms_sso_error that only the server sets (a
// crafted link cannot bring words of its own). The session takes the code; the sign-in
// screen shows the error.

let lastError: string | null = null;

/**
 * Reads the single sign-on result from the address and removes it (so a reload does not
 * replay it). Returns the one-time code, or null; an error is kept for ssoError().
 */
export function takeSSORedirect(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const code = params.get('sso');
  const error = params.get('sso_error');
  if (code === null && error === null) return null;
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  if (error !== null) lastError = takeErrorCookie() ?? 'Single sign-on did not complete. Please try again.';
  return code;
}

/** The reason the server gave for a refused single sign-on, read once. */
function takeErrorCookie(): string | null {
  const entry = document.cookie.split('; ').find((c) => c.startsWith('hms_sso_error='));
  if (!entry) return null;
  document.cookie = 'hms_sso_error=; Max-Age=0; Path=/';
  try {
    return decodeURIComponent(entry.slice('hms_sso_error='.length)) || null;
  } catch {
    return null;
  }
}

/** Why the last single sign-on failed, until clearSSOError. */
export function ssoError(): string | null {
  return lastError;
}

export function setSSOError(message: string | null): void {
  lastError = message;
}

export function clearSSOError(): void {
  lastError = null;
}
