// The views of the shell, by name: each is `render(root, route, app)` (see shell.js), in a
// module of its own.

import { renderOverview } from './overview.js';
import { renderParticipant } from './participant.js';
import { renderSession } from './session.js';
import { renderSessions } from './sessions.js';

/** View name → its render function. */
export const views = {
  overview: renderOverview,
  sessions: renderSessions,
  session: renderSession,
  participant: renderParticipant,
};

/** The view a location hash names (`#/sessions?…` → `sessions`), the overview by default. */
export function viewName(hash) {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return Object.hasOwn(views, name) ? name : 'overview';
}
