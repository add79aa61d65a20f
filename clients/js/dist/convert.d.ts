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
import { type VideoLayer } from './score';
import type { ClientStat, StatKind, StatsReportLike } from './types';
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
/** The RTP streams of one track's report, in one direction. */
export declare function readStreams(report: StatsReportLike, kind: StatKind): StreamReading[];
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
export declare class DeltaTracker {
    private previous;
    private seen;
    diff(key: string, reading: StreamReading): StreamDelta | undefined;
    /** Forgets the streams not read since the last sweep. */
    sweep(): void;
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
export declare function trackSourceName(source: string): string;
/**
 * The record of one track over one interval, or nothing when no stream has a delta yet.
 * Simulcast layers the sender switched off and that moved nothing are left out.
 */
export declare function toClientStat(context: TrackContext, deltas: StreamDelta[], nowMs: number): ClientStat | undefined;
