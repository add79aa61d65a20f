//! Coalesced per-track stats as LiveKit sends them: one `AnalyticsStat` per track and
//! direction every 30 s (score, min and median score, one stream; video layers for video).

use livekit_protocol::{AnalyticsStat, AnalyticsStream, AnalyticsVideoLayer, StreamType};
use pbjson_types::Timestamp;
use rand::{rngs::StdRng, Rng};

use super::entities::TrackKind;

/// LiveKit coalesces the 5 s connection-quality samples into one stat per this many seconds.
pub const STAT_WINDOW_SECONDS: f64 = 30.0;

/// A final window shorter than this is not reported.
const MIN_PARTIAL_WINDOW_SECONDS: f64 = 5.0;

/// The `[start, end)` windows a track sending from `from` to `to` (seconds) is reported in.
pub fn windows(from: f64, to: f64) -> Vec<(f64, f64)> {
    let mut windows = Vec::new();
    let mut start = from;
    while start + STAT_WINDOW_SECONDS <= to {
        windows.push((start, start + STAT_WINDOW_SECONDS));
        start += STAT_WINDOW_SECONDS;
    }
    if to - start >= MIN_PARTIAL_WINDOW_SECONDS {
        windows.push((start, to));
    }
    windows
}

/// What a stat is about.
pub struct StatSubject<'a> {
    pub direction: StreamType,
    pub node: &'a str,
    pub room_id: &'a str,
    pub room_name: &'a str,
    pub participant_id: &'a str,
    pub track_id: &'a str,
    pub kind: TrackKind,
    pub ssrc: u32,
}

/// One coalesced stat for the window `[start, end]`.
pub fn coalesced_stat(
    subject: &StatSubject<'_>,
    start: Timestamp,
    end: Timestamp,
    seconds: f64,
    rng: &mut StdRng,
) -> AnalyticsStat {
    let score: f32 = rng.random_range(3.6..4.9);
    let min_score = (score - rng.random_range(0.2..1.2)).max(1.0);
    let median_score = (score + rng.random_range(-0.1..0.1)).clamp(min_score, 5.0);
    let (packet_rate, bitrate) = if subject.kind.is_video() {
        (180.0, 1_200_000.0)
    } else {
        (50.0, 32_000.0)
    };
    let packets = (packet_rate * seconds) as u32;
    let bytes = (bitrate / 8.0 * seconds) as u64;
    let frames = if subject.kind.is_video() {
        (30.0 * seconds) as u32
    } else {
        0
    };
    let video_layers = video_layers(subject, packets, bytes, frames);
    AnalyticsStat {
        id: format!(
            "AS_{}_{}_{}",
            subject.track_id, subject.participant_id, end.seconds
        ),
        kind: subject.direction as i32,
        time_stamp: Some(end),
        node: subject.node.into(),
        room_id: subject.room_id.into(),
        room_name: subject.room_name.into(),
        participant_id: subject.participant_id.into(),
        track_id: subject.track_id.into(),
        score,
        min_score,
        median_score,
        mime: subject.kind.mime().into(),
        streams: vec![AnalyticsStream {
            ssrc: subject.ssrc,
            primary_packets: packets,
            primary_bytes: bytes,
            retransmit_packets: packets / 200,
            retransmit_bytes: bytes / 200,
            padding_packets: if subject.kind.is_video() {
                packets / 100
            } else {
                0
            },
            padding_bytes: if subject.kind.is_video() {
                bytes / 500
            } else {
                0
            },
            packets_lost: rng.random_range(0..(packets / 100).max(1)),
            frames,
            rtt: rng.random_range(20..120),
            jitter: rng.random_range(1..30),
            nacks: rng.random_range(0..20),
            plis: if subject.kind.is_video() {
                rng.random_range(0..3)
            } else {
                0
            },
            firs: 0,
            video_layers,
            start_time: Some(start),
            end_time: Some(end),
            packets_out_of_order: rng.random_range(0..3),
        }],
        ..Default::default()
    }
}

/// A simulcast camera publishes three layers; a subscriber receives one; a screen share has one.
fn video_layers(
    subject: &StatSubject<'_>,
    packets: u32,
    bytes: u64,
    frames: u32,
) -> Vec<AnalyticsVideoLayer> {
    if !subject.kind.is_video() {
        return Vec::new();
    }
    let layers: &[(i32, u32)] = match (subject.kind, subject.direction) {
        (TrackKind::Camera, StreamType::Upstream) => &[(0, 10), (1, 25), (2, 65)],
        (TrackKind::Camera, StreamType::Downstream) => &[(2, 100)],
        _ => &[(0, 100)],
    };
    layers
        .iter()
        .map(|&(layer, percent)| AnalyticsVideoLayer {
            layer,
            packets: packets / 100 * percent,
            bytes: bytes / 100 * u64::from(percent),
            frames: frames / 100 * percent,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_track_is_reported_every_30_seconds_and_at_its_end() {
        assert_eq!(windows(10.0, 73.0), vec![(10.0, 40.0), (40.0, 70.0)]);
        assert_eq!(
            windows(10.0, 80.0),
            vec![(10.0, 40.0), (40.0, 70.0), (70.0, 80.0)]
        );
        assert!(windows(10.0, 12.0).is_empty());
    }
}
