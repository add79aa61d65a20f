//! The long-values compliance case: a record whose room sid, identity, participant sid and
//! track id are 100 KB each is stored whole by every sink (a database index must never
//! refuse what the service acknowledged), and the active-entity tracking and expiry that
//! look those ids up still work.

use std::{
    collections::BTreeSet,
    sync::Arc,
    time::{Duration, SystemTime},
};

use livekit_protocol::{AnalyticsEvent, AnalyticsEventType as T, StreamType};

use super::{samples, ComplianceTarget};
use crate::{record::Record, Batch, Entity, RecordKind};

/// 100 KB, far above a PostgreSQL B-tree row (about 2.7 KB, 8 KB compressed).
const LONG: usize = 100 * 1024;

/// `prefix` followed by pseudo-random letters and digits up to [`LONG`] bytes: random
/// enough that no database can compress it under an index limit.
pub(super) fn long_identifier(prefix: &str, seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut text = String::with_capacity(LONG);
    text.push_str(prefix);
    while text.len() < LONG {
        // xorshift64: deterministic, so a failure names the same values every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let index = usize::try_from(state % ALPHABET.len() as u64).unwrap_or(0);
        text.push(char::from(ALPHABET[index]));
    }
    text
}

struct LongIds {
    room_sid: String,
    identity: String,
    participant_sid: String,
    track_id: String,
}

impl LongIds {
    fn new() -> LongIds {
        LongIds {
            room_sid: long_identifier("RM_", 1),
            identity: long_identifier("identity-", 2),
            participant_sid: long_identifier("PA_", 3),
            track_id: long_identifier("TR_", 4),
        }
    }

    fn in_room(&self, mut event: AnalyticsEvent) -> AnalyticsEvent {
        event.room_id.clone_from(&self.room_sid);
        if let Some(room) = event.room.as_mut() {
            room.sid.clone_from(&self.room_sid);
        }
        event
    }

    fn participant_event(&self, kind: T, at: SystemTime) -> AnalyticsEvent {
        self.in_room(samples::participant_event(
            kind,
            &self.participant_sid,
            &self.identity,
            at,
        ))
    }

    fn opening_records(&self, start: SystemTime) -> Vec<Record> {
        let at = |s: u64| start + Duration::from_secs(s);
        let mut track = self.in_room(samples::track_event(T::TrackPublished, at(2)));
        track.participant_id.clone_from(&self.participant_sid);
        track.track_id.clone_from(&self.track_id);
        if let Some(info) = track.track.as_mut() {
            info.sid.clone_from(&self.track_id);
        }
        let events = [
            self.in_room(samples::event(T::RoomCreated, at(0))),
            self.participant_event(T::ParticipantActive, at(1)),
            track,
        ];
        let mut stat = samples::stat(StreamType::Upstream, at(3));
        stat.room_id.clone_from(&self.room_sid);
        stat.participant_id.clone_from(&self.participant_sid);
        stat.track_id.clone_from(&self.track_id);
        let mut records: Vec<Record> = events.into_iter().map(record_of).collect();
        records.push(
            Record::from_stat(stat, Duration::from_secs(3600), SystemTime::now())
                .expect("the long stat converts"),
        );
        records
    }

    fn closing_records(&self, start: SystemTime) -> Vec<Record> {
        let at = |s: u64| start + Duration::from_secs(s);
        [
            self.participant_event(T::ParticipantLeft, at(10)),
            self.in_room(samples::event(T::RoomEnded, at(11))),
        ]
        .into_iter()
        .map(record_of)
        .collect()
    }
}

fn record_of(event: AnalyticsEvent) -> Record {
    Record::from_event(event, Duration::from_secs(3600), SystemTime::now())
        .expect("the long event converts")
}

fn batch_of(records: &[Record]) -> Batch {
    Batch::new(records.iter().cloned().map(Arc::new).collect())
}

fn ids_of(records: &[Record], kind: RecordKind) -> BTreeSet<String> {
    records
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.id.clone())
        .collect()
}

pub(super) async fn record_with_100_kb_identifiers_is_stored(target: ComplianceTarget) {
    let ids = LongIds::new();
    let start = SystemTime::now();
    let records = ids.opening_records(start);
    if let Err(error) = target.sink.send_batch(&batch_of(&records)).await {
        panic!("a record with 100 KB identifiers must be stored, got: {error}");
    }
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let stored: BTreeSet<String> = target.probe().stored_ids(kind).await.into_iter().collect();
        assert_eq!(stored, ids_of(&records, kind), "{kind:?} ids");
    }
    for record in &records {
        let stored = target
            .probe()
            .stored_document(record.kind, &record.id)
            .await
            .unwrap_or_else(|| panic!("document of {} {} stored", record.type_name, record.id));
        assert!(
            stored == serde_json::Value::Object(record.document()),
            "the stored document of {} {} is the acknowledged one, every 100 KB id whole",
            record.type_name,
            record.id
        );
    }
    let active: BTreeSet<(Entity, String)> =
        target.probe().active_entities().await.into_iter().collect();
    let expected: BTreeSet<(Entity, String)> = [
        (Entity::Room, ids.room_sid.clone()),
        (Entity::Participant, ids.participant_sid.clone()),
    ]
    .into_iter()
    .collect();
    assert!(
        active == expected,
        "the room and participant with 100 KB ids are active ({} found)",
        active.len()
    );

    let closing = ids.closing_records(start);
    if let Err(error) = target.sink.send_batch(&batch_of(&closing)).await {
        panic!("closing events with 100 KB identifiers must be stored, got: {error}");
    }
    assert!(
        target.probe().active_entities().await.is_empty(),
        "end events with 100 KB ids close what they opened"
    );
    let later = SystemTime::now() + Duration::from_secs(2 * 3600);
    target.sink.expire(later).await.expect("expiry runs");
    for kind in [RecordKind::Event, RecordKind::Stat] {
        assert!(
            target.probe().stored_ids(kind).await.is_empty(),
            "expired {kind:?} records with 100 KB ids are gone"
        );
    }
}
