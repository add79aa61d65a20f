//! What the active-entities fixer asks LiveKit: which rooms, participants, egresses and
//! ingresses are alive right now.

use std::collections::HashSet;

use async_trait::async_trait;

use crate::Entity;

/// Why LiveKit's view could not be had. The fixer then closes nothing: an unreachable
/// LiveKit means "unknown", never "everything ended".
#[derive(Debug, thiserror::Error)]
#[error("LiveKit state unknown: {0}")]
pub struct LivekitHelperError(pub String);

/// A source of LiveKit's live entities (its Twirp API, or node state reports).
#[async_trait]
pub trait LivekitHelper: Send + Sync {
    /// Sids of the rooms that exist.
    async fn list_active_rooms(&self) -> Result<HashSet<String>, LivekitHelperError>;
    /// Sids of the participants of every room.
    async fn list_active_participants(&self) -> Result<HashSet<String>, LivekitHelperError>;
    /// Ids of egresses whose status is below EGRESS_COMPLETE.
    async fn list_active_egresses(&self) -> Result<HashSet<String>, LivekitHelperError>;
    /// Resource ids of ingresses that are publishing.
    async fn list_active_ingresses(&self) -> Result<HashSet<String>, LivekitHelperError>;

    /// All four lists at once; any failure makes the whole view unknown.
    async fn active_entities(&self) -> Result<ActiveEntities, LivekitHelperError> {
        Ok(ActiveEntities {
            rooms: self.list_active_rooms().await?,
            participants: self.list_active_participants().await?,
            egresses: self.list_active_egresses().await?,
            ingresses: self.list_active_ingresses().await?,
        })
    }
}

/// A snapshot of LiveKit's live entities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveEntities {
    pub rooms: HashSet<String>,
    pub participants: HashSet<String>,
    pub egresses: HashSet<String>,
    pub ingresses: HashSet<String>,
}

impl ActiveEntities {
    /// Whether LiveKit still has this entity.
    pub fn contains(&self, entity: Entity, id: &str) -> bool {
        match entity {
            Entity::Room => self.rooms.contains(id),
            Entity::Participant => self.participants.contains(id),
            Entity::Egress => self.egresses.contains(id),
            Entity::Ingress => self.ingresses.contains(id),
        }
    }
}
