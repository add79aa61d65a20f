//! A range at a glance (`GET /v1/overview`): totals, one row per UTC day, what is open now,
//! and the connections per SDK, OS and browser.

use analytics_core::query::{Breakdown, Overview, OverviewDay};
use serde::Serialize;

use super::rfc3339;

/// The overview of `[from, to)`.
#[derive(Debug, Serialize)]
pub struct OverviewJson {
    from: String,
    to: String,
    sessions: u64,
    unique_participants: u64,
    participant_minutes: u64,
    bandwidth_in: i64,
    bandwidth_out: i64,
    days: Vec<DayJson>,
    now: NowJson,
    breakdown: BreakdownJson,
}

impl From<&Overview> for OverviewJson {
    fn from(overview: &Overview) -> OverviewJson {
        OverviewJson {
            from: rfc3339(overview.from_ms),
            to: rfc3339(overview.before_ms),
            sessions: overview.sessions,
            unique_participants: overview.unique_participants,
            participant_minutes: overview.participant_minutes,
            bandwidth_in: overview.bandwidth_in,
            bandwidth_out: overview.bandwidth_out,
            days: overview.days.iter().map(DayJson::from).collect(),
            now: NowJson {
                active_rooms: overview.active_rooms,
                active_participants: overview.active_participants,
            },
            breakdown: BreakdownJson {
                sdk: counts(&overview.sdks),
                os: counts(&overview.operating_systems),
                browser: counts(&overview.browsers),
            },
        }
    }
}

/// One UTC day.
#[derive(Debug, Serialize)]
struct DayJson {
    /// `YYYY-MM-DD`.
    day: String,
    sessions: u64,
    unique_participants: u64,
    bandwidth_in: i64,
    bandwidth_out: i64,
}

impl From<&OverviewDay> for DayJson {
    fn from(day: &OverviewDay) -> DayJson {
        let mut date = rfc3339(day.day_ms);
        date.truncate(10);
        DayJson {
            day: date,
            sessions: day.sessions,
            unique_participants: day.unique_participants,
            bandwidth_in: day.bandwidth_in,
            bandwidth_out: day.bandwidth_out,
        }
    }
}

/// What is open now.
#[derive(Debug, Serialize)]
struct NowJson {
    active_rooms: u64,
    active_participants: u64,
}

/// Connections per value, most first.
#[derive(Debug, Serialize)]
struct BreakdownJson {
    sdk: Vec<CountJson>,
    os: Vec<CountJson>,
    browser: Vec<CountJson>,
}

#[derive(Debug, Serialize)]
struct CountJson {
    name: String,
    connections: u64,
}

fn counts(breakdown: &Breakdown) -> Vec<CountJson> {
    breakdown
        .iter()
        .map(|(name, connections)| CountJson {
            name: name.clone(),
            connections: *connections,
        })
        .collect()
}
