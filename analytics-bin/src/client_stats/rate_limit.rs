//! [`ParticipantRateLimit`]: a token bucket per participant (room and identity): `burst`
//! requests at once, refilled at `rate_per_second`. One participant's browser that posts too
//! often is told to wait; the others are not affected.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::participant::Participant;

/// Most participants whose buckets are remembered; past it, buckets that have refilled
/// completely (whose participant has been idle) are forgotten first.
const MAX_PARTICIPANTS: usize = 100_000;

/// One participant's bucket: its tokens when last touched.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Requests per participant.
#[derive(Debug)]
pub struct ParticipantRateLimit {
    rate_per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<Participant, Bucket>>,
}

impl ParticipantRateLimit {
    pub fn new(rate_per_second: f64, burst: u32) -> ParticipantRateLimit {
        ParticipantRateLimit {
            rate_per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `participant`'s bucket at `now`; `Err(wait)` when it is empty:
    /// the next request is allowed after `wait`.
    pub fn take(&self, participant: &Participant, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_PARTICIPANTS && !buckets.contains_key(participant) {
            self.forget_full(&mut buckets, now);
        }
        let bucket = buckets.entry(participant.clone()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket.tokens = self.refilled(bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let missing = 1.0 - bucket.tokens;
        Err(Duration::from_secs_f64(missing / self.rate_per_second))
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.rate_per_second).min(self.burst)
    }

    /// Forgets the buckets that are full again (a forgotten participant starts full, so
    /// nothing changes for it); when every participant is busy, forgets them all rather than
    /// grow without bound.
    fn forget_full(&self, buckets: &mut HashMap<Participant, Bucket>, now: Instant) {
        buckets.retain(|_, bucket| self.refilled(bucket, now) < self.burst);
        if buckets.len() >= MAX_PARTICIPANTS {
            buckets.clear();
        }
    }
}

/// Whole seconds to announce in `Retry-After` for a wait (at least 1).
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn participant(identity: &str) -> Participant {
        Participant {
            room_name: "room".into(),
            identity: identity.into(),
        }
    }

    #[test]
    fn a_burst_is_allowed_then_requests_wait_for_the_refill() {
        let limit = ParticipantRateLimit::new(2.0, 3);
        let alice = participant("alice");
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take(&alice, start), Ok(()));
        }
        let wait = limit.take(&alice, start).expect_err("the bucket is empty");
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(
            limit.take(&participant("bob"), start),
            Ok(()),
            "another participant has its own bucket"
        );
        assert_eq!(
            limit.take(&alice, start + Duration::from_millis(500)),
            Ok(())
        );
        assert!(limit
            .take(&alice, start + Duration::from_millis(600))
            .is_err());
    }

    #[test]
    fn the_same_identity_in_another_room_has_its_own_bucket() {
        let limit = ParticipantRateLimit::new(1.0, 1);
        let now = Instant::now();
        assert_eq!(limit.take(&participant("alice"), now), Ok(()));
        let elsewhere = Participant {
            room_name: "other".into(),
            identity: "alice".into(),
        };
        assert_eq!(limit.take(&elsewhere, now), Ok(()));
    }

    #[test]
    fn the_announced_wait_is_whole_seconds_and_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::from_millis(10)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1500)), 2);
    }

    #[test]
    fn idle_participants_are_forgotten_when_the_table_is_full() {
        let limit = ParticipantRateLimit::new(10.0, 1);
        let start = Instant::now();
        for n in 0..MAX_PARTICIPANTS {
            let _ = limit.take(&participant(&n.to_string()), start);
        }
        let later = start + Duration::from_secs(1);
        assert_eq!(limit.take(&participant("new"), later), Ok(()));
        let buckets = limit.buckets.lock().expect("lock");
        assert_eq!(buckets.len(), 1, "refilled buckets were forgotten");
    }
}
