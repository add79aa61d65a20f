# shellcheck shell=bash
# Starts the MongoDB-compatible test server (SecantusDB) when nothing answers on its port,
# installing it first when missing, and exports LKA_TEST_MONGO_URL. Sourced by the project's
# test script (set -euo pipefail on); idempotent; prints one line per thing it did.

lka_mongo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lka_mongo_port="${LKA_MONGO_PORT:-27217}"
lka_mongo_dir="$lka_mongo_root/.test-servers/secantus"
lka_mongo_log="$lka_mongo_root/.test-servers/secantus.log"

lka_mongo_answers() {
    python3 - "$lka_mongo_port" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

if lka_mongo_answers; then
    echo "mongo: a server already answers on 127.0.0.1:$lka_mongo_port"
else
    if ! command -v secantusd-py >/dev/null 2>&1; then
        echo "mongo: installing SecantusDB 0.7.0b3 (pip)"
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet 'SecantusDB==0.7.0b3'
        hash -r
        if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
    fi
    mkdir -p "$lka_mongo_dir"
    echo "mongo: starting secantusd-py on 127.0.0.1:$lka_mongo_port (storage $lka_mongo_dir, log $lka_mongo_log)"
    nohup secantusd-py --host 127.0.0.1 --port "$lka_mongo_port" --storage-path "$lka_mongo_dir" \
        >"$lka_mongo_log" 2>&1 </dev/null &
    lka_mongo_waited=0
    until lka_mongo_answers; do
        if [ "$lka_mongo_waited" -ge 60 ]; then
            echo "mongo: secantusd-py did not answer on port $lka_mongo_port within 60 s; log tail:" >&2
            tail -n 30 "$lka_mongo_log" >&2 || true
            exit 1
        fi
        sleep 1
        lka_mongo_waited=$((lka_mongo_waited + 1))
    done
    echo "mongo: secantusd-py answers after ${lka_mongo_waited}s"
fi

export LKA_TEST_MONGO_URL="mongodb://127.0.0.1:$lka_mongo_port/?directConnection=true"
echo "mongo: LKA_TEST_MONGO_URL=$LKA_TEST_MONGO_URL"
unset lka_mongo_root lka_mongo_port lka_mongo_dir lka_mongo_log lka_mongo_waited
unset -f lka_mongo_answers
