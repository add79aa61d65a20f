//! The client side of the pipeline measurement: the prepared messages written as fast as
//! HTTP/2 takes them to one IngestEvents and one IngestStats stream on one connection, as
//! a LiveKit server's analytics client keeps them.

use std::time::Duration;

use analytics_bin::recorder_service::analytics_recorder_service_client::AnalyticsRecorderServiceClient;
use livekit_api::access_token::{AccessToken, VideoGrants};
use livekit_protocol::{AnalyticsEvents, AnalyticsStats};
use tonic::{metadata::MetadataValue, transport::Channel, Request};

use crate::service::{API_KEY, API_SECRET};

/// A connected client with its bearer token.
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
}
