//! `sinks.postgres` settings: where the server is, which schema holds the tables, and how
//! many connections and how much time the sink may use.

use std::time::Duration;

use serde::Deserialize;

/// Default schema, as openvidu's default database name.
pub const DEFAULT_SCHEMA: &str = "openvidu";

/// The PostgreSQL sink's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// Connection URL, e.g. `postgres://user:password@host:5432/database`. Any libpq-style
    /// query parameter sqlx understands (`sslmode`, `application_name`, ...) may follow.
    pub url: String,
    /// Schema holding `events`, `stats`, `active_entities` and `last_alive`; created when
    /// missing. Lowercase letters, digits and `_`.
    #[serde(default = "default_schema")]
    pub schema: String,
    /// Connections to the server. Two is the fastest on a 2-core server: a large batch is
    /// split and written on both at once.
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    /// How long to wait for a connection before the batch is retried later.
    #[serde(
        default = "default_connect_timeout",
        deserialize_with = "analytics_core::config::duration::deserialize"
    )]
    pub connect_timeout: Duration,
    /// How long one batch (or one expiry chunk) may take before it counts as failed and is
    /// retried; writes are idempotent, so a late success is harmless.
    #[serde(
        default = "default_write_timeout",
        deserialize_with = "analytics_core::config::duration::deserialize"
    )]
    pub write_timeout: Duration,
}

impl PostgresConfig {
    /// Checks what serde cannot: the schema is a plain identifier and the pool is not empty.
    pub fn validate(&self) -> Result<(), String> {
        let schema_ok = !self.schema.is_empty()
            && self.schema.len() <= 63
            && !self.schema.starts_with(|c: char| c.is_ascii_digit())
            && self
                .schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !schema_ok {
            return Err(format!(
                "schema {:?} must be 1 to 63 lowercase letters, digits or `_`, not starting with a digit",
                self.schema
            ));
        }
        if self.pool_size == 0 {
            return Err("pool_size must be at least 1".into());
        }
        Ok(())
    }
}

fn default_schema() -> String {
    DEFAULT_SCHEMA.into()
}

fn default_pool_size() -> u32 {
    2
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_write_timeout() -> Duration {
    Duration::from_secs(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<PostgresConfig, String> {
        let mapping: serde_norway::Value =
            serde_norway::from_str(yaml).map_err(|e| e.to_string())?;
        serde_norway::from_value(mapping).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_apply_to_a_url_alone() {
        let config = parse("url: postgres://localhost/db").expect("parses");
        assert_eq!(config.schema, "openvidu");
        assert_eq!(config.pool_size, 2);
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_schemas_are_refused() {
        assert!(parse("url: x\ndatabase: y").is_err());
        assert!(parse("schema: y").is_err(), "url is required");
        let config = parse("url: x\nschema: 'a\"b'").expect("parses");
        assert!(config.validate().is_err());
        let config = parse("url: x\nwrite_timeout: 5s\npool_size: 0").expect("parses");
        assert_eq!(config.write_timeout, Duration::from_secs(5));
        assert!(config.validate().is_err());
    }
}
