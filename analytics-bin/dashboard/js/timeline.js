// The participants timeline of a session: one row per identity, one bar per connection
// from joined to left (a reconnect is a second bar on the same row; an open connection runs
// to now), drawn with DOM elements placed in percent of the session's span. Rows scroll
// inside a fixed-height box, so a session of hundreds of participants stays usable.

import { element } from './dom.js';
import { participantHash } from './route.js';
import { formatClock, formatDuration, formatTime, toMillis } from './time.js';

const TICKS = 5;

/** The span the timeline covers: the session's start to its end (or now, while open). */
function spanOf(session, participants, now) {
  const start = toMillis(session.created_at);
  let end = session.ended_at ? toMillis(session.ended_at) : now;
  for (const p of participants) {
    for (const c of p.connections) {
      end = Math.max(end, c.left_at ? toMillis(c.left_at) : (session.ended_at ? end : now));
    }
  }
  return { start, end: Math.max(end, start + 1000) };
}

function bar(connection, span, now, sessionEnded) {
  const joined = toMillis(connection.joined_at);
  const open = !connection.left_at;
  const left = open ? (sessionEnded ?? now) : toMillis(connection.left_at);
  const width = span.end - span.start;
  const node = element('span', {
    className: `bar${open ? ' open' : ''}${connection.synthetic_close ? ' synthetic' : ''}`,
    attributes: {
      title: `${connection.participant_sid}: ${formatTime(joined)} → ${open ? 'still connected' : formatTime(left)}`
        + ` (${formatDuration((left - joined) / 1000)})`
        + `${connection.disconnect_reason ? `, ${connection.disconnect_reason}` : ''}`
        + `${connection.synthetic_close ? ', closed by the fixer (synthetic)' : ''}`,
      'data-participant-sid': connection.participant_sid,
    },
  });
  node.style.left = `${(100 * (joined - span.start)) / width}%`;
  node.style.width = `${Math.max(0.3, (100 * (left - joined)) / width)}%`;
  return node;
}

/** The timeline of `participants` (the read API's Participant list) in `session`. */
export function participantsTimeline(session, participants, now = Date.now()) {
  const span = spanOf(session, participants, now);
  const sessionEnded = session.ended_at ? toMillis(session.ended_at) : null;
  const ticks = element('div', { className: 'timeline-axis' });
  for (let i = 0; i <= TICKS; i += 1) {
    const tick = element('span', { className: 'tick', text: formatClock(span.start + ((span.end - span.start) * i) / TICKS) });
    tick.style.left = `${(100 * i) / TICKS}%`;
    ticks.append(tick);
  }
  const rows = participants.map((p) => {
    const label = element('div', { className: 'timeline-label' }, [
      element('a', { text: p.identity, className: 'identity', attributes: { href: participantHash(session.session_id, p.identity) } }),
      p.reconnects > 0 ? element('span', { className: 'badge badge-reconnect', text: `${p.reconnects} reconnect${p.reconnects === 1 ? '' : 's'}` }) : '',
    ]);
    const lane = element('div', { className: 'timeline-lane' }, p.connections.map((c) => bar(c, span, now, sessionEnded)));
    return element('div', { className: 'timeline-row', attributes: { 'data-identity': p.identity } }, [label, lane]);
  });
  const filter = element('input', { attributes: { type: 'search', placeholder: 'Filter identities', 'aria-label': 'Filter identities' } });
  filter.addEventListener('input', () => {
    const needle = filter.value.trim().toLowerCase();
    for (const row of rows) row.hidden = needle !== '' && !row.dataset.identity.toLowerCase().includes(needle);
  });
  return element('div', { className: 'timeline' }, [
    element('div', { className: 'timeline-tools' }, [
      filter,
      element('span', { className: 'muted', text: `${participants.length} participants · ${formatTime(span.start)} → ${sessionEnded ? formatTime(span.end) : 'now'}` }),
      element('span', { className: 'legend' }, [
        element('span', { className: 'bar-sample' }), ' connected ',
        element('span', { className: 'bar-sample open' }), ' still connected ',
        element('span', { className: 'bar-sample synthetic' }), ' closed by the fixer',
      ]),
    ]),
    element('div', { className: 'timeline-head' }, [element('div', { className: 'timeline-label' }), ticks]),
    element('div', { className: 'timeline-rows', attributes: { id: 'timeline-rows' } }, rows),
  ]);
}
