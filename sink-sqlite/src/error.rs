//! How a SQLite error is handled, decided from its result code: a busy or locked database,
//! a full disk or an I/O error is retried; a file SQLite may not write, cannot open or does
//! not recognise (PERM, READONLY, AUTH, CANTOPEN, CORRUPT, NOTADB) or a missing table needs an
//! operator; a record the constraints refuse is never written.

use analytics_core::{RetryClass, SinkError};

/// SQLite's primary result codes this sink tells apart (an extended code keeps the
/// primary one in its low byte).
mod code {
    pub const ERROR: i64 = 1;
    pub const PERM: i64 = 3;
    pub const READONLY: i64 = 8;
    pub const CORRUPT: i64 = 11;
    pub const CANTOPEN: i64 = 14;
    pub const TOOBIG: i64 = 18;
    pub const CONSTRAINT: i64 = 19;
    pub const MISMATCH: i64 = 20;
    pub const AUTH: i64 = 23;
    pub const NOTADB: i64 = 26;
}

/// The retry class of a driver error.
pub(crate) fn classify(error: &sqlx::Error) -> RetryClass {
    match error {
        sqlx::Error::Database(db) => {
            let primary = db
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .map(|code| code & 0xff);
            match primary {
                Some(
                    code::ERROR
                    | code::PERM
                    | code::READONLY
                    | code::CORRUPT
                    | code::CANTOPEN
                    | code::AUTH
                    | code::NOTADB,
                ) => RetryClass::Operator,
                Some(code::TOOBIG | code::CONSTRAINT | code::MISMATCH) => RetryClass::Never,
                // BUSY, LOCKED, NOMEM, IOERR, FULL, SCHEMA, ...: may pass by itself.
                _ => RetryClass::Retry,
            }
        }
        sqlx::Error::Io(io) => io_class(io),
        sqlx::Error::Configuration(_) | sqlx::Error::InvalidArgument(_) => RetryClass::Operator,
        _ => RetryClass::Retry,
    }
}

/// The retry class of a file-system error (creating the database's folder).
pub(crate) fn io_class(error: &std::io::Error) -> RetryClass {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            RetryClass::Operator
        }
        _ => RetryClass::Retry,
    }
}

/// The [`SinkError`] of a driver error, `context` (what the sink was doing) before its
/// message when there is one.
pub(crate) fn sink_error_in(context: &str, error: sqlx::Error) -> SinkError {
    let message = if context.is_empty() {
        error.to_string()
    } else {
        format!("{context}: {error}")
    };
    SinkError::classified(classify(&error), message, error.into())
}

/// The [`SinkError`] of a driver error.
pub(crate) fn sink_error(error: sqlx::Error) -> SinkError {
    sink_error_in("", error)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection};

    use super::*;

    #[tokio::test]
    async fn a_read_only_database_needs_an_operator() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("analytics.db");
        let options = SqliteConnectOptions::from_str("sqlite://")
            .expect("options")
            .filename(&path)
            .create_if_missing(true);
        let mut connection = options.connect().await.expect("opens");
        sqlx::query("CREATE TABLE t (n INTEGER CHECK (n > 0))")
            .execute(&mut connection)
            .await
            .expect("created");
        let refused = sqlx::query("INSERT INTO t VALUES (-1)")
            .execute(&mut connection)
            .await
            .expect_err("check violated");
        assert_eq!(classify(&refused), RetryClass::Never);
        connection.close().await.expect("closed");

        let mut read_only = options.read_only(true).connect().await.expect("opens");
        let error = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut read_only)
            .await
            .expect_err("read-only");
        assert_eq!(classify(&error), RetryClass::Operator, "{error}");
        let error = sink_error(error);
        assert!(matches!(error, SinkError::Operator { .. }), "{error:?}");
        assert!(std::error::Error::source(&error).is_some());
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_needs_an_operator() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("analytics.db");
        std::fs::write(&path, vec![b'x'; 4096]).expect("written");
        let error = async {
            let mut connection = crate::connect_options(&path)?.connect().await?;
            sqlx::query("SELECT count(*) FROM sqlite_master")
                .execute(&mut connection)
                .await
        }
        .await
        .expect_err("not a database");
        assert_eq!(classify(&error), RetryClass::Operator, "{error}");
    }

    #[test]
    fn a_folder_without_permission_needs_an_operator_and_a_lost_file_is_retried() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(io_class(&denied), RetryClass::Operator);
        let blocked = std::io::Error::from(std::io::ErrorKind::NotADirectory);
        assert_eq!(io_class(&blocked), RetryClass::Retry);
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), RetryClass::Retry);
    }
}
