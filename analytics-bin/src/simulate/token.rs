//! The access tokens `simulate` authenticates with, signed with the API key and secret.

use std::time::Duration;

use base64::Engine;
use livekit_api::access_token::{AccessToken, VideoGrants};
use sha2::{Digest, Sha256};

/// Identity the simulator's tokens carry.
const IDENTITY: &str = "livekit-analytics-simulate";

/// A bearer token for the gRPC stream and the JSON API, valid for a day: a server
/// credential (`roomAdmin` for every room), as server analytics need.
pub fn bearer(api_key: &str, api_secret: &str) -> Result<String, String> {
    AccessToken::with_api_key(api_key, api_secret)
        .with_identity(IDENTITY)
        .with_grants(VideoGrants {
            room_admin: true,
            ..Default::default()
        })
        .with_ttl(Duration::from_secs(24 * 3600))
        .to_jwt()
        .map(|token| format!("Bearer {token}"))
        .map_err(|error| format!("cannot sign a token: {error}"))
}

/// A webhook signature as LiveKit makes it: a raw JWT carrying the body's SHA-256.
pub fn webhook_signature(api_key: &str, api_secret: &str, body: &str) -> Result<String, String> {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
    AccessToken::with_api_key(api_key, api_secret)
        .with_ttl(Duration::from_secs(300))
        .with_sha256(&hash)
        .to_jwt()
        .map_err(|error| format!("cannot sign a webhook: {error}"))
}
