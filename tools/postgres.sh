#!/usr/bin/env bash
# The PostgreSQL server the backend tests use: installs Debian's `postgresql` if it
# is missing, starts the newest cluster, creates the test role, and prints its URL:
#   export RESIDENT_TEST_POSTGRES_URL=$(tools/postgres.sh)
# Idempotent; progress goes to stderr so stdout is only the URL. Needs root (or sudo-less
# access to apt-get and the postgres account), as on CI machines and this dev container.
set -euo pipefail
ROLE=resident_test
PASSWORD=resident_test

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    echo "Installing PostgreSQL (Debian package)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
fi
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$VERSION" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_ctlcluster "$VERSION" main start >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.2
done
as_postgres() { runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 "$@"; }
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    as_postgres -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
