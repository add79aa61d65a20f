//! [`SignInLimit`]: at most N failed sign-ins per client address in a sliding minute; past
//! it, sign-ins from that address are refused until the oldest failure is a minute old.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// The window failures are counted in.
const WINDOW: Duration = Duration::from_secs(60);

/// Most addresses remembered; past it, addresses whose failures have all aged out are
/// forgotten first, so a flood from many addresses cannot grow the table without bound.
const MAX_ADDRESSES: usize = 10_000;

/// Failed sign-ins per client address.
#[derive(Debug)]
pub struct SignInLimit {
    max_failures: usize,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl SignInLimit {
    pub fn new(max_failures_per_minute: u32) -> SignInLimit {
        SignInLimit {
            max_failures: max_failures_per_minute.max(1) as usize,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` when `client` has used up its failures at `now`: it may try again after
    /// `wait` (at least one second, the unit of `Retry-After`).
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = failures.get_mut(&client) else {
            return Ok(());
        };
        forget_old(times, now);
        match times.front() {
            Some(oldest) if times.len() >= self.max_failures => {
                let wait = WINDOW.saturating_sub(now.duration_since(*oldest));
                Err(wait.max(Duration::from_secs(1)))
            }
            _ => Ok(()),
        }
    }

    /// Notes a failed sign-in of `client` at `now`.
    pub fn failed(&self, client: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_ADDRESSES && !failures.contains_key(&client) {
            failures.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
        }
        let times = failures.entry(client).or_default();
        forget_old(times, now);
        times.push_back(now);
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }
}

fn forget_old(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|time| now.duration_since(*time) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn five_failures_in_a_minute_block_the_sixth_attempt_until_the_first_ages_out() {
        let limit = SignInLimit::new(5);
        let start = Instant::now();
        for second in 0..5 {
            let now = start + Duration::from_secs(second);
            assert_eq!(limit.check(CLIENT, now), Ok(()));
            limit.failed(CLIENT, now);
        }
        let now = start + Duration::from_secs(10);
        assert_eq!(limit.check(CLIENT, now), Err(Duration::from_secs(50)));
        assert_eq!(
            limit.check(OTHER, now),
            Ok(()),
            "other addresses are not blocked"
        );
        assert_eq!(limit.check(CLIENT, start + WINDOW), Ok(()));
    }

    #[test]
    fn the_wait_is_never_below_one_second() {
        let limit = SignInLimit::new(1);
        let start = Instant::now();
        limit.failed(CLIENT, start);
        let almost = start + WINDOW - Duration::from_millis(10);
        assert_eq!(limit.check(CLIENT, almost), Err(Duration::from_secs(1)));
    }

    #[test]
    fn many_addresses_do_not_grow_the_table_past_its_bound() {
        let limit = SignInLimit::new(5);
        let start = Instant::now();
        for n in 0..MAX_ADDRESSES as u32 {
            limit.failed(IpAddr::V4(n.into()), start);
        }
        limit.failed(CLIENT, start + WINDOW);
        let failures = limit.failures.lock().unwrap();
        assert_eq!(failures.len(), 1, "aged-out addresses were forgotten");
    }
}
