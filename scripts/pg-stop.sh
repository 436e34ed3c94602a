#!/usr/bin/env bash
# Stops the throwaway server started by scripts/pg-setup.sh (its data stays in
# ATOMIC_JOBS_PG_DIR; pass --wipe to delete it too).
set -euo pipefail
DIR="${ATOMIC_JOBS_PG_DIR:-/tmp/atomic-jobs-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [[ -n "$BIN" && -s "$DIR/data/postmaster.pid" ]]; then
  (cd / && runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop) >&2
fi
if [[ "${1:-}" == --wipe ]]; then rm -rf "$DIR"; fi
