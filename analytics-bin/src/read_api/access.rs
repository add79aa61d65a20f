//! Who may read: a LiveKit access token signed with a key from `keys` (verified as the
//! ingest paths verify theirs) whose video grant has `roomList`, as `lk token create --list`
//! makes, for the configured project id.

use axum::http::{header::AUTHORIZATION, HeaderMap};

use super::{ReadApi, ReadRefusal};

impl ReadApi {
    /// Refuses a request without a valid token (401), whose token lacks `roomList` (403), or
    /// that names another project (404).
    pub(super) fn admit(&self, headers: &HeaderMap, project_id: &str) -> Result<(), ReadRefusal> {
        self.check_reader(headers)?;
        if project_id != self.project_id {
            return Err(ReadRefusal::UnknownProject);
        }
        Ok(())
    }

    /// Refuses a request without a valid token (401) or whose token lacks `roomList` (403),
    /// whatever the project.
    pub(super) fn check_reader(&self, headers: &HeaderMap) -> Result<(), ReadRefusal> {
        let authorization = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let claims = self
            .keys
            .verify_token(authorization)
            .map_err(|error| ReadRefusal::Unauthenticated(error.to_string()))?;
        if !claims.video.room_list {
            return Err(ReadRefusal::Forbidden);
        }
        Ok(())
    }
}
