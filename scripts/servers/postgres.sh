# PostgreSQL for the tests: sourced by the project's test script (bash, set -euo pipefail).
# Uses a server already answering on 127.0.0.1:5432, else starts Debian's cluster, else
# installs Debian's postgresql first; then makes sure database `test` exists and exports
# LKA_TEST_POSTGRES_URL. Idempotent; prints one line saying what it did.

lka_postgres_url="postgres://postgres@127.0.0.1:5432/test"

lka_postgres_wait() {
    local _
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p 5432 && return 0
        sleep 0.5
    done
    echo "postgres.sh: PostgreSQL did not answer on 127.0.0.1:5432 within 30s" >&2
    return 1
}

lka_postgres_start_debian() {
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    # The test URL logs in as `postgres` over TCP without a password: trust local TCP.
    local hba="/etc/postgresql/${version}/main/pg_hba.conf"
    if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    # The package's own start may have worked (then reload the new pg_hba.conf) or not.
    if pg_isready -q -h 127.0.0.1 -p 5432; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload >&2
    else
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
    fi
    lka_postgres_wait
    echo "$version"
}

if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    lka_postgres_did="used the PostgreSQL server already running on 127.0.0.1:5432"
elif [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    lka_postgres_did="started Debian's PostgreSQL $(lka_postgres_start_debian) on 127.0.0.1:5432"
else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    lka_postgres_did="installed and started Debian's PostgreSQL $(lka_postgres_start_debian) on 127.0.0.1:5432"
fi

if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
    lka_postgres_did="$lka_postgres_did, created database test"
fi

export LKA_TEST_POSTGRES_URL="$lka_postgres_url"
echo "postgres: $lka_postgres_did; LKA_TEST_POSTGRES_URL=$LKA_TEST_POSTGRES_URL"
unset lka_postgres_did lka_postgres_url
