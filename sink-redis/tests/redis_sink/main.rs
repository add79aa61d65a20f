//! Integration tests of sink-redis against real servers: the compliance suite on a plain
//! Redis and on a 3-master Redis Cluster, the fixer compliance suite, trimming by age, a
//! tail consumer, records Redis refuses, and a Redis restart in the middle of a run.
//! Servers come from `LKA_TEST_REDIS_URL` and `LKA_TEST_REDIS_CLUSTER_URLS`
//! (scripts/servers/redis.sh starts them); the restart test runs its own throwaway
//! `redis-server`.

mod cluster;
mod compliance;
mod fixer;
mod harness;
mod refusals;
mod restart;
mod tail;
mod targets;
mod throughput;
mod throwaway_server;
mod trimming;
