//! What tests and the bench need to use this sink (feature `testkit`): a key prefix of a
//! test's own with the sink's settings for it, deleting a prefix afterwards, and a probe
//! reading back what the sink stored.

mod probe;
mod test_prefix;

pub use probe::RedisProbe;
pub use test_prefix::{delete_prefix, settings, unique_prefix};
