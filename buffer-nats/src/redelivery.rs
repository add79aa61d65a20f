//! How long JetStream waits before redelivering a message whose write failed: capped,
//! jittered exponential backoff on the message's delivery count (so it holds across writer
//! instances and restarts, which an in-process counter would not).

use std::time::Duration;

use rand::Rng;

const FIRST_DELAY: Duration = Duration::from_millis(100);

/// The delay before the next delivery of a message delivered `delivered` times so far:
/// 100 ms, 200 ms, 400 ms, ... up to `max`, each scaled by a random factor in [0.5, 1].
pub(crate) fn nak_delay(delivered: i64, max: Duration) -> Duration {
    let exponent = delivered.saturating_sub(1).clamp(0, 20) as u32;
    let exponential = FIRST_DELAY.saturating_mul(1u32 << exponent);
    exponential
        .min(max)
        .mul_f64(rand::rng().random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_with_deliveries_and_stay_under_the_cap() {
        let max = Duration::from_secs(2);
        assert!(nak_delay(1, max) <= Duration::from_millis(100));
        assert!(nak_delay(1, max) >= Duration::from_millis(50));
        assert!(nak_delay(4, max) >= Duration::from_millis(400));
        assert!((1..100).all(|n| nak_delay(n, max) <= max));
        assert!(nak_delay(0, max) <= Duration::from_millis(100));
    }
}
