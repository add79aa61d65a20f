import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectStats } from '../src/index';
import type { ClientStatsBatch, PublicationLike, RoomLike, TickInfo } from '../src/types';
import { recording, report, type Endpoint } from './fixtures';

const clean = recording('clean');

/** A track whose getRTCStatsReport() returns the recorded samples in turn (then the last). */
function recordedTrack(endpoint: Endpoint, capture?: { width: number; frameRate: number }) {
  let next = 0;
  return {
    mediaStreamTrack: capture ? ({ getSettings: () => capture } as unknown as MediaStreamTrack) : undefined,
    getRTCStatsReport: async () => report(clean, Math.min(next++, 1), endpoint),
  };
}

function publication(trackSid: string, kind: string, source: string, track: PublicationLike['track']): [string, PublicationLike] {
  return [trackSid, { trackSid, kind, source, track }];
}

/** A room shaped like livekit-client's: one local participant, one remote. */
function room(): RoomLike {
  return {
    localParticipant: {
      sid: 'PA_alice',
      trackPublications: new Map([
        publication('TR_mic', 'audio', 'microphone', recordedTrack('audio_sender')),
        publication('TR_cam', 'video', 'camera', recordedTrack('simulcast_sender', { width: 1280, frameRate: 20 })),
      ]),
    },
    remoteParticipants: new Map([
      ['bob', {
        sid: 'PA_bob',
        trackPublications: new Map([
          publication('TR_bob_mic', 'audio', 'microphone', recordedTrack('audio_receiver')),
          publication('TR_bob_cam', 'video', 'camera', recordedTrack('video_receiver')),
          publication('TR_unsubscribed', 'video', 'camera', undefined),
        ]),
      }],
    ]),
    getSid: async () => 'RM_room',
  };
}

let bodies: ClientStatsBatch[];

beforeEach(() => {
  vi.useFakeTimers();
  bodies = [];
  vi.stubGlobal('fetch', vi.fn(async (_url: string, init: RequestInit) => {
    bodies.push(JSON.parse(String(init.body)));
    return new Response('{"accepted":4}', { status: 202 });
  }));
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('collectStats', () => {
  it('reads at once, then posts every local and subscribed remote track each interval', async () => {
    const ticks: TickInfo[] = [];
    const stop = collectStats(room(), { endpoint: '/v1/client/stats', token: 'a.b.c', intervalMs: 5000, onTick: (t) => ticks.push(t) });
    await vi.advanceTimersByTimeAsync(0);
    expect(bodies).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(bodies).toHaveLength(1);
    const [body] = bodies;
    expect(body).toMatchObject({ participant_sid: 'PA_alice', room_sid: 'RM_room', dropped: 0 });
    const byTrack = Object.fromEntries(body.stats.map((s) => [s.track_sid, s]));
    expect(Object.keys(byTrack).sort()).toEqual(['TR_bob_cam', 'TR_bob_mic', 'TR_cam', 'TR_mic']);
    expect(byTrack.TR_mic).toMatchObject({ kind: 'UPSTREAM', track_source: 'MICROPHONE', mime: 'audio/opus' });
    expect(byTrack.TR_cam.streams).toHaveLength(3);
    expect(byTrack.TR_cam.score).toBe(4.5);
    expect(byTrack.TR_bob_cam).toMatchObject({ kind: 'DOWNSTREAM', track_source: 'CAMERA' });
    for (const s of body.stats) {
      expect(s.score).toBeGreaterThanOrEqual(1);
      expect(s.score).toBeLessThanOrEqual(4.5);
      expect(s.streams.every((stream) => stream.bytes > 0 && stream.packets > 0)).toBe(true);
    }
    expect(ticks).toHaveLength(2);
    expect(ticks[1]).toMatchObject({ records: 4, queued: 0 });
    expect(ticks[1].mainThreadMs).toBeGreaterThanOrEqual(0);
    await stop();
  });

  it('stops: no more ticks afterwards', async () => {
    const stop = collectStats(room(), { endpoint: '/x', token: 'a.b.c', intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    await stop();
    const posted = bodies.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(bodies).toHaveLength(posted);
  });

  it('never throws into the app', async () => {
    const errors: unknown[] = [];
    const broken: RoomLike = {
      ...room(),
      localParticipant: {
        sid: 'PA_alice',
        trackPublications: new Map([
          publication('TR_x', 'audio', 'microphone', { getRTCStatsReport: () => Promise.reject(new Error('closed')) }),
        ]),
      },
    };
    const stop = collectStats(broken, { endpoint: '/x', token: 'a.b.c', intervalMs: 1000, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(3000);
    expect(errors.length).toBeGreaterThan(0);
    await expect(stop()).resolves.toBeUndefined();

    const noRoom = collectStats(undefined as unknown as RoomLike, { token: 'a.b.c', onError: (e) => errors.push(e) });
    await expect(noRoom()).resolves.toBeUndefined();
    const noToken = collectStats(room(), { onError: () => { throw new Error('handler fails too'); } });
    await expect(noToken()).resolves.toBeUndefined();
  });

  it('waits for the room sid before queueing', async () => {
    let resolveSid: (sid: string) => void = () => {};
    const pending: RoomLike = { ...room(), getSid: () => new Promise((resolve) => { resolveSid = resolve; }) };
    const stop = collectStats(pending, { endpoint: '/x', token: 'a.b.c', intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(bodies).toHaveLength(0);
    resolveSid('RM_late');
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies.at(-1)?.room_sid).toBe('RM_late');
    await stop();
  });
});
