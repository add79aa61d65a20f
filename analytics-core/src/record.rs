//! The record model: one LiveKit event or stat, converted once into the stored document and
//! the indexed columns every sink shares.

use std::{
    fmt,
    ops::Deref,
    sync::{Arc, LazyLock},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use livekit_protocol::{AnalyticsEvent, AnalyticsEventType as T, AnalyticsStat};
use pbjson_types::Timestamp;
use prost::Message;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    descriptors::livekit_message,
    document::{DocumentError, DocumentWriter},
    record_id::{event_id, event_type_name},
    stat_traffic::StatTraffic,
};

/// The document writers of the two message types a record is made of.
pub(crate) static EVENT_DOCUMENT: LazyLock<DocumentWriter> = LazyLock::new(|| {
    DocumentWriter::of(&livekit_message("AnalyticsEvent")).expect("in the descriptor pool")
});
pub(crate) static STAT_DOCUMENT: LazyLock<DocumentWriter> = LazyLock::new(|| {
    DocumentWriter::of(&livekit_message("AnalyticsStat")).expect("in the descriptor pool")
});

/// Whether a record is an `AnalyticsEvent` or an `AnalyticsStat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordKind {
    Event,
    Stat,
}

impl RecordKind {
    /// `"event"` or `"stat"`, as in metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Event => "event",
            RecordKind::Stat => "stat",
        }
    }
}

/// An entity whose lifetime the `active_entities` collection tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Entity {
    Room,
    Participant,
    Egress,
    Ingress,
}

impl Entity {
    pub const ALL: [Entity; 4] = [
        Entity::Room,
        Entity::Participant,
        Entity::Egress,
        Entity::Ingress,
    ];

    /// `"ROOM"`, `"PARTICIPANT"`, `"EGRESS"` or `"INGRESS"`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Room => "ROOM",
            Entity::Participant => "PARTICIPANT",
            Entity::Egress => "EGRESS",
            Entity::Ingress => "INGRESS",
        }
    }

    /// The entity named by its stored form.
    pub fn parse(stored: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|entity| entity.as_str() == stored)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event does to the set of active entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActiveChange {
    /// ROOM_CREATED, PARTICIPANT_ACTIVE, EGRESS_STARTED, INGRESS_STARTED.
    Opened { entity: Entity, id: String },
    /// ROOM_ENDED, PARTICIPANT_LEFT, PARTICIPANT_CONNECTION_ABORTED, EGRESS_ENDED,
    /// INGRESS_ENDED.
    Closed { entity: Entity, id: String },
}

/// One event or stat, ready to store. Built once at ingest and shared (in an `Arc`) by every
/// sink, which only picks the columns and the document text it needs. (Serializable for the
/// disk buffer.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub kind: RecordKind,
    /// The MD5 id (see [`crate::record_id`]).
    pub id: String,
    /// Event `type` or stat `kind` name (or number, when unknown).
    pub type_name: String,
    /// The record's own time, unix milliseconds.
    pub timestamp_ms: i64,
    pub room_sid: String,
    pub room_name: String,
    pub participant_sid: String,
    pub participant_identity: String,
    pub track_id: String,
    pub egress_id: String,
    pub ingress_id: String,
    /// `node_id` of an event, `node` of a stat.
    pub node_id: String,
    pub score: f32,
    pub min_score: f32,
    pub median_score: f32,
    pub mime: String,
    /// A stat's sums over its streams (zero for an event). Absent from a disk-buffer frame
    /// written before it existed: [`Record::stat_traffic`] takes it from the document then.
    #[serde(default)]
    pub traffic: Option<StatTraffic>,
    /// Whether a browser reported this stat (`POST /v1/client/stats`) rather than LiveKit;
    /// the stored document says so too.
    #[serde(default)]
    pub client_reported: bool,
    /// When the record may be deleted, unix milliseconds (conversion time + expiration).
    pub expire_at_ms: i64,
    /// The entity this event opens or closes, if any.
    pub active_change: Option<ActiveChange>,
    /// The stored document as JSON text: snake_case keys, openvidu's format, without `_id`
    /// and `openvidu_expire_at` (each sink stores those in its own type).
    pub document_json: String,
}

/// Why a message could not become a record.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// The bytes are not a protobuf encoding of the message.
    #[error("malformed {message}: {reason}")]
    Malformed {
        message: &'static str,
        reason: String,
    },
}

impl Record {
    /// Converts an `AnalyticsEvent`. An event without a timestamp is given `now`.
    pub fn from_event(
        mut event: AnalyticsEvent,
        expiration: Duration,
        now: SystemTime,
    ) -> Result<Record, RecordError> {
        if event.timestamp.is_none() {
            event.timestamp = Some(timestamp_of(now));
        }
        let document_json = EVENT_DOCUMENT.write(&event.encode_to_vec())?;
        Ok(Record::of_event(&event, document_json, expiration, now))
    }

    /// The record of `event` (which has its timestamp), whose document is `document_json`.
    pub(crate) fn of_event(
        event: &AnalyticsEvent,
        document_json: String,
        expiration: Duration,
        now: SystemTime,
    ) -> Record {
        let room_sid = first_non_empty(
            &event.room_id,
            event.room.as_ref().map(|room| room.sid.as_str()),
        );
        let participant_sid = first_non_empty(
            &event.participant_id,
            event.participant.as_ref().map(|p| p.sid.as_str()),
        );
        Record {
            kind: RecordKind::Event,
            id: event_id(event),
            type_name: event_type_name(event.r#type),
            timestamp_ms: millis(event.timestamp.as_ref()),
            active_change: active_change(event, &room_sid, &participant_sid),
            room_name: event
                .room
                .as_ref()
                .map(|room| room.name.clone())
                .unwrap_or_default(),
            participant_identity: event
                .participant
                .as_ref()
                .map(|p| p.identity.clone())
                .unwrap_or_default(),
            room_sid,
            participant_sid,
            track_id: event.track_id.clone(),
            egress_id: event.egress_id.clone(),
            ingress_id: event.ingress_id.clone(),
            node_id: event.node_id.clone(),
            score: 0.0,
            min_score: 0.0,
            median_score: 0.0,
            mime: event.mime.clone(),
            traffic: None,
            client_reported: false,
            expire_at_ms: expire_at(now, expiration),
            document_json,
        }
    }

    /// Converts a close event made up by the active-entities fixer: as
    /// [`Record::from_event`], with `"synthetic": true` in the stored document (see
    /// [`crate::fixer::SYNTHETIC_FIELD`]).
    pub fn synthetic_event(
        event: AnalyticsEvent,
        expiration: Duration,
        now: SystemTime,
    ) -> Result<Record, RecordError> {
        let mut record = Record::from_event(event, expiration, now)?;
        let mut document = record.document();
        document.insert(crate::fixer::SYNTHETIC_FIELD.to_owned(), Value::Bool(true));
        record.document_json = document_text(document);
        Ok(record)
    }

    /// Whether the stored document marks the record as made up by the fixer.
    pub fn is_synthetic(&self) -> bool {
        self.document()
            .get(crate::fixer::SYNTHETIC_FIELD)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Converts an `AnalyticsStat`. A stat without a timestamp is given `now`.
    pub fn from_stat(
        mut stat: AnalyticsStat,
        expiration: Duration,
        now: SystemTime,
    ) -> Result<Record, RecordError> {
        if stat.time_stamp.is_none() {
            stat.time_stamp = Some(timestamp_of(now));
        }
        Record::from_stat_bytes(&stat.encode_to_vec(), expiration, now)
    }

    /// About how many bytes of memory the record holds (what `buffer.max_bytes` counts).
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Record>()
            + self.id.len()
            + self.type_name.len()
            + self.room_sid.len()
            + self.room_name.len()
            + self.participant_sid.len()
            + self.participant_identity.len()
            + self.track_id.len()
            + self.egress_id.len()
            + self.ingress_id.len()
            + self.node_id.len()
            + self.mime.len()
            + self.document_json.len()
    }

    /// A stat's sums over its streams: kept since conversion, or taken from the document
    /// of a record buffered before they were kept. Zero for an event.
    pub fn stat_traffic(&self) -> StatTraffic {
        match (self.kind, self.traffic) {
            (_, Some(traffic)) => traffic,
            (RecordKind::Stat, None) => StatTraffic::of_document(&self.document()),
            (RecordKind::Event, None) => StatTraffic::default(),
        }
    }

    /// The stored document, parsed (for sinks that store structured documents, and tests).
    pub fn document(&self) -> Map<String, Value> {
        serde_json::from_str(&self.document_json).unwrap_or_default()
    }
}

/// A batch of records handed to [`crate::Sink::send_batch`].
#[derive(Debug, Clone, Default)]
pub struct Batch(pub Vec<Arc<Record>>);

impl Batch {
    pub fn new(records: Vec<Arc<Record>>) -> Batch {
        Batch(records)
    }

    /// The events of the batch, in order.
    pub fn events(&self) -> impl Iterator<Item = &Arc<Record>> {
        self.0.iter().filter(|r| r.kind == RecordKind::Event)
    }

    /// The stats of the batch, in order.
    pub fn stats(&self) -> impl Iterator<Item = &Arc<Record>> {
        self.0.iter().filter(|r| r.kind == RecordKind::Stat)
    }
}

impl Deref for Batch {
    type Target = [Arc<Record>];
    fn deref(&self) -> &[Arc<Record>] {
        &self.0
    }
}

fn active_change(
    event: &AnalyticsEvent,
    room_sid: &str,
    participant_sid: &str,
) -> Option<ActiveChange> {
    let ingress_resource = || {
        event
            .ingress
            .as_ref()
            .and_then(|ingress| ingress.state.as_ref())
            .map(|state| state.resource_id.clone())
            .unwrap_or_default()
    };
    let (opens, entity, id) = match T::try_from(event.r#type).ok()? {
        T::RoomCreated => (true, Entity::Room, room_sid.to_owned()),
        T::RoomEnded => (false, Entity::Room, room_sid.to_owned()),
        T::ParticipantActive => (true, Entity::Participant, participant_sid.to_owned()),
        T::ParticipantLeft | T::ParticipantConnectionAborted => {
            (false, Entity::Participant, participant_sid.to_owned())
        }
        T::EgressStarted => (true, Entity::Egress, event.egress_id.clone()),
        T::EgressEnded => (false, Entity::Egress, event.egress_id.clone()),
        T::IngressStarted => (true, Entity::Ingress, ingress_resource()),
        T::IngressEnded => (false, Entity::Ingress, ingress_resource()),
        _ => return None,
    };
    if id.is_empty() {
        return None;
    }
    Some(if opens {
        ActiveChange::Opened { entity, id }
    } else {
        ActiveChange::Closed { entity, id }
    })
}

fn first_non_empty(preferred: &str, fallback: Option<&str>) -> String {
    if preferred.is_empty() {
        fallback.unwrap_or_default().to_owned()
    } else {
        preferred.to_owned()
    }
}

fn document_text(document: Map<String, Value>) -> String {
    Value::Object(document).to_string()
}

/// A protobuf timestamp of a system time.
pub fn timestamp_of(time: SystemTime) -> Timestamp {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp {
        seconds: since_epoch.as_secs() as i64,
        nanos: since_epoch.subsec_nanos() as i32,
    }
}

/// Unix milliseconds of a protobuf timestamp (0 without one).
pub(crate) fn millis(timestamp: Option<&Timestamp>) -> i64 {
    timestamp.map_or(0, |t| {
        t.seconds.saturating_mul(1000) + i64::from(t.nanos / 1_000_000)
    })
}

/// Unix milliseconds of `now + expiration`.
pub fn expire_at(now: SystemTime, expiration: Duration) -> i64 {
    unix_millis(now).saturating_add(i64::try_from(expiration.as_millis()).unwrap_or(i64::MAX))
}

/// Unix milliseconds of a system time.
pub fn unix_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
