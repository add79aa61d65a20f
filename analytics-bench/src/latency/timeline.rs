//! Per-record latency from two timelines of one run, both as time since its start: when
//! each request was acknowledged (and how many records it held), and the readings of the
//! service's cumulative written counter. Records are taken to be written in the order they
//! were acknowledged (the sender writes its queue in order), so the k-th record
//! acknowledged is stored by the first reading that counts k records written.

use std::time::Duration;

/// One acknowledged request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ack {
    /// When it was due at the measured rate.
    pub due: Duration,
    pub sent: Duration,
    pub acknowledged: Duration,
    pub records: usize,
}

/// One reading of the written counter: when its answer came, and the count (since the
/// run's start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub at: Duration,
    pub written: u64,
}

/// Each record's time from its acknowledgement to the reading that first counts it (zero
/// when that reading came before the acknowledgement did), in acknowledgement order;
/// `None` when the last reading does not count every record.
pub fn latencies(acks: &[Ack], readings: &[Reading]) -> Option<Vec<Duration>> {
    let mut acks = acks.to_vec();
    acks.sort_by_key(|ack| ack.acknowledged);
    let total: usize = acks.iter().map(|ack| ack.records).sum();
    let mut latencies = Vec::with_capacity(total);
    let mut readings = readings.iter().peekable();
    let mut record = 0u64;
    for ack in &acks {
        for _ in 0..ack.records {
            record += 1;
            while readings.peek()?.written < record {
                readings.next();
            }
            let stored = readings.peek()?.at;
            latencies.push(stored.saturating_sub(ack.acknowledged));
        }
    }
    Some(latencies)
}

/// The `quantile` of `samples` (nearest rank, as the other latency figures of the bench);
/// zero when there are none.
pub fn percentile(samples: &[Duration], quantile: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let index = ((sorted.len() as f64 - 1.0) * quantile).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// The mean time between readings.
pub fn mean_spacing(readings: &[Reading]) -> Duration {
    match (readings.first(), readings.last()) {
        (Some(first), Some(last)) if readings.len() > 1 => {
            (last.at - first.at) / (readings.len() as u32 - 1)
        }
        _ => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    fn ack(acknowledged: u64, records: usize) -> Ack {
        Ack {
            due: ms(acknowledged.saturating_sub(1)),
            sent: ms(acknowledged.saturating_sub(1)),
            acknowledged: ms(acknowledged),
            records,
        }
    }

    fn reading(at: u64, written: u64) -> Reading {
        Reading {
            at: ms(at),
            written,
        }
    }

    #[test]
    fn each_record_waits_until_the_first_reading_that_counts_it() {
        let acks = [ack(10, 2), ack(20, 2)];
        let readings = [
            reading(5, 0),
            reading(15, 0),
            reading(105, 3),
            reading(110, 3),
            reading(205, 4),
        ];
        assert_eq!(
            latencies(&acks, &readings),
            Some(vec![ms(95), ms(95), ms(85), ms(185)])
        );
    }

    #[test]
    fn acknowledgements_are_taken_in_time_order() {
        let acks = [ack(20, 1), ack(10, 1)];
        let readings = [reading(30, 1), reading(40, 2)];
        assert_eq!(latencies(&acks, &readings), Some(vec![ms(20), ms(20)]));
    }

    #[test]
    fn a_reading_before_the_acknowledgement_counts_as_no_wait() {
        let acks = [ack(10, 1)];
        assert_eq!(latencies(&acks, &[reading(9, 1)]), Some(vec![ms(0)]));
    }

    #[test]
    fn records_never_counted_leave_no_result() {
        let acks = [ack(10, 3)];
        assert_eq!(latencies(&acks, &[reading(50, 2)]), None);
        assert_eq!(latencies(&acks, &[]), None);
        assert_eq!(latencies(&[], &[]), Some(Vec::new()));
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let samples: Vec<_> = (1..=100).rev().map(ms).collect();
        assert_eq!(percentile(&samples, 0.50), ms(51));
        assert_eq!(percentile(&samples, 0.99), ms(99));
        assert_eq!(percentile(&samples, 1.0), ms(100));
        assert_eq!(percentile(&samples, 0.0), ms(1));
        assert_eq!(percentile(&[ms(7)], 0.99), ms(7));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn spacing_is_the_mean_gap_between_readings() {
        let readings = [reading(0, 0), reading(5, 0), reading(16, 0)];
        assert_eq!(mean_spacing(&readings), ms(8));
        assert_eq!(mean_spacing(&readings[..1]), Duration::ZERO);
    }
}
