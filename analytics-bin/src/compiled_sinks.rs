//! Links the sink crates selected by cargo features, so their `inventory` registrations are
//! part of the binary. Adding a destination: one feature in Cargo.toml and one line here.

#[cfg(feature = "jsonl")]
use sink_jsonl as _;
#[cfg(feature = "mongo")]
use sink_mongo as _;
#[cfg(feature = "postgres")]
use sink_postgres as _;
#[cfg(feature = "redis")]
use sink_redis as _;
#[cfg(feature = "sqlite")]
use sink_sqlite as _;

/// The sink types this binary can run.
pub fn compiled_sink_kinds() -> Vec<&'static str> {
    analytics_core::registry::compiled_sink_kinds()
}
