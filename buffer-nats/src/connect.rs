//! Connecting to the NATS servers of `buffer.nats` with its credentials and TLS settings,
//! and the JetStream context every part uses.

use analytics_core::config::NatsBufferConfig;
use async_nats::{jetstream, ConnectErrorKind, ConnectOptions};

use crate::error::NatsError;

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A client connected to one of `config.urls` (it reconnects to any server of the cluster
/// by itself afterwards, for ever).
pub(crate) async fn connect(config: &NatsBufferConfig) -> Result<async_nats::Client, NatsError> {
    let urls = config.urls.join(",");
    let mut options = ConnectOptions::new()
        .name("livekit-analytics")
        .connection_timeout(CONNECT_TIMEOUT)
        // After the first connection the client reconnects for ever, to any server of the
        // cluster; the first one must succeed (a clear error at start otherwise).
        .max_reconnects(None)
        .event_callback(|event| async move {
            match event {
                async_nats::Event::Disconnected => {
                    tracing::warn!("NATS: disconnected; reconnecting")
                }
                async_nats::Event::Connected => tracing::info!("NATS: connected"),
                other => tracing::warn!(event = %other, "NATS event"),
            }
        });
    if let Some(token) = &config.token {
        options = options.token(token.clone());
    }
    if let (Some(user), Some(password)) = (&config.user, &config.password) {
        options = options.user_and_password(user.clone(), password.clone());
    }
    if let Some(path) = &config.credentials {
        options = options
            .credentials_file(path)
            .await
            .map_err(|error| NatsError::Settings {
                what: format!("credentials file {}", path.display()),
                reason: error.to_string(),
            })?;
    }
    let tls = &config.tls;
    if tls.required || config.urls.iter().any(|url| url.starts_with("tls://")) {
        options = options.require_tls(true);
    }
    if let Some(ca) = &tls.ca_file {
        options = options.add_root_certificates(ca.clone());
    }
    if let (Some(cert), Some(key)) = (&tls.cert_file, &tls.key_file) {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    options
        .connect(config.urls.clone())
        .await
        .map_err(|error| connect_error(&urls, error))
}

fn connect_error(urls: &str, error: async_nats::ConnectError) -> NatsError {
    let reason = error.to_string();
    match error.kind() {
        ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
            NatsError::Authorization(reason)
        }
        // rustls reports an untrusted or mismatched certificate as an I/O error.
        ConnectErrorKind::Tls => tls_error(urls, reason),
        _ if reason.contains("certificate") => tls_error(urls, reason),
        _ => NatsError::Connect {
            urls: urls.to_owned(),
            reason,
        },
    }
}

fn tls_error(urls: &str, reason: String) -> NatsError {
    NatsError::Tls {
        urls: urls.to_owned(),
        reason,
    }
}

/// The JetStream context: API requests and publish acknowledgements time out after
/// `publish_timeout`.
pub(crate) fn jetstream(
    client: &async_nats::Client,
    config: &NatsBufferConfig,
) -> jetstream::Context {
    jetstream::ContextBuilder::new()
        .timeout(config.publish_timeout)
        .build(client.clone())
}
