# shellcheck shell=bash
# Test servers of the NATS JetStream buffer (crate buffer-nats): a three-node JetStream
# cluster (Debian's nats-server, installed with apt-get when missing) on loopback: client
# ports 4231-4233, cluster ports 6231-6233, monitoring ports 8231-8233, storage under
# .test-servers/nats/. Reused when every node's /healthz says ok; nodes that do not answer
# are (re)started from their config file. Exports LKA_TEST_NATS_URLS (comma-separated client
# URLs) and LKA_TEST_NATS_SERVER (the binary, for the tests that run clusters of their own).
# Sourced by the project's test script (set -euo pipefail on); idempotent; prints one line
# per thing it did.

lka_nats_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lka_nats_dir="$lka_nats_root/.test-servers/nats"
lka_nats_nodes="1 2 3"

lka_nats_healthy() {
    curl -fsS --max-time 2 "http://127.0.0.1:$((8230 + $1))/healthz" 2>/dev/null | grep -q '"ok"'
}

lka_nats_config() {
    local node="$1" routes="" other
    for other in $lka_nats_nodes; do
        routes="${routes:+$routes, }nats-route://127.0.0.1:$((6230 + other))"
    done
    cat >"$lka_nats_dir/n$node.conf" <<CONF
server_name: lka-test-n$node
listen: 127.0.0.1:$((4230 + node))
http: 127.0.0.1:$((8230 + node))
jetstream {
  store_dir: "$lka_nats_dir/n$node"
  max_memory_store: 64MB
  max_file_store: 2GB
}
cluster {
  name: lka-test
  listen: 127.0.0.1:$((6230 + node))
  routes: [$routes]
}
CONF
}

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
    echo "nats: installing nats-server (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
fi
LKA_TEST_NATS_SERVER="$(command -v nats-server || echo /usr/sbin/nats-server)"
export LKA_TEST_NATS_SERVER
mkdir -p "$lka_nats_dir"

for lka_nats_node in $lka_nats_nodes; do
    if lka_nats_healthy "$lka_nats_node"; then
        echo "nats: node $lka_nats_node already runs (127.0.0.1:$((4230 + lka_nats_node)))"
        continue
    fi
    if [ -f "$lka_nats_dir/n$lka_nats_node.pid" ] \
        && kill -0 "$(cat "$lka_nats_dir/n$lka_nats_node.pid")" 2>/dev/null; then
        echo "nats: node $lka_nats_node runs but is not healthy yet; waiting for it"
        continue
    fi
    lka_nats_config "$lka_nats_node"
    echo "nats: starting node $lka_nats_node on 127.0.0.1:$((4230 + lka_nats_node)) (log $lka_nats_dir/n$lka_nats_node.log)"
    setsid "$LKA_TEST_NATS_SERVER" -c "$lka_nats_dir/n$lka_nats_node.conf" \
        -P "$lka_nats_dir/n$lka_nats_node.pid" -l "$lka_nats_dir/n$lka_nats_node.log" \
        </dev/null >/dev/null 2>&1 &
    disown || true
done

# Ready: every node's /healthz (JetStream enabled and current with the cluster's meta leader).
lka_nats_waited=0
for lka_nats_node in $lka_nats_nodes; do
    until lka_nats_healthy "$lka_nats_node"; do
        if [ "$lka_nats_waited" -ge 600 ]; then
            echo "nats: node $lka_nats_node not healthy after 60 s; log tail:" >&2
            tail -n 20 "$lka_nats_dir/n$lka_nats_node.log" >&2 || true
            exit 1
        fi
        sleep 0.1
        lka_nats_waited=$((lka_nats_waited + 1))
    done
done
echo "nats: the three-node JetStream cluster is healthy"

LKA_TEST_NATS_URLS=""
for lka_nats_node in $lka_nats_nodes; do
    LKA_TEST_NATS_URLS="${LKA_TEST_NATS_URLS:+$LKA_TEST_NATS_URLS,}nats://127.0.0.1:$((4230 + lka_nats_node))"
done
export LKA_TEST_NATS_URLS
echo "nats: LKA_TEST_NATS_URLS=$LKA_TEST_NATS_URLS"
unset lka_nats_root lka_nats_dir lka_nats_nodes lka_nats_node lka_nats_waited
unset -f lka_nats_healthy lka_nats_config
