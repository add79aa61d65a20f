//! One session in a list (`SessionSummary` of the contract) and the list's page.

use analytics_core::query::{EgressState, SessionSummary};
use serde::Serialize;

use super::rfc3339;

/// `GET /v1/sessions`: a page of sessions and where the next one starts.
#[derive(Debug, Serialize)]
pub struct SessionList {
    pub sessions: Vec<SummaryJson>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One session: one lifetime of a room.
#[derive(Debug, Serialize)]
pub struct SummaryJson {
    session_id: String,
    room_name: String,
    created_at: String,
    ended_at: Option<String>,
    last_active: String,
    /// Up to `ended_at`, or to `last_active` while open, in whole seconds.
    duration_seconds: i64,
    status: &'static str,
    /// Connections (a reconnect counts again).
    participants: u64,
    active_participants: u64,
    bandwidth_in: i64,
    bandwidth_out: i64,
    egress: &'static str,
}

impl From<&SessionSummary> for SummaryJson {
    fn from(session: &SessionSummary) -> SummaryJson {
        let end = session.ended_at_ms.unwrap_or(session.last_active_ms);
        SummaryJson {
            session_id: session.session_id.clone(),
            room_name: session.room_name.clone(),
            created_at: rfc3339(session.created_at_ms),
            ended_at: session.ended_at_ms.map(rfc3339),
            last_active: rfc3339(session.last_active_ms),
            duration_seconds: (end - session.created_at_ms).max(0) / 1000,
            status: if session.ended_at_ms.is_some() {
                "ended"
            } else {
                "active"
            },
            participants: session.num_participants,
            active_participants: session.num_active_participants,
            bandwidth_in: session.bandwidth_in,
            bandwidth_out: session.bandwidth_out,
            egress: match session.egress {
                EgressState::None => "none",
                EgressState::Active => "active",
                EgressState::Ended => "ended",
            },
        }
    }
}
