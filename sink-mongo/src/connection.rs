//! How the sink reaches its database: the driver's client, made on first use (parsing a
//! `mongodb+srv` URL looks up DNS, which is why it does not happen when the sink is built),
//! with the timeouts and application name the sink sets unless the URL does.

use std::time::Duration;

use analytics_core::SinkError;
use mongodb::{options::ClientOptions, Client, Database};

use crate::{config::MongoSettings, error::sink_error, sink::MongoSink};

/// How long an operation waits for a usable server when the URL does not say
/// (`serverSelectionTimeoutMS`): short enough that an outage is reported, and retried by the
/// sender with backoff, well before LiveKit's next batch.
const DEFAULT_SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The database of `settings`, through a new client.
pub(crate) async fn open(settings: &MongoSettings) -> Result<Database, SinkError> {
    let mut options = ClientOptions::parse(&settings.url)
        .await
        .map_err(|error| sink_error(&error, settings))?;
    options
        .app_name
        .get_or_insert_with(|| "livekit-analytics".to_owned());
    options
        .server_selection_timeout
        .get_or_insert(DEFAULT_SERVER_SELECTION_TIMEOUT);
    options
        .connect_timeout
        .get_or_insert(DEFAULT_CONNECT_TIMEOUT);
    let client = Client::with_options(options).map_err(|error| sink_error(&error, settings))?;
    Ok(client.database(&settings.database))
}

impl MongoSink {
    /// The database, making the client on first call (parsing a `mongodb+srv` URL looks up
    /// DNS, which is why it happens here and not when the sink is built).
    pub(crate) async fn database(&self) -> Result<&Database, SinkError> {
        self.database.get_or_try_init(|| open(&self.settings)).await
    }
}
