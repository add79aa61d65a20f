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
