/**
 * `collectStats(room, options)`: every `intervalMs` it reads each local track's sender
 * stats (UPSTREAM) and each subscribed remote track's receiver stats (DOWNSTREAM), turns
 * them into per-interval records with a score, queues them and posts them. A tick never
 * overlaps the previous one, all getStats() calls of a tick run together, and nothing it
 * does throws into the app: errors go to `onError`.
 */

import { DeltaTracker, readStreams, toClientStat, type StreamDelta, type TrackContext } from './convert';
import type { VideoLayer } from './score';
import type {
  ClientStat,
  CollectStatsOptions,
  PublicationLike,
  RoomLike,
  StatKind,
  StatsReportLike,
  TrackLike,
} from './types';
import { Uploader } from './uploader';

const DEFAULT_INTERVAL_MS = 10_000;
const MIN_INTERVAL_MS = 1_000;

function defaultEndpoint(): string {
  return new URL('/v1/client/stats', import.meta.url).href;
}

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** One track to read in a tick. */
interface Target {
  kind: StatKind;
  publication: PublicationLike;
  track: TrackLike;
}

function statsOf(target: Target): Promise<StatsReportLike | undefined> {
  const { track } = target;
  if (typeof track.getRTCStatsReport === 'function') return track.getRTCStatsReport();
  const rtp = target.kind === 'UPSTREAM' ? track.sender : track.receiver;
  return rtp ? rtp.getStats() : Promise.resolve(undefined);
}

/** Upstream: the capture size and frame rate, scaled by the highest active encoding. */
function sentLayer(track: TrackLike): VideoLayer {
  const settings = track.mediaStreamTrack?.getSettings?.() ?? {};
  let scale = 1;
  try {
    const active = (track.sender?.getParameters().encodings ?? []).filter((e) => e.active !== false);
    if (active.length > 0) scale = Math.min(...active.map((e) => e.scaleResolutionDownBy ?? 1));
  } catch {
    scale = 1;
  }
  return {
    width: settings.width ? settings.width / scale : undefined,
    frameRate: settings.frameRate,
  };
}

class Collector {
  private readonly deltas = new DeltaTracker();
  /** Downstream: the best width and frame rate each remote track has delivered. */
  private readonly best = new Map<string, VideoLayer>();
  private readonly uploader: Uploader;
  private readonly intervalMs: number;
  private roomSid = '';
  private roomSidPending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly room: RoomLike,
    private readonly options: CollectStatsOptions,
    private readonly onError: (error: unknown) => void,
  ) {
    this.intervalMs = Math.max(MIN_INTERVAL_MS, options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.uploader = new Uploader({
      endpoint: options.endpoint ?? defaultEndpoint(),
      token: options.token,
      getToken: options.getToken,
      maxQueue: Math.max(1, options.maxQueue ?? 500),
      maxBatch: Math.max(1, options.maxBatch ?? 50),
      onError,
    });
  }

  /** Reads once at once (the baseline of the first deltas), then every interval. */
  start(): void {
    this.running = this.tick().finally(() => {
      this.running = undefined;
      this.schedule();
    });
    if (typeof addEventListener === 'function') {
      addEventListener('pagehide', this.onPageHide);
      addEventListener('visibilitychange', this.onVisibilityChange);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs);
  }

  private readonly onPageHide = (): void => this.uploader.flushOnPageHide();

  private readonly onVisibilityChange = (): void => {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      this.uploader.flush().catch(this.onError);
    }
  };

  /** The room's sid once the server has given it (asked once at a time, never awaited). */
  private currentRoomSid(): string {
    if (this.roomSid || this.roomSidPending) return this.roomSid;
    if (typeof this.room.getSid === 'function') {
      this.roomSidPending = true;
      Promise.resolve(this.room.getSid())
        .then((sid) => {
          this.roomSid = sid || '';
        })
        .catch(this.onError)
        .finally(() => {
          this.roomSidPending = false;
        });
      return this.roomSid;
    }
    return this.room.sid ?? '';
  }

  private targets(): Target[] {
    const targets: Target[] = [];
    const add = (kind: StatKind, publications: ReadonlyMap<string, PublicationLike> | undefined) => {
      publications?.forEach((publication) => {
        if (publication.track && publication.trackSid) targets.push({ kind, publication, track: publication.track });
      });
    };
    add('UPSTREAM', this.room.localParticipant?.trackPublications);
    this.room.remoteParticipants?.forEach((participant) => add('DOWNSTREAM', participant.trackPublications));
    return targets;
  }

  private expected(target: Target, deltas: StreamDelta[]): VideoLayer {
    if (target.publication.kind !== 'video') return {};
    if (target.kind === 'UPSTREAM') return sentLayer(target.track);
    const key = target.publication.trackSid;
    const before = this.best.get(key) ?? {};
    const width = Math.max(...deltas.map((d) => d.reading.width ?? 0));
    const frameRate = Math.max(...deltas.map((d) => d.reading.frameRate ?? 0));
    this.best.set(key, {
      width: Math.max(before.width ?? 0, width) || undefined,
      frameRate: Math.max(before.frameRate ?? 0, frameRate) || undefined,
    });
    return before;
  }

  private convert(target: Target, report: StatsReportLike | undefined, nowMs: number): ClientStat | undefined {
    if (!report) return undefined;
    const { publication } = target;
    const deltas: StreamDelta[] = [];
    for (const reading of readStreams(report, target.kind)) {
      const delta = this.deltas.diff(`${target.kind}:${publication.trackSid}:${reading.ssrc}`, reading);
      if (delta) deltas.push(delta);
    }
    if (deltas.length === 0) return undefined;
    const context: TrackContext = {
      kind: target.kind,
      trackSid: publication.trackSid,
      source: publication.source,
      mediaKind: publication.kind,
      mimeType: publication.mimeType,
      expected: this.expected(target, deltas),
    };
    return toClientStat(context, deltas, nowMs);
  }

  /** One collection: read every track, convert, queue, post. */
  async tick(): Promise<void> {
    const started = clock();
    let mainThreadMs = 0;
    let records = 0;
    try {
      let section = clock();
      const targets = this.targets();
      const reports = targets.map((target) =>
        statsOf(target).catch((error) => {
          this.onError(error);
          return undefined;
        }),
      );
      mainThreadMs += clock() - section;
      const settled = await Promise.all(reports);
      section = clock();
      const nowMs = Date.now();
      const stats: ClientStat[] = [];
      targets.forEach((target, index) => {
        const stat = this.convert(target, settled[index], nowMs);
        if (stat) stats.push(stat);
      });
      this.deltas.sweep();
      const participantSid = this.room.localParticipant?.sid ?? '';
      const roomSid = this.currentRoomSid();
      if (participantSid && roomSid && stats.length > 0) {
        this.uploader.enqueue(participantSid, roomSid, stats);
        records = stats.length;
      }
      mainThreadMs += clock() - section;
      section = clock();
      const flushed = this.uploader.flush();
      mainThreadMs += clock() - section;
      await flushed;
    } catch (error) {
      this.onError(error);
    }
    try {
      this.options.onTick?.({ wallMs: clock() - started, mainThreadMs, records, queued: this.uploader.queued });
    } catch (error) {
      this.onError(error);
    }
  }

  /** Stops collecting, runs one last collection and posts what is left. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    if (typeof removeEventListener === 'function') {
      removeEventListener('pagehide', this.onPageHide);
      removeEventListener('visibilitychange', this.onVisibilityChange);
    }
    try {
      await this.running;
      await this.tick();
    } catch (error) {
      this.onError(error);
    }
  }
}

/**
 * Starts collecting `room`'s per-track WebRTC stats and posting them to livekit-analytics.
 * Returns the function that stops it (its promise settles once the last records are posted).
 * Never throws: a bad argument gives a stop function that does nothing.
 */
export function collectStats(room: RoomLike, options: CollectStatsOptions = {}): () => Promise<void> {
  const onError = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // the app's own error handler failed: nothing left to tell
    }
  };
  try {
    if (!room || !room.localParticipant) throw new Error('collectStats: no room');
    if (!options.token && !options.getToken) throw new Error('collectStats: token or getToken is required');
    const collector = new Collector(room, options, onError);
    collector.start();
    return () => collector.stop();
  } catch (error) {
    onError(error);
    return () => Promise.resolve();
  }
}
