//! A SQLite file of a test's own, in a temporary folder that lives as long as it does, and
//! the sink settings that write into a given file.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use analytics_core::registry::Mapping;

use super::SqliteProbe;
use crate::{SqliteConfig, SqliteSink};

/// The sink settings (`path`) writing into the file at `path`.
pub fn settings(path: &Path) -> Mapping {
    let mut settings = Mapping::new();
    settings.insert("path".into(), path.display().to_string().into());
    settings
}

/// A file in a fresh temporary folder, not created yet (the sink creates it and its
/// parent folder).
pub struct TestFile {
    dir: Arc<tempfile::TempDir>,
    path: PathBuf,
}

impl TestFile {
    /// `nested/analytics.db` in a new temporary folder, so that the sink has a folder to
    /// create.
    pub fn new() -> TestFile {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary folder"));
        let path = dir.path().join("nested/analytics.db");
        TestFile { dir, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sink settings writing into this file.
    pub fn settings(&self) -> Mapping {
        settings(&self.path)
    }

    /// A sink writing into this file.
    pub fn sink(&self) -> Arc<SqliteSink> {
        Arc::new(SqliteSink::new(SqliteConfig {
            path: self.path.clone(),
        }))
    }

    /// A probe of this file, which keeps the temporary folder as long as it lives.
    pub fn probe(&self) -> SqliteProbe {
        SqliteProbe::in_dir(&self.path, self.dir.clone())
    }
}

impl Default for TestFile {
    fn default() -> TestFile {
        TestFile::new()
    }
}
