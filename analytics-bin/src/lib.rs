//! The livekit-analytics service: command line, configuration loading, ingest of LiveKit
//! webhooks, of its gRPC analytics stream and of the JSON API, health and metrics
//! endpoints, the wiring of sinks into the analytics pipeline, the active-entities fixer's
//! schedule and LiveKit view, the traffic simulator, the read API (LiveKit Cloud's
//! Analytics API shape), the browser dashboard, and the endpoint where participants'
//! browsers post their own stats (with the collector script they load).

pub mod auth;
pub mod check_config;
pub mod cli;
pub mod client_stats;
pub mod compiled_sinks;
pub mod config_source;
pub mod dashboard;
pub mod error;
pub mod fixer;
pub mod ingest;
pub mod logging;
pub mod node_state;
pub mod null_sink;
pub mod read_api;
pub mod recorder_service;
pub mod replay;
pub mod server;
pub mod service;
pub mod shared_buffer;
pub mod simulate;
