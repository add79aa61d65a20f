//! [`TwirpLivekit`]: LiveKit's live entities read over its Twirp API (`livekit-api`, https
//! included): rooms, the participants of every room, active egresses and publishing
//! ingresses. Any failure makes the whole view unknown, so the fixer closes nothing.

use std::{collections::HashSet, sync::Arc, time::Duration};

use analytics_core::{
    config::mask_url,
    livekit_helper::{ActiveEntities, LivekitHelper, LivekitHelperError},
};
use async_trait::async_trait;
use livekit_api::services::{
    egress::{EgressClient, EgressListFilter, EgressListOptions},
    ingress::{IngressClient, IngressListFilter},
    room::RoomClient,
    ServerError, ServerErrorCode, ServiceError,
};
use livekit_protocol::{ingress_state, participant_info, EgressStatus};
use tokio::task::JoinSet;

/// How long one Twirp call may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// LiveKit's API at one URL, signed with one API key.
pub struct TwirpLivekit {
    rooms: Arc<RoomClient>,
    egress: EgressClient,
    ingress: IngressClient,
    url: String,
    masked_url: String,
}

impl TwirpLivekit {
    /// Clients of the API at `url` (`http(s)://` or `ws(s)://`), signing each request with
    /// `api_key` / `api_secret`.
    pub fn new(url: &str, api_key: &str, api_secret: &str) -> TwirpLivekit {
        TwirpLivekit {
            rooms: Arc::new(
                RoomClient::with_api_key(url, api_key, api_secret)
                    .with_failover(false)
                    .with_request_timeout(REQUEST_TIMEOUT),
            ),
            egress: EgressClient::with_api_key(url, api_key, api_secret)
                .with_failover(false)
                .with_request_timeout(REQUEST_TIMEOUT),
            ingress: IngressClient::with_api_key(url, api_key, api_secret)
                .with_failover(false)
                .with_request_timeout(REQUEST_TIMEOUT),
            url: url.to_owned(),
            masked_url: mask_url(url),
        }
    }

    /// The error of a failed call, naming the call and the (masked) URL.
    fn unknown(&self, call: &str, error: ServiceError) -> LivekitHelperError {
        let text = error.to_string().replace(&self.url, &self.masked_url);
        LivekitHelperError(format!(
            "LiveKit API {call} at {} failed: {text}",
            self.masked_url
        ))
    }

    /// Room sid → room name of every room.
    async fn rooms(&self) -> Result<Vec<(String, String)>, LivekitHelperError> {
        let rooms = self
            .rooms
            .list_rooms(Vec::new())
            .await
            .map_err(|error| self.unknown("ListRooms", error))?;
        Ok(rooms
            .into_iter()
            .map(|room| (room.sid, room.name))
            .collect())
    }

    /// Sids of the connected participants of `rooms`, asked for all rooms at once.
    async fn participants(
        &self,
        rooms: &[(String, String)],
    ) -> Result<HashSet<String>, LivekitHelperError> {
        let mut calls = JoinSet::new();
        for (_, name) in rooms {
            let client = self.rooms.clone();
            let name = name.clone();
            calls.spawn(async move { client.list_participants(&name).await });
        }
        let mut participants = HashSet::new();
        while let Some(joined) = calls.join_next().await {
            let listed = joined.map_err(|error| {
                LivekitHelperError(format!("ListParticipants task failed: {error}"))
            })?;
            match listed {
                Ok(list) => participants.extend(
                    list.into_iter()
                        .filter(|p| p.state != participant_info::State::Disconnected as i32)
                        .map(|p| p.sid),
                ),
                // The room ended between the two calls: it has no participants.
                Err(error) if is_not_found(&error) => {}
                Err(error) => return Err(self.unknown("ListParticipants", error)),
            }
        }
        Ok(participants)
    }
}

fn is_not_found(error: &ServiceError) -> bool {
    matches!(
        error,
        ServiceError::Twirp(ServerError::Twirp(code))
            if code.code == ServerErrorCode::NOT_FOUND
    )
}

#[async_trait]
impl LivekitHelper for TwirpLivekit {
    async fn list_active_rooms(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Ok(self
            .rooms()
            .await?
            .into_iter()
            .map(|(sid, _)| sid)
            .collect())
    }

    async fn list_active_participants(&self) -> Result<HashSet<String>, LivekitHelperError> {
        let rooms = self.rooms().await?;
        self.participants(&rooms).await
    }

    async fn list_active_egresses(&self) -> Result<HashSet<String>, LivekitHelperError> {
        let options = EgressListOptions {
            filter: EgressListFilter::All,
            active: true,
            page_token: None,
        };
        let egresses = self
            .egress
            .list_egress(options)
            .await
            .map_err(|error| self.unknown("ListEgress", error))?;
        Ok(egresses
            .into_iter()
            .filter(|egress| egress.status < EgressStatus::EgressComplete as i32)
            .map(|egress| egress.egress_id)
            .collect())
    }

    async fn list_active_ingresses(&self) -> Result<HashSet<String>, LivekitHelperError> {
        let ingresses = self
            .ingress
            .list_ingress(IngressListFilter::All)
            .await
            .map_err(|error| self.unknown("ListIngress", error))?;
        Ok(ingresses
            .into_iter()
            .filter_map(|ingress| ingress.state)
            .filter(|state| {
                state.status == ingress_state::Status::EndpointPublishing as i32
                    && !state.resource_id.is_empty()
            })
            .map(|state| state.resource_id)
            .collect())
    }

    /// Rooms are listed once for both rooms and participants.
    async fn active_entities(&self) -> Result<ActiveEntities, LivekitHelperError> {
        let rooms = self.rooms().await?;
        let participants = self.participants(&rooms).await?;
        Ok(ActiveEntities {
            rooms: rooms.into_iter().map(|(sid, _)| sid).collect(),
            participants,
            egresses: self.list_active_egresses().await?,
            ingresses: self.list_active_ingresses().await?,
        })
    }
}
