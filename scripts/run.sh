#!/usr/bin/env bash
# The main job: install what is missing, build, start a private Redis and PostgreSQL under the
# state folder (unless REDIS_URL / DATABASE_URL point elsewhere), run `quflx serve` with the
# simulated feed, and print where to look. Ctrl-C stops everything this script started.
# Extra arguments go to `quflx serve` (e.g. ./scripts/run.sh --sim-rate 50).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$QUFLX_ROOT"

ensure_packages "${QUFLX_BUILD_PACKAGES[@]}"
say "building (build/release)"
build_preset release quflx >/dev/null

STATE="$(state_dir)"
mkdir -p "$STATE/server"
started=()
cleanup() {
  trap - EXIT INT TERM
  stop_pidfile "$STATE/server/quflx.pid" 30
  for s in "${started[@]}"; do stop_pidfile "$STATE/$s/$s.pid"; done
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${REDIS_URL:-}" ]; then
  REDIS_URL="$(start_redis "$STATE/redis" "$(free_port_from 6390)")"
  started+=(redis)
  say "private Redis: $REDIS_URL (data and log in $STATE/redis)"
fi
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(start_postgres "$STATE/postgres" "$(free_port_from 5440)")"
  started+=(postgres)
  say "private PostgreSQL: $DATABASE_URL (data and log in $STATE/postgres)"
fi
export REDIS_URL DATABASE_URL

PORT="${QUFLX_PORT:-3001}"
port_in_use "$PORT" && die "port $PORT is in use; set QUFLX_PORT to another port"
# The server reads DATABASE_URL itself; its tick journal (the durable spool) lives in $STATE/server.
build/release/src/app/quflx serve --feed sim --port "$PORT" --redis-url "$REDIS_URL" \
  --state-dir "$STATE/server" "$@" &
echo $! >"$STATE/server/quflx.pid"
for _ in $(seq 1 100); do
  port_in_use "$PORT" && break
  kill -0 "$(cat "$STATE/server/quflx.pid")" 2>/dev/null || die "quflx serve exited; see the log above"
  sleep 0.1
done
say "dashboard: http://127.0.0.1:$PORT/   health: http://127.0.0.1:$PORT/health   metrics: http://127.0.0.1:$PORT/metrics"
say "press Ctrl-C to stop"
wait "$(cat "$STATE/server/quflx.pid")" || true
