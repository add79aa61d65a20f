//! The livekit-analytics service: command line, configuration loading, HTTP ingest of
//! LiveKit webhooks, health and metrics endpoints, and the wiring of sinks into the
//! analytics pipeline.

pub mod auth;
pub mod check_config;
pub mod cli;
pub mod compiled_sinks;
pub mod ingest;
pub mod logging;
pub mod service;
pub mod server;
