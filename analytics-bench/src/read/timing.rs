//! Timing one call: untimed warm-up runs, then timed runs one after another until their
//! number or the time budget is reached; their median and 95th percentile.

use std::time::{Duration, Instant};

use analytics_core::query::SessionQuery;

use super::calls::{Call, Subjects};

/// The figures of one call.
#[derive(Debug, Clone)]
pub struct Timing {
    pub median: Duration,
    pub p95: Duration,
    /// Timed runs made.
    pub runs: usize,
    /// What the last run answered.
    pub answer: String,
}

/// How many times a call is run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub warmup: usize,
    pub runs: usize,
    /// Timed runs stop once they took this long together.
    pub budget: Duration,
}

/// Runs `call` as `plan` says (the warm-up within the budget too); the first failure ends it.
pub async fn time(
    call: Call,
    query: &dyn SessionQuery,
    subjects: &Subjects,
    plan: Plan,
) -> Result<Timing, String> {
    let mut answer = String::new();
    let warming = Instant::now();
    for _ in 0..plan.warmup {
        if warming.elapsed() >= plan.budget {
            break;
        }
        answer = call.run(query, subjects).await?;
    }
    let mut durations = Vec::with_capacity(plan.runs);
    let mut spent = Duration::ZERO;
    while durations.is_empty() || (durations.len() < plan.runs && spent < plan.budget) {
        let started = Instant::now();
        answer = call.run(query, subjects).await?;
        durations.push(started.elapsed());
        spent += started.elapsed();
    }
    durations.sort_unstable();
    Ok(Timing {
        median: percentile(&durations, 50),
        p95: percentile(&durations, 95),
        runs: durations.len(),
        answer,
    })
}

/// The nearest-rank percentile of sorted `durations`.
fn percentile(durations: &[Duration], percent: usize) -> Duration {
    let rank = (durations.len() * percent).div_ceil(100).max(1);
    durations[rank.min(durations.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_percentiles_are_nearest_rank() {
        let durations: Vec<Duration> = (1..=30).map(Duration::from_millis).collect();
        assert_eq!(percentile(&durations, 50), Duration::from_millis(15));
        assert_eq!(percentile(&durations, 95), Duration::from_millis(29));
        assert_eq!(
            percentile(&[Duration::from_millis(7)], 95),
            Duration::from_millis(7)
        );
    }
}
