//! What the latency measurement sends and when: the dataset cut into messages of a few
//! records, events spread evenly among stats, each due when the records before it have
//! taken their share of the rate.

use std::time::Duration;

use livekit_protocol::{AnalyticsEvents, AnalyticsStats};

use crate::{dataset::Dataset, push::Message};

/// The dataset's records in messages of at most `batch` records: its events and its stats
/// each cut in order, the event messages spread evenly among the stat messages.
pub fn messages(dataset: &Dataset, batch: usize) -> Vec<Message> {
    let events: Vec<_> = dataset
        .events
        .iter()
        .flat_map(|message| message.events.iter().cloned())
        .collect();
    let stats: Vec<_> = dataset
        .stats
        .iter()
        .flat_map(|message| message.stats.iter().cloned())
        .collect();
    let events = events
        .chunks(batch)
        .map(|chunk| {
            Message::Events(AnalyticsEvents {
                events: chunk.to_vec(),
            })
        })
        .collect();
    let stats = stats
        .chunks(batch)
        .map(|chunk| {
            Message::Stats(AnalyticsStats {
                stats: chunk.to_vec(),
            })
        })
        .collect();
    interleave(events, stats)
}

/// Both lists in one, each in its order, an item of `a` taken whenever `a` is less far
/// through (by the middle of the next item) than `b`.
pub fn interleave<T>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    let (a_len, b_len) = (a.len(), b.len());
    let mut merged = Vec::with_capacity(a_len + b_len);
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    let (mut a_taken, mut b_taken) = (0, 0);
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (None, None) => return merged,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(_), Some(_)) => (2 * a_taken + 1) * b_len <= (2 * b_taken + 1) * a_len,
        };
        if take_a {
            merged.extend(a.next());
            a_taken += 1;
        } else {
            merged.extend(b.next());
            b_taken += 1;
        }
    }
}

/// When, from the start, the message that follows `records_before` records is due at
/// `rate` records per second (exact, so no drift accumulates over a run).
pub fn due(records_before: usize, rate: usize) -> Duration {
    let nanos = records_before as u128 * 1_000_000_000 / rate.max(1) as u128;
    Duration::from_nanos(nanos as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_records_every_ten_milliseconds_make_two_thousand_a_second() {
        assert_eq!(due(0, 2_000), Duration::ZERO);
        assert_eq!(due(20, 2_000), Duration::from_millis(10));
        assert_eq!(due(40_000, 2_000), Duration::from_secs(20));
    }

    #[test]
    fn a_short_message_moves_the_next_one_forward_by_its_share() {
        assert_eq!(due(20 + 7, 2_000), Duration::from_micros(13_500));
        assert_eq!(due(1, 3), Duration::from_nanos(333_333_333));
        assert_eq!(due(3_000_000, 3), Duration::from_secs(1_000_000));
    }

    #[test]
    fn interleaving_keeps_each_order_and_spreads_the_shorter_list() {
        let merged = interleave(vec!["e0", "e1"], (0..8).map(|_| "s").collect());
        assert_eq!(merged, ["s", "s", "e0", "s", "s", "s", "s", "e1", "s", "s"]);
        assert_eq!(interleave(vec![1], Vec::new()), [1]);
        assert_eq!(interleave(Vec::new(), vec![1, 2]), [1, 2]);
        assert!(interleave(Vec::<u8>::new(), Vec::new()).is_empty());
    }

    #[test]
    fn the_dataset_is_cut_into_messages_of_the_batch_size() {
        let dataset = Dataset::generate(1_000, std::time::SystemTime::now()).unwrap();
        let messages = messages(&dataset, 20);
        let total: usize = messages.iter().map(Message::records).sum();
        assert_eq!(total, 1_000);
        assert!(messages
            .iter()
            .all(|message| (1..=20).contains(&message.records())));
        let event_messages = messages
            .iter()
            .filter(|message| matches!(message, Message::Events(_)))
            .count();
        assert_eq!(event_messages, dataset.event_count.div_ceil(20));
    }
}
