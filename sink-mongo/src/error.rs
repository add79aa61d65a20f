//! Which MongoDB failures are worth retrying, decided from the driver's `ErrorKind`, server
//! error codes and error labels: the policy that turns a driver error into a [`SinkError`]
//! (retry, operator — credentials, roles, settings — or never) and a per-document write
//! error into success, retry or refusal.

use analytics_core::{RetryClass, SinkError};
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

/// Server codes of a user that may not do what the sink asks: 13 Unauthorized, 18
/// AuthenticationFailed.
const OPERATOR_CODES: &[i32] = &[13, 18];

/// The retry class of a whole-operation driver error.
pub fn classify(error: &Error) -> RetryClass {
    let transient_label = [
        "RetryableWriteError",
        "TransientTransactionError",
        "RetryableError",
    ]
    .iter()
    .any(|label| error.contains_label(label));
    match error.kind.as_ref() {
        _ if transient_label => RetryClass::Retry,
        ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::ServerSelection { .. }
        | ErrorKind::DnsResolve { .. } => RetryClass::Retry,
        ErrorKind::Command(command) if TRANSIENT_CODES.contains(&command.code) => RetryClass::Retry,
        ErrorKind::Command(command) if OPERATOR_CODES.contains(&command.code) => {
            RetryClass::Operator
        }
        ErrorKind::Authentication { .. }
        | ErrorKind::InvalidArgument { .. }
        | ErrorKind::InvalidTlsConfig { .. } => RetryClass::Operator,
        // A write concern that could not be satisfied in time: the write may have happened,
        // and writing again is safe (duplicate keys are success).
        ErrorKind::Write(WriteFailure::WriteConcernError(_)) => RetryClass::Retry,
        ErrorKind::InsertMany(failure) if failure.write_errors.is_none() => RetryClass::Retry,
        _ => RetryClass::Never,
    }
}

/// The sink error of a whole-operation driver error, credentials masked, the driver error
/// kept as its source.
pub fn sink_error(error: &Error, settings: &MongoSettings) -> SinkError {
    let message = settings.scrub(&error.to_string());
    let source = Some(error.clone().into());
    match (classify(error), error.kind.as_ref()) {
        (RetryClass::Operator, ErrorKind::Command(_)) => SinkError::Config {
            message: format!(
                "MongoDB refused the credentials or the role of the user in the mongo url: {message}"
            ),
            source,
        },
        (RetryClass::Operator, ErrorKind::Authentication { .. }) => SinkError::Config {
            message: format!("MongoDB refused the credentials in the mongo url: {message}"),
            source,
        },
        (RetryClass::Operator, _) => SinkError::Config { message, source },
        (RetryClass::Retry, _) => SinkError::Unavailable { message, source },
        (RetryClass::Never, _) => SinkError::Fatal { message, source },
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

    /// SecantusDB, the test server, has no users: the driver's errors are built as it
    /// builds them from a server's reply.
    #[test]
    fn refused_credentials_and_roles_need_an_operator() {
        let unauthorized: mongodb::error::CommandError = mongodb::bson::from_document(
            mongodb::bson::doc! { "code": 13, "codeName": "Unauthorized", "errmsg": "not authorized on openvidu to execute command { insert: ... }" },
        )
        .expect("a command error");
        let unauthorized = Error::from(ErrorKind::Command(unauthorized));
        assert_eq!(classify(&unauthorized), RetryClass::Operator);
        let failed: mongodb::error::CommandError = mongodb::bson::from_document(
            mongodb::bson::doc! { "code": 18, "codeName": "AuthenticationFailed", "errmsg": "Authentication failed." },
        )
        .expect("a command error");
        assert_eq!(
            classify(&Error::from(ErrorKind::Command(failed))),
            RetryClass::Operator
        );
        let settings = MongoSettings {
            url: "mongodb://u:hunter2@127.0.0.1:1".into(),
            database: "openvidu".into(),
        };
        let error = sink_error(&unauthorized, &settings);
        assert!(!error.is_retryable());
        assert_eq!(error.class(), RetryClass::Operator);
        assert!(std::error::Error::source(&error).is_some());
    }

    #[test]
    fn lost_servers_are_retried() {
        let io = Error::from(ErrorKind::Io(std::sync::Arc::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        ))));
        assert_eq!(classify(&io), RetryClass::Retry);
    }
}
