//! [`Placement`]: where a participant's client stats belong, from what the query sink has
//! stored. The room name and identity come from the token; the stored sessions of that room
//! name, and the session of the room sid the browser names, say whose a participant sid is
//! (a sid of another identity, or of another room, is refused: a browser sees its peers'
//! sids) and which room sid the stats get (the one the browser names only when that session
//! is of the token's room). A sid no stored event names is kept as the browser says it.
//! Without a query sink nothing can be checked: the browser's participant sid is kept and
//! the room sid left empty.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use analytics_core::{
    query::{SessionDetail, SessionQuery, SessionSearch},
    Sink, SinkError,
};

use super::participant::Participant;

/// Sessions of the token's room name looked through, newest first, to find a participant
/// sid or the participant's session.
const RECENT_SESSIONS: u64 = 10;

/// Most participant sids whose owner is remembered; the table is emptied when full.
const MAX_REMEMBERED: usize = 100_000;

/// Why the stats cannot be placed.
#[derive(Debug)]
pub enum PlacementRefusal {
    /// The stored events give the participant sid to another identity.
    OtherIdentity { participant_sid: String },
    /// The stored events put the participant sid in another room than the token's.
    OtherRoom { participant_sid: String },
    /// The query sink failed.
    Store(SinkError),
}

impl From<SinkError> for PlacementRefusal {
    fn from(error: SinkError) -> PlacementRefusal {
        PlacementRefusal::Store(error)
    }
}

/// Whose a stored participant sid is, and in which session.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredOwner {
    identity: String,
    room_name: String,
    room_sid: String,
}

/// The stored sessions, read through the query sink.
pub struct Placement {
    query_sink: Option<Arc<dyn Sink>>,
    /// (room name, participant sid) → its owner: a sid belongs to one identity for good.
    owners: Mutex<HashMap<(String, String), StoredOwner>>,
}

impl Placement {
    pub fn new(query_sink: Option<Arc<dyn Sink>>) -> Placement {
        Placement {
            query_sink,
            owners: Mutex::new(HashMap::new()),
        }
    }

    /// The room sid of `participant`'s stats naming `participant_sid` and `claimed_room_sid`
    /// (either may be empty), or the refusal of a participant sid of another identity.
    pub async fn room_sid(
        &self,
        participant: &Participant,
        participant_sid: &str,
        claimed_room_sid: &str,
    ) -> Result<String, PlacementRefusal> {
        let Some(query) = self.query_sink.as_ref().and_then(|sink| sink.query()) else {
            return Ok(String::new());
        };
        let key = (participant.room_name.clone(), participant_sid.to_owned());
        let remembered = self.owners_table().get(&key).cloned();
        let owner = match remembered {
            Some(owner) => owner,
            None => {
                let sessions = SessionsOfRoom::read(query, participant, claimed_room_sid).await?;
                match sessions.owner_of(participant_sid) {
                    Some(owner) => {
                        self.remember(key, owner.clone());
                        owner
                    }
                    None => return Ok(sessions.room_sid_of(participant, claimed_room_sid)),
                }
            }
        };
        let participant_sid = participant_sid.to_owned();
        if owner.identity != participant.identity {
            return Err(PlacementRefusal::OtherIdentity { participant_sid });
        }
        if owner.room_name != participant.room_name {
            return Err(PlacementRefusal::OtherRoom { participant_sid });
        }
        Ok(owner.room_sid)
    }

    fn owners_table(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), StoredOwner>> {
        self.owners.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(&self, key: (String, String), owner: StoredOwner) {
        let mut owners = self.owners_table();
        if owners.len() >= MAX_REMEMBERED {
            owners.clear();
        }
        owners.insert(key, owner);
    }
}

/// The session the browser names (whatever its room) and the recent stored sessions of the
/// token's room name, newest first.
struct SessionsOfRoom {
    sessions: Vec<SessionDetail>,
    claim_confirmed: bool,
}

impl SessionsOfRoom {
    async fn read(
        query: &dyn SessionQuery,
        participant: &Participant,
        claimed_room_sid: &str,
    ) -> Result<SessionsOfRoom, SinkError> {
        let mut sessions = Vec::new();
        let mut claim_confirmed = false;
        if !claimed_room_sid.is_empty() {
            if let Some(claimed) = query.session(claimed_room_sid).await? {
                claim_confirmed = claimed.summary.room_name == participant.room_name;
                sessions.push(claimed);
            }
        }
        let search = SessionSearch {
            room_prefix: Some(participant.room_name.clone()),
            limit: RECENT_SESSIONS,
            ..SessionSearch::default()
        };
        let recent = query.search_sessions(&search).await?.items;
        for summary in recent {
            if summary.room_name != participant.room_name
                || sessions
                    .iter()
                    .any(|known| known.summary.session_id == summary.session_id)
            {
                continue;
            }
            if let Some(session) = query.session(&summary.session_id).await? {
                sessions.push(session);
            }
        }
        Ok(SessionsOfRoom {
            sessions,
            claim_confirmed,
        })
    }

    /// Who the stored events say `participant_sid` is.
    fn owner_of(&self, participant_sid: &str) -> Option<StoredOwner> {
        if participant_sid.is_empty() {
            return None;
        }
        self.sessions.iter().find_map(|session| {
            session
                .participants
                .iter()
                .find(|connection| connection.sid == participant_sid)
                .map(|connection| StoredOwner {
                    identity: connection.identity.clone(),
                    room_name: session.summary.room_name.clone(),
                    room_sid: session.summary.session_id.clone(),
                })
        })
    }

    /// The room sid when the participant sid is not stored: the one the browser named if
    /// it is of the token's room, else the newest session the identity connected to, else
    /// the room's open session, else none.
    fn room_sid_of(&self, participant: &Participant, claimed_room_sid: &str) -> String {
        if self.claim_confirmed {
            return claimed_room_sid.to_owned();
        }
        let of_room = || {
            self.sessions
                .iter()
                .filter(|session| session.summary.room_name == participant.room_name)
        };
        let joined = of_room().find(|session| {
            session
                .participants
                .iter()
                .any(|connection| connection.identity == participant.identity)
        });
        let open = || of_room().find(|session| session.summary.ended_at_ms.is_none());
        joined
            .or_else(open)
            .map(|session| session.summary.session_id.clone())
            .unwrap_or_default()
    }
}
