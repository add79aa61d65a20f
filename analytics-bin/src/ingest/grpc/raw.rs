//! The gRPC analytics streams read as raw protobuf bytes: `IngestStats` and `IngestEvents`
//! are served with a codec that hands each message over undecoded, so that its records are
//! converted straight from the bytes LiveKit sent (`analytics_core::record_wire`), never
//! decoded into messages first; every other method goes to the generated server.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use bytes::{Buf, Bytes};
use tonic::{
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::{http, Body, BoxFuture, Service, StdError},
    server::{ClientStreamingService, Grpc, NamedService},
    Request, Response, Status, Streaming,
};

use super::{AnalyticsRecorder, Convert};
use crate::recorder_service::{
    analytics_recorder_service_server::AnalyticsRecorderServiceServer, Empty,
};

const STATS_PATH: &str = "/livekit.AnalyticsRecorderService/IngestStats";
const EVENTS_PATH: &str = "/livekit.AnalyticsRecorderService/IngestEvents";

/// The `livekit.AnalyticsRecorderService` server.
#[derive(Clone)]
pub struct RecorderServer {
    recorder: AnalyticsRecorder,
    generated: AnalyticsRecorderServiceServer<AnalyticsRecorder>,
    max_message_bytes: usize,
}

impl RecorderServer {
    pub(super) fn new(recorder: AnalyticsRecorder, max_message_bytes: usize) -> RecorderServer {
        RecorderServer {
            generated: AnalyticsRecorderServiceServer::new(recorder.clone())
                .max_decoding_message_size(max_message_bytes),
            recorder,
            max_message_bytes,
        }
    }
}

impl NamedService for RecorderServer {
    const NAME: &'static str = "livekit.AnalyticsRecorderService";
}

impl<B> Service<http::Request<B>> for RecorderServer
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let convert: Convert<Bytes> = match request.uri().path() {
            STATS_PATH => super::stats_of_bytes,
            EVENTS_PATH => super::events_of_bytes,
            _ => return self.generated.call(request),
        };
        let method = RawStream {
            recorder: self.recorder.clone(),
            convert,
        };
        let max_message_bytes = self.max_message_bytes;
        Box::pin(async move {
            let mut grpc =
                Grpc::new(RawCodec).apply_max_message_size_config(Some(max_message_bytes), None);
            Ok(grpc.client_streaming(method, request).await)
        })
    }
}

/// One raw analytics stream, converted with `convert`.
struct RawStream {
    recorder: AnalyticsRecorder,
    convert: Convert<Bytes>,
}

impl ClientStreamingService<Bytes> for RawStream {
    type Response = Empty;
    type Future = BoxFuture<Response<Empty>, Status>;

    fn call(&mut self, request: Request<Streaming<Bytes>>) -> Self::Future {
        let recorder = self.recorder.clone();
        let convert = self.convert;
        Box::pin(async move {
            let token = recorder.authorize(&request)?;
            recorder
                .consume(request.into_inner(), &token, convert)
                .await?;
            Ok(Response::new(()))
        })
    }
}

/// Messages in as their bytes, `google.protobuf.Empty` out.
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Empty;
    type Decode = Bytes;
    type Encoder = EmptyEncoder;
    type Decoder = BytesDecoder;

    fn encoder(&mut self) -> EmptyEncoder {
        EmptyEncoder
    }

    fn decoder(&mut self) -> BytesDecoder {
        BytesDecoder
    }
}

struct EmptyEncoder;

impl Encoder for EmptyEncoder {
    type Item = Empty;
    type Error = Status;

    /// `Empty` encodes to no bytes.
    fn encode(&mut self, (): Empty, _: &mut EncodeBuf<'_>) -> Result<(), Status> {
        Ok(())
    }
}

struct BytesDecoder;

impl Decoder for BytesDecoder {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining())))
    }
}
