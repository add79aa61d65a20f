//! What a session query asks and answers, in the read API's terms: times in unix
//! milliseconds, bytes as stored.

/// A time no session starts at or after: 9999-12-31T23:59:59.999Z.
pub const NO_LATER_THAN_MS: i64 = 253_402_300_799_999;

/// Which sessions to list: created in `[from_ms, before_ms)`, page `page` (0-based) of
/// `limit` sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFilter {
    pub from_ms: i64,
    pub before_ms: i64,
    pub limit: u64,
    pub page: u64,
}

impl Default for SessionFilter {
    fn default() -> SessionFilter {
        SessionFilter {
            from_ms: 0,
            before_ms: NO_LATER_THAN_MS,
            limit: 100,
            page: 0,
        }
    }
}

/// One page of answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The next page's number, when there are more answers.
    pub next_page: Option<u64>,
}

/// Whether a session recorded anything: LiveKit Cloud's `egress` (0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgressState {
    /// No egress started.
    None = 0,
    /// At least one egress started and not ended.
    Active = 1,
    /// Every egress that started has ended.
    Ended = 2,
}

/// One session in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// The room sid.
    pub session_id: String,
    pub room_name: String,
    pub created_at_ms: i64,
    /// `None` while the room is open.
    pub ended_at_ms: Option<i64>,
    /// The latest event or stat of the room.
    pub last_active_ms: i64,
    /// Bytes the participants sent (`UPSTREAM` stats).
    pub bandwidth_in: i64,
    /// Bytes the participants received (`DOWNSTREAM` stats).
    pub bandwidth_out: i64,
    pub egress: EgressState,
    /// Participant connections (a reconnect is another one).
    pub num_participants: u64,
    /// Connections open now (none once the room has ended).
    pub num_active_participants: u64,
}

/// One participant connection (one participant sid).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParticipantConnection {
    pub identity: String,
    pub name: String,
    pub sid: String,
    pub joined_at_ms: i64,
    /// When it left or was aborted; the room's end when the room ended without saying;
    /// `None` while connected.
    pub left_at_ms: Option<i64>,
    pub region: String,
    pub connection_type: String,
    /// `client_info.sdk` as stored (`JS`, `GO`, ...).
    pub sdk: String,
    pub sdk_version: String,
    pub os: String,
    pub os_version: String,
    pub browser: String,
    pub browser_version: String,
    pub device_model: String,
}

/// One session with its participant connections, ordered by identity, then joining time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDetail {
    pub summary: SessionSummary,
    pub participants: Vec<ParticipantConnection>,
}

impl SessionDetail {
    /// The sum of every connection's length, in whole minutes rounded up (an open
    /// connection counts up to the session's last activity).
    pub fn connection_minutes(&self) -> u64 {
        let millis: i64 = self
            .participants
            .iter()
            .map(|connection| {
                let end = connection.left_at_ms.unwrap_or(self.summary.last_active_ms);
                (end - connection.joined_at_ms).max(0)
            })
            .sum();
        u64::try_from(millis).unwrap_or(0).div_ceil(60_000)
    }
}
