//! The rows of the explore queries ([`crate::SessionQueries`]'s `searched_rooms` ...
//! `open_now`, `connection_totals`) as the core's values, for [`crate::impl_session_rows!`].

use analytics_core::query::{
    breakdown_of, ConnectionTotals, OpenedConnection, StatsBucket, StatsTotals, StoredEvent,
};

use crate::explore_queries::ConnectionTotal;

/// A `(type, timestamp_ms, participant_sid, participant_identity, track_sid, egress_id,
/// ingress_id, document)` row.
pub type StoredEventRow = (String, i64, String, String, String, String, String, String);

pub fn stored_event(
    (
        type_name,
        timestamp_ms,
        participant_sid,
        participant_identity,
        track_sid,
        egress_id,
        ingress_id,
        document,
    ): StoredEventRow,
) -> StoredEvent {
    StoredEvent {
        type_name,
        timestamp_ms,
        participant_sid,
        participant_identity,
        track_sid,
        egress_id,
        ingress_id,
        document,
    }
}

/// A `(participant_sid, track_sid, kind, scored, score_sum, min_score, bytes, packets,
/// packets_lost)` row.
pub type StatsTotalsRow = (String, String, String, i64, f64, Option<f64>, i64, i64, i64);

pub fn stats_totals(
    (participant_sid, track_sid, kind, scored, score_sum, min_score, bytes, packets, packets_lost): StatsTotalsRow,
) -> StatsTotals {
    StatsTotals {
        participant_sid,
        track_sid,
        kind,
        scored: u64::try_from(scored).unwrap_or(0),
        score_sum,
        min_score,
        bytes,
        packets,
        packets_lost,
    }
}

/// A `(bucket_start_ms, scored, score_sum, bytes, packets, packets_lost, frames,
/// jitter_count, jitter_sum, rtt_count, rtt_sum, covered_ms, covered_stats,
/// client_reported)` row.
pub type StatsBucketRow = (
    i64,
    i64,
    f64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    i64,
    f64,
    i64,
    i64,
    i64,
);

pub fn stats_bucket(
    (
        bucket_start_ms,
        scored,
        score_sum,
        bytes,
        packets,
        packets_lost,
        frames,
        jitter_count,
        jitter_sum,
        rtt_count,
        rtt_sum,
        covered_ms,
        covered_stats,
        client_reported,
    ): StatsBucketRow,
) -> StatsBucket {
    StatsBucket {
        bucket_start_ms,
        scored: u64::try_from(scored).unwrap_or(0),
        score_sum,
        bytes,
        packets,
        packets_lost,
        frames,
        jitter_count: u64::try_from(jitter_count).unwrap_or(0),
        jitter_sum,
        rtt_count: u64::try_from(rtt_count).unwrap_or(0),
        rtt_sum,
        covered_ms,
        covered_stats: u64::try_from(covered_stats).unwrap_or(0),
        client_reported: client_reported != 0,
    }
}

/// A `(room_sid, participant_sid, identity, joined_ms, closed_ms, room_ended_ms, sdk, os,
/// browser)` row.
pub type OpenedConnectionRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
);

pub fn opened_connection(
    (room_sid, participant_sid, identity, joined_at_ms, closed, room_ended, sdk, os, browser): OpenedConnectionRow,
) -> OpenedConnection {
    OpenedConnection {
        room_sid,
        participant_sid,
        identity,
        joined_at_ms,
        left_at_ms: closed.or(room_ended),
        sdk,
        os,
        browser,
    }
}

/// A `(total, day_ms, sdk, os, browser, count)` row of
/// [`crate::SessionQueries::connection_totals`].
pub type ConnectionTotalsRow = (String, i64, String, String, String, i64);

/// The totals the rows of [`crate::SessionQueries::connection_totals`] count.
pub fn connection_totals(rows: Vec<ConnectionTotalsRow>) -> ConnectionTotals {
    let mut totals = ConnectionTotals::default();
    let mut clients: [Vec<(String, u64)>; 3] = Default::default();
    for (label, day_ms, sdk, os, browser, count) in rows {
        let counted = u64::try_from(count).unwrap_or(0);
        match ConnectionTotal::of_label(&label) {
            Some(ConnectionTotal::Identities) => totals.identities = counted,
            Some(ConnectionTotal::DailyIdentities) => {
                totals.daily_identities.insert(day_ms, counted);
            }
            Some(ConnectionTotal::ConnectedMs) => totals.connected_ms = count,
            Some(ConnectionTotal::Clients) => {
                for (values, value) in clients.iter_mut().zip([sdk, os, browser]) {
                    values.push((value, counted));
                }
            }
            None => {}
        }
    }
    let [sdks, operating_systems, browsers] = clients.map(breakdown_of);
    totals.sdks = sdks;
    totals.operating_systems = operating_systems;
    totals.browsers = browsers;
    totals
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn connection_totals_are_read_by_label_and_clients_split_into_breakdowns() {
        let rows = [
            ("identities", 0, ["", "", ""], 3),
            ("day", 86_400_000, ["", "", ""], 2),
            ("day", 0, ["", "", ""], 1),
            ("connected_ms", 0, ["", "", ""], 90_000),
            ("clients", 0, ["JS", "linux", "chrome"], 2),
            ("clients", 0, ["JS", "macOS", "firefox"], 1),
            ("clients", 0, ["", "", ""], 5),
            ("clients", 0, ["GO", "linux", ""], 4),
            ("unknown", 7, ["x", "y", "z"], 9),
        ]
        .map(|(label, day, [sdk, os, browser], count)| {
            (
                label.into(),
                day,
                sdk.into(),
                os.into(),
                browser.into(),
                count,
            )
        });
        let totals = connection_totals(rows.to_vec());
        assert_eq!(totals.identities, 3);
        assert_eq!(
            totals.daily_identities,
            BTreeMap::from([(0, 1), (86_400_000, 2)])
        );
        assert_eq!(totals.connected_ms, 90_000);
        assert_eq!(totals.sdks, vec![("GO".into(), 4), ("JS".into(), 3)]);
        assert_eq!(
            totals.operating_systems,
            vec![("linux".into(), 6), ("macOS".into(), 1)]
        );
        assert_eq!(
            totals.browsers,
            vec![("chrome".into(), 2), ("firefox".into(), 1)]
        );
    }

    #[test]
    fn every_total_is_known_by_its_label() {
        for total in ConnectionTotal::ALL {
            assert_eq!(ConnectionTotal::of_label(total.label()), Some(total));
        }
        assert_eq!(ConnectionTotal::of_label("other"), None);
    }
}
