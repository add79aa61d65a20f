//! The connections of a range summed up for an overview ([`ConnectionTotals`]): distinct
//! identities overall and per UTC day, connected time and the client breakdowns. A SQL sink
//! sums them in its database; [`totals_of`] sums the connections themselves, for the sinks
//! that read them ([`super::SessionRows::connection_totals`]'s default), to the same answer.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Breakdown, OpenedConnection};

const DAY_MS: i64 = 24 * 3_600_000;

/// Midnight UTC starting the day of `ms`.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// What the connections opened in a range add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionTotals {
    /// Distinct identities among them.
    pub identities: u64,
    /// Distinct identities per UTC day of opening (midnight UTC → count), only days with a
    /// connection.
    pub daily_identities: BTreeMap<i64, u64>,
    /// Their connected time within the range, in milliseconds, an open connection counting
    /// up to now.
    pub connected_ms: i64,
    pub sdks: Breakdown,
    pub operating_systems: Breakdown,
    pub browsers: Breakdown,
}

/// The totals of `connections` (opened in `[from_ms, before_ms)`) at `now_ms`, in one pass.
pub fn totals_of(
    from_ms: i64,
    before_ms: i64,
    now_ms: i64,
    connections: &[OpenedConnection],
) -> ConnectionTotals {
    let mut identities: HashSet<&str> = HashSet::new();
    let mut daily: HashMap<i64, HashSet<&str>> = HashMap::new();
    let mut clients: [BTreeMap<&str, u64>; 3] = Default::default();
    let mut connected_ms = 0;
    for connection in connections {
        let identity = connection.identity.as_str();
        identities.insert(identity);
        daily
            .entry(day_of(connection.joined_at_ms))
            .or_default()
            .insert(identity);
        let end = connection.left_at_ms.unwrap_or(now_ms).min(before_ms);
        connected_ms += (end - connection.joined_at_ms.max(from_ms)).max(0);
        let values = [&connection.sdk, &connection.os, &connection.browser];
        for (counts, value) in clients.iter_mut().zip(values) {
            *counts.entry(value.as_str()).or_default() += 1;
        }
    }
    let [sdks, operating_systems, browsers] =
        clients.map(|counts| breakdown_of(counts.into_iter().map(|(v, n)| (v.to_owned(), n))));
    ConnectionTotals {
        identities: identities.len() as u64,
        daily_identities: daily
            .into_iter()
            .map(|(day, identities)| (day, identities.len() as u64))
            .collect(),
        connected_ms,
        sdks,
        operating_systems,
        browsers,
    }
}

/// A breakdown of `(value, count)` pairs: counts of the same value added up, empty values
/// left out, most first, then by value.
pub fn breakdown_of(counts: impl IntoIterator<Item = (String, u64)>) -> Breakdown {
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for (value, count) in counts {
        if !value.is_empty() {
            *merged.entry(value).or_default() += count;
        }
    }
    let mut breakdown: Breakdown = merged.into_iter().collect();
    breakdown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    breakdown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(
        identity: &str,
        client: [&str; 3],
        joined: i64,
        left: Option<i64>,
    ) -> OpenedConnection {
        OpenedConnection {
            identity: identity.into(),
            sdk: client[0].into(),
            os: client[1].into(),
            browser: client[2].into(),
            joined_at_ms: joined,
            left_at_ms: left,
            ..Default::default()
        }
    }

    #[test]
    fn identities_are_distinct_overall_and_per_utc_day() {
        let web = ["JS", "linux", "chrome"];
        let connections = [
            connection("alice", web, DAY_MS + 5, Some(DAY_MS + 10)),
            connection("alice", web, DAY_MS + 20, Some(DAY_MS + 30)),
            connection("bob", ["GO", "", ""], 2 * DAY_MS - 1, Some(2 * DAY_MS + 9)),
            connection("alice", web, 3 * DAY_MS, None),
            connection("", ["", "", ""], 3 * DAY_MS + 1, Some(3 * DAY_MS + 2)),
        ];
        let totals = totals_of(DAY_MS, 3 * DAY_MS + 100, 3 * DAY_MS + 50, &connections);
        assert_eq!(totals.identities, 3, "alice, bob and the empty identity");
        assert_eq!(
            totals.daily_identities,
            BTreeMap::from([(DAY_MS, 2), (3 * DAY_MS, 2)])
        );
        // 5 + 10 + 10 + 50 (open, up to now) + 1.
        assert_eq!(totals.connected_ms, 76);
        assert_eq!(
            totals.sdks,
            vec![("JS".to_owned(), 3), ("GO".to_owned(), 1)]
        );
        assert_eq!(totals.operating_systems, vec![("linux".to_owned(), 3)]);
    }

    #[test]
    fn connected_time_is_clipped_to_the_range_and_never_negative() {
        let connections = [
            connection("a", ["", "", ""], 100, Some(400)),
            connection("b", ["", "", ""], 150, Some(120)),
            connection("c", ["", "", ""], 180, None),
        ];
        // a: 100..300 clipped to 200..300; b closed before it opened; c up to now (250).
        let totals = totals_of(200, 300, 250, &connections);
        assert_eq!(totals.connected_ms, 100 + 50);
        assert!(totals.sdks.is_empty());
    }

    #[test]
    fn a_breakdown_adds_up_repeats_drops_empty_values_and_breaks_ties_by_name() {
        let counts = [("b", 1), ("a", 1), ("", 4), ("c", 1), ("c", 1)]
            .map(|(value, count)| (value.to_owned(), count));
        assert_eq!(
            breakdown_of(counts),
            vec![("c".into(), 2), ("a".into(), 1), ("b".into(), 1)]
        );
    }
}
