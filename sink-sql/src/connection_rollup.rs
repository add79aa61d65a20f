//! What a write's newly inserted participant events add to
//! [`crate::tables::CONNECTIONS`]: per connection (room sid and participant sid), the
//! identity, the first join, activation and close, and the client from its openings. Only
//! events the write inserted count, and every field merges by minimum or maximum, so a
//! re-sent event changes nothing and the order events arrive in does not matter.
//! (PostgreSQL merges them in its batch statement instead.)

use std::collections::BTreeMap;

use analytics_core::Record;
use serde_json::Value;

/// The event types that open a connection (and carry its `client_info`).
pub const OPENING_TYPES: [&str; 2] = ["PARTICIPANT_JOINED", "PARTICIPANT_ACTIVE"];

/// The event types that close one.
pub const CLOSING_TYPES: [&str; 2] = ["PARTICIPANT_LEFT", "PARTICIPANT_CONNECTION_ABORTED"];

/// One connection's share of a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionChange {
    /// The greatest identity of its openings (`""` when none).
    pub identity: String,
    pub joined_ms: Option<i64>,
    pub active_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    /// The greatest `client_info.sdk`, `.os` and `.browser` of its openings (`""` when none).
    pub sdk: String,
    pub os: String,
    pub browser: String,
    pub expire_at_ms: i64,
}

/// A write's connection changes by `(room_sid, participant_sid)`, in order.
pub type ConnectionChanges = BTreeMap<(String, String), ConnectionChange>;

/// The changes of `events` (events a write inserted; others are ignored).
pub fn connection_changes<'a>(events: impl IntoIterator<Item = &'a Record>) -> ConnectionChanges {
    let mut changes = ConnectionChanges::new();
    for event in events {
        let kind = event.type_name.as_str();
        let opening = OPENING_TYPES.contains(&kind);
        if event.participant_sid.is_empty() || !(opening || CLOSING_TYPES.contains(&kind)) {
            continue;
        }
        let change = changes
            .entry((event.room_sid.clone(), event.participant_sid.clone()))
            .or_default();
        change.expire_at_ms = change.expire_at_ms.max(event.expire_at_ms);
        let at = Some(event.timestamp_ms);
        let earliest = |current: Option<i64>| current.min(at).or(at);
        match kind {
            "PARTICIPANT_JOINED" => change.joined_ms = earliest(change.joined_ms),
            "PARTICIPANT_ACTIVE" => change.active_ms = earliest(change.active_ms),
            _ => change.closed_ms = earliest(change.closed_ms),
        }
        if opening {
            keep_greatest(&mut change.identity, &event.participant_identity);
            let document = event.document();
            let client = document.get("client_info");
            for (field, kept) in [
                ("sdk", &mut change.sdk),
                ("os", &mut change.os),
                ("browser", &mut change.browser),
            ] {
                keep_greatest(kept, &client_field(client, field));
            }
        }
    }
    changes
}

fn keep_greatest(kept: &mut String, candidate: &str) {
    if candidate > kept.as_str() {
        candidate.clone_into(kept);
    }
}

/// `client_info.<field>` as text (`""` when absent).
fn client_field(client: Option<&Value>, field: &str) -> String {
    match client.and_then(|client| client.get(field)) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use analytics_core::{
        livekit_protocol::{AnalyticsEventType as T, ClientInfo},
        samples,
    };

    use super::*;

    fn event(kind: T, at_seconds: u64) -> Record {
        let at = UNIX_EPOCH + Duration::from_secs(at_seconds);
        let mut event = samples::participant_event(kind, samples::ALICE_SID, "alice", at);
        if kind == T::ParticipantActive {
            event.client_info = Some(ClientInfo {
                os: if at_seconds == 20 { "macOS" } else { "linux" }.into(),
                ..Default::default()
            });
        }
        Record::from_event(event, Duration::from_secs(60), at).expect("converts")
    }

    #[test]
    fn openings_and_closes_merge_by_earliest_and_greatest() {
        let events = [
            event(T::ParticipantActive, 20),
            event(T::ParticipantJoined, 10),
            event(T::ParticipantActive, 15),
            event(T::ParticipantLeft, 90),
            event(T::ParticipantConnectionAborted, 80),
            Record::from_event(
                samples::event(T::RoomCreated, UNIX_EPOCH),
                Duration::from_secs(60),
                UNIX_EPOCH,
            )
            .expect("converts"),
        ];
        let changes = connection_changes(&events);
        assert_eq!(changes.len(), 1, "{changes:?}");
        let (key, change) = changes.iter().next().expect("one");
        assert_eq!(key, &(samples::ROOM_SID.into(), samples::ALICE_SID.into()));
        assert_eq!(change.joined_ms, Some(10_000));
        assert_eq!(change.active_ms, Some(15_000));
        assert_eq!(change.closed_ms, Some(80_000));
        assert_eq!(change.identity, "alice");
        assert_eq!(change.os, "macOS", "the greatest of the openings'");
        assert_eq!(change.expire_at_ms, 150_000);
    }
}
