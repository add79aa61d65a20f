//! The sessions the dashboard's browser test looks at, as LiveKit would send them, placed in
//! the last three hours: a room named `<img src=x onerror=alert(1)>` (with a participant of
//! a hostile identity), a town hall of 100 participants with a reconnect, an egress and
//! tracks with stats every minute, and a stand-up still open with one participant in it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::record::timestamp_of;
use livekit_protocol::{
    client_info::Sdk, AnalyticsClientMeta, AnalyticsEvent, AnalyticsEventType as T, AnalyticsStat,
    AnalyticsStream, ClientInfo, ParticipantInfo, Room, StreamType, TrackInfo, TrackSource,
    TrackType, VideoLayer, VideoQuality,
};
use serde_json::{json, Value};

pub const HOSTILE_ROOM: &str = "<img src=x onerror=alert(1)>";
pub const HOSTILE_IDENTITY: &str = "\"><img src=y onerror=alert(2)>";
pub const BIG_ROOM: &str = "town-hall";
pub const OPEN_ROOM: &str = "standup";
pub const BIG_ROOM_PARTICIPANTS: usize = 100;
/// The town-hall participant who reconnects once.
pub const RECONNECTING: &str = "user-007";
/// The town-hall participant who publishes a microphone and a camera with stats.
pub const PUBLISHER: &str = "user-000";
/// Stats per published track and direction (one a minute, far apart from each other than
/// any bucket of a 120-point series of the 50-minute session).
pub const STATS_PER_TRACK: usize = 40;

const MINUTE_MS: i64 = 60_000;

/// What the browser test expects to see (passed to it as JSON).
pub fn expected() -> Value {
    json!({
        "sessions": 3,
        "unique_participants": 2 + BIG_ROOM_PARTICIPANTS + 2,
        "connections": 2 + BIG_ROOM_PARTICIPANTS + 1 + 2,
        "active_rooms": 1,
        "active_participants": 1,
        "hostile_room": HOSTILE_ROOM,
        "hostile_identity": HOSTILE_IDENTITY,
        "big_room": BIG_ROOM,
        "big_room_participants": BIG_ROOM_PARTICIPANTS,
        "open_room": OPEN_ROOM,
        "reconnecting": RECONNECTING,
        "publisher": PUBLISHER,
        "publisher_tracks": 2,
        "series_points": STATS_PER_TRACK,
    })
}

/// The dataset, built around `now_ms`.
pub struct Dataset {
    pub events: Vec<AnalyticsEvent>,
    pub stats: Vec<AnalyticsStat>,
}

fn time(ms: i64) -> pbjson_types::Timestamp {
    timestamp_of(UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

/// A participant's client: an SDK, OS and browser that vary with `n`.
fn client(n: usize) -> (ClientInfo, AnalyticsClientMeta) {
    let go = n.is_multiple_of(4);
    let sdk = if go { Sdk::Go } else { Sdk::Js };
    let info = ClientInfo {
        sdk: sdk as i32,
        version: if go { "2.9.0" } else { "2.13.1" }.into(),
        os: ["linux", "macOS", "windows"][n % 3].into(),
        os_version: "14".into(),
        browser: ["Chrome", "Firefox", "Safari"][n % 3].into(),
        browser_version: "140".into(),
        ..Default::default()
    };
    let meta = AnalyticsClientMeta {
        region: ["eu-west", "us-east"][n % 2].into(),
        connection_type: ["udp", "tcp", "turn"][n % 3].into(),
        ..Default::default()
    };
    (info, meta)
}

struct RoomBuilder {
    sid: &'static str,
    name: &'static str,
    events: Vec<AnalyticsEvent>,
}

impl RoomBuilder {
    fn new(sid: &'static str, name: &'static str) -> RoomBuilder {
        RoomBuilder {
            sid,
            name,
            events: Vec::new(),
        }
    }

    fn event(&self, kind: T, ms: i64) -> AnalyticsEvent {
        AnalyticsEvent {
            id: format!("EV_dash_{}_{}_{ms}", self.sid, kind as i32),
            r#type: kind as i32,
            timestamp: Some(time(ms)),
            room_id: self.sid.into(),
            room: Some(Room {
                sid: self.sid.into(),
                name: self.name.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn room(&mut self, kind: T, ms: i64) {
        let event = self.event(kind, ms);
        self.events.push(event);
    }

    fn participant(&mut self, kind: T, (sid, identity): (&str, &str), n: usize, ms: i64) {
        let (client_info, client_meta) = client(n);
        let base = self.event(kind, ms);
        self.events.push(AnalyticsEvent {
            id: format!("EV_dash_{sid}_{}_{ms}", kind as i32),
            participant_id: sid.into(),
            participant: Some(ParticipantInfo {
                sid: sid.into(),
                identity: identity.into(),
                name: format!("Name of {identity}"),
                ..Default::default()
            }),
            client_info: Some(client_info),
            client_meta: Some(client_meta),
            ..base
        });
    }

    /// A connection from `joined` to `left` (None: still connected).
    fn connection(&mut self, participant: (&str, &str), n: usize, joined: i64, left: Option<i64>) {
        self.participant(T::ParticipantActive, participant, n, joined);
        if let Some(left) = left {
            self.participant(T::ParticipantLeft, participant, n, left);
        }
    }

    fn track(&mut self, participant_sid: &str, track: &TrackInfo, from: i64, to: i64) {
        for (kind, ms) in [(T::TrackPublished, from), (T::TrackUnpublished, to)] {
            let base = self.event(kind, ms);
            self.events.push(AnalyticsEvent {
                id: format!("EV_dash_{}_{}_{ms}", track.sid, kind as i32),
                participant_id: participant_sid.into(),
                track_id: track.sid.clone(),
                track: Some(track.clone()),
                room: None,
                ..base
            });
        }
    }

    fn egress(&mut self, egress_id: &str, from: i64, to: i64) {
        for (kind, ms) in [(T::EgressStarted, from), (T::EgressEnded, to)] {
            let base = self.event(kind, ms);
            self.events.push(AnalyticsEvent {
                id: format!("EV_dash_{egress_id}_{}", kind as i32),
                egress_id: egress_id.into(),
                room: None,
                ..base
            });
        }
    }
}

fn microphone() -> TrackInfo {
    TrackInfo {
        sid: "TR_dash_mic".into(),
        r#type: TrackType::Audio as i32,
        name: "microphone".into(),
        source: TrackSource::Microphone as i32,
        mime_type: "audio/opus".into(),
        ..Default::default()
    }
}

/// A simulcast camera. `layers` is deprecated in the protocol (codecs carry them now) but
/// LiveKit still fills it, and the read side names the layers from it.
#[allow(deprecated)]
fn camera() -> TrackInfo {
    let layer = |quality: VideoQuality, width, height| VideoLayer {
        quality: quality as i32,
        width,
        height,
        ..Default::default()
    };
    TrackInfo {
        sid: "TR_dash_cam".into(),
        r#type: TrackType::Video as i32,
        name: "camera".into(),
        source: TrackSource::Camera as i32,
        mime_type: "video/VP8".into(),
        width: 1280,
        height: 720,
        layers: vec![
            layer(VideoQuality::High, 1280, 720),
            layer(VideoQuality::Medium, 640, 360),
            layer(VideoQuality::Low, 320, 180),
        ],
        ..Default::default()
    }
}

/// One 60 s stat of `track` sent (UPSTREAM) or received (DOWNSTREAM) by `participant_sid`.
fn stat(
    direction: StreamType,
    participant_sid: &str,
    track: &TrackInfo,
    k: usize,
    end_ms: i64,
) -> AnalyticsStat {
    let video = track.r#type == TrackType::Video as i32;
    let (packets, bytes) = if video {
        (10_800, 9_000_000)
    } else {
        (3_000, 240_000)
    };
    let wave = (k % 7) as u32;
    AnalyticsStat {
        id: format!("AS_dash_{}_{participant_sid}_{end_ms}", track.sid),
        kind: direction as i32,
        time_stamp: Some(time(end_ms)),
        room_id: "RM_dash_townhall".into(),
        room_name: BIG_ROOM.into(),
        participant_id: participant_sid.into(),
        track_id: track.sid.clone(),
        score: 4.6 - 0.15 * wave as f32,
        min_score: 3.8 - 0.1 * wave as f32,
        median_score: 4.5 - 0.1 * wave as f32,
        mime: track.mime_type.clone(),
        streams: vec![AnalyticsStream {
            ssrc: if video { 2000 } else { 1000 },
            primary_packets: packets,
            primary_bytes: bytes + u64::from(wave) * 50_000,
            packets_lost: wave * 20,
            rtt: 40 + wave * 12,
            jitter: 3 + wave * 2,
            frames: if video { 1800 } else { 0 },
            start_time: Some(time(end_ms - MINUTE_MS)),
            end_time: Some(time(end_ms)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The dataset: every event and stat of the three sessions.
pub fn dataset(now: SystemTime) -> Dataset {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let base = now_ms - 180 * MINUTE_MS;
    let at = |minutes: i64| base + minutes * MINUTE_MS;

    let mut hostile = RoomBuilder::new("RM_dash_hostile", HOSTILE_ROOM);
    hostile.room(T::RoomCreated, at(0));
    hostile.connection(("PA_dash_h1", "mallory"), 1, at(1), Some(at(19)));
    hostile.connection(("PA_dash_h2", HOSTILE_IDENTITY), 2, at(2), Some(at(18)));
    hostile.room(T::RoomEnded, at(20));

    let mut town = RoomBuilder::new("RM_dash_townhall", BIG_ROOM);
    town.room(T::RoomCreated, at(30));
    for n in 0..BIG_ROOM_PARTICIPANTS {
        let identity = format!("user-{n:03}");
        let sid = format!("PA_dash_t{n:03}");
        let joined = at(31) + n as i64 * 5_000;
        if identity == RECONNECTING {
            town.connection((&sid, &identity), n, joined, Some(at(50)));
            let again = format!("{sid}b");
            town.connection((&again, &identity), n, at(51), Some(at(79)));
        } else {
            town.connection((&sid, &identity), n, joined, Some(at(79)));
        }
    }
    let (mic, cam) = (microphone(), camera());
    town.track("PA_dash_t000", &mic, at(32), at(78));
    town.track("PA_dash_t000", &cam, at(32), at(78));
    town.egress("EG_dash_townhall", at(32), at(78));
    town.room(T::RoomEnded, at(80));
    let mut stats = Vec::new();
    for k in 0..STATS_PER_TRACK {
        let end = at(34) + k as i64 * MINUTE_MS;
        for track in [&mic, &cam] {
            stats.push(stat(StreamType::Upstream, "PA_dash_t000", track, k, end));
        }
        if k < 10 {
            stats.push(stat(StreamType::Downstream, "PA_dash_t001", &cam, k, end));
        }
    }

    let mut open = RoomBuilder::new("RM_dash_standup", OPEN_ROOM);
    open.room(T::RoomCreated, now_ms - 10 * MINUTE_MS);
    open.connection(("PA_dash_s1", "alice"), 3, now_ms - 9 * MINUTE_MS, None);
    open.connection(
        ("PA_dash_s2", "bob"),
        4,
        now_ms - 8 * MINUTE_MS,
        Some(now_ms - 2 * MINUTE_MS),
    );

    Dataset {
        events: [hostile.events, town.events, open.events].concat(),
        stats,
    }
}
