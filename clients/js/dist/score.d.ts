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
/** MOS from an E-model rating, 1 to 4.5 (ITU-T G.107; the curve dips under 1 below R 7). */
export declare function mosFromR(r: number): number;
/** LiveKit's packet-loss weight for a codec (`fec`: Opus in-band FEC negotiated). */
export declare function lossWeight(mime: string, fec: boolean): number;
/** The delay effect of E-model for an effective one-way delay in ms. */
export declare function delayEffect(rttMs: number, jitterMs: number): number;
/** Loss in percent of the packets that should have arrived. */
export declare function lossPercent(packets: number, lost: number): number;
export interface AudioScoreInput {
    packets: number;
    lost: number;
    rttMs?: number;
    jitterMs?: number;
    mime: string;
    fec: boolean;
}
/** The score of an audio track. */
export declare function audioScore(input: AudioScoreInput): number;
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
/** How many halvings separate `actual` from `expected` (0 when actual reaches it). */
export declare function layerDistance(expected: number | undefined, actual: number | undefined): number;
/** The score of a video track. */
export declare function videoScore(input: VideoScoreInput): number;
