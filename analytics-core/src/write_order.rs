//! [`WriteOrder`]: for a sink with batches in flight ([`crate::Sink::batches_in_flight`]),
//! the events of its batches are written in the order the sender started them, while each
//! batch prepares its writes (documents converted, arrays bound) as soon as it starts and
//! writes its stats, whose order does not matter, at once. So the database works on one
//! batch while the service prepares the next, and active-entity changes still land in
//! queue order.
//!
//! When a batch's events cannot be written, the batches already in flight behind it do not
//! write theirs either: each gets a retryable error, so none gets ahead of the failed batch.
//! The sender then retries them in the order it took them (a retry waits until every batch
//! taken before it is settled), so an open and a close of the same room are never written
//! the wrong way round. Batches started after the failure go as usual: nothing is held
//! for a batch that comes back otherwise (NATS JetStream redelivering its messages in
//! other batches, perhaps to another instance, where order was never promised).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::turns::{self, Turns};

/// Turns for the events of the batches in flight.
#[derive(Default)]
pub struct WriteOrder {
    turns: Turns,
    /// Tickets below this number that were in flight when a batch's events failed: they
    /// must not write theirs.
    refuse_below: AtomicU64,
}

impl WriteOrder {
    /// A ticket for a batch starting now, taken before the first `.await` of the write, so
    /// tickets follow the order in which the sender started the writes.
    pub fn ticket(&self) -> Ticket<'_> {
        Ticket {
            order: self,
            ticket: self.turns.ticket(),
        }
    }
}

/// One batch's place in the order; its turn passes on when it is dropped.
pub struct Ticket<'o> {
    order: &'o WriteOrder,
    ticket: turns::Ticket<'o>,
}

impl Ticket<'_> {
    /// Waits for the events of the batches started before this one; then says whether this
    /// batch's events may be written: not when one of them failed meanwhile.
    pub async fn wait_for_turn(&self) -> Result<(), String> {
        self.ticket.turn().await;
        if self.ticket.number() < self.order.refuse_below.load(Ordering::Acquire) {
            return Err(
                "an earlier batch's events were not written: this batch is retried after it, to keep the order of events"
                    .into(),
            );
        }
        Ok(())
    }

    /// Records how the write of this batch's events ended, and passes the turn on: when
    /// they were not stored, the batches in flight behind it do not write theirs.
    pub fn written(self, stored: bool) {
        if !stored {
            self.order
                .refuse_below
                .fetch_max(self.order.turns.next_number(), Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failure_turns_back_the_batches_in_flight_behind_it_and_no_later_ones() {
        let order = WriteOrder::default();
        let failing = order.ticket();
        let behind = order.ticket();
        failing.wait_for_turn().await.expect("its turn");
        failing.written(false);
        let held = behind.wait_for_turn().await;
        assert!(
            matches!(&held, Err(reason) if reason.contains("earlier batch")),
            "{held:?}"
        );
        drop(behind);
        let retry = order.ticket();
        retry
            .wait_for_turn()
            .await
            .expect("a batch started later goes");
        retry.written(true);
        order
            .ticket()
            .wait_for_turn()
            .await
            .expect("and so does the next");
    }
}
