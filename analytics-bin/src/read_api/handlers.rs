//! The two endpoints: admit the request (token, grant, project), read the query sink,
//! answer in LiveKit Cloud's shape.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::HeaderMap,
    Json,
};

use super::{
    cloud_json::{CloudSession, CloudSessionDetail, SessionList},
    list_params::ListParams,
    ReadApi, ReadRefusal,
};
use analytics_core::query::SessionQuery;

impl ReadApi {
    /// The query sink, or 503 when none answers queries.
    pub(super) fn query(&self) -> Result<&dyn SessionQuery, ReadRefusal> {
        self.query_sink
            .as_deref()
            .and_then(|sink| sink.query())
            .ok_or(ReadRefusal::NoQuerySink)
    }
}

/// `GET /api/project/{project_id}/sessions?limit=&page=&start=&end=`.
pub async fn list_sessions(
    State(api): State<ReadApi>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<SessionList>, ReadRefusal> {
    api.admit(&headers, &project_id)?;
    let Query(params) = params.map_err(|rejection| {
        ReadRefusal::BadQuery(format!("bad query string: {}", rejection.body_text()))
    })?;
    let filter = params.filter()?;
    let page = api
        .query()?
        .list_sessions(&filter)
        .await
        .map_err(ReadRefusal::Store)?;
    Ok(Json(SessionList {
        sessions: page.items.iter().map(CloudSession::from).collect(),
    }))
}

/// `GET /api/project/{project_id}/sessions/{session_id}`.
pub async fn session_detail(
    State(api): State<ReadApi>,
    Path((project_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<CloudSessionDetail>, ReadRefusal> {
    api.admit(&headers, &project_id)?;
    let detail = api
        .query()?
        .session(&session_id)
        .await
        .map_err(ReadRefusal::Store)?
        .ok_or(ReadRefusal::UnknownSession)?;
    Ok(Json(CloudSessionDetail::from(&detail)))
}
