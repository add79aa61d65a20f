/**
 * The wire format of `POST /v1/client/stats` and the shape of the room the collector reads.
 * The room types are structural: livekit-client's `Room` fits them, and so does any object
 * with the same few members, so the collector never imports livekit-client at run time.
 */

/** UPSTREAM: what the local participant sends; DOWNSTREAM: what it receives. */
export type StatKind = 'UPSTREAM' | 'DOWNSTREAM';

/** One RTP stream (a simulcast layer, or the whole track) over one interval. */
export interface ClientStream {
  /** The simulcast layer's RTP stream id (`q`, `h`, `f`), when the sender uses simulcast. */
  rid?: string;
  ssrc: number;
  /** Per-interval deltas of the browser's cumulative counters. */
  bytes: number;
  packets: number;
  packets_lost: number;
  frames: number;
  nacks: number;
  plis: number;
  firs: number;
  /** Interarrival jitter in milliseconds (as reported by the receiving end). */
  jitter_ms?: number;
  /** Round-trip time in milliseconds. */
  rtt_ms?: number;
  width?: number;
  height?: number;
  frame_rate?: number;
}

/** One track in one direction over one interval. */
export interface ClientStat {
  kind: StatKind;
  /** The end of the interval, milliseconds since the Unix epoch. */
  time_stamp_ms: number;
  interval_ms: number;
  track_sid: string;
  /** LiveKit's `TrackSource` name: CAMERA, MICROPHONE, SCREEN_SHARE, SCREEN_SHARE_AUDIO, UNKNOWN. */
  track_source: string;
  mime: string;
  /** Quality score 1–4.5 (MOS), see `score.ts`. */
  score: number;
  streams: ClientStream[];
}

/** The body of one `POST /v1/client/stats`. */
export interface ClientStatsBatch {
  participant_sid: string;
  room_sid: string;
  /** Records the collector gave up on since the last accepted batch (queue full or refused). */
  dropped: number;
  stats: ClientStat[];
}

/** The subset of `RTCStatsReport` the collector reads. */
export interface StatsReportLike {
  get(id: string): any;
  forEach(callback: (value: any, key: string) => void): void;
}

/** A livekit-client `LocalTrack` or `RemoteTrack`, as far as the collector reads it. */
export interface TrackLike {
  readonly mediaStreamTrack?: MediaStreamTrack;
  readonly isMuted?: boolean;
  getRTCStatsReport?(): Promise<StatsReportLike | undefined>;
  /** Set on local tracks once published. */
  readonly sender?: RTCRtpSender;
  /** Set on remote tracks once subscribed. */
  readonly receiver?: RTCRtpReceiver;
}

/** A livekit-client `TrackPublication`, as far as the collector reads it. */
export interface PublicationLike {
  readonly trackSid: string;
  /** `camera`, `microphone`, `screen_share`, `screen_share_audio` or `unknown`. */
  readonly source: string;
  /** `audio` or `video`. */
  readonly kind: string;
  readonly mimeType?: string;
  readonly isMuted?: boolean;
  readonly track?: TrackLike;
}

/** A livekit-client `Participant`, as far as the collector reads it. */
export interface ParticipantLike {
  readonly sid: string;
  readonly trackPublications: ReadonlyMap<string, PublicationLike>;
}

/** A livekit-client `Room`, as far as the collector reads it. */
export interface RoomLike {
  readonly localParticipant: ParticipantLike;
  readonly remoteParticipants: ReadonlyMap<string, ParticipantLike>;
  /** livekit-client 2.x: resolves once the server has named the room. */
  getSid?(): PromiseLike<string>;
  /** Older livekit-client versions, or a hand-made room. */
  readonly sid?: string;
}

/** What one collection tick cost and produced (for `onTick`). */
export interface TickInfo {
  /** Wall time of the tick, getStats() included (mostly spent off the main thread). */
  wallMs: number;
  /** Main-thread time of the collector's own code in the tick (conversion, scoring, JSON). */
  mainThreadMs: number;
  /** Records produced by the tick. */
  records: number;
  /** Records waiting to be posted after the tick. */
  queued: number;
}

export interface CollectStatsOptions {
  /**
   * Where to post. Default: `/v1/client/stats` on the origin this module was loaded from
   * (right when the page imports it from the analytics server's
   * `/client/livekit-analytics.js`; set it when the module is bundled into the app).
   */
  endpoint?: string;
  /** The participant's LiveKit access token (the one it joined the room with). */
  token?: string;
  /** Returns a fresh token: called when the current one expires or is refused with 401. */
  getToken?: () => string | Promise<string>;
  /** Collection and posting interval in ms. Default 10 000, at least 1 000. */
  intervalMs?: number;
  /** Records kept while the server cannot be reached; the oldest go first. Default 500. */
  maxQueue?: number;
  /** Records per request. Default 50. */
  maxBatch?: number;
  /** Called with each error the collector swallowed (it never throws into the app). */
  onError?: (error: unknown) => void;
  /** Called after each collection tick with what it cost. */
  onTick?: (info: TickInfo) => void;
}
