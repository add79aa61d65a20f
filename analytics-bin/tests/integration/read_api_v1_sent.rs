//! What the `/v1/` tests send and what it adds up to, computed from the messages alone: a
//! simulated session (`livekit-analytics simulate`'s generator, three rooms that end) plus
//! one room still open with a reconnect, summed per room and per identity (connections,
//! bytes, packets, scores) for the answers to be checked against.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use analytics_bin::simulate::scenario::{ScenarioSettings, Session};
use analytics_core::record::timestamp_of;
use livekit_protocol::{
    AnalyticsEvent, AnalyticsEventType as T, AnalyticsStat, AnalyticsStream, ClientInfo,
    ParticipantInfo, Room, StreamType, TrackInfo,
};

/// The room still open: its sid and name.
pub const OPEN_ROOM: (&str, &str) = ("RM_V1_OPEN", "open-room");

/// Unix milliseconds of a protobuf timestamp.
fn millis(timestamp: Option<&pbjson_types::Timestamp>) -> i64 {
    timestamp.map_or(0, |t| t.seconds * 1000 + i64::from(t.nanos) / 1_000_000)
}

/// The sums over a set of stats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub bytes_in: i64,
    pub bytes_out: i64,
    pub packets: i64,
    pub packets_lost: i64,
    /// The scores above 0.
    pub scores: Vec<f64>,
    /// The lowest `min_score` (or `score` when none) of the scored stats.
    pub min_score: Option<f64>,
}

impl Sums {
    fn add(&mut self, stat: &AnalyticsStat) {
        let bytes: i64 = stat.streams.iter().map(|s| s.primary_bytes as i64).sum();
        if stat.kind == StreamType::Upstream as i32 {
            self.bytes_in += bytes;
        } else {
            self.bytes_out += bytes;
        }
        self.packets += stat
            .streams
            .iter()
            .map(|s| i64::from(s.primary_packets))
            .sum::<i64>();
        self.packets_lost += stat
            .streams
            .iter()
            .map(|s| i64::from(s.packets_lost))
            .sum::<i64>();
        if stat.score > 0.0 {
            self.scores.push(f64::from(stat.score));
            let low = f64::from(if stat.min_score > 0.0 {
                stat.min_score
            } else {
                stat.score
            });
            self.min_score = Some(self.min_score.map_or(low, |m| m.min(low)));
        }
    }

    pub fn avg_score(&self) -> Option<f64> {
        (!self.scores.is_empty())
            .then(|| self.scores.iter().sum::<f64>() / self.scores.len() as f64)
    }
}

/// One room as sent.
#[derive(Debug, Clone, Default)]
pub struct SentRoom {
    pub sid: String,
    pub name: String,
    pub created_ms: i64,
    pub ended_ms: Option<i64>,
    /// Identity → its participant sids (connections).
    pub identities: BTreeMap<String, BTreeSet<String>>,
    /// Track sids published.
    pub tracks: BTreeSet<String>,
    pub egresses: BTreeSet<String>,
    pub ingresses: BTreeSet<String>,
    pub events: usize,
    pub traffic: Sums,
    /// Participant sid → its stats' sums.
    pub per_sid: BTreeMap<String, Sums>,
    /// Track sid → the times of its stats.
    pub track_stat_times: BTreeMap<String, Vec<i64>>,
    /// Participant sid → the times of its stats.
    pub sid_stat_times: BTreeMap<String, Vec<i64>>,
}

impl SentRoom {
    pub fn connections(&self) -> usize {
        self.identities.values().map(BTreeSet::len).sum()
    }

    /// The sums of the stats of every connection of `identity`.
    pub fn identity_sums(&self, identity: &str) -> Sums {
        let mut sums = Sums::default();
        for sid in self.identities.get(identity).into_iter().flatten() {
            if let Some(of_sid) = self.per_sid.get(sid) {
                sums.bytes_in += of_sid.bytes_in;
                sums.bytes_out += of_sid.bytes_out;
                sums.packets += of_sid.packets;
                sums.packets_lost += of_sid.packets_lost;
                sums.scores.extend(&of_sid.scores);
                sums.min_score = match (sums.min_score, of_sid.min_score) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        sums
    }

    /// The stat times of every connection of `identity`.
    pub fn identity_stat_times(&self, identity: &str) -> Vec<i64> {
        self.identities
            .get(identity)
            .into_iter()
            .flatten()
            .flat_map(|sid| self.sid_stat_times.get(sid).cloned().unwrap_or_default())
            .collect()
    }
}

/// Everything sent, and its rooms by sid.
pub struct Sent {
    pub events: Vec<AnalyticsEvent>,
    pub stats: Vec<AnalyticsStat>,
    pub rooms: BTreeMap<String, SentRoom>,
}

impl Sent {
    /// The simulated session starting 3 hours ago and the open room, summed up.
    pub fn generate() -> Sent {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        let start = UNIX_EPOCH + Duration::from_secs(now - 3 * 3600);
        let session = Session::generate(&ScenarioSettings {
            rooms: 3,
            participants: 3,
            duration: Duration::from_secs(180),
            start,
            node_id: "ND_v1".into(),
            seed: 14,
        });
        let open_at = (now as i64 - 3600) * 1000;
        let mut events: Vec<AnalyticsEvent> = session.events().cloned().collect();
        events.extend(open_room_events(open_at));
        let mut stats: Vec<AnalyticsStat> = session.stats().cloned().collect();
        stats.extend(open_room_stats(open_at));
        let rooms = sum_up(&events, &stats);
        Sent {
            events,
            stats,
            rooms,
        }
    }

    /// Room sids, newest first.
    pub fn newest_first(&self) -> Vec<String> {
        let mut rooms: Vec<&SentRoom> = self.rooms.values().collect();
        rooms.sort_by(|a, b| (b.created_ms, &b.sid).cmp(&(a.created_ms, &a.sid)));
        rooms.iter().map(|room| room.sid.clone()).collect()
    }

    pub fn total(&self, of: impl Fn(&SentRoom) -> i64) -> i64 {
        self.rooms.values().map(of).sum()
    }
}

fn sum_up(events: &[AnalyticsEvent], stats: &[AnalyticsStat]) -> BTreeMap<String, SentRoom> {
    let mut rooms: BTreeMap<String, SentRoom> = BTreeMap::new();
    for event in events {
        let sid = [
            Some(event.room_id.clone()),
            event.room.as_ref().map(|room| room.sid.clone()),
            event
                .ingress
                .as_ref()
                .and_then(|ingress| ingress.state.as_ref())
                .map(|state| state.room_id.clone()),
        ]
        .into_iter()
        .flatten()
        .find(|sid| !sid.is_empty())
        .unwrap_or_default();
        let room = rooms.entry(sid.clone()).or_default();
        room.sid = sid;
        room.events += 1;
        let at = millis(event.timestamp.as_ref());
        match T::try_from(event.r#type) {
            Ok(T::RoomCreated) => {
                room.name = event
                    .room
                    .as_ref()
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                room.created_ms = if room.created_ms == 0 {
                    at
                } else {
                    room.created_ms.min(at)
                };
            }
            Ok(T::RoomEnded) => room.ended_ms = Some(at),
            Ok(T::ParticipantJoined | T::ParticipantActive) => {
                let identity = event.participant.as_ref().map(|p| p.identity.clone());
                room.identities
                    .entry(identity.unwrap_or_default())
                    .or_default()
                    .insert(event.participant_id.clone());
            }
            Ok(T::TrackPublished) => {
                room.tracks.insert(event.track_id.clone());
            }
            Ok(T::EgressStarted) => {
                room.egresses.insert(event.egress_id.clone());
            }
            Ok(T::IngressStarted) => {
                room.ingresses.insert(event.ingress_id.clone());
            }
            _ => {}
        }
    }
    for stat in stats {
        let Some(room) = rooms.get_mut(&stat.room_id) else {
            continue;
        };
        let at = millis(stat.time_stamp.as_ref());
        room.traffic.add(stat);
        room.per_sid
            .entry(stat.participant_id.clone())
            .or_default()
            .add(stat);
        room.track_stat_times
            .entry(stat.track_id.clone())
            .or_default()
            .push(at);
        room.sid_stat_times
            .entry(stat.participant_id.clone())
            .or_default()
            .push(at);
    }
    rooms.retain(|_, room| room.created_ms > 0);
    rooms
}

fn time(ms: i64) -> Option<pbjson_types::Timestamp> {
    Some(timestamp_of(UNIX_EPOCH + Duration::from_millis(ms as u64)))
}

fn room_event(kind: T, ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: kind as i32,
        timestamp: time(ms),
        room_id: OPEN_ROOM.0.into(),
        room: Some(Room {
            sid: OPEN_ROOM.0.into(),
            name: OPEN_ROOM.1.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn participant_event(kind: T, sid: &str, identity: &str, ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        participant_id: sid.into(),
        participant: Some(ParticipantInfo {
            sid: sid.into(),
            identity: identity.into(),
            name: identity.to_uppercase(),
            ..Default::default()
        }),
        client_info: Some(ClientInfo {
            sdk: 1,
            version: "2.6.0".into(),
            os: "linux".into(),
            browser: "firefox".into(),
            ..Default::default()
        }),
        ..room_event(kind, ms)
    }
}

fn track_event(kind: T, sid: &str, identity: &str, track: &str, ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        track_id: track.into(),
        track: Some(TrackInfo {
            sid: track.into(),
            r#type: 0,
            mime_type: "audio/opus".into(),
            ..Default::default()
        }),
        ..participant_event(kind, sid, identity, ms)
    }
}

/// The open room: `ann` connects, leaves and reconnects (still connected), `bo@example`
/// (an identity to percent-encode) stays; `ann` publishes a microphone each time.
fn open_room_events(at: i64) -> Vec<AnalyticsEvent> {
    vec![
        room_event(T::RoomCreated, at),
        participant_event(T::ParticipantActive, "PA_V1_ann1", "ann", at + 1_000),
        track_event(
            T::TrackPublished,
            "PA_V1_ann1",
            "ann",
            "TR_V1_mic1",
            at + 2_000,
        ),
        participant_event(T::ParticipantActive, "PA_V1_bo", "bo@example", at + 3_000),
        track_event(
            T::TrackUnpublished,
            "PA_V1_ann1",
            "ann",
            "TR_V1_mic1",
            at + 60_000,
        ),
        participant_event(T::ParticipantLeft, "PA_V1_ann1", "ann", at + 61_000),
        participant_event(T::ParticipantActive, "PA_V1_ann2", "ann", at + 65_000),
        track_event(
            T::TrackPublished,
            "PA_V1_ann2",
            "ann",
            "TR_V1_mic2",
            at + 66_000,
        ),
    ]
}

fn stat(
    kind: StreamType,
    sid: &str,
    track: &str,
    stream: (u64, u32, u32),
    score: (f32, f32),
    at: i64,
) -> AnalyticsStat {
    let (primary_bytes, primary_packets, packets_lost) = stream;
    AnalyticsStat {
        kind: kind as i32,
        time_stamp: time(at),
        room_id: OPEN_ROOM.0.into(),
        room_name: OPEN_ROOM.1.into(),
        participant_id: sid.into(),
        track_id: track.into(),
        score: score.0,
        min_score: score.1,
        streams: vec![AnalyticsStream {
            primary_bytes,
            primary_packets,
            packets_lost,
            start_time: time(at - 30_000),
            end_time: time(at),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Known bytes, packets and scores for the open room.
fn open_room_stats(at: i64) -> Vec<AnalyticsStat> {
    use StreamType::{Downstream, Upstream};
    vec![
        stat(
            Upstream,
            "PA_V1_ann1",
            "TR_V1_mic1",
            (1_000, 100, 5),
            (4.0, 3.0),
            at + 32_000,
        ),
        stat(
            Upstream,
            "PA_V1_ann1",
            "TR_V1_mic1",
            (1_500, 150, 0),
            (4.5, 4.0),
            at + 60_000,
        ),
        stat(
            Upstream,
            "PA_V1_ann2",
            "TR_V1_mic2",
            (2_000, 200, 0),
            (3.0, 2.5),
            at + 96_000,
        ),
        stat(
            Downstream,
            "PA_V1_bo",
            "TR_V1_mic1",
            (900, 90, 10),
            (5.0, 0.0),
            at + 32_000,
        ),
    ]
}
