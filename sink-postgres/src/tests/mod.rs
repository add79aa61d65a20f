//! Tests against the real PostgreSQL named by `LKA_TEST_POSTGRES_URL`, each in its own
//! schema.

mod active_entities;
mod compliance;
mod example_queries;
mod expiry;
mod long_identifiers;
mod migrations;
mod reconnect;
mod schema;
mod stat_sums_migration;
pub(crate) mod support;
mod writes;
