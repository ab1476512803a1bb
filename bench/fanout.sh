#!/usr/bin/env bash
# Fan-out benchmark (see docs/benchmarks.md): Socket.IO clients subscribed to live ticks,
# measured with our load generator (build/release/bench/quflx_bench_fanout) against
#   node      the reference: socket.io + @socket.io/redis-adapter (bench/node-reference),
#             relaying updates:{A} from Redis to rooms
#   relay     quflx serve --feed none, relaying updates:{A} from Redis (the same job)
#   local     the quflx server that ingests, serving its own ticks (no Redis hop)
# in the same run, on the same workloads, with the same ingest: a quflx server with the
# simulated feed publishing into a private Redis.
#
#   bench/fanout.sh [CLIENTS] [TICKS_PER_S] [ASSETS] [SECONDS] [RUNS] [SWEEP]
#   defaults:        200       1000          10       10        3      "2000 5000 10000 20000 40000"
#
# Two workloads: "latency" at TICKS_PER_S, RUNS runs (the aim: p99 < 2 ms at 1,000 ticks/s
# over 10 assets with 200 clients), and "throughput": the offered tick rate rises through
# SWEEP (offered deliveries/s = ticks/s x clients per asset) and each server's sustained rate
# is the highest it kept up with. Prints Markdown tables (medians) with ratios to the
# reference. QUFLX_FANOUT_THREADS sets the load generator's threads (1).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$QUFLX_ROOT"
CLIENTS="${1:-200}"
RATE="${2:-1000}"
ASSETS="${3:-10}"
SECS="${4:-10}"
RUNS="${5:-3}"
SWEEP="${6:-2000 5000 10000 20000 40000}"
LOADGEN_THREADS="${QUFLX_FANOUT_THREADS:-1}"

ensure_node
build_preset release quflx quflx_bench_fanout >/dev/null
if [ ! -d bench/node-reference/node_modules ]; then
  (cd bench/node-reference && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

work="$(mktemp -d /tmp/quflx-fanout-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  stop_pidfile "$work/redis/redis.pid"
  rm -rf "$work"
}
trap cleanup EXIT
rport="$(free_port_from 6490)"
redis_url="$(start_redis "$work/redis" "$rport")"
assets="$(seq -s, -f 'BENCH%g_otc' 1 "$ASSETS")"

wait_port() {  # wait until something listens on $1
  local i
  for ((i = 0; i < 100; i++)); do
    port_in_use "$1" && return 0
    sleep 0.1
  done
  die "nothing listening on port $1; logs in $work"
}
stop_pid() {  # not our child (started in a subshell): signal and poll
  kill "$1" 2>/dev/null || return 0
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
  kill -9 "$1" 2>/dev/null || true
}
# start NAME ARGS...: a background process; echoes its PID.
start() {
  local name="$1"; shift
  "$@" >"$work/$name.log" 2>&1 &
  echo $!
}
quflx_serve() {  # PORT ARGS...
  local port="$1"; shift
  start "quflx-$port" build/release/src/app/quflx serve --port "$port" --redis-url "$redis_url" \
    --database-url none --state-dir "$work/state-$port" --log-level warn "$@"
}
loadgen() {  # PORT
  build/release/bench/quflx_bench_fanout --port "$1" --clients "$CLIENTS" --assets "$assets" \
    --seconds "$SECS" --warmup 2 --threads "$LOADGEN_THREADS"
}
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" <<<"$2"; }
cpu_ticks() {  # utime + stime of a process, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A results
# run_workload NAME TICKS_PER_S RUNS TARGETS...: RUNS rounds of the loadgen against each target.
run_workload() {
  local wl="$1" rate="$2" runs="$3"; shift 3
  local targets=("$@") per_asset iport target r out pid port
  per_asset="$(awk -v r="$rate" -v a="$ASSETS" 'BEGIN {print r / a}')"
  iport="$(free_port_from 3400)"
  local ingest
  ingest="$(quflx_serve "$iport" --feed sim --sim-assets "$assets" --sim-rate "$per_asset")"
  pids+=("$ingest")
  wait_port "$iport"
  results["$wl,load"]="$(cut -d' ' -f1-3 /proc/loadavg)"
  for ((r = 1; r <= runs; r++)); do
    for target in "${targets[@]}"; do
      pid=""
      case "$target" in
        node)
          port="$(free_port_from 3500)"
          pid="$(start "node-$port" node bench/node-reference/server.mjs --port "$port" --redis-url "$redis_url")"
          ;;
        relay)
          port="$(free_port_from 3600)"
          pid="$(quflx_serve "$port" --feed none)"
          ;;
        local) port="$iport" ;;
      esac
      [ -n "$pid" ] && pids+=("$pid")
      wait_port "$port"
      local spid="$pid"
      [ "$target" = local ] && spid="$ingest"
      local c0 t0 c1 t1
      c0="$(cpu_ticks "$spid")"; t0="$(date +%s.%N)"
      out="$(loadgen "$port")"
      c1="$(cpu_ticks "$spid")"; t1="$(date +%s.%N)"
      # The server's CPU over the whole loadgen run (connect, warm-up, window), in % of a core.
      results["$wl,$target,cpu"]+="$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%.0f", (b - a) / hz / (e - s) * 100}') "
      echo "$wl run $r $target: $out" >&2
      results["$wl,$target,dps"]+="$(field deliveries_per_s "$out") "
      results["$wl,$target,p50"]+="$(field p50_ms "$out") "
      results["$wl,$target,p99"]+="$(field p99_ms "$out") "
      results["$wl,$target,p999"]+="$(field p999_ms "$out") "
      results["$wl,$target,missing"]+="$(field missing "$out") "
      results["$wl,$target,failed"]+="$(field failed "$out") "
      [ -n "$pid" ] && stop_pid "$pid"
    done
  done
  stop_pid "$ingest"
}

med() { tr ' ' '\n' <<<"${results[$1]}" | grep -v '^$' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
label() {
  case "$1" in
    node) echo "reference: Node socket.io + redis-adapter" ;;
    relay) echo "quflx --feed none (relay from Redis)" ;;
    local) echo "quflx with the feed (no Redis hop)" ;;
  esac
}
per_asset_clients=$((CLIENTS / ASSETS))

run_workload latency "$RATE" "$RUNS" node relay local

# Throughput: offered rates rising until a server stops keeping up (fewer than 95 % of the
# offered deliveries, or clients that failed); that server then leaves the sweep. Its sustained
# rate is the highest it kept up with.
declare -A sustained kept
active=(node relay local)
for rate in $SWEEP; do
  [ "${#active[@]}" -gt 0 ] || break
  run_workload "tp$rate" "$rate" 1 "${active[@]}"
  offered=$((rate * per_asset_clients))
  next=()
  for target in "${active[@]}"; do
    d="$(med "tp$rate,$target,dps")"
    if awk -v d="$d" -v o="$offered" -v f="$(med "tp$rate,$target,failed")" 'BEGIN {exit !(f == 0 && d >= 0.95 * o)}'; then
      sustained[$target]="$d"; kept[$target]="$rate"; next+=("$target")
    fi
  done
  active=("${next[@]}")
done

echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1e6}' /proc/meminfo); loadgen threads: $LOADGEN_THREADS; ${SECS} s per run"
echo
echo "Workload latency: $CLIENTS clients over $ASSETS assets, $RATE ticks/s (offered $((RATE * per_asset_clients)) deliveries/s), medians of $RUNS runs; load average before: ${results[latency,load]}"
echo
echo "| Server | deliveries/s | p50 ms | p99 ms | p99.9 ms | seqs merged (slow-consumer policy) | server CPU % of a core | p99 vs reference |"
echo "|---|---|---|---|---|---|---|---|"
for target in node relay local; do
  echo "| $(label $target) | $(med "latency,$target,dps") | $(med "latency,$target,p50") | $(med "latency,$target,p99") | $(med "latency,$target,p999") | $(med "latency,$target,missing") | $(med "latency,$target,cpu") | $(ratio "$(med "latency,$target,p99")" "$(med "latency,node,p99")") |"
done
echo
echo "Workload throughput: $CLIENTS clients over $ASSETS assets, offered ticks/s rising through: $SWEEP (one run per point)"
echo
echo "| ticks/s offered | deliveries/s offered | Server | deliveries/s | failed clients | p50 ms | p99 ms | server CPU % of a core |"
echo "|---|---|---|---|---|---|---|---|"
for rate in $SWEEP; do
  for target in node relay local; do
    [ -n "${results[tp$rate,$target,dps]:-}" ] || continue
    echo "| $rate | $((rate * per_asset_clients)) | $(label $target) | $(med "tp$rate,$target,dps") | $(med "tp$rate,$target,failed") | $(med "tp$rate,$target,p50") | $(med "tp$rate,$target,p99") | $(med "tp$rate,$target,cpu") |"
  done
done
echo
echo "| Server | sustained deliveries/s (highest offered rate kept up with) | vs reference |"
echo "|---|---|---|"
for target in node relay local; do
  d="${sustained[$target]:-0}"
  note=""
  [ "${kept[$target]:-}" = "${SWEEP##* }" ] && note=" (the top of the sweep: at least this)"
  echo "| $(label $target) | $d$note | $(ratio "$d" "${sustained[node]:-0}") |"
done
