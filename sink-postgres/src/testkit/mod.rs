//! What tests and the bench need to use this sink (feature `testkit`): a schema of a test's
//! own on the test server with the sink's settings for it, and a probe reading back what
//! the sink stored.

mod probe;
mod test_schema;

pub use probe::PgProbe;
pub use test_schema::{drop_schema, settings, TestSchema};
