//! Which view of LiveKit the fixer trusts: its Twirp API when `livekit_url` is set, else
//! what LiveKit nodes report over the gRPC `IngestNodeRoomStates` stream (until a node
//! reports, LiveKit's state is unknown and nothing is closed).

use std::sync::Arc;

use analytics_core::{config::mask_url, LivekitConfig, LivekitHelper};

use super::TwirpLivekit;
use crate::node_state::NodeRoomStates;

/// The fixer's view of LiveKit, and a description of it for the log. The API is signed
/// with the first key of `keys` (in key order).
pub fn livekit_source(
    config: &LivekitConfig,
    node_states: Arc<NodeRoomStates>,
) -> (Arc<dyn LivekitHelper>, String) {
    let url = config.openvidu.analytics.livekit_url.as_deref();
    match (url, config.keys.iter().next()) {
        (Some(url), Some((key, secret))) if !url.is_empty() => (
            Arc::new(TwirpLivekit::new(url, key, secret)),
            format!("LiveKit API at {} (key {key})", mask_url(url)),
        ),
        _ => (
            node_states,
            "node room states reported over gRPC (openvidu.analytics.livekit_url is not set)"
                .to_owned(),
        ),
    }
}
