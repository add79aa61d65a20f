//! gRPC `livekit.AnalyticsRecorderService`: LiveKit's analytics stream. Each message is
//! admitted as soon as it is converted (a stream may stay open for days); the stream is
//! authorised when it opens, by the access token in its `authorization` metadata (server
//! analytics: `video.roomAdmin` for every room), and ended with UNAUTHENTICATED when that
//! token expires. A node-states stream speaks for one node, the one its first report names.
//!
//! A stream is read and decoded on its handler's task while its messages are converted and
//! admitted, in order, on a second task: one busy stream keeps two cores at work.

use std::sync::Arc;

use axum::http::StatusCode;

use livekit_protocol::{
    AnalyticsEvent, AnalyticsEvents, AnalyticsNodeRooms, AnalyticsStat, AnalyticsStats,
};
use tokio::{
    sync::mpsc,
    task::JoinError,
    time::{sleep_until, Instant},
};
use tonic::{Request, Response, Status, Streaming};

use crate::{
    auth::{Authorized, IngestScope},
    ingest::{admit, grpc_status::to_status, ApiError, AppState, RefusalReason},
    node_state::NodeRoomStates,
    recorder_service::{
        analytics_recorder_service_server::{
            AnalyticsRecorderService, AnalyticsRecorderServiceServer,
        },
        Empty,
    },
};

const SOURCE: &str = "grpc";

/// Messages read ahead of the one being converted (each at most `max_message_bytes`).
const READ_AHEAD: usize = 2;

/// The service: admits events and stats into the pipeline, keeps node room states.
#[derive(Clone)]
pub struct AnalyticsRecorder {
    state: AppState,
    node_states: Arc<NodeRoomStates>,
}

impl AnalyticsRecorder {
    /// The tonic server, refusing messages over `max_message_bytes` (RESOURCE_EXHAUSTED).
    pub fn server(
        state: AppState,
        node_states: Arc<NodeRoomStates>,
        max_message_bytes: usize,
    ) -> AnalyticsRecorderServiceServer<AnalyticsRecorder> {
        AnalyticsRecorderServiceServer::new(AnalyticsRecorder { state, node_states })
            .max_decoding_message_size(max_message_bytes)
    }

    /// Verifies the bearer token of the `authorization` metadata with the key its `iss` names
    /// and checks that its grants allow server analytics.
    fn authorize<T>(&self, request: &Request<T>) -> Result<StreamToken, Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        self.state
            .keys
            .authorize(authorization, IngestScope::ServerAnalytics)
            .map(StreamToken::new)
            .map_err(|error| self.refuse(ApiError::from_auth(SOURCE, error)))
    }

    /// The refusal of a stream whose token has expired.
    fn expired(&self, token: &StreamToken) -> Status {
        self.refuse(ApiError::from_auth(SOURCE, token.authorized.expired()))
    }

    /// The next message of a stream; an undecodable or oversized one ends the stream.
    async fn next_message<T>(&self, stream: &mut Streaming<T>) -> Result<Option<T>, Status> {
        stream
            .message()
            .await
            .map_err(|status| self.stream_error(status))
    }

    fn stream_error(&self, status: Status) -> Status {
        let metrics = self.state.pipeline.metrics();
        match status.code() {
            // tonic reports an undecodable protobuf message as INTERNAL: it is the client's.
            tonic::Code::Internal => {
                metrics.rejected(SOURCE, RefusalReason::MalformedMessage.as_str());
                Status::invalid_argument(format!("malformed message: {}", status.message()))
            }
            tonic::Code::ResourceExhausted | tonic::Code::OutOfRange => {
                metrics.rejected(SOURCE, RefusalReason::MessageTooLarge.as_str());
                Status::resource_exhausted(status.message().to_owned())
            }
            _ => status,
        }
    }

    fn refuse(&self, error: ApiError) -> Status {
        to_status(&self.state.refuse(error))
    }

    async fn admit(
        &self,
        events: Vec<AnalyticsEvent>,
        stats: Vec<AnalyticsStat>,
    ) -> Result<(), Status> {
        admit(&self.state, SOURCE, events, stats)
            .await
            .map(|_| ())
            .map_err(|error| self.refuse(error))
    }

    /// Reads every message of `stream` and has a second task convert and admit them in
    /// order. Ends with the first refusal or stream error, or when `token` expires; messages
    /// read before a stream error or the expiry are still admitted, none read after.
    async fn consume<T: Send + 'static>(
        &self,
        mut stream: Streaming<T>,
        token: &StreamToken,
        split: fn(T) -> (Vec<AnalyticsEvent>, Vec<AnalyticsStat>),
    ) -> Result<(), Status> {
        let (sender, mut receiver) = mpsc::channel::<T>(READ_AHEAD);
        let recorder = self.clone();
        let mut converter = tokio::spawn(async move {
            while let Some(message) = receiver.recv().await {
                let (events, stats) = split(message);
                recorder.admit(events, stats).await?;
            }
            Ok(())
        });
        let expiry = sleep_until(token.expires_at);
        tokio::pin!(expiry);
        let read_error = loop {
            tokio::select! {
                biased;
                // The converter only stops early on a refusal.
                refused = &mut converter => return converter_result(refused),
                () = &mut expiry => break Some(self.expired(token)),
                message = self.next_message(&mut stream) => match message {
                    Ok(Some(_)) if token.has_expired() => break Some(self.expired(token)),
                    Ok(Some(message)) => {
                        if sender.send(message).await.is_err() {
                            break None;
                        }
                    }
                    Ok(None) => break None,
                    Err(status) => break Some(status),
                },
            }
        };
        drop(sender);
        let converted = converter_result(converter.await);
        match read_error {
            Some(status) => Err(status),
            None => converted,
        }
    }

    /// Keeps each report of a node-states stream until the stream ends or `token` expires.
    /// The first report names the stream's node; a report naming another node is refused
    /// (PERMISSION_DENIED) so that no stream replaces another node's view.
    async fn keep_node_states(
        &self,
        mut stream: Streaming<AnalyticsNodeRooms>,
        token: &StreamToken,
    ) -> Result<(), Status> {
        let expiry = sleep_until(token.expires_at);
        tokio::pin!(expiry);
        let mut stream_node: Option<String> = None;
        loop {
            let message = tokio::select! {
                biased;
                () = &mut expiry => return Err(self.expired(token)),
                message = self.next_message(&mut stream) => message?,
            };
            let Some(report) = message else {
                return Ok(());
            };
            if token.has_expired() {
                return Err(self.expired(token));
            }
            check_node(&report, &mut stream_node).map_err(|error| self.refuse(error))?;
            self.node_states.update(&report).map_err(|error| {
                self.refuse(ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    source: SOURCE,
                    reason: RefusalReason::NodeStatesFull,
                    message: error.to_string(),
                })
            })?;
        }
    }
}

/// The token a stream was opened with, and when it expires.
struct StreamToken {
    authorized: Authorized,
    expires_at: Instant,
}

impl StreamToken {
    fn new(authorized: Authorized) -> StreamToken {
        StreamToken {
            expires_at: Instant::now() + authorized.remaining(),
            authorized,
        }
    }

    fn has_expired(&self) -> bool {
        Instant::now() >= self.expires_at
    }
}

/// Refuses a report without a node id, or naming another node than the stream's first one.
fn check_node(
    report: &AnalyticsNodeRooms,
    stream_node: &mut Option<String>,
) -> Result<(), ApiError> {
    if report.node_id.is_empty() {
        return Err(ApiError::bad_request(
            SOURCE,
            RefusalReason::MissingNodeId,
            "a node room states report needs its node_id",
        ));
    }
    match stream_node {
        None => {
            *stream_node = Some(report.node_id.clone());
            Ok(())
        }
        Some(node) if *node == report.node_id => Ok(()),
        Some(node) => Err(ApiError {
            status: StatusCode::FORBIDDEN,
            source: SOURCE,
            reason: RefusalReason::ForeignNode,
            message: format!(
                "this stream reports for node {node:?}; node {:?} needs a stream of its own",
                report.node_id
            ),
        }),
    }
}

fn converter_result(joined: Result<Result<(), Status>, JoinError>) -> Result<(), Status> {
    joined.unwrap_or_else(|error| {
        tracing::error!(error = %error, "gRPC ingest: the converting task failed");
        Err(Status::internal("the message could not be converted"))
    })
}

#[tonic::async_trait]
impl AnalyticsRecorderService for AnalyticsRecorder {
    async fn ingest_stats(
        &self,
        request: Request<Streaming<AnalyticsStats>>,
    ) -> Result<Response<Empty>, Status> {
        let token = self.authorize(&request)?;
        self.consume(request.into_inner(), &token, |message: AnalyticsStats| {
            (Vec::new(), message.stats)
        })
        .await?;
        Ok(Response::new(()))
    }

    async fn ingest_events(
        &self,
        request: Request<Streaming<AnalyticsEvents>>,
    ) -> Result<Response<Empty>, Status> {
        let token = self.authorize(&request)?;
        self.consume(request.into_inner(), &token, |message: AnalyticsEvents| {
            (message.events, Vec::new())
        })
        .await?;
        Ok(Response::new(()))
    }

    async fn ingest_node_room_states(
        &self,
        request: Request<Streaming<AnalyticsNodeRooms>>,
    ) -> Result<Response<Empty>, Status> {
        let token = self.authorize(&request)?;
        self.keep_node_states(request.into_inner(), &token).await?;
        Ok(Response::new(()))
    }
}
