// Requests to the service: same origin, the session cookie sent by the browser (HttpOnly:
// this code never sees it). Secrets go in request bodies only, never in a URL.

async function request(method, path, body) {
  const options = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  return { ok: response.ok, status: response.status, data, retryAfter: response.headers.get('Retry-After') };
}

/** Who is signed in: `{api_key, expires_at}`, or null. */
export async function currentSession() {
  const answer = await request('GET', '/dashboard/session');
  return answer.ok ? answer.data : null;
}

/** Signs in; the answer's `data` is the session, or `{error}`. */
export function signIn(apiKey, apiSecret) {
  return request('POST', '/dashboard/session', { api_key: apiKey, api_secret: apiSecret });
}

/** Signs out (the server ends the session and deletes the cookie). */
export function signOut() {
  return request('DELETE', '/dashboard/session');
}

/**
 * GETs a read API path (`/v1/...`) with `params` as the query (empty values left out):
 * `{ok, status, data}`, `data` being the reply or `{error}`. A network failure becomes
 * status 0 with the reason as its error.
 */
export async function getV1(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  try {
    return await request('GET', `/v1/${path}${text ? `?${text}` : ''}`);
  } catch (failure) {
    return { ok: false, status: 0, data: { error: `the service cannot be reached: ${failure.message}` } };
  }
}

/** `/v1` path of a session (ids and identities percent-encoded). */
export function sessionPath(sessionId) {
  return `sessions/${encodeURIComponent(sessionId)}`;
}

/** `/v1` path of a participant (an identity) of a session. */
export function participantPath(sessionId, identity) {
  return `${sessionPath(sessionId)}/participants/${encodeURIComponent(identity)}`;
}

/** `/v1` path of a track of a session. */
export function trackPath(sessionId, trackSid) {
  return `${sessionPath(sessionId)}/tracks/${encodeURIComponent(trackSid)}`;
}
