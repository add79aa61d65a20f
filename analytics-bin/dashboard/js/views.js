// The views of the shell, by name. Each renders into the view element; the data views
// (overview, sessions, session, participant) come with the read API.

import { element } from './dom.js';

function coming(title, what) {
  return () => [
    element('h2', { text: title }),
    element('p', { className: 'coming', text: `Coming: ${what}.` }),
  ];
}

/** View name → a function returning the view's nodes. */
export const views = {
  overview: coming('Overview', 'sessions, unique participants, participant-minutes and bandwidth per day; active rooms and participants now; SDK, OS and browser breakdown'),
  sessions: coming('Sessions', 'every room session, filtered by time range, room name, participant and status'),
  session: coming('Session', 'the participants timeline with reconnects, tracks, egress and ingress, events and quality'),
  participant: coming('Participant', 'client info, connections, and per-track charts of score, bitrate, packet loss, jitter and RTT'),
};

/** The view a location hash names (`#/sessions` → `sessions`), the overview by default. */
export function viewName(hash) {
  const name = hash.replace(/^#\/?/, '').split('/')[0];
  return Object.hasOwn(views, name) ? name : 'overview';
}
