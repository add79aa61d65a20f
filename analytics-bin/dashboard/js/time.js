// Times are shown in the browser's time zone (the API speaks UTC milliseconds).

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A Unix time in milliseconds as the browser's local date and time. */
export function formatTime(unixMillis) {
  return dateTime.format(new Date(unixMillis));
}

/** The browser's time zone name (e.g. `Europe/Madrid`). */
export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';
}
