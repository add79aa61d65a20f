# shellcheck shell=bash
# Starts the MongoDB-compatible test server (SecantusDB) when nothing answers on its port and
# exports LKA_TEST_MONGO_URL. Sourced by the project's test script (set -euo pipefail on);
# idempotent (a server already answering is used, whichever build it is); prints one line per
# thing it did.
#
# Which build: SecantusDB's Rust build, `secantusd-rs` from the crates.io crate secantus-mdb
# (pinned below), is far faster than the Python build and is preferred. It is built once with
# `cargo install --locked` (needs cmake, installed with apt-get when missing) into a cache
# shared by every checkout on the machine, $LKA_TOOL_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/livekit-analytics), and reused from there, so a fresh clone
# (CI's) does not build it again; its data and logs stay in .test-servers/secantus-rs/. The
# crate declares rust-version 1.98; this version also builds on Rust 1.95, so it is
# installed with --ignore-rust-version. A failed build is remembered (build-failed in that
# cache) and not retried on every run; then, or when cargo is missing, or with
# LKA_MONGO_BUILD=python, the Python build (`secantusd-py`, PyPI SecantusDB 0.7.0b3) is
# started instead, with one line saying why. The Python build is installed in every case.
# LKA_TEST_MONGO_SERVER_BIN names the build sink-mongo's restart test starts a server of its
# own with: the Rust build when it is cached, else secantusd-py.

lka_mongo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lka_mongo_port="${LKA_MONGO_PORT:-27217}"
lka_mongo_suffix=""
if [ "$lka_mongo_port" != 27217 ]; then lka_mongo_suffix="-$lka_mongo_port"; fi
lka_mongo_py_dir="$lka_mongo_root/.test-servers/secantus$lka_mongo_suffix"
lka_mongo_py_log="$lka_mongo_root/.test-servers/secantus$lka_mongo_suffix.log"
lka_mongo_rs_crate="secantus-mdb"
lka_mongo_rs_version="0.5.3-beta.196"
lka_mongo_rs_declared_rust="1.98"
lka_mongo_rs_root="${LKA_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-analytics}/secantus-rs-$lka_mongo_rs_version"
lka_mongo_rs_bin="$lka_mongo_rs_root/bin/secantusd-rs"
lka_mongo_rs_state="$lka_mongo_root/.test-servers/secantus-rs"
lka_mongo_rs_dir="$lka_mongo_rs_state/data$lka_mongo_suffix"
lka_mongo_rs_log="$lka_mongo_rs_state/server$lka_mongo_suffix.log"
lka_mongo_rs_build_log="$lka_mongo_rs_root/build.log"
lka_mongo_rs_failed="$lka_mongo_rs_root/build-failed"

lka_mongo_answers() {
    python3 - "$lka_mongo_port" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

# The name of the process listening on the port, when ss can tell.
lka_mongo_listener() {
    ss -Hltnp "sport = :$lka_mongo_port" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)".*/ (\1)/p' | head -n 1
}

# Whether the cached secantusd-rs is the pinned version.
lka_mongo_rs_ready() {
    [ -x "$lka_mongo_rs_bin" ] && "$lka_mongo_rs_bin" --version 2>/dev/null | grep -qF "$lka_mongo_rs_version"
}

# Whether secantusd-rs is to be used: the cached one, or one built now into
# the machine's tool cache; otherwise says in one line why the Python build is used instead
# (then returns 1). A failed build is recorded so later runs do not retry it.
lka_mongo_rs_build() {
    local rustc_version
    if [ "${LKA_MONGO_BUILD:-}" = python ]; then
        echo "mongo: LKA_MONGO_BUILD=python: using the Python build of SecantusDB (slower)"
        return 1
    fi
    if lka_mongo_rs_ready; then return 0; fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "mongo: no cargo on PATH to build $lka_mongo_rs_crate: using the Python build of SecantusDB (slower)"
        return 1
    fi
    rustc_version="$(rustc --version 2>/dev/null | awk '{print $2}')"
    if [ -f "$lka_mongo_rs_failed" ] && grep -qxF "$lka_mongo_rs_version rustc $rustc_version" "$lka_mongo_rs_failed"; then
        echo "mongo: $lka_mongo_rs_crate $lka_mongo_rs_version failed to build with rustc $rustc_version before (log $lka_mongo_rs_build_log; delete $lka_mongo_rs_failed to retry): using the Python build of SecantusDB (slower)"
        return 1
    fi
    mkdir -p "$lka_mongo_rs_root"
    if ! command -v cmake >/dev/null 2>&1; then
        echo "mongo: installing cmake (apt-get), needed to build $lka_mongo_rs_crate"
        if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake >/dev/null; }; then
            echo "mongo: cmake could not be installed, needed to build $lka_mongo_rs_crate: using the Python build of SecantusDB (slower)"
            return 1
        fi
    fi
    echo "mongo: building $lka_mongo_rs_crate $lka_mongo_rs_version (SecantusDB's Rust build; once per machine, into $lka_mongo_rs_root, about 10 CPU-minutes: 15-40 min on a busy 2-core machine; it declares Rust $lka_mongo_rs_declared_rust and builds on rustc $rustc_version with --ignore-rust-version; log $lka_mongo_rs_build_log)"
    if CARGO_TARGET_DIR="$lka_mongo_rs_root/build" nice -n 10 cargo install --locked --ignore-rust-version \
        --root "$lka_mongo_rs_root" --version "$lka_mongo_rs_version" "$lka_mongo_rs_crate" \
        >"$lka_mongo_rs_build_log" 2>&1 && lka_mongo_rs_ready; then
        rm -rf "$lka_mongo_rs_root/build" "$lka_mongo_rs_failed"
        echo "mongo: built $lka_mongo_rs_bin ($(grep -o 'Finished.*' "$lka_mongo_rs_build_log" | tail -n 1))"
        return 0
    fi
    echo "$lka_mongo_rs_version rustc $rustc_version" >"$lka_mongo_rs_failed"
    echo "mongo: $lka_mongo_rs_crate $lka_mongo_rs_version failed to build with rustc $rustc_version: $(grep -m 1 '^error' "$lka_mongo_rs_build_log" || tail -n 1 "$lka_mongo_rs_build_log") (log $lka_mongo_rs_build_log): using the Python build of SecantusDB (slower)"
    return 1
}

lka_mongo_wait() {
    local name="$1" log="$2" waited=0
    until lka_mongo_answers; do
        if [ "$waited" -ge 60 ]; then
            echo "mongo: $name did not answer on port $lka_mongo_port within 60 s; log tail:" >&2
            tail -n 30 "$log" >&2 || true
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "mongo: $name answers after ${waited}s"
}

if ! command -v secantusd-py >/dev/null 2>&1; then
    echo "mongo: installing SecantusDB 0.7.0b3 (pip; the Python build)"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet 'SecantusDB==0.7.0b3'
    hash -r
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
fi

if lka_mongo_answers; then
    echo "mongo: a server already answers on 127.0.0.1:$lka_mongo_port$(lka_mongo_listener)"
elif lka_mongo_rs_build; then
    mkdir -p "$lka_mongo_rs_dir"
    echo "mongo: starting secantusd-rs $lka_mongo_rs_version on 127.0.0.1:$lka_mongo_port (storage $lka_mongo_rs_dir, log $lka_mongo_rs_log)"
    nohup "$lka_mongo_rs_bin" --host 127.0.0.1 --port "$lka_mongo_port" --storage-path "$lka_mongo_rs_dir" \
        --cache-size 1G --log-file-max 32MB >"$lka_mongo_rs_log" 2>&1 </dev/null &
    lka_mongo_wait secantusd-rs "$lka_mongo_rs_log"
else
    mkdir -p "$lka_mongo_py_dir"
    echo "mongo: starting secantusd-py on 127.0.0.1:$lka_mongo_port (storage $lka_mongo_py_dir, log $lka_mongo_py_log)"
    nohup secantusd-py --host 127.0.0.1 --port "$lka_mongo_port" --storage-path "$lka_mongo_py_dir" \
        >"$lka_mongo_py_log" 2>&1 </dev/null &
    lka_mongo_wait secantusd-py "$lka_mongo_py_log"
fi

export LKA_TEST_MONGO_URL="mongodb://127.0.0.1:$lka_mongo_port/?directConnection=true"
if [ "${LKA_MONGO_BUILD:-}" != python ] && lka_mongo_rs_ready; then
    export LKA_TEST_MONGO_SERVER_BIN="$lka_mongo_rs_bin"
else
    export LKA_TEST_MONGO_SERVER_BIN=secantusd-py
fi
echo "mongo: LKA_TEST_MONGO_SERVER_BIN=$LKA_TEST_MONGO_SERVER_BIN (servers the tests start themselves)"
echo "mongo: LKA_TEST_MONGO_URL=$LKA_TEST_MONGO_URL"
unset lka_mongo_root lka_mongo_port lka_mongo_suffix lka_mongo_py_dir lka_mongo_py_log \
    lka_mongo_rs_crate lka_mongo_rs_version lka_mongo_rs_declared_rust lka_mongo_rs_root \
    lka_mongo_rs_bin lka_mongo_rs_state lka_mongo_rs_dir lka_mongo_rs_log lka_mongo_rs_build_log lka_mongo_rs_failed
unset -f lka_mongo_answers lka_mongo_listener lka_mongo_rs_ready lka_mongo_rs_build lka_mongo_wait
