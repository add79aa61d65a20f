//! The shared buffer of `openvidu.analytics.buffer.nats` (crate `buffer-nats`, cargo
//! feature `nats`): started after the pipeline, stopped before it. Without the feature a
//! config that asks for it is an error naming the feature.

use std::{sync::Arc, time::Duration};

use analytics_core::{LivekitConfig, Pipeline};

use crate::error::{Error, Result};

/// The running shared buffer (or nothing, without `buffer.nats`).
pub struct SharedBuffer {
    #[cfg(feature = "nats")]
    nats: Option<buffer_nats::NatsBuffer>,
}

impl SharedBuffer {
    /// Starts the NATS buffer when `buffer.nats` is set: the stream and every sink's
    /// consumer exist once this returns, ingest publishes when the role ingests and the
    /// writers run when it writes.
    pub async fn start(config: &LivekitConfig, pipeline: &Arc<Pipeline>) -> Result<SharedBuffer> {
        let analytics = &config.openvidu.analytics;
        let Some(nats) = &analytics.buffer.nats else {
            return Ok(SharedBuffer {
                #[cfg(feature = "nats")]
                nats: None,
            });
        };
        #[cfg(feature = "nats")]
        {
            let buffer = buffer_nats::NatsBuffer::start(nats, analytics, pipeline)
                .await
                .map_err(|error| Error::SharedBuffer(error.to_string()))?;
            Ok(SharedBuffer { nats: Some(buffer) })
        }
        #[cfg(not(feature = "nats"))]
        {
            let _ = (nats, pipeline);
            Err(Error::SharedBuffer(
                "openvidu.analytics.buffer.nats is set but this build has no NATS support: build with cargo feature `nats`".into(),
            ))
        }
    }

    /// Stops the writers within `timeout` (what they hold unacknowledged is redelivered).
    pub async fn shutdown(self, timeout: Duration) {
        #[cfg(feature = "nats")]
        if let Some(nats) = self.nats {
            nats.shutdown(timeout).await;
        }
        #[cfg(not(feature = "nats"))]
        let _ = timeout;
    }
}
