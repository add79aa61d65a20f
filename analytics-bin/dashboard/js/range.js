// The time range of the overview and the sessions list, kept in the location hash:
// `range=24h|7d|28d` (up to now), or `range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD` (local
// days, both included).

import { element } from './dom.js';

const HOUR = 3_600_000;
export const PRESETS = [
  ['24h', 'Last 24 hours', 24 * HOUR],
  ['7d', 'Last 7 days', 7 * 24 * HOUR],
  ['28d', 'Last 28 days', 28 * 24 * HOUR],
];

function localDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function localMidnight(day) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date);
}

/** The range the params name: `{key, from: Date, to: Date, fromDay, toDay}` (to exclusive). */
export function rangeOf(params, fallback = '28d') {
  const key = params.get('range') ?? fallback;
  const fromDay = params.get('from');
  const toDay = params.get('to');
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (key === 'custom' && day.test(fromDay ?? '') && day.test(toDay ?? '')) {
    const to = localMidnight(toDay);
    to.setDate(to.getDate() + 1);
    return { key, from: localMidnight(fromDay), to, fromDay, toDay };
  }
  const preset = PRESETS.find(([k]) => k === key) ?? PRESETS.find(([k]) => k === fallback);
  const to = new Date();
  const from = new Date(to.getTime() - preset[2]);
  return { key: preset[0], from, to, fromDay: localDay(from), toDay: localDay(to) };
}

/** The range as read API parameters. */
export function rangeParams(range) {
  return { from: range.from.toISOString(), to: range.to.toISOString() };
}

/** The range's params for a hash. */
export function rangeHashParams(range) {
  return range.key === 'custom' ? { range: 'custom', from: range.fromDay, to: range.toDay } : { range: range.key };
}

/**
 * The picker: one button per preset and a custom pair of dates; `onPick(hashParams)` runs
 * with the new range's hash params.
 */
export function rangePicker(range, onPick) {
  const buttons = PRESETS.map(([key, label]) => {
    const button = element('button', {
      text: label,
      className: `range-button${range.key === key ? ' selected' : ''}`,
      attributes: { type: 'button', 'data-range': key, 'aria-pressed': range.key === key },
    });
    button.addEventListener('click', () => onPick({ range: key }));
    return button;
  });
  const from = element('input', { attributes: { type: 'date', value: range.fromDay, 'aria-label': 'From day', 'data-range-from': '' } });
  const to = element('input', { attributes: { type: 'date', value: range.toDay, 'aria-label': 'To day (included)', 'data-range-to': '' } });
  const apply = element('button', {
    text: 'Apply',
    className: `range-button${range.key === 'custom' ? ' selected' : ''}`,
    attributes: { type: 'button', 'data-range': 'custom' },
  });
  apply.addEventListener('click', () => {
    if (from.value && to.value) onPick({ range: 'custom', from: from.value, to: to.value });
  });
  return element('div', { className: 'range-picker', attributes: { role: 'group', 'aria-label': 'Time range' } }, [
    ...buttons,
    element('span', { className: 'custom-range' }, [from, element('span', { text: '→' }), to, apply]),
  ]);
}
