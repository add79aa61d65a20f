//! What tests and the bench need to use this sink (feature `testkit`): a file of a test's
//! own with the sink's settings for it, a probe reading back what the sink stored, and the
//! schema an older version made (for migration tests).

mod probe;
mod test_file;

pub use probe::SqliteProbe;
pub use test_file::{settings, TestFile};

/// The statements that build the schema exactly as migrations 1 to `version` left it, with
/// `PRAGMA user_version` set to `version`.
pub fn schema_at_version(version: usize) -> String {
    let mut statements: String = crate::schema::MIGRATIONS[..version].concat();
    statements.push_str(&format!("PRAGMA user_version = {version};"));
    statements
}
