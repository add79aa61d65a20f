//! The key layout (a contract with consumers; see docs/sink-redis.md): every key name the
//! sink writes, with the hash tags that keep keys written together in one cluster slot.
//!
//! - `<prefix>events`, `<prefix>stats`: the streams (the name alone decides the slot).
//! - `<prefix>seen:{<prefix>events}:<id>`: the idempotency marker of a record, tagged with
//!   its stream's name so that one Lua script checks it and appends to the stream.
//! - `<prefix>room:{<room_sid>}:events|stats`: per-room lookups, tagged by room.
//! - `<prefix>active` and `<prefix>closed:{<prefix>active}`: active entities and the
//!   tombstones of closed ones, in one slot for the same reason.
//! - `<prefix>last_alive`, `<prefix>fixer_lease`: the active-entities fixer's state.

use analytics_core::RecordKind;

/// Key names under one prefix. The prefix holds no braces (checked in the config), so the
/// tags placed here are the only ones.
#[derive(Debug, Clone)]
pub struct KeyLayout {
    prefix: String,
}

impl KeyLayout {
    pub fn new(prefix: &str) -> KeyLayout {
        KeyLayout {
            prefix: prefix.to_owned(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The stream of one kind of record: `<prefix>events` or `<prefix>stats`.
    pub fn stream(&self, kind: RecordKind) -> String {
        format!("{}{}", self.prefix, plural(kind))
    }

    /// The idempotency marker of a record; its value is the record's stream entry id.
    pub fn seen_marker(&self, kind: RecordKind, id: &str) -> String {
        format!("{}seen:{{{}}}:{id}", self.prefix, self.stream(kind))
    }

    /// The sorted set of a room's records of one kind: member = record id, score = the
    /// record's own time in unix milliseconds.
    pub fn room_lookup(&self, kind: RecordKind, room_sid: &str) -> String {
        format!("{}room:{{{room_sid}}}:{}", self.prefix, plural(kind))
    }

    /// The hash of active entities: field `<ENTITY>:<id>`, value = the opening event's
    /// document.
    pub fn active(&self) -> String {
        format!("{}active", self.prefix)
    }

    /// When the active-entities fixer last saw LiveKit's state, unix milliseconds.
    pub fn last_alive(&self) -> String {
        format!("{}last_alive", self.prefix)
    }

    /// The active-entities fixer's lease: the holding instance, with a TTL.
    pub fn fixer_lease(&self) -> String {
        format!("{}fixer_lease", self.prefix)
    }

    /// The sorted set of closed entities (`<ENTITY>:<id>` scored by expiry time): a close
    /// wins over an open that is re-sent after it.
    pub fn closed(&self) -> String {
        format!("{}closed:{{{}}}", self.prefix, self.active())
    }
}

/// The stream entry field that names the record's type: `type` for events (as in the
/// events table), `kind` for stats.
pub fn type_field(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => "type",
        RecordKind::Stat => "kind",
    }
}

fn plural(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => "events",
        RecordKind::Stat => "stats",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part of a key Redis Cluster hashes: the first `{...}` with something inside.
    fn hashed_part(key: &str) -> &str {
        if let Some(open) = key.find('{') {
            if let Some(len) = key[open + 1..].find('}') {
                if len > 0 {
                    return &key[open + 1..open + 1 + len];
                }
            }
        }
        key
    }

    #[test]
    fn default_names_follow_the_contract() {
        let layout = KeyLayout::new("openvidu:");
        assert_eq!(layout.stream(RecordKind::Event), "openvidu:events");
        assert_eq!(layout.stream(RecordKind::Stat), "openvidu:stats");
        assert_eq!(
            layout.room_lookup(RecordKind::Event, "RM_1"),
            "openvidu:room:{RM_1}:events"
        );
    }

    #[test]
    fn keys_written_together_share_a_slot() {
        let layout = KeyLayout::new("p:");
        for kind in [RecordKind::Event, RecordKind::Stat] {
            assert_eq!(
                hashed_part(&layout.seen_marker(kind, "abc")),
                hashed_part(&layout.stream(kind))
            );
            assert_eq!(
                hashed_part(&layout.room_lookup(kind, "RM_x")),
                hashed_part(&layout.room_lookup(RecordKind::Event, "RM_x"))
            );
        }
        assert_eq!(hashed_part(&layout.closed()), hashed_part(&layout.active()));
    }
}
