//! The four sinks of a fault test and reading back what each stored, through each sink's
//! own probe (its `testkit`): a SQLite file, a PostgreSQL schema, a Redis key prefix and a
//! MongoDB database of the test's own, on the shared test servers (or on a PostgreSQL of the
//! test's own). Each read connects anew, so a poll holds nothing open between reads.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use analytics_core::{
    testkit::{server_url, StoreProbe},
    RecordKind,
};
use sink_mongo::testkit::{drop_database, MongoProbe};
use sink_postgres::testkit::{drop_schema, PgProbe};
use sink_redis::testkit::{delete_prefix, RedisProbe};
use sink_sqlite::testkit::SqliteProbe;

use super::traffic::IdSet;

/// The longest [`Stores::assert_stored_exactly_once`] waits for the sinks to catch up, even
/// while they still make progress.
pub const MAX_WAIT: Duration = Duration::from_secs(900);

/// The sink names the fault tests configure.
pub const SINKS: [&str; 4] = ["sqlite", "postgres", "redis", "mongo"];

/// Where each sink of one test writes.
pub struct Stores {
    pub sqlite_path: PathBuf,
    pub postgres_url: String,
    pub schema: String,
    pub redis_url: String,
    pub redis_prefix: String,
    pub mongo_url: String,
    pub mongo_database: String,
    /// The sinks configured and checked: [`SINKS`], or the subset of
    /// [`Stores::with_sinks`].
    pub sinks: Vec<&'static str>,
}

impl Stores {
    /// Namespaces of their own for test `name` on the shared servers (PostgreSQL at
    /// `postgres_url` when given); `None` outside CI when a server URL is unset (panics in CI).
    pub fn new(name: &str, dir: &Path, postgres_url: Option<String>) -> Option<Stores> {
        Stores::with_sinks(name, dir, postgres_url, &SINKS)
    }

    /// As [`Stores::new`] with only `sinks` (of [`SINKS`]) configured and checked; MongoDB's
    /// URL is needed only when `mongo` is one of them.
    pub fn with_sinks(
        name: &str,
        dir: &Path,
        postgres_url: Option<String>,
        sinks: &[&'static str],
    ) -> Option<Stores> {
        let postgres_url = match postgres_url {
            Some(url) => url,
            None => server_url("LKA_TEST_POSTGRES_URL")?,
        };
        let redis_url = server_url("LKA_TEST_REDIS_URL")?;
        let mongo_url = if sinks.contains(&"mongo") {
            server_url("LKA_TEST_MONGO_URL")?
        } else {
            String::new()
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            % 1_000_000_000_000;
        let tag = format!("{name}_{}_{nanos}", std::process::id());
        Some(Stores {
            sqlite_path: dir.join("analytics.db"),
            postgres_url,
            schema: format!("lka_fault_{tag}"),
            redis_url,
            redis_prefix: format!("lka-fault:{tag}:"),
            mongo_url,
            mongo_database: format!("lka_fault_{tag}"),
            sinks: sinks.to_vec(),
        })
    }

    /// The `sinks:` entries, indented for `openvidu.analytics`.
    pub fn sinks_yaml(&self) -> String {
        let mut yaml = "    sinks:\n".to_owned();
        for sink in &self.sinks {
            yaml.push_str(&match *sink {
                "sqlite" => format!(
                    "      sqlite: {{ path: '{}' }}\n",
                    self.sqlite_path.display()
                ),
                "postgres" => format!(
                    "      postgres: {{ url: '{}', schema: '{}' }}\n",
                    self.postgres_url, self.schema
                ),
                "redis" => format!(
                    "      redis: {{ url: '{}', prefix: '{}' }}\n",
                    self.redis_url, self.redis_prefix
                ),
                "mongo" => format!(
                    "      mongo: {{ url: '{}', database: '{}' }}\n",
                    self.mongo_url, self.mongo_database
                ),
                other => panic!("no sink {other}"),
            });
        }
        yaml
    }

    /// Every stored record id of `kind` in `sink`, duplicates included.
    pub async fn stored_ids(&self, sink: &str, kind: RecordKind) -> Vec<String> {
        match sink {
            "sqlite" => self.sqlite().stored_ids(kind).await,
            "postgres" => {
                PgProbe::connect(&self.postgres_url, &self.schema)
                    .await
                    .expect("PostgreSQL answers")
                    .stored_ids(kind)
                    .await
            }
            "redis" => self.redis().await.stored_ids(kind).await,
            "mongo" => self.mongo().await.stored_ids(kind).await,
            other => panic!("no sink {other}"),
        }
    }

    /// Records of `kind` stored in `sink` (0 while its tables do not exist yet); for MongoDB
    /// the collection's estimated count, which SecantusDB answers faster than an exact one.
    pub async fn count(&self, sink: &str, kind: RecordKind) -> usize {
        let count = match sink {
            "sqlite" => self.sqlite().count(kind).await.ok(),
            "postgres" => match PgProbe::connect(&self.postgres_url, &self.schema).await {
                Ok(probe) => probe.count(kind).await.ok(),
                Err(_) => None,
            },
            "redis" => self.redis().await.count(kind).await.ok(),
            "mongo" => self.mongo().await.count(kind).await.ok(),
            other => panic!("no sink {other}"),
        };
        count.unwrap_or(0) as usize
    }

    /// Waits until every sink holds every id of `required`, for as long as the stores keep
    /// storing: it gives up once nothing new was stored for `stall` (or after
    /// [`MAX_WAIT`] in all), since a slow test server catching up is not a lost record. Then
    /// checks that each sink holds every id exactly once and nothing outside `sent`, and
    /// panics with what is missing, doubled or unexpected otherwise.
    ///
    /// Counting is not free: SecantusDB counts a collection by reading it, seconds for a
    /// large one, on the same single thread that stores. So the sinks are counted in order
    /// up to the first one still missing records, and a poll waits three times as long as
    /// the counting took, so that polls never take more than a quarter of a server's time.
    pub async fn assert_stored_exactly_once(
        &self,
        required: &IdSet,
        sent: &IdSet,
        stall: Duration,
    ) {
        let started = Instant::now();
        let mut last_progress = started;
        let mut best = (0, 0);
        loop {
            let poll_started = Instant::now();
            let progress = self.progress(required).await;
            if progress > best {
                best = progress;
                last_progress = Instant::now();
            }
            let complete = progress.0 == self.sinks.len();
            let given_up = last_progress.elapsed() >= stall || started.elapsed() >= MAX_WAIT;
            if complete || given_up {
                let problems = self.problems(required, sent).await;
                if problems.is_empty() {
                    eprintln!(
                        "every sink holds its {} records exactly once after {:?}",
                        required.len(),
                        started.elapsed()
                    );
                    return;
                }
                assert!(
                    !given_up,
                    "not stored exactly once after {:?} ({:?} without a new record):\n{}",
                    started.elapsed(),
                    last_progress.elapsed(),
                    problems.join("\n")
                );
            }
            let pause = (poll_started.elapsed() * 3).max(Duration::from_secs(1));
            tokio::time::sleep(pause).await;
        }
    }

    /// How far the sinks are: how many (in [`SINKS`] order) hold at least as many records
    /// of each kind as `required`, and how many records the first of the rest holds.
    async fn progress(&self, required: &IdSet) -> (usize, usize) {
        for (position, sink) in self.sinks.iter().enumerate() {
            let events = self.count(sink, RecordKind::Event).await;
            let stats = self.count(sink, RecordKind::Stat).await;
            if events < required.events.len() || stats < required.stats.len() {
                return (position, events + stats);
            }
        }
        (self.sinks.len(), 0)
    }

    /// What is missing, doubled or unexpected in each sink, one line per sink and kind.
    async fn problems(&self, required: &IdSet, sent: &IdSet) -> Vec<String> {
        let mut problems = Vec::new();
        for sink in self.sinks.iter().copied() {
            for kind in [RecordKind::Event, RecordKind::Stat] {
                let stored = self.stored_ids(sink, kind).await;
                let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
                for id in &stored {
                    *seen.entry(id).or_default() += 1;
                }
                let doubled = seen.values().filter(|n| **n > 1).count();
                let missing = required
                    .get(kind)
                    .iter()
                    .filter(|id| !seen.contains_key(id.as_str()))
                    .count();
                let unexpected = seen
                    .keys()
                    .filter(|id| !sent.get(kind).contains(**id))
                    .count();
                if doubled + missing + unexpected > 0 {
                    problems.push(format!(
                        "{sink} {kind:?}: {} stored, {} distinct, {missing} of {} required missing, {doubled} stored more than once, {unexpected} never sent",
                        stored.len(),
                        seen.len(),
                        required.get(kind).len()
                    ));
                }
            }
        }
        problems
    }

    /// Removes what the test stored on the shared servers.
    pub async fn clean_up(&self) {
        let _ = drop_schema(&self.postgres_url, &self.schema).await;
        let _ = delete_prefix(&self.redis_url, &self.redis_prefix).await;
        if self.sinks.contains(&"mongo") {
            let _ = drop_database(&self.mongo_url, &self.mongo_database).await;
        }
    }

    fn sqlite(&self) -> SqliteProbe {
        SqliteProbe::new(&self.sqlite_path)
    }

    async fn redis(&self) -> RedisProbe<redis::aio::MultiplexedConnection> {
        RedisProbe::connect(&self.redis_url, &self.redis_prefix)
            .await
            .expect("Redis answers")
    }

    async fn mongo(&self) -> MongoProbe {
        MongoProbe::connect(&self.mongo_url, &self.mongo_database)
            .await
            .expect("MongoDB URL")
    }
}
