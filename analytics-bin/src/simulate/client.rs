//! The transports `simulate` sends with, behind one interface.

use super::{
    delivery::{Delivered, SendError},
    grpc_client::GrpcClient,
    json_client::JsonClient,
    options::Source,
    scenario::Payload,
    webhook_client::WebhookClient,
};

/// One of the three transports.
pub enum Client {
    Grpc(GrpcClient),
    Webhook(WebhookClient),
    Json(JsonClient),
}

impl Client {
    /// Connects (gRPC) or prepares (HTTP) the transport `source` names.
    pub async fn connect(
        source: Source,
        url: &str,
        api_key: &str,
        api_secret: &str,
    ) -> Result<Client, String> {
        Ok(match source {
            Source::Grpc => Client::Grpc(GrpcClient::connect(url, api_key, api_secret).await?),
            Source::Webhook => Client::Webhook(WebhookClient::new(url, api_key, api_secret)),
            Source::Json => Client::Json(JsonClient::new(url, api_key, api_secret)?),
        })
    }

    /// The records of `payload` this transport carries (webhooks carry lifecycle events only).
    pub fn deliverable(&self, payload: &Payload) -> usize {
        match self {
            Client::Webhook(_) => WebhookClient::deliverable(payload),
            Client::Grpc(_) | Client::Json(_) => payload.len(),
        }
    }

    pub async fn send(&mut self, payload: &Payload) -> Result<Delivered, SendError> {
        match self {
            Client::Grpc(client) => client.send(payload).await,
            Client::Webhook(client) => client.send(payload).await,
            Client::Json(client) => client.send(payload).await,
        }
    }

    /// Sends what is buffered (called before waiting for the next step, and at the end).
    pub async fn flush(&mut self) -> Result<Delivered, SendError> {
        match self {
            Client::Json(client) => client.flush().await,
            Client::Grpc(_) | Client::Webhook(_) => Ok(Delivered::default()),
        }
    }

    /// Ends the streams and waits for the service's answer.
    pub async fn finish(self) -> Result<(), SendError> {
        match self {
            Client::Grpc(client) => client.finish().await,
            Client::Webhook(_) | Client::Json(_) => Ok(()),
        }
    }
}
