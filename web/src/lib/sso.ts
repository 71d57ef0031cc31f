// Single sign-on comes back to the app as a redirect to /#sso=<one-time code> or
// /#sso_error=<why>. The session takes the code; the sign-in screen shows the error.

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
  if (error !== null) lastError = error;
  return code;
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
