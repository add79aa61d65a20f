/**
 * The bounded queue of records and their trip to the server. One request at a time, each
 * at most `maxBatch` records and ~60 kB (under the 64 kB a `keepalive` fetch may carry, so
 * every request is sent with `keepalive` and survives the page's unload). When the queue is
 * full the oldest records are dropped and counted; the count goes out as `dropped` with the
 * next batch. Failures are retried with exponential backoff (1 s doubling to 60 s, or the
 * server's Retry-After if longer); a 401 first gets a fresh token from `getToken`; 400,
 * 403, 404 and 413 drop the batch (counted). Nothing here throws.
 */
import type { ClientStat } from './types';
export interface UploaderOptions {
    endpoint: string;
    token?: string;
    getToken?: () => string | Promise<string>;
    maxQueue: number;
    maxBatch: number;
    onError: (error: unknown) => void;
    now?: () => number;
}
/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), if any. */
export declare function retryAfterMs(header: string | null, nowMs: number): number | undefined;
export declare class Uploader {
    private readonly options;
    private queue;
    private dropped;
    private sending;
    private failures;
    private retryAt;
    private token;
    private readonly now;
    constructor(options: UploaderOptions);
    /** Records waiting to be posted. */
    get queued(): number;
    /** Records dropped and not yet reported to the server. */
    get droppedCount(): number;
    /** Adds records, dropping the oldest beyond `maxQueue`. */
    enqueue(participantSid: string, roomSid: string, stats: ClientStat[]): void;
    private trim;
    /** The oldest records of one participant and room that fit in one request. */
    private takeBatch;
    private currentToken;
    private post;
    /** Posts what is queued, batch after batch, unless a request is out or backoff holds. */
    flush(): Promise<void>;
    /** Sends the oldest batch; true when the queue may go on being drained now. */
    private sendOne;
    /** Puts a failed batch back at the head of the queue and schedules the next try. */
    private retry;
    /**
     * The last flush when the page goes away: one batch, sent at once with `keepalive` and the
     * token at hand (no time to wait for `getToken` or for an answer).
     */
    flushOnPageHide(): void;
}
