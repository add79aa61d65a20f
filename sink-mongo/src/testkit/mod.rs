//! What tests and the bench need to use this sink (feature `testkit`): a database of a
//! test's own with the sink's settings for it, dropping a database afterwards, and a probe
//! reading back what the sink stored.

mod probe;
mod test_database;

pub use probe::{all, MongoProbe};
pub use test_database::{drop_database, fresh_database_name, settings};
