//! [`Participant`]: who posts client stats, known only from its LiveKit access token —
//! verified with the keys of `keys:` like every token (signature, expiry, not-before) —
//! which must be a participant's: the `roomJoin` grant, a room and an identity.

use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};

use super::SOURCE;
use crate::{
    auth::ApiKeys,
    ingest::{ApiError, RefusalReason},
};

/// A participant of one room, as its token says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participant {
    pub room_name: String,
    pub identity: String,
}

impl Participant {
    /// The participant of the request's `Authorization: Bearer <token>`: 401 when the token
    /// is missing, malformed, wrongly signed, expired or not yet valid; 403 when it is valid
    /// but not a participant's token for a room.
    pub fn of_request(keys: &ApiKeys, headers: &HeaderMap) -> Result<Participant, ApiError> {
        let authorization = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let claims = keys
            .verify_token(authorization)
            .map_err(|error| ApiError::from_auth(SOURCE, error))?;
        let refused = |message: &str| {
            ApiError {
            status: StatusCode::FORBIDDEN,
            source: SOURCE,
            reason: RefusalReason::MissingGrant,
            message: format!(
                "{message}: client stats are posted with the access token the participant joined its room with (video.roomJoin, video.room and an identity)"
            ),
        }
        };
        if !claims.video.room_join {
            return Err(refused("this token has no video.roomJoin grant"));
        }
        if claims.video.room.is_empty() {
            return Err(refused("this token names no room (video.room)"));
        }
        if claims.sub.is_empty() {
            return Err(refused("this token has no identity (sub)"));
        }
        Ok(Participant {
            room_name: claims.video.room,
            identity: claims.sub,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use livekit_api::access_token::{AccessToken, VideoGrants};

    use super::*;

    const KEY: &str = "key";
    const SECRET: &str = "secret-that-is-long-enough-for-hs256";

    fn keys() -> ApiKeys {
        ApiKeys::new([(&KEY.to_owned(), &SECRET.to_owned())])
    }

    fn headers(grants: VideoGrants, identity: &str) -> HeaderMap {
        let token = AccessToken::with_api_key(KEY, SECRET)
            .with_identity(identity)
            .with_grants(grants)
            .to_jwt()
            .expect("signed");
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        headers
    }

    fn join(room: &str) -> VideoGrants {
        VideoGrants {
            room_join: true,
            room: room.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_participant_token_gives_its_room_and_identity() {
        let participant =
            Participant::of_request(&keys(), &headers(join("room"), "alice")).expect("accepted");
        assert_eq!(
            participant,
            Participant {
                room_name: "room".into(),
                identity: "alice".into()
            }
        );
    }

    #[test]
    fn a_token_without_room_join_is_forbidden() {
        let admin = VideoGrants {
            room_admin: true,
            room: "room".into(),
            ..Default::default()
        };
        let error =
            Participant::of_request(&keys(), &headers(admin, "alice")).expect_err("refused");
        assert_eq!(error.status, StatusCode::FORBIDDEN, "{}", error.message);
        assert_eq!(error.reason, RefusalReason::MissingGrant);
        assert!(error.message.contains("roomJoin"), "{}", error.message);
    }

    #[test]
    fn no_token_or_a_wrongly_signed_one_is_unauthenticated() {
        let error = Participant::of_request(&keys(), &HeaderMap::new()).expect_err("refused");
        assert_eq!(error.status, StatusCode::UNAUTHORIZED);
        let other = ApiKeys::new([(&KEY.to_owned(), &"another-secret-long-enough".to_owned())]);
        let error =
            Participant::of_request(&other, &headers(join("room"), "alice")).expect_err("refused");
        assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    }
}
