//! How a file error is handled, decided from its [`std::io::ErrorKind`]: a path the service
//! may not write or that cannot be a file (permission, a read-only file system, a folder
//! where the file should be, a file where a folder should be, a file at its size limit, a
//! closed standard output) needs an operator; a full disk and every other I/O error are
//! retried.

use std::io::{self, ErrorKind};

use analytics_core::{RetryClass, SinkError};

use crate::config::Output;

/// The retry class of a file-system error.
pub(crate) fn classify(error: &io::Error) -> RetryClass {
    match error.kind() {
        ErrorKind::PermissionDenied
        | ErrorKind::ReadOnlyFilesystem
        | ErrorKind::IsADirectory
        | ErrorKind::NotADirectory
        | ErrorKind::InvalidFilename
        | ErrorKind::FileTooLarge
        | ErrorKind::BrokenPipe => RetryClass::Operator,
        // StorageFull, QuotaExceeded, Interrupted, plain EIO, ...: may pass by itself.
        _ => RetryClass::Retry,
    }
}

/// The [`SinkError`] of `error`, met while `doing` (e.g. `append to`) `output`, with what to
/// do about it; the I/O error is its source.
pub(crate) fn sink_error(doing: &str, output: &Output, error: io::Error) -> SinkError {
    let class = classify(&error);
    let advice = match class {
        RetryClass::Operator => "let the service's user write there, or change the sink's `path`",
        _ => "retried until it passes",
    };
    let message = format!("cannot {doing} {}: {error}; {advice}", output.describe());
    SinkError::classified(class, message, error.into())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn permission_and_wrong_paths_need_an_operator() {
        for kind in [
            ErrorKind::PermissionDenied,
            ErrorKind::ReadOnlyFilesystem,
            ErrorKind::IsADirectory,
            ErrorKind::NotADirectory,
            ErrorKind::BrokenPipe,
        ] {
            assert_eq!(
                classify(&io::Error::from(kind)),
                RetryClass::Operator,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_full_disk_and_other_io_errors_are_retried() {
        for kind in [
            ErrorKind::StorageFull,
            ErrorKind::QuotaExceeded,
            ErrorKind::Interrupted,
            ErrorKind::Other,
        ] {
            assert_eq!(
                classify(&io::Error::from(kind)),
                RetryClass::Retry,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn the_error_names_the_file_and_keeps_its_cause() {
        let output = Output::File(PathBuf::from("/var/log/records.jsonl"));
        let error = sink_error(
            "append to",
            &output,
            io::Error::from(ErrorKind::PermissionDenied),
        );
        assert!(matches!(error, SinkError::Operator { .. }), "{error:?}");
        assert!(!error.is_retryable());
        let message = error.to_string();
        assert!(
            message.contains("cannot append to /var/log/records.jsonl"),
            "{message}"
        );
        assert!(message.contains("change the sink's `path`"), "{message}");
        assert!(std::error::Error::source(&error).is_some());
    }
}
