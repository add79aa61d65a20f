//! Generates the gRPC server and client of `livekit.AnalyticsRecorderService` without
//! protoc: `livekit-protocol` has the messages but not the service, so the three
//! client-streaming methods are described here by hand and mapped to its message types.

use tonic_build::manual::{Builder, Method, Service};

fn client_streaming(name: &str, route: &str, input: &str) -> Method {
    Method::builder()
        .name(name)
        .route_name(route)
        .input_type(input)
        .output_type("crate::recorder_service::Empty")
        .codec_path("tonic_prost::ProstCodec")
        .client_streaming()
        .build()
}

fn main() {
    let service = Service::builder()
        .name("AnalyticsRecorderService")
        .package("livekit")
        .method(client_streaming(
            "ingest_stats",
            "IngestStats",
            "livekit_protocol::AnalyticsStats",
        ))
        .method(client_streaming(
            "ingest_events",
            "IngestEvents",
            "livekit_protocol::AnalyticsEvents",
        ))
        .method(client_streaming(
            "ingest_node_room_states",
            "IngestNodeRoomStates",
            "livekit_protocol::AnalyticsNodeRooms",
        ))
        .build();
    Builder::new().compile(&[service]);
}
