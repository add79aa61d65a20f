//! The active-entities fixer in the service: where LiveKit's state comes from (its Twirp
//! API, or the node room states of the gRPC stream) and the schedule that runs the shared
//! algorithm of `analytics_core::fixer` on every sink once per fixer period. The lease
//! that keeps instances sharing a database from fixing it at the same time lives in each
//! sink's store, beside the data it protects.

mod livekit_source;
mod schedule;
mod twirp_livekit;

pub use livekit_source::livekit_source;
pub use schedule::{start, FixerTask};
pub use twirp_livekit::TwirpLivekit;
