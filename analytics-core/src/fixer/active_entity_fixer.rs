//! [`ActiveEntityFixer`]: the two-phase algorithm, run once per fixer period on one sink.
//!
//! 1. The close events built by the previous run are checked again: one whose entity got
//!    its real close event meanwhile is dropped (the real one wins), one whose entity LiveKit
//!    lists again is dropped (the entity lives on), the rest are written.
//! 2. The store's active entities are compared with LiveKit's: for each one LiveKit no
//!    longer has, a close event is built from its start event and held until the next run.
//!    An entity whose start event is gone is only removed from the active entities.
//! 3. `last_alive` is set to the time LiveKit's state was read.
//!
//! LiveKit's state unknown (unreachable, an error) means nothing is closed, nothing held is
//! written and `last_alive` stays. A kind of entity LiveKit cannot list (node reports carry
//! no egresses) is left alone while the others are fixed. Several instances sharing a database take turns through
//! the store's lease, which the holder renews every run and loses when it stops.

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::sync::Mutex;

use super::{
    close_event, close_time, event_from_document, event_time, ActiveEntityStore, LivekitView,
    StoredActiveEntity,
};
use crate::{
    livekit_helper::{LivekitHelper, LivekitHelperError},
    record::{Batch, Record},
    sink::{Sink, SinkError},
    Entity,
};

/// What a run of the fixer stored or dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixReport {
    /// Synthetic close events stored, per entity.
    pub closed: Vec<(Entity, u64)>,
    /// Synthetic close events dropped because the real close event arrived.
    pub superseded: u64,
}

/// A synthetic close event waiting for the next run.
#[derive(Debug, Clone)]
struct HeldClose {
    active: StoredActiveEntity,
    record: Record,
}

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixOutcome {
    /// The fixer ran: the close events it stored or dropped, and how many it now holds for
    /// the next run.
    Ran { report: FixReport, held: usize },
    /// Another instance holds the fixer lease of this sink's database.
    NotLeader,
    /// The sink has no active-entity store to fix.
    Unsupported,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum FixerError {
    /// LiveKit's state is unknown: nothing was closed.
    #[error(transparent)]
    LivekitUnknown(#[from] LivekitHelperError),
    /// The sink's database failed; the run is tried again next period.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// The fixer of one sink, holding the close events of phase 2 between runs.
pub struct ActiveEntityFixer {
    holder: String,
    expiration: Duration,
    lease_ttl: Duration,
    held: Mutex<Vec<HeldClose>>,
}

impl ActiveEntityFixer {
    /// A fixer run every `period` by the instance `holder` (unique among the instances that
    /// share a database), storing close events that expire after `expiration`. Its lease
    /// lasts two periods, so the holder keeps it by running on time (a slow run included)
    /// and loses it soon after it stops.
    pub fn new(holder: impl Into<String>, expiration: Duration, period: Duration) -> Self {
        ActiveEntityFixer {
            holder: holder.into(),
            expiration,
            lease_ttl: period * 2,
            held: Mutex::new(Vec::new()),
        }
    }

    /// How many close events wait for the next run.
    pub async fn held(&self) -> usize {
        self.held.lock().await.len()
    }

    /// One run on `sink`, with LiveKit's state read from `livekit` now.
    pub async fn run(
        &self,
        sink: &dyn Sink,
        livekit: &dyn LivekitHelper,
    ) -> Result<FixOutcome, FixerError> {
        let view = if sink.active_entity_store().is_some() {
            LivekitView::read(livekit).await
        } else {
            LivekitView::default()
        };
        self.run_on_view(sink, livekit, &view).await
    }

    /// One run on `sink` with LiveKit's state `alive` (the service reads it once per period
    /// for every sink). A sink without an [`ActiveEntityStore`] is [`FixOutcome::Unsupported`].
    pub async fn run_on_view(
        &self,
        sink: &dyn Sink,
        _livekit: &dyn LivekitHelper,
        alive: &LivekitView,
    ) -> Result<FixOutcome, FixerError> {
        let seen_at = alive.read_at();
        let Some(store) = sink.active_entity_store() else {
            return Ok(FixOutcome::Unsupported);
        };
        if !store.acquire_lease(&self.holder, self.lease_ttl).await? {
            // What this instance held is the leader's business now.
            self.held.lock().await.clear();
            return Ok(FixOutcome::NotLeader);
        }
        if let Some(unknown) = alive.all_unknown() {
            return Err(FixerError::LivekitUnknown(unknown));
        }
        let mut held = self.held.lock().await;
        let mut report = FixReport::default();
        self.write_held(sink, store, alive, &mut held, &mut report)
            .await?;
        self.build_closes(store, alive, seen_at, &mut held).await?;
        store.set_last_alive(seen_at).await?;
        Ok(FixOutcome::Ran {
            report,
            held: held.len(),
        })
    }

    /// Phase 1. On a database error, what was not dealt with stays held.
    async fn write_held(
        &self,
        sink: &dyn Sink,
        store: &dyn ActiveEntityStore,
        alive: &LivekitView,
        held: &mut Vec<HeldClose>,
        report: &mut FixReport,
    ) -> Result<(), SinkError> {
        let to_write = check_held(store, alive, held, report).await?;
        if to_write.is_empty() {
            return Ok(());
        }
        write_closes(sink, store, to_write, held, report).await
    }

    /// Phase 2: a close event for every active entity LiveKit does not have.
    async fn build_closes(
        &self,
        store: &dyn ActiveEntityStore,
        alive: &LivekitView,
        seen_at: SystemTime,
        held: &mut Vec<HeldClose>,
    ) -> Result<(), SinkError> {
        let last_alive = store.last_alive().await?.unwrap_or(seen_at);
        let already: HashSet<(Entity, String)> = held
            .iter()
            .map(|close| (close.active.entity, close.active.id.clone()))
            .collect();
        for active in store.active_entities().await? {
            if !alive.knows(active.entity)
                || alive.has(active.entity, &active.id)
                || already.contains(&(active.entity, active.id.clone()))
            {
                continue;
            }
            match self.close_of(store, &active, last_alive).await? {
                Some(record) => held.push(HeldClose { active, record }),
                None => {
                    tracing::info!(
                        entity = %active.entity,
                        id = %active.id,
                        "active entity without a stored start event: removed, no close event"
                    );
                    store.remove_active(&active).await?;
                }
            }
        }
        Ok(())
    }

    /// The synthetic close event of `active`, or `None` when its start event is gone or
    /// cannot be read back.
    async fn close_of(
        &self,
        store: &dyn ActiveEntityStore,
        active: &StoredActiveEntity,
        last_alive: SystemTime,
    ) -> Result<Option<Record>, SinkError> {
        let Some(document) = store.start_event(active).await? else {
            return Ok(None);
        };
        let start = match event_from_document(&document) {
            Ok(start) => start,
            Err(error) => {
                tracing::warn!(error = %error, entity = %active.entity, id = %active.id, "start event unreadable");
                return Ok(None);
            }
        };
        let started = event_time(&start)
            .or_else(|| {
                let millis = u64::try_from(active.opened_at_ms?).ok()?;
                Some(UNIX_EPOCH + Duration::from_millis(millis))
            })
            .unwrap_or(last_alive);
        let at = close_time(active.entity, started, last_alive);
        let event = close_event(active.entity, &start, at);
        match Record::synthetic_event(event, self.expiration, SystemTime::now()) {
            Ok(record) => Ok(Some(record)),
            Err(error) => {
                tracing::warn!(error = %error, entity = %active.entity, id = %active.id, "close event not built");
                Ok(None)
            }
        }
    }
}

/// Takes from `held` the closes to write now: those whose entity LiveKit does not have and
/// no real close event has arrived for. A close whose real close event arrived is dropped
/// (superseded); closes of a kind LiveKit cannot list stay held. On a database error,
/// everything stays held.
async fn check_held(
    store: &dyn ActiveEntityStore,
    alive: &LivekitView,
    held: &mut Vec<HeldClose>,
    report: &mut FixReport,
) -> Result<Vec<HeldClose>, SinkError> {
    let mut to_write = Vec::new();
    let mut unknown = Vec::new();
    while let Some(close) = held.pop() {
        let active = &close.active;
        if !alive.knows(active.entity) {
            unknown.push(close);
            continue;
        }
        let checked = match store.has_close_event(active.entity, &active.id).await {
            Ok(true) => store.remove_active(active).await.map(|()| {
                report.superseded += 1;
            }),
            Ok(false) => {
                if !alive.has(active.entity, &active.id) {
                    to_write.push(close.clone());
                }
                Ok(())
            }
            Err(error) => Err(error),
        };
        if let Err(error) = checked {
            held.push(close);
            held.extend(to_write);
            held.extend(unknown);
            return Err(error);
        }
    }
    // Kept, unchecked, until LiveKit can list their kind again.
    held.extend(unknown);
    Ok(to_write)
}

/// Writes the synthetic closes and removes their entities from the active ones; records the
/// sink may take later are held again, those it refused are dropped.
async fn write_closes(
    sink: &dyn Sink,
    store: &dyn ActiveEntityStore,
    to_write: Vec<HeldClose>,
    held: &mut Vec<HeldClose>,
    report: &mut FixReport,
) -> Result<(), SinkError> {
    let batch = Batch::new(
        to_write
            .iter()
            .map(|close| Arc::new(close.record.clone()))
            .collect(),
    );
    // Records the sink could not write: held again when worth retrying, else dropped.
    let mut unwritten: HashSet<usize> = HashSet::new();
    let mut retry: HashSet<usize> = HashSet::new();
    match sink.send_batch(&batch).await {
        Ok(()) => {}
        Err(SinkError::Records(failures)) => {
            for failure in failures {
                unwritten.insert(failure.index);
                if failure.retryable {
                    retry.insert(failure.index);
                } else if let Some(close) = to_write.get(failure.index) {
                    tracing::warn!(
                        reason = %failure.reason,
                        entity = %close.active.entity,
                        id = %close.active.id,
                        "the sink refused a synthetic close event; dropped"
                    );
                }
            }
        }
        Err(error) => {
            held.extend(to_write);
            return Err(error);
        }
    }
    let mut closed: BTreeMap<Entity, u64> = BTreeMap::new();
    for (index, close) in to_write.into_iter().enumerate() {
        if retry.contains(&index) {
            held.push(close);
        } else if !unwritten.contains(&index) {
            store.remove_active(&close.active).await?;
            *closed.entry(close.active.entity).or_default() += 1;
        }
    }
    report.closed = closed.into_iter().collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_trait::async_trait;

    use super::{ActiveEntityFixer, FixOutcome};
    use crate::{
        livekit_helper::{ActiveEntities, LivekitHelper, LivekitHelperError},
        sink::{Sink, SinkError},
        Batch,
    };

    /// A sink without an active-entity store.
    struct StorelessSink;

    #[async_trait]
    impl Sink for StorelessSink {
        fn capabilities(&self) -> crate::Capabilities {
            crate::Capabilities::APPEND_ONLY
        }

        async fn initialize(&self) -> Result<(), SinkError> {
            Ok(())
        }
        async fn send_batch(&self, _: &Batch) -> Result<(), SinkError> {
            Ok(())
        }
    }

    struct EmptyLivekit;

    #[async_trait]
    impl LivekitHelper for EmptyLivekit {
        async fn list_active_rooms(
            &self,
        ) -> Result<std::collections::HashSet<String>, LivekitHelperError> {
            Ok(Default::default())
        }
        async fn list_active_participants(
            &self,
        ) -> Result<std::collections::HashSet<String>, LivekitHelperError> {
            Ok(Default::default())
        }
        async fn list_active_egresses(
            &self,
        ) -> Result<std::collections::HashSet<String>, LivekitHelperError> {
            Ok(Default::default())
        }
        async fn list_active_ingresses(
            &self,
        ) -> Result<std::collections::HashSet<String>, LivekitHelperError> {
            Ok(Default::default())
        }
        async fn active_entities(&self) -> Result<ActiveEntities, LivekitHelperError> {
            Ok(ActiveEntities::default())
        }
    }

    fn fixer() -> ActiveEntityFixer {
        ActiveEntityFixer::new("test", Duration::from_secs(60), Duration::from_secs(60))
    }

    #[tokio::test]
    async fn a_sink_without_a_store_is_unsupported() {
        let outcome = fixer()
            .run(&StorelessSink, &EmptyLivekit)
            .await
            .expect("no error");
        assert_eq!(outcome, FixOutcome::Unsupported);
    }
}
