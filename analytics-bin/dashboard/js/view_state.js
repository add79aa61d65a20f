// What a view shows while it waits and when the read API refuses: 401 sends the user back
// to the sign-in form, 503 says no query sink is configured, anything else shows the
// server's own `error` text.

import { element, show } from './dom.js';

/** A "Loading…" line. */
export function loading(what = 'Loading…') {
  return element('p', { className: 'loading', text: what });
}

/** The message for a refused or failed read API answer `{status, data}`. */
export function refusalMessage(answer) {
  const serverText = answer.data?.error;
  if (answer.status === 503) {
    return 'No query sink configured: the dashboard reads from the sink named in '
      + 'openvidu.analytics.api.query_sink (SQLite, PostgreSQL or MongoDB).'
      + (serverText ? ` The service says: ${serverText}` : '');
  }
  if (answer.status === 0) return serverText ?? 'the service cannot be reached';
  return serverText ? `${serverText} (HTTP ${answer.status})` : `the request failed (HTTP ${answer.status})`;
}

/**
 * Shows the refusal of `answer` in `target`; a 401 instead ends the shell (`app.signedOut`).
 * Returns nothing: the caller stops after calling it.
 */
export function showRefusal(target, answer, app) {
  if (answer.status === 401) {
    app.signedOut('Your session has ended: sign in again.');
    return;
  }
  show(target, element('p', {
    className: answer.status === 503 ? 'notice no-sink' : 'notice error-box',
    text: refusalMessage(answer),
    attributes: { role: 'alert' },
  }));
}

/** A labelled section with a heading. */
export function section(title, ...children) {
  return element('section', { className: 'panel' }, [element('h3', { text: title }), ...children]);
}

/** A muted line for an empty list. */
export function empty(text) {
  return element('p', { className: 'muted', text });
}
