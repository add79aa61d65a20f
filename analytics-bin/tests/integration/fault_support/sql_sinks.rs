//! The two SQL sinks of a fault test that does not need Redis or MongoDB (a SQLite file and
//! a PostgreSQL schema of its own), its config, and reading back what they stored.

use std::{path::Path, time::Duration};

use analytics_core::{testkit::server_url, RecordKind};
use sink_postgres::testkit::drop_schema;

use crate::fault_support::{stores::Stores, traffic::IdSet};
use crate::support::{API_KEY, API_SECRET};

/// The sink names [`SqlSinks`] configures.
pub const SQL_SINKS: [&str; 2] = ["sqlite", "postgres"];

pub struct SqlSinks {
    /// Only its SQLite and PostgreSQL fields are used.
    stores: Stores,
}

impl SqlSinks {
    /// A SQLite file in `dir` and a schema of its own on PostgreSQL (`postgres_url`, else
    /// the shared test server); `None` outside CI when the server URL is unset.
    pub fn new(name: &str, dir: &Path, postgres_url: Option<String>) -> Option<SqlSinks> {
        let postgres_url = match postgres_url {
            Some(url) => url,
            None => server_url("LKA_TEST_POSTGRES_URL")?,
        };
        let tag = format!(
            "{name}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                % 1_000_000_000_000
        );
        Some(SqlSinks {
            stores: Stores {
                sqlite_path: dir.join("analytics.db"),
                postgres_url,
                schema: format!("lka_fault_{tag}"),
                redis_url: String::new(),
                redis_prefix: String::new(),
                mongo_url: String::new(),
                mongo_database: String::new(),
                sinks: SQL_SINKS.to_vec(),
            },
        })
    }

    /// A whole config: the test key, the sinks named in `sinks` (of [`SQL_SINKS`]) with
    /// PostgreSQL reached at `postgres_url`, and `analytics_extra` (lines under
    /// `openvidu.analytics`, indented by 4 spaces).
    pub fn config_yaml(
        &self,
        port: u16,
        sinks: &[&str],
        postgres_url: &str,
        analytics_extra: &str,
    ) -> String {
        let mut yaml = String::from("    sinks:\n");
        if sinks.contains(&"sqlite") {
            yaml.push_str(&format!(
                "      sqlite: {{ path: '{}' }}\n",
                self.stores.sqlite_path.display()
            ));
        }
        if sinks.contains(&"postgres") {
            yaml.push_str(&format!(
                "      postgres: {{ url: '{postgres_url}', schema: '{}' }}\n",
                self.stores.schema
            ));
        }
        format!(
            "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    listen: 127.0.0.1:{port}\n{yaml}{analytics_extra}"
        )
    }

    /// The PostgreSQL URL the sinks' records are read back from.
    pub fn postgres_url(&self) -> &str {
        &self.stores.postgres_url
    }

    /// Every stored record id of `kind` in `sink`, duplicates included.
    pub async fn stored_ids(&self, sink: &str, kind: RecordKind) -> Vec<String> {
        self.stores.stored_ids(sink, kind).await
    }

    /// Waits (up to `within`) until each of `sinks` holds every id of `required`, then
    /// checks that each holds them exactly once and nothing outside `allowed`.
    pub async fn assert_stored_exactly_once(
        &self,
        sinks: &[&str],
        required: &IdSet,
        allowed: &IdSet,
        within: Duration,
    ) {
        let deadline = std::time::Instant::now() + within;
        loop {
            let mut complete = true;
            for sink in sinks {
                for kind in [RecordKind::Event, RecordKind::Stat] {
                    complete &= self.stores.count(sink, kind).await >= required.get(kind).len();
                }
            }
            if complete || std::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut problems = Vec::new();
        for sink in sinks {
            for kind in [RecordKind::Event, RecordKind::Stat] {
                let stored = self.stored_ids(sink, kind).await;
                let distinct: std::collections::BTreeSet<&String> = stored.iter().collect();
                let missing = required
                    .get(kind)
                    .iter()
                    .filter(|id| !distinct.contains(id))
                    .count();
                let unexpected = distinct
                    .iter()
                    .filter(|id| !allowed.get(kind).contains(id.as_str()))
                    .count();
                let doubled = stored.len() - distinct.len();
                if missing + unexpected + doubled > 0 {
                    problems.push(format!(
                        "{sink} {kind:?}: {} stored, {missing} of {} required missing, {doubled} doubled, {unexpected} not allowed (refused or never sent)",
                        stored.len(),
                        required.get(kind).len()
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Removes the test's PostgreSQL schema.
    pub async fn clean_up(&self) {
        let _ = drop_schema(&self.stores.postgres_url, &self.stores.schema).await;
    }
}
