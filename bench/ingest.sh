#!/usr/bin/env bash
# Ingest benchmark (see docs/benchmarks.md): the ingest path into a private Redis, next to
# redis-benchmark -P 64 for LPUSH and PUBLISH in the same run (the ceiling).
#   bench/ingest.sh [RUNS] [SECONDS]
# Prints a Markdown table of medians and ratios. Uses the recommended config/redis.conf.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$QUFLX_ROOT"
RUNS="${1:-5}"
SECONDS_PER_RUN="${2:-5}"
build_preset release quflx_bench_ingest >/dev/null

work="$(mktemp -d /tmp/quflx-bench-XXXXXX)"
trap 'stop_pidfile "$work/redis.pid"; rm -rf "$work"' EXIT
port="$(free_port_from 6480)"
url="$(start_redis "$work" "$port")"
cli() { redis-cli -p "$port" "$@" >/dev/null; }

# A tick as the server writes it (~90 bytes).
payload='{"type":"tick","asset":"EURUSD_otc","price":1.08231,"timestamp":1756869696.775,"seq":123456}'

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
rb() {  # redis-benchmark ops/s for one command, pipelined 64 deep, 50 clients
  redis-benchmark -p "$port" -P 64 -c 50 -n 2000000 -q "$@" 2>/dev/null | tr '\r' '\n' \
    | grep -Eo '[0-9.]+ requests per second' | tail -n 1 | awk '{print $1}'
}

declare -a lpush publish maxrate simrate simskip
for ((r = 1; r <= RUNS; r++)); do
  cli FLUSHALL
  lpush+=("$(rb LPUSH 'ticks:{EURUSD_otc}' "$payload")")
  cli FLUSHALL
  publish+=("$(rb PUBLISH 'updates:{EURUSD_otc}' "$payload")")
  cli FLUSHALL
  out="$(build/release/bench/quflx_bench_ingest --redis-url "$url" --mode max --assets 10 --seconds "$SECONDS_PER_RUN")"
  maxrate+=("$(sed -E 's/.*"ticks_per_s":([0-9.]+).*/\1/' <<<"$out")")
  echo "run $r: lpush ${lpush[-1]}/s publish ${publish[-1]}/s  ingest(max) $out" >&2
  cli FLUSHALL
  out="$(build/release/bench/quflx_bench_ingest --redis-url "$url" --mode sim --rate 200000 --assets 10 --seconds "$SECONDS_PER_RUN")"
  simrate+=("$(sed -E 's/.*"ticks_per_s":([0-9.]+).*/\1/' <<<"$out")")
  simskip+=("$(sed -E 's/.*"skipped":([0-9]+).*/\1/' <<<"$out")")
  echo "run $r: ingest(sim 200k/s) $out" >&2
done

m_lpush="$(printf '%s\n' "${lpush[@]}" | median)"
m_publish="$(printf '%s\n' "${publish[@]}" | median)"
m_max="$(printf '%s\n' "${maxrate[@]}" | median)"
m_sim="$(printf '%s\n' "${simrate[@]}" | median)"
m_skip="$(printf '%s\n' "${simskip[@]}" | median)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cat <<TABLE
| Measurement (median of $RUNS runs, ${SECONDS_PER_RUN} s each) | ops or ticks/s | ratio to PUBLISH ceiling |
|---|---|---|
| redis-benchmark -P 64 LPUSH (90-byte value) | $m_lpush | $(ratio "$m_lpush" "$m_publish") |
| redis-benchmark -P 64 PUBLISH (90-byte message) | $m_publish | 1.00 |
| quflx ingest, max mode, 10 assets | $m_max | $(ratio "$m_max" "$m_publish") |
| quflx ingest, SimFeed at 200,000 ticks/s, 10 assets (ticks skipped: $m_skip) | $m_sim | $(ratio "$m_sim" "$m_publish") |
TABLE
