//! The retry policy: which Redis errors mean "the server is not usable now, retry the whole
//! batch later" and which mean "this command was refused".

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
}

/// Classifies an error of a command or of a whole pipeline.
pub fn classify(error: &RedisError) -> Failure {
    if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) {
        return Failure::NoScript;
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

/// The failure in one reply, if it is an error.
pub fn reply_failure(reply: &Value) -> Option<Failure> {
    match reply {
        Value::ServerError(error) => Some(classify(&RedisError::from(error.clone()))),
        _ => None,
    }
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
                | ErrorKind::AuthenticationFailed
        )
        || matches!(error.code(), Some("BUSY" | "OOM" | "NOAUTH" | "WRONGPASS"))
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
    }
}
