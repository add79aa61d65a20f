import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokenExpired, tokenExpiry } from '../src/token';
import type { ClientStat } from '../src/types';
import { retryAfterMs, Uploader } from '../src/uploader';

/** An unsigned JWT with `exp` (the collector only reads the claim). */
function jwt(exp: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256' })}.${encode({ sub: 'alice', exp })}.signature`;
}

function stat(n: number): ClientStat {
  return {
    kind: 'UPSTREAM', time_stamp_ms: 1764583200000 + n, interval_ms: 5000, track_sid: `TR_${n}`,
    track_source: 'MICROPHONE', mime: 'audio/opus', score: 4.5,
    streams: [{ ssrc: n, bytes: 100, packets: 10, packets_lost: 0, frames: 0, nacks: 0, plis: 0, firs: 0 }],
  };
}

interface Call { url: string; init: RequestInit; body: any }

let calls: Call[];
let answers: (Response | Error)[];

beforeEach(() => {
  vi.useFakeTimers({ now: 1764583200000 });
  calls = [];
  answers = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init, body: JSON.parse(String(init.body)) });
    const answer = answers.shift() ?? new Response('{"accepted":1}', { status: 202 });
    if (answer instanceof Error) throw answer;
    return answer;
  }));
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function uploader(overrides: Partial<ConstructorParameters<typeof Uploader>[0]> = {}) {
  const errors: unknown[] = [];
  const up = new Uploader({
    endpoint: 'https://analytics.example/v1/client/stats',
    token: jwt(1764583200 + 3600),
    maxQueue: 10,
    maxBatch: 4,
    onError: (error) => errors.push(error),
    ...overrides,
  });
  return { up, errors };
}

const headerOf = (call: Call, name: string) => new Headers(call.init.headers).get(name);

describe('posting', () => {
  it('posts batches of the contract with the bearer token, keepalive, no cookies', async () => {
    const { up } = uploader();
    up.enqueue('PA_1', 'RM_1', [stat(1), stat(2)]);
    await up.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://analytics.example/v1/client/stats');
    expect(calls[0].init).toMatchObject({ method: 'POST', keepalive: true, credentials: 'omit' });
    expect(headerOf(calls[0], 'Authorization')).toBe(`Bearer ${jwt(1764583200 + 3600)}`);
    expect(headerOf(calls[0], 'Content-Type')).toBe('application/json');
    expect(calls[0].body).toEqual({ participant_sid: 'PA_1', room_sid: 'RM_1', dropped: 0, stats: [stat(1), stat(2)] });
    expect(up.queued).toBe(0);
  });

  it('splits by maxBatch and by participant and room', async () => {
    const { up } = uploader();
    up.enqueue('PA_1', 'RM_1', [1, 2, 3, 4, 5].map(stat));
    up.enqueue('PA_2', 'RM_1', [stat(6)]);
    await up.flush();
    expect(calls.map((c) => [c.body.participant_sid, c.body.stats.length])).toEqual([['PA_1', 4], ['PA_1', 1], ['PA_2', 1]]);
  });
});

describe('the bounded queue', () => {
  it('drops the oldest, counts them and sends the count once', async () => {
    const { up } = uploader({ maxQueue: 3, maxBatch: 10 });
    up.enqueue('PA_1', 'RM_1', [1, 2, 3, 4, 5].map(stat));
    expect(up.queued).toBe(3);
    await up.flush();
    expect(calls[0].body.dropped).toBe(2);
    expect(calls[0].body.stats.map((s: ClientStat) => s.track_sid)).toEqual(['TR_3', 'TR_4', 'TR_5']);
    up.enqueue('PA_1', 'RM_1', [stat(6)]);
    await up.flush();
    expect(calls[1].body.dropped).toBe(0);
  });
});

describe('retries', () => {
  it('honours Retry-After on 429 and keeps the batch', async () => {
    const { up, errors } = uploader();
    answers.push(new Response('', { status: 429, headers: { 'Retry-After': '30' } }));
    up.enqueue('PA_1', 'RM_1', [stat(1)]);
    await up.flush();
    expect(up.queued).toBe(1);
    expect(errors).toHaveLength(1);
    vi.advanceTimersByTime(29_000);
    await up.flush();
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    await up.flush();
    expect(calls).toHaveLength(2);
    expect(calls[1].body.stats).toEqual([stat(1)]);
    expect(up.queued).toBe(0);
  });

  it('backs off exponentially on 503 and network errors', async () => {
    const { up } = uploader();
    answers.push(new Response('', { status: 503 }), new TypeError('Failed to fetch'), new Response('', { status: 503 }));
    up.enqueue('PA_1', 'RM_1', [stat(1)]);
    const triesAt: number[] = [];
    for (let t = 0; t <= 8000; t += 500) {
      const before = calls.length;
      await up.flush();
      if (calls.length > before) triesAt.push(t);
      vi.advanceTimersByTime(500);
    }
    expect(triesAt).toEqual([0, 1000, 3000, 7000]);
    expect(up.queued).toBe(0);
  });

  it('drops a refused batch (403) and counts it', async () => {
    const { up, errors } = uploader();
    answers.push(new Response('', { status: 403 }));
    up.enqueue('PA_1', 'RM_1', [stat(1), stat(2)]);
    await up.flush();
    expect(up.queued).toBe(0);
    expect(up.droppedCount).toBe(2);
    expect(String(errors[0])).toContain('403');
  });
});

describe('tokens', () => {
  it('reads exp from the JWT', () => {
    expect(tokenExpiry(jwt(1234))).toBe(1234);
    expect(tokenExpiry('not a token')).toBeUndefined();
    expect(tokenExpired(jwt(1000), 1_000_000)).toBe(true);
    expect(tokenExpired(jwt(2000), 1_000_000)).toBe(false);
  });

  it('takes a fresh token from getToken once the old one expires', async () => {
    const getToken = vi.fn(async () => jwt(1764583200 + 7200));
    const { up } = uploader({ token: jwt(1764583200 + 10), getToken });
    up.enqueue('PA_1', 'RM_1', [stat(1)]);
    await up.flush();
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(headerOf(calls[0], 'Authorization')).toBe(`Bearer ${jwt(1764583200 + 7200)}`);
  });

  it('retries once with a fresh token on 401', async () => {
    const getToken = vi.fn(() => 'fresh.token.here');
    const { up } = uploader({ getToken });
    answers.push(new Response('', { status: 401 }));
    up.enqueue('PA_1', 'RM_1', [stat(1)]);
    await up.flush();
    expect(calls).toHaveLength(2);
    expect(headerOf(calls[1], 'Authorization')).toBe('Bearer fresh.token.here');
    expect(up.queued).toBe(0);
  });

  it('survives a getToken that throws', async () => {
    const { up, errors } = uploader({ token: undefined, getToken: () => { throw new Error('no token'); } });
    up.enqueue('PA_1', 'RM_1', [stat(1)]);
    await expect(up.flush()).resolves.toBeUndefined();
    expect(up.queued).toBe(1);
    expect(errors).toHaveLength(1);
  });
});

describe('page hide', () => {
  it('sends the oldest batch at once with keepalive', () => {
    const { up } = uploader();
    up.enqueue('PA_1', 'RM_1', [stat(1)]);
    up.flushOnPageHide();
    expect(calls).toHaveLength(1);
    expect(calls[0].init.keepalive).toBe(true);
  });

  it('keeps every body under the keepalive limit', async () => {
    const { up } = uploader({ maxBatch: 1000, maxQueue: 1000 });
    const big = (n: number) => ({ ...stat(n), streams: Array.from({ length: 20 }, (_, i) => ({ ...stat(n).streams[0], ssrc: i })) });
    up.enqueue('PA_1', 'RM_1', Array.from({ length: 200 }, (_, n) => big(n)));
    await up.flush();
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(String(call.init.body).length).toBeLessThanOrEqual(60_000);
    expect(calls.reduce((sum, c) => sum + c.body.stats.length, 0)).toBe(200);
  });
});

it('reads Retry-After as seconds or a date', () => {
  expect(retryAfterMs('5', 0)).toBe(5000);
  expect(retryAfterMs(new Date(60_000).toUTCString(), 0)).toBe(60_000);
  expect(retryAfterMs(null, 0)).toBeUndefined();
});
