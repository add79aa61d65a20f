//! `GET /client/livekit-analytics.js`: the browser collector (`clients/js`, built and
//! committed as one ES module), embedded in the binary so that a page without a bundler can
//! `import { collectStats } from "https://<service>/client/livekit-analytics.js"` and the
//! service never needs Node.js. Cacheable, revalidated by an `ETag` of its content, and
//! readable from any origin (a cross-origin module script is fetched in CORS mode).

use std::sync::LazyLock;

use axum::{
    http::{
        header::{
            ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
            X_CONTENT_TYPE_OPTIONS,
        },
        HeaderMap, StatusCode,
    },
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

/// The module, as built by `clients/js`.
pub const SCRIPT: &str = include_str!("../../../clients/js/dist/livekit-analytics.js");

/// A strong validator of [`SCRIPT`]: the start of its SHA-256, quoted.
static SCRIPT_ETAG: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    let hex: String = digest[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("\"{hex}\"")
});

/// `GET /client/livekit-analytics.js`: the module, or 304 when the browser's copy is it.
pub async fn serve(headers: HeaderMap) -> Response {
    let etag = SCRIPT_ETAG.as_str();
    let common = [
        (CACHE_CONTROL, "public, max-age=3600"),
        (ETAG, etag),
        (ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    let unchanged = headers
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}
