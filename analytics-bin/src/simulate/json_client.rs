//! The JSON API transport: events and stats buffered and posted in batches to
//! `/v1/events` and `/v1/stats` as protojson, with a bearer token.

use livekit_protocol::{AnalyticsEvent, AnalyticsEvents, AnalyticsStat, AnalyticsStats};

use super::{
    delivery::{Delivered, SendError},
    scenario::Payload,
    token,
};

/// A batch is posted once this many records are buffered.
const BATCH_RECORDS: usize = 500;

pub struct JsonClient {
    http: reqwest::Client,
    base: String,
    authorization: String,
    events: Vec<AnalyticsEvent>,
    stats: Vec<AnalyticsStat>,
}

impl JsonClient {
    pub fn new(url: &str, api_key: &str, api_secret: &str) -> Result<JsonClient, String> {
        Ok(JsonClient {
            http: reqwest::Client::new(),
            base: url.trim_end_matches('/').to_owned(),
            authorization: token::bearer(api_key, api_secret)?,
            events: Vec::new(),
            stats: Vec::new(),
        })
    }

    /// Buffers the payload; posts when a batch is full.
    pub async fn send(&mut self, payload: &Payload) -> Result<Delivered, SendError> {
        match payload {
            Payload::Events(events) => self.events.extend(events.iter().cloned()),
            Payload::Stats(stats) => self.stats.extend(stats.iter().cloned()),
        }
        if self.events.len() + self.stats.len() >= BATCH_RECORDS {
            self.flush().await
        } else {
            Ok(Delivered::default())
        }
    }

    /// Posts whatever is buffered.
    pub async fn flush(&mut self) -> Result<Delivered, SendError> {
        let mut delivered = Delivered::default();
        if !self.events.is_empty() {
            let events = std::mem::take(&mut self.events);
            let event_types: Vec<i32> = events.iter().map(|event| event.r#type).collect();
            let body = serde_json::to_vec(&AnalyticsEvents { events })
                .map_err(|error| encode_error(error, event_types.len()))?;
            self.post("/v1/events", body, event_types.len()).await?;
            delivered.event_types = event_types;
        }
        if !self.stats.is_empty() {
            let stats = std::mem::take(&mut self.stats);
            let count = stats.len();
            let body = serde_json::to_vec(&AnalyticsStats { stats })
                .map_err(|error| encode_error(error, count))?;
            self.post("/v1/stats", body, count).await?;
            delivered.stats += count;
        }
        Ok(delivered)
    }

    async fn post(&self, path: &str, body: Vec<u8>, records: usize) -> Result<(), SendError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Authorization", &self.authorization)
            .body(body)
            .send()
            .await
            .map_err(|error| SendError {
                message: format!("POST {url}: {error}"),
                lost: records,
                fatal: error.is_connect(),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(SendError {
            message: format!("POST {path}: {status}: {text}"),
            lost: records,
            fatal: false,
        })
    }
}

fn encode_error(error: serde_json::Error, lost: usize) -> SendError {
    SendError {
        message: format!("cannot encode a batch: {error}"),
        lost,
        fatal: true,
    }
}
