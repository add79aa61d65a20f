//! The active-entities fixer: closes rooms, participants, egresses and ingresses a sink
//! holds as active but LiveKit no longer has, with synthetic close events, written once
//! here for every sink. A sink provides the storage side ([`ActiveEntityStore`]); the
//! two-phase algorithm of openvidu-livekit is [`ActiveEntityFixer`].

mod active_entity_fixer;
mod from_document;
mod livekit_view;
mod store;
mod synthetic;

pub use active_entity_fixer::{ActiveEntityFixer, FixOutcome, FixReport, FixerError};
pub use from_document::{event_from_document, ReadBackError};
pub use livekit_view::LivekitView;
pub use store::{ActiveEntityStore, StoredActiveEntity};
pub use synthetic::{
    close_event, close_event_types, close_time, event_time, minimum_lifetime, SYNTHETIC_FIELD,
};
