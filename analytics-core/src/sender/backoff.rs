//! Capped, jittered exponential backoff between retries of a failed write.

use std::time::Duration;

use rand::Rng;

const FIRST_DELAY: Duration = Duration::from_millis(100);

/// Delays of 100 ms, 200 ms, 400 ms, ... up to a cap, each scaled by a random factor in
/// [0.5, 1] so that many senders do not retry in lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    attempt: u32,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Backoff {
        Backoff { attempt: 0, max }
    }

    /// The delay before the next retry.
    pub fn next_delay(&mut self) -> Duration {
        let exponential = FIRST_DELAY.saturating_mul(1u32 << self.attempt.min(20));
        self.attempt = self.attempt.saturating_add(1);
        let capped = exponential.min(self.max);
        capped.mul_f64(rand::rng().random_range(0.5..=1.0))
    }

    /// The capped delay, jittered like the others: the pace of retries that should not
    /// press the database (an error a person must fix).
    pub fn slowest_delay(&self) -> Duration {
        self.max.mul_f64(rand::rng().random_range(0.5..=1.0))
    }

    /// Start again from the first delay (after a success).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_under_the_cap() {
        let mut backoff = Backoff::new(Duration::from_secs(1));
        let delays: Vec<_> = (0..10).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] <= Duration::from_millis(100) && delays[0] >= Duration::from_millis(50));
        assert!(delays[3] >= Duration::from_millis(400));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(1)));
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }
}
