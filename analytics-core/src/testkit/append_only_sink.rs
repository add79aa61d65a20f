//! A test-only sink that appends every record to memory and declares nothing else, to prove
//! that such a sink passes the compliance suite for what it declares, and that a sink
//! declaring a capability it lacks fails it.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use serde_json::Value;

use super::{run_fixer_compliance, run_sink_compliance, ComplianceTarget, StoreProbe};
use crate::{
    record::Record,
    sink::{RecordFailure, SinkError},
    Batch, Capabilities, Entity, RecordKind, Sink,
};

/// Appends each batch to a list; declares `capabilities` (honestly only for
/// [`Capabilities::APPEND_ONLY`]).
struct AppendOnlySink {
    records: Mutex<Vec<Arc<Record>>>,
    capabilities: Capabilities,
}

#[async_trait]
impl Sink for AppendOnlySink {
    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        let mut records = self.records.lock().expect("not poisoned");
        let mut stored: BTreeSet<String> = records.iter().map(|r| r.id.clone()).collect();
        let mut failures = Vec::new();
        for (index, record) in batch.iter().enumerate() {
            if serde_json::from_str::<Value>(&record.document_json).is_err() {
                failures.push(RecordFailure {
                    index,
                    retryable: false,
                    reason: "the document is not JSON".to_owned(),
                });
            } else if stored.insert(record.id.clone()) {
                records.push(record.clone());
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Records(failures))
        }
    }
}

/// Reads the list back, for the case of a sink that declares expiry it does not do.
struct ListProbe(Arc<AppendOnlySink>);

#[async_trait]
impl StoreProbe for ListProbe {
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        let records = self.0.records.lock().expect("not poisoned");
        records
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.id.clone())
            .collect()
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let records = self.0.records.lock().expect("not poisoned");
        records
            .iter()
            .find(|r| r.kind == kind && r.id == id)
            .map(|r| Value::Object(r.document()))
    }

    async fn active_entities(&self) -> Vec<(Entity, String)> {
        Vec::new()
    }
}

fn target(capabilities: Capabilities, with_probe: bool) -> ComplianceTarget {
    let sink = Arc::new(AppendOnlySink {
        records: Mutex::new(Vec::new()),
        capabilities,
    });
    let probe: Option<Arc<dyn StoreProbe>> = if with_probe {
        Some(Arc::new(ListProbe(sink.clone())))
    } else {
        None
    };
    ComplianceTarget {
        sink,
        probe,
        spoil: |mut record| {
            record.document_json = "{not json".to_owned();
            record
        },
    }
}

/// Whether the compliance suite (sink and fixer) fails for targets made by `make`.
async fn suite_fails(make: fn() -> ComplianceTarget) -> bool {
    let run = tokio::spawn(async move {
        run_sink_compliance(Box::new(move || Box::pin(async move { make() }))).await;
        run_fixer_compliance(Box::new(move || Box::pin(async move { make() }))).await;
    });
    run.await.is_err()
}

#[tokio::test]
async fn an_append_only_sink_passes_the_suite_for_what_it_declares() {
    assert!(!suite_fails(|| target(Capabilities::APPEND_ONLY, false)).await);
}

#[tokio::test]
async fn a_sink_with_read_back_passes_the_suite_for_what_it_declares() {
    assert!(!suite_fails(|| target(declared_read_back(), true)).await);
}

#[tokio::test]
async fn declaring_read_back_without_a_probe_fails_the_suite() {
    assert!(suite_fails(|| target(declared_read_back(), false)).await);
}

#[tokio::test]
async fn declaring_expiry_that_does_not_happen_fails_the_suite() {
    assert!(
        suite_fails(|| target(
            Capabilities {
                expiry: true,
                ..declared_read_back()
            },
            true
        ))
        .await
    );
}

#[tokio::test]
async fn declaring_active_entities_without_a_store_fails_the_suite() {
    assert!(
        suite_fails(|| target(
            Capabilities {
                active_entities: true,
                ..Capabilities::APPEND_ONLY
            },
            false
        ))
        .await
    );
}

#[tokio::test]
async fn declaring_queries_without_a_read_side_fails_the_suite() {
    assert!(
        suite_fails(|| target(
            Capabilities {
                queries: true,
                ..Capabilities::APPEND_ONLY
            },
            false
        ))
        .await
    );
}

fn declared_read_back() -> Capabilities {
    Capabilities {
        read_back: true,
        ..Capabilities::APPEND_ONLY
    }
}
