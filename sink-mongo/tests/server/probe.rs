//! What the tests share: the test server, the sink built through the registry and a
//! client for reading back; fresh database names and the probe come from
//! [`sink_mongo::testkit`].

use std::{sync::Arc, time::Duration};

use analytics_core::{testkit::server_url, Sink, SinkContext, SinkFactory};
use mongodb::Client;
use sink_mongo::testkit::settings;
pub use sink_mongo::testkit::{all, fresh_database_name, MongoProbe};

/// The test server's URL, or `None` (outside CI) when it is not running.
pub fn test_url() -> Option<String> {
    server_url("LKA_TEST_MONGO_URL")
}

/// A mongo sink built the way the service builds it: through the registered factory.
pub fn registered_sink(url: &str, database: &str) -> Arc<dyn Sink> {
    let factory = analytics_core::inventory::iter::<SinkFactory>()
        .find(|factory| factory.kind == "mongo")
        .expect("sink-mongo registers the `mongo` sink type");
    let context = SinkContext::new("mongo", settings(url, database), Duration::from_secs(3600));
    (factory.build)(&context).expect("mongo sink builds without touching the network")
}

/// A client of the test server, for reading back.
pub async fn client(url: &str) -> Client {
    Client::with_uri_str(url)
        .await
        .expect("test server URL parses")
}
