//! Test helpers for the analytics stream: a gRPC client of `livekit.AnalyticsRecorderService`
//! talking to the running binary, raw protobuf frames, the JSON API, a fixed simulated
//! session, and per-type counts read back from SQLite (`support::stream`).

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime},
};

use analytics_bin::{
    recorder_service::analytics_recorder_service_client::AnalyticsRecorderServiceClient,
    simulate::scenario::{Payload, ScenarioSettings, Session},
};
use analytics_core::record_id::event_type_name;
use bytes::{Buf, BufMut};
use livekit_protocol::{AnalyticsEvent, AnalyticsEvents, AnalyticsStat, AnalyticsStats};
use prost::Message;
use sqlx::SqliteConnection;
use tonic::{
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::http::uri::PathAndQuery,
    metadata::MetadataValue,
    transport::Channel,
    Request, Status,
};

/// The session the stream tests send: 2 rooms of 3 participants for 3 minutes, at a fixed
/// simulated start so that ids are stable.
pub fn test_session() -> Session {
    Session::generate(&ScenarioSettings {
        rooms: 2,
        participants: 3,
        duration: Duration::from_secs(180),
        start: SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000),
        node_id: "ND_test".into(),
        seed: 3,
    })
}

/// The session's steps as stream messages.
pub fn messages(session: &Session) -> (Vec<AnalyticsEvents>, Vec<AnalyticsStats>) {
    let mut events = Vec::new();
    let mut stats = Vec::new();
    for step in &session.steps {
        match &step.payload {
            Payload::Events(batch) => events.push(AnalyticsEvents {
                events: batch.clone(),
            }),
            Payload::Stats(batch) => stats.push(AnalyticsStats {
                stats: batch.clone(),
            }),
        }
    }
    (events, stats)
}

/// Events per type name.
pub fn expected_event_counts<'a>(
    events: impl Iterator<Item = &'a AnalyticsEvent>,
) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for event in events {
        *counts.entry(event_type_name(event.r#type)).or_default() += 1;
    }
    counts
}

/// Rows of `sql` (`SELECT name, COUNT(*) ... GROUP BY name`).
pub async fn counts_by(db: &mut SqliteConnection, sql: &str) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(db)
        .await
        .expect("counts read")
        .into_iter()
        .collect()
}

/// A gRPC client of the service on `port` (h2c, as LiveKit connects).
pub async fn recorder_client(port: u16) -> AnalyticsRecorderServiceClient<Channel> {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("valid url")
        .connect()
        .await
        .expect("gRPC connects");
    AnalyticsRecorderServiceClient::new(channel)
}

/// A client-streaming request of `messages` with the given `authorization` metadata.
pub fn stream_request<T: Send + 'static>(
    messages: Vec<T>,
    authorization: Option<&str>,
) -> Request<tokio_stream::Iter<std::vec::IntoIter<T>>> {
    let mut request = Request::new(tokio_stream::iter(messages));
    if let Some(authorization) = authorization {
        let value: MetadataValue<_> = authorization.parse().expect("header value");
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// Streams events over IngestEvents; the service's answer.
pub async fn stream_events(
    port: u16,
    messages: Vec<AnalyticsEvents>,
    authorization: Option<&str>,
) -> Result<(), Status> {
    let mut client = recorder_client(port).await;
    client
        .ingest_events(stream_request(messages, authorization))
        .await
        .map(|_| ())
}

/// Streams stats over IngestStats; the service's answer.
pub async fn stream_stats(
    port: u16,
    messages: Vec<AnalyticsStats>,
    authorization: Option<&str>,
) -> Result<(), Status> {
    let mut client = recorder_client(port).await;
    client
        .ingest_stats(stream_request(messages, authorization))
        .await
        .map(|_| ())
}

/// Streams raw protobuf frames (each one gRPC message) to IngestEvents.
pub async fn stream_raw_event_frames(
    port: u16,
    frames: Vec<Vec<u8>>,
    authorization: &str,
) -> Result<(), Status> {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("valid url")
        .connect()
        .await
        .expect("gRPC connects");
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|error| Status::unavailable(error.to_string()))?;
    let path = PathAndQuery::from_static("/livekit.AnalyticsRecorderService/IngestEvents");
    grpc.client_streaming(stream_request(frames, Some(authorization)), path, RawCodec)
        .await
        .map(|_| ())
}

/// Encodes a message as a frame.
pub fn frame(events: Vec<AnalyticsEvent>) -> Vec<u8> {
    AnalyticsEvents { events }.encode_to_vec()
}

/// Posts `body` to a JSON API path with an `Authorization` value (or none).
pub async fn post_json(
    base_url: &str,
    path: &str,
    body: Vec<u8>,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    request.send().await.expect("request sent")
}

/// `{"events":[...]}` in protojson.
pub fn events_json(events: &[AnalyticsEvent]) -> Vec<u8> {
    serde_json::to_vec(&AnalyticsEvents {
        events: events.to_vec(),
    })
    .expect("protojson")
}

/// `{"stats":[...]}` in protojson.
pub fn stats_json(stats: &[AnalyticsStat]) -> Vec<u8> {
    serde_json::to_vec(&AnalyticsStats {
        stats: stats.to_vec(),
    })
    .expect("protojson")
}

/// Sends bytes as they are and ignores the (empty) answer message.
#[derive(Debug, Clone, Copy)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ();
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = ();
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
        let remaining = src.remaining();
        src.advance(remaining);
        Ok(Some(()))
    }
}
