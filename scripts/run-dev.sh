#!/usr/bin/env bash
# Runs the service in development mode on the embedded SQLite default: no config and no
# database server needed (API key `devkey`, secret `secret`, http://127.0.0.1:7890,
# records in ./livekit-analytics.db). Extra arguments are passed to the binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo run --release --locked -p analytics-bin -- --dev "$@"
