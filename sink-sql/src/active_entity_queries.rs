//! The seven queries of the active-entities fixer's store (`ActiveEntityStore`), once for
//! both SQL sinks: the parameters (`$n`) and the columns read are the same in each dialect,
//! so each sink binds and reads them alike.

use analytics_core::{fixer::close_event_types, Entity};

use crate::{
    tables::{ACTIVE_ENTITIES, EVENTS, FIXER_LEASE, LAST_ALIVE},
    Dialect,
};

/// The `id` of the one row of `last_alive` and of `fixer_lease`.
pub const SERVER_ID: &str = "server";

/// The store's queries in one dialect.
#[derive(Debug, Clone)]
pub struct ActiveEntityQueries {
    dialect: Dialect,
}

impl ActiveEntityQueries {
    pub const fn new(dialect: Dialect) -> ActiveEntityQueries {
        ActiveEntityQueries { dialect }
    }

    fn table(&self, table: &str) -> String {
        self.dialect.table(table)
    }

    /// Rows of `(id, entity, event_id, opened_at)`, `opened_at` in unix milliseconds.
    pub fn active_entities(&self) -> String {
        format!(
            "SELECT id, entity, event_id, {} FROM {}",
            self.dialect.millis("opened_at"),
            self.table(ACTIVE_ENTITIES.name)
        )
    }

    /// The document (JSON text) of event `$1`.
    pub fn start_event(&self) -> String {
        format!(
            "SELECT {} FROM {} WHERE id = $1",
            self.dialect.json_text("data"),
            self.table(EVENTS.name)
        )
    }

    /// Whether an event closing `entity` `$n` is stored, where `$1..$(n-1)` are
    /// [`close_event_types`]`(entity)` in order and `$n` the entity's id.
    pub fn has_close_event(&self, entity: Entity) -> String {
        let types = close_event_types(entity).len();
        let placeholders: Vec<String> = (1..=types).map(|n| format!("${n}")).collect();
        let id = format!("${}", types + 1);
        let column = match entity {
            Entity::Room => "room_sid".to_owned(),
            Entity::Participant => "participant_sid".to_owned(),
            Entity::Egress => "egress_id".to_owned(),
            Entity::Ingress => self
                .dialect
                .json_field("data", &["ingress", "state", "resource_id"]),
        };
        format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE type IN ({}) AND {column} = {id})",
            self.table(EVENTS.name),
            placeholders.join(", ")
        )
    }

    /// Deletes the opening of entity `$1` of kind `$2`, only if it is still the one of event
    /// `$3` (or whatever it is when `$3` is NULL): an entity opened again since stays.
    pub fn remove_active(&self) -> String {
        format!(
            "DELETE FROM {} WHERE {} AND entity = $2 AND (CAST($3 AS TEXT) IS NULL OR event_id = $3)",
            self.table(ACTIVE_ENTITIES.name),
            self.dialect.id_matches("id", "$1")
        )
    }

    /// `last_alive` of row `$1` ([`SERVER_ID`]) in unix milliseconds.
    pub fn last_alive(&self) -> String {
        format!(
            "SELECT {} FROM {} WHERE id = $1",
            self.dialect.millis("last_alive"),
            self.table(LAST_ALIVE.name)
        )
    }

    /// Sets `last_alive` of row `$1` ([`SERVER_ID`]) to `$2` (unix milliseconds).
    pub fn set_last_alive(&self) -> String {
        format!(
            "INSERT INTO {} (id, last_alive) VALUES ($1, {})
             ON CONFLICT (id) DO UPDATE SET last_alive = excluded.last_alive",
            self.table(LAST_ALIVE.name),
            self.dialect.timestamp("$2")
        )
    }

    /// Takes lease `$1` ([`SERVER_ID`]) for holder `$2` for `$3` milliseconds when it is free,
    /// expired or already `$2`'s, by the database's clock; returns the holder's row when
    /// granted, nothing when another instance holds it.
    pub fn acquire_lease(&self) -> String {
        format!(
            "INSERT INTO {} (id, holder, expires_at) VALUES ($1, $2, {})
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE fixer_lease.holder = excluded.holder OR fixer_lease.expires_at < {}
             RETURNING holder",
            self.table(FIXER_LEASE.name),
            self.dialect.now_plus("$3"),
            self.dialect.now()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_event_lookups_number_their_parameters() {
        let queries = ActiveEntityQueries::new(Dialect::Sqlite);
        let types = close_event_types(Entity::Room).len();
        let sql = queries.has_close_event(Entity::Room);
        assert!(sql.contains(&format!("room_sid = ${}", types + 1)), "{sql}");
        let sql = ActiveEntityQueries::new(Dialect::postgres("s")).remove_active();
        assert!(sql.contains("md5(id) = md5($1) AND id = $1"), "{sql}");
    }
}
