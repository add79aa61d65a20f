//! The databases measured: for each, the sink settings that point livekit-analytics at a
//! fresh namespace (schema, key prefix, database or file), the baseline insert with the
//! official driver, and, from each sink's `testkit`, the count of what is stored and the
//! clean-up.

mod mongo;
mod postgres;
mod redis;
mod sqlite;

use std::{path::Path, sync::Arc, time::Duration};

use ::redis::aio::MultiplexedConnection;
use analytics_core::{registry::Mapping, Record, RecordKind, Sink, SinkContext, SinkFactory};
// Also linked for their `inventory` registrations: the baselines set their schema up with
// the sinks' own `initialize`, so that tables and indexes are the same as the pipeline's.
use sink_mongo::testkit::MongoProbe;
use sink_postgres::testkit::PgProbe;
use sink_redis::testkit::RedisProbe;
use sink_sqlite::testkit::SqliteProbe;

use crate::dataset::EXPIRATION;

/// A database to measure.
#[derive(Debug, Clone)]
pub enum Target {
    Postgres { url: String },
    Redis { url: String },
    Mongo { url: String },
    Sqlite,
}

/// Where one measurement writes: a name unique to this process and role.
#[derive(Debug, Clone)]
pub struct Namespace {
    /// Letters, digits and `_` (a PostgreSQL schema, a MongoDB database, a file name).
    pub name: String,
}

impl Namespace {
    pub fn new(role: &str) -> Namespace {
        Namespace {
            name: format!("bench_{}_{role}", std::process::id()),
        }
    }

    /// A namespace kept between runs (the read bench's dataset).
    pub fn named(name: String) -> Namespace {
        Namespace { name }
    }

    /// The Redis key prefix.
    fn prefix(&self) -> String {
        format!("{}:", self.name)
    }
}

/// The sink's probe of a namespace, which counts stored records.
pub enum Store {
    Postgres(PgProbe),
    Redis(RedisProbe<MultiplexedConnection>),
    Mongo(MongoProbe),
    Sqlite(SqliteProbe),
}

impl Store {
    /// Events plus stats stored.
    pub async fn count(&self) -> Result<u64, String> {
        let mut total = 0;
        for kind in [RecordKind::Event, RecordKind::Stat] {
            total += self.count_of(kind).await?;
        }
        Ok(total)
    }

    pub async fn count_of(&self, kind: RecordKind) -> Result<u64, String> {
        let (sink, counted) = match self {
            Store::Postgres(probe) => (
                "postgres",
                probe.count(kind).await.map_err(|e| e.to_string()),
            ),
            Store::Redis(probe) => ("redis", probe.count(kind).await.map_err(|e| e.to_string())),
            Store::Mongo(probe) => ("mongo", probe.count(kind).await.map_err(|e| e.to_string())),
            Store::Sqlite(probe) => ("sqlite", probe.count(kind).await.map_err(|e| e.to_string())),
        };
        counted.map_err(|error| format!("{sink} count: {error}"))
    }
}

impl Target {
    pub fn name(&self) -> &'static str {
        match self {
            Target::Postgres { .. } => "postgres",
            Target::Redis { .. } => "redis",
            Target::Mongo { .. } => "mongo",
            Target::Sqlite => "sqlite",
        }
    }

    /// The sink settings (a YAML flow mapping, `type` included) writing into `namespace`,
    /// as each sink's `testkit` makes them.
    pub fn sink_settings(&self, namespace: &Namespace, dir: &Path) -> String {
        let mut settings: Mapping = match self {
            Target::Postgres { url } => sink_postgres::testkit::settings(url, &namespace.name),
            Target::Redis { url } => sink_redis::testkit::settings(url, &namespace.prefix()),
            Target::Mongo { url } => sink_mongo::testkit::settings(url, &namespace.name),
            Target::Sqlite => sink_sqlite::testkit::settings(&sqlite::path(dir, namespace)),
        };
        settings.insert("type".into(), self.name().into());
        // JSON is a YAML flow mapping, on one line.
        serde_json::to_string(&settings).expect("settings of strings serialise")
    }

    /// The sink writing into `namespace`, built as the service builds it (not set up yet).
    pub fn sink(&self, namespace: &Namespace, dir: &Path) -> Result<Arc<dyn Sink>, String> {
        build_sink(self.name(), &self.sink_settings(namespace, dir))
    }

    /// The SQLite file of `namespace` in `dir`.
    pub fn sqlite_path(&self, namespace: &Namespace, dir: &Path) -> std::path::PathBuf {
        sqlite::path(dir, namespace)
    }

    /// Sets `namespace` up with the sink's own `initialize` (tables, indexes, expiry).
    async fn initialize(&self, namespace: &Namespace, dir: &Path) -> Result<(), String> {
        let sink = self.sink(namespace, dir)?;
        sink.initialize()
            .await
            .map_err(|error| format!("{}: cannot set up {}: {error}", self.name(), namespace.name))
    }

    /// Inserts `records` into a fresh `namespace` the fastest way the driver can, and
    /// returns how long the inserts took (set-up and preparation excluded).
    pub async fn baseline(
        &self,
        records: &[Record],
        namespace: &Namespace,
        dir: &Path,
    ) -> Result<Duration, String> {
        self.initialize(namespace, dir).await?;
        match self {
            Target::Postgres { url } => postgres::baseline(url, namespace, records).await,
            Target::Redis { url } => redis::baseline(url, namespace, records).await,
            Target::Mongo { url } => mongo::baseline(url, namespace, records).await,
            Target::Sqlite => sqlite::baseline(&sqlite::path(dir, namespace), records).await,
        }
    }

    /// The sink's probe of what is stored in `namespace`.
    pub async fn store(&self, namespace: &Namespace, dir: &Path) -> Result<Store, String> {
        let name = &namespace.name;
        let cannot_connect = |error: String| format!("{}: cannot connect: {error}", self.name());
        Ok(match self {
            Target::Postgres { url } => Store::Postgres(
                PgProbe::connect(url, name)
                    .await
                    .map_err(|error| cannot_connect(error.to_string()))?,
            ),
            Target::Redis { url } => Store::Redis(
                RedisProbe::connect(url, &namespace.prefix())
                    .await
                    .map_err(|error| cannot_connect(error.to_string()))?,
            ),
            Target::Mongo { url } => Store::Mongo(
                MongoProbe::connect(url, name)
                    .await
                    .map_err(|error| cannot_connect(error.to_string()))?,
            ),
            Target::Sqlite => Store::Sqlite(SqliteProbe::new(&sqlite::path(dir, namespace))),
        })
    }

    /// Brings the planner's statistics of `namespace` up to date after a bulk load, as the
    /// database's own maintenance would (PostgreSQL's autovacuum is off on the test server).
    pub async fn analyze(&self, namespace: &Namespace) -> Result<(), String> {
        match self {
            Target::Postgres { url } => postgres::analyze(url, &namespace.name).await,
            _ => Ok(()),
        }
    }

    /// Removes what was written into `namespace` (files go with the temporary folder).
    pub async fn clean_up(&self, namespace: &Namespace) -> Result<(), String> {
        let name = &namespace.name;
        let removed = match self {
            Target::Postgres { url } => sink_postgres::testkit::drop_schema(url, name)
                .await
                .map_err(|error| error.to_string()),
            Target::Redis { url } => sink_redis::testkit::delete_prefix(url, &namespace.prefix())
                .await
                .map_err(|error| error.to_string()),
            Target::Mongo { url } => sink_mongo::testkit::drop_database(url, name)
                .await
                .map_err(|error| error.to_string()),
            Target::Sqlite => Ok(()),
        };
        removed.map_err(|error| format!("{}: cannot remove {name}: {error}", self.name()))
    }
}

/// How the baseline of the sink named `sink` writes, as the result line prints it.
pub fn baseline_method(sink: &str) -> &'static str {
    match sink {
        "postgres" => "INSERT ... SELECT FROM UNNEST(arrays) ON CONFLICT DO NOTHING, 1000 rows/statement, 2 connections",
        "redis" => redis::METHOD,
        "mongo" => "unordered insert_many of the sink's BSON, 10000 documents/call, 2 tasks",
        "sqlite" => sqlite::METHOD,
        _ => "none",
    }
}

/// Builds a sink of `kind` from YAML settings, as the service does.
fn build_sink(kind: &str, settings: &str) -> Result<Arc<dyn Sink>, String> {
    let mut settings: serde_norway::Mapping =
        serde_norway::from_str(settings).map_err(|error| format!("{kind} settings: {error}"))?;
    settings.remove("type");
    let factory = analytics_core::inventory::iter::<SinkFactory>()
        .find(|factory| factory.kind == kind)
        .ok_or_else(|| format!("sink type {kind} is not linked into the bench"))?;
    let context = SinkContext::new(format!("baseline-{kind}"), settings, EXPIRATION);
    (factory.build)(&context).map_err(|error| format!("{kind}: {error}"))
}

/// Splits `work` over `tasks` tasks, each taking the next item from a shared queue, and
/// waits for all of them.
async fn in_parallel<W, F, Fut>(work: Vec<W>, tasks: usize, run: F) -> Result<(), String>
where
    W: Send + 'static,
    F: Fn(W, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let queue = Arc::new(std::sync::Mutex::new(work.into_iter()));
    let mut set = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let queue = queue.clone();
        let run = run.clone();
        set.spawn(async move {
            loop {
                let next = queue
                    .lock()
                    .map_err(|_| "work queue poisoned".to_owned())?
                    .next();
                match next {
                    Some(item) => run(item, task).await?,
                    None => return Ok::<(), String>(()),
                }
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.map_err(|error| format!("baseline task failed: {error}"))??;
    }
    Ok(())
}
