//! Authentication of LiveKit's requests with the API keys of the `keys:` section: webhook
//! signatures (JWT + body SHA-256, checked by `livekit-api`) and bearer access tokens. The
//! token's unverified `iss` picks the key; its signature is then verified with that key.
//! A verified bearer token is then authorised by its grants for what it writes
//! ([`IngestScope`], in `grants.rs`).

mod grants;

use std::{
    collections::HashMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

pub use grants::{GrantError, IngestScope, TokenKind};

use livekit_api::{
    access_token::{Claims, TokenVerifier},
    webhooks::{WebhookError, WebhookReceiver},
};
use livekit_protocol::WebhookEvent;

/// Why a request was not authenticated (HTTP 401 / gRPC UNAUTHENTICATED) or not readable.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing Authorization header")]
    Missing,
    #[error("the token is not a valid JWT")]
    Malformed,
    #[error("unknown API key {0:?}")]
    UnknownKey(String),
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("the body does not match the token's sha256 claim")]
    BodyHashMismatch,
    /// The signature is right but the body is not a webhook event (HTTP 400).
    #[error("malformed webhook body: {0}")]
    MalformedBody(String),
    /// The token is valid but its grants do not allow this write (HTTP 403 / gRPC
    /// PERMISSION_DENIED).
    #[error(transparent)]
    MissingGrant(#[from] GrantError),
    /// The token of a long-lived stream expired while the stream was open.
    #[error("the stream's access token expired (exp {exp}); open a new stream with a fresh token")]
    ExpiredDuringStream { exp: u64 },
}

impl AuthError {
    /// Whether the request itself is malformed rather than unauthenticated.
    pub fn is_bad_request(&self) -> bool {
        matches!(self, AuthError::MalformedBody(_))
    }

    /// Whether the token is authentic but not allowed to do this (403, not 401).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, AuthError::MissingGrant(_))
    }
}

/// A bearer token verified and authorised for an [`IngestScope`].
#[derive(Debug, Clone)]
pub struct Authorized {
    /// The token's `exp`, in seconds since the Unix epoch.
    pub exp: u64,
}

impl Authorized {
    /// How long the token stays valid from now (zero once expired): a stream opened with
    /// it is ended then.
    pub fn remaining(&self) -> Duration {
        (UNIX_EPOCH + Duration::from_secs(self.exp))
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    }

    /// The refusal of a stream's message once the token has expired.
    pub fn expired(&self) -> AuthError {
        AuthError::ExpiredDuringStream { exp: self.exp }
    }
}

/// The API keys LiveKit signs with.
#[derive(Clone)]
pub struct ApiKeys {
    verifiers: HashMap<String, TokenVerifier>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<_> = self.verifiers.keys().collect();
        keys.sort();
        f.debug_struct("ApiKeys").field("keys", &keys).finish()
    }
}

impl ApiKeys {
    pub fn new<'a>(keys: impl IntoIterator<Item = (&'a String, &'a String)>) -> ApiKeys {
        ApiKeys {
            verifiers: keys
                .into_iter()
                .map(|(key, secret)| (key.clone(), TokenVerifier::with_api_key(key, secret)))
                .collect(),
        }
    }

    /// Verifies an access token (a `Bearer ` prefix is accepted) and returns its claims.
    pub fn verify_token(&self, token: &str) -> Result<Claims, AuthError> {
        let token = strip_bearer(token);
        self.verifier_for(token)?
            .verify(token)
            .map_err(|error| AuthError::Invalid(describe_token_error(&error)))
    }

    /// Verifies a bearer token and checks that its grants allow writing `scope`.
    pub fn authorize(&self, token: &str, scope: IngestScope) -> Result<Authorized, AuthError> {
        let claims = self.verify_token(token)?;
        scope.check(&claims)?;
        Ok(Authorized {
            exp: claims.exp as u64,
        })
    }

    /// Verifies a webhook's signature and body hash, and decodes it.
    pub fn receive_webhook(
        &self,
        body: &str,
        authorization: &str,
    ) -> Result<WebhookEvent, AuthError> {
        let token = strip_bearer(authorization);
        let receiver = WebhookReceiver::new(self.verifier_for(token)?.clone());
        receiver.receive(body, token).map_err(|error| match error {
            WebhookError::InvalidSignature | WebhookError::InvalidBase64(_) => {
                AuthError::BodyHashMismatch
            }
            WebhookError::InvalidAuth(error) => AuthError::Invalid(describe_token_error(&error)),
            WebhookError::InvalidData(error) => AuthError::MalformedBody(error.to_string()),
        })
    }

    fn verifier_for(&self, token: &str) -> Result<&TokenVerifier, AuthError> {
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let claims = Claims::from_unverified(token).map_err(|_| AuthError::Malformed)?;
        self.verifiers
            .get(&claims.iss)
            .ok_or(AuthError::UnknownKey(claims.iss))
    }
}

/// What was wrong with a token, in words (livekit-api's own text says "failed to encode
/// jwt" for every verification failure).
fn describe_token_error(error: &livekit_api::access_token::AccessTokenError) -> String {
    let cause = std::error::Error::source(error).map(|cause| cause.to_string());
    match cause.as_deref() {
        Some("InvalidSignature") => "the signature does not match the key's secret".to_owned(),
        Some("ExpiredSignature") => "the token has expired".to_owned(),
        Some("ImmatureSignature") => "the token is not valid yet (nbf in the future)".to_owned(),
        Some("InvalidAlgorithm") => "the token is not signed with HS256".to_owned(),
        Some("InvalidIssuer") => "the token's issuer is not its key".to_owned(),
        Some(other) => format!("the token is invalid ({other})"),
        None => error.to_string(),
    }
}

/// LiveKit sends webhooks with a raw JWT; API clients send `Bearer <jwt>`. Accept both.
fn strip_bearer(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
        .trim()
}
