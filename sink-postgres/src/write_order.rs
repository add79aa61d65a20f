//! [`WriteOrder`]: the events of the batches the sender has in flight are written in the
//! order it started them (a batch's events are all in its first part, see
//! `writer::split`), while each batch prepares its statements (the column arrays, encoded)
//! as soon as it starts. So the server runs one batch's statements while the service
//! prepares the next, and active-entity changes still land in queue order.
//!
//! A batch whose events could not be written holds back the events of every other batch
//! until its retry has written them: a batch behind it gets a retryable error without
//! writing its events, so an open and a close of the same room can never be written in the
//! wrong order by a retry coming late.
//! A retry is told by the batch's first record id (the sender retries a batch whole, from
//! its first record, since this sink never asks to retry single records). The hold lasts
//! while the failed batch keeps being retried: it ends `hold_for` after its last failure
//! (the longest retry backoff, and a margin), since a batch that comes back otherwise —
//! NATS JetStream redelivering its messages in other batches, perhaps to another instance —
//! would hold every other batch forever.

use std::{collections::BTreeSet, sync::Mutex, time::Duration};

use analytics_core::Batch;
use tokio::{sync::watch, time::Instant};

#[derive(Default)]
struct State {
    /// The next ticket to hand out.
    next: u64,
    /// Tickets finished out of order, waiting for the ones before them.
    finished: BTreeSet<u64>,
    /// The first record id of a batch whose events were not written, and until when the
    /// others wait for its retry.
    held_back_by: Option<(String, Instant)>,
}

/// Ticketed turns for the batches in flight.
pub(crate) struct WriteOrder {
    state: Mutex<State>,
    /// Every ticket below this one has finished: the ticket whose turn it is.
    turn: watch::Sender<u64>,
    /// How long after its last failure a batch's retry is waited for.
    hold_for: Duration,
}

impl WriteOrder {
    /// An order whose failed batches hold the others back for up to `hold_for` after
    /// each failure.
    pub(crate) fn new(hold_for: Duration) -> WriteOrder {
        WriteOrder {
            state: Mutex::new(State::default()),
            turn: watch::Sender::new(0),
            hold_for,
        }
    }

    /// A ticket for a batch starting now. Taken before the first `.await` of the write, so
    /// tickets follow the order in which the sender started the writes.
    pub(crate) fn ticket(&self) -> Ticket<'_> {
        let mut state = self.lock();
        let number = state.next;
        state.next += 1;
        Ticket {
            order: self,
            number,
        }
    }

    fn finish(&self, number: u64) {
        let mut state = self.lock();
        state.finished.insert(number);
        let mut turn = *self.turn.borrow();
        while state.finished.remove(&turn) {
            turn += 1;
        }
        self.turn.send_replace(turn);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Each update leaves the state whole, so a panic elsewhere cannot corrupt it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One batch's place in the order; its turn passes on when it is dropped (written, failed
/// or cancelled).
pub(crate) struct Ticket<'o> {
    order: &'o WriteOrder,
    number: u64,
}

impl Ticket<'_> {
    /// Waits for the batches started before this one; then says whether this batch's events
    /// may be written: the reason not, when a failed batch before it has not been written.
    pub(crate) async fn wait_for_turn(&self, batch: &Batch) -> Result<(), String> {
        let mut turn = self.order.turn.subscribe();
        // Ends only with the turn: the order, which holds the sender, outlives its tickets.
        let _ = turn.wait_for(|turn| *turn >= self.number).await;
        let mut state = self.order.lock();
        let Some((failed, until)) = &state.held_back_by else {
            return Ok(());
        };
        if *until <= Instant::now() {
            tracing::warn!(batch_from = %failed, "no retry of a failed batch came in time; writing the others without it");
            state.held_back_by = None;
            return Ok(());
        }
        match first_id(batch) {
            Some(first) if first != failed => Err(format!(
                "waiting for the retry of an earlier batch (from record {failed}), to keep the order of events"
            )),
            _ => Ok(()),
        }
    }

    /// Records how the write of this batch's events ended, and passes the turn on: when they
    /// were not stored, the others are held back until this batch's retry stores them; once
    /// stored (records refused for good included), they go again.
    pub(crate) fn written(self, batch: &Batch, stored: bool) {
        let Some(first) = first_id(batch) else {
            return;
        };
        let mut state = self.order.lock();
        let holding = state
            .held_back_by
            .as_ref()
            .map(|(failed, _)| failed.as_str());
        if stored {
            if holding == Some(first) {
                state.held_back_by = None;
            }
        } else if holding.is_none() || holding == Some(first) {
            state.held_back_by = Some((first.to_owned(), Instant::now() + self.order.hold_for));
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.order.finish(self.number);
    }
}

fn first_id(batch: &Batch) -> Option<&str> {
    batch.first().map(|record| record.id.as_str())
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::SystemTime};

    use analytics_core::testkit::session_records;

    use super::*;

    fn batch(from: usize) -> Batch {
        let records = session_records(SystemTime::now());
        Batch::new(
            records[from..from + 2]
                .iter()
                .cloned()
                .map(Arc::new)
                .collect(),
        )
    }

    #[tokio::test]
    async fn turns_follow_the_tickets_whatever_order_they_finish_in() {
        let order = WriteOrder::new(Duration::from_secs(45));
        let (a, b, c) = (order.ticket(), order.ticket(), order.ticket());
        a.wait_for_turn(&batch(0)).await.expect("first turn");
        drop(c);
        assert_eq!(
            *order.turn.borrow(),
            0,
            "a later ticket finishing early passes no turn"
        );
        drop(a);
        b.wait_for_turn(&batch(2)).await.expect("second turn");
        drop(b);
        assert_eq!(
            *order.turn.borrow(),
            3,
            "the early finish counts once reached"
        );
        let d = order.ticket();
        d.wait_for_turn(&batch(4))
            .await
            .expect("the next ticket's turn");
    }

    #[tokio::test]
    async fn a_failed_batch_holds_back_the_others_until_its_retry_is_written() {
        let order = WriteOrder::new(Duration::from_secs(45));
        let (failing, behind) = (batch(0), batch(2));
        let first = order.ticket();
        first.wait_for_turn(&failing).await.expect("its turn");
        first.written(&failing, false);
        let second = order.ticket();
        let held = second.wait_for_turn(&behind).await;
        assert!(
            matches!(&held, Err(reason) if reason.contains("earlier batch")),
            "{held:?}"
        );
        drop(second);
        let retry = order.ticket();
        retry.wait_for_turn(&failing).await.expect("the retry goes");
        retry.written(&failing, true);
        let again = order.ticket();
        again
            .wait_for_turn(&behind)
            .await
            .expect("then the batch behind it");
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_that_does_not_come_holds_the_others_back_for_a_while_only() {
        let order = WriteOrder::new(Duration::from_secs(45));
        let (failing, behind) = (batch(0), batch(2));
        let first = order.ticket();
        first.wait_for_turn(&failing).await.expect("its turn");
        first.written(&failing, false);
        tokio::time::sleep(Duration::from_secs(30)).await;
        let again = order.ticket();
        again.wait_for_turn(&failing).await.expect("the retry goes");
        again.written(&failing, false);
        tokio::time::sleep(Duration::from_secs(30)).await;
        let held = order.ticket();
        assert!(
            held.wait_for_turn(&behind).await.is_err(),
            "each failure of the batch waits for its retry anew"
        );
        drop(held);
        tokio::time::sleep(Duration::from_secs(16)).await;
        let after = order.ticket();
        after
            .wait_for_turn(&behind)
            .await
            .expect("no retry within 45 s: the others go");
    }
}
