//! `POST /v1/events` and `POST /v1/stats`: `{"events":[...]}` / `{"stats":[...]}` in
//! LiveKit's protojson (as `livekit-protocol`'s serde reads it), for tools that are not
//! LiveKit, authenticated by `Authorization: Bearer <access token>` and authorised as server
//! analytics (`video.roomAdmin` for every room; else 403, reason `missing_grant`).

use axum::{
    body::Bytes,
    extract::State,
    http::{header::AUTHORIZATION, HeaderMap},
    Json,
};
use livekit_protocol::{AnalyticsEvent, AnalyticsStat};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

use crate::{
    auth::IngestScope,
    ingest::{admit, ApiError, AppState, RefusalReason},
};

const SOURCE: &str = "json";

/// The body of `POST /v1/events`. Any other top-level key is refused: a misspelt
/// `"event"` must get a 400, not `{"accepted":0}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsBody {
    #[serde(default)]
    pub events: Vec<AnalyticsEvent>,
}

/// The body of `POST /v1/stats`, as strict as [`EventsBody`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsBody {
    #[serde(default)]
    pub stats: Vec<AnalyticsStat>,
}

/// `POST /v1/events`.
pub async fn receive_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    authenticate(&state, &headers)?;
    let body: EventsBody = decode(&body).map_err(|error| state.refuse(error))?;
    let accepted = admit(&state, SOURCE, body.events, Vec::new())
        .await
        .map_err(|error| state.refuse(error))?;
    Ok(Json(json!({ "accepted": accepted })))
}

/// `POST /v1/stats`.
pub async fn receive_stats(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    authenticate(&state, &headers)?;
    let body: StatsBody = decode(&body).map_err(|error| state.refuse(error))?;
    let accepted = admit(&state, SOURCE, Vec::new(), body.stats)
        .await
        .map_err(|error| state.refuse(error))?;
    Ok(Json(json!({ "accepted": accepted })))
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    state
        .keys
        .authorize(authorization, IngestScope::ServerAnalytics)
        .map(|_| ())
        .map_err(|error| state.refuse(ApiError::from_auth(SOURCE, error)))
}

/// Parses protojson, naming the field at fault (`events[0].type: ...`) when there is one.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // pbjson's enum errors say "expected expected one of": said once is enough.
    let malformed = |message: String| {
        let message = message.replace("expected expected", "expected");
        ApiError::bad_request(SOURCE, RefusalReason::MalformedBody, message)
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        if path == "." {
            malformed(error.inner().to_string())
        } else {
            malformed(format!("{path}: {}", error.inner()))
        }
    })?;
    deserializer
        .end()
        .map_err(|error| malformed(error.to_string()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use livekit_protocol::{AnalyticsEventType, AnalyticsEvents, AnalyticsStats};

    use super::*;

    #[test]
    fn protojson_events_decode() {
        let body = br#"{"events":[{"type":"TRACK_MUTED","roomId":"RM_1","timestamp":"2024-01-01T00:00:00Z"},{"roomId":"RM_2"}]}"#;
        let events: AnalyticsEvents = decode(body).expect("decodes");
        assert_eq!(
            events.events[0].r#type,
            AnalyticsEventType::TrackMuted as i32
        );
        assert_eq!(
            events.events[1].r#type,
            AnalyticsEventType::RoomCreated as i32
        );
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let error =
            decode::<AnalyticsEvents>(br#"{"events":[{"roomId":5}]}"#).expect_err("refused");
        assert!(
            error.message.contains("events[0].roomId"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_event_type_number_names_the_field() {
        let error =
            decode::<AnalyticsEvents>(br#"{"events":[{"type":999}]}"#).expect_err("refused");
        assert!(
            error.message.contains("events[0].type"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_stat_kind_names_the_field() {
        let error =
            decode::<AnalyticsStats>(br#"{"stats":[{"kind":"SIDEWAYS"}]}"#).expect_err("refused");
        assert!(error.message.contains("stats[0].kind"), "{}", error.message);
    }

    #[test]
    fn trailing_garbage_is_refused() {
        assert!(decode::<AnalyticsStats>(br#"{"stats":[]} x"#).is_err());
    }

    #[test]
    fn an_unknown_top_level_key_is_refused_with_its_name() {
        let error = decode::<EventsBody>(br#"{"event":[{"roomId":"RM_1"}]}"#).expect_err("refused");
        assert!(
            error.message.contains("unknown field `event`"),
            "{}",
            error.message
        );
        let error = decode::<StatsBody>(br#"{"events":[]}"#).expect_err("refused");
        assert!(
            error.message.contains("unknown field `events`"),
            "{}",
            error.message
        );
        let empty: EventsBody = decode(b"{}").expect("an empty body holds no event");
        assert!(empty.events.is_empty());
    }

    #[test]
    fn an_unknown_enum_number_is_explained_once() {
        let error = decode::<EventsBody>(br#"{"events":[{"type":999}]}"#).expect_err("refused");
        assert!(
            !error.message.contains("expected expected"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("expected one of"),
            "{}",
            error.message
        );
    }
}
