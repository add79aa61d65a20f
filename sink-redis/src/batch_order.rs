//! Keeps the active-entity step of the batches in flight in the order they were sent: a
//! batch learns which of its records are new only from its append's answer, so its changes
//! go in a second round trip, which must not overtake the previous batch's.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

/// Hands out tickets in send order and lets each through once those before it are done.
pub struct BatchOrder {
    next: AtomicU64,
    done: watch::Sender<u64>,
}

impl Default for BatchOrder {
    fn default() -> Self {
        BatchOrder {
            next: AtomicU64::new(0),
            done: watch::Sender::new(0),
        }
    }
}

impl BatchOrder {
    /// The ticket of a batch, taken before its first command is sent.
    pub fn ticket(&self) -> Ticket<'_> {
        Ticket {
            order: self,
            number: self.next.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// A batch's place; dropping it (done or failed) lets the next batch through.
pub struct Ticket<'a> {
    order: &'a BatchOrder,
    number: u64,
}

impl Ticket<'_> {
    /// Waits until every batch with an earlier ticket is done.
    pub async fn wait_turn(&self) {
        let mut done = self.order.done.subscribe();
        // The sender lives as long as `self.order`, so waiting cannot fail.
        let _ = done.wait_for(|done| *done >= self.number).await;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let next = self.number + 1;
        self.order.done.send_if_modified(|done| {
            let advanced = *done < next;
            *done = (*done).max(next);
            advanced
        });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_later_batch_waits_for_the_earlier_one() {
        let order = BatchOrder::default();
        let first = order.ticket();
        let second = order.ticket();
        let waiting = tokio::time::timeout(Duration::from_millis(50), second.wait_turn()).await;
        assert!(
            waiting.is_err(),
            "the second waits while the first is in flight"
        );
        first.wait_turn().await;
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), second.wait_turn())
            .await
            .expect("the second goes once the first is done");
    }
}
