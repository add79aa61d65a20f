//! What tests and the bench need to use this sink (feature `testkit`): a file of a test's
//! own with the sink's settings for it, and a probe reading back what the sink stored.

mod probe;
mod test_file;

pub use probe::SqliteProbe;
pub use test_file::{settings, TestFile};
