//! The retry policy, decided from redis-rs's `ErrorKind` and the server's error code: which
//! Redis errors mean "the server is not usable now, retry the whole batch later", which
//! need an operator (authentication, ACL permission), and which mean "this command was
//! refused".

use analytics_core::{RetryClass, SinkError};
use redis::{ErrorKind, RedisError, ServerErrorKind, Value};

/// What a failed command or pipeline means for the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Connection lost, timeout, server loading, cluster reconfiguring, out of memory...:
    /// the whole batch is retried with backoff (it is idempotent).
    Unavailable(String),
    /// The server does not know the script (it restarted or flushed its cache).
    NoScript,
    /// The command was refused; the records it carried fail.
    Refused { reason: String, retryable: bool },
    /// Authentication failed, or the ACL user may not run the command: a person must fix
    /// the credentials or the grants.
    Operator(String),
}

/// Classifies an error of a command or of a whole pipeline.
pub fn classify(error: &RedisError) -> Failure {
    if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) {
        return Failure::NoScript;
    }
    if needs_operator(error) {
        return Failure::Operator(error.to_string());
    }
    if is_unavailable(error) {
        return Failure::Unavailable(error.to_string());
    }
    Failure::Refused {
        reason: error.to_string(),
        // A key of another type where ours should be will not change by itself.
        retryable: error.code() != Some("WRONGTYPE"),
    }
}

/// Whether a record the append script refused may be stored on a later try. The script
/// hands back the server's error for that record as text, whose first word is the same error
/// code [`RedisError::code`] reads; a key of another type where ours should be
/// (`WRONGTYPE`) will not change by itself.
pub fn refused_status_is_retryable(reason: &str) -> bool {
    reason.split_whitespace().next() != Some("WRONGTYPE")
}

/// The failure in one reply, if it is an error.
pub fn reply_failure(reply: &Value) -> Option<Failure> {
    match reply {
        Value::ServerError(error) => Some(classify(&RedisError::from(error.clone()))),
        _ => None,
    }
}

/// The [`SinkError`] of an operation retried as a whole (set-up, expiry, the fixer's
/// commands), the driver error kept as its source.
pub fn sink_error(error: &RedisError) -> SinkError {
    let class = match classify(error) {
        Failure::Unavailable(_) | Failure::NoScript => RetryClass::Retry,
        Failure::Refused {
            retryable: true, ..
        } => RetryClass::Retry,
        // A key of another type where ours should be will not change by itself.
        Failure::Refused { .. } | Failure::Operator(_) => RetryClass::Operator,
    };
    SinkError::classified(class, error.to_string(), error.clone().into())
}

fn needs_operator(error: &RedisError) -> bool {
    matches!(
        error.kind(),
        ErrorKind::AuthenticationFailed | ErrorKind::Server(ServerErrorKind::NoPerm)
    ) || matches!(error.code(), Some("NOAUTH" | "WRONGPASS" | "NOPERM"))
}

fn is_unavailable(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_cluster_error()
        || matches!(
            error.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ReadOnly
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::CrossSlot
            ) | ErrorKind::ClusterConnectionNotFound
        )
        || matches!(error.code(), Some("BUSY" | "OOM"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connection_is_unavailable() {
        let error = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(matches!(classify(&error), Failure::Unavailable(_)));
    }

    #[test]
    fn server_refusals_are_told_apart() {
        let parse = |text: &[u8]| redis::parse_redis_value(text).expect("parses");
        let noscript = parse(b"-NOSCRIPT No matching script\r\n");
        assert_eq!(reply_failure(&noscript), Some(Failure::NoScript));
        let loading = parse(b"-LOADING Redis is loading the dataset in memory\r\n");
        assert!(matches!(
            reply_failure(&loading),
            Some(Failure::Unavailable(_))
        ));
        let wrongtype =
            parse(b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        assert!(matches!(
            reply_failure(&wrongtype),
            Some(Failure::Refused {
                retryable: false,
                ..
            })
        ));
        assert_eq!(reply_failure(&Value::Okay), None);
        assert!(!refused_status_is_retryable(
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        ));
        assert!(refused_status_is_retryable("OOM command not allowed"));
    }

    /// A user of its own on the test server that may only PING; the URL logs in as it with
    /// `password`.
    async fn limited_user(url: &str) -> (redis::aio::MultiplexedConnection, String) {
        let admin = redis::Client::open(url).expect("test URL");
        let mut admin = admin
            .get_multiplexed_async_connection()
            .await
            .expect("test server reachable");
        let user = format!(
            "lka-test-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        );
        let user = user.replace([' ', '{', '}', ',', ':'], "");
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&user)
            .arg("reset")
            .arg("on")
            .arg(">right")
            .arg("~*")
            .arg("+ping")
            .exec_async(&mut admin)
            .await
            .expect("user created");
        (admin, user)
    }

    fn url_as(url: &str, user: &str, password: &str) -> String {
        url.replacen("redis://", &format!("redis://{user}:{password}@"), 1)
    }

    #[tokio::test]
    async fn a_wrong_password_and_a_missing_acl_permission_need_an_operator() {
        let Some(url) = analytics_core::testkit::server_url("LKA_TEST_REDIS_URL") else {
            return;
        };
        let (mut admin, user) = limited_user(&url).await;
        let wrong = redis::Client::open(url_as(&url, &user, "wrong"))
            .expect("URL")
            .get_multiplexed_async_connection()
            .await
            .expect_err("wrong password");
        assert_eq!(classify(&wrong), Failure::Operator(wrong.to_string()));
        let error = sink_error(&wrong);
        assert!(matches!(error, SinkError::Operator { .. }), "{error:?}");
        assert!(std::error::Error::source(&error).is_some());

        let mut limited = redis::Client::open(url_as(&url, &user, "right"))
            .expect("URL")
            .get_multiplexed_async_connection()
            .await
            .expect("logs in");
        let denied = redis::cmd("XADD")
            .arg("lka-test:denied")
            .arg("*")
            .arg("f")
            .arg("v")
            .exec_async(&mut limited)
            .await
            .expect_err("no permission for XADD");
        assert_eq!(denied.code(), Some("NOPERM"), "{denied}");
        assert!(
            matches!(classify(&denied), Failure::Operator(_)),
            "{denied}"
        );

        redis::cmd("ACL")
            .arg("DELUSER")
            .arg(&user)
            .exec_async(&mut admin)
            .await
            .expect("user deleted");
    }
}
