#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: starts (installing where needed) the real
# PostgreSQL, Redis (plain and a 3-master cluster), MongoDB-compatible and NATS JetStream
# (a 3-node cluster) servers the tests need, installs the browser-test tools (Chromium,
# Node.js, playwright-core, and the browser collector's dev dependencies in clients/js),
# then checks formatting and lints, runs the collector's Vitest suite (which also checks
# that the committed clients/js/dist is a fresh build), builds each sink feature alone,
# and runs every test of the workspace (the fuzz targets' kept seeds included:
# fuzz_seeds.rs; longer fuzzing is its own job, scripts/fuzz.sh). `.ci/run` calls exactly
# this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .test-servers

echo "== test servers"
source scripts/servers/postgres.sh
source scripts/servers/redis.sh
source scripts/servers/mongo.sh
source scripts/servers/nats.sh
source scripts/browser.sh

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
# The fuzz crate is outside the workspace: its lock file must follow the workspace's changes.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null

echo "== browser collector (clients/js): Vitest, dist/ up to date"
(cd clients/js && npx --no-install vitest run)

echo "== each sink feature builds alone"
# Every feature of analytics-bin that pulls in one sink crate (`name = ["dep:sink-..."]`), so a
# new sink is checked without editing this list.
sink_features=$(sed -n 's/^\([a-z0-9_-]*\) = \["dep:sink-[a-z0-9_-]*"\]$/\1/p' analytics-bin/Cargo.toml)
[ -n "$sink_features" ] || { echo "no sink feature found in analytics-bin/Cargo.toml" >&2; exit 1; }
for feature in $sink_features; do
    cargo check --locked -q -p analytics-bin --no-default-features --features "$feature"
done

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --all-features --locked --no-fail-fast
else
    echo "(cargo-nextest not installed: using cargo test)"
    cargo test --workspace --all-features --locked --no-fail-fast
fi
