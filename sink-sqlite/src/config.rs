//! `sinks.sqlite` settings.

use std::path::PathBuf;

use serde::Deserialize;

/// Where the SQLite file lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqliteConfig {
    /// The database file; created (with its folder) when missing.
    #[serde(default = "default_path")]
    pub path: PathBuf,
}

fn default_path() -> PathBuf {
    PathBuf::from(analytics_core::config::DEFAULT_SQLITE_PATH)
}
