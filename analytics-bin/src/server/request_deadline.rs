//! The deadline of a plain HTTP request: a client that sends its body too slowly (or not at
//! all) gets 408 and its connection back, instead of holding a task forever. gRPC streams
//! are routed outside it: they are long-lived by design.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Middleware (`from_fn_with_state` with the timeout): answers 408 to a request not
/// completed within the timeout.
pub async fn within(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request was not completed within {} s (openvidu.analytics.http.request_timeout)\n",
                timeout.as_secs_f64()
            ),
        )
            .into_response(),
    }
}
