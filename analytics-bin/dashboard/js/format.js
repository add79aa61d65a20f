// Numbers for people: counts with the browser's digit grouping, bytes and bitrates with
// decimal units (kB = 1000 B, as network tools count).

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** A count (`—` for null). */
export function formatCount(value) {
  return value === null || value === undefined ? '—' : integer.format(value);
}

/** A number with up to two decimals (`—` for null). */
export function formatNumber(value) {
  return value === null || value === undefined ? '—' : decimal.format(value);
}

/** A percentage with up to two decimals (`—` for null). */
export function formatPercent(value) {
  return value === null || value === undefined ? '—' : `${decimal.format(value)} %`;
}

function scaled(value, units) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  let amount = Number(value);
  let unit = 0;
  while (Math.abs(amount) >= 1000 && unit < units.length - 1) {
    amount /= 1000;
    unit += 1;
  }
  const size = Math.abs(amount);
  const digits = unit === 0 || size >= 100 ? 0 : size >= 10 ? 1 : 2;
  return `${amount.toFixed(digits)} ${units[unit]}`;
}

/** Bytes as `512 B`, `1.5 kB`, `23.4 MB`, ... */
export function formatBytes(bytes) {
  return scaled(bytes, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
}

/** Bits per second as `32.0 kbit/s`, `1.2 Mbit/s`, ... */
export function formatBitrate(bitsPerSecond) {
  return scaled(bitsPerSecond, ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s']);
}
