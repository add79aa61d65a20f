//! A LiveKit stand-in for the fixer tests: a local HTTP server speaking LiveKit's Twirp
//! protocol (`POST /twirp/livekit.RoomService/ListRooms`, `.../ListParticipants`,
//! `/twirp/livekit.Egress/ListEgress`, `/twirp/livekit.Ingress/ListIngress`), with protobuf
//! or JSON bodies as the request's `Content-Type` says, requests authorised by an access
//! token signed with the API key and carrying the grant LiveKit requires. What it lists is
//! set by the test.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header::CONTENT_TYPE, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use livekit_api::access_token::TokenVerifier;
use livekit_protocol::{
    EgressInfo, IngressInfo, ListEgressRequest, ListEgressResponse, ListIngressRequest,
    ListIngressResponse, ListParticipantsRequest, ListParticipantsResponse, ListRoomsRequest,
    ListRoomsResponse, ParticipantInfo, Room,
};
use prost::Message;
use serde::{de::DeserializeOwned, Serialize};

/// What the fake LiveKit has right now.
#[derive(Debug, Clone, Default)]
pub struct LivekitState {
    pub rooms: Vec<Room>,
    /// Room name → participants.
    pub participants: HashMap<String, Vec<ParticipantInfo>>,
    pub egresses: Vec<EgressInfo>,
    pub ingresses: Vec<IngressInfo>,
}

#[derive(Default)]
struct Shared {
    state: LivekitState,
    /// Calls answered, by method.
    calls: HashMap<String, u64>,
}

/// The running fake LiveKit.
pub struct FakeLivekit {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeLivekit {
    /// Starts on a free loopback port, accepting tokens signed with `key` / `secret`.
    pub async fn start(key: &str, secret: &str) -> FakeLivekit {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let address: SocketAddr = listener.local_addr().expect("bound address");
        let shared: Arc<Mutex<Shared>> = Arc::default();
        let verifier = Arc::new(TokenVerifier::with_api_key(key, secret));
        let app = Router::new()
            .route("/twirp/{service}/{method}", post(twirp))
            .with_state((shared.clone(), verifier));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeLivekit {
            url: format!("http://{address}"),
            shared,
            task,
        }
    }

    /// From now on LiveKit has `state`.
    pub fn set(&self, state: LivekitState) {
        self.shared.lock().expect("not poisoned").state = state;
    }

    /// How many calls of `method` (e.g. `ListRooms`) were answered.
    pub fn calls(&self, method: &str) -> u64 {
        self.shared
            .lock()
            .expect("not poisoned")
            .calls
            .get(method)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for FakeLivekit {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type AppState = (Arc<Mutex<Shared>>, Arc<TokenVerifier>);

/// A Twirp error: JSON `{code, msg}` with the matching HTTP status.
fn twirp_error(status: StatusCode, code: &str, msg: &str) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        serde_json::json!({ "code": code, "msg": msg }).to_string(),
    )
        .into_response()
}

/// Whether the request body (and so the answer) is JSON rather than protobuf.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn decode<M: Message + Default + DeserializeOwned>(json: bool, body: &[u8]) -> Option<M> {
    if json {
        serde_json::from_slice(body).ok()
    } else {
        M::decode(body).ok()
    }
}

fn encode<M: Message + Serialize>(json: bool, message: &M) -> Response {
    if json {
        (
            [(CONTENT_TYPE, "application/json")],
            serde_json::to_string(message).unwrap_or_default(),
        )
            .into_response()
    } else {
        (
            [(CONTENT_TYPE, "application/protobuf")],
            message.encode_to_vec(),
        )
            .into_response()
    }
}

async fn twirp(
    State((shared, verifier)): State<AppState>,
    Path((service, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Ok(claims) = verifier.verify(token) else {
        return twirp_error(StatusCode::UNAUTHORIZED, "unauthenticated", "invalid token");
    };
    let grants = claims.video;
    let json = is_json(&headers);
    let mut shared = shared.lock().expect("not poisoned");
    let state = shared.state.clone();
    let answer = match (service.as_str(), method.as_str()) {
        ("livekit.RoomService", "ListRooms") if grants.room_list => {
            let Some(request) = decode::<ListRoomsRequest>(json, &body) else {
                return twirp_error(StatusCode::BAD_REQUEST, "malformed", "bad body");
            };
            let rooms = state
                .rooms
                .into_iter()
                .filter(|room| request.names.is_empty() || request.names.contains(&room.name))
                .collect();
            encode(json, &ListRoomsResponse { rooms })
        }
        ("livekit.RoomService", "ListParticipants") if grants.room_admin => {
            let Some(request) = decode::<ListParticipantsRequest>(json, &body) else {
                return twirp_error(StatusCode::BAD_REQUEST, "malformed", "bad body");
            };
            if !state.rooms.iter().any(|room| room.name == request.room) {
                return twirp_error(StatusCode::NOT_FOUND, "not_found", "room not found");
            }
            let participants = state
                .participants
                .get(&request.room)
                .cloned()
                .unwrap_or_default();
            encode(json, &ListParticipantsResponse { participants })
        }
        ("livekit.Egress", "ListEgress") if grants.room_record => {
            let Some(request) = decode::<ListEgressRequest>(json, &body) else {
                return twirp_error(StatusCode::BAD_REQUEST, "malformed", "bad body");
            };
            let items = state
                .egresses
                .into_iter()
                .filter(|egress| !request.active || egress.ended_at == 0)
                .collect();
            encode(
                json,
                &ListEgressResponse {
                    items,
                    next_page_token: None,
                },
            )
        }
        ("livekit.Ingress", "ListIngress") if grants.ingress_admin => {
            if decode::<ListIngressRequest>(json, &body).is_none() {
                return twirp_error(StatusCode::BAD_REQUEST, "malformed", "bad body");
            }
            encode(
                json,
                &ListIngressResponse {
                    items: state.ingresses,
                    next_page_token: None,
                },
            )
        }
        ("livekit.RoomService" | "livekit.Egress" | "livekit.Ingress", _) => {
            return twirp_error(StatusCode::FORBIDDEN, "permission_denied", "missing grant");
        }
        _ => return twirp_error(StatusCode::NOT_FOUND, "bad_route", "no such method"),
    };
    *shared.calls.entry(method).or_default() += 1;
    answer
}
