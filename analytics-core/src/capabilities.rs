//! [`Capabilities`]: what a sink declares it can do beyond storing records, so that the
//! compliance suite runs the cases it needs and fails a sink that declares what it lacks.

/// What a sink can do beyond storing records; the compliance suite runs the cases a sink declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Stored records can be read back by a probe (ids and documents).
    pub read_back: bool,
    /// Records go away after their expiry (Sink::expire or the store's native expiry).
    pub expiry: bool,
    /// The sink keeps the active-entities set (Sink::active_entity_store returns Some).
    pub active_entities: bool,
    /// The sink answers the read API's session queries (Sink::query returns Some).
    pub queries: bool,
}

impl Capabilities {
    /// A sink that only stores records (a log, a queue, an HTTP endpoint).
    pub const APPEND_ONLY: Capabilities = Capabilities {
        read_back: false,
        expiry: false,
        active_entities: false,
        queries: false,
    };

    /// A database sink that does everything the contract describes, session queries included.
    pub const FULL: Capabilities = Capabilities {
        read_back: true,
        expiry: true,
        active_entities: true,
        queries: true,
    };

    /// A database sink that does everything the contract describes but answer session
    /// queries (a key-value store such as Redis).
    pub const FULL_WITHOUT_QUERIES: Capabilities = Capabilities {
        queries: false,
        ..Capabilities::FULL
    };
}
