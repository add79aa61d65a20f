//! Quality and traffic of a set of stats, from their sums per participant, track and
//! direction ([`StatsTotals`]): the mean score is the scores' sum over the scored stats.

use super::{QualitySummary, StatsTotals, TrafficSummary};

/// The quality of `totals` taken together.
pub fn quality_of<'a>(totals: impl IntoIterator<Item = &'a StatsTotals>) -> QualitySummary {
    let mut samples = 0;
    let mut score_sum = 0.0;
    let mut min_score: Option<f64> = None;
    for row in totals {
        samples += row.scored;
        score_sum += row.score_sum;
        if let Some(min) = row.min_score {
            min_score = Some(min_score.map_or(min, |known| known.min(min)));
        }
    }
    QualitySummary {
        samples,
        avg_score: (samples > 0).then(|| score_sum / samples as f64),
        min_score: if samples > 0 { min_score } else { None },
    }
}

/// The traffic of `totals` taken together.
pub fn traffic_of<'a>(totals: impl IntoIterator<Item = &'a StatsTotals>) -> TrafficSummary {
    let mut traffic = TrafficSummary::default();
    for row in totals {
        match row.kind.as_str() {
            "UPSTREAM" => traffic.bytes_in += row.bytes,
            "DOWNSTREAM" => traffic.bytes_out += row.bytes,
            _ => {}
        }
        traffic.packets += row.packets;
        traffic.packets_lost += row.packets_lost;
    }
    traffic
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(kind: &str, scored: u64, score_sum: f64, min: Option<f64>) -> StatsTotals {
        StatsTotals {
            kind: kind.into(),
            scored,
            score_sum,
            min_score: min,
            bytes: 100,
            packets: 90,
            packets_lost: 10,
            ..Default::default()
        }
    }

    #[test]
    fn the_score_is_the_mean_over_scored_stats_and_the_lowest_minimum() {
        let rows = [
            totals("UPSTREAM", 2, 9.0, Some(4.0)),
            totals("DOWNSTREAM", 1, 3.0, Some(2.5)),
        ];
        let quality = quality_of(&rows);
        assert_eq!(quality.samples, 3);
        assert_eq!(quality.avg_score, Some(4.0));
        assert_eq!(quality.min_score, Some(2.5));
        let traffic = traffic_of(&rows);
        assert_eq!((traffic.bytes_in, traffic.bytes_out), (100, 100));
        assert_eq!(traffic.packet_loss_pct(), Some(10.0));
    }

    #[test]
    fn no_scored_stat_has_no_score() {
        assert_eq!(quality_of(&[]), QualitySummary::default());
        assert_eq!(
            quality_of(&[totals("UPSTREAM", 0, 0.0, None)]).avg_score,
            None
        );
    }
}
