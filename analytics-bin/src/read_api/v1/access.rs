//! [`Reader`]: who may read `/v1/`: a request with `Authorization: Bearer <token>` is
//! judged by its token alone (signed with a key of `keys:`, `roomList` grant, as the
//! Cloud-compatible API); one without is let in by an open dashboard session cookie.

use axum::{extract::FromRequestParts, http::header::AUTHORIZATION, http::request::Parts};

use super::{V1Refusal, V1State};
use crate::dashboard::SignedIn;

/// A request allowed to read.
#[derive(Debug, Clone, Copy)]
pub struct Reader;

impl FromRequestParts<V1State> for Reader {
    type Rejection = V1Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &V1State) -> Result<Reader, V1Refusal> {
        if parts.headers.contains_key(AUTHORIZATION) {
            state.api.check_reader(&parts.headers)?;
            return Ok(Reader);
        }
        SignedIn::from_request_parts(parts, state)
            .await
            .map(|_| Reader)
            .map_err(|_| {
                V1Refusal::Unauthenticated(
                    "no Authorization header and no dashboard session cookie".to_owned(),
                )
            })
    }
}
