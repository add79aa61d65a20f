//! A browser's stat ([`ClientStat`]) as LiveKit's own `AnalyticsStat`: the kind, the time
//! (the interval's end; each stream spans the interval), the room and participant the
//! service vouches for, the score as average, minimum and median, and one
//! `AnalyticsStream` per RTP stream with its counters, jitter and RTT in milliseconds and,
//! for video, its simulcast layer.

use livekit_protocol::{AnalyticsStat, AnalyticsStream, AnalyticsVideoLayer, StreamType};
use pbjson_types::Timestamp;

use super::body::{ClientStat, ClientStatKind, ClientStream};

/// Who the stat is of, as the service established it (token and stored events).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatOwner {
    pub room_name: String,
    pub room_sid: String,
    pub participant_sid: String,
}

/// The `AnalyticsStat` of a browser's stat of `owner`.
pub fn to_analytics_stat(stat: &ClientStat, owner: &StatOwner) -> AnalyticsStat {
    let end_ms = stat.time_stamp_ms.round() as i64;
    let start_ms = end_ms - stat.interval_ms.map_or(0, |ms| ms.round() as i64);
    let score = stat.score.unwrap_or(0.0) as f32;
    AnalyticsStat {
        kind: match stat.kind {
            ClientStatKind::Upstream => StreamType::Upstream,
            ClientStatKind::Downstream => StreamType::Downstream,
        } as i32,
        time_stamp: Some(timestamp_ms(end_ms)),
        room_id: owner.room_sid.clone(),
        room_name: owner.room_name.clone(),
        participant_id: owner.participant_sid.clone(),
        track_id: stat.track_sid.clone(),
        score,
        min_score: score,
        median_score: score,
        mime: stat.mime.clone().unwrap_or_default(),
        streams: stat
            .streams
            .iter()
            .map(|stream| to_analytics_stream(stream, start_ms, end_ms))
            .collect(),
        ..Default::default()
    }
}

fn to_analytics_stream(stream: &ClientStream, start_ms: i64, end_ms: i64) -> AnalyticsStream {
    let video_layers = if count_u32(stream.width) > 0 {
        vec![AnalyticsVideoLayer {
            layer: layer_of(stream.rid.as_deref()),
            packets: count_u32(stream.packets),
            bytes: count_u64(stream.bytes),
            frames: count_u32(stream.frames),
        }]
    } else {
        Vec::new()
    };
    AnalyticsStream {
        ssrc: count_u32(stream.ssrc),
        primary_packets: count_u32(stream.packets),
        primary_bytes: count_u64(stream.bytes),
        packets_lost: count_u32(stream.packets_lost),
        frames: count_u32(stream.frames),
        rtt: count_u32(stream.rtt_ms),
        jitter: count_u32(stream.jitter_ms),
        nacks: count_u32(stream.nacks),
        plis: count_u32(stream.plis),
        firs: count_u32(stream.firs),
        video_layers,
        start_time: Some(timestamp_ms(start_ms)),
        end_time: Some(timestamp_ms(end_ms)),
        ..Default::default()
    }
}

/// The spatial layer of a simulcast stream id as livekit-client names them (`q`, `h`, `f`:
/// quarter, half, full resolution); a stream without one (no simulcast) is layer 0.
fn layer_of(rid: Option<&str>) -> i32 {
    match rid {
        Some("q") => 0,
        Some("h") => 1,
        Some("f") => 2,
        Some(digit) => digit.parse::<i32>().unwrap_or(0).clamp(0, 2),
        None => 0,
    }
}

/// A count as LiveKit's 32-bit field: rounded, negative (a counter reset) as 0, capped.
fn count_u32(value: Option<f64>) -> u32 {
    value.map_or(0, |value| {
        value.round().clamp(0.0, f64::from(u32::MAX)) as u32
    })
}

fn count_u64(value: Option<f64>) -> u64 {
    value.map_or(0, |value| value.round().max(0.0) as u64)
}

fn timestamp_ms(ms: i64) -> Timestamp {
    Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::json_api::decode;

    fn owner() -> StatOwner {
        StatOwner {
            room_name: "room".into(),
            room_sid: "RM_1".into(),
            participant_sid: "PA_1".into(),
        }
    }

    fn stat(json: &str) -> ClientStat {
        decode(json.as_bytes()).expect("decodes")
    }

    #[test]
    fn a_simulcast_video_stat_fills_livekits_fields() {
        let stat = stat(
            r#"{"kind":"UPSTREAM","time_stamp_ms":1764583200250,"interval_ms":5000,
                "track_sid":"TR_1","mime":"video/VP8","score":4.3,"streams":[
                {"rid":"q","ssrc":11,"bytes":2000,"packets":20,"frames":75,"width":320,"height":180},
                {"rid":"f","ssrc":12,"bytes":90000,"packets":100,"packets_lost":2,"frames":150,
                 "jitter_ms":3.6,"rtt_ms":40.2,"nacks":1,"plis":2,"firs":3,"width":1280,"height":720}]}"#,
        );
        let converted = to_analytics_stat(&stat, &owner());
        assert_eq!(converted.kind, StreamType::Upstream as i32);
        assert_eq!(
            converted.time_stamp,
            Some(Timestamp {
                seconds: 1_764_583_200,
                nanos: 250_000_000
            })
        );
        assert_eq!(
            (
                converted.room_id.as_str(),
                converted.room_name.as_str(),
                converted.participant_id.as_str(),
                converted.track_id.as_str(),
                converted.mime.as_str()
            ),
            ("RM_1", "room", "PA_1", "TR_1", "video/VP8")
        );
        assert_eq!(
            (converted.score, converted.min_score, converted.median_score),
            (4.3, 4.3, 4.3)
        );
        let full = &converted.streams[1];
        assert_eq!(
            (
                full.ssrc,
                full.primary_bytes,
                full.primary_packets,
                full.packets_lost
            ),
            (12, 90000, 100, 2)
        );
        assert_eq!((full.frames, full.jitter, full.rtt), (150, 4, 40));
        assert_eq!((full.nacks, full.plis, full.firs), (1, 2, 3));
        assert_eq!(
            full.video_layers,
            vec![AnalyticsVideoLayer {
                layer: 2,
                packets: 100,
                bytes: 90000,
                frames: 150
            }]
        );
        assert_eq!(converted.streams[0].video_layers[0].layer, 0);
        assert_eq!(
            full.start_time.map(|t| t.seconds),
            Some(1_764_583_195),
            "the stream starts interval_ms before the stat's time"
        );
        assert_eq!(full.end_time, converted.time_stamp);
    }

    #[test]
    fn an_audio_stat_has_no_layer_and_absent_numbers_are_zero() {
        let stat = stat(
            r#"{"kind":"DOWNSTREAM","time_stamp_ms":1764583200000,"track_sid":"TR_2",
                "streams":[{"bytes":-5,"packets":null}]}"#,
        );
        let converted = to_analytics_stat(&stat, &StatOwner::default());
        assert_eq!(converted.kind, StreamType::Downstream as i32);
        assert_eq!(converted.score, 0.0);
        let stream = &converted.streams[0];
        assert!(stream.video_layers.is_empty());
        assert_eq!((stream.primary_bytes, stream.primary_packets), (0, 0));
        assert_eq!(stream.start_time, stream.end_time);
    }
}
