//! analytics-bin's integration tests, one test binary: each module runs the real
//! `livekit-analytics` binary (or a piece of the crate) against real servers. Helpers live
//! in `support` (the service with SQLite, the analytics stream), `fault_support` (every
//! sink at once, faults) and `fixer_support` (a LiveKit stand-in). The heavy fault tests
//! run one at a time (`.config/nextest.toml`, test group `heavy`).

mod client_stats_support;
mod dashboard_views_data;
mod fault_support;
mod fixer_support;
mod nats_support;
mod read_api_support;
mod read_api_v1_sent;
mod support;

mod cli;
mod client_stats_accepted;
mod client_stats_browser;
mod client_stats_refusals;
mod dashboard_access;
mod dashboard_browser;
mod dashboard_views;
mod fault_corrupt_tail;
mod fault_disk_full;
mod fault_flood;
mod fault_kill;
mod fault_long_identifiers;
mod fault_nats_failover;
mod fault_nats_outage;
mod fault_outage;
mod fault_replay;
mod fault_sigterm;
mod fault_sigterm_frozen_db;
mod fixer_empty_node_report;
mod fixer_every_sink;
mod fixer_node_states;
mod fixer_service;
mod fixer_twirp;
mod fuzz_seeds;
mod grpc_auth;
mod grpc_bad_input;
mod grpc_session;
mod ingest_grants;
mod json_api;
mod nats_buffer;
mod nats_tls;
mod node_state_bounds;
mod queue_full;
mod read_api_access;
mod read_api_sessions;
mod read_api_simulated;
mod read_api_v1_access;
mod read_api_v1_detail;
mod read_api_v1_series;
mod read_api_v1_sessions;
mod readiness;
mod secrets_masked;
mod simulate_cli;
mod sink_operator_errors;
mod slow_connections;
mod webhook_bad_input;
mod webhook_lifecycle;
