//! [`IngestScope`]: which grant an access token needs for what it writes, in LiveKit's own
//! terms. Server analytics and node room states (which steer the fixer) need a server
//! credential: `video.roomAdmin` for every room, as LiveKit's server-side API clients carry.
//! A participant's token (`roomJoin`), a webhook's signature (`sha256` claim) and an admin
//! token restricted to one room are refused. See docs/security.md.

use std::fmt;

use livekit_api::access_token::Claims;

/// What an ingest path writes, and so what its token must grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestScope {
    /// Events and stats of the whole deployment (gRPC `AnalyticsRecorderService`,
    /// `/v1/events`, `/v1/stats`) and node room states, which decide what the fixer closes.
    ServerAnalytics,
}

impl IngestScope {
    /// The grant this scope needs, in words.
    pub fn required_grant(self) -> &'static str {
        match self {
            IngestScope::ServerAnalytics => {
                "an access token with the grant video.roomAdmin and no video.room restriction"
            }
        }
    }

    /// Whether `claims` (of a verified token) may write this scope.
    pub fn check(self, claims: &Claims) -> Result<(), GrantError> {
        let refused = |token| Err(GrantError { scope: self, token });
        match self {
            IngestScope::ServerAnalytics => {
                if !claims.sha256.is_empty() {
                    refused(TokenKind::WebhookSignature)
                } else if !claims.video.room_admin {
                    if claims.video.room_join {
                        refused(TokenKind::Participant)
                    } else {
                        refused(TokenKind::WithoutRoomAdmin)
                    }
                } else if !claims.video.room.is_empty() {
                    refused(TokenKind::RoomRestricted(claims.video.room.clone()))
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl fmt::Display for IngestScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IngestScope::ServerAnalytics => "server analytics",
        })
    }
}

/// What kind of token was refused, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// It carries a `sha256` claim: it signs one webhook body.
    WebhookSignature,
    /// `roomJoin` without `roomAdmin`: a participant's token.
    Participant,
    /// `roomAdmin` limited to one room.
    RoomRestricted(String),
    /// Neither `roomAdmin` nor `roomJoin`.
    WithoutRoomAdmin,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::WebhookSignature => {
                f.write_str("this token is a webhook signature (it has a sha256 claim)")
            }
            TokenKind::Participant => {
                f.write_str("this token is a participant's (roomJoin without roomAdmin)")
            }
            TokenKind::RoomRestricted(room) => write!(
                f,
                "this token's roomAdmin grant is restricted to room {room:?}"
            ),
            TokenKind::WithoutRoomAdmin => f.write_str("this token has no roomAdmin grant"),
        }
    }
}

/// A verified token whose grants do not allow the write (HTTP 403, gRPC
/// PERMISSION_DENIED, reason `missing_grant`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{token}: {scope} need {}", scope.required_grant())]
pub struct GrantError {
    pub scope: IngestScope,
    pub token: TokenKind,
}

#[cfg(test)]
mod tests {
    use livekit_api::access_token::{AccessToken, TokenVerifier, VideoGrants};

    use super::*;

    const KEY: &str = "key";
    const SECRET: &str = "secret-that-is-long-enough-for-hs256";

    /// The claims of a token signed and verified for real.
    fn claims(grants: VideoGrants, sha256: Option<&str>) -> Claims {
        let mut token = AccessToken::with_api_key(KEY, SECRET)
            .with_identity("who")
            .with_grants(grants);
        if let Some(hash) = sha256 {
            token = token.with_sha256(hash);
        }
        let jwt = token.to_jwt().expect("signed");
        TokenVerifier::with_api_key(KEY, SECRET)
            .verify(&jwt)
            .expect("verified")
    }

    fn admin() -> VideoGrants {
        VideoGrants {
            room_admin: true,
            ..Default::default()
        }
    }

    fn refusal(claims: &Claims) -> TokenKind {
        IngestScope::ServerAnalytics
            .check(claims)
            .expect_err("refused")
            .token
    }

    #[test]
    fn an_admin_token_for_every_room_may_write_server_analytics() {
        assert_eq!(
            IngestScope::ServerAnalytics.check(&claims(admin(), None)),
            Ok(())
        );
    }

    #[test]
    fn a_participant_token_is_refused() {
        let grants = VideoGrants {
            room_join: true,
            room: "RM_1".into(),
            ..Default::default()
        };
        assert_eq!(refusal(&claims(grants, None)), TokenKind::Participant);
    }

    #[test]
    fn a_webhook_signature_is_refused_even_with_room_admin() {
        assert_eq!(
            refusal(&claims(VideoGrants::default(), Some("aGFzaA=="))),
            TokenKind::WebhookSignature
        );
        assert_eq!(
            refusal(&claims(admin(), Some("aGFzaA=="))),
            TokenKind::WebhookSignature
        );
    }

    #[test]
    fn a_room_restricted_admin_token_is_refused() {
        let grants = VideoGrants {
            room: "RM_1".into(),
            ..admin()
        };
        assert_eq!(
            refusal(&claims(grants, None)),
            TokenKind::RoomRestricted("RM_1".into())
        );
    }

    #[test]
    fn a_token_without_grants_is_refused() {
        let grants = VideoGrants {
            room_list: true,
            room_create: true,
            ..Default::default()
        };
        assert_eq!(refusal(&claims(grants, None)), TokenKind::WithoutRoomAdmin);
    }

    #[test]
    fn the_refusal_names_the_grant_needed() {
        let error = IngestScope::ServerAnalytics
            .check(&claims(VideoGrants::default(), None))
            .expect_err("refused");
        let message = error.to_string();
        assert!(message.contains("video.roomAdmin"), "{message}");
        assert!(message.contains("no video.room restriction"), "{message}");
    }
}
