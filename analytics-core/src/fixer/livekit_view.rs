//! [`LivekitView`]: LiveKit's live entities read once per fixer period, kind by kind, so
//! that a kind LiveKit cannot list (an unreachable API, node reports that carry no egresses)
//! is unknown — and left alone — without keeping the fixer from closing the others.

use std::{collections::BTreeMap, time::SystemTime};

use crate::{
    livekit_helper::{ActiveEntities, LivekitHelper, LivekitHelperError},
    Entity,
};

/// What LiveKit has, per kind of entity, and the kinds it could not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivekitView {
    alive: ActiveEntities,
    unknown: BTreeMap<Entity, String>,
    read_at: SystemTime,
}

impl Default for LivekitView {
    /// Nothing known.
    fn default() -> Self {
        LivekitView {
            alive: ActiveEntities::default(),
            unknown: Entity::ALL
                .into_iter()
                .map(|entity| (entity, "not read".to_owned()))
                .collect(),
            read_at: SystemTime::UNIX_EPOCH,
        }
    }
}

impl LivekitView {
    /// Reads the four lists at once.
    pub async fn read(livekit: &dyn LivekitHelper) -> LivekitView {
        let read_at = SystemTime::now();
        let (rooms, participants, egresses, ingresses) = tokio::join!(
            livekit.list_active_rooms(),
            livekit.list_active_participants(),
            livekit.list_active_egresses(),
            livekit.list_active_ingresses(),
        );
        let mut view = LivekitView::of(ActiveEntities::default(), read_at);
        view.alive.rooms = view.known(Entity::Room, rooms);
        view.alive.participants = view.known(Entity::Participant, participants);
        view.alive.egresses = view.known(Entity::Egress, egresses);
        view.alive.ingresses = view.known(Entity::Ingress, ingresses);
        view
    }

    /// A view where everything is known, read at `read_at`.
    pub fn of(alive: ActiveEntities, read_at: SystemTime) -> LivekitView {
        LivekitView {
            alive,
            unknown: BTreeMap::new(),
            read_at,
        }
    }

    /// When LiveKit was asked.
    pub fn read_at(&self) -> SystemTime {
        self.read_at
    }

    fn known<T: Default>(&mut self, entity: Entity, listed: Result<T, LivekitHelperError>) -> T {
        listed.unwrap_or_else(|error| {
            self.unknown.insert(entity, error.0);
            T::default()
        })
    }

    /// Whether LiveKit's list of this kind of entity is known.
    pub fn knows(&self, entity: Entity) -> bool {
        !self.unknown.contains_key(&entity)
    }

    /// Whether LiveKit has this entity (false for a kind it could not list: ask
    /// [`LivekitView::knows`] first).
    pub fn has(&self, entity: Entity, id: &str) -> bool {
        self.alive.contains(entity, id)
    }

    /// The kinds LiveKit could not list, with why.
    pub fn unknown(&self) -> &BTreeMap<Entity, String> {
        &self.unknown
    }

    /// When no kind is known: why, for the log.
    pub fn all_unknown(&self) -> Option<LivekitHelperError> {
        if self.unknown.len() < Entity::ALL.len() {
            return None;
        }
        let mut reasons: Vec<&str> = self.unknown.values().map(String::as_str).collect();
        reasons.dedup();
        Some(LivekitHelperError(reasons.join("; ")))
    }
}
