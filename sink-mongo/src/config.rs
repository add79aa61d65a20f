//! The settings of a MongoDB sink: `sinks.mongo: { url, database }`, or the seed's
//! `openvidu.analytics.mongo_url` + `database`, which this crate registers as a legacy key
//! meaning the same thing.

use std::fmt;

use analytics_core::{
    config::{mask_url, mask_url_secrets_in},
    SinkError,
};
use serde::Deserialize;

/// openvidu-livekit's default database.
pub const DEFAULT_DATABASE: &str = "openvidu";

/// Where the sink writes.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MongoSettings {
    /// A MongoDB connection string (`mongodb://` or `mongodb+srv://`). Driver options such as
    /// `serverSelectionTimeoutMS`, `w` or `tls` go in its query string.
    pub url: String,
    /// The database holding `events`, `stats`, `active_entities` and `last_alive`.
    #[serde(default = "default_database")]
    pub database: String,
}

fn default_database() -> String {
    DEFAULT_DATABASE.to_owned()
}

impl MongoSettings {
    /// Checks what can be checked without the network (parsing a `mongodb+srv` URL looks up
    /// DNS, so the driver parses it later, in `initialize`).
    pub fn validate(&self) -> Result<(), SinkError> {
        if !(self.url.starts_with("mongodb://") || self.url.starts_with("mongodb+srv://")) {
            return Err(SinkError::config(format!(
                "url `{}` must start with mongodb:// or mongodb+srv://",
                self.masked_url()
            )));
        }
        // MongoDB's rule for database names.
        const FORBIDDEN: &[char] = &['/', '\\', '.', ' ', '"', '$', '\0'];
        if self.database.is_empty() || self.database.len() > 63 || self.database.contains(FORBIDDEN)
        {
            return Err(SinkError::config(format!(
                "database `{}` is not a valid MongoDB database name (1 to 63 characters, none of / \\ . space \" $)",
                self.database
            )));
        }
        Ok(())
    }

    /// The URL with its password masked, fit for a log line.
    pub fn masked_url(&self) -> String {
        mask_url(&self.url)
    }

    /// `text` (typically a driver error) with the URL's credentials masked wherever they
    /// appear, in case the driver quotes them.
    /// Covers the userinfo and secret query parameters (`authMechanismProperties`,
    /// `tlsCertificateKeyFilePassword`, ...), quoted with or without the URL.
    pub fn scrub(&self, text: &str) -> String {
        mask_url_secrets_in(&text.replace(&self.url, &self.masked_url()), &self.url)
    }
}

impl fmt::Debug for MongoSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoSettings")
            .field("url", &self.masked_url())
            .field("database", &self.database)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> MongoSettings {
        MongoSettings {
            url: url.to_owned(),
            database: DEFAULT_DATABASE.to_owned(),
        }
    }

    #[test]
    fn credentials_never_show() {
        let settings = settings("mongodb://admin:s3cret@mongo:27017/?replicaSet=rs0");
        assert!(!format!("{settings:?}").contains("s3cret"));
        let error = format!("cannot reach {} (password s3cret refused)", settings.url);
        let scrubbed = settings.scrub(&error);
        assert!(!scrubbed.contains("s3cret"), "{scrubbed}");
        assert!(
            scrubbed.contains("mongodb://admin:***@mongo:27017"),
            "{scrubbed}"
        );
    }

    #[test]
    fn a_bad_url_is_reported_under_the_sinks_name() {
        let Err(error) = crate::MongoSink::new("archive", settings("http://localhost")) else {
            panic!("an http URL must be refused");
        };
        let message = error.to_string();
        assert!(
            message.contains("openvidu.analytics.sinks.archive: url `http://localhost`"),
            "{message}"
        );
    }

    #[test]
    fn bad_urls_and_database_names_are_config_errors() {
        assert!(settings("mongodb://localhost:27017").validate().is_ok());
        assert!(settings("mongodb+srv://cluster.example.com")
            .validate()
            .is_ok());
        assert!(matches!(
            settings("http://localhost").validate(),
            Err(SinkError::Config { .. })
        ));
        let mut bad_database = settings("mongodb://localhost");
        bad_database.database = "a.b".into();
        assert!(matches!(
            bad_database.validate(),
            Err(SinkError::Config { .. })
        ));
    }
}
