//! One planned session as the messages LiveKit's analytics client would have sent (the room
//! created and ended, each connection joining, becoming active, publishing, subscribing and
//! leaving, an egress in some, and one coalesced stat per track, participant and direction
//! every 30 s), converted into records as the service converts them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::{record::timestamp_of, Record};
use livekit_protocol::{
    client_info::Sdk, participant_info::State, AnalyticsClientMeta, AnalyticsEvent,
    AnalyticsEventType as T, AnalyticsStat, AnalyticsStream, AnalyticsVideoLayer, ClientInfo,
    DisconnectReason, EgressInfo, EgressStatus, ParticipantInfo, Room, RoomEndReason, StreamType,
    TrackInfo, TrackSource, TrackType, VideoLayer, VideoQuality,
};

use super::dataset::{mix, ConnectionPlan, SessionPlan, WINDOW_MS};

/// Time to live of the records: far beyond any run, so that no TTL removes the dataset.
pub const EXPIRATION: Duration = Duration::from_secs(10 * 365 * 86_400);

const NODE: &str = "ND_readbench";

/// A device participants join from.
pub struct Client {
    sdk: Sdk,
    version: &'static str,
    os: &'static str,
    os_version: &'static str,
    browser: &'static str,
    browser_version: &'static str,
    device_model: &'static str,
}

const fn client(
    sdk: Sdk,
    version: &'static str,
    os: &'static str,
    os_version: &'static str,
    browser: &'static str,
    browser_version: &'static str,
    device_model: &'static str,
) -> Client {
    Client {
        sdk,
        version,
        os,
        os_version,
        browser,
        browser_version,
        device_model,
    }
}

/// The devices of the dataset, for the overview's breakdowns.
pub const CLIENTS: [Client; 6] = [
    client(Sdk::Js, "2.5.0", "Windows", "11", "Chrome", "126.0", ""),
    client(Sdk::Js, "2.5.0", "macOS", "14.5", "Safari", "17.5", ""),
    client(Sdk::Js, "2.4.2", "Linux", "6.8", "Firefox", "127.0", ""),
    client(Sdk::Swift, "2.0.12", "iOS", "17.5", "", "", "iPhone15,2"),
    client(Sdk::Android, "2.6.1", "Android", "14", "", "", "Pixel 8"),
    client(Sdk::Js, "2.5.0", "macOS", "14.5", "Chrome", "126.0", ""),
];

/// The moment of unix milliseconds `ms`.
fn instant(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

/// The session's events and stats as records, in time order.
pub fn records(session: &SessionPlan, now: SystemTime) -> Result<Vec<Record>, String> {
    let mut records = Vec::with_capacity(stat_count(session) + 400);
    for event in events(session) {
        records.push(
            Record::from_event(event, EXPIRATION, now)
                .map_err(|error| format!("generated event: {error}"))?,
        );
    }
    let mut failed = None;
    each_stat_subject(session, |subject| {
        if failed.is_some() {
            return;
        }
        match Record::from_stat(stat(session, &subject), EXPIRATION, now) {
            Ok(record) => records.push(record),
            Err(error) => failed = Some(format!("generated stat: {error}")),
        }
    });
    if let Some(message) = failed {
        return Err(message);
    }
    records.sort_by_key(|record| record.timestamp_ms);
    Ok(records)
}

/// Stats of the session, without making them.
pub fn stat_count(session: &SessionPlan) -> usize {
    let mut count = 0;
    each_stat_subject(session, |_| count += 1);
    count
}

/// What one stat is about: a window, a published track and who reports on it.
struct StatSubject<'a> {
    window: u32,
    publisher: (usize, &'a ConnectionPlan),
    track: usize,
    /// `None` for the publisher's own upstream stat.
    subscriber: Option<(usize, &'a ConnectionPlan)>,
}

/// Every stat of the session: in each window, each connected publisher's tracks upstream,
/// and downstream to each other person connected.
fn each_stat_subject<'a>(session: &'a SessionPlan, mut visit: impl FnMut(StatSubject<'a>)) {
    let connections = &session.connections;
    for window in 0..session.windows {
        for publisher in connections.iter().enumerate() {
            if !publisher.1.connected_in(window) {
                continue;
            }
            for track in 0..publisher.1.tracks.len() {
                visit(StatSubject {
                    window,
                    publisher,
                    track,
                    subscriber: None,
                });
                for subscriber in connections.iter().enumerate() {
                    if subscriber.1.person != publisher.1.person
                        && subscriber.1.connected_in(window)
                    {
                        visit(StatSubject {
                            window,
                            publisher,
                            track,
                            subscriber: Some(subscriber),
                        });
                    }
                }
            }
        }
    }
}

fn stat(session: &SessionPlan, subject: &StatSubject) -> AnalyticsStat {
    let (number, publisher) = subject.publisher;
    let (direction, reporter) = match subject.subscriber {
        Some((_, subscriber)) => (StreamType::Downstream, subscriber),
        None => (StreamType::Upstream, publisher),
    };
    let reporter_number = subject.subscriber.map_or(number, |(n, _)| n);
    let hash = mix(((session.index as u64 * 200 + subject.window as u64) * 32
        + reporter_number as u64)
        * 64
        + number as u64 * 2
        + subject.track as u64);
    let unit = |shift: u32| ((hash >> shift) & 0xFFFF) as f32 / 65_536.0;
    // One stat in 40 comes from a bad moment (score 1–2.5), the rest from a good call.
    let score = if hash.is_multiple_of(40) {
        1.0 + 1.5 * unit(8)
    } else {
        3.6 + 1.3 * unit(8)
    };
    let min_score = (score - 1.2 * unit(24)).max(1.0);
    let median_score = (score + 0.2 * unit(40) - 0.1).clamp(min_score, 5.0);
    let video = subject.track == 1;
    let seconds = (WINDOW_MS / 1000) as u32;
    let (packet_rate, bitrate) = if video {
        (180, 1_200_000u64)
    } else {
        (50, 32_000)
    };
    let packets = packet_rate * seconds;
    let bytes = bitrate / 8 * u64::from(seconds) * (900 + hash % 200) / 1000;
    let frames = if video { 30 * seconds } else { 0 };
    let start_ms = session.window_start_ms(subject.window);
    let end_ms = start_ms + WINDOW_MS;
    let layers: &[(i32, u32)] = match (video, direction) {
        (false, _) => &[],
        (true, StreamType::Upstream) => &[(0, 10), (1, 25), (2, 65)],
        (true, _) => &[(2, 100)],
    };
    let lost_share = if hash.is_multiple_of(40) { 20 } else { 200 };
    AnalyticsStat {
        id: format!(
            "AS_{}_{}_{}",
            publisher.tracks[subject.track],
            reporter.sid,
            end_ms / 1000
        ),
        kind: direction as i32,
        // Reported a moment after the window closes, each track at its own moment.
        time_stamp: Some(timestamp_of(instant(
            end_ms + 40 + (reporter_number * 2 + subject.track) as i64 * 7,
        ))),
        node: NODE.into(),
        room_id: session.room_sid.clone(),
        room_name: session.room_name.clone(),
        participant_id: reporter.sid.clone(),
        track_id: publisher.tracks[subject.track].clone(),
        score,
        min_score,
        median_score,
        mime: mime(video).into(),
        streams: vec![AnalyticsStream {
            ssrc: 10_000 + (number * 2 + subject.track) as u32,
            primary_packets: packets,
            primary_bytes: bytes,
            retransmit_packets: packets / 200,
            retransmit_bytes: bytes / 200,
            padding_packets: if video { packets / 100 } else { 0 },
            padding_bytes: if video { bytes / 500 } else { 0 },
            packets_lost: (hash >> 16) as u32 % (packets / lost_share).max(1),
            frames,
            rtt: 20 + (hash >> 32) as u32 % 130,
            jitter: 1 + (hash >> 40) as u32 % 30,
            nacks: (hash >> 48) as u32 % 20,
            plis: if video { (hash >> 52) as u32 % 3 } else { 0 },
            firs: 0,
            video_layers: layers
                .iter()
                .map(|&(layer, percent)| AnalyticsVideoLayer {
                    layer,
                    packets: packets / 100 * percent,
                    bytes: bytes / 100 * u64::from(percent),
                    frames: frames / 100 * percent,
                })
                .collect(),
            start_time: Some(timestamp_of(instant(start_ms))),
            end_time: Some(timestamp_of(instant(end_ms))),
            packets_out_of_order: (hash >> 56) as u32 % 3,
        }],
        ..Default::default()
    }
}

fn mime(video: bool) -> &'static str {
    if video {
        "video/VP8"
    } else {
        "audio/opus"
    }
}

/// When a connection's track `track` is published and unpublished.
fn published_ms(session: &SessionPlan, connection: &ConnectionPlan, track: usize) -> (i64, i64) {
    (
        connection.joined_ms(session) + 1_000 + track as i64 * 200,
        connection.left_ms(session) - 1_000,
    )
}

/// The session's events, in no particular order.
pub fn events(session: &SessionPlan) -> Vec<AnalyticsEvent> {
    let room = Room {
        sid: session.room_sid.clone(),
        name: session.room_name.clone(),
        ..Default::default()
    };
    let full_room = Room {
        empty_timeout: 300,
        departure_timeout: 20,
        creation_time: session.created_ms / 1000,
        creation_time_ms: session.created_ms,
        ..room.clone()
    };
    let base = |kind: T, ms: i64| AnalyticsEvent {
        r#type: kind as i32,
        timestamp: Some(timestamp_of(instant(ms))),
        node_id: NODE.into(),
        room_id: session.room_sid.clone(),
        room: Some(room.clone()),
        ..Default::default()
    };
    let mut events = vec![AnalyticsEvent {
        room: Some(full_room.clone()),
        ..base(T::RoomCreated, session.created_ms)
    }];
    let last = session.connections.len().saturating_sub(1);
    for (number, connection) in session.connections.iter().enumerate() {
        let aborted = session.aborted_last && number == last;
        connection_events(session, connection, aborted, &base, &mut events);
    }
    subscription_events(session, &base, &mut events);
    if session.egress {
        egress_events(session, &base, &mut events);
    }
    events.push(AnalyticsEvent {
        room: Some(full_room),
        room_end_reason: RoomEndReason::RoomEndIdleTimeout as i32,
        ..base(T::RoomEnded, session.ended_ms())
    });
    events
}

fn participant(
    session: &SessionPlan,
    connection: &ConnectionPlan,
    state: State,
) -> ParticipantInfo {
    let joined_ms = connection.joined_ms(session);
    ParticipantInfo {
        sid: connection.sid.clone(),
        identity: connection.identity.clone(),
        name: connection.identity.replace("user-", "User "),
        state: state as i32,
        joined_at: joined_ms / 1000,
        joined_at_ms: joined_ms,
        version: 1,
        region: "eu-central".into(),
        is_publisher: state == State::Active,
        ..Default::default()
    }
}

// `layers` is deprecated in favour of `codecs[].layers`, but LiveKit still fills it and the
// read API takes a track's simulcast layers from it.
#[allow(deprecated)]
fn track_info(connection: &ConnectionPlan, track: usize) -> TrackInfo {
    let video = track == 1;
    TrackInfo {
        sid: connection.tracks[track].clone(),
        r#type: if video {
            TrackType::Video
        } else {
            TrackType::Audio
        } as i32,
        name: if video { "camera" } else { "microphone" }.into(),
        width: if video { 1280 } else { 0 },
        height: if video { 720 } else { 0 },
        source: if video {
            TrackSource::Camera
        } else {
            TrackSource::Microphone
        } as i32,
        layers: if video {
            [
                (VideoQuality::Low, 320, 180),
                (VideoQuality::Medium, 640, 360),
                (VideoQuality::High, 1280, 720),
            ]
            .into_iter()
            .map(|(quality, width, height)| VideoLayer {
                quality: quality as i32,
                width,
                height,
                ..Default::default()
            })
            .collect()
        } else {
            Vec::new()
        },
        mime_type: mime(video).into(),
        ..Default::default()
    }
}

/// Joining, active, publishing both tracks, unpublishing them, leaving.
fn connection_events(
    session: &SessionPlan,
    connection: &ConnectionPlan,
    aborted: bool,
    base: &dyn Fn(T, i64) -> AnalyticsEvent,
    events: &mut Vec<AnalyticsEvent>,
) {
    let device = &CLIENTS[connection.client % CLIENTS.len()];
    let joined_ms = connection.joined_ms(session);
    let of_connection = |kind: T, ms: i64, state: State| AnalyticsEvent {
        participant_id: connection.sid.clone(),
        participant: Some(participant(session, connection, state)),
        ..base(kind, ms)
    };
    let meta = AnalyticsClientMeta {
        region: "eu-central".into(),
        node: NODE.into(),
        client_connect_time: 150 + (mix(joined_ms as u64) % 200) as u32,
        connection_type: if connection.person % 4 == 3 {
            "tcp"
        } else {
            "udp"
        }
        .into(),
        ..Default::default()
    };
    events.push(AnalyticsEvent {
        client_info: Some(ClientInfo {
            sdk: device.sdk as i32,
            version: device.version.into(),
            os: device.os.into(),
            os_version: device.os_version.into(),
            browser: device.browser.into(),
            browser_version: device.browser_version.into(),
            device_model: device.device_model.into(),
            address: "198.51.100.7".into(),
            ..Default::default()
        }),
        client_meta: Some(meta.clone()),
        ..of_connection(T::ParticipantJoined, joined_ms, State::Joining)
    });
    events.push(AnalyticsEvent {
        client_meta: Some(meta),
        ..of_connection(T::ParticipantActive, joined_ms + 500, State::Active)
    });
    for track in 0..connection.tracks.len() {
        let (from, to) = published_ms(session, connection, track);
        let of_track = |kind: T, ms: i64| AnalyticsEvent {
            participant_id: connection.sid.clone(),
            participant: Some(ParticipantInfo {
                sid: connection.sid.clone(),
                ..Default::default()
            }),
            track_id: connection.tracks[track].clone(),
            track: Some(track_info(connection, track)),
            ..base(kind, ms)
        };
        events.push(of_track(T::TrackPublished, from));
        events.push(of_track(T::TrackUnpublished, to));
    }
    let left_ms = connection.left_ms(session);
    let mut left = participant(session, connection, State::Disconnected);
    left.disconnect_reason = if aborted {
        DisconnectReason::ConnectionTimeout
    } else if connection.end_window < session.windows {
        DisconnectReason::SignalClose
    } else {
        DisconnectReason::ClientInitiated
    } as i32;
    events.push(AnalyticsEvent {
        participant: Some(left),
        ..of_connection(
            if aborted {
                T::ParticipantConnectionAborted
            } else {
                T::ParticipantLeft
            },
            left_ms,
            State::Disconnected,
        )
    });
}

/// Each connection subscribing to every track of the other people while both are there.
fn subscription_events(
    session: &SessionPlan,
    base: &dyn Fn(T, i64) -> AnalyticsEvent,
    events: &mut Vec<AnalyticsEvent>,
) {
    for publisher in &session.connections {
        for subscriber in &session.connections {
            if subscriber.person == publisher.person {
                continue;
            }
            for track in 0..publisher.tracks.len() {
                let (published, unpublished) = published_ms(session, publisher, track);
                let from = published.max(subscriber.joined_ms(session) + 500) + 300;
                let to = unpublished.min(subscriber.left_ms(session)) - 100;
                if to <= from {
                    continue;
                }
                let of_subscription = |kind: T, ms: i64| AnalyticsEvent {
                    participant_id: subscriber.sid.clone(),
                    participant: Some(ParticipantInfo {
                        sid: subscriber.sid.clone(),
                        ..Default::default()
                    }),
                    track_id: publisher.tracks[track].clone(),
                    track: Some(track_info(publisher, track)),
                    publisher: Some(ParticipantInfo {
                        sid: publisher.sid.clone(),
                        ..Default::default()
                    }),
                    ..base(kind, ms)
                };
                events.push(of_subscription(T::TrackSubscribed, from));
                events.push(of_subscription(T::TrackUnsubscribed, to));
            }
        }
    }
}

/// A room-composite recording from the second window to the last.
fn egress_events(
    session: &SessionPlan,
    base: &dyn Fn(T, i64) -> AnalyticsEvent,
    events: &mut Vec<AnalyticsEvent>,
) {
    let egress_id = format!("EG_RB{:05}", session.index);
    let started_ms = session.window_start_ms(1);
    let ended_ms = session.window_start_ms(session.windows.saturating_sub(1));
    let info = |status: EgressStatus, ended: i64| EgressInfo {
        egress_id: egress_id.clone(),
        room_id: session.room_sid.clone(),
        room_name: session.room_name.clone(),
        status: status as i32,
        started_at: started_ms * 1_000_000,
        ended_at: ended * 1_000_000,
        ..Default::default()
    };
    for (kind, ms, status, ended) in [
        (T::EgressStarted, started_ms, EgressStatus::EgressActive, 0),
        (
            T::EgressEnded,
            ended_ms,
            EgressStatus::EgressComplete,
            ended_ms,
        ),
    ] {
        events.push(AnalyticsEvent {
            egress_id: egress_id.clone(),
            egress: Some(info(status, ended)),
            room: None,
            ..base(kind, ms)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::dataset::Shape;
    use analytics_core::RecordKind;

    #[test]
    fn a_session_becomes_unique_time_ordered_records_with_its_counted_stats() {
        let session = Shape::of_scale(1.0).unwrap().session(4);
        let records = records(&session, SystemTime::now()).unwrap();
        let stats = records
            .iter()
            .filter(|r| r.kind == RecordKind::Stat)
            .count();
        assert_eq!(stats, stat_count(&session));
        assert_eq!(records.len() - stats, events(&session).len());
        assert!(records
            .windows(2)
            .all(|pair| pair[0].timestamp_ms <= pair[1].timestamp_ms));
        let mut ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), records.len());
        assert_eq!(records[0].type_name, "ROOM_CREATED");
        assert_eq!(records.last().unwrap().type_name, "ROOM_ENDED");
    }

    #[test]
    fn a_stat_carries_a_stream_with_its_window_and_a_score_from_1_to_5() {
        let session = Shape::of_scale(1.0).unwrap().session(0);
        let records = records(&session, SystemTime::now()).unwrap();
        let stat = records
            .iter()
            .find(|r| r.kind == RecordKind::Stat && r.mime == "video/VP8")
            .unwrap();
        assert!((1.0..=5.0).contains(&stat.score));
        let document = stat.document();
        let stream = &document["streams"][0];
        for field in [
            "primary_bytes",
            "primary_packets",
            "frames",
            "jitter",
            "rtt",
            "start_time",
            "end_time",
        ] {
            assert!(!stream[field].is_null(), "{field} missing in {stream}");
        }
    }

    #[test]
    fn scale_one_has_about_five_million_stats() {
        let shape = Shape::of_scale(1.0).unwrap();
        let stats: usize = shape.sessions().map(|s| stat_count(&s)).sum();
        assert!((4_800_000..5_200_000).contains(&stats), "{stats}");
    }
}
