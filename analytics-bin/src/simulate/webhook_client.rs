//! The webhook transport: each lifecycle event LiveKit sends as a webhook, signed and
//! posted to `/webhook` exactly as LiveKit does.

use super::{
    delivery::{Delivered, SendError},
    scenario::Payload,
    token,
    webhook_mapping::to_webhook,
};

pub struct WebhookClient {
    http: reqwest::Client,
    endpoint: String,
    api_key: String,
    api_secret: String,
}

impl WebhookClient {
    pub fn new(url: &str, api_key: &str, api_secret: &str) -> WebhookClient {
        WebhookClient {
            http: reqwest::Client::new(),
            endpoint: format!("{}/webhook", url.trim_end_matches('/')),
            api_key: api_key.to_owned(),
            api_secret: api_secret.to_owned(),
        }
    }

    /// Events of `payload` that LiveKit sends as webhooks.
    pub fn deliverable(payload: &Payload) -> usize {
        match payload {
            Payload::Events(events) => events.iter().filter_map(to_webhook).count(),
            Payload::Stats(_) => 0,
        }
    }

    /// Posts one webhook per deliverable event.
    pub async fn send(&mut self, payload: &Payload) -> Result<Delivered, SendError> {
        let Payload::Events(events) = payload else {
            return Ok(Delivered::default());
        };
        let mut delivered = Delivered::default();
        for (event, webhook) in events
            .iter()
            .filter_map(|event| Some((event, to_webhook(event)?)))
        {
            let body = serde_json::to_string(&webhook).map_err(|error| fatal(error.to_string()))?;
            let signature =
                token::webhook_signature(&self.api_key, &self.api_secret, &body).map_err(fatal)?;
            let response = self
                .http
                .post(&self.endpoint)
                .header("Content-Type", "application/webhook+json")
                .header("User-Agent", "LiveKit")
                .header("Authorization", signature)
                .body(body)
                .send()
                .await
                .map_err(|error| SendError {
                    message: format!("POST {}: {error}", self.endpoint),
                    lost: 1,
                    fatal: error.is_connect(),
                })?;
            let status = response.status();
            if !status.is_success() {
                let text = response.text().await.unwrap_or_default();
                return Err(SendError {
                    message: format!("webhook {}: {status}: {text}", webhook.event),
                    lost: 1,
                    fatal: false,
                });
            }
            delivered.event_types.push(event.r#type);
        }
        Ok(delivered)
    }
}

fn fatal(message: String) -> SendError {
    SendError {
        message,
        lost: 1,
        fatal: true,
    }
}
