//! The client side of the pipeline measurement: the prepared messages written as fast as
//! HTTP/2 takes them to one IngestEvents and one IngestStats stream on one connection, as
//! a LiveKit server's analytics client keeps them; and, for the latency measurement, one
//! message per stream, whose answer says when the service admitted its records.

use std::time::Duration;

use analytics_bin::recorder_service::analytics_recorder_service_client::AnalyticsRecorderServiceClient;
use livekit_api::access_token::{AccessToken, VideoGrants};
use livekit_protocol::{AnalyticsEvents, AnalyticsStats};
use tonic::{metadata::MetadataValue, transport::Channel, Request};

use crate::service::{API_KEY, API_SECRET};

/// One message of either stream.
#[derive(Debug, Clone)]
pub enum Message {
    Events(AnalyticsEvents),
    Stats(AnalyticsStats),
}

impl Message {
    /// How many records it carries.
    pub fn records(&self) -> usize {
        match self {
            Message::Events(message) => message.events.len(),
            Message::Stats(message) => message.stats.len(),
        }
    }
}

/// A connected client with its bearer token.
#[derive(Clone)]
pub struct Pusher {
    client: AnalyticsRecorderServiceClient<Channel>,
    authorization: MetadataValue<tonic::metadata::Ascii>,
}

impl Pusher {
    pub async fn connect(url: &str) -> Result<Pusher, String> {
        let channel = Channel::from_shared(url.to_owned())
            .map_err(|error| format!("invalid url {url}: {error}"))?
            .connect()
            .await
            .map_err(|error| format!("cannot connect to {url}: {error}"))?;
        let token = AccessToken::with_api_key(API_KEY, API_SECRET)
            .with_identity("analytics-bench")
            // Server analytics need a server credential: roomAdmin for every room.
            .with_grants(VideoGrants {
                room_admin: true,
                ..Default::default()
            })
            .with_ttl(Duration::from_secs(24 * 3600))
            .to_jwt()
            .map_err(|error| format!("cannot sign a token: {error}"))?;
        let authorization = format!("Bearer {token}")
            .parse()
            .map_err(|_| "the token is not a valid header value".to_owned())?;
        Ok(Pusher {
            client: AnalyticsRecorderServiceClient::new(channel)
                .max_encoding_message_size(64 << 20),
            authorization,
        })
    }

    /// Writes every message to its stream, both streams at once, and waits for the
    /// service's answer (which comes once it has admitted the last message).
    pub async fn push(
        &self,
        events: Vec<AnalyticsEvents>,
        stats: Vec<AnalyticsStats>,
    ) -> Result<(), String> {
        let mut events_request = Request::new(futures::stream::iter(events));
        events_request
            .metadata_mut()
            .insert("authorization", self.authorization.clone());
        let mut stats_request = Request::new(futures::stream::iter(stats));
        stats_request
            .metadata_mut()
            .insert("authorization", self.authorization.clone());
        let mut events_client = self.client.clone();
        let mut stats_client = self.client.clone();
        let (events_result, stats_result) = tokio::join!(
            events_client.ingest_events(events_request),
            stats_client.ingest_stats(stats_request)
        );
        events_result.map_err(|status| format!("IngestEvents: {status}"))?;
        stats_result.map_err(|status| format!("IngestStats: {status}"))?;
        Ok(())
    }

    /// Sends `message` as the only message of a new stream (of the connection's HTTP/2
    /// streams) and waits for the answer: the service answers a stream once it has
    /// admitted every message read, so this returns when the records are accepted.
    pub async fn send_one(&self, message: Message) -> Result<(), String> {
        let mut client = self.client.clone();
        match message {
            Message::Events(events) => {
                let mut request = Request::new(futures::stream::iter([events]));
                request
                    .metadata_mut()
                    .insert("authorization", self.authorization.clone());
                client
                    .ingest_events(request)
                    .await
                    .map_err(|status| format!("IngestEvents: {status}"))?;
            }
            Message::Stats(stats) => {
                let mut request = Request::new(futures::stream::iter([stats]));
                request
                    .metadata_mut()
                    .insert("authorization", self.authorization.clone());
                client
                    .ingest_stats(request)
                    .await
                    .map_err(|status| format!("IngestStats: {status}"))?;
            }
        }
        Ok(())
    }
}
