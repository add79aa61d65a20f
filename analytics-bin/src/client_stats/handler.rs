//! `POST /v1/client/stats`: in order, the page's origin, the participant's token, its rate
//! limit, the body and its size, whose participant sid it names; then every stat is
//! converted and admitted to every sink like any stat (202 `{"accepted": n}`), or none is.

use std::time::{Instant, SystemTime};

use analytics_core::Record;
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{HeaderMap, StatusCode},
    Json,
};
use serde_json::{json, Value};
use std::sync::Arc;

use super::{
    body::ClientStatsBody,
    conversion::{to_analytics_stat, StatOwner},
    participant::Participant,
    placement::PlacementRefusal,
    rate_limit::retry_after_seconds,
    ClientStatsApi, ClientStatsRefusal, SOURCE,
};
use crate::ingest::{admit_records, json_api::decode, ApiError, RefusalReason};

/// `POST /v1/client/stats`.
pub async fn receive(
    State(api): State<Arc<ClientStatsApi>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ClientStatsRefusal> {
    api.accept(&headers, body)
        .await
        .map(|accepted| (StatusCode::ACCEPTED, Json(json!({ "accepted": accepted }))))
        .map_err(|refusal| api.refuse(refusal))
}

impl ClientStatsApi {
    async fn accept(
        &self,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<usize, ClientStatsRefusal> {
        self.origins.check(headers)?;
        let participant = Participant::of_request(&self.ingest.keys, headers)?;
        self.limit
            .take(&participant, Instant::now())
            .map_err(|wait| {
                ClientStatsRefusal::too_many(
                    RefusalReason::RateLimited,
                    format!(
                        "participant {:?} of room {:?} posts client stats too often; retry after the Retry-After seconds",
                        participant.identity, participant.room_name
                    ),
                    retry_after_seconds(wait),
                )
            })?;
        let body = read_body(body)?;
        if body.stats.len() > self.max_stats_per_request {
            return Err(ClientStatsRefusal::too_many(
                RefusalReason::TooManyStats,
                format!(
                    "this request carries {} stats; at most {} per request: send them in smaller batches",
                    body.stats.len(),
                    self.max_stats_per_request
                ),
                1,
            ));
        }
        let participant_sid = body.participant_sid.clone().unwrap_or_default();
        let claimed_room_sid = body.room_sid.as_deref().unwrap_or_default();
        let room_sid = self
            .placement
            .room_sid(&participant, &participant_sid, claimed_room_sid)
            .await
            .map_err(placement_refusal)?;
        let owner = StatOwner {
            room_name: participant.room_name.clone(),
            room_sid,
            participant_sid,
        };
        let records = self.records(&body, &owner, &participant)?;
        let accepted = admit_records(&self.ingest, SOURCE, records).await?;
        let metrics = self.ingest.pipeline.metrics();
        metrics.client_stats_accepted(accepted as u64);
        if let Some(dropped) = body.dropped.filter(|dropped| *dropped >= 1.0) {
            metrics.client_stats_browser_dropped(dropped as u64);
        }
        Ok(accepted)
    }

    /// Every stat of `body` as a record of `participant`.
    fn records(
        &self,
        body: &ClientStatsBody,
        owner: &StatOwner,
        participant: &Participant,
    ) -> Result<Vec<Record>, ApiError> {
        let now = SystemTime::now();
        let expiration = self.ingest.pipeline.expiration();
        body.stats
            .iter()
            .map(|stat| {
                Record::from_client_stat(
                    to_analytics_stat(stat, owner),
                    &participant.identity,
                    expiration,
                    now,
                )
                .map_err(|error| {
                    ApiError::bad_request(SOURCE, RefusalReason::Unconvertible, error.to_string())
                })
            })
            .collect()
    }
}

/// The decoded body: 413 over `max_body_bytes`, 400 naming the field at fault.
fn read_body(body: Result<Bytes, BytesRejection>) -> Result<ClientStatsBody, ApiError> {
    let bytes = body.map_err(|rejection| {
        let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
        ApiError {
            status: rejection.status(),
            source: SOURCE,
            reason: if too_large {
                RefusalReason::BodyTooLarge
            } else {
                RefusalReason::MalformedBody
            },
            message: if too_large {
                "the body is larger than openvidu.analytics.max_body_bytes: send fewer stats per request".to_owned()
            } else {
                rejection.body_text()
            },
        }
    })?;
    let body: ClientStatsBody = decode(&bytes).map_err(|error| ApiError {
        source: SOURCE,
        ..error
    })?;
    if let Some(problem) = body.problem() {
        return Err(ApiError::bad_request(
            SOURCE,
            RefusalReason::MalformedBody,
            problem,
        ));
    }
    Ok(body)
}

fn placement_refusal(refusal: PlacementRefusal) -> ApiError {
    match refusal {
        PlacementRefusal::OtherIdentity { participant_sid } => foreign_participant(format!(
            "participant {participant_sid:?} is another identity's in the stored events: a participant posts its own stats only"
        )),
        PlacementRefusal::OtherRoom { participant_sid } => foreign_participant(format!(
            "participant {participant_sid:?} is in another room than the token's in the stored events: post with the token of the room the participant joined"
        )),
        PlacementRefusal::Store(error) => {
            tracing::warn!(error = %error, "client stats: the query sink could not say whose a participant sid is");
            ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                source: SOURCE,
                reason: RefusalReason::LookupFailed,
                message: "the stored sessions could not be read to check the participant; retry later".to_owned(),
            }
        }
    }
}

fn foreign_participant(message: String) -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        source: SOURCE,
        reason: RefusalReason::ForeignParticipant,
        message,
    }
}
