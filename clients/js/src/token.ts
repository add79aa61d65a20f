/** The access token's expiry, read from the JWT's payload (no signature check: the server does it). */

/** Seconds before `exp` at which a token counts as expired (clock skew, time in flight). */
export const EXPIRY_MARGIN_S = 30;

/** The `exp` claim of a JWT in seconds since the epoch, or undefined when unreadable. */
export function tokenExpiry(token: string): number | undefined {
  try {
    const payload = token.split('.')[1];
    if (!payload) return undefined;
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const exp = JSON.parse(atob(padded)).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** True when the token expires within the margin of `nowMs` (unreadable tokens never do). */
export function tokenExpired(token: string, nowMs: number): boolean {
  const exp = tokenExpiry(token);
  return exp !== undefined && exp - EXPIRY_MARGIN_S <= nowMs / 1000;
}
