//! [`Turns`]: numbered tickets whose turns come in number order, however the tickets before
//! finish. The sender uses them so that a batch is retried only after every batch taken
//! before it is settled; a sink with batches in flight can use them to run its order-bound
//! work in the order the sender started the writes.

use std::{
    collections::BTreeSet,
    sync::{Mutex, MutexGuard},
};

use tokio::sync::watch;

/// Hands out tickets; a ticket's turn comes once every ticket before it is dropped.
pub struct Turns {
    state: Mutex<State>,
    /// Every ticket below this number is dropped.
    turn: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    next: u64,
    /// Tickets dropped before their turn came, waiting for the ones before them.
    finished: BTreeSet<u64>,
}

impl Default for Turns {
    fn default() -> Turns {
        Turns {
            state: Mutex::new(State::default()),
            turn: watch::Sender::new(0),
        }
    }
}

impl Turns {
    /// The next ticket. Take it synchronously where the order is decided (before the first
    /// `.await` of a write), so tickets follow that order.
    pub fn ticket(&self) -> Ticket<'_> {
        let mut state = self.lock();
        let number = state.next;
        state.next += 1;
        Ticket {
            turns: self,
            number,
        }
    }

    /// The number the next ticket will get.
    pub fn next_number(&self) -> u64 {
        self.lock().next
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

    fn lock(&self) -> MutexGuard<'_, State> {
        // Each update leaves the state whole, so a panic elsewhere cannot corrupt it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A place in the order; dropping it (done, failed or cancelled) passes the turn on.
pub struct Ticket<'t> {
    turns: &'t Turns,
    number: u64,
}

impl Ticket<'_> {
    /// This ticket's number.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Resolves once every ticket before this one is dropped.
    pub async fn turn(&self) {
        let mut turn = self.turns.turn.subscribe();
        // Ends only with the turn: `Turns` holds the sender and outlives its tickets.
        let _ = turn.wait_for(|turn| *turn >= self.number).await;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.turns.finish(self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_come_in_ticket_order_whatever_order_tickets_finish_in() {
        let turns = Turns::default();
        let (a, b, c) = (turns.ticket(), turns.ticket(), turns.ticket());
        a.turn().await;
        drop(c);
        assert_eq!(
            *turns.turn.borrow(),
            0,
            "a later ticket finishing early passes no turn"
        );
        drop(a);
        b.turn().await;
        drop(b);
        assert_eq!(
            *turns.turn.borrow(),
            3,
            "the early finish counts once reached"
        );
        assert_eq!(turns.next_number(), 3);
        turns.ticket().turn().await;
    }
}
