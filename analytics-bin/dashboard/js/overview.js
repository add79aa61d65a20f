// Overview (`#/overview?range=…`): totals of the range (sessions, unique participants,
// participant-minutes, bandwidth), what is live now, per-day charts and the SDK, OS and
// browser breakdown.

import { getV1 } from './api.js';
import { lineChart } from './chart.js';
import { element, show } from './dom.js';
import { formatBytes, formatCount, formatPercent } from './format.js';
import { rangeHashParams, rangeOf, rangeParams, rangePicker } from './range.js';
import { hashOf } from './route.js';
import { dataTable, link } from './table.js';
import { formatTime } from './time.js';
import { empty, loading, section, showRefusal } from './view_state.js';

function card(label, value, detail, key) {
  return element('div', { className: 'card', attributes: { 'data-card': key } }, [
    element('div', { className: 'card-label', text: label }),
    element('div', { className: 'card-value', text: value }),
    element('div', { className: 'card-detail', text: detail ?? '' }),
  ]);
}

function breakdownTable(title, entries) {
  const total = entries.reduce((sum, e) => sum + (e.connections ?? 0), 0);
  if (entries.length === 0) return section(title, empty('No connections in this range.'));
  const share = (e) => (total > 0 ? (100 * e.connections) / total : 0);
  return section(title, dataTable([
    { label: 'Name', cell: (e) => e.name || '(unknown)' },
    { label: 'Connections', numeric: true, cell: (e) => formatCount(e.connections) },
    {
      label: 'Share',
      cell: (e) => {
        const bar = element('span', { className: 'share-bar' });
        bar.style.width = `${share(e).toFixed(1)}%`;
        return element('span', { className: 'share' }, [
          element('span', { className: 'share-track' }, [bar]),
          element('span', { text: formatPercent(Math.round(share(e) * 10) / 10) }),
        ]);
      },
    },
  ], entries, { className: `breakdown breakdown-${title.toLowerCase()}` }));
}

/** Unix seconds of a `YYYY-MM-DD` UTC day. */
function daySeconds(day) {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

async function dayCharts(target, days) {
  if (days.length === 0) {
    show(target, empty('No sessions in this range.'));
    return;
  }
  const times = days.map((d) => daySeconds(d.day));
  const people = element('div', { className: 'chart', attributes: { 'data-chart': 'days-sessions' } });
  const traffic = element('div', { className: 'chart', attributes: { 'data-chart': 'days-bandwidth' } });
  show(target, people, traffic);
  await lineChart(people, {
    title: 'Sessions and unique participants per day (UTC days)',
    times,
    series: [
      { label: 'Sessions', values: days.map((d) => d.sessions) },
      { label: 'Unique participants', values: days.map((d) => d.unique_participants) },
    ],
    format: formatCount,
  });
  await lineChart(traffic, {
    title: 'Bandwidth per day',
    times,
    series: [
      { label: 'In', values: days.map((d) => d.bandwidth_in) },
      { label: 'Out', values: days.map((d) => d.bandwidth_out) },
    ],
    format: formatBytes,
  });
}

/** Renders the overview into `root`. */
export async function renderOverview(root, route, app) {
  const range = rangeOf(route.params);
  const body = element('div', { className: 'overview-body' }, [loading()]);
  show(root,
    element('h2', { text: 'Overview' }),
    rangePicker(range, (params) => { window.location.hash = hashOf('overview', [], params); }),
    body);
  const answer = await getV1('overview', rangeParams(range));
  if (app.isLeft()) return;
  if (!answer.ok) {
    showRefusal(body, answer, app);
    return;
  }
  const o = answer.data;
  const sessionsLink = link('Sessions of this range →', hashOf('sessions', [], rangeHashParams(range)));
  const charts = element('div', { className: 'charts' });
  show(body,
    element('p', { className: 'muted range-shown', text: `${formatTime(o.from)} → ${formatTime(o.to)}` }),
    element('div', { className: 'cards' }, [
      card('Sessions', formatCount(o.sessions), null, 'sessions'),
      card('Unique participants', formatCount(o.unique_participants), null, 'unique_participants'),
      card('Participant-minutes', formatCount(o.participant_minutes), null, 'participant_minutes'),
      card('Bandwidth', formatBytes((o.bandwidth_in ?? 0) + (o.bandwidth_out ?? 0)),
        `in ${formatBytes(o.bandwidth_in)} · out ${formatBytes(o.bandwidth_out)}`, 'bandwidth'),
      card('Active rooms now', formatCount(o.now?.active_rooms), null, 'active_rooms'),
      card('Active participants now', formatCount(o.now?.active_participants), null, 'active_participants'),
    ]),
    element('p', {}, [sessionsLink]),
    section('Per day', charts),
    element('div', { className: 'breakdowns' }, [
      breakdownTable('SDK', o.breakdown?.sdk ?? []),
      breakdownTable('OS', o.breakdown?.os ?? []),
      breakdownTable('Browser', o.breakdown?.browser ?? []),
    ]));
  await dayCharts(charts, o.days ?? []);
}
