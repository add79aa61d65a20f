/**
 * The bounded queue of records and their trip to the server. One request at a time, each
 * at most `maxBatch` records and ~60 kB (under the 64 kB a `keepalive` fetch may carry, so
 * every request is sent with `keepalive` and survives the page's unload). When the queue is
 * full the oldest records are dropped and counted; the count goes out as `dropped` with the
 * next batch. Failures are retried with exponential backoff (1 s doubling to 60 s, or the
 * server's Retry-After if longer); a 401 first gets a fresh token from `getToken`; 400,
 * 403, 404 and 413 drop the batch (counted). Nothing here throws.
 */

import { tokenExpired } from './token';
import type { ClientStat, ClientStatsBatch } from './types';

/** A record and the participant and room it was collected for. */
interface Entry {
  participantSid: string;
  roomSid: string;
  stat: ClientStat;
}

export interface UploaderOptions {
  endpoint: string;
  token?: string;
  getToken?: () => string | Promise<string>;
  maxQueue: number;
  maxBatch: number;
  onError: (error: unknown) => void;
  now?: () => number;
}

const MAX_BODY_BYTES = 60_000;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
const PERMANENT = new Set([400, 403, 404, 413, 422]);

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), if any. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export class Uploader {
  private queue: Entry[] = [];
  private dropped = 0;
  private sending = false;
  private failures = 0;
  private retryAt = 0;
  private token: string | undefined;
  private readonly now: () => number;

  constructor(private readonly options: UploaderOptions) {
    this.token = options.token;
    this.now = options.now ?? Date.now;
  }

  /** Records waiting to be posted. */
  get queued(): number {
    return this.queue.length;
  }

  /** Records dropped and not yet reported to the server. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Adds records, dropping the oldest beyond `maxQueue`. */
  enqueue(participantSid: string, roomSid: string, stats: ClientStat[]): void {
    for (const stat of stats) this.queue.push({ participantSid, roomSid, stat });
    this.trim();
  }

  private trim(): void {
    const excess = this.queue.length - this.options.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** The oldest records of one participant and room that fit in one request. */
  private takeBatch(): { entries: Entry[]; body: string } | undefined {
    const first = this.queue[0];
    if (!first) return undefined;
    let count = 0;
    while (
      count < this.queue.length &&
      count < this.options.maxBatch &&
      this.queue[count].participantSid === first.participantSid &&
      this.queue[count].roomSid === first.roomSid
    ) {
      count += 1;
    }
    for (;;) {
      const entries = this.queue.slice(0, count);
      const batch: ClientStatsBatch = {
        participant_sid: first.participantSid,
        room_sid: first.roomSid,
        dropped: this.dropped,
        stats: entries.map((entry) => entry.stat),
      };
      const body = JSON.stringify(batch);
      if (body.length <= MAX_BODY_BYTES || count === 1) {
        this.queue.splice(0, count);
        return { entries, body };
      }
      count = Math.ceil(count / 2);
    }
  }

  private async currentToken(forceRefresh: boolean): Promise<string | undefined> {
    const { getToken } = this.options;
    if (getToken && (forceRefresh || !this.token || tokenExpired(this.token, this.now()))) {
      this.token = await getToken();
    }
    return this.token;
  }

  private post(body: string, token: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(this.options.endpoint, { method: 'POST', headers, body, keepalive: true, credentials: 'omit' });
  }

  /** Posts what is queued, batch after batch, unless a request is out or backoff holds. */
  async flush(): Promise<void> {
    if (this.sending || this.now() < this.retryAt) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.now() >= this.retryAt) {
        if (!(await this.sendOne())) break;
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.sending = false;
    }
  }

  /** Sends the oldest batch; true when the queue may go on being drained now. */
  private async sendOne(): Promise<boolean> {
    const batch = this.takeBatch();
    if (!batch) return false;
    const sentDropped = this.dropped;
    let response: Response;
    try {
      response = await this.post(batch.body, await this.currentToken(false));
      if (response.status === 401 && this.options.getToken) {
        response = await this.post(batch.body, await this.currentToken(true));
      }
    } catch (error) {
      this.retry(batch.entries, undefined, error);
      return false;
    }
    if (response.ok) {
      this.dropped = Math.max(0, this.dropped - sentDropped);
      this.failures = 0;
      return true;
    }
    if (PERMANENT.has(response.status)) {
      this.dropped += batch.entries.length;
      this.options.onError(new Error(`livekit-analytics refused ${batch.entries.length} stats: HTTP ${response.status}`));
      return true;
    }
    this.retry(batch.entries, response.headers.get('Retry-After'), new Error(`HTTP ${response.status}`));
    return false;
  }

  /** Puts a failed batch back at the head of the queue and schedules the next try. */
  private retry(entries: Entry[], retryAfter: string | null | undefined, error: unknown): void {
    this.queue.unshift(...entries);
    this.trim();
    this.failures += 1;
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
    const asked = retryAfterMs(retryAfter ?? null, this.now()) ?? 0;
    this.retryAt = this.now() + Math.max(backoff, asked);
    this.options.onError(error);
  }

  /**
   * The last flush when the page goes away: one batch, sent at once with `keepalive` and the
   * token at hand (no time to wait for `getToken` or for an answer).
   */
  flushOnPageHide(): void {
    try {
      const batch = this.takeBatch();
      if (batch) this.post(batch.body, this.token).catch(this.options.onError);
    } catch (error) {
      this.options.onError(error);
    }
  }
}
