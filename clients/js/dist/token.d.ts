/** The access token's expiry, read from the JWT's payload (no signature check: the server does it). */
/** Seconds before `exp` at which a token counts as expired (clock skew, time in flight). */
export declare const EXPIRY_MARGIN_S = 30;
/** The `exp` claim of a JWT in seconds since the epoch, or undefined when unreadable. */
export declare function tokenExpiry(token: string): number | undefined;
/** True when the token expires within the margin of `nowMs` (unreadable tokens never do). */
export declare function tokenExpired(token: string, nowMs: number): boolean;
