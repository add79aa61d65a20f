//! The answers in LiveKit Cloud's Analytics API shape (the field names `lk analytics`
//! reads): times as RFC 3339 UTC strings with milliseconds, `null` for a session or a
//! connection still open; bytes as numbers; `egress` 0 (none), 1 (active), 2 (ended).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::query::{ParticipantConnection, SessionDetail, SessionSummary};
use serde::Serialize;

/// `GET /api/project/{project_id}/sessions`.
#[derive(Debug, Serialize)]
pub struct SessionList {
    pub sessions: Vec<CloudSession>,
}

/// One session of the list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudSession {
    session_id: String,
    room_name: String,
    created_at: String,
    ended_at: Option<String>,
    last_active: String,
    bandwidth_in: i64,
    bandwidth_out: i64,
    egress: u8,
    num_participants: u64,
    num_active_participants: u64,
}

impl From<&SessionSummary> for CloudSession {
    fn from(session: &SessionSummary) -> CloudSession {
        CloudSession {
            session_id: session.session_id.clone(),
            room_name: session.room_name.clone(),
            created_at: rfc3339(session.created_at_ms),
            ended_at: session.ended_at_ms.map(rfc3339),
            last_active: rfc3339(session.last_active_ms),
            bandwidth_in: session.bandwidth_in,
            bandwidth_out: session.bandwidth_out,
            egress: session.egress as u8,
            num_participants: session.num_participants,
            num_active_participants: session.num_active_participants,
        }
    }
}

/// `GET /api/project/{project_id}/sessions/{session_id}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudSessionDetail {
    room_id: String,
    room_name: String,
    /// Bytes in and out.
    bandwidth: i64,
    start_time: String,
    end_time: Option<String>,
    num_participants: u64,
    num_active_participants: u64,
    egress: u8,
    connection_minutes: u64,
    participants: Vec<CloudParticipant>,
}

impl From<&SessionDetail> for CloudSessionDetail {
    fn from(detail: &SessionDetail) -> CloudSessionDetail {
        let session = &detail.summary;
        CloudSessionDetail {
            room_id: session.session_id.clone(),
            room_name: session.room_name.clone(),
            bandwidth: session.bandwidth_in.saturating_add(session.bandwidth_out),
            start_time: rfc3339(session.created_at_ms),
            end_time: session.ended_at_ms.map(rfc3339),
            num_participants: session.num_participants,
            num_active_participants: session.num_active_participants,
            egress: session.egress as u8,
            connection_minutes: detail.connection_minutes(),
            participants: detail
                .participants
                .iter()
                .map(CloudParticipant::from)
                .collect(),
        }
    }
}

/// One participant connection (a reconnect is another, with its own sid).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudParticipant {
    participant_identity: String,
    participant_name: String,
    participant_sid: String,
    joined_at: String,
    left_at: Option<String>,
    region: String,
    connection_type: String,
    sdk: String,
    sdk_version: String,
    os: String,
    os_version: String,
    browser: String,
    browser_version: String,
    device_model: String,
}

impl From<&ParticipantConnection> for CloudParticipant {
    fn from(connection: &ParticipantConnection) -> CloudParticipant {
        CloudParticipant {
            participant_identity: connection.identity.clone(),
            participant_name: connection.name.clone(),
            participant_sid: connection.sid.clone(),
            joined_at: rfc3339(connection.joined_at_ms),
            left_at: connection.left_at_ms.map(rfc3339),
            region: connection.region.clone(),
            connection_type: connection.connection_type.clone(),
            sdk: connection.sdk.clone(),
            sdk_version: connection.sdk_version.clone(),
            os: connection.os.clone(),
            os_version: connection.os_version.clone(),
            browser: connection.browser.clone(),
            browser_version: connection.browser_version.clone(),
            device_model: connection.device_model.clone(),
        }
    }
}

/// `2026-03-01T10:00:00.000Z` for unix milliseconds `millis` (the epoch for a negative one).
pub fn rfc3339(millis: i64) -> String {
    let time: SystemTime = UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0));
    humantime::format_rfc3339_millis(time).to_string()
}
