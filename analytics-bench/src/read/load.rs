//! Loading the dataset into a sink through its normal write path (`Sink::send_batch`, in
//! batches of the size the sink prefers), with progress on stderr. A dataset the database
//! already holds in full (every event and stat counted) is reused: loading 5 M stats takes
//! minutes.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use analytics_core::{Batch, Record, RecordKind, Sink};
use tokio::sync::mpsc;

use super::{
    dataset::Shape,
    messages::{events, records, stat_count},
};
use crate::targets::{Namespace, Store, Target};

/// Records per batch for a sink that states no preference (the service's default).
const DEFAULT_BATCH: usize = 1000;
/// How often progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Attempts of a batch whose failure may pass.
const ATTEMPTS: u32 = 5;

/// How many events and stats the dataset has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub stats: u64,
}

impl Counts {
    pub fn of(shape: &Shape) -> Counts {
        shape.sessions().fold(
            Counts {
                events: 0,
                stats: 0,
            },
            |counts, session| Counts {
                events: counts.events + events(&session).len() as u64,
                stats: counts.stats + stat_count(&session) as u64,
            },
        )
    }

    fn total(&self) -> u64 {
        self.events + self.stats
    }

    async fn stored(store: &Store) -> Result<Counts, String> {
        Ok(Counts {
            events: store.count_of(RecordKind::Event).await?,
            stats: store.count_of(RecordKind::Stat).await?,
        })
    }
}

/// A sink holding the whole dataset.
pub struct Loaded {
    pub sink: Arc<dyn Sink>,
    pub counts: Counts,
    /// The database held it already.
    pub reused: bool,
}

/// The sink writing into `namespace`, set up, holding the whole dataset: reused when it
/// already does (unless `reload`), loaded otherwise.
pub async fn loaded_sink(
    target: &Target,
    namespace: &Namespace,
    dir: &Path,
    shape: &Shape,
    reload: bool,
) -> Result<Loaded, String> {
    let name = target.name();
    if reload {
        eprintln!("{name}: dropping {} ...", namespace.name);
        remove(target, namespace, dir).await?;
    }
    let sink = target.sink(namespace, dir)?;
    sink.initialize()
        .await
        .map_err(|error| format!("{name}: cannot set up {}: {error}", namespace.name))?;
    let expected = Counts::of(shape);
    let store = target.store(namespace, dir).await?;
    let stored = Counts::stored(&store).await?;
    if stored == expected {
        eprintln!(
            "{name}: {} already holds the dataset ({} events, {} stats): reusing it",
            namespace.name, stored.events, stored.stats
        );
        return Ok(Loaded {
            sink,
            counts: stored,
            reused: true,
        });
    }
    if stored.total() > 0 {
        eprintln!(
            "{name}: {} holds {} of {} records: loading again (writes are idempotent)",
            namespace.name,
            stored.total(),
            expected.total()
        );
    }
    load(name, sink.as_ref(), shape, expected).await?;
    let stored = Counts::stored(&store).await?;
    if stored != expected {
        return Err(format!("{name}: loaded {stored:?}, expected {expected:?}"));
    }
    Ok(Loaded {
        sink,
        counts: stored,
        reused: false,
    })
}

/// Removes what a previous run loaded into `namespace`.
async fn remove(target: &Target, namespace: &Namespace, dir: &Path) -> Result<(), String> {
    if let Target::Sqlite = target {
        let path = target.sqlite_path(namespace, dir);
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            match std::fs::remove_file(&file) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(format!("cannot remove {file}: {error}"))
                }
                _ => {}
            }
        }
        return Ok(());
    }
    target.clean_up(namespace).await
}

/// Generates and converts the sessions on a thread of their own while the batches are
/// written one after another, in time order within each session.
async fn load(name: &str, sink: &dyn Sink, shape: &Shape, expected: Counts) -> Result<(), String> {
    let batch_size = sink.preferred_batch_size().unwrap_or(DEFAULT_BATCH).max(1);
    eprintln!(
        "{name}: loading {} sessions: {} events and {} stats, {batch_size} records per batch ...",
        shape.sessions, expected.events, expected.stats
    );
    let (sender, mut batches) = mpsc::channel::<Vec<Arc<Record>>>(4);
    let shape = *shape;
    let producer = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let now = SystemTime::now();
        let mut pending = Vec::with_capacity(batch_size);
        for session in shape.sessions() {
            for record in records(&session, now)? {
                pending.push(Arc::new(record));
                if pending.len() == batch_size {
                    let full = std::mem::replace(&mut pending, Vec::with_capacity(batch_size));
                    if sender.blocking_send(full).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        if !pending.is_empty() {
            let _ = sender.blocking_send(pending);
        }
        Ok(())
    });
    let started = Instant::now();
    let mut reported = Instant::now();
    let mut written = 0u64;
    while let Some(records) = batches.recv().await {
        let batch = Batch::new(records);
        send(sink, &batch)
            .await
            .map_err(|error| format!("{name}: {error}"))?;
        written += batch.len() as u64;
        if reported.elapsed() >= PROGRESS_EVERY {
            reported = Instant::now();
            eprintln!(
                "{name}: {}",
                progress(written, expected.total(), started.elapsed())
            );
        }
    }
    producer
        .await
        .map_err(|error| format!("generating the dataset: {error}"))??;
    eprintln!(
        "{name}: loaded {written} records in {:.0?} ({:.0} records/s)",
        started.elapsed(),
        written as f64 / started.elapsed().as_secs_f64().max(1e-9)
    );
    Ok(())
}

/// Writes one batch, again after a failure that may pass.
async fn send(sink: &dyn Sink, batch: &Batch) -> Result<(), String> {
    let mut attempt = 1;
    loop {
        match sink.send_batch(batch).await {
            Ok(()) => return Ok(()),
            Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                eprintln!("batch failed (attempt {attempt} of {ATTEMPTS}): {error}");
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => return Err(format!("send_batch: {error}")),
        }
    }
}

/// `1 200 000 of 5 300 000 records (22 %), 21 000 records/s, about 3m15s left`.
fn progress(written: u64, total: u64, elapsed: Duration) -> String {
    let rate = written as f64 / elapsed.as_secs_f64().max(1e-9);
    let left = total.saturating_sub(written) as f64 / rate.max(1e-9);
    format!(
        "{written} of {total} records ({:.0} %), {rate:.0} records/s, about {}m{:02}s left",
        100.0 * written as f64 / total.max(1) as f64,
        left as u64 / 60,
        left as u64 % 60
    )
}

#[cfg(test)]
mod tests {
    use analytics_core::query::SessionFilter;

    use super::*;

    #[tokio::test]
    async fn a_loaded_dataset_is_complete_listed_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape::of_scale(0.003).unwrap();
        let namespace = Namespace::named(shape.name());
        let loaded = loaded_sink(&Target::Sqlite, &namespace, dir.path(), &shape, false)
            .await
            .unwrap();
        assert!(!loaded.reused);
        assert_eq!(loaded.counts, Counts::of(&shape));
        let (from_ms, before_ms) = shape.range();
        let filter = SessionFilter {
            from_ms,
            before_ms,
            ..SessionFilter::default()
        };
        let page = loaded
            .sink
            .query()
            .unwrap()
            .list_sessions(&filter)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3);
        assert!(page
            .items
            .iter()
            .all(|session| session.num_participants == 10
                && session.ended_at_ms.is_some()
                && session.bandwidth_in > 0
                && session.bandwidth_out > session.bandwidth_in));
        loaded.sink.close().await;

        let again = loaded_sink(&Target::Sqlite, &namespace, dir.path(), &shape, false)
            .await
            .unwrap();
        assert!(again.reused);
        again.sink.close().await;
        let reloaded = loaded_sink(&Target::Sqlite, &namespace, dir.path(), &shape, true)
            .await
            .unwrap();
        assert!(!reloaded.reused);
        assert_eq!(reloaded.counts, Counts::of(&shape));
    }
}
