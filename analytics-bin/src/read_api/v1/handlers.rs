//! The `/v1/` endpoints: admit the reader ([`Reader`]), read the parameters, ask the query
//! sink, answer in the contract's JSON.

use analytics_core::query::{SeriesSubject, SessionQuery};
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    Json,
};
use serde::de::DeserializeOwned;

use super::{
    access::Reader,
    cursor,
    json::{OverviewJson, ParticipantReply, SeriesJson, SessionList, SessionReply, SummaryJson},
    search_params::SearchParams,
    series_params::SeriesParams,
    time_params::{RangeParams, DAY_MS},
    V1Refusal, V1State,
};

/// The overview's range when `from` is not given.
const OVERVIEW_DEFAULT_SPAN_MS: i64 = 28 * DAY_MS;
/// The longest range an overview covers.
const OVERVIEW_MAX_SPAN_MS: i64 = 400 * DAY_MS;

const NO_SESSION: &str = "no session of that id";
const NO_PARTICIPANT: &str = "no session of that id with a participant of that identity";
const NO_TRACK: &str = "no session of that id with a track of that sid";

impl V1State {
    fn query(&self) -> Result<&dyn SessionQuery, V1Refusal> {
        Ok(self.api.query()?)
    }
}

/// The query string, or a 400 saying what is malformed in it.
fn params<T: DeserializeOwned>(query: Result<Query<T>, QueryRejection>) -> Result<T, V1Refusal> {
    query.map(|Query(params)| params).map_err(|rejection| {
        V1Refusal::BadParameter(format!("bad query string: {}", rejection.body_text()))
    })
}

/// `GET /v1/sessions`.
pub async fn sessions(
    _: Reader,
    State(state): State<V1State>,
    query: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SessionList>, V1Refusal> {
    let search = params(query)?.search()?;
    let page = state.query()?.search_sessions(&search).await?;
    Ok(Json(SessionList {
        sessions: page.items.iter().map(SummaryJson::from).collect(),
        next_cursor: page.next.as_ref().map(cursor::encode),
    }))
}

/// `GET /v1/sessions/{session_id}`.
pub async fn session(
    _: Reader,
    State(state): State<V1State>,
    Path(session_id): Path<String>,
) -> Result<Json<SessionReply>, V1Refusal> {
    let view = state
        .query()?
        .session_view(&session_id)
        .await?
        .ok_or(V1Refusal::NotFound(NO_SESSION))?;
    Ok(Json(SessionReply::from(&view)))
}

/// `GET /v1/sessions/{session_id}/participants/{identity}`.
pub async fn participant(
    _: Reader,
    State(state): State<V1State>,
    Path((session_id, identity)): Path<(String, String)>,
) -> Result<Json<ParticipantReply>, V1Refusal> {
    let detail = state
        .query()?
        .participant_detail(&session_id, &identity)
        .await?
        .ok_or(V1Refusal::NotFound(NO_PARTICIPANT))?;
    Ok(Json(ParticipantReply::from(&detail)))
}

/// `GET /v1/sessions/{session_id}/tracks/{track_sid}/series`.
pub async fn track_series(
    _: Reader,
    State(state): State<V1State>,
    Path((room_sid, track_sid)): Path<(String, String)>,
    query: Result<Query<SeriesParams>, QueryRejection>,
) -> Result<Json<SeriesJson>, V1Refusal> {
    let subject = SeriesSubject::Track {
        room_sid,
        track_sid,
    };
    series(&state, params(query)?, subject, NO_TRACK).await
}

/// `GET /v1/sessions/{session_id}/participants/{identity}/series`.
pub async fn participant_series(
    _: Reader,
    State(state): State<V1State>,
    Path((room_sid, identity)): Path<(String, String)>,
    query: Result<Query<SeriesParams>, QueryRejection>,
) -> Result<Json<SeriesJson>, V1Refusal> {
    let subject = SeriesSubject::Participant { room_sid, identity };
    series(&state, params(query)?, subject, NO_PARTICIPANT).await
}

async fn series(
    state: &V1State,
    params: SeriesParams,
    subject: SeriesSubject,
    unknown: &'static str,
) -> Result<Json<SeriesJson>, V1Refusal> {
    let request = params.request(subject)?;
    let series = state
        .query()?
        .series(&request)
        .await?
        .ok_or(V1Refusal::NotFound(unknown))?;
    Ok(Json(SeriesJson::from(&series)))
}

/// `GET /v1/overview`.
pub async fn overview(
    _: Reader,
    State(state): State<V1State>,
    query: Result<Query<RangeParams>, QueryRejection>,
) -> Result<Json<OverviewJson>, V1Refusal> {
    let (from_ms, before_ms) =
        params(query)?.resolve(OVERVIEW_DEFAULT_SPAN_MS, OVERVIEW_MAX_SPAN_MS)?;
    let overview = state.query()?.overview(from_ms, before_ms).await?;
    Ok(Json(OverviewJson::from(&overview)))
}
