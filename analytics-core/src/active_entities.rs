//! The active-entity rule, once for every sink: what a written batch does to the set of
//! active rooms, participants, egresses and ingresses.
//!
//! - Only records **newly stored** by this write count: a duplicate (stored before, its
//!   change applied then) and a refused record change nothing. So a `ROOM_CREATED` re-sent
//!   after its `ROOM_ENDED` never reopens the room.
//! - Within a batch the order decides: per entity id, the last change wins, so an open
//!   followed by its close leaves the entity closed, and the reverse leaves it open.
//! - An open replaces what the sink holds for the id (opening event, time).
//! - Out of order across batches: a close whose open was never stored closes nothing; an
//!   open that arrives after its close (another event, newly stored) opens the entity. It is
//!   then left for the active-entities fixer ([`crate::fixer`]), which closes entities
//!   LiveKit no longer has.
//!
//! A sink that is not transactional may store records and then fail before it applies
//! their change; the records are duplicates when the batch comes again, so the change is
//! lost, and the fixer is the backstop for it as well.

use std::collections::HashMap;

use crate::{record::Batch, ActiveChange, Entity};

/// An entity a batch leaves open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedEntity {
    pub entity: Entity,
    /// Room sid, participant sid, egress id or ingress resource id.
    pub id: String,
    /// The id of the event that opened it.
    pub event_id: String,
    /// The opening event's time, unix milliseconds.
    pub opened_at_ms: i64,
    /// The opening record's index in the batch (for sinks that store its document).
    pub index: usize,
}

/// An entity a batch leaves closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedEntity {
    pub entity: Entity,
    pub id: String,
    /// The closing record's index in the batch.
    pub index: usize,
}

/// The net change of a batch: each id appears at most once in `opened` and `closed`
/// together, so the two lists may be applied in any order, each in parallel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveEntityChanges {
    /// To insert or replace, in the batch order of their last change.
    pub opened: Vec<OpenedEntity>,
    /// To delete (a close of an id the sink does not hold deletes nothing).
    pub closed: Vec<ClosedEntity>,
}

impl ActiveEntityChanges {
    /// Whether the batch changes no active entity.
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.closed.is_empty()
    }
}

/// The net change of `batch`, counting only the records for which `newly_stored(index)`
/// says this write stored them (not duplicates, not refused). See the module docs.
pub fn net_active_entity_changes(
    batch: &Batch,
    newly_stored: impl Fn(usize) -> bool,
) -> ActiveEntityChanges {
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (index, record) in batch.iter().enumerate() {
        if let Some(change) = &record.active_change {
            if newly_stored(index) {
                last.insert(changed_id(change), index);
            }
        }
    }
    let mut indexes: Vec<usize> = last.into_values().collect();
    indexes.sort_unstable();
    let mut changes = ActiveEntityChanges::default();
    for index in indexes {
        let record = &batch[index];
        match &record.active_change {
            Some(ActiveChange::Opened { entity, id }) => changes.opened.push(OpenedEntity {
                entity: *entity,
                id: id.clone(),
                event_id: record.id.clone(),
                opened_at_ms: record.timestamp_ms,
                index,
            }),
            Some(ActiveChange::Closed { entity, id }) => changes.closed.push(ClosedEntity {
                entity: *entity,
                id: id.clone(),
                index,
            }),
            None => {}
        }
    }
    changes
}

fn changed_id(change: &ActiveChange) -> &str {
    match change {
        ActiveChange::Opened { id, .. } | ActiveChange::Closed { id, .. } => id,
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::Arc,
        time::{Duration, SystemTime},
    };

    use livekit_protocol::AnalyticsEventType as T;

    use super::*;
    use crate::{samples, Record};

    fn record(event: livekit_protocol::AnalyticsEvent) -> Arc<Record> {
        let now = SystemTime::now();
        Arc::new(Record::from_event(event, Duration::from_secs(60), now).expect("converts"))
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds)
    }

    fn room(kind: T, seconds: u64) -> Arc<Record> {
        record(samples::event(kind, at(seconds)))
    }

    fn alice(kind: T, seconds: u64) -> Arc<Record> {
        record(samples::participant_event(
            kind,
            samples::ALICE_SID,
            "alice",
            at(seconds),
        ))
    }

    fn opened_ids(changes: &ActiveEntityChanges) -> Vec<&str> {
        changes.opened.iter().map(|o| o.id.as_str()).collect()
    }

    fn closed_ids(changes: &ActiveEntityChanges) -> Vec<&str> {
        changes.closed.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn the_last_change_of_an_id_wins() {
        let batch = Batch::new(vec![
            room(T::RoomCreated, 0),
            alice(T::ParticipantActive, 1),
            alice(T::ParticipantLeft, 2),
        ]);
        let changes = net_active_entity_changes(&batch, |_| true);
        assert_eq!(opened_ids(&changes), [samples::ROOM_SID]);
        assert_eq!(closed_ids(&changes), [samples::ALICE_SID]);
        assert_eq!(changes.opened[0].event_id, batch[0].id);
        assert_eq!(changes.opened[0].opened_at_ms, batch[0].timestamp_ms);
        assert_eq!(changes.opened[0].index, 0);
        assert_eq!(changes.closed[0].index, 2);

        let reversed = Batch::new(vec![
            alice(T::ParticipantLeft, 2),
            alice(T::ParticipantActive, 3),
        ]);
        let changes = net_active_entity_changes(&reversed, |_| true);
        assert_eq!(opened_ids(&changes), [samples::ALICE_SID]);
        assert!(changes.closed.is_empty());
    }

    #[test]
    fn records_not_newly_stored_change_nothing() {
        let batch = Batch::new(vec![room(T::RoomEnded, 5), room(T::RoomCreated, 0)]);
        let changes = net_active_entity_changes(&batch, |index| index == 0);
        assert!(changes.opened.is_empty(), "the re-sent open is a duplicate");
        assert_eq!(closed_ids(&changes), [samples::ROOM_SID]);

        let none = net_active_entity_changes(&batch, |_| false);
        assert!(none.is_empty());
    }

    #[test]
    fn a_duplicate_close_does_not_hide_a_new_open() {
        let batch = Batch::new(vec![
            alice(T::ParticipantActive, 1),
            alice(T::ParticipantLeft, 2),
        ]);
        let changes = net_active_entity_changes(&batch, |index| index == 0);
        assert_eq!(opened_ids(&changes), [samples::ALICE_SID]);
        assert!(changes.closed.is_empty());
    }

    #[test]
    fn records_without_a_change_are_ignored() {
        let batch = Batch::new(vec![record(samples::event(T::TrackPublished, at(0)))]);
        assert!(net_active_entity_changes(&batch, |_| true).is_empty());
    }
}
