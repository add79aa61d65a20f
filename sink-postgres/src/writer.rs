//! Writes a batch: split across the pool's connections when it is large (stats only: every
//! event stays in the first part, so active-entity changes keep their order), one statement
//! per part, prepared before the batch's turn in the [`WriteOrder`], and bisection of a part
//! the server refuses until the bad records are found.

use std::{sync::Arc, time::Duration};

use analytics_core::{
    record::Record, sink::RecordFailure, write_order::WriteOrder, Batch, RecordKind, SinkError,
};
use sink_sql::Dialect;
use sqlx::{
    postgres::{PgArguments, Postgres},
    query::QueryAs,
    AssertSqlSafe, PgPool,
};

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

/// The batch statement with a part's arrays bound; it answers the four counts.
type Statement<'p> = QueryAs<'p, Postgres, (i64, i64, i64, i64), PgArguments>;

/// The batch writer of one schema.
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
    ///
    /// Every part's statement is prepared at once. The first part, which holds every event
    /// of the batch, runs in `order`'s turn, after the first parts of the batches started
    /// before it; the other parts hold only stats, whose writes do not depend on order, and
    /// run as soon as a connection is free. So with two batches in flight the server always
    /// has the next statement ready.
    pub(crate) async fn write(&self, batch: &Batch, order: &WriteOrder) -> Result<(), SinkError> {
        let ticket = order.ticket();
        let parts = split(batch, self.parts);
        let mut statements: Vec<Statement<'_>> =
            parts.iter().map(|part| self.statement(part)).collect();
        let unordered = statements.split_off(statements.len().min(1));
        let ordered = async {
            let (Some(part), Some(statement)) = (parts.first(), statements.pop()) else {
                return Ok(Vec::new());
            };
            if let Err(reason) = ticket.wait_for_turn().await {
                return Err(Failure::Unavailable(Cause::new(reason)));
            }
            let result = self.write_prepared(part, statement).await;
            ticket.written(result.is_ok());
            result
        };
        let others = parts
            .iter()
            .skip(1)
            .zip(unordered)
            .map(|(part, statement)| self.write_prepared(part, statement));
        let (first, others) = futures::join!(ordered, futures::future::join_all(others));
        match worst_of(std::iter::once(first).chain(others)) {
            Err(Failure::SchemaMissing(reason)) => Err(self.recreate_schema(reason).await),
            Err(failure) => Err(failure.into_sink_error()),
            Ok(mut failures) if !failures.is_empty() => {
                failures.sort_by_key(|failure| failure.index);
                Err(SinkError::Records(failures))
            }
            Ok(_) => Ok(()),
        }
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

    /// Runs a part's prepared statement; when the server refuses it, isolates the refused
    /// records ([`Writer::write_isolating`]).
    async fn write_prepared(
        &self,
        part: &[(usize, Arc<Record>)],
        statement: Statement<'_>,
    ) -> Result<Vec<RecordFailure>, Failure> {
        let ran = tokio::time::timeout(self.timeout, self.run(part.len(), statement))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Unavailable(Cause::new(format!(
                    "batch not written within {:?}",
                    self.timeout
                ))))
            });
        match ran {
            Ok(()) => Ok(Vec::new()),
            Err(Failure::Refused(reason)) => self.isolate_refused(part, reason).await,
            Err(other) => Err(other),
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
            Err(Failure::Refused(reason)) => self.isolate_refused(part, reason).await,
            Err(other) => Err(other),
        }
    }

    /// The server refused `part`: a lone record is refused for good, a larger part is
    /// written again in halves.
    async fn isolate_refused(
        &self,
        part: &[(usize, Arc<Record>)],
        reason: Cause,
    ) -> Result<Vec<RecordFailure>, Failure> {
        match part {
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
        }
    }

    /// The batch statement with the arrays of `part` bound (encoded for the wire).
    fn statement<'p>(&self, part: &'p [(usize, Arc<Record>)]) -> Statement<'p> {
        let columns = Columns::of(part.iter().map(|(_, record)| record.as_ref()));
        columns.bind(sqlx::query_as(AssertSqlSafe(self.sql.clone())))
    }

    /// One round trip: the part's events, stats and active-entity changes.
    async fn insert(&self, part: &[(usize, Arc<Record>)]) -> Result<(), Failure> {
        self.run(part.len(), self.statement(part)).await
    }

    async fn run(&self, records: usize, statement: Statement<'_>) -> Result<(), Failure> {
        let (events, stats, opened, closed) = statement.fetch_one(&self.pool).await?;
        tracing::debug!(
            records,
            events,
            stats,
            opened,
            closed,
            "batch part written (the rest were already stored)"
        );
        Ok(())
    }
}

/// The outcome of a batch from its parts': the records refused for good, or the failure
/// that sends the whole batch back. A missing schema, then an unavailable server, wins over
/// anything else, since the whole batch is then retried.
fn worst_of(
    results: impl IntoIterator<Item = Result<Vec<RecordFailure>, Failure>>,
) -> Result<Vec<RecordFailure>, Failure> {
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
