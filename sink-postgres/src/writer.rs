//! Writes a batch: split across the pool's connections when it is large (stats only: every
//! event stays in the first part, so active-entity changes keep their order), one statement
//! per part, and bisection of a part the server refuses until the bad records are found.

use std::{sync::Arc, time::Duration};

use analytics_core::{record::Record, sink::RecordFailure, Batch, RecordKind, SinkError};
use sink_sql::Dialect;
use sqlx::{AssertSqlSafe, PgPool};
use tokio::task::JoinSet;

use crate::{
    columns::Columns,
    error::{self, Cause, Failure},
    schema, statement,
};

/// Below this many records a batch is written on one connection: splitting costs a round
/// trip per part, which only pays off for large batches.
const PARALLEL_MIN_RECORDS: usize = 400;

/// Records with their index in the batch.
type Part = Vec<(usize, Arc<Record>)>;

/// The batch writer of one schema.
#[derive(Clone)]
pub(crate) struct Writer {
    pool: PgPool,
    schema: Arc<str>,
    sql: Arc<str>,
    parts: usize,
    timeout: Duration,
}

impl Writer {
    /// `parts`: how many connections a large batch is spread over.
    pub(crate) fn new(pool: PgPool, schema: &str, parts: usize, timeout: Duration) -> Writer {
        Writer {
            pool,
            schema: schema.into(),
            sql: statement::write_batch(&Dialect::postgres(schema)).into(),
            parts: parts.max(1),
            timeout,
        }
    }

    /// Writes the batch; see [`analytics_core::Sink::send_batch`] for what the error means.
    pub(crate) async fn write(&self, batch: &Batch) -> Result<(), SinkError> {
        let parts = split(batch, self.parts);
        let outcome = tokio::time::timeout(self.timeout, self.write_parts(parts)).await;
        let mut failures = match outcome {
            Err(_) => {
                return Err(SinkError::unavailable(format!(
                    "batch not written within {:?}",
                    self.timeout
                )))
            }
            Ok(Err(Failure::SchemaMissing(reason))) => {
                return Err(self.recreate_schema(reason).await)
            }
            Ok(Err(failure)) => return Err(failure.into_sink_error()),
            Ok(Ok(failures)) => failures,
        };
        if failures.is_empty() {
            return Ok(());
        }
        failures.sort_by_key(|failure| failure.index);
        Err(SinkError::Records(failures))
    }

    /// Sets the schema up again after its tables went away under a running service, so that
    /// the sender's retry finds them, rather than retrying into the void until a restart.
    async fn recreate_schema(&self, reason: Cause) -> SinkError {
        tracing::warn!(schema = %self.schema, reason = %reason, "tables missing; setting the schema up again");
        let outcome = match self.pool.acquire().await {
            Ok(mut connection) => schema::migrate(&mut connection, &self.schema).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(_) => SinkError::unavailable(format!("{reason}; the schema was set up again")),
            Err(error) => error::sink_error(error),
        }
    }

    /// Writes the parts at once. A missing schema, then an unavailable server, wins over
    /// anything else, since the whole batch is then retried.
    async fn write_parts(&self, parts: Vec<Part>) -> Result<Vec<RecordFailure>, Failure> {
        let mut parts = parts.into_iter();
        let Some(first) = parts.next() else {
            return Ok(Vec::new());
        };
        let mut others = JoinSet::new();
        for part in parts {
            let writer = self.clone();
            others.spawn(async move { writer.write_isolating(&part).await });
        }
        let mut results = vec![self.write_isolating(&first).await];
        while let Some(joined) = others.join_next().await {
            results.push(joined.unwrap_or_else(|error| {
                Err(Failure::Operator(Cause::new(format!(
                    "batch writer task failed: {error}"
                ))))
            }));
        }
        let mut failures = Vec::new();
        let mut worst: Option<Failure> = None;
        for result in results {
            match result {
                Ok(part_failures) => failures.extend(part_failures),
                Err(failure @ Failure::SchemaMissing(_)) => worst = Some(failure),
                Err(failure @ Failure::Unavailable(_)) => {
                    if !matches!(worst, Some(Failure::SchemaMissing(_))) {
                        worst = Some(failure);
                    }
                }
                Err(failure) => {
                    if worst.is_none() {
                        worst = Some(failure);
                    }
                }
            }
        }
        match worst {
            Some(failure) => Err(failure),
            None => Ok(failures),
        }
    }

    /// Writes a part; when the server refuses it, writes each half in turn until the
    /// refused records stand alone. A part with one bad record costs about 2·log2(n)
    /// statements; the good records are all stored.
    async fn write_isolating(
        &self,
        part: &[(usize, Arc<Record>)],
    ) -> Result<Vec<RecordFailure>, Failure> {
        match self.insert(part).await {
            Ok(()) => Ok(Vec::new()),
            Err(Failure::Refused(reason)) => match part {
                [] => Ok(Vec::new()),
                [(index, record)] => {
                    tracing::warn!(record = %record.id, reason = %reason, "record refused by PostgreSQL");
                    Ok(vec![RecordFailure {
                        index: *index,
                        retryable: false,
                        reason: reason.message,
                    }])
                }
                _ => {
                    let (left, right) = part.split_at(part.len() / 2);
                    let mut failures = Box::pin(self.write_isolating(left)).await?;
                    failures.extend(Box::pin(self.write_isolating(right)).await?);
                    Ok(failures)
                }
            },
            Err(other) => Err(other),
        }
    }

    /// One round trip: the part's events, stats and active-entity changes.
    async fn insert(&self, part: &[(usize, Arc<Record>)]) -> Result<(), Failure> {
        let columns = Columns::of(part.iter().map(|(_, record)| record.as_ref()));
        let query = sqlx::query_as::<_, (i64, i64, i64, i64)>(AssertSqlSafe(self.sql.clone()));
        let (events, stats, opened, closed) = columns.bind(query).fetch_one(&self.pool).await?;
        tracing::debug!(
            records = part.len(),
            events,
            stats,
            opened,
            closed,
            "batch part written (the rest were already stored)"
        );
        Ok(())
    }
}

/// The batch in up to `parts` parts, each in batch order: the first holds every event and
/// a share of the stats; the others share the remaining stats.
fn split(batch: &Batch, parts: usize) -> Vec<Part> {
    let indexed = batch.iter().cloned().enumerate();
    if parts <= 1 || batch.len() < PARALLEL_MIN_RECORDS {
        return vec![indexed.collect()];
    }
    let share = batch.len().div_ceil(parts);
    let events = batch.events().count();
    let mut first = Vec::with_capacity(share.max(events));
    let mut stats = Vec::with_capacity(batch.len() - events);
    for (index, record) in indexed {
        if record.kind == RecordKind::Event {
            first.push((index, record));
        } else {
            stats.push((index, record));
        }
    }
    let with_events = share.saturating_sub(events).min(stats.len());
    let rest = stats.split_off(with_events);
    first.extend(stats);
    first.sort_by_key(|(index, _)| *index);
    let mut result = vec![first];
    if !rest.is_empty() {
        let per_part = rest.len().div_ceil(parts - 1);
        result.extend(rest.chunks(per_part).map(<[_]>::to_vec));
    }
    result
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use analytics_core::{livekit_protocol::StreamType, samples, testkit::session_records};

    use super::*;

    fn stat_batch(events: usize, stats: usize) -> Batch {
        let mut records: Vec<Arc<Record>> = session_records(SystemTime::now())
            .into_iter()
            .filter(|r| r.kind == RecordKind::Event)
            .cycle()
            .take(events)
            .map(Arc::new)
            .collect();
        let start = SystemTime::now();
        for n in 0..stats {
            let at = start + Duration::from_millis(n as u64);
            let stat = samples::stat(StreamType::Upstream, at);
            let record = Record::from_stat(stat, Duration::from_secs(60), start).expect("converts");
            records.push(Arc::new(record));
        }
        Batch::new(records)
    }

    #[test]
    fn small_batches_stay_whole() {
        let parts = split(&stat_batch(5, 100), 2);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].len(), 105);
    }

    #[test]
    fn large_batches_keep_every_event_in_the_first_part() {
        let batch = stat_batch(9, 991);
        let parts = split(&batch, 2);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len(), 500);
        assert_eq!(parts[1].len(), 500);
        let events_first = parts[0]
            .iter()
            .filter(|(_, r)| r.kind == RecordKind::Event)
            .count();
        assert_eq!(events_first, 9);
        let mut indexes: Vec<usize> = parts.iter().flatten().map(|(i, _)| *i).collect();
        assert!(
            parts[0].windows(2).all(|w| w[0].0 < w[1].0),
            "first part in batch order"
        );
        indexes.sort_unstable();
        assert_eq!(indexes, (0..1000).collect::<Vec<_>>());
    }
}
