/**
 * `collectStats(room, options)`: every `intervalMs` it reads each local track's sender
 * stats (UPSTREAM) and each subscribed remote track's receiver stats (DOWNSTREAM), turns
 * them into per-interval records with a score, queues them and posts them. A tick never
 * overlaps the previous one, all getStats() calls of a tick run together, and nothing it
 * does throws into the app: errors go to `onError`.
 */
import type { CollectStatsOptions, RoomLike } from './types';
/**
 * Starts collecting `room`'s per-track WebRTC stats and posting them to livekit-analytics.
 * Returns the function that stops it (its promise settles once the last records are posted).
 * Never throws: a bad argument gives a stop function that does nothing.
 */
export declare function collectStats(room: RoomLike, options?: CollectStatsOptions): () => Promise<void>;
