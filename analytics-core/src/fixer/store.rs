//! [`ActiveEntityStore`]: what a sink offers the shared fixer algorithm — its active
//! entities, their start events, whether a close event is stored, `last_alive`, and the
//! lease that lets one fixer at a time work on a database several instances share.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::{sink::SinkError, Entity};

/// One entry of a sink's active entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredActiveEntity {
    pub entity: Entity,
    /// Room sid, participant sid, egress id or ingress resource id.
    pub id: String,
    /// The id of the event that opened it, when the store keeps it.
    pub event_id: Option<String>,
    /// When it was opened (its start event's time), unix milliseconds, when the store keeps it.
    pub opened_at_ms: Option<i64>,
}

/// The storage side of the active-entities fixer. A sink implements it on its own database
/// and returns itself from [`crate::Sink::active_entity_store`]; the algorithm
/// ([`super::ActiveEntityFixer`]) is shared by every sink.
#[async_trait]
pub trait ActiveEntityStore: Send + Sync {
    /// Every entity the store holds as active.
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError>;

    /// The stored document of the event that opened `active` (ROOM_CREATED,
    /// PARTICIPANT_ACTIVE, EGRESS_STARTED or INGRESS_STARTED), if it is still stored.
    async fn start_event(
        &self,
        active: &StoredActiveEntity,
    ) -> Result<Option<Map<String, Value>>, SinkError>;

    /// Whether a close event of the entity is stored: ROOM_ENDED (by room sid),
    /// PARTICIPANT_LEFT or PARTICIPANT_CONNECTION_ABORTED (by participant sid), EGRESS_ENDED
    /// (by egress id), INGRESS_ENDED (by `ingress.state.resource_id`). See
    /// [`super::close_event_types`].
    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError>;

    /// Removes `active` from the active entities (a no-op when it is not there).
    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError>;

    /// When the fixer last saw LiveKit's state, if ever.
    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError>;

    /// Records when the fixer last saw LiveKit's state.
    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError>;

    /// Takes or renews the fixer lease of this database for `ttl` on behalf of `holder`.
    /// True when `holder` has it: nobody held it, its lease had expired, or `holder` already
    /// held it. A holder that dies loses it when `ttl` has passed.
    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError>;
}
