#!/usr/bin/env bash
# A throwaway PostgreSQL server for @atomic-jobs/postgres's tests and bench.
#
# Idempotent, run as root: installs Debian's postgresql when its binaries are
# missing, makes a cluster in a work directory owned by the postgres user,
# starts it on 127.0.0.1 only (trust auth, loopback only), creates the test
# database, and prints the connection string on stdout (everything else goes
# to stderr). When the server is already up it only checks the database.
#
# Settings (environment):
#   ATOMIC_JOBS_PG_PORT  port                     (default 54329)
#   ATOMIC_JOBS_PG_DIR   cluster directory        (default /tmp/atomic-jobs-pg)
#   ATOMIC_JOBS_PG_DB    database                 (default atomic_jobs_test)
#
# The cluster is disposable: fsync and synchronous_commit are off, so a
# machine crash can lose it. Never point this script at data you keep.
# Stop it with: bash scripts/pg-stop.sh
set -euo pipefail

PORT="${ATOMIC_JOBS_PG_PORT:-54329}"
DIR="${ATOMIC_JOBS_PG_DIR:-/tmp/atomic-jobs-pg}"
DB="${ATOMIC_JOBS_PG_DB:-atomic_jobs_test}"
URL="postgres://postgres@127.0.0.1:${PORT}/${DB}"
log() { echo "pg-setup: $*" >&2; }

if [[ ! "$DB" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  log "ATOMIC_JOBS_PG_DB must match ^[a-z_][a-z0-9_]*\$, got '$DB'"
  exit 2
fi
if [[ "$(id -u)" != 0 ]]; then
  log "run as root (it installs packages and runs the server as the postgres user)"
  exit 2
fi

# Newest installed server version's binaries, e.g. /usr/lib/postgresql/15/bin.
find_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$d" && -x "$d/pg_ctl" && -x "$d/initdb" && -x "$d/postgres" ]]; then echo "$d"; fi
}

BIN="$(find_bin)"
if [[ -z "$BIN" ]]; then
  log "PostgreSQL server binaries not found: apt-get install -y postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q postgresql >&2
  BIN="$(find_bin)"
  if [[ -z "$BIN" ]]; then
    log "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
    exit 1
  fi
fi

as_pg() { (cd / && runuser -u postgres -- "$@"); }
psql_pg() { as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 1; }

if ! ready; then
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  chmod 700 "$DIR"
  if [[ ! -s "$DIR/data/PG_VERSION" ]]; then
    log "initdb into $DIR/data"
    rm -rf "$DIR/data"
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
    # Loopback only, trust: a test server that nothing outside this machine can reach.
    cat >"$DIR/data/pg_hba.conf" <<'EOF'
local   all all                trust
host    all all 127.0.0.1/32   trust
EOF
    chown postgres:postgres "$DIR/data/pg_hba.conf"
  fi
  # A server that died leaves its pid file: pg_ctl start copes with a stale one.
  log "starting on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2 || {
    log "pg_ctl start failed; last lines of $DIR/server.log:"
    tail -n 20 "$DIR/server.log" >&2 || true
    exit 1
  }
fi

for _ in $(seq 1 50); do ready && break; sleep 0.2; done
if ! ready; then
  log "server on 127.0.0.1:$PORT does not answer"
  exit 1
fi

if [[ "$(psql_pg -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]]; then
  log "creating database $DB"
  psql_pg -d postgres -c "CREATE DATABASE $DB" >&2
fi

echo "$URL"
