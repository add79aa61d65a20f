//! The rows of [`crate::SessionQueries`] as the core's values, for
//! [`crate::impl_session_rows!`].

use analytics_core::query::{CreatedRoom, RoomEvent, RoomTraffic};

/// A `(room_sid, room_name, created_ms)` row.
pub fn created_room((room_sid, room_name, created_at_ms): (String, String, i64)) -> CreatedRoom {
    CreatedRoom {
        room_sid,
        room_name,
        created_at_ms,
    }
}

/// A `(room_sid, type, timestamp_ms, participant_sid, egress_id, document)` row.
pub fn room_event(
    (room_sid, type_name, timestamp_ms, participant_sid, egress_id, document): (
        String,
        String,
        i64,
        String,
        String,
        Option<String>,
    ),
) -> RoomEvent {
    RoomEvent {
        room_sid,
        type_name,
        timestamp_ms,
        participant_sid,
        egress_id,
        document,
    }
}

/// A `(room_sid, kind, bytes)` row.
pub fn room_traffic((room_sid, kind, bytes): (String, String, i64)) -> RoomTraffic {
    RoomTraffic {
        room_sid,
        kind,
        bytes,
    }
}
