//! gRPC `livekit.AnalyticsRecorderService`: LiveKit's analytics stream. Each message is
//! admitted as soon as it is converted (a stream may stay open for days); the stream is
//! authorised when it opens, by the access token in its `authorization` metadata (server
//! analytics: `video.roomAdmin` for every room), and ended with UNAUTHENTICATED when that
//! token expires. A node-states stream speaks for one node, the one its first report names.
//!
//! The stats and events streams are read as raw bytes ([`raw`]): each message's records
//! are converted straight from the bytes LiveKit sent. A stream is read on its handler's
//! task, each message converted on a task of its own (so that consecutive messages of one
//! busy stream are converted on both cores), and the records admitted in the messages'
//! order by a third task.

mod raw;

use std::{sync::Arc, time::SystemTime};

use analytics_core::{
    record_wire::{events_records, stats_records},
    Record,
};
use axum::http::StatusCode;
use bytes::Bytes;
use livekit_protocol::{AnalyticsEvents, AnalyticsNodeRooms, AnalyticsStats};
use tokio::{
    sync::mpsc,
    task::{JoinError, JoinHandle},
    time::{sleep_until, Instant},
};
use tonic::{Request, Response, Status, Streaming};

pub use self::raw::RecorderServer;
use crate::{
    auth::{Authorized, IngestScope},
    ingest::{admit_records, grpc_status::to_status, ApiError, AppState, RefusalReason},
    node_state::NodeRoomStates,
    recorder_service::{analytics_recorder_service_server::AnalyticsRecorderService, Empty},
};

const SOURCE: &str = "grpc";

/// Messages read ahead of the one being admitted (each at most `max_message_bytes`), and
/// converted meanwhile.
const READ_AHEAD: usize = 2;

/// Converts one message of a stream into its records.
type Convert<T> = fn(&AppState, T) -> Result<Vec<Record>, ApiError>;

/// The service: admits events and stats into the pipeline, keeps node room states.
#[derive(Clone)]
pub struct AnalyticsRecorder {
    state: AppState,
    node_states: Arc<NodeRoomStates>,
}

impl AnalyticsRecorder {
    /// The gRPC server, refusing messages over `max_message_bytes` (RESOURCE_EXHAUSTED).
    pub fn server(
        state: AppState,
        node_states: Arc<NodeRoomStates>,
        max_message_bytes: usize,
    ) -> RecorderServer {
        RecorderServer::new(AnalyticsRecorder { state, node_states }, max_message_bytes)
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

    /// Reads every message of `stream`, converts each with `convert` on a task of its own
    /// and has another task admit their records in the messages' order. Ends with the first
    /// refusal or stream error, or when `token` expires; messages read before a stream error
    /// or the expiry are still admitted, none read after.
    async fn consume<T: Send + 'static>(
        &self,
        mut stream: Streaming<T>,
        token: &StreamToken,
        convert: Convert<T>,
    ) -> Result<(), Status> {
        let (sender, mut receiver) = mpsc::channel::<JoinHandle<ConvertedMessage>>(READ_AHEAD);
        let recorder = self.clone();
        let mut admitter = tokio::spawn(async move {
            while let Some(converting) = receiver.recv().await {
                let records = converting
                    .await
                    .map_err(conversion_failed)?
                    .map_err(|error| recorder.refuse(error))?;
                admit_records(&recorder.state, SOURCE, records)
                    .await
                    .map_err(|error| recorder.refuse(error))?;
            }
            Ok(())
        });
        let expiry = sleep_until(token.expires_at);
        tokio::pin!(expiry);
        let read_error = loop {
            tokio::select! {
                biased;
                // The admitter only stops early on a refusal.
                refused = &mut admitter => return admitter_result(refused),
                () = &mut expiry => break Some(self.expired(token)),
                message = self.next_message(&mut stream) => match message {
                    Ok(Some(_)) if token.has_expired() => break Some(self.expired(token)),
                    Ok(Some(message)) => {
                        let state = self.state.clone();
                        let converting = tokio::spawn(async move { convert(&state, message) });
                        if sender.send(converting).await.is_err() {
                            break None;
                        }
                    }
                    Ok(None) => break None,
                    Err(status) => break Some(status),
                },
            }
        };
        drop(sender);
        let admitted = admitter_result(admitter.await);
        match read_error {
            Some(status) => Err(status),
            None => admitted,
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

/// A message's records, or why it cannot be admitted.
type ConvertedMessage = Result<Vec<Record>, ApiError>;

fn admitter_result(joined: Result<Result<(), Status>, JoinError>) -> Result<(), Status> {
    joined.unwrap_or_else(|error| Err(conversion_failed(error)))
}

fn conversion_failed(error: JoinError) -> Status {
    tracing::error!(error = %error, "gRPC ingest: a converting task failed");
    Status::internal("the message could not be converted")
}

/// The records of an `AnalyticsStats` message's bytes.
fn stats_of_bytes(state: &AppState, message: Bytes) -> ConvertedMessage {
    let expiration = state.pipeline.expiration();
    stats_records(&message, expiration, SystemTime::now()).map_err(malformed)
}

/// The records of an `AnalyticsEvents` message's bytes.
fn events_of_bytes(state: &AppState, message: Bytes) -> ConvertedMessage {
    let expiration = state.pipeline.expiration();
    events_records(&message, expiration, SystemTime::now()).map_err(malformed)
}

/// Bytes that are no protobuf message of the stream's type: refused as tonic refuses a
/// message it cannot decode.
fn malformed(error: analytics_core::record::RecordError) -> ApiError {
    ApiError::bad_request(
        SOURCE,
        RefusalReason::MalformedMessage,
        format!("malformed message: {error}"),
    )
}

/// The records of a decoded `AnalyticsStats` message.
fn stats_of_message(state: &AppState, message: AnalyticsStats) -> ConvertedMessage {
    let (expiration, now) = (state.pipeline.expiration(), SystemTime::now());
    message
        .stats
        .into_iter()
        .map(|stat| Record::from_stat(stat, expiration, now))
        .collect::<Result<_, _>>()
        .map_err(unconvertible)
}

/// The records of a decoded `AnalyticsEvents` message.
fn events_of_message(state: &AppState, message: AnalyticsEvents) -> ConvertedMessage {
    let (expiration, now) = (state.pipeline.expiration(), SystemTime::now());
    message
        .events
        .into_iter()
        .map(|event| Record::from_event(event, expiration, now))
        .collect::<Result<_, _>>()
        .map_err(unconvertible)
}

fn unconvertible(error: analytics_core::record::RecordError) -> ApiError {
    ApiError::bad_request(SOURCE, RefusalReason::Unconvertible, error.to_string())
}

/// The generated server's methods. [`RecorderServer`] serves the stats and events streams
/// itself, from their raw bytes; these decode them first, to the same records.
#[tonic::async_trait]
impl AnalyticsRecorderService for AnalyticsRecorder {
    async fn ingest_stats(
        &self,
        request: Request<Streaming<AnalyticsStats>>,
    ) -> Result<Response<Empty>, Status> {
        let token = self.authorize(&request)?;
        self.consume(request.into_inner(), &token, stats_of_message)
            .await?;
        Ok(Response::new(()))
    }

    async fn ingest_events(
        &self,
        request: Request<Streaming<AnalyticsEvents>>,
    ) -> Result<Response<Empty>, Status> {
        let token = self.authorize(&request)?;
        self.consume(request.into_inner(), &token, events_of_message)
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
