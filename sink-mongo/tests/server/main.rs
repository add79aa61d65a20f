//! Tests of the MongoDB sink against a real MongoDB-compatible server (SecantusDB, started by
//! `scripts/servers/mongo.sh`, URL in `LKA_TEST_MONGO_URL`). One test binary, one module
//! per behaviour.

mod compliance;
mod explore;
mod fixer;
mod format;
mod indexes;
mod order;
mod probe;
mod query;
mod refusal;
mod restart;
mod targets;
mod throughput;
