#!/usr/bin/env bash
# Persistence benchmark (see docs/benchmarks.md): sustained durable ingest (simulator ->
# pipeline -> tick journal -> persister -> PostgreSQL) next to a plain COPY of the same rows
# into the same table in the same run (the ceiling), and cache-first history latency for 200
# candles (hit and miss) next to a bare Redis GET and the bare SQL query.
#   bench/persist.sh [RUNS] [SECONDS]
# Prints a Markdown table of medians and ratios. Private PostgreSQL (fsync on, as run.sh
# starts it) and Redis (config/redis.conf) in a temporary directory.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$QUFLX_ROOT"
RUNS="${1:-3}"
SECONDS_PER_RUN="${2:-10}"
build_preset release quflx_bench_persist >/dev/null

work="$(mktemp -d /tmp/quflx-bench-persist-XXXXXX)"
chmod 755 "$work"
trap 'stop_pidfile "$work/pg/postgres.pid"; stop_pidfile "$work/redis/redis.pid"; rm -rf "$work"' EXIT
db="$(start_postgres "$work/pg" "$(free_port_from 5480)")"
redis="$(start_redis "$work/redis" "$(free_port_from 6480)")"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" <<<"$2"; }
declare -a ingest full copy lag backlog app50 app99 paced50 paced99 hit50 hit99 miss50 miss99 get50 get99 sql50 sql99
for ((r = 1; r <= RUNS; r++)); do
  out="$(build/release/bench/quflx_bench_persist --mode ingest --database-url "$db" --dir "$work" --seconds "$SECONDS_PER_RUN")"
  echo "run $r: $out" >&2
  ingest+=("$(field committed_per_s "$out")"); copy+=("$(field copy_per_s "$out")")
  lag+=("$(field max_lag_s "$out")"); backlog+=("$(field max_backlog_ticks "$out")")
  app50+=("$(field append_p50_us "$out")"); app99+=("$(field append_p99_us "$out")")
  out="$(build/release/bench/quflx_bench_persist --mode ingest --with-redis --database-url "$db" --redis-url "$redis" --dir "$work" --seconds "$SECONDS_PER_RUN")"
  echo "run $r: $out" >&2
  full+=("$(field committed_per_s "$out")")
  out="$(build/release/bench/quflx_bench_persist --mode ingest --with-redis --rate 20000 --batch 20 --database-url "$db" --redis-url "$redis" --dir "$work" --seconds "$SECONDS_PER_RUN")"
  echo "run $r: $out" >&2
  paced50+=("$(field append_p50_us "$out")"); paced99+=("$(field append_p99_us "$out")")
  out="$(build/release/bench/quflx_bench_persist --mode history --database-url "$db" --redis-url "$redis")"
  echo "run $r: $out" >&2
  hit50+=("$(field hit_p50_ms "$out")"); hit99+=("$(field hit_p99_ms "$out")")
  miss50+=("$(field miss_p50_ms "$out")"); miss99+=("$(field miss_p99_ms "$out")")
  get50+=("$(field redis_get_p50_ms "$out")"); get99+=("$(field redis_get_p99_ms "$out")")
  sql50+=("$(field sql_p50_ms "$out")"); sql99+=("$(field sql_p99_ms "$out")")
done
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

m() { printf '%s\n' "$@" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
mi="$(m "${ingest[@]}")"; mc="$(m "${copy[@]}")"
cat <<TABLE
| Measurement (median of $RUNS runs, ${SECONDS_PER_RUN} s each) | value | ratio |
|---|---|---|
| plain COPY of the same rows, same table, 100k-row transactions (ceiling) | $mc rows/s | 1.00 |
| sustained durable ingest: pipeline -> journal -> persister -> PostgreSQL, 10 assets (committed ticks over the run and its drain) | $mi ticks/s | $(ratio "$mi" "$mc") |
| the same with RedisTickWriter as a sink too (the server's whole tick path, Redis on the same 2 cores) | $(m "${full[@]}") ticks/s | $(ratio "$(m "${full[@]}")" "$mc") |
| persistence lag during ingest (oldest unpersisted tick), max | $(m "${lag[@]}") s | |
| backlog during ingest, max | $(m "${backlog[@]}") ticks | |
| journal append (what durability adds before visibility) p50 / p99, saturated as above | $(m "${app50[@]}") / $(m "${app99[@]}") µs | |
| journal append p50 / p99 at 20,000 ticks/s (20-tick batches) with Redis | $(m "${paced50[@]}") / $(m "${paced99[@]}") µs | |

| History, 200 candles (median of $RUNS runs) | p50 ms | p99 ms | p99 ratio to baseline |
|---|---|---|---|
| bare Redis GET of the cache key (baseline for a hit) | $(m "${get50[@]}") | $(m "${get99[@]}") | 1.00 |
| cache hit through HistoryService | $(m "${hit50[@]}") | $(m "${hit99[@]}") | $(ratio "$(m "${hit99[@]}")" "$(m "${get99[@]}")") |
| bare SQL query for the 200 candles (baseline for a miss) | $(m "${sql50[@]}") | $(m "${sql99[@]}") | 1.00 |
| cache miss: database read + cache fill | $(m "${miss50[@]}") | $(m "${miss99[@]}") | $(ratio "$(m "${miss99[@]}")" "$(m "${sql99[@]}")") |
TABLE
