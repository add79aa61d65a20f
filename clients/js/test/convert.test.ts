import { describe, expect, it } from 'vitest';
import { DeltaTracker, readStreams, toClientStat, trackSourceName, type StreamDelta, type TrackContext } from '../src/convert';
import { audioScore, mosFromR, videoScore } from '../src/score';
import type { StatKind } from '../src/types';
import { entries, recording, report, type Endpoint, type Recording } from './fixtures';

const clean = recording('clean');
const lossy = recording('lossy');

/** The two samples of `endpoint` through a fresh tracker: the deltas of the second. */
function deltasOf(rec: Recording, endpoint: Endpoint, kind: StatKind): StreamDelta[] {
  const tracker = new DeltaTracker();
  const deltas: StreamDelta[] = [];
  for (const index of [0, 1]) {
    for (const reading of readStreams(report(rec, index, endpoint), kind)) {
      const delta = tracker.diff(`${kind}:${reading.ssrc}`, reading);
      if (index === 0) expect(delta).toBeUndefined();
      else if (delta) deltas.push(delta);
    }
  }
  return deltas;
}

function context(kind: StatKind, mediaKind: string, expected = {}): TrackContext {
  return { kind, trackSid: 'TR_test', source: mediaKind === 'audio' ? 'microphone' : 'camera', mediaKind, expected };
}

/** What one counter did between the two samples, straight from the recorded entries. */
function recordedDelta(rec: Recording, endpoint: Endpoint, type: string, field: string, ssrc?: number): number {
  const pick = (index: number) => entries(rec, index, endpoint, type).find((e) => ssrc === undefined || e.ssrc === ssrc)[field];
  return pick(1) - pick(0);
}

describe('recorded Chromium reports, clean loopback', () => {
  it('were recorded by a real browser', () => {
    expect(clean.recorded_with).toMatch(/^Chromium \d+/);
    expect(clean.samples).toHaveLength(2);
  });

  it('upstream audio: outbound-rtp counters become deltas, loss/jitter/RTT from remote-inbound-rtp', () => {
    const deltas = deltasOf(clean, 'audio_sender', 'UPSTREAM');
    expect(deltas).toHaveLength(1);
    const [{ reading, delta, intervalMs }] = deltas;
    expect(delta.bytes).toBe(recordedDelta(clean, 'audio_sender', 'outbound-rtp', 'bytesSent'));
    expect(delta.packets).toBe(recordedDelta(clean, 'audio_sender', 'outbound-rtp', 'packetsSent'));
    expect(delta.bytes).toBeGreaterThan(0);
    expect(delta.packetsLost).toBe(0);
    expect(intervalMs).toBeGreaterThan(4500);
    expect(intervalMs).toBeLessThan(6500);
    expect(reading.mime).toBe('audio/opus');
    expect(reading.fec).toBe(true);
    const remote = entries(clean, 1, 'audio_sender', 'remote-inbound-rtp')[0];
    expect(reading.jitterMs).toBeCloseTo(remote.jitter * 1000, 6);
    expect(reading.rttMs).toBeCloseTo(remote.roundTripTime * 1000, 6);
    const stat = toClientStat(context('UPSTREAM', 'audio'), deltas, 1764583200000)!;
    expect(stat.score).toBeGreaterThanOrEqual(4.4);
    expect(stat.score).toBeLessThanOrEqual(4.5);
  });

  it('upstream simulcast video: one stream per rid, scored on the top layer', () => {
    const deltas = deltasOf(clean, 'simulcast_sender', 'UPSTREAM');
    expect(deltas.map((d) => d.reading.rid).sort()).toEqual(['f', 'h', 'q']);
    for (const d of deltas) {
      expect(d.delta.bytes).toBe(recordedDelta(clean, 'simulcast_sender', 'outbound-rtp', 'bytesSent', d.reading.ssrc));
      expect(d.delta.frames).toBe(recordedDelta(clean, 'simulcast_sender', 'outbound-rtp', 'framesSent', d.reading.ssrc));
      expect(d.delta.plis).toBe(recordedDelta(clean, 'simulcast_sender', 'outbound-rtp', 'pliCount', d.reading.ssrc));
    }
    const widths = Object.fromEntries(deltas.map((d) => [d.reading.rid, d.reading.width]));
    expect(widths).toEqual({ q: 320, h: 640, f: 1280 });
    const expected = { width: clean.capture.width, frameRate: clean.capture.frame_rate };
    const stat = toClientStat(context('UPSTREAM', 'video', expected), deltas, 1764583200000)!;
    expect(stat.streams).toHaveLength(3);
    expect(stat.mime).toBe('video/VP8');
    expect(stat.score).toBe(4.5);
  });

  it('upstream video sent below the capture size (bandwidth ramp-up) scores a layer lower', () => {
    const deltas = deltasOf(clean, 'video_sender', 'UPSTREAM');
    expect(deltas[0].reading.width).toBe(640);
    const stat = toClientStat(context('UPSTREAM', 'video', { width: 1280, frameRate: 20 }), deltas, 0)!;
    expect(stat.score).toBe(Math.round(mosFromR(65) * 100) / 100);
  });

  it('downstream audio and video: inbound-rtp deltas, jitter in ms, RTT from the candidate pair', () => {
    const audio = deltasOf(clean, 'audio_receiver', 'DOWNSTREAM');
    expect(audio).toHaveLength(1);
    expect(audio[0].delta.packets).toBe(recordedDelta(clean, 'audio_receiver', 'inbound-rtp', 'packetsReceived'));
    const inbound = entries(clean, 1, 'audio_receiver', 'inbound-rtp')[0];
    expect(audio[0].reading.jitterMs).toBeCloseTo(inbound.jitter * 1000, 6);
    const pair = entries(clean, 1, 'audio_receiver', 'candidate-pair').find((p) => p.nominated);
    expect(audio[0].reading.rttMs).toBeCloseTo(pair.currentRoundTripTime * 1000, 6);
    const video = deltasOf(clean, 'video_receiver', 'DOWNSTREAM');
    expect(video[0].delta.frames).toBe(recordedDelta(clean, 'video_receiver', 'inbound-rtp', 'framesDecoded'));
    expect(video[0].delta.bytes).toBeGreaterThan(0);
    expect(video[0].reading.width).toBe(640);
    const stat = toClientStat(context('DOWNSTREAM', 'video', { width: 640, frameRate: 20 }), video, 0)!;
    expect(stat.kind).toBe('DOWNSTREAM');
    expect(stat.score).toBe(4.5);
  });
});

describe('recorded Chromium reports, 5 % loss and 40-60 ms each way', () => {
  it('upstream: loss from the receiver report, NACKs from the sender, RTT near 100 ms', () => {
    const audio = deltasOf(lossy, 'audio_sender', 'UPSTREAM');
    expect(audio[0].delta.packetsLost).toBe(recordedDelta(lossy, 'audio_sender', 'remote-inbound-rtp', 'packetsLost'));
    expect(audio[0].delta.packetsLost).toBeGreaterThan(0);
    expect(audio[0].reading.rttMs).toBeGreaterThan(70);
    const video = deltasOf(lossy, 'video_sender', 'UPSTREAM');
    expect(video[0].delta.nacks).toBe(recordedDelta(lossy, 'video_sender', 'outbound-rtp', 'nackCount'));
    expect(video[0].delta.nacks).toBeGreaterThan(0);
  });

  it('scores exactly the documented formula over the recorded numbers', () => {
    const deltas = deltasOf(lossy, 'audio_receiver', 'DOWNSTREAM');
    const [{ reading, delta }] = deltas;
    expect(delta.packetsLost).toBeGreaterThan(0);
    const stat = toClientStat(context('DOWNSTREAM', 'audio'), deltas, 0)!;
    expect(stat.score).toBe(
      audioScore({ packets: delta.packets, lost: delta.packetsLost, mime: 'audio/opus', fec: true, rttMs: reading.rttMs, jitterMs: reading.jitterMs }),
    );
    const cleanStat = toClientStat(context('DOWNSTREAM', 'audio'), deltasOf(clean, 'audio_receiver', 'DOWNSTREAM'), 0)!;
    expect(stat.score).toBeLessThan(cleanStat.score);
    expect(stat.score).toBeGreaterThanOrEqual(1);

    const video = deltasOf(lossy, 'video_receiver', 'DOWNSTREAM');
    const videoStat = toClientStat(context('DOWNSTREAM', 'video', { width: 640 }), video, 0)!;
    const { packets, packetsLost } = video[0].delta;
    expect(videoStat.score).toBe(videoScore({ packets, lost: packetsLost, mime: 'video/VP8', expected: { width: 640 }, actual: { width: 640, frameRate: video[0].reading.frameRate } }));
  });
});

describe('the record on the wire', () => {
  it('has exactly the contract fields, per-interval deltas and no undefined', () => {
    const deltas = deltasOf(clean, 'simulcast_sender', 'UPSTREAM');
    const stat = toClientStat({ ...context('UPSTREAM', 'video', { width: 1280 }), trackSid: 'TR_cam' }, deltas, 1764583200123.4)!;
    const wire = JSON.parse(JSON.stringify(stat));
    expect(Object.keys(wire).sort()).toEqual(
      ['interval_ms', 'kind', 'mime', 'score', 'streams', 'time_stamp_ms', 'track_sid', 'track_source'].sort(),
    );
    expect(wire).toMatchObject({ kind: 'UPSTREAM', track_sid: 'TR_cam', track_source: 'CAMERA', time_stamp_ms: 1764583200123 });
    const layer = wire.streams.find((s: { rid: string }) => s.rid === 'f');
    const allowed = ['rid', 'ssrc', 'bytes', 'packets', 'packets_lost', 'frames', 'jitter_ms', 'rtt_ms', 'nacks', 'plis', 'firs', 'width', 'height', 'frame_rate'];
    for (const key of Object.keys(layer)) expect(allowed).toContain(key);
    for (const key of ['ssrc', 'bytes', 'packets', 'packets_lost', 'frames', 'nacks', 'plis', 'firs', 'width', 'height']) {
      expect(Number.isInteger(layer[key]), key).toBe(true);
    }
    expect(layer).toMatchObject({ width: 1280, height: 720 });
  });

  it("maps livekit-client's source names to LiveKit's TrackSource names", () => {
    expect(trackSourceName('camera')).toBe('CAMERA');
    expect(trackSourceName('screen_share_audio')).toBe('SCREEN_SHARE_AUDIO');
    expect(trackSourceName('something')).toBe('UNKNOWN');
  });

  it('leaves out simulcast layers the sender switched off', () => {
    const deltas = deltasOf(clean, 'simulcast_sender', 'UPSTREAM').map((d) =>
      d.reading.rid === 'f' ? { ...d, reading: { ...d.reading, active: false }, delta: { ...d.delta, packets: 0, bytes: 0 } } : d,
    );
    const stat = toClientStat(context('UPSTREAM', 'video', { width: 640 }), deltas, 0)!;
    expect(stat.streams.map((s) => s.rid).sort()).toEqual(['h', 'q']);
  });
});

describe('DeltaTracker', () => {
  const at = (timestampMs: number, bytes: number, packets: number, packetsLost = 0, ssrc = 1) => ({
    ssrc, timestampMs, fec: false, active: true,
    counters: { bytes, packets, packetsLost, frames: 0, nacks: 0, plis: 0, firs: 0 },
  });

  it('takes the first reading as the baseline', () => {
    const tracker = new DeltaTracker();
    expect(tracker.diff('a', at(0, 100, 10))).toBeUndefined();
    expect(tracker.diff('a', at(5000, 300, 30, 2))).toMatchObject({ intervalMs: 5000, delta: { bytes: 200, packets: 20, packetsLost: 2 } });
  });

  it('starts again when counters go down or the ssrc changes', () => {
    const tracker = new DeltaTracker();
    tracker.diff('a', at(0, 1000, 100));
    expect(tracker.diff('a', at(5000, 10, 1))).toBeUndefined();
    expect(tracker.diff('a', at(10000, 20, 2))).toMatchObject({ delta: { bytes: 10 } });
    expect(tracker.diff('a', at(15000, 30, 3, 0, 2))).toBeUndefined();
  });

  it('never reports negative loss (late packets)', () => {
    const tracker = new DeltaTracker();
    tracker.diff('a', at(0, 100, 10, 5));
    expect(tracker.diff('a', at(5000, 200, 20, 3))).toMatchObject({ delta: { packetsLost: 0 } });
  });

  it('forgets streams not read since the last sweep', () => {
    const tracker = new DeltaTracker();
    tracker.diff('a', at(0, 100, 10));
    tracker.sweep();
    tracker.sweep();
    expect(tracker.diff('a', at(5000, 200, 20))).toBeUndefined();
  });
});
