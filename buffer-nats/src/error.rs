//! [`NatsError`]: why the NATS buffer cannot start, worded for the operator who must fix it.

/// A NATS buffer that cannot start: the process exits with this message.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("buffer.nats: cannot connect to {urls}: {reason}")]
    Connect { urls: String, reason: String },
    #[error("buffer.nats: the server refused the credentials (token, user/password or credentials file): {0}")]
    Authorization(String),
    #[error("buffer.nats: the TLS handshake with {urls} failed: {reason} (the server's certificate must be signed by an authority of `buffer.nats.tls.ca_file` or of the system, for the host name of the URL)")]
    Tls { urls: String, reason: String },
    #[error("buffer.nats: cannot read {what}: {reason}")]
    Settings { what: String, reason: String },
    #[error("buffer.nats: JetStream is not enabled on the server (start nats-server with --jetstream): {0}")]
    NoJetStream(String),
    #[error("buffer.nats: cannot create or use stream `{stream}`: {reason}")]
    Stream { stream: String, reason: String },
    #[error(
        "buffer.nats: cannot create or use consumer `{consumer}` of stream `{stream}`: {reason}"
    )]
    Consumer {
        stream: String,
        consumer: String,
        reason: String,
    },
}

/// A step of the buffer's start that failed: for good, or without an answer from JetStream
/// (a timeout, no responders), which the start retries for a while.
#[derive(Debug)]
pub(crate) enum SetupError {
    Final(NatsError),
    Unanswered(NatsError),
}

impl SetupError {
    /// `error`, retried for a while when JetStream left it `unanswered`.
    pub(crate) fn new(unanswered: bool, error: NatsError) -> SetupError {
        if unanswered {
            SetupError::Unanswered(error)
        } else {
            SetupError::Final(error)
        }
    }
}
