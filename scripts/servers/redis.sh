# shellcheck shell=bash
# Test servers of sink-redis: a plain Redis on 127.0.0.1:6379 (reused when one answers,
# started without persistence otherwise, installed with apt-get when missing) and a
# 3-master Redis Cluster on loopback ports 7101-7103 (reused when `cluster info` says ok).
# Exports LKA_TEST_REDIS_URL and LKA_TEST_REDIS_CLUSTER_URLS. Sourced by the project's test
# script (set -euo pipefail on); idempotent; prints one line per thing it did.

lka_redis_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lka_redis_dir="$lka_redis_root/.test-servers"
lka_redis_cluster_dir="$lka_redis_dir/redis-cluster"
lka_redis_cluster_ports="${LKA_REDIS_CLUSTER_PORTS:-7101 7102 7103}"

lka_redis_answers() {
    redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG
}

lka_redis_wait_for() {
    local port="$1" waited=0
    until lka_redis_answers "$port"; do
        if [ "$waited" -ge 30 ]; then
            echo "redis: nothing answers on 127.0.0.1:$port after 30 s; log tail:" >&2
            tail -n 20 "$lka_redis_dir/redis-$port.log" >&2 || true
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

lka_redis_cluster_ok() {
    local port
    for port in $lka_redis_cluster_ports; do
        redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | tr -d '\r' \
            | grep -q '^cluster_state:ok$' || return 1
    done
}

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "redis: installing redis-server (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
mkdir -p "$lka_redis_dir"

if lka_redis_answers 6379; then
    echo "redis: a server already answers on 127.0.0.1:6379"
else
    echo "redis: starting redis-server on 127.0.0.1:6379 (no persistence, log $lka_redis_dir/redis-6379.log)"
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no \
        --dir "$lka_redis_dir" --logfile "$lka_redis_dir/redis-6379.log"
    lka_redis_wait_for 6379
fi
export LKA_TEST_REDIS_URL="redis://127.0.0.1:6379"
echo "redis: LKA_TEST_REDIS_URL=$LKA_TEST_REDIS_URL"

if lka_redis_cluster_ok; then
    echo "redis: the cluster on ports $lka_redis_cluster_ports is up and ok"
else
    for lka_redis_port in $lka_redis_cluster_ports; do
        if lka_redis_answers "$lka_redis_port"; then
            if ! redis-cli -h 127.0.0.1 -p "$lka_redis_port" cluster info >/dev/null 2>&1; then
                echo "redis: 127.0.0.1:$lka_redis_port answers but is no cluster node; free the port or set LKA_REDIS_CLUSTER_PORTS" >&2
                exit 1
            fi
            echo "redis: stopping the stale cluster node on 127.0.0.1:$lka_redis_port"
            redis-cli -h 127.0.0.1 -p "$lka_redis_port" shutdown nosave >/dev/null 2>&1 || true
        fi
    done
    lka_redis_nodes=()
    for lka_redis_port in $lka_redis_cluster_ports; do
        rm -rf "${lka_redis_cluster_dir:?}/$lka_redis_port"
        mkdir -p "$lka_redis_cluster_dir/$lka_redis_port"
        echo "redis: starting cluster node on 127.0.0.1:$lka_redis_port (dir $lka_redis_cluster_dir/$lka_redis_port)"
        redis-server --bind 127.0.0.1 --port "$lka_redis_port" --daemonize yes --save "" --appendonly no \
            --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
            --dir "$lka_redis_cluster_dir/$lka_redis_port" --logfile "$lka_redis_dir/redis-$lka_redis_port.log"
        lka_redis_nodes+=("127.0.0.1:$lka_redis_port")
    done
    for lka_redis_port in $lka_redis_cluster_ports; do
        lka_redis_wait_for "$lka_redis_port"
    done
    echo "redis: creating the cluster of ${lka_redis_nodes[*]}"
    redis-cli --cluster create "${lka_redis_nodes[@]}" --cluster-replicas 0 --cluster-yes \
        >"$lka_redis_dir/redis-cluster-create.log" 2>&1
    lka_redis_waited=0
    until lka_redis_cluster_ok; do
        if [ "$lka_redis_waited" -ge 30 ]; then
            echo "redis: the cluster is not ok after 30 s; see $lka_redis_dir/redis-cluster-create.log" >&2
            exit 1
        fi
        sleep 1
        lka_redis_waited=$((lka_redis_waited + 1))
    done
    echo "redis: the cluster is ok"
fi

LKA_TEST_REDIS_CLUSTER_URLS=""
for lka_redis_port in $lka_redis_cluster_ports; do
    LKA_TEST_REDIS_CLUSTER_URLS="${LKA_TEST_REDIS_CLUSTER_URLS:+$LKA_TEST_REDIS_CLUSTER_URLS,}redis://127.0.0.1:$lka_redis_port"
done
export LKA_TEST_REDIS_CLUSTER_URLS
echo "redis: LKA_TEST_REDIS_CLUSTER_URLS=$LKA_TEST_REDIS_CLUSTER_URLS"
unset lka_redis_root lka_redis_dir lka_redis_cluster_dir lka_redis_cluster_ports lka_redis_port \
    lka_redis_nodes lka_redis_waited
unset -f lka_redis_answers lka_redis_wait_for lka_redis_cluster_ok
