//! The sink compliance suite (feature `testkit`): the contract every sink keeps, proved once
//! here and run by each sink crate against its real database.
//!
//! A sink crate implements [`StoreProbe`] (how to read back what it stored) and calls
//! [`run_sink_compliance`] with a closure that makes a fresh, isolated target (own schema,
//! prefix, database or file) for each case. A sink that offers an
//! [`crate::fixer::ActiveEntityStore`] also calls [`run_fixer_compliance`] the same way.
//! Each case runs only when the sink declares the [`Capabilities`] it needs, and a sink
//! that declares what it does not do fails.

mod active_entity_cases;
#[cfg(test)]
mod append_only_sink;
mod cases;
mod fixer_cases;
mod lease_case;
mod long_values;
mod query_cases;
pub mod query_dataset;
mod query_explore_cases;
pub mod query_explore_dataset;

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    time::{Duration, SystemTime},
};

use async_trait::async_trait;
use serde_json::Value;

use crate::{record::Record, sink::Sink, Capabilities, Entity, RecordKind};

pub use crate::samples;
pub use fixer_cases::{run_fixer_compliance, sample_session_alive, ScriptedLivekit};
pub use lease_case::check_shared_fixer_lease;
pub use query_cases::run_query_compliance;

/// Reads back what a sink stored, in the sink's own storage.
#[async_trait]
pub trait StoreProbe: Send + Sync {
    /// Every stored id of `kind`.
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String>;
    /// The stored document of a record, as JSON, without the sink's own `_id` /
    /// `openvidu_expire_at` fields.
    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value>;
    /// Every `(entity, id)` in the active entities.
    async fn active_entities(&self) -> Vec<(Entity, String)>;
}

/// One sink under test, freshly isolated.
pub struct ComplianceTarget {
    pub sink: Arc<dyn Sink>,
    /// How to read back what the sink stored; `None` for a sink without read-back.
    pub probe: Option<Arc<dyn StoreProbe>>,
    /// Turns a good record into one this sink's database refuses (e.g. a document that is
    /// not valid JSON for a `CHECK (json_valid(data))` column).
    pub spoil: fn(Record) -> Record,
}

/// Makes a fresh target for one case.
pub type TargetFactory =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = ComplianceTarget> + Send>> + Send + Sync>;

impl ComplianceTarget {
    /// The probe, which a case needing read-back has (see [`check_declarations`]).
    pub fn probe(&self) -> &dyn StoreProbe {
        self.probe
            .as_deref()
            .expect("the sink declares read_back, so its target has a probe")
    }
}

/// Whether a sink declaring `declared` can run a case that needs `needs`.
pub(crate) fn declares(declared: Capabilities, needs: Capabilities) -> bool {
    (declared.read_back || !needs.read_back)
        && (declared.expiry || !needs.expiry)
        && (declared.active_entities || !needs.active_entities)
        && (declared.queries || !needs.queries)
}

/// Fails a target whose sink declares what its target cannot show: read-back without a
/// probe, active entities without a store (or a store it does not declare), queries
/// without a read side (or one it does not declare).
pub fn check_declarations(target: &ComplianceTarget) {
    let declared = target.sink.capabilities();
    assert!(
        !declared.read_back || target.probe.is_some(),
        "the sink declares read_back, but its compliance target has no probe"
    );
    assert_eq!(
        declared.active_entities,
        target.sink.active_entity_store().is_some(),
        "the sink declares active_entities = {} but active_entity_store() says otherwise",
        declared.active_entities
    );
    assert_eq!(
        declared.queries,
        target.sink.query().is_some(),
        "the sink declares queries = {} but query() says otherwise",
        declared.queries
    );
}

/// Runs every compliance case the sink declares what it needs for against fresh targets;
/// panics on the first broken promise, or when the sink declares what it does not do.
pub async fn run_sink_compliance(factory: TargetFactory) {
    let cases = cases::ALL.iter().chain(active_entity_cases::ALL);
    for (name, needs, case) in cases {
        let target = factory().await;
        check_declarations(&target);
        if !declares(target.sink.capabilities(), *needs) {
            eprintln!("compliance case skipped (not declared): {name}");
            continue;
        }
        target
            .sink
            .initialize()
            .await
            .unwrap_or_else(|error| panic!("{name}: initialize failed: {error}"));
        // Idempotent set-up: a second initialize changes nothing and does not fail.
        target
            .sink
            .initialize()
            .await
            .unwrap_or_else(|error| panic!("{name}: second initialize failed: {error}"));
        case(target).await;
        eprintln!("compliance case passed: {name}");
    }
}

/// Records of the sample session, expiring in an hour.
pub fn session_records(start: SystemTime) -> Vec<Record> {
    let now = SystemTime::now();
    let expiration = Duration::from_secs(3600);
    let events = samples::session_events(start)
        .into_iter()
        .map(|event| Record::from_event(event, expiration, now));
    let stats = samples::session_stats(start)
        .into_iter()
        .map(|stat| Record::from_stat(stat, expiration, now));
    events
        .chain(stats)
        .collect::<Result<_, _>>()
        .expect("sample messages convert")
}

/// The test server URL in `variable`; when it is unset, panics in CI (`CI` set) and returns
/// `None` elsewhere after saying how to start the server, so a missing server never makes
/// a test pass silently in CI.
pub fn server_url(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{variable} is not set: in CI every test server must be running (scripts/test.sh starts them)"
        ),
        _ => {
            eprintln!(
                "SKIPPED: {variable} is not set. Run the whole suite with scripts/test.sh, which starts the servers and sets it."
            );
            None
        }
    }
}
