//! A database name of a test's own, the sink settings that write into a database, and
//! dropping a database afterwards.

use analytics_core::registry::Mapping;
use mongodb::Client;

/// A database name no other test uses.
pub fn fresh_database_name() -> String {
    format!("lka_test_{:016x}", rand::random::<u64>())
}

/// The sink settings (`url`, `database`) writing into `database` on the server at `url`.
pub fn settings(url: &str, database: &str) -> Mapping {
    let mut settings = Mapping::new();
    settings.insert("url".into(), url.into());
    settings.insert("database".into(), database.into());
    settings
}

/// Drops `database` and everything in it on the server at `url`.
pub async fn drop_database(url: &str, database: &str) -> mongodb::error::Result<()> {
    Client::with_uri_str(url)
        .await?
        .database(database)
        .drop()
        .await
}
