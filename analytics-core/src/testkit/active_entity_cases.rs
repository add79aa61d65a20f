//! The compliance cases of the active-entity rule ([`crate::active_entities`]): only newly
//! stored records count, the order within a batch decides, and an open after its close is
//! left for the fixer. Read through the sink's own [`crate::fixer::ActiveEntityStore`].

use std::{
    collections::BTreeSet,
    time::{Duration, SystemTime},
};

use livekit_protocol::{AnalyticsEvent, AnalyticsEventType as T};

use super::{
    cases::{batch_of, Case},
    samples, ComplianceTarget,
};
use crate::{record::Record, Capabilities, Entity};

const ACTIVE_ENTITIES: Capabilities = Capabilities {
    active_entities: true,
    ..Capabilities::APPEND_ONLY
};

pub(super) const ALL: &[(&str, Capabilities, Case)] = &[
    (
        "a_resent_open_after_its_close_does_not_reopen",
        ACTIVE_ENTITIES,
        |t| Box::pin(a_resent_open_after_its_close_does_not_reopen(t)),
    ),
    ("the_order_within_a_batch_decides", ACTIVE_ENTITIES, |t| {
        Box::pin(the_order_within_a_batch_decides(t))
    }),
    (
        "a_close_before_its_open_leaves_the_entity_open_for_the_fixer",
        ACTIVE_ENTITIES,
        |t| Box::pin(a_close_before_its_open_leaves_the_entity_open_for_the_fixer(t)),
    ),
    ("duplicates_change_no_active_entity", ACTIVE_ENTITIES, |t| {
        Box::pin(duplicates_change_no_active_entity(t))
    }),
];

fn record(event: AnalyticsEvent) -> Record {
    Record::from_event(event, Duration::from_secs(3600), SystemTime::now()).expect("converts")
}

fn at(start: SystemTime, seconds: u64) -> SystemTime {
    start + Duration::from_secs(seconds)
}

fn room(kind: T, start: SystemTime, seconds: u64) -> Record {
    record(samples::event(kind, at(start, seconds)))
}

fn alice(kind: T, start: SystemTime, seconds: u64) -> Record {
    record(samples::participant_event(
        kind,
        samples::ALICE_SID,
        "alice",
        at(start, seconds),
    ))
}

async fn write(target: &ComplianceTarget, records: &[Record]) {
    target
        .sink
        .send_batch(&batch_of(records))
        .await
        .expect("batch written");
}

/// What the sink's own store holds as active.
async fn active(target: &ComplianceTarget) -> BTreeSet<(Entity, String)> {
    target
        .sink
        .active_entity_store()
        .expect("the sink declares active_entities")
        .active_entities()
        .await
        .expect("active entities readable")
        .into_iter()
        .map(|stored| (stored.entity, stored.id))
        .collect()
}

fn set(entries: &[(Entity, &str)]) -> BTreeSet<(Entity, String)> {
    entries
        .iter()
        .map(|(entity, id)| (*entity, (*id).to_owned()))
        .collect()
}

async fn a_resent_open_after_its_close_does_not_reopen(target: ComplianceTarget) {
    let start = SystemTime::now();
    let created = room(T::RoomCreated, start, 0);
    write(&target, std::slice::from_ref(&created)).await;
    assert_eq!(
        active(&target).await,
        set(&[(Entity::Room, samples::ROOM_SID)])
    );
    write(&target, &[room(T::RoomEnded, start, 60)]).await;
    write(&target, std::slice::from_ref(&created)).await;
    assert!(
        active(&target).await.is_empty(),
        "a ROOM_CREATED re-sent after its ROOM_ENDED is a duplicate and reopens nothing"
    );
}

async fn the_order_within_a_batch_decides(target: ComplianceTarget) {
    let start = SystemTime::now();
    write(
        &target,
        &[
            room(T::RoomCreated, start, 0),
            alice(T::ParticipantActive, start, 1),
            alice(T::ParticipantLeft, start, 2),
        ],
    )
    .await;
    assert_eq!(
        active(&target).await,
        set(&[(Entity::Room, samples::ROOM_SID)]),
        "an open followed by its close in one batch leaves the entity closed"
    );
    write(
        &target,
        &[
            room(T::RoomEnded, start, 10),
            alice(T::ParticipantLeft, start, 11),
            alice(T::ParticipantActive, start, 12),
        ],
    )
    .await;
    assert_eq!(
        active(&target).await,
        set(&[(Entity::Participant, samples::ALICE_SID)]),
        "a close followed by an open in one batch leaves the entity open"
    );
}

async fn a_close_before_its_open_leaves_the_entity_open_for_the_fixer(target: ComplianceTarget) {
    let start = SystemTime::now();
    write(&target, &[room(T::RoomEnded, start, 60)]).await;
    assert!(
        active(&target).await.is_empty(),
        "a close whose open was never stored closes nothing"
    );
    write(&target, &[room(T::RoomCreated, start, 0)]).await;
    assert_eq!(
        active(&target).await,
        set(&[(Entity::Room, samples::ROOM_SID)]),
        "an open newly stored after its close opens the entity (the fixer closes it)"
    );
}

async fn duplicates_change_no_active_entity(target: ComplianceTarget) {
    let start = SystemTime::now();
    let first_open = alice(T::ParticipantActive, start, 0);
    let left = alice(T::ParticipantLeft, start, 10);
    write(&target, &[first_open.clone(), left.clone()]).await;
    assert!(active(&target).await.is_empty());
    write(&target, &[first_open.clone(), left.clone()]).await;
    assert!(
        active(&target).await.is_empty(),
        "a re-sent batch changes nothing"
    );
    let reconnected = alice(T::ParticipantActive, start, 20);
    write(&target, &[reconnected]).await;
    let alice_active = set(&[(Entity::Participant, samples::ALICE_SID)]);
    assert_eq!(active(&target).await, alice_active, "a new open opens");
    write(&target, &[left]).await;
    assert_eq!(
        active(&target).await,
        alice_active,
        "a re-sent close (a duplicate) does not close the newer opening"
    );
    write(&target, &[first_open]).await;
    assert_eq!(active(&target).await, alice_active);

    let room_created = room(T::RoomCreated, start, 30);
    let twice = [
        room_created.clone(),
        room(T::RoomEnded, start, 40),
        room_created,
    ];
    write(&target, &twice).await;
    assert_eq!(
        active(&target).await,
        alice_active,
        "an event that comes twice in one batch is stored once and counts once: the room ended"
    );
}
