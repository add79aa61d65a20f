//! Which MongoDB failures are worth retrying: the policy that turns a driver error into a
//! [`SinkError`] and a per-document write error into success, retry or refusal.

use analytics_core::SinkError;
use mongodb::error::{Error, ErrorKind, WriteFailure};

use crate::config::MongoSettings;

/// Duplicate key: the record is already stored, which is success for idempotent writes.
pub const DUPLICATE_KEY: i32 = 11000;

/// Server codes of a server that is away, stepping down, shutting down or overloaded: the
/// same write may succeed later (the driver's retryable-write codes and a few more).
const TRANSIENT_CODES: &[i32] = &[
    6,     // HostUnreachable
    7,     // HostNotFound
    50,    // MaxTimeMSExpired
    64,    // WriteConcernFailed
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    112,   // WriteConflict
    189,   // PrimarySteppedDown
    202,   // NetworkInterfaceExceededTimeLimit
    262,   // ExceededTimeLimit
    9001,  // SocketException
    10107, // NotWritablePrimary
    11600, // InterruptedAtShutdown
    11601, // Interrupted
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
    16500, // request rate too large (Cosmos DB / Atlas throttling)
];

/// Per-document codes that say the document itself is unacceptable: retrying the same
/// document cannot succeed.
const INVALID_DOCUMENT_CODES: &[i32] = &[
    2,     // BadValue
    9,     // FailedToParse
    14,    // TypeMismatch
    22,    // InvalidBSON
    52,    // DollarPrefixedFieldName
    53,    // InvalidIdField
    55,    // InvalidDBRef
    56,    // EmptyFieldName
    57,    // DottedFieldName
    121,   // DocumentValidationFailure
    10334, // BSONObjectTooLarge
    17280, // KeyTooLong
    17419, // document too large
    17420, // document too large after update
];

/// Whether a per-document write error with `code` may succeed when the document is sent
/// again. Duplicate keys are not errors at all (see [`DUPLICATE_KEY`]).
pub fn document_error_is_retryable(code: i32) -> bool {
    !INVALID_DOCUMENT_CODES.contains(&code)
}

/// The sink error of a whole-operation driver error, credentials masked.
pub fn sink_error(error: &Error, settings: &MongoSettings) -> SinkError {
    let message = settings.scrub(&error.to_string());
    let transient_label = [
        "RetryableWriteError",
        "TransientTransactionError",
        "RetryableError",
    ]
    .iter()
    .any(|label| error.contains_label(label));
    match error.kind.as_ref() {
        _ if transient_label => SinkError::Unavailable(message),
        ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::ServerSelection { .. }
        | ErrorKind::DnsResolve { .. } => SinkError::Unavailable(message),
        ErrorKind::Command(command) if TRANSIENT_CODES.contains(&command.code) => {
            SinkError::Unavailable(message)
        }
        ErrorKind::Command(command) if command.code == 13 || command.code == 18 => {
            SinkError::Config(format!(
                "MongoDB refused the credentials or the role of the user in the mongo url: {message}"
            ))
        }
        ErrorKind::Authentication { .. } => SinkError::Config(format!(
            "MongoDB refused the credentials in the mongo url: {message}"
        )),
        ErrorKind::InvalidArgument { .. } | ErrorKind::InvalidTlsConfig { .. } => {
            SinkError::Config(message)
        }
        // A write concern that could not be satisfied in time: the write may have happened,
        // and writing again is safe (duplicate keys are success).
        ErrorKind::Write(WriteFailure::WriteConcernError(_)) => SinkError::Unavailable(message),
        ErrorKind::InsertMany(failure) if failure.write_errors.is_none() => {
            SinkError::Unavailable(message)
        }
        _ => SinkError::Fatal(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_invalid_documents_are_final() {
        assert!(!document_error_is_retryable(52));
        assert!(!document_error_is_retryable(10334));
        assert!(document_error_is_retryable(10107));
        assert!(document_error_is_retryable(91));
        assert!(document_error_is_retryable(12345));
    }
}
