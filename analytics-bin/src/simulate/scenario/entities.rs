//! The LiveKit objects a simulated session is made of (rooms, participants, tracks, egress,
//! ingress), in the full and the minimal forms LiveKit attaches to its analytics events.

use livekit_protocol::{
    egress_info, ingress_state, participant_info, ClientInfo, EgressInfo, EgressStatus,
    IngressInfo, IngressInput, IngressState, ParticipantInfo, ParticipantPermission, Room,
    RoomCompositeEgressRequest, TrackInfo, TrackSource, TrackType,
};

/// A simulated room.
#[derive(Debug, Clone)]
pub struct SimRoom {
    pub sid: String,
    pub name: String,
    /// Unix seconds.
    pub creation_time: i64,
}

impl SimRoom {
    /// The room as ROOM_CREATED / ROOM_ENDED carry it.
    pub fn full(&self, num_participants: u32) -> Room {
        Room {
            sid: self.sid.clone(),
            name: self.name.clone(),
            empty_timeout: 300,
            departure_timeout: 20,
            creation_time: self.creation_time,
            creation_time_ms: self.creation_time * 1000,
            num_participants,
            ..Default::default()
        }
    }

    /// The room as participant and track events carry it: sid and name.
    pub fn minimal(&self) -> Room {
        Room {
            sid: self.sid.clone(),
            name: self.name.clone(),
            ..Default::default()
        }
    }
}

/// A simulated participant.
#[derive(Debug, Clone)]
pub struct SimParticipant {
    pub sid: String,
    pub identity: String,
    /// Unix seconds.
    pub joined_at: i64,
}

impl SimParticipant {
    /// The participant as join, active and leave events carry it.
    pub fn full(&self, state: participant_info::State) -> ParticipantInfo {
        ParticipantInfo {
            sid: self.sid.clone(),
            identity: self.identity.clone(),
            name: self.identity.replace('-', " "),
            state: state as i32,
            joined_at: self.joined_at,
            joined_at_ms: self.joined_at * 1000,
            version: 1,
            permission: Some(ParticipantPermission {
                can_subscribe: true,
                can_publish: true,
                can_publish_data: true,
                ..Default::default()
            }),
            region: "simulated".into(),
            is_publisher: state == participant_info::State::Active,
            ..Default::default()
        }
    }

    /// The participant as track events carry it: its sid.
    pub fn minimal(&self) -> ParticipantInfo {
        ParticipantInfo {
            sid: self.sid.clone(),
            ..Default::default()
        }
    }

    /// The browser the participant joins from.
    pub fn client_info(&self) -> ClientInfo {
        ClientInfo {
            sdk: livekit_protocol::client_info::Sdk::Js as i32,
            version: "2.5.0".into(),
            os: "Linux".into(),
            browser: "Chrome".into(),
            browser_version: "126.0".into(),
            address: "192.0.2.10".into(),
            ..Default::default()
        }
    }
}

/// What a published track carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Microphone,
    Camera,
    ScreenShare,
}

impl TrackKind {
    pub fn is_video(self) -> bool {
        self != TrackKind::Microphone
    }

    pub fn mime(self) -> &'static str {
        match self {
            TrackKind::Microphone => "audio/opus",
            TrackKind::Camera | TrackKind::ScreenShare => "video/VP8",
        }
    }
}

/// A simulated published track.
#[derive(Debug, Clone)]
pub struct SimTrack {
    pub sid: String,
    pub kind: TrackKind,
}

impl SimTrack {
    pub fn info(&self, muted: bool) -> TrackInfo {
        let (kind, source, name, width, height) = match self.kind {
            TrackKind::Microphone => (
                TrackType::Audio,
                TrackSource::Microphone,
                "microphone",
                0,
                0,
            ),
            TrackKind::Camera => (TrackType::Video, TrackSource::Camera, "camera", 1280, 720),
            TrackKind::ScreenShare => (
                TrackType::Video,
                TrackSource::ScreenShare,
                "screen",
                1920,
                1080,
            ),
        };
        TrackInfo {
            sid: self.sid.clone(),
            r#type: kind as i32,
            name: name.into(),
            muted,
            width,
            height,
            source: source as i32,
            mime_type: self.kind.mime().into(),
            stream: name.into(),
            ..Default::default()
        }
    }
}

/// The egress of a room-composite recording in `status`; times in unix nanoseconds.
pub fn egress_info(
    egress_id: &str,
    room: &SimRoom,
    status: EgressStatus,
    started_at: i64,
    updated_at: i64,
) -> EgressInfo {
    EgressInfo {
        egress_id: egress_id.into(),
        room_id: room.sid.clone(),
        room_name: room.name.clone(),
        status: status as i32,
        started_at,
        updated_at,
        ended_at: if status == EgressStatus::EgressComplete {
            updated_at
        } else {
            0
        },
        request: Some(egress_info::Request::RoomComposite(
            RoomCompositeEgressRequest {
                room_name: room.name.clone(),
                layout: "grid".into(),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// An RTMP ingress into `room` in `status`; times in unix nanoseconds.
pub fn ingress_info(
    ingress_id: &str,
    resource_id: &str,
    room: &SimRoom,
    status: ingress_state::Status,
    started_at: i64,
    ended_at: i64,
) -> IngressInfo {
    IngressInfo {
        ingress_id: ingress_id.into(),
        name: "simulated-stream".into(),
        stream_key: "sim-stream-key".into(),
        url: "rtmp://ingress.example.invalid/x".into(),
        input_type: IngressInput::RtmpInput as i32,
        room_name: room.name.clone(),
        participant_identity: "rtmp-streamer".into(),
        state: Some(IngressState {
            status: status as i32,
            room_id: room.sid.clone(),
            resource_id: resource_id.into(),
            started_at,
            ended_at,
            ..Default::default()
        }),
        ..Default::default()
    }
}
