//! The four sinks of a fault test and reading back what each stored: a SQLite file, a
//! PostgreSQL schema, a Redis key prefix and a MongoDB database of the test's own, on the
//! shared test servers (or on a PostgreSQL of the test's own).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use analytics_core::{testkit::server_url, RecordKind};
use mongodb::bson::{doc, Document};
use redis::AsyncCommands;
use sqlx::{AssertSqlSafe, Connection};

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
}

impl Stores {
    /// Namespaces of their own for test `name` on the shared servers (PostgreSQL at
    /// `postgres_url` when given); `None` outside CI when a server URL is unset (panics in CI).
    pub fn new(name: &str, dir: &Path, postgres_url: Option<String>) -> Option<Stores> {
        let postgres_url = match postgres_url {
            Some(url) => url,
            None => server_url("LKA_TEST_POSTGRES_URL")?,
        };
        let redis_url = server_url("LKA_TEST_REDIS_URL")?;
        let mongo_url = server_url("LKA_TEST_MONGO_URL")?;
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
        })
    }

    /// The `sinks:` entries, indented for `openvidu.analytics`.
    pub fn sinks_yaml(&self) -> String {
        format!(
            "    sinks:\n      sqlite: {{ path: '{}' }}\n      postgres: {{ url: '{}', schema: '{}' }}\n      redis: {{ url: '{}', prefix: '{}' }}\n      mongo: {{ url: '{}', database: '{}' }}\n",
            self.sqlite_path.display(),
            self.postgres_url,
            self.schema,
            self.redis_url,
            self.redis_prefix,
            self.mongo_url,
            self.mongo_database
        )
    }

    /// Every stored record id of `kind` in `sink`, duplicates included.
    pub async fn stored_ids(&self, sink: &str, kind: RecordKind) -> Vec<String> {
        match sink {
            "sqlite" => self.sqlite_ids(kind).await,
            "postgres" => self.postgres_ids(kind).await,
            "redis" => self.redis_ids(kind).await,
            "mongo" => self.mongo_ids(kind).await,
            other => panic!("no sink {other}"),
        }
    }

    /// Records of `kind` stored in `sink` (0 while its tables do not exist yet); for MongoDB
    /// the collection's estimated count, which SecantusDB answers faster than an exact one.
    pub async fn count(&self, sink: &str, kind: RecordKind) -> usize {
        match sink {
            "sqlite" => self.sql_count_sqlite(kind).await,
            "postgres" => self.sql_count_postgres(kind).await,
            "redis" => {
                let mut connection = self.redis().await;
                connection
                    .xlen::<_, usize>(self.redis_stream(kind))
                    .await
                    .unwrap_or(0)
            }
            "mongo" => self
                .mongo()
                .await
                .collection::<Document>(table(kind))
                .estimated_document_count()
                .await
                .unwrap_or(0) as usize,
            other => panic!("no sink {other}"),
        }
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
            let complete = progress.0 == SINKS.len();
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
        for (position, sink) in SINKS.iter().enumerate() {
            let events = self.count(sink, RecordKind::Event).await;
            let stats = self.count(sink, RecordKind::Stat).await;
            if events < required.events.len() || stats < required.stats.len() {
                return (position, events + stats);
            }
        }
        (SINKS.len(), 0)
    }

    /// What is missing, doubled or unexpected in each sink, one line per sink and kind.
    async fn problems(&self, required: &IdSet, sent: &IdSet) -> Vec<String> {
        let mut problems = Vec::new();
        for sink in SINKS {
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
        if let Ok(mut connection) = sqlx::PgConnection::connect(&self.postgres_url).await {
            let drop = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
            let _ = sqlx::query(AssertSqlSafe(drop))
                .execute(&mut connection)
                .await;
        }
        let mut connection = self.redis().await;
        let keys: Vec<String> = connection
            .keys(format!("{}*", self.redis_prefix))
            .await
            .unwrap_or_default();
        for chunk in keys.chunks(1000) {
            let _: Result<(), _> = connection.del(chunk).await;
        }
        let _ = self.mongo().await.drop().await;
    }

    async fn sqlite_ids(&self, kind: RecordKind) -> Vec<String> {
        let mut connection = crate::support::TestService::open_sqlite(&self.sqlite_path).await;
        let sql = format!("SELECT id FROM {}", table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&mut connection)
            .await
            .expect("SQLite ids")
    }

    async fn sql_count_sqlite(&self, kind: RecordKind) -> usize {
        if !self.sqlite_path.exists() {
            return 0;
        }
        let mut connection = crate::support::TestService::open_sqlite(&self.sqlite_path).await;
        let sql = format!("SELECT COUNT(*) FROM {}", table(kind));
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
            .fetch_one(&mut connection)
            .await
            .unwrap_or(0) as usize
    }

    async fn postgres_ids(&self, kind: RecordKind) -> Vec<String> {
        let mut connection = sqlx::PgConnection::connect(&self.postgres_url)
            .await
            .expect("PostgreSQL answers");
        let sql = format!("SELECT id FROM \"{}\".{}", self.schema, table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&mut connection)
            .await
            .expect("PostgreSQL ids")
    }

    async fn sql_count_postgres(&self, kind: RecordKind) -> usize {
        let Ok(mut connection) = sqlx::PgConnection::connect(&self.postgres_url).await else {
            return 0;
        };
        let sql = format!("SELECT COUNT(*) FROM \"{}\".{}", self.schema, table(kind));
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
            .fetch_one(&mut connection)
            .await
            .unwrap_or(0) as usize
    }

    fn redis_stream(&self, kind: RecordKind) -> String {
        format!("{}{}", self.redis_prefix, table(kind))
    }

    async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis_url.as_str())
            .expect("Redis URL")
            .get_multiplexed_async_connection_with_config(
                &redis::AsyncConnectionConfig::new()
                    .set_response_timeout(Some(Duration::from_secs(60))),
            )
            .await
            .expect("Redis answers")
    }

    /// The `id` field of every stream entry, read by a script so that the documents stay
    /// on the server.
    async fn redis_ids(&self, kind: RecordKind) -> Vec<String> {
        let script = redis::Script::new(
            r"local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
              local reply = {}
              for _, entry in ipairs(entries) do
                local fields = entry[2]
                local id = ''
                for i = 1, #fields, 2 do
                  if fields[i] == 'id' then id = fields[i + 1] end
                end
                reply[#reply + 1] = entry[1]
                reply[#reply + 1] = id
              end
              return reply",
        );
        let mut connection = self.redis().await;
        let stream = self.redis_stream(kind);
        let mut ids = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page: Vec<String> = script
                .key(&stream)
                .arg(&start)
                .arg(PAGE)
                .invoke_async(&mut connection)
                .await
                .expect("XRANGE script answers");
            let entries = page.len() / 2;
            ids.extend(page.chunks(2).map(|pair| pair[1].clone()));
            match page.chunks(2).last() {
                Some(last) if entries == PAGE => start = format!("({}", last[0]),
                _ => break,
            }
        }
        ids
    }

    async fn mongo(&self) -> mongodb::Database {
        mongodb::Client::with_uri_str(&self.mongo_url)
            .await
            .expect("MongoDB URL")
            .database(&self.mongo_database)
    }

    async fn mongo_ids(&self, kind: RecordKind) -> Vec<String> {
        let mut cursor = self
            .mongo()
            .await
            .collection::<Document>(table(kind))
            .find(doc! {})
            .projection(doc! { "_id": 1 })
            .await
            .expect("MongoDB find");
        let mut ids = Vec::new();
        while cursor.advance().await.expect("MongoDB cursor") {
            let document = cursor.deserialize_current().expect("MongoDB document");
            ids.push(document.get_str("_id").unwrap_or_default().to_owned());
        }
        ids
    }
}

/// Stream entries read at once.
const PAGE: usize = 10_000;

fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => "events",
        RecordKind::Stat => "stats",
    }
}
