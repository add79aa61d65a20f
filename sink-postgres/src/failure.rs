//! How a PostgreSQL error is handled: retry the batch later, isolate the rows the server
//! refuses, or give up on the operation.

use analytics_core::SinkError;

/// What an error from the server or the driver means for the write that got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server is unreachable, restarting, overloaded or cancelled us: retry later.
    Unavailable(String),
    /// The server refused the data (SQLSTATE classes 22 data exception, 23 integrity
    /// violation, 54 program limit such as an index row too large): some row is bad, and
    /// sending it again will not help.
    Refused(String),
    /// The schema or a table is gone (dropped, or a database restored without it): set up
    /// again, then retry.
    SchemaMissing(String),
    /// Anything else (schema missing, permission denied, a driver bug): a retry of the
    /// whole operation might help once someone fixes the cause.
    Fatal(String),
}

impl Failure {
    pub(crate) fn of(error: &sqlx::Error) -> Failure {
        match error {
            sqlx::Error::Database(db) => {
                let class = db
                    .code()
                    .map(|code| code.chars().take(2).collect::<String>());
                let message = match db.code() {
                    Some(code) => format!("{} (SQLSTATE {code})", db.message()),
                    None => db.message().to_owned(),
                };
                if matches!(db.code().as_deref(), Some("42P01" | "3F000")) {
                    return Failure::SchemaMissing(message);
                }
                match class.as_deref() {
                    Some("22" | "23" | "54") => Failure::Refused(message),
                    // 42: syntax, undefined table, insufficient privilege.
                    Some("42") => Failure::Fatal(message),
                    // 08 connection, 57 shutdown/cancel, 53 resources, 40 deadlock, ...
                    _ => Failure::Unavailable(message),
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Failure::Unavailable(error.to_string()),
            other => Failure::Fatal(other.to_string()),
        }
    }

    /// The error of an operation that is retried as a whole (set-up, expiry).
    pub(crate) fn into_sink_error(self) -> SinkError {
        match self {
            Failure::Unavailable(reason) | Failure::SchemaMissing(reason) => {
                SinkError::Unavailable(reason)
            }
            Failure::Refused(reason) | Failure::Fatal(reason) => SinkError::Fatal(reason),
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Failure {
        Failure::of(&error)
    }
}
