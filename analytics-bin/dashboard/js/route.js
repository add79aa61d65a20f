// The location hash as a route: `#/session/RM_x?tab=1` → {name: 'session', parts: ['RM_x'],
// params: URLSearchParams}. Path parts are percent-decoded (an identity may hold any
// character), and built back with `hashOf`.

/** The route a location hash names. */
export function parseRoute(hash) {
  const text = hash.replace(/^#\/?/, '');
  const [path, query = ''] = text.split(/\?(.*)/s);
  const segments = path.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { name: segments[0] ?? '', parts: segments.slice(1), params: new URLSearchParams(query) };
}

/** The hash for view `name` with path `parts` (encoded) and query `params` (empty values left out). */
export function hashOf(name, parts = [], params = {}) {
  const path = [name, ...parts.map((p) => encodeURIComponent(p))].join('/');
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

/** The hash of a session's view. */
export function sessionHash(sessionId) {
  return hashOf('session', [sessionId]);
}

/** The hash of a participant's view (an identity in one session). */
export function participantHash(sessionId, identity) {
  return hashOf('participant', [sessionId, identity]);
}
