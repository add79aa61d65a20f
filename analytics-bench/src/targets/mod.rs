//! The databases measured: for each, the sink settings that point livekit-analytics at a
//! fresh namespace (schema, key prefix, database or file), the baseline insert with the
//! official driver, the count of what is stored, and the clean-up.

mod mongo;
mod postgres;
mod redis;
mod sqlite;

use std::{path::Path, sync::Arc, time::Duration};

use analytics_core::{Record, Sink, SinkContext, SinkFactory};

// Linked for their `inventory` registrations: the baselines set their schema up with the
// sinks' own `initialize`, so that tables and indexes are the same as the pipeline's.
use sink_mongo as _;
use sink_postgres as _;
use sink_redis as _;
use sink_sqlite as _;

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

    /// The Redis key prefix.
    fn prefix(&self) -> String {
        format!("{}:", self.name)
    }
}

/// A connection that counts stored records.
pub enum Store {
    Postgres(postgres::Counter),
    Redis(redis::Counter),
    Mongo(mongo::Counter),
    Sqlite(sqlite::Counter),
}

impl Store {
    /// Events plus stats stored.
    pub async fn count(&self) -> Result<u64, String> {
        match self {
            Store::Postgres(counter) => counter.count().await,
            Store::Redis(counter) => counter.count().await,
            Store::Mongo(counter) => counter.count().await,
            Store::Sqlite(counter) => counter.count().await,
        }
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

    /// The sink settings (a YAML flow mapping, `type` included) writing into `namespace`.
    pub fn sink_settings(&self, namespace: &Namespace, dir: &Path) -> String {
        match self {
            Target::Postgres { url } => format!(
                "{{ type: postgres, url: \"{url}\", schema: {} }}",
                namespace.name
            ),
            Target::Redis { url } => format!(
                "{{ type: redis, url: \"{url}\", prefix: \"{}\" }}",
                namespace.prefix()
            ),
            Target::Mongo { url } => format!(
                "{{ type: mongo, url: \"{url}\", database: {} }}",
                namespace.name
            ),
            Target::Sqlite => format!(
                "{{ type: sqlite, path: \"{}\" }}",
                sqlite::path(dir, namespace).display()
            ),
        }
    }

    /// Sets `namespace` up with the sink's own `initialize` (tables, indexes, expiry).
    async fn initialize(&self, namespace: &Namespace, dir: &Path) -> Result<(), String> {
        let sink = build_sink(self.name(), &self.sink_settings(namespace, dir))?;
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

    /// A counter of what is stored in `namespace`.
    pub async fn store(&self, namespace: &Namespace, dir: &Path) -> Result<Store, String> {
        Ok(match self {
            Target::Postgres { url } => {
                Store::Postgres(postgres::Counter::connect(url, namespace).await?)
            }
            Target::Redis { url } => Store::Redis(redis::Counter::connect(url, namespace).await?),
            Target::Mongo { url } => Store::Mongo(mongo::Counter::connect(url, namespace).await?),
            Target::Sqlite => {
                Store::Sqlite(sqlite::Counter::connect(&sqlite::path(dir, namespace)).await?)
            }
        })
    }

    /// Removes what was written into `namespace` (files go with the temporary folder).
    pub async fn clean_up(&self, namespace: &Namespace) -> Result<(), String> {
        match self {
            Target::Postgres { url } => postgres::drop_schema(url, namespace).await,
            Target::Redis { url } => redis::delete_keys(url, namespace).await,
            Target::Mongo { url } => mongo::drop_database(url, namespace).await,
            Target::Sqlite => Ok(()),
        }
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
