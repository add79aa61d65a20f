//! How a PostgreSQL error is handled, decided from its SQLSTATE: retry the batch later,
//! isolate the rows the server refuses, set the schema up again, or report it to an
//! operator (authentication, permission, a missing database, a schema this build cannot use).

use analytics_core::{RetryClass, SinkError};

/// What an error from the server or the driver means for the write that got it. Each
/// variant keeps the driver error it came from.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server is unreachable, restarting, overloaded or cancelled us: retry later.
    Unavailable(Cause),
    /// The server refused the data (SQLSTATE classes 22 data exception, 23 integrity
    /// violation, 54 program limit such as an index row too large): some row is bad, and
    /// sending it again will not help.
    Refused(Cause),
    /// The schema or a table is gone (dropped, or a database restored without it): set up
    /// again, then retry.
    SchemaMissing(Cause),
    /// A person must act: authentication (class 28), permission (42501), the database
    /// missing (3D000), or another schema or statement error (class 42), or the driver's
    /// settings.
    Operator(Cause),
}

/// The message of a [`Failure`] and the driver error behind it.
#[derive(Debug)]
pub(crate) struct Cause {
    pub(crate) message: String,
    source: Option<sqlx::Error>,
}

impl Cause {
    /// A cause the driver did not report (a timeout, a batch held back).
    pub(crate) fn new(message: impl Into<String>) -> Cause {
        Cause {
            message: message.into(),
            source: None,
        }
    }

    fn into_parts(self) -> (String, Option<analytics_core::sink::BoxError>) {
        (self.message, self.source.map(Into::into))
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Classifies a driver error by its SQLSTATE (or, without one, by the kind of driver error).
pub(crate) fn classify(error: sqlx::Error) -> Failure {
    let (code, message) = match &error {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|code| code.into_owned());
            let message = match &code {
                Some(code) => format!("{} (SQLSTATE {code})", db.message()),
                None => db.message().to_owned(),
            };
            (code, message)
        }
        other => (None, other.to_string()),
    };
    let cause = Cause {
        message,
        source: None,
    };
    let failure = match code.as_deref() {
        Some("42P01" | "3F000") => Failure::SchemaMissing(cause),
        Some("42501" | "3D000") => Failure::Operator(cause),
        Some(code) => match code.get(..2) {
            Some("22" | "23" | "54") => Failure::Refused(cause),
            // 28: invalid authorization; 42: syntax, undefined column or function.
            Some("28" | "42") => Failure::Operator(cause),
            // 08 connection, 57 shutdown/cancel, 53 resources, 40 deadlock, ...
            _ => Failure::Unavailable(cause),
        },
        None => match &error {
            sqlx::Error::Configuration(_)
            | sqlx::Error::InvalidArgument(_)
            | sqlx::Error::Migrate(_) => Failure::Operator(cause),
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Database(_) => Failure::Unavailable(cause),
            _ => Failure::Operator(cause),
        },
    };
    failure.with_source(error)
}

/// The [`SinkError`] of a driver error in an operation retried as a whole (set-up, expiry,
/// the fixer's queries).
pub(crate) fn sink_error(error: sqlx::Error) -> SinkError {
    classify(error).into_sink_error()
}

impl Failure {
    fn with_source(self, error: sqlx::Error) -> Failure {
        let keep = |cause: Cause| Cause {
            source: Some(error),
            ..cause
        };
        match self {
            Failure::Unavailable(cause) => Failure::Unavailable(keep(cause)),
            Failure::Refused(cause) => Failure::Refused(keep(cause)),
            Failure::SchemaMissing(cause) => Failure::SchemaMissing(keep(cause)),
            Failure::Operator(cause) => Failure::Operator(keep(cause)),
        }
    }

    /// The retry class of the failure.
    pub(crate) fn class(&self) -> RetryClass {
        match self {
            Failure::Unavailable(_) | Failure::SchemaMissing(_) => RetryClass::Retry,
            Failure::Operator(_) => RetryClass::Operator,
            Failure::Refused(_) => RetryClass::Never,
        }
    }

    /// The error of an operation that is retried as a whole (set-up, expiry).
    pub(crate) fn into_sink_error(self) -> SinkError {
        let class = self.class();
        let (message, source) = match self {
            Failure::Unavailable(cause)
            | Failure::Refused(cause)
            | Failure::SchemaMissing(cause)
            | Failure::Operator(cause) => cause.into_parts(),
        };
        match source {
            Some(source) => SinkError::classified(class, message, source),
            None => match class {
                RetryClass::Retry => SinkError::unavailable(message),
                RetryClass::Operator => SinkError::operator(message),
                RetryClass::Never => SinkError::fatal(message),
            },
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unavailable(cause)
            | Failure::Refused(cause)
            | Failure::SchemaMissing(cause)
            | Failure::Operator(cause) => cause.fmt(f),
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Failure {
        classify(error)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use sqlx::{postgres::PgConnectOptions, ConnectOptions, Connection};

    use super::*;
    use crate::tests::support::TestSchema;

    /// A login role of its own, with `password`, dropped by the caller.
    async fn create_role(schema: &TestSchema, password: &str) -> String {
        let role = format!("{}_role", schema.name);
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"
        )))
        .execute(&schema.admin)
        .await
        .expect("role created");
        role
    }

    async fn drop_role(schema: &TestSchema, role: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""
        )))
        .execute(&schema.admin)
        .await
        .expect("role dropped");
    }

    fn options(schema: &TestSchema, role: &str, password: &str) -> PgConnectOptions {
        let options: PgConnectOptions = schema.url.parse().expect("test URL");
        options.username(role).password(password)
    }

    /// The test server trusts local connections, so a wrong password passes; a role that
    /// may not log in is refused the same way (SQLSTATE class 28).
    #[tokio::test]
    async fn a_refused_login_and_a_missing_database_are_operator_errors() {
        let Some(schema) = TestSchema::new().await else {
            return;
        };
        let role = create_role(&schema, "pw").await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER ROLE \"{role}\" NOLOGIN"
        )))
        .execute(&schema.admin)
        .await
        .expect("login taken away");
        let error = options(&schema, &role, "pw")
            .connect()
            .await
            .expect_err("refused");
        let failure = classify(error);
        assert!(failure.to_string().contains("SQLSTATE 28"), "{failure}");
        assert_eq!(failure.class(), RetryClass::Operator);
        let error = failure.into_sink_error();
        assert!(matches!(error, SinkError::Operator { .. }), "{error:?}");
        assert!(error.source().is_some(), "the driver error is kept");
        let missing = options(&schema, "postgres", "")
            .database(&format!("{}_missing", schema.name))
            .connect()
            .await
            .expect_err("no such database");
        let failure = classify(missing);
        assert!(failure.to_string().contains("3D000"), "{failure}");
        assert_eq!(failure.class(), RetryClass::Operator);
        drop_role(&schema, &role).await;
        schema.drop().await;
    }

    #[tokio::test]
    async fn an_insert_without_the_grant_is_an_operator_error_and_a_bad_row_is_refused() {
        let Some(schema) = TestSchema::new().await else {
            return;
        };
        sqlx::raw_sql(
            schema.sql("CREATE SCHEMA {schema}; CREATE TABLE {schema}.t (n int CHECK (n > 0))"),
        )
        .execute(&schema.admin)
        .await
        .expect("table created");
        let refused = sqlx::query(schema.sql("INSERT INTO {schema}.t VALUES (-1)"))
            .execute(&schema.admin)
            .await
            .expect_err("check violated");
        assert_eq!(classify(refused).class(), RetryClass::Never);
        let role = create_role(&schema, "pw").await;
        sqlx::raw_sql(schema.sql(&format!("GRANT USAGE ON SCHEMA {{schema}} TO \"{role}\"")))
            .execute(&schema.admin)
            .await
            .expect("usage granted");
        let mut connection = options(&schema, &role, "pw")
            .connect()
            .await
            .expect("connects");
        let denied = sqlx::query(schema.sql("INSERT INTO {schema}.t VALUES (1)"))
            .execute(&mut connection)
            .await
            .expect_err("no INSERT grant");
        let failure = classify(denied);
        assert!(failure.to_string().contains("42501"), "{failure}");
        assert_eq!(failure.class(), RetryClass::Operator);
        connection.close().await.expect("closed");
        drop_role(&schema, &role).await;
        schema.drop().await;
    }

    #[test]
    fn a_lost_connection_is_retried() {
        let error = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(classify(error).class(), RetryClass::Retry);
        assert_eq!(
            classify(sqlx::Error::PoolTimedOut).class(),
            RetryClass::Retry
        );
    }
}
