//! [`MongoSink`]: the policy of a batch (prepare documents, write events and stats side by
//! side, then move active entities for what was stored; with two batches in flight, the
//! events in the order the batches started) over a lazily made client.

use std::{collections::HashSet, time::SystemTime};

use analytics_core::{
    active_entities::net_active_entity_changes, fixer::ActiveEntityStore, sink::RecordFailure,
    write_order::WriteOrder, Batch, RecordKind, Sink, SinkError,
};
use async_trait::async_trait;
use mongodb::{
    bson::{Document, RawDocumentBuf},
    Database,
};
use tokio::sync::OnceCell;

use crate::{
    config::MongoSettings,
    document::stored_document,
    expiry,
    indexes::{self, ACTIVE_ENTITIES, EVENTS, STATS},
    writer::{self, Prepared},
};

/// The most records one write takes from a backlog: an `insert_many` of 10 000 prepared
/// documents costs the server less per document than ten of 1 000 (the bench's baseline
/// writes 10 000 a call), while a batch is still written once 1 000 records wait.
const BACKLOG_BATCH_SIZE: usize = 10_000;

/// Batches the sender may have in flight: the server writes one while the service converts
/// the next; their events stay in order ([`WriteOrder`]).
const BATCHES_IN_FLIGHT: usize = 2;

/// A MongoDB destination in openvidu-livekit's format.
pub struct MongoSink {
    name: String,
    /// Where it writes; the other modules of the crate read it too.
    pub(crate) settings: MongoSettings,
    /// The database, reached on first use ([`MongoSink::database`]).
    pub(crate) database: OnceCell<Database>,
    order: WriteOrder,
}

impl MongoSink {
    /// Inserts a batch's prepared events, then moves active entities by the net change of
    /// those newly stored (see `Sink::send_batch`); `unconverted` are the batch's records
    /// that could not be made documents. Returns the events the server refused.
    async fn write_events(
        &self,
        database: &Database,
        batch: &Batch,
        events: &[Prepared],
        unconverted: &[RecordFailure],
    ) -> Result<Vec<RecordFailure>, SinkError> {
        let inserted = writer::insert(
            &database.collection::<RawDocumentBuf>(EVENTS),
            events,
            &self.settings,
        )
        .await?;
        let mut not_new: HashSet<usize> = unconverted.iter().map(|failure| failure.index).collect();
        not_new.extend(&inserted.duplicates);
        not_new.extend(inserted.failures.iter().map(|failure| failure.index));
        let changes = net_active_entity_changes(batch, |index| !not_new.contains(&index));
        writer::apply_active_changes(
            &database.collection::<Document>(ACTIVE_ENTITIES),
            &changes,
            &self.settings,
        )
        .await?;
        Ok(inserted.failures)
    }

    /// A sink writing to `settings`. Does not touch the network: the client is made on first
    /// use.
    pub fn new(name: impl Into<String>, settings: MongoSettings) -> Result<MongoSink, SinkError> {
        let name = name.into();
        settings.validate().map_err(|error| {
            error.map_message(|reason| format!("openvidu.analytics.sinks.{name}: {reason}"))
        })?;
        Ok(MongoSink {
            name,
            settings,
            database: OnceCell::new(),
            order: WriteOrder::default(),
        })
    }
}

#[async_trait]
impl Sink for MongoSink {
    fn capabilities(&self) -> analytics_core::Capabilities {
        analytics_core::Capabilities::FULL
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        let database = self.database().await?;
        indexes::ensure(database, &self.settings).await?;
        tracing::info!(
            sink = %self.name,
            url = %self.settings.masked_url(),
            database = %self.settings.database,
            "MongoDB collections and indexes ready"
        );
        Ok(())
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        let ticket = self.order.ticket();
        let mut failures = Vec::new();
        let mut events = Vec::new();
        let mut stats = Vec::new();
        for (batch_index, record) in batch.iter().enumerate() {
            match stored_document(record) {
                Ok(document) => {
                    let prepared = Prepared {
                        batch_index,
                        document,
                    };
                    match record.kind {
                        RecordKind::Event => events.push(prepared),
                        RecordKind::Stat => stats.push(prepared),
                    }
                }
                Err(error) => failures.push(RecordFailure {
                    index: batch_index,
                    retryable: false,
                    reason: error.to_string(),
                }),
            }
        }
        let database = self.database().await?;
        let stats_collection = database.collection::<RawDocumentBuf>(STATS);
        // The stats go at once; the events and the active entities they move wait for the
        // batches started before this one.
        let (events_written, stats_inserted) = tokio::join!(
            async {
                ticket
                    .wait_for_turn()
                    .await
                    .map_err(SinkError::unavailable)?;
                let written = self.write_events(database, batch, &events, &failures).await;
                ticket.written(written.is_ok());
                written
            },
            writer::insert(&stats_collection, &stats, &self.settings),
        );
        failures.extend(events_written?);
        failures.extend(stats_inserted?.failures);
        failures.sort_by_key(|failure| failure.index);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Records(failures))
        }
    }

    fn batches_in_flight(&self) -> usize {
        BATCHES_IN_FLIGHT
    }

    fn preferred_backlog_batch_size(&self) -> Option<usize> {
        Some(BACKLOG_BATCH_SIZE)
    }

    fn query(&self) -> Option<&dyn analytics_core::query::SessionQuery> {
        Some(self)
    }

    fn active_entity_store(&self) -> Option<&dyn ActiveEntityStore> {
        Some(self)
    }

    /// A backstop to the TTL index, which MongoDB runs about once a minute.
    async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        expiry::expire(self.database().await?, now, &self.settings).await
    }
}
