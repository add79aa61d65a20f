//! The LiveKit protocol's descriptor pool, compiled from the vendored `.proto` files by
//! `build.rs`, used to walk messages by reflection.

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, MessageDescriptor};

static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(
        include_bytes!(concat!(env!("OUT_DIR"), "/livekit_descriptors.bin")).as_ref(),
    )
    .expect("the descriptor set compiled by build.rs is valid")
});

/// The descriptor of a message in the `livekit` package, e.g. `"AnalyticsEvent"`.
pub(crate) fn livekit_message(name: &str) -> MessageDescriptor {
    POOL.get_message_by_name(&format!("livekit.{name}"))
        .unwrap_or_else(|| panic!("livekit.{name} is in the vendored protocol"))
}
