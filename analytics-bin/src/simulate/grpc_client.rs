//! The gRPC transport: one long-lived IngestEvents stream and one IngestStats stream, as a
//! LiveKit server's analytics client keeps them, authenticated by a bearer token.

use livekit_protocol::{AnalyticsEvents, AnalyticsStats};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{metadata::MetadataValue, transport::Channel, Request, Status};

use super::{
    delivery::{Delivered, SendError},
    scenario::Payload,
    token,
};
use crate::recorder_service::analytics_recorder_service_client::AnalyticsRecorderServiceClient;

/// Messages waiting to be written to a stream.
const STREAM_BUFFER: usize = 64;

type StreamTask = JoinHandle<Result<(), Status>>;

pub struct GrpcClient {
    events: mpsc::Sender<AnalyticsEvents>,
    stats: mpsc::Sender<AnalyticsStats>,
    events_task: StreamTask,
    stats_task: StreamTask,
}

impl GrpcClient {
    /// Connects and opens both streams.
    pub async fn connect(url: &str, api_key: &str, api_secret: &str) -> Result<GrpcClient, String> {
        let channel = Channel::from_shared(url.to_owned())
            .map_err(|error| format!("invalid --url {url}: {error}"))?
            .connect()
            .await
            .map_err(|error| format!("cannot connect to {url}: {error}"))?;
        let client = AnalyticsRecorderServiceClient::new(channel);
        let authorization: MetadataValue<_> = token::bearer(api_key, api_secret)?
            .parse()
            .map_err(|_| "the token is not a valid header value".to_owned())?;
        let (events, events_rx) = mpsc::channel(STREAM_BUFFER);
        let (stats, stats_rx) = mpsc::channel(STREAM_BUFFER);
        let mut events_request = Request::new(ReceiverStream::new(events_rx));
        events_request
            .metadata_mut()
            .insert("authorization", authorization.clone());
        let mut stats_request = Request::new(ReceiverStream::new(stats_rx));
        stats_request
            .metadata_mut()
            .insert("authorization", authorization);
        let mut events_client = client.clone();
        let events_task = tokio::spawn(async move {
            events_client
                .ingest_events(events_request)
                .await
                .map(|_| ())
        });
        let mut stats_client = client;
        let stats_task =
            tokio::spawn(async move { stats_client.ingest_stats(stats_request).await.map(|_| ()) });
        Ok(GrpcClient {
            events,
            stats,
            events_task,
            stats_task,
        })
    }

    /// Writes the payload to its stream as one message.
    pub async fn send(&mut self, payload: &Payload) -> Result<Delivered, SendError> {
        let written = match payload {
            Payload::Events(events) => self
                .events
                .send(AnalyticsEvents {
                    events: events.clone(),
                })
                .await
                .is_ok(),
            Payload::Stats(stats) => self
                .stats
                .send(AnalyticsStats {
                    stats: stats.clone(),
                })
                .await
                .is_ok(),
        };
        if written {
            Ok(Delivered::of(payload))
        } else {
            Err(SendError {
                message: "the service closed the stream".into(),
                lost: payload.len(),
                fatal: true,
            })
        }
    }

    /// Closes both streams and returns the service's verdict on them.
    pub async fn finish(self) -> Result<(), SendError> {
        drop(self.events);
        drop(self.stats);
        let mut failures = Vec::new();
        for (name, task) in [
            ("IngestEvents", self.events_task),
            ("IngestStats", self.stats_task),
        ] {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(status)) => {
                    failures.push(format!("{name}: {:?}: {}", status.code(), status.message()))
                }
                Err(error) => failures.push(format!("{name}: {error}")),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SendError {
                message: failures.join("; "),
                lost: 0,
                fatal: true,
            })
        }
    }
}
