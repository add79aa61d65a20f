#!/usr/bin/env bash
# Short fuzzing runs of every target in fuzz/ (webhook body + token, JSON ingest decoder,
# protobuf frame decoder, disk-buffer segment reader): first the kept seeds and regression
# cases, then FUZZ_SECONDS (default 10) of new inputs per target. Installs cargo-fuzz when
# missing. Runs on the stable toolchain (no sanitizer: the code under test is safe Rust; a
# panic is what we look for).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${FUZZ_SECONDS:-10}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
fi

echo "fuzz: building the targets"
cargo fuzz build --sanitizer none

for target in webhook json_ingest protobuf_frames disk_segment; do
    mkdir -p "fuzz/corpus/$target"
    echo "fuzz: $target (${seconds}s)"
    log="fuzz/corpus/$target.log"
    if ! cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "fuzz: $target found a crash; the input is in fuzz/artifacts/$target (keep it in fuzz/seeds/$target once fixed)" >&2
        exit 1
    fi
    grep -E "^Done [0-9]+ runs" "$log" || tail -n 3 "$log"
done
echo "fuzz: every target ran clean"
