// @livekit-analytics/client 0.1.0 (Apache-2.0): built from clients/js/src by `npm run build`; do not edit.

// src/score.ts
var MAX_R = 100;
var DRY_R = 30;
var LAYER_WEIGHT = 35;
function mosFromR(r) {
  if (!(r > 0)) return 1;
  if (r >= MAX_R) return 4.5;
  return Math.max(1, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r));
}
function lossWeight(mime, fec) {
  const lower = mime.toLowerCase();
  if (lower === "audio/opus") return fec ? 8 / 1.5 : 8;
  if (lower === "audio/red") return fec ? 4 / 1.5 : 4;
  if (lower.startsWith("video/")) return 10;
  return 8;
}
function delayEffect(rttMs, jitterMs) {
  const delay = rttMs / 2 + 2 * jitterMs;
  return delay <= 160 ? delay / 40 : (delay - 120) / 10;
}
function lossPercent(packets, lost) {
  const expected = packets + lost;
  return expected > 0 ? lost * 100 / expected : 0;
}
function audioScore(input) {
  if (input.packets + input.lost === 0) return round(mosFromR(DRY_R));
  const r = MAX_R - delayEffect(input.rttMs ?? 0, input.jitterMs ?? 0) - lossWeight(input.mime, input.fec) * lossPercent(input.packets, input.lost);
  return round(mosFromR(r));
}
var TOLERANCE = 1.15;
function layerDistance(expected, actual) {
  if (!expected || expected <= 0 || actual === void 0) return 0;
  if (actual <= 0) return 4;
  const ratio = expected / actual;
  return ratio < TOLERANCE ? 0 : Math.log2(ratio);
}
function videoScore(input) {
  if (input.packets + input.lost === 0) return round(mosFromR(DRY_R));
  const packetR = MAX_R - lossWeight(input.mime, false) * lossPercent(input.packets, input.lost);
  const layers = layerDistance(input.expected.width, input.actual.width) + layerDistance(input.expected.frameRate, input.actual.frameRate);
  const layerR = MAX_R - LAYER_WEIGHT * layers;
  return round(mosFromR(Math.min(packetR, layerR)));
}
function round(score) {
  return Math.round(score * 100) / 100;
}

// src/convert.ts
var COUNTERS = ["bytes", "packets", "packetsLost", "frames", "nacks", "plis", "firs"];
function num(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
function optional(value, scale = 1) {
  return typeof value === "number" && Number.isFinite(value) ? value * scale : void 0;
}
function candidatePairRttMs(report) {
  let selected;
  let nominated;
  report.forEach((entry) => {
    if (entry?.type === "transport" && entry.selectedCandidatePairId) {
      selected ?? (selected = report.get(entry.selectedCandidatePairId));
    }
    if (entry?.type === "candidate-pair" && entry.nominated && entry.state === "succeeded") {
      nominated ?? (nominated = entry);
    }
  });
  return optional((selected ?? nominated)?.currentRoundTripTime, 1e3);
}
function codecOf(report, entry) {
  const codec = entry.codecId ? report.get(entry.codecId) : void 0;
  const fmtp = typeof codec?.sdpFmtpLine === "string" ? codec.sdpFmtpLine : "";
  return { mime: codec?.mimeType, fec: /(^|;)\s*useinbandfec=1/.test(fmtp) };
}
function readStreams(report, kind) {
  const streams = [];
  const pairRttMs = candidatePairRttMs(report);
  report.forEach((entry) => {
    if (!entry || typeof entry.ssrc !== "number") return;
    if (kind === "UPSTREAM" && entry.type === "outbound-rtp") {
      const remote = entry.remoteId ? report.get(entry.remoteId) : void 0;
      streams.push({
        ssrc: entry.ssrc,
        rid: typeof entry.rid === "string" ? entry.rid : void 0,
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
          firs: num(entry.firCount)
        },
        jitterMs: optional(remote?.jitter, 1e3),
        rttMs: optional(remote?.roundTripTime, 1e3) ?? pairRttMs,
        width: optional(entry.frameWidth),
        height: optional(entry.frameHeight),
        frameRate: optional(entry.framesPerSecond)
      });
    } else if (kind === "DOWNSTREAM" && entry.type === "inbound-rtp") {
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
          firs: num(entry.firCount)
        },
        jitterMs: optional(entry.jitter, 1e3),
        rttMs: pairRttMs,
        width: optional(entry.frameWidth),
        height: optional(entry.frameHeight),
        frameRate: optional(entry.framesPerSecond)
      });
    }
  });
  return streams;
}
var DeltaTracker = class {
  constructor() {
    this.previous = /* @__PURE__ */ new Map();
    this.seen = /* @__PURE__ */ new Set();
  }
  diff(key, reading) {
    this.seen.add(key);
    const before = this.previous.get(key);
    this.previous.set(key, reading);
    if (!before || before.ssrc !== reading.ssrc) return void 0;
    if (reading.counters.bytes < before.counters.bytes || reading.counters.packets < before.counters.packets) {
      return void 0;
    }
    const delta = {};
    for (const name of COUNTERS) {
      delta[name] = Math.max(0, reading.counters[name] - before.counters[name]);
    }
    return { reading, delta, intervalMs: Math.max(0, Math.round(reading.timestampMs - before.timestampMs)) };
  }
  /** Forgets the streams not read since the last sweep. */
  sweep() {
    for (const key of this.previous.keys()) {
      if (!this.seen.has(key)) this.previous.delete(key);
    }
    this.seen.clear();
  }
};
function trackSourceName(source) {
  const name = source.toUpperCase();
  return ["CAMERA", "MICROPHONE", "SCREEN_SHARE", "SCREEN_SHARE_AUDIO"].includes(name) ? name : "UNKNOWN";
}
function round2(value, digits) {
  if (value === void 0) return void 0;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
function toStream({ reading, delta }) {
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
    jitter_ms: round2(reading.jitterMs, 2),
    rtt_ms: round2(reading.rttMs, 2),
    width: reading.width,
    height: reading.height,
    frame_rate: round2(reading.frameRate, 2)
  };
}
function max(values) {
  const present = values.filter((value) => value !== void 0);
  return present.length > 0 ? Math.max(...present) : void 0;
}
function toClientStat(context, deltas, nowMs) {
  const moving = deltas.filter((d) => d.reading.active || d.delta.packets > 0);
  if (moving.length === 0) return void 0;
  const packets = moving.reduce((sum, d) => sum + d.delta.packets, 0);
  const lost = moving.reduce((sum, d) => sum + d.delta.packetsLost, 0);
  const mime = moving.find((d) => d.reading.mime)?.reading.mime ?? context.mimeType ?? `${context.mediaKind}/unknown`;
  let score;
  if (context.mediaKind === "video") {
    const top = moving.filter((d) => d.delta.packets > 0).reduce((best, d) => (d.reading.width ?? 0) > (best?.reading.width ?? -1) ? d : best, void 0);
    score = videoScore({
      packets,
      lost,
      mime,
      expected: context.expected,
      actual: { width: top?.reading.width, frameRate: top?.reading.frameRate }
    });
  } else {
    score = audioScore({
      packets,
      lost,
      mime,
      fec: moving.some((d) => d.reading.fec),
      rttMs: max(moving.map((d) => d.reading.rttMs)),
      jitterMs: max(moving.map((d) => d.reading.jitterMs))
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
    streams: moving.map(toStream)
  };
}

// src/token.ts
var EXPIRY_MARGIN_S = 30;
function tokenExpiry(token) {
  try {
    const payload = token.split(".")[1];
    if (!payload) return void 0;
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - base64.length % 4) % 4);
    const exp = JSON.parse(atob(padded)).exp;
    return typeof exp === "number" ? exp : void 0;
  } catch {
    return void 0;
  }
}
function tokenExpired(token, nowMs) {
  const exp = tokenExpiry(token);
  return exp !== void 0 && exp - EXPIRY_MARGIN_S <= nowMs / 1e3;
}

// src/uploader.ts
var MAX_BODY_BYTES = 6e4;
var FIRST_BACKOFF_MS = 1e3;
var MAX_BACKOFF_MS = 6e4;
var PERMANENT = /* @__PURE__ */ new Set([400, 403, 404, 413, 422]);
function retryAfterMs(header, nowMs) {
  if (!header) return void 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1e3);
  const date = Date.parse(header);
  return Number.isNaN(date) ? void 0 : Math.max(0, date - nowMs);
}
var Uploader = class {
  constructor(options) {
    this.options = options;
    this.queue = [];
    this.dropped = 0;
    this.sending = false;
    this.failures = 0;
    this.retryAt = 0;
    this.token = options.token;
    this.now = options.now ?? Date.now;
  }
  /** Records waiting to be posted. */
  get queued() {
    return this.queue.length;
  }
  /** Records dropped and not yet reported to the server. */
  get droppedCount() {
    return this.dropped;
  }
  /** Adds records, dropping the oldest beyond `maxQueue`. */
  enqueue(participantSid, roomSid, stats) {
    for (const stat of stats) this.queue.push({ participantSid, roomSid, stat });
    this.trim();
  }
  trim() {
    const excess = this.queue.length - this.options.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.dropped += excess;
    }
  }
  /** The oldest records of one participant and room that fit in one request. */
  takeBatch() {
    const first = this.queue[0];
    if (!first) return void 0;
    let count = 0;
    while (count < this.queue.length && count < this.options.maxBatch && this.queue[count].participantSid === first.participantSid && this.queue[count].roomSid === first.roomSid) {
      count += 1;
    }
    for (; ; ) {
      const entries = this.queue.slice(0, count);
      const batch = {
        participant_sid: first.participantSid,
        room_sid: first.roomSid,
        dropped: this.dropped,
        stats: entries.map((entry) => entry.stat)
      };
      const body = JSON.stringify(batch);
      if (body.length <= MAX_BODY_BYTES || count === 1) {
        this.queue.splice(0, count);
        return { entries, body };
      }
      count = Math.ceil(count / 2);
    }
  }
  async currentToken(forceRefresh) {
    const { getToken } = this.options;
    if (getToken && (forceRefresh || !this.token || tokenExpired(this.token, this.now()))) {
      this.token = await getToken();
    }
    return this.token;
  }
  post(body, token) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(this.options.endpoint, { method: "POST", headers, body, keepalive: true, credentials: "omit" });
  }
  /** Posts what is queued, batch after batch, unless a request is out or backoff holds. */
  async flush() {
    if (this.sending || this.now() < this.retryAt) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.now() >= this.retryAt) {
        if (!await this.sendOne()) break;
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.sending = false;
    }
  }
  /** Sends the oldest batch; true when the queue may go on being drained now. */
  async sendOne() {
    const batch = this.takeBatch();
    if (!batch) return false;
    const sentDropped = this.dropped;
    let response;
    try {
      response = await this.post(batch.body, await this.currentToken(false));
      if (response.status === 401 && this.options.getToken) {
        response = await this.post(batch.body, await this.currentToken(true));
      }
    } catch (error) {
      this.retry(batch.entries, void 0, error);
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
    this.retry(batch.entries, response.headers.get("Retry-After"), new Error(`HTTP ${response.status}`));
    return false;
  }
  /** Puts a failed batch back at the head of the queue and schedules the next try. */
  retry(entries, retryAfter, error) {
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
  flushOnPageHide() {
    try {
      const batch = this.takeBatch();
      if (batch) this.post(batch.body, this.token).catch(this.options.onError);
    } catch (error) {
      this.options.onError(error);
    }
  }
};

// src/collector.ts
var DEFAULT_INTERVAL_MS = 1e4;
var MIN_INTERVAL_MS = 1e3;
function defaultEndpoint() {
  return new URL("/v1/client/stats", import.meta.url).href;
}
var clock = () => typeof performance !== "undefined" ? performance.now() : Date.now();
function statsOf(target) {
  const { track } = target;
  if (typeof track.getRTCStatsReport === "function") return track.getRTCStatsReport();
  const rtp = target.kind === "UPSTREAM" ? track.sender : track.receiver;
  return rtp ? rtp.getStats() : Promise.resolve(void 0);
}
function sentLayer(track) {
  const settings = track.mediaStreamTrack?.getSettings?.() ?? {};
  let scale = 1;
  try {
    const active = (track.sender?.getParameters().encodings ?? []).filter((e) => e.active !== false);
    if (active.length > 0) scale = Math.min(...active.map((e) => e.scaleResolutionDownBy ?? 1));
  } catch {
    scale = 1;
  }
  return {
    width: settings.width ? settings.width / scale : void 0,
    frameRate: settings.frameRate
  };
}
var Collector = class {
  constructor(room, options, onError) {
    this.room = room;
    this.options = options;
    this.onError = onError;
    this.deltas = new DeltaTracker();
    /** Downstream: the best width and frame rate each remote track has delivered. */
    this.best = /* @__PURE__ */ new Map();
    this.roomSid = "";
    this.roomSidPending = false;
    this.stopped = false;
    this.onPageHide = () => this.uploader.flushOnPageHide();
    this.onVisibilityChange = () => {
      if (typeof document !== "undefined" && document.visibilityState === "hidden") {
        this.uploader.flush().catch(this.onError);
      }
    };
    this.intervalMs = Math.max(MIN_INTERVAL_MS, options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.uploader = new Uploader({
      endpoint: options.endpoint ?? defaultEndpoint(),
      token: options.token,
      getToken: options.getToken,
      maxQueue: Math.max(1, options.maxQueue ?? 500),
      maxBatch: Math.max(1, options.maxBatch ?? 50),
      onError
    });
  }
  /** Reads once at once (the baseline of the first deltas), then every interval. */
  start() {
    this.running = this.tick().finally(() => {
      this.running = void 0;
      this.schedule();
    });
    if (typeof addEventListener === "function") {
      addEventListener("pagehide", this.onPageHide);
      addEventListener("visibilitychange", this.onVisibilityChange);
    }
  }
  schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = void 0;
        this.schedule();
      });
    }, this.intervalMs);
  }
  /** The room's sid once the server has given it (asked once at a time, never awaited). */
  currentRoomSid() {
    if (this.roomSid || this.roomSidPending) return this.roomSid;
    if (typeof this.room.getSid === "function") {
      this.roomSidPending = true;
      Promise.resolve(this.room.getSid()).then((sid) => {
        this.roomSid = sid || "";
      }).catch(this.onError).finally(() => {
        this.roomSidPending = false;
      });
      return this.roomSid;
    }
    return this.room.sid ?? "";
  }
  targets() {
    const targets = [];
    const add = (kind, publications) => {
      publications?.forEach((publication) => {
        if (publication.track && publication.trackSid) targets.push({ kind, publication, track: publication.track });
      });
    };
    add("UPSTREAM", this.room.localParticipant?.trackPublications);
    this.room.remoteParticipants?.forEach((participant) => add("DOWNSTREAM", participant.trackPublications));
    return targets;
  }
  expected(target, deltas) {
    if (target.publication.kind !== "video") return {};
    if (target.kind === "UPSTREAM") return sentLayer(target.track);
    const key = target.publication.trackSid;
    const before = this.best.get(key) ?? {};
    const width = Math.max(...deltas.map((d) => d.reading.width ?? 0));
    const frameRate = Math.max(...deltas.map((d) => d.reading.frameRate ?? 0));
    this.best.set(key, {
      width: Math.max(before.width ?? 0, width) || void 0,
      frameRate: Math.max(before.frameRate ?? 0, frameRate) || void 0
    });
    return before;
  }
  convert(target, report, nowMs) {
    if (!report) return void 0;
    const { publication } = target;
    const deltas = [];
    for (const reading of readStreams(report, target.kind)) {
      const delta = this.deltas.diff(`${target.kind}:${publication.trackSid}:${reading.ssrc}`, reading);
      if (delta) deltas.push(delta);
    }
    if (deltas.length === 0) return void 0;
    const context = {
      kind: target.kind,
      trackSid: publication.trackSid,
      source: publication.source,
      mediaKind: publication.kind,
      mimeType: publication.mimeType,
      expected: this.expected(target, deltas)
    };
    return toClientStat(context, deltas, nowMs);
  }
  /** One collection: read every track, convert, queue, post. */
  async tick() {
    const started = clock();
    let mainThreadMs = 0;
    let records = 0;
    try {
      let section = clock();
      const targets = this.targets();
      const reports = targets.map(
        (target) => statsOf(target).catch((error) => {
          this.onError(error);
          return void 0;
        })
      );
      mainThreadMs += clock() - section;
      const settled = await Promise.all(reports);
      section = clock();
      const nowMs = Date.now();
      const stats = [];
      targets.forEach((target, index) => {
        const stat = this.convert(target, settled[index], nowMs);
        if (stat) stats.push(stat);
      });
      this.deltas.sweep();
      const participantSid = this.room.localParticipant?.sid ?? "";
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
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    if (typeof removeEventListener === "function") {
      removeEventListener("pagehide", this.onPageHide);
      removeEventListener("visibilitychange", this.onVisibilityChange);
    }
    try {
      await this.running;
      await this.tick();
    } catch (error) {
      this.onError(error);
    }
  }
};
function collectStats(room, options = {}) {
  const onError = (error) => {
    try {
      options.onError?.(error);
    } catch {
    }
  };
  try {
    if (!room || !room.localParticipant) throw new Error("collectStats: no room");
    if (!options.token && !options.getToken) throw new Error("collectStats: token or getToken is required");
    const collector = new Collector(room, options, onError);
    collector.start();
    return () => collector.stop();
  } catch (error) {
    onError(error);
    return () => Promise.resolve();
  }
}
export {
  audioScore,
  collectStats,
  lossWeight,
  mosFromR,
  videoScore
};
