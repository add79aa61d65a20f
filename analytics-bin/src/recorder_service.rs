//! The generated gRPC server and client of `livekit.AnalyticsRecorderService` (see
//! `build.rs`): the server is implemented in [`crate::ingest::grpc`], the client drives
//! `simulate --source grpc`.

/// `google.protobuf.Empty`: encodes to zero bytes, as `()` does with prost.
pub type Empty = ();

#[allow(clippy::all, missing_docs, unused_qualifications)]
mod generated {
    include!(concat!(
        env!("OUT_DIR"),
        "/livekit.AnalyticsRecorderService.rs"
    ));
}

pub use generated::{analytics_recorder_service_client, analytics_recorder_service_server};
