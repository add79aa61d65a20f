//! What the fault tests share: the real `livekit-analytics` binary writing to SQLite,
//! PostgreSQL, Redis and MongoDB at once ([`service`]), LiveKit's part over the gRPC
//! analytics stream ([`traffic`]), reading back what every sink stored ([`stores`]), a
//! PostgreSQL of a test's own that it may stop ([`throwaway_postgres`]), whether the other
//! sinks kept writing meanwhile ([`progress`]), and one heavy test at a time ([`turn`]).

pub mod frozen_proxy;
pub mod progress;
pub mod service;
pub mod sql_sinks;
pub mod stores;
pub mod throwaway_postgres;
pub mod tmpfs;
pub mod traffic;
pub mod turn;
