//! The JSON body of `POST /v1/client/stats`, as the browser collector sends it: snake_case,
//! every number optional (0 when absent or `null`), unknown fields ignored: an `identity`
//! among them (who posts is the token's business, never the body's), and the collector's
//! `track_source`, `height` and `frame_rate`, which LiveKit's `AnalyticsStat` has no field
//! for.

use serde::Deserialize;

/// The whole request.
#[derive(Debug, Default, Deserialize)]
pub struct ClientStatsBody {
    /// The posting participant's sid, as the browser knows it.
    #[serde(default)]
    pub participant_sid: Option<String>,
    /// The room's sid, as the browser knows it; kept only when the stored events agree.
    #[serde(default)]
    pub room_sid: Option<String>,
    /// Stats the browser dropped since its last post (its queue was full).
    #[serde(default)]
    pub dropped: Option<f64>,
    #[serde(default)]
    pub stats: Vec<ClientStat>,
}

/// The direction of a stat: what the participant sent or what it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ClientStatKind {
    #[serde(rename = "UPSTREAM")]
    Upstream,
    #[serde(rename = "DOWNSTREAM")]
    Downstream,
}

/// One track's stats over one interval.
#[derive(Debug, Deserialize)]
pub struct ClientStat {
    pub kind: ClientStatKind,
    /// The end of the interval, unix milliseconds.
    pub time_stamp_ms: f64,
    #[serde(default)]
    pub interval_ms: Option<f64>,
    pub track_sid: String,
    #[serde(default)]
    pub mime: Option<String>,
    /// 1–5; 0 or absent: unknown.
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub streams: Vec<ClientStream>,
}

/// One RTP stream of a track (one simulcast layer, or the track's only stream), its counters
/// as deltas over the interval.
#[derive(Debug, Default, Deserialize)]
pub struct ClientStream {
    /// The simulcast layer's RTP stream id (`q`, `h`, `f`).
    #[serde(default)]
    pub rid: Option<String>,
    #[serde(default)]
    pub ssrc: Option<f64>,
    #[serde(default)]
    pub bytes: Option<f64>,
    #[serde(default)]
    pub packets: Option<f64>,
    #[serde(default)]
    pub packets_lost: Option<f64>,
    #[serde(default)]
    pub frames: Option<f64>,
    #[serde(default)]
    pub jitter_ms: Option<f64>,
    #[serde(default)]
    pub rtt_ms: Option<f64>,
    #[serde(default)]
    pub nacks: Option<f64>,
    #[serde(default)]
    pub plis: Option<f64>,
    #[serde(default)]
    pub firs: Option<f64>,
    /// The frame width of a video stream: a stream with one is a video layer.
    #[serde(default)]
    pub width: Option<f64>,
}

impl ClientStatsBody {
    /// Why the body cannot be stored, naming the field at fault (`stats[2].track_sid`).
    pub fn problem(&self) -> Option<String> {
        if self.dropped.is_some_and(|dropped| dropped < 0.0) {
            return Some("dropped must be 0 or more".to_owned());
        }
        self.stats.iter().enumerate().find_map(|(index, stat)| {
            stat.problem()
                .map(|problem| format!("stats[{index}].{problem}"))
        })
    }
}

impl ClientStat {
    fn problem(&self) -> Option<&'static str> {
        if self.track_sid.is_empty() {
            return Some("track_sid must name the track (its LiveKit sid)");
        }
        if self.time_stamp_ms < 1.0 {
            return Some("time_stamp_ms must be the interval's end in unix milliseconds");
        }
        if self.interval_ms.is_some_and(|ms| ms < 0.0) {
            return Some("interval_ms must be 0 or more");
        }
        if self
            .score
            .is_some_and(|score| score != 0.0 && !(1.0..=5.0).contains(&score))
        {
            return Some("score must be between 1 and 5, or 0 when unknown");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::json_api::decode;

    #[test]
    fn the_documented_body_decodes_and_unknown_fields_are_ignored() {
        let body: ClientStatsBody = decode(
            br#"{"participant_sid":"PA_1","room_sid":"RM_1","dropped":2,"extra":true,
                "stats":[{"kind":"UPSTREAM","time_stamp_ms":1764583200000,"interval_ms":5000,
                "track_sid":"TR_1","track_source":"CAMERA","mime":"video/VP8","score":4.3,
                "identity":"bob","streams":[{"rid":"f","ssrc":1234,"bytes":1000,"packets":10,
                "width":1280,"height":720,"frame_rate":30.0,"codec":"vp8"}]},
                {"kind":"DOWNSTREAM","time_stamp_ms":1764583200000.25,"track_sid":"TR_2",
                "score":null,"streams":[{}]}]}"#,
        )
        .expect("decodes");
        assert_eq!(body.participant_sid.as_deref(), Some("PA_1"));
        assert_eq!(body.stats.len(), 2);
        assert_eq!(body.stats[0].kind, ClientStatKind::Upstream);
        assert_eq!(body.stats[0].streams[0].bytes, Some(1000.0));
        assert_eq!(body.stats[1].score, None);
        assert_eq!(body.problem(), None);
    }

    #[test]
    fn a_bad_kind_or_a_missing_track_is_refused_naming_the_field() {
        let error = decode::<ClientStatsBody>(
            br#"{"stats":[{"kind":"SIDEWAYS","time_stamp_ms":1,"track_sid":"TR_1"}]}"#,
        )
        .expect_err("refused");
        assert!(error.message.contains("stats[0].kind"), "{}", error.message);
        let error =
            decode::<ClientStatsBody>(br#"{"stats":[{"kind":"UPSTREAM","time_stamp_ms":1}]}"#)
                .expect_err("refused");
        assert!(error.message.contains("track_sid"), "{}", error.message);
    }

    #[test]
    fn out_of_range_values_are_named() {
        let body: ClientStatsBody = decode(
            br#"{"stats":[{"kind":"UPSTREAM","time_stamp_ms":1764583200000,"track_sid":"TR_1"},
                {"kind":"UPSTREAM","time_stamp_ms":1764583200000,"track_sid":"TR_1","score":7}]}"#,
        )
        .expect("decodes");
        assert_eq!(
            body.problem().as_deref(),
            Some("stats[1].score must be between 1 and 5, or 0 when unknown")
        );
        let body: ClientStatsBody =
            decode(br#"{"stats":[{"kind":"UPSTREAM","time_stamp_ms":0,"track_sid":"TR_1"}]}"#)
                .expect("decodes");
        assert!(body
            .problem()
            .is_some_and(|problem| problem.starts_with("stats[0].time_stamp_ms")));
    }
}
