//! One session in full (`GET /v1/sessions/{session_id}`) and one participant of it
//! (`.../participants/{identity}`): participants grouped by identity with their
//! connections, tracks, egresses, ingresses, events, quality and traffic summaries.

use analytics_core::query::{
    ConnectionView, MediaJobView, ParticipantDetail, ParticipantView, QualitySummary, SessionView,
    TimelineEvent, TrackView, TrafficSummary,
};
use serde::Serialize;

use super::{rfc3339, SummaryJson};

/// `GET /v1/sessions/{session_id}`.
#[derive(Debug, Serialize)]
pub struct SessionReply {
    session: SummaryJson,
    quality: QualityJson,
    participants: Vec<ParticipantJson>,
    tracks: Vec<TrackJson>,
    egresses: Vec<JobJson>,
    ingresses: Vec<JobJson>,
    events: Vec<EventJson>,
}

impl From<&SessionView> for SessionReply {
    fn from(view: &SessionView) -> SessionReply {
        SessionReply {
            session: SummaryJson::from(&view.summary),
            quality: QualityJson::from(&view.quality),
            participants: view
                .participants
                .iter()
                .map(ParticipantJson::from)
                .collect(),
            tracks: view.tracks.iter().map(TrackJson::from).collect(),
            egresses: view.egresses.iter().map(JobJson::from).collect(),
            ingresses: view.ingresses.iter().map(JobJson::from).collect(),
            events: view.events.iter().map(EventJson::from).collect(),
        }
    }
}

/// `GET /v1/sessions/{session_id}/participants/{identity}`.
#[derive(Debug, Serialize)]
pub struct ParticipantReply {
    session: SummaryJson,
    participant: ParticipantJson,
    tracks: Vec<TrackJson>,
    events: Vec<EventJson>,
}

impl From<&ParticipantDetail> for ParticipantReply {
    fn from(detail: &ParticipantDetail) -> ParticipantReply {
        ParticipantReply {
            session: SummaryJson::from(&detail.session),
            participant: ParticipantJson::from(&detail.participant),
            tracks: detail.tracks.iter().map(TrackJson::from).collect(),
            events: detail.events.iter().map(EventJson::from).collect(),
        }
    }
}

/// LiveKit's score over the stats that carry one.
#[derive(Debug, Serialize)]
struct QualityJson {
    samples: u64,
    avg_score: Option<f64>,
    min_score: Option<f64>,
}

impl From<&QualitySummary> for QualityJson {
    fn from(quality: &QualitySummary) -> QualityJson {
        QualityJson {
            samples: quality.samples,
            avg_score: quality.avg_score,
            min_score: quality.min_score,
        }
    }
}

/// The sums of a set of stats' streams.
#[derive(Debug, Serialize)]
struct TrafficJson {
    bytes_in: i64,
    bytes_out: i64,
    packets: i64,
    packets_lost: i64,
    packet_loss_pct: Option<f64>,
}

impl From<&TrafficSummary> for TrafficJson {
    fn from(traffic: &TrafficSummary) -> TrafficJson {
        TrafficJson {
            bytes_in: traffic.bytes_in,
            bytes_out: traffic.bytes_out,
            packets: traffic.packets,
            packets_lost: traffic.packets_lost,
            packet_loss_pct: traffic.packet_loss_pct(),
        }
    }
}

/// One identity of a session with all its connections.
#[derive(Debug, Serialize)]
struct ParticipantJson {
    identity: String,
    name: String,
    reconnects: u64,
    quality: QualityJson,
    traffic: TrafficJson,
    connections: Vec<ConnectionJson>,
}

impl From<&ParticipantView> for ParticipantJson {
    fn from(participant: &ParticipantView) -> ParticipantJson {
        ParticipantJson {
            identity: participant.identity.clone(),
            name: participant.name.clone(),
            reconnects: participant.reconnects(),
            quality: QualityJson::from(&participant.quality),
            traffic: TrafficJson::from(&participant.traffic),
            connections: participant
                .connections
                .iter()
                .map(ConnectionJson::from)
                .collect(),
        }
    }
}

/// One connection (one participant sid).
#[derive(Debug, Serialize)]
struct ConnectionJson {
    participant_sid: String,
    joined_at: String,
    left_at: Option<String>,
    closed_by: String,
    disconnect_reason: String,
    synthetic_close: bool,
    client: ClientJson,
}

/// What the connection's client said of itself.
#[derive(Debug, Serialize)]
struct ClientJson {
    sdk: String,
    sdk_version: String,
    os: String,
    os_version: String,
    browser: String,
    browser_version: String,
    device_model: String,
    region: String,
    connection_type: String,
}

impl From<&ConnectionView> for ConnectionJson {
    fn from(view: &ConnectionView) -> ConnectionJson {
        let connection = &view.connection;
        ConnectionJson {
            participant_sid: connection.sid.clone(),
            joined_at: rfc3339(connection.joined_at_ms),
            left_at: connection.left_at_ms.map(rfc3339),
            closed_by: view.closed_by.clone(),
            disconnect_reason: view.disconnect_reason.clone(),
            synthetic_close: view.synthetic_close,
            client: ClientJson {
                sdk: connection.sdk.clone(),
                sdk_version: connection.sdk_version.clone(),
                os: connection.os.clone(),
                os_version: connection.os_version.clone(),
                browser: connection.browser.clone(),
                browser_version: connection.browser_version.clone(),
                device_model: connection.device_model.clone(),
                region: connection.region.clone(),
                connection_type: connection.connection_type.clone(),
            },
        }
    }
}

/// A published track.
#[derive(Debug, Serialize)]
struct TrackJson {
    track_sid: String,
    participant_sid: String,
    participant_identity: String,
    source: String,
    kind: String,
    mime: String,
    simulcast_layers: Vec<String>,
    published_at: String,
    unpublished_at: Option<String>,
    quality: QualityJson,
    traffic: TrafficJson,
}

impl From<&TrackView> for TrackJson {
    fn from(track: &TrackView) -> TrackJson {
        TrackJson {
            track_sid: track.track_sid.clone(),
            participant_sid: track.participant_sid.clone(),
            participant_identity: track.participant_identity.clone(),
            source: track.source.clone(),
            kind: track.kind.clone(),
            mime: track.mime.clone(),
            simulcast_layers: track.simulcast_layers.clone(),
            published_at: rfc3339(track.published_at_ms),
            unpublished_at: track.unpublished_at_ms.map(rfc3339),
            quality: QualityJson::from(&track.quality),
            traffic: TrafficJson::from(&track.traffic),
        }
    }
}

/// An egress or an ingress.
#[derive(Debug, Serialize)]
struct JobJson {
    id: String,
    started_at: String,
    ended_at: Option<String>,
    status: String,
    synthetic_end: bool,
}

impl From<&MediaJobView> for JobJson {
    fn from(job: &MediaJobView) -> JobJson {
        JobJson {
            id: job.id.clone(),
            started_at: rfc3339(job.started_at_ms),
            ended_at: job.ended_at_ms.map(rfc3339),
            status: job.status.clone(),
            synthetic_end: job.synthetic_end,
        }
    }
}

/// One stored event.
#[derive(Debug, Serialize)]
struct EventJson {
    #[serde(rename = "type")]
    type_name: String,
    at: String,
    participant_sid: String,
    participant_identity: String,
    track_sid: String,
    egress_id: String,
    ingress_id: String,
    synthetic: bool,
}

impl From<&TimelineEvent> for EventJson {
    fn from(event: &TimelineEvent) -> EventJson {
        EventJson {
            type_name: event.type_name.clone(),
            at: rfc3339(event.at_ms),
            participant_sid: event.participant_sid.clone(),
            participant_identity: event.participant_identity.clone(),
            track_sid: event.track_sid.clone(),
            egress_id: event.egress_id.clone(),
            ingress_id: event.ingress_id.clone(),
            synthetic: event.synthetic,
        }
    }
}
