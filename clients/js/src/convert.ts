/**
 * From a track's `RTCStatsReport` to a `ClientStat`: read each RTP stream's cumulative
 * counters (`readStreams`), turn them into per-interval deltas (`DeltaTracker`), and build
 * the record with its score (`toClientStat`).
 *
 * UPSTREAM streams are the report's `outbound-rtp` entries (one per simulcast layer), with
 * loss, jitter and RTT from the `remote-inbound-rtp` entry the receiving end reported.
 * DOWNSTREAM streams are its `inbound-rtp` entries, with RTT from the selected ICE
 * candidate pair. Jitter and RTT come in seconds and leave in milliseconds.
 */

import { audioScore, videoScore, type VideoLayer } from './score';
import type { ClientStat, ClientStream, StatKind, StatsReportLike } from './types';

/** The cumulative counters of one RTP stream. */
export interface Counters {
  bytes: number;
  packets: number;
  packetsLost: number;
  frames: number;
  nacks: number;
  plis: number;
  firs: number;
}

const COUNTERS: (keyof Counters)[] = ['bytes', 'packets', 'packetsLost', 'frames', 'nacks', 'plis', 'firs'];

/** One RTP stream as the browser reported it at one instant. */
export interface StreamReading {
  ssrc: number;
  rid?: string;
  /** The report's timestamp, ms. */
  timestampMs: number;
  mime?: string;
  /** Opus in-band FEC negotiated. */
  fec: boolean;
  /** False for a simulcast layer the sender has switched off. */
  active: boolean;
  counters: Counters;
  jitterMs?: number;
  rttMs?: number;
  width?: number;
  height?: number;
  frameRate?: number;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function optional(value: unknown, scale = 1): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value * scale : undefined;
}

/** RTT in ms of the transport's selected candidate pair (or a nominated, succeeded one). */
function candidatePairRttMs(report: StatsReportLike): number | undefined {
  let selected: any;
  let nominated: any;
  report.forEach((entry) => {
    if (entry?.type === 'transport' && entry.selectedCandidatePairId) {
      selected ??= report.get(entry.selectedCandidatePairId);
    }
    if (entry?.type === 'candidate-pair' && entry.nominated && entry.state === 'succeeded') {
      nominated ??= entry;
    }
  });
  return optional((selected ?? nominated)?.currentRoundTripTime, 1000);
}

function codecOf(report: StatsReportLike, entry: any): { mime?: string; fec: boolean } {
  const codec = entry.codecId ? report.get(entry.codecId) : undefined;
  const fmtp = typeof codec?.sdpFmtpLine === 'string' ? codec.sdpFmtpLine : '';
  return { mime: codec?.mimeType, fec: /(^|;)\s*useinbandfec=1/.test(fmtp) };
}

/** The RTP streams of one track's report, in one direction. */
export function readStreams(report: StatsReportLike, kind: StatKind): StreamReading[] {
  const streams: StreamReading[] = [];
  const pairRttMs = candidatePairRttMs(report);
  report.forEach((entry) => {
    if (!entry || typeof entry.ssrc !== 'number') return;
    if (kind === 'UPSTREAM' && entry.type === 'outbound-rtp') {
      const remote = entry.remoteId ? report.get(entry.remoteId) : undefined;
      streams.push({
        ssrc: entry.ssrc,
        rid: typeof entry.rid === 'string' ? entry.rid : undefined,
        timestampMs: num(entry.timestamp),
        ...codecOf(report, entry),
        active: entry.active !== false,
        counters: {
          bytes: num(entry.bytesSent),
          packets: num(entry.packetsSent),
          packetsLost: num(remote?.packetsLost),
          frames: num(entry.framesSent),
          nacks: num(entry.nackCount),
          plis: num(entry.pliCount),
          firs: num(entry.firCount),
        },
        jitterMs: optional(remote?.jitter, 1000),
        rttMs: optional(remote?.roundTripTime, 1000) ?? pairRttMs,
        width: optional(entry.frameWidth),
        height: optional(entry.frameHeight),
        frameRate: optional(entry.framesPerSecond),
      });
    } else if (kind === 'DOWNSTREAM' && entry.type === 'inbound-rtp') {
      streams.push({
        ssrc: entry.ssrc,
        timestampMs: num(entry.timestamp),
        ...codecOf(report, entry),
        active: true,
        counters: {
          bytes: num(entry.bytesReceived),
          packets: num(entry.packetsReceived),
          packetsLost: num(entry.packetsLost),
          frames: num(entry.framesDecoded),
          nacks: num(entry.nackCount),
          plis: num(entry.pliCount),
          firs: num(entry.firCount),
        },
        jitterMs: optional(entry.jitter, 1000),
        rttMs: pairRttMs,
        width: optional(entry.frameWidth),
        height: optional(entry.frameHeight),
        frameRate: optional(entry.framesPerSecond),
      });
    }
  });
  return streams;
}

/** A stream's reading with its counters' change since the previous reading. */
export interface StreamDelta {
  reading: StreamReading;
  delta: Counters;
  intervalMs: number;
}

/**
 * Remembers each stream's last reading (by a caller-chosen key) and returns the change.
 * The first reading of a stream, and one whose bytes or packets went down (a new stream
 * under the same key), only sets the baseline. Loss can go down (late packets): its delta
 * is then 0. Streams not read in a tick are forgotten by `sweep`.
 */
export class DeltaTracker {
  private previous = new Map<string, StreamReading>();
  private seen = new Set<string>();

  diff(key: string, reading: StreamReading): StreamDelta | undefined {
    this.seen.add(key);
    const before = this.previous.get(key);
    this.previous.set(key, reading);
    if (!before || before.ssrc !== reading.ssrc) return undefined;
    if (reading.counters.bytes < before.counters.bytes || reading.counters.packets < before.counters.packets) {
      return undefined;
    }
    const delta = {} as Counters;
    for (const name of COUNTERS) {
      delta[name] = Math.max(0, reading.counters[name] - before.counters[name]);
    }
    return { reading, delta, intervalMs: Math.max(0, Math.round(reading.timestampMs - before.timestampMs)) };
  }

  /** Forgets the streams not read since the last sweep. */
  sweep(): void {
    for (const key of this.previous.keys()) {
      if (!this.seen.has(key)) this.previous.delete(key);
    }
    this.seen.clear();
  }
}

/** What the collector knows about a track besides its report. */
export interface TrackContext {
  kind: StatKind;
  trackSid: string;
  /** livekit-client's source name (`camera`, ...). */
  source: string;
  /** `audio` or `video`. */
  mediaKind: string;
  /** The publication's mime type, used when the report names no codec. */
  mimeType?: string;
  /** What the video should deliver (see `score.ts`). */
  expected: VideoLayer;
}

/** LiveKit's `TrackSource` enum name of a livekit-client source name. */
export function trackSourceName(source: string): string {
  const name = source.toUpperCase();
  return ['CAMERA', 'MICROPHONE', 'SCREEN_SHARE', 'SCREEN_SHARE_AUDIO'].includes(name) ? name : 'UNKNOWN';
}

function round(value: number | undefined, digits: number): number | undefined {
  if (value === undefined) return undefined;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function toStream({ reading, delta }: StreamDelta): ClientStream {
  return {
    rid: reading.rid,
    ssrc: reading.ssrc,
    bytes: delta.bytes,
    packets: delta.packets,
    packets_lost: delta.packetsLost,
    frames: delta.frames,
    nacks: delta.nacks,
    plis: delta.plis,
    firs: delta.firs,
    jitter_ms: round(reading.jitterMs, 2),
    rtt_ms: round(reading.rttMs, 2),
    width: reading.width,
    height: reading.height,
    frame_rate: round(reading.frameRate, 2),
  };
}

function max(values: (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined);
  return present.length > 0 ? Math.max(...present) : undefined;
}

/**
 * The record of one track over one interval, or nothing when no stream has a delta yet.
 * Simulcast layers the sender switched off and that moved nothing are left out.
 */
export function toClientStat(context: TrackContext, deltas: StreamDelta[], nowMs: number): ClientStat | undefined {
  const moving = deltas.filter((d) => d.reading.active || d.delta.packets > 0);
  if (moving.length === 0) return undefined;
  const packets = moving.reduce((sum, d) => sum + d.delta.packets, 0);
  const lost = moving.reduce((sum, d) => sum + d.delta.packetsLost, 0);
  const mime = moving.find((d) => d.reading.mime)?.reading.mime ?? context.mimeType ?? `${context.mediaKind}/unknown`;
  let score: number;
  if (context.mediaKind === 'video') {
    const top = moving
      .filter((d) => d.delta.packets > 0)
      .reduce<StreamDelta | undefined>((best, d) => ((d.reading.width ?? 0) > (best?.reading.width ?? -1) ? d : best), undefined);
    score = videoScore({
      packets,
      lost,
      mime,
      expected: context.expected,
      actual: { width: top?.reading.width, frameRate: top?.reading.frameRate },
    });
  } else {
    score = audioScore({
      packets,
      lost,
      mime,
      fec: moving.some((d) => d.reading.fec),
      rttMs: max(moving.map((d) => d.reading.rttMs)),
      jitterMs: max(moving.map((d) => d.reading.jitterMs)),
    });
  }
  return {
    kind: context.kind,
    time_stamp_ms: Math.round(nowMs),
    interval_ms: Math.max(...moving.map((d) => d.intervalMs)),
    track_sid: context.trackSid,
    track_source: trackSourceName(context.source),
    mime,
    score,
    streams: moving.map(toStream),
  };
}
