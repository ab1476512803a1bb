# Shared by scripts/run.sh and scripts/test.sh: packages, build, private Redis/PostgreSQL.
# Sourced, not executed. Everything is idempotent: a second run finds what the first set up.

QUFLX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# ccache hits across clones (CI builds a fresh clone at another path): paths under the
# checkout are hashed relative to it.
export CCACHE_BASEDIR="$QUFLX_ROOT" CCACHE_NOHASHDIR=1

say() { printf '\033[1m[quflx]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[quflx] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Debian packages the build and the server need.
QUFLX_BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libhiredis-dev libpq-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libssl-dev
  redis-server redis-tools postgresql postgresql-client util-linux procps
)
# Only the test run needs these.
QUFLX_TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev openssl chromium
)

# Installs whichever of the given packages are missing (one apt-get call).
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# node and npm for the JavaScript tests and the dashboard. Checked as commands, not packages:
# a machine may have Node from elsewhere (NodeSource bundles npm), and Debian's npm package
# would conflict with it.
ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  ensure_packages nodejs npm
}

# cmake preset name -> configured and built build/<preset>. Extra args: ninja targets.
build_preset() {
  local preset="$1"; shift
  if [ ! -f "$QUFLX_ROOT/build/$preset/build.ninja" ]; then
    cmake --preset "$preset" -S "$QUFLX_ROOT" >/dev/null
  fi
  cmake --build "$QUFLX_ROOT/build/$preset" -- "$@"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# First free port from $1 upwards.
free_port_from() {
  local p="$1"
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

pg_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] || die "PostgreSQL server binaries not found (package postgresql)"
  echo "$d"
}

# Stops the process whose PID is in file $1 (SIGTERM, then SIGKILL after $2 seconds).
stop_pidfile() {
  local file="$1" grace="${2:-10}" pid i
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# start_redis DIR PORT: a private redis-server with the recommended configuration, in the
# background. Prints the URL.
start_redis() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  stop_pidfile "$dir/redis.pid"
  # Its own session: a Ctrl-C meant for the server must not stop Redis while the server is
  # still flushing to it (the caller stops it afterwards, by PID).
  setsid redis-server "$QUFLX_ROOT/config/redis.conf" --port "$port" --dir "$dir" \
    --daemonize no --logfile "$dir/redis.log" >/dev/null 2>&1 &
  echo $! >"$dir/redis.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "redis://127.0.0.1:$port"; return 0; }
    kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null || break
    sleep 0.1
  done
  die "redis-server did not start; see $dir/redis.log"
}

# The PostgreSQL server refuses to run as root; as root it runs as the 'postgres' user, which
# must be able to reach its data directory.
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR PORT: a private PostgreSQL cluster (created on first use) with a database
# named quflx, in the background. Prints the URL.
start_postgres() {
  local dir="$1" port="$2" bin
  bin="$(pg_bindir)"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      die "the postgres user cannot reach $dir; set QUFLX_STATE_DIR to a directory it can reach"
    fi
  fi
  stop_pidfile "$dir/postgres.pid"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || die "initdb failed; see $dir/initdb.log"
  fi
  rm -f "$dir/data/postmaster.pid"  # left by a killed server; the PID file below is ours
  # Its own session, as for Redis: the server commits its last batch on Ctrl-C.
  local as_postgres=()
  [ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
  setsid "${as_postgres[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" \
    -c listen_addresses=127.0.0.1 -c fsync=on -c logging_collector=off >"$dir/postgres.log" 2>&1 &
  echo $! >"$dir/postgres.pid"
  local i
  for ((i = 0; i < 150; i++)); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='quflx'" \
        | grep -q 1 || psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE quflx" >/dev/null
      echo "postgresql://postgres@127.0.0.1:$port/quflx"
      return 0
    fi
    kill -0 "$(cat "$dir/postgres.pid")" 2>/dev/null || break
    sleep 0.1
  done
  die "PostgreSQL did not start; see $dir/postgres.log"
}

# A state directory the postgres user can reach: the project's .state unless the checkout
# lives somewhere it cannot traverse (e.g. /root), then under /var/tmp.
state_dir() {
  local dir="${QUFLX_STATE_DIR:-$QUFLX_ROOT/.state}"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ] && [ -z "${QUFLX_STATE_DIR:-}" ] && ! runuser -u postgres -- test -x "$dir"; then
    local alt="/var/tmp/quflx-state-$(printf '%s' "$QUFLX_ROOT" | md5sum | cut -c1-8)"
    mkdir -p "$alt"
    chmod 755 "$alt"
    say "postgres cannot reach $dir; keeping its data in $alt" >&2
    dir="$alt"
  fi
  echo "$dir"
}
