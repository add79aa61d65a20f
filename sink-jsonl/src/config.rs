//! `sinks.<name>: { type: jsonl, ... }` settings: where the lines go and whether each batch
//! is synced to disk before it counts as written.

use std::path::{Path, PathBuf};

use analytics_core::SinkError;
use serde::Deserialize;

/// The settings of a JSON-lines sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlConfig {
    /// The file the lines are appended to, created (with its folder) when missing; `-`
    /// writes them to the service's standard output instead (its logs go to standard
    /// error). Required.
    pub path: PathBuf,
    /// Flush and `fsync` the file after every batch, so that a batch the sink acknowledged
    /// is on disk (default `true`). `false` hands each batch to the operating system without
    /// waiting for the disk: a process crash still loses nothing, a power cut may lose the
    /// last batches. Standard output is flushed after every batch either way.
    #[serde(default = "default_fsync")]
    pub fsync: bool,
}

fn default_fsync() -> bool {
    true
}

/// Where the lines of a sink go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The service's standard output (`path: "-"`).
    Stdout,
    /// A file, appended to.
    File(PathBuf),
}

impl Output {
    /// What the output is called in logs and errors: the file's path, or `standard output`.
    pub fn describe(&self) -> String {
        match self {
            Output::Stdout => "standard output".to_owned(),
            Output::File(path) => path.display().to_string(),
        }
    }
}

impl JsonlConfig {
    /// Where the lines go: `-` is standard output, anything else a file.
    pub fn output(&self) -> Output {
        if self.path == Path::new("-") {
            Output::Stdout
        } else {
            Output::File(self.path.clone())
        }
    }

    /// Refuses settings no file can be opened with (an empty `path`), naming the sink
    /// `name`; touches no file.
    pub fn check(&self, name: &str) -> Result<(), SinkError> {
        if self.path.as_os_str().is_empty() {
            return Err(SinkError::config(format!(
                "openvidu.analytics.sinks.{name}.path is empty: name a file, or \"-\" for standard output"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<JsonlConfig, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn a_dash_is_standard_output_and_fsync_defaults_to_true() {
        let config = parse(r#"{"path": "-"}"#).expect("valid");
        assert_eq!(config.output(), Output::Stdout);
        assert!(config.fsync);
        let config = parse(r#"{"path": "out/records.jsonl", "fsync": false}"#).expect("valid");
        assert_eq!(
            config.output(),
            Output::File(PathBuf::from("out/records.jsonl"))
        );
        assert!(!config.fsync);
    }

    #[test]
    fn an_unknown_or_missing_setting_is_refused() {
        let unknown = parse(r#"{"path": "-", "fsynk": true}"#).expect_err("unknown field");
        assert!(unknown.contains("fsynk"), "{unknown}");
        let missing = parse(r#"{"fsync": true}"#).expect_err("path required");
        assert!(missing.contains("path"), "{missing}");
    }

    #[test]
    fn an_empty_path_is_a_settings_error_naming_the_sink() {
        let config = parse(r#"{"path": ""}"#).expect("parses");
        let error = config.check("debug").expect_err("empty path");
        assert!(matches!(error, SinkError::Config { .. }), "{error:?}");
        assert!(error.to_string().contains("sinks.debug.path"), "{error}");
    }
}
