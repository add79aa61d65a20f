//! The tables of both SQL sinks as they stand after every migration: the columns, with
//! their logical types, and the columns an index must lead with (the lookups queries and
//! expiry make). This is the schema's one declaration; each sink's migrations are its
//! history, and each sink's tests check the migrated database against this
//! ([`crate::schema_check`]).

/// A column's logical type; [`crate::Dialect::column_type`] says how each database stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    /// Unix milliseconds in SQLite, `timestamptz` in PostgreSQL.
    Timestamp,
    Real,
    /// A 64-bit integer.
    Integer,
    /// The stored document: JSON text in SQLite, `jsonb` in PostgreSQL.
    Json,
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
}

/// One table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    /// In the order the tables have them.
    pub columns: &'static [Column],
    /// Each needs an index whose first column it is.
    pub lookups: &'static [&'static str],
}

impl Table {
    /// `id, type, ...`: the column names in order, for an `INSERT`.
    pub fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|column| column.name).collect();
        names.join(", ")
    }
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
    }
}

const fn timestamp(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Timestamp,
    }
}

const fn real(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Real,
    }
}

const fn integer(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Integer,
    }
}

const fn json(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Json,
    }
}

/// Every event, keyed by its MD5 record id.
pub const EVENTS: Table = Table {
    name: "events",
    columns: &[
        text("id"),
        text("type"),
        timestamp("timestamp"),
        text("room_sid"),
        text("room_name"),
        text("participant_sid"),
        text("participant_identity"),
        text("track_id"),
        text("egress_id"),
        text("ingress_id"),
        text("node_id"),
        timestamp("expire_at"),
        json("data"),
    ],
    lookups: &[
        "id",
        "type",
        "timestamp",
        "room_sid",
        "participant_sid",
        "participant_identity",
        "egress_id",
        "ingress_id",
        "expire_at",
    ],
};

/// Every stat, keyed by its MD5 record id.
pub const STATS: Table = Table {
    name: "stats",
    columns: &[
        text("id"),
        text("kind"),
        timestamp("timestamp"),
        text("room_sid"),
        text("room_name"),
        text("participant_sid"),
        text("track_id"),
        real("score"),
        real("min_score"),
        real("median_score"),
        text("mime"),
        text("node"),
        timestamp("expire_at"),
        json("data"),
        // The sums over the document's `streams[]`, kept at write time
        // (`analytics_core::stat_traffic`) so that reads never parse documents.
        integer("bytes"),
        integer("packets"),
        integer("packets_lost"),
        integer("frames"),
        integer("jitter_count"),
        real("jitter_sum"),
        integer("rtt_count"),
        real("rtt_sum"),
        integer("covered_ms"),
        // 1 when a browser reported the stat (`POST /v1/client/stats`), else 0.
        integer("client_reported"),
    ],
    // Not `kind`: two values, and always filtered with a room, participant or time; stats
    // are the bulk of the data, and every index costs write throughput.
    lookups: &[
        "id",
        "timestamp",
        "room_sid",
        "participant_sid",
        "track_id",
        "expire_at",
    ],
};

/// Bytes per room and direction, with the room's latest stat: added to by each write for
/// the stats it inserted (a re-sent stat adds nothing), so that a sessions list never sums
/// stats. `id` is `kind:room_sid` (in PostgreSQL its MD5: a room sid may be longer than a
/// B-tree row); a row expires with the room's last stat.
pub const ROOM_TRAFFIC: Table = Table {
    name: "room_traffic",
    columns: &[
        text("id"),
        text("room_sid"),
        text("kind"),
        integer("bytes"),
        timestamp("last_stat"),
        timestamp("expire_at"),
    ],
    lookups: &["id", "room_sid", "expire_at"],
};

/// Bytes per UTC hour and direction, kept like [`ROOM_TRAFFIC`], so that an overview of
/// weeks reads hundreds of rows instead of millions of stats. `id` is `kind:hour_ms`.
pub const HOURLY_TRAFFIC: Table = Table {
    name: "hourly_traffic",
    columns: &[
        text("id"),
        timestamp("hour"),
        text("kind"),
        integer("bytes"),
        timestamp("expire_at"),
    ],
    lookups: &["id", "hour", "expire_at"],
};

/// One row per participant connection (room sid and participant sid), kept at write time
/// from the events a write inserted, so that an overview of thousands of connections reads
/// them instead of their events: the identity, the first `PARTICIPANT_JOINED` and
/// `PARTICIPANT_ACTIVE` (`NULL` until one is stored), the first close (`PARTICIPANT_LEFT` or
/// `PARTICIPANT_CONNECTION_ABORTED`), and the client's `sdk`, `os` and `browser` from its
/// openings. `id` is `room_sid:participant_sid` (in PostgreSQL its MD5).
pub const CONNECTIONS: Table = Table {
    name: "participant_connections",
    columns: &[
        text("id"),
        text("room_sid"),
        text("participant_sid"),
        text("identity"),
        timestamp("joined_at"),
        timestamp("active_at"),
        timestamp("closed_at"),
        text("sdk"),
        text("os"),
        text("browser"),
        timestamp("expire_at"),
    ],
    lookups: &["id", "joined_at", "active_at", "expire_at"],
};

/// The rooms, participants, egresses and ingresses open now.
pub const ACTIVE_ENTITIES: Table = Table {
    name: "active_entities",
    columns: &[
        text("id"),
        text("entity"),
        text("event_id"),
        timestamp("opened_at"),
    ],
    lookups: &["id", "entity"],
};

/// When the service was last seen alive (one row).
pub const LAST_ALIVE: Table = Table {
    name: "last_alive",
    columns: &[text("id"), timestamp("last_alive")],
    lookups: &["id"],
};

/// Which instance runs the active-entities fixer, until when (one row).
pub const FIXER_LEASE: Table = Table {
    name: "fixer_lease",
    columns: &[text("id"), text("holder"), timestamp("expires_at")],
    lookups: &["id"],
};

/// Every table of the SQL sinks.
pub const TABLES: [Table; 8] = [
    EVENTS,
    STATS,
    ACTIVE_ENTITIES,
    LAST_ALIVE,
    FIXER_LEASE,
    ROOM_TRAFFIC,
    HOURLY_TRAFFIC,
    CONNECTIONS,
];

/// The tables whose rows expire (by `expire_at`).
pub const EXPIRING: [Table; 5] = [EVENTS, STATS, ROOM_TRAFFIC, HOURLY_TRAFFIC, CONNECTIONS];

/// One hour in milliseconds: the bucket of [`HOURLY_TRAFFIC`].
pub const HOUR_MS: i64 = 3_600_000;
