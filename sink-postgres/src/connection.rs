//! How the sink reaches its server: the URL checked (its scheme; query parameters sqlx does
//! not know taken out and named in a warning, see `url_parameters`), the session's
//! application name, JIT off, and a pool that connects on first use, so that a server that is down
//! does not stop the service.

use std::str::FromStr;

use analytics_core::{config::mask_url_secrets_in, SinkError};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use crate::{config::PostgresConfig, url_parameters::known_parameters_only};

/// How the sink's sessions are named in `pg_stat_activity`, unless the URL names them.
const APPLICATION_NAME: &str = "livekit-analytics";

/// The pool of sink `name` on `config.url` (`masked_url` is it with its password masked,
/// for messages); does not connect.
pub(crate) fn lazy_pool(
    name: &str,
    config: &PostgresConfig,
    masked_url: &str,
) -> Result<PgPool, SinkError> {
    if !["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| config.url.starts_with(scheme))
    {
        return Err(SinkError::config(format!(
            "openvidu.analytics.sinks.{name}.url {masked_url} must start with postgres:// or postgresql://"
        )));
    }
    let (known_url, ignored) = known_parameters_only(&config.url);
    if !ignored.is_empty() {
        tracing::warn!(
            sink = %name,
            parameters = %ignored.join(", "),
            "ignoring query parameters of the PostgreSQL URL that the driver does not know"
        );
    }
    let mut options = PgConnectOptions::from_str(&known_url).map_err(|error| {
        SinkError::config(mask_url_secrets_in(
            &format!(
                "openvidu.analytics.sinks.{name}.url {masked_url} is not a PostgreSQL URL: {error}"
            ),
            &config.url,
        ))
    })?;
    if options.get_application_name().is_none() {
        options = options.application_name(APPLICATION_NAME);
    }
    // The read API's queries are short index lookups whose planner cost estimates can still
    // cross the JIT threshold; compiling them costs more than running them.
    options = options.options([("jit", "off")]);
    Ok(PgPoolOptions::new()
        .max_connections(config.pool_size)
        .acquire_timeout(config.connect_timeout)
        .connect_lazy_with(options))
}
