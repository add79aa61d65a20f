// The events list of a session or a participant: time, type, who and what, and a mark on
// the events the fixer made up (`synthetic`: a close LiveKit never sent).

import { element } from './dom.js';
import { participantHash } from './route.js';
import { badge, dataTable, link } from './table.js';
import { formatTime } from './time.js';

/** A scrollable table of the read API's Event list of session `sessionId`. */
export function eventsTable(sessionId, events) {
  const subject = (e) => {
    const parts = [];
    if (e.participant_identity) parts.push(link(e.participant_identity, participantHash(sessionId, e.participant_identity)));
    for (const [label, value] of [['track', e.track_sid], ['egress', e.egress_id], ['ingress', e.ingress_id]]) {
      if (value) parts.push(element('span', { className: 'muted', text: ` ${label} ${value}` }));
    }
    return element('span', {}, parts);
  };
  const table = dataTable([
    { label: 'Time', cell: (e) => formatTime(e.at) },
    { label: 'Event', cell: (e) => element('span', {}, [element('code', { text: e.type }), e.synthetic ? badge('synthetic') : '']) },
    { label: 'About', cell: subject },
  ], events, { className: 'events-table' });
  return element('div', { className: 'scroll-box' }, [table]);
}
