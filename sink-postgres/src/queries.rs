//! The example queries of `docs/sink-postgres.md`, kept in `queries/*.sql` so that the doc
//! shows, and the tests run, the very same text. Both use unqualified table names: run them
//! after `SET search_path TO openvidu` (or your schema).

/// Rooms created in the last day: when, how long they lasted (until `ROOM_ENDED`, or until
/// now while still open) and how many distinct participants joined.
pub const ROOMS_LAST_DAY: &str = include_str!("../queries/rooms_last_day.sql");

/// One participant's (by identity) average quality score per direction over the last 7 days,
/// from the stats of every session that identity had. `$1` = the identity.
pub const PARTICIPANT_QUALITY: &str = include_str!("../queries/participant_quality.sql");
