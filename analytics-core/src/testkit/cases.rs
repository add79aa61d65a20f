//! The compliance cases, each proving one promise of the sink contract on a fresh target.

use std::{
    collections::BTreeSet,
    future::Future,
    pin::Pin,
    sync::Arc,
    time::{Duration, SystemTime},
};

use livekit_protocol::AnalyticsEventType as T;

use super::{samples, session_records, ComplianceTarget};
use crate::{record::Record, sink::SinkError, Batch, Capabilities, Entity, RecordKind};

pub(super) type Case = fn(ComplianceTarget) -> Pin<Box<dyn Future<Output = ()> + Send>>;

const READ_BACK: Capabilities = Capabilities {
    read_back: true,
    ..Capabilities::APPEND_ONLY
};

/// Each case with the capabilities it needs.
pub(super) const ALL: &[(&str, Capabilities, Case)] = &[
    (
        "batch_and_resent_batch_are_accepted",
        Capabilities::APPEND_ONLY,
        |t| Box::pin(batch_and_resent_batch_are_accepted(t)),
    ),
    ("batch_is_stored_with_ids_and_documents", READ_BACK, |t| {
        Box::pin(batch_is_stored_with_ids_and_documents(t))
    }),
    ("resent_batch_is_not_stored_twice", READ_BACK, |t| {
        Box::pin(resent_batch_is_not_stored_twice(t))
    }),
    (
        "batch_with_one_bad_record_stores_the_rest",
        READ_BACK,
        |t| Box::pin(batch_with_one_bad_record_stores_the_rest(t)),
    ),
    (
        "expired_records_go_away",
        Capabilities {
            expiry: true,
            ..READ_BACK
        },
        |t| Box::pin(expired_records_go_away(t)),
    ),
    (
        "active_entities_are_tracked",
        Capabilities {
            active_entities: true,
            ..READ_BACK
        },
        |t| Box::pin(active_entities_are_tracked(t)),
    ),
    (
        "record_with_100_kb_identifiers_is_stored",
        Capabilities::FULL_WITHOUT_QUERIES,
        |t| Box::pin(super::long_values::record_with_100_kb_identifiers_is_stored(t)),
    ),
];

pub(super) fn batch_of(records: &[Record]) -> Batch {
    Batch::new(records.iter().cloned().map(Arc::new).collect())
}

fn ids_of(records: &[Record], kind: RecordKind) -> BTreeSet<String> {
    records
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.id.clone())
        .collect()
}

async fn stored_ids(target: &ComplianceTarget, kind: RecordKind) -> BTreeSet<String> {
    let ids = target.probe().stored_ids(kind).await;
    let unique: BTreeSet<_> = ids.iter().cloned().collect();
    assert_eq!(
        ids.len(),
        unique.len(),
        "{kind:?} ids stored more than once: {ids:?}"
    );
    unique
}

async fn batch_and_resent_batch_are_accepted(target: ComplianceTarget) {
    let batch = batch_of(&session_records(SystemTime::now()));
    target.sink.send_batch(&batch).await.expect("batch written");
    target
        .sink
        .send_batch(&batch)
        .await
        .expect("a re-sent batch is a success");
}

async fn batch_is_stored_with_ids_and_documents(target: ComplianceTarget) {
    let records = session_records(SystemTime::now());
    target
        .sink
        .send_batch(&batch_of(&records))
        .await
        .expect("batch written");
    for kind in [RecordKind::Event, RecordKind::Stat] {
        assert_eq!(
            stored_ids(&target, kind).await,
            ids_of(&records, kind),
            "{kind:?} ids"
        );
    }
    for record in &records {
        let stored = target
            .probe()
            .stored_document(record.kind, &record.id)
            .await
            .unwrap_or_else(|| panic!("document of {} stored", record.id));
        assert_eq!(
            stored,
            serde_json::Value::Object(record.document()),
            "stored document of {} {}",
            record.type_name,
            record.id
        );
    }
}

async fn resent_batch_is_not_stored_twice(target: ComplianceTarget) {
    let records = session_records(SystemTime::now());
    let batch = batch_of(&records);
    target.sink.send_batch(&batch).await.expect("first write");
    target
        .sink
        .send_batch(&batch)
        .await
        .expect("a re-sent batch is a success");
    // A batch that overlaps the stored records by half.
    let half = batch_of(&records[records.len() / 2..]);
    target
        .sink
        .send_batch(&half)
        .await
        .expect("an overlapping batch is a success");
    for kind in [RecordKind::Event, RecordKind::Stat] {
        assert_eq!(
            stored_ids(&target, kind).await,
            ids_of(&records, kind),
            "{kind:?} ids"
        );
    }
}

async fn batch_with_one_bad_record_stores_the_rest(target: ComplianceTarget) {
    let mut records = session_records(SystemTime::now());
    let bad_index = 3;
    records[bad_index] = (target.spoil)(records[bad_index].clone());
    let bad_id = records[bad_index].id.clone();
    match target.sink.send_batch(&batch_of(&records)).await {
        Err(SinkError::Records(failures)) => {
            assert_eq!(failures.len(), 1, "only the bad record fails: {failures:?}");
            assert_eq!(failures[0].index, bad_index);
            assert!(
                !failures[0].retryable,
                "a refused record is not worth retrying"
            );
        }
        other => panic!("the bad record must be reported, got {other:?}"),
    }
    let good: Vec<Record> = records.iter().filter(|r| r.id != bad_id).cloned().collect();
    for kind in [RecordKind::Event, RecordKind::Stat] {
        assert_eq!(
            stored_ids(&target, kind).await,
            ids_of(&good, kind),
            "{kind:?} ids"
        );
    }
}

async fn expired_records_go_away(target: ComplianceTarget) {
    let records = session_records(SystemTime::now());
    target
        .sink
        .send_batch(&batch_of(&records))
        .await
        .expect("batch written");
    target
        .sink
        .expire(SystemTime::now())
        .await
        .expect("expiry runs");
    assert_eq!(
        stored_ids(&target, RecordKind::Event).await,
        ids_of(&records, RecordKind::Event),
        "records that have not expired stay"
    );
    let later = SystemTime::now() + Duration::from_secs(2 * 3600);
    target.sink.expire(later).await.expect("expiry runs");
    for kind in [RecordKind::Event, RecordKind::Stat] {
        assert!(
            stored_ids(&target, kind).await.is_empty(),
            "expired {kind:?} records are gone"
        );
    }
}

async fn active_entities_are_tracked(target: ComplianceTarget) {
    let start = SystemTime::now();
    let records = session_records(start);
    target
        .sink
        .send_batch(&batch_of(&records))
        .await
        .expect("batch written");
    let expected: BTreeSet<(Entity, String)> = [
        (Entity::Room, samples::ROOM_SID),
        (Entity::Participant, samples::ALICE_SID),
        (Entity::Egress, samples::EGRESS_ID),
        (Entity::Ingress, samples::INGRESS_RESOURCE),
    ]
    .into_iter()
    .map(|(e, id)| (e, id.to_owned()))
    .collect();
    let active: BTreeSet<_> = target.probe().active_entities().await.into_iter().collect();
    assert_eq!(
        active, expected,
        "creation inserts, and Bob who left is not active"
    );

    let at = |s: u64| start + Duration::from_secs(s);
    let closing = [
        samples::participant_event(T::ParticipantLeft, samples::ALICE_SID, "alice", at(100)),
        samples::egress_event(T::EgressEnded, at(101)),
        samples::ingress_event(T::IngressEnded, at(102)),
        samples::event(T::RoomEnded, at(103)),
    ];
    let closing: Vec<Record> = closing
        .into_iter()
        .map(|e| {
            Record::from_event(e, Duration::from_secs(3600), SystemTime::now()).expect("converts")
        })
        .collect();
    target
        .sink
        .send_batch(&batch_of(&closing))
        .await
        .expect("batch written");
    assert!(
        target.probe().active_entities().await.is_empty(),
        "end events delete"
    );
}
