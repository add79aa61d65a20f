// Times are shown in the browser's time zone (the API speaks RFC 3339 UTC with
// milliseconds); durations in words a person reads at a glance.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dayOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** Unix milliseconds of an API time (RFC 3339 string) or of a number; NaN for null. */
export function toMillis(time) {
  if (time === null || time === undefined || time === '') return NaN;
  return typeof time === 'number' ? time : Date.parse(time);
}

/** A time (Unix milliseconds or RFC 3339) as the browser's local date and time; `—` for none. */
export function formatTime(time) {
  const millis = toMillis(time);
  return Number.isFinite(millis) ? dateTime.format(new Date(millis)) : '—';
}

/** The local time of day only (for axis ticks of a session's timeline). */
export function formatClock(time) {
  const millis = toMillis(time);
  return Number.isFinite(millis) ? timeOnly.format(new Date(millis)) : '—';
}

/** A local date only. */
export function formatDate(time) {
  const millis = toMillis(time);
  return Number.isFinite(millis) ? dayOnly.format(new Date(millis)) : '—';
}

/** Seconds as `42 s`, `3 min 05 s`, `2 h 07 min`, `3 d 4 h`; `—` for none. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const total = Math.max(0, Math.round(Number(seconds)));
  const pad = (n) => String(n).padStart(2, '0');
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${pad(total % 60)} s`;
  if (total < 86400) return `${Math.floor(total / 3600)} h ${pad(Math.floor((total % 3600) / 60))} min`;
  return `${Math.floor(total / 86400)} d ${Math.floor((total % 86400) / 3600)} h`;
}

/** The browser's time zone name (e.g. `Europe/Madrid`). */
export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';
}
