//! [`SinkError`]: what went wrong in a sink, the driver error that caused it, and its
//! [`RetryClass`] — whether the sender retries, reports to an operator, or drops.

/// The driver error behind a [`SinkError`], kept so the cause chain is not lost.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What retrying a failed operation can achieve. Each sink crate's `error.rs` decides it
/// from its driver's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryClass {
    /// Transient: the database is unreachable, timing out, overloaded, restarting. Retry
    /// with backoff; it usually passes by itself.
    Retry,
    /// Needs a person: permission, authentication, a missing database, a schema or a
    /// setting that is wrong. Retried at a slow pace (the operator may fix it while we
    /// wait), and reported: logged, counted and named in `/readyz`.
    Operator,
    /// The record itself is bad: sending it again cannot succeed.
    Never,
}

impl RetryClass {
    /// The class's name in logs and in `/readyz` (`retry`, `operator`, `never`).
    pub fn as_str(self) -> &'static str {
        match self {
            RetryClass::Retry => "retry",
            RetryClass::Operator => "operator",
            RetryClass::Never => "never",
        }
    }
}

impl std::fmt::Display for RetryClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record of a batch that the sink could not write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFailure {
    /// Index of the record in the batch.
    pub index: usize,
    /// Whether writing it again may succeed.
    pub retryable: bool,
    /// What the database said.
    pub reason: String,
}

impl RecordFailure {
    /// [`RetryClass::Retry`] for a record worth sending again, else [`RetryClass::Never`].
    pub fn class(&self) -> RetryClass {
        if self.retryable {
            RetryClass::Retry
        } else {
            RetryClass::Never
        }
    }
}

/// A failed write or set-up. Each variant but [`SinkError::Records`] keeps the driver
/// error that caused it (if any) as its [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The database cannot be reached or is not ready: retry the whole batch later.
    #[error("database unavailable: {message}")]
    Unavailable {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Some records failed; every record not listed was stored.
    #[error("{} record(s) of the batch failed, first: {}", .0.len(), .0.first().map(|f| f.reason.as_str()).unwrap_or(""))]
    Records(Vec<RecordFailure>),
    /// The sink's settings are wrong; retrying does not help until someone changes them.
    #[error("invalid settings: {message}")]
    Config {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The database refused the operation for a reason a person must fix: permission,
    /// authentication, a missing database or schema.
    #[error("{message}")]
    Operator {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The database refused the whole operation for a reason retrying does not fix.
    #[error("{message}")]
    Fatal {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The operation is not available in this sink.
    #[error("not supported by this sink: {0}")]
    Unsupported(&'static str),
}

impl SinkError {
    /// What retrying the operation (or the failed records) can achieve.
    pub fn class(&self) -> RetryClass {
        match self {
            SinkError::Unavailable { .. } => RetryClass::Retry,
            SinkError::Records(failures) if failures.iter().any(|f| f.retryable) => {
                RetryClass::Retry
            }
            SinkError::Config { .. } | SinkError::Operator { .. } => RetryClass::Operator,
            SinkError::Records(_) | SinkError::Fatal { .. } | SinkError::Unsupported(_) => {
                RetryClass::Never
            }
        }
    }

    /// Whether retrying the operation (or the failed records) may succeed by itself.
    pub fn is_retryable(&self) -> bool {
        self.class() == RetryClass::Retry
    }

    /// A whole-operation error of `class`, with its message and the driver error behind it.
    pub fn classified(
        class: RetryClass,
        message: impl Into<String>,
        source: BoxError,
    ) -> SinkError {
        let message = message.into();
        let source = Some(source);
        match class {
            RetryClass::Retry => SinkError::Unavailable { message, source },
            RetryClass::Operator => SinkError::Operator { message, source },
            RetryClass::Never => SinkError::Fatal { message, source },
        }
    }

    /// An unavailable-database error from any displayable cause (no driver error kept).
    pub fn unavailable(cause: impl std::fmt::Display) -> SinkError {
        SinkError::Unavailable {
            message: cause.to_string(),
            source: None,
        }
    }

    /// An invalid-settings error.
    pub fn config(message: impl Into<String>) -> SinkError {
        SinkError::Config {
            message: message.into(),
            source: None,
        }
    }

    /// An error a person must fix, with no driver error behind it.
    pub fn operator(message: impl Into<String>) -> SinkError {
        SinkError::Operator {
            message: message.into(),
            source: None,
        }
    }

    /// A whole-operation refusal that retrying does not fix, with no driver error behind it.
    pub fn fatal(message: impl Into<String>) -> SinkError {
        SinkError::Fatal {
            message: message.into(),
            source: None,
        }
    }

    /// The same error with its message rewritten (to mask secrets), source and class kept.
    pub fn map_message(self, rewrite: impl FnOnce(String) -> String) -> SinkError {
        match self {
            SinkError::Unavailable { message, source } => SinkError::Unavailable {
                message: rewrite(message),
                source,
            },
            SinkError::Config { message, source } => SinkError::Config {
                message: rewrite(message),
                source,
            },
            SinkError::Operator { message, source } => SinkError::Operator {
                message: rewrite(message),
                source,
            },
            SinkError::Fatal { message, source } => SinkError::Fatal {
                message: rewrite(message),
                source,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn the_driver_error_is_the_source_and_the_class_follows_the_variant() {
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let error = SinkError::classified(RetryClass::Operator, "permission denied", io.into());
        assert_eq!(error.class(), RetryClass::Operator);
        assert!(!error.is_retryable());
        assert!(error.source().is_some());
        assert_eq!(error.to_string(), "permission denied");
        assert_eq!(
            SinkError::unavailable("down").to_string(),
            "database unavailable: down"
        );
        assert!(SinkError::unavailable("down").is_retryable());
    }

    #[test]
    fn records_are_retried_when_one_of_them_may_pass() {
        let failure = |retryable| RecordFailure {
            index: 0,
            retryable,
            reason: "x".into(),
        };
        assert_eq!(
            SinkError::Records(vec![failure(false), failure(true)]).class(),
            RetryClass::Retry
        );
        assert_eq!(
            SinkError::Records(vec![failure(false)]).class(),
            RetryClass::Never
        );
    }
}
