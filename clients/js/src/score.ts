/**
 * The 1–4.5 quality score of a track over one interval, in the family of LiveKit's
 * connection quality (livekit-server `pkg/sfu/connectionquality`): a simplified E-model
 * rating R (0–100) turned into a MOS.
 *
 *   packet R  = 100 − delay effect − loss weight × loss %
 *     effective delay d (ms) = RTT / 2 + 2 × jitter          (audio only; 0 for video)
 *     delay effect           = d / 40 when d ≤ 160, else (d − 120) / 10
 *     loss %                 = packets lost / (packets + packets lost) × 100 in the interval
 *     loss weight            = Opus 8, RED 4, either ÷ 1.5 with in-band FEC; video 10
 *   layer R   = 100 − 35 × (spatial distance + temporal distance)              (video only)
 *     spatial distance  = log2(expected width / received or sent width), ≥ 0
 *     temporal distance = log2(expected frame rate / actual frame rate), ≥ 0
 *     (one simulcast layer down halves the width: distance 1, like LiveKit's layer distance;
 *     ratios under 1.15 count as 0, so frame-rate noise costs nothing)
 *   R         = min(packet R, layer R), or 30 when no packet moved (LiveKit's "dry" score)
 *   MOS       = 1 + 0.035 R + 0.000007 R (R − 60)(100 − R), at least 1, 4.5 at R ≥ 100
 *
 * Expected video: upstream, the camera's capture size and frame rate scaled by the highest
 * active simulcast encoding; downstream, the best size and frame rate this track has
 * delivered so far in the session. Unlike LiveKit the score is not smoothed across
 * intervals and has no bitrate term (the browser does not know the expected bitrate).
 */

const MAX_R = 100;
const DRY_R = 30;
const LAYER_WEIGHT = 35;

/** MOS from an E-model rating, 1 to 4.5 (ITU-T G.107; the curve dips under 1 below R 7). */
export function mosFromR(r: number): number {
  if (!(r > 0)) return 1;
  if (r >= MAX_R) return 4.5;
  return Math.max(1, 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r));
}

/** LiveKit's packet-loss weight for a codec (`fec`: Opus in-band FEC negotiated). */
export function lossWeight(mime: string, fec: boolean): number {
  const lower = mime.toLowerCase();
  if (lower === 'audio/opus') return fec ? 8 / 1.5 : 8;
  if (lower === 'audio/red') return fec ? 4 / 1.5 : 4;
  if (lower.startsWith('video/')) return 10;
  return 8;
}

/** The delay effect of E-model for an effective one-way delay in ms. */
export function delayEffect(rttMs: number, jitterMs: number): number {
  const delay = rttMs / 2 + 2 * jitterMs;
  return delay <= 160 ? delay / 40 : (delay - 120) / 10;
}

/** Loss in percent of the packets that should have arrived. */
export function lossPercent(packets: number, lost: number): number {
  const expected = packets + lost;
  return expected > 0 ? (lost * 100) / expected : 0;
}

export interface AudioScoreInput {
  packets: number;
  lost: number;
  rttMs?: number;
  jitterMs?: number;
  mime: string;
  fec: boolean;
}

/** The score of an audio track. */
export function audioScore(input: AudioScoreInput): number {
  if (input.packets + input.lost === 0) return round(mosFromR(DRY_R));
  const r =
    MAX_R -
    delayEffect(input.rttMs ?? 0, input.jitterMs ?? 0) -
    lossWeight(input.mime, input.fec) * lossPercent(input.packets, input.lost);
  return round(mosFromR(r));
}

/** Width and frame rate of a video stream. */
export interface VideoLayer {
  width?: number;
  frameRate?: number;
}

export interface VideoScoreInput {
  packets: number;
  lost: number;
  mime: string;
  /** What the track should deliver; missing fields are not scored. */
  expected: VideoLayer;
  /** What it delivered (the top layer for simulcast). */
  actual: VideoLayer;
}

/** Ratios of expected to actual below this count as no distance (frame-rate noise). */
const TOLERANCE = 1.15;

/** How many halvings separate `actual` from `expected` (0 when actual reaches it). */
export function layerDistance(expected: number | undefined, actual: number | undefined): number {
  if (!expected || expected <= 0 || actual === undefined) return 0;
  if (actual <= 0) return 4;
  const ratio = expected / actual;
  return ratio < TOLERANCE ? 0 : Math.log2(ratio);
}

/** The score of a video track. */
export function videoScore(input: VideoScoreInput): number {
  if (input.packets + input.lost === 0) return round(mosFromR(DRY_R));
  const packetR = MAX_R - lossWeight(input.mime, false) * lossPercent(input.packets, input.lost);
  const layers =
    layerDistance(input.expected.width, input.actual.width) +
    layerDistance(input.expected.frameRate, input.actual.frameRate);
  const layerR = MAX_R - LAYER_WEIGHT * layers;
  return round(mosFromR(Math.min(packetR, layerR)));
}

function round(score: number): number {
  return Math.round(score * 100) / 100;
}
