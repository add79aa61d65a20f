//! The rows a query sink reads from its storage for [`super::SessionRows`]: plain values,
//! the same whichever database they come from.

/// The event types a session is built from: its end, each participant connection's opening
/// and closing, and the egresses.
pub const SESSION_EVENT_TYPES: [&str; 8] = [
    "ROOM_ENDED",
    "PARTICIPANT_JOINED",
    "PARTICIPANT_ACTIVE",
    "PARTICIPANT_LEFT",
    "PARTICIPANT_CONNECTION_ABORTED",
    "EGRESS_STARTED",
    "EGRESS_UPDATED",
    "EGRESS_ENDED",
];

/// A room's creation: one `ROOM_CREATED` (the earliest of its sid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRoom {
    pub room_sid: String,
    pub room_name: String,
    pub created_at_ms: i64,
}

/// One stored event of a room, among [`SESSION_EVENT_TYPES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomEvent {
    pub room_sid: String,
    pub type_name: String,
    pub timestamp_ms: i64,
    pub participant_sid: String,
    pub egress_id: String,
    /// The stored document (JSON text) of a participant's opening, `None` for the others.
    pub document: Option<String>,
}

/// The bytes of a room's stats in one direction (`UPSTREAM` or `DOWNSTREAM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomTraffic {
    pub room_sid: String,
    pub kind: String,
    pub bytes: i64,
}

/// When a room last had an event or a stat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomActivity {
    pub room_sid: String,
    pub last_ms: i64,
}
