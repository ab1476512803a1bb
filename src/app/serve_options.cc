#include "app/serve_options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include <unistd.h>

#include "app/database_url.h"
#include "common/time.h"
#include "core/asset.h"
#include "core/timeframe.h"
#include "protocol/http_host.h"
#include "store/pg/connection.h"
#include "store/redis/endpoint.h"

namespace quflx {
namespace {

// The XDG base directory for state (logs, history, queues), as a service without a home
// directory would also accept a --state-dir.
constexpr const char* kDefaultStateDir = "${XDG_STATE_HOME:-~/.local/state}/quflx";

// The default and a leading "~/" are expanded after resolution, with the injected
// environment.
std::string expand_state_dir(const std::string& v, const EnvLookup& env) {
  const std::string home = env("HOME").value_or("");
  if (v == kDefaultStateDir) {
    if (auto xdg = env("XDG_STATE_HOME"); xdg && !xdg->empty()) return *xdg + "/quflx";
    if (!home.empty()) return home + "/.local/state/quflx";
    return ".quflx-state";
  }
  if (v.starts_with("~/") && !home.empty()) return home + v.substr(1);
  return v;
}

// Every option of `quflx serve`. Order is the order of --help and of the docs table.
const Option<ServeConfig> kServeOptions[] = {
    {"host", "host", "QUFLX_HOST", nullptr, "127.0.0.1", "Address to listen on",
     "loopback until you decide to expose the server", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0].empty()) return option_problem("must not be empty");
       c.host = v[0];
       return {};
     }},
    {"port", "port", "QUFLX_PORT", nullptr, "3001", "HTTP and Socket.IO port (0: any free port)",
     "the port the QuFLX front end expects", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 0, 65535), [&](auto n) { c.port = static_cast<std::uint16_t>(n); });
     }},
    {"log-level", "log_level", "QUFLX_LOG_LEVEL", nullptr, "info",
     "trace, debug, info, warn, error or off", "start-up, connection changes and problems only",
     false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
       if (!kLevels.contains(v[0])) {
         return option_problem(fmt::format("must be one of trace, debug, info, warn, error, off (got '{}')", v[0]));
       }
       c.log_level = v[0];
       return {};
     }},
    {"redis-url", "redis_url", "QUFLX_REDIS_URL", "REDIS_URL", "redis://127.0.0.1:6379",
     "Redis server (redis://[:password@]host[:port][/db]) or 'none'",
     "Redis's own default address", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0] == "none") {
         c.redis_url.reset();
         return {};
       }
       auto ep = redis::parse_redis_url(v[0]);
       if (!ep.ok()) return ep.error();
       c.redis_url = v[0];
       return {};
     }},
    {"feed", "feed", "QUFLX_FEED", nullptr, "sim",
     "Feeds to run: sim, ws, cdp, csv, push, or none (repeatable; several run at once)",
     "something to look at out of the box", true,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       static const std::set<std::string> kFeeds = {"sim", "ws", "cdp", "csv", "push", "none"};
       std::set<std::string> seen;
       for (const auto& f : v) {
         if (!kFeeds.contains(f)) {
           return option_problem(fmt::format("unknown feed '{}' (available: sim, ws, cdp, csv, push, none)", f));
         }
         if (!seen.insert(f).second) return option_problem(fmt::format("feed '{}' given twice", f));
       }
       if (seen.contains("none") && seen.size() > 1) {
         return option_problem("'none' cannot be combined with other feeds");
       }
       c.feeds = seen.contains("none") ? Values{} : v;
       return {};
     }},
    {"ws-url", "ws.url", "QUFLX_WS_URL", nullptr, "",
     "Upstream WebSocket of the ws feed (ws:// or wss://; for PocketOption framing "
     "wss://HOST/socket.io/?EIO=4&transport=websocket)",
     "no upstream is assumed", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (!v[0].empty()) {
         if (auto ok = check_url_scheme(v[0], {"ws://", "wss://"}); !ok.ok()) return ok;
       }
       c.ws_url = v[0];
       return {};
     }},
    {"ws-format", "ws.format", "QUFLX_WS_FORMAT", nullptr, "pocketoption",
     "Frames of the ws and cdp feeds: pocketoption (Socket.IO v4 events) or json (tick objects)",
     "the broker the original captured", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0] != "pocketoption" && v[0] != "json") {
         return option_problem(fmt::format("must be pocketoption or json (got '{}')", v[0]));
       }
       c.ws_format = v[0];
       return {};
     }},
    {"ws-send", "ws.send", "QUFLX_WS_SEND", nullptr, "",
     "Messages the ws feed sends after connecting (for pocketoption once Socket.IO is "
     "connected), one per line, e.g. an auth event and changeSymbol subscriptions",
     "nothing is sent unless asked; may hold a session secret, so keep it out of files in git",
     false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       c.ws_send.clear();
       std::size_t start = 0;
       const std::string& s = v[0];
       while (start < s.size()) {
         auto nl = s.find('\n', start);
         if (nl == std::string::npos) nl = s.size();
         std::string line = s.substr(start, nl - start);
         if (!line.empty() && line.back() == '\r') line.pop_back();
         if (!line.empty()) c.ws_send.push_back(line);
         start = nl + 1;
       }
       return {};
     }},
    {"ws-keepalive", "ws.keepalive", "QUFLX_WS_KEEPALIVE", nullptr, "",
     "Message the ws feed sends every --ws-keepalive-interval (e.g. 42[\"ps\"]); empty: "
     "WebSocket pings only",
     "WebSocket pings keep most upstreams open; brokers that want an application message say so",
     false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       c.ws_keepalive = v[0];
       return {};
     }},
    {"ws-keepalive-interval", "ws.keepalive_interval", "QUFLX_WS_KEEPALIVE_INTERVAL", nullptr,
     "20", "Seconds between keep-alive messages", "below the usual 25-30 s idle cut-off", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 3600, true),
                         [&](auto d) { c.ws_keepalive_interval = d; });
     }},
    {"ws-idle-timeout", "ws.idle_timeout", "QUFLX_WS_IDLE_TIMEOUT", nullptr, "30",
     "Seconds without any message after which the ws/cdp connection counts as dead and is "
     "reopened (WebSocket pings go out at half of it)",
     "Engine.IO pings every 25 s; a dead link is noticed within half a minute", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 1, 3600, false),
                         [&](auto d) { c.ws_idle_timeout = d; });
     }},
    {"ws-ca-file", "ws.ca_file", "QUFLX_WS_CA_FILE", nullptr, "",
     "PEM certificates trusted for wss:// and https:// besides the system CA store (ws and "
     "cdp feeds)",
     "the system store is what public upstreams need; a private CA is the exception", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (!v[0].empty() && ::access(v[0].c_str(), R_OK) != 0) {
         return option_problem(fmt::format("cannot read '{}'", v[0]));
       }
       c.ws_ca_file = v[0];
       return {};
     }},
    {"cdp-url", "cdp.url", "QUFLX_CDP_URL", nullptr, "http://127.0.0.1:9222",
     "Chrome's remote debugging endpoint for the cdp feed", "Chrome's default debugging port",
     false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (auto ok = check_url_scheme(v[0], {"http://", "https://"}); !ok.ok()) return ok;
       c.cdp_url = v[0];
       return {};
     }},
    {"cdp-target", "cdp.target", "QUFLX_CDP_TARGET", nullptr, "",
     "Attach to the first page whose URL contains this text", "any page, when there is one",
     false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       c.cdp_target = v[0];
       return {};
     }},
    {"csv-file", "csv.file", "QUFLX_CSV_FILE", nullptr, "",
     "Tick (timestamp,asset,price) or candle (timestamp,open,high,low,close[,volume]) CSV "
     "file the csv feed replays", "no file is assumed", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       c.csv_file = v[0];
       return {};
     }},
    {"csv-speed", "csv.speed", "QUFLX_CSV_SPEED", nullptr, "max",
     "Replay speed factor (1: real time) or max", "replays are mostly for filling history fast",
     false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0] == "max") {
         c.csv_speed = 0;
         return {};
       }
       return with_value(parse_number(v[0], 0, 1e9, true), [&](double f) { c.csv_speed = f; });
     }},
    {"csv-asset", "csv.asset", "QUFLX_CSV_ASSET", nullptr, "",
     "Asset of a CSV file without an asset column (else taken from the file name)",
     "EURUSD_otc_1m.csv names its own asset", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (!v[0].empty()) {
         if (auto ok = validate_asset_name(v[0]); !ok.ok()) return option_problem(ok.error().message);
       }
       c.csv_asset = v[0];
       return {};
     }},
    {"csv-timeframe", "csv.timeframe", "QUFLX_CSV_TIMEFRAME", nullptr, "",
     "Timeframe of a candle CSV file (else taken from the file name)",
     "EURUSD_otc_1m.csv names its own timeframe", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (!v[0].empty()) {
         auto tf = validate_timeframe(v[0]);
         if (!tf.ok()) return option_problem(tf.error().message);
       }
       c.csv_timeframe = v[0];
       return {};
     }},
    {"clock-offset", "clock_offset", "QUFLX_CLOCK_OFFSET", nullptr, "0",
     "Seconds subtracted from feed timestamps: S for every feed but sim, or FEED=S per feed "
     "(e.g. ws=7200,csv=0)",
     "feeds are expected on UTC; the PocketOption broker ran about +7200 s ahead", true,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       static const std::set<std::string> kFeeds = {"ws", "cdp", "csv", "push"};
       c.clock_offsets.clear();
       for (const auto& item : v) {
         std::string feed = "*";
         std::string value = item;
         if (const auto eq = item.find('='); eq != std::string::npos) {
           feed = item.substr(0, eq);
           value = item.substr(eq + 1);
           if (!kFeeds.contains(feed)) {
             return option_problem(fmt::format("'{}': feed must be one of ws, cdp, csv, push", item));
           }
         }
         auto n = parse_number(value, -86400 * 365, 86400 * 365, false);
         if (!n.ok()) return option_problem(fmt::format("'{}': {}", item, n.error().message));
         c.clock_offsets.emplace_back(feed, std::chrono::microseconds(std::llround(*n * 1e6)));
       }
       return {};
     }},
    {"stale-after", "stale_after", "QUFLX_STALE_AFTER", nullptr, "10",
     "Seconds without a tick after which a ws/cdp/push asset is reported stale",
     "OTC assets tick several times a second; ten silent seconds mean trouble", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<Micros>(v[0], 0.1, 86400, false),
                         [&](auto d) { c.stale_after = d; });
     }},
    {"auth-token", "auth_token", "QUFLX_AUTH_TOKEN", nullptr, "",
     "Token that write requests must present: POST /api/ticks as Authorization: Bearer TOKEN "
     "(refused while unset), Socket.IO write events as auth {token} on CONNECT (while unset: open "
     "on a loopback --host, refused on any other)",
     "no default secret: pushing stays closed, and Socket.IO writes open only to this machine, until "
     "you set one; keep it out of files in git", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       c.auth_token = v[0];
       return {};
     }},
    {"sim-assets", "sim.assets", "QUFLX_SIM_ASSETS", nullptr,
     "EURUSD_otc,GBPUSD_otc,USDJPY_otc,BTCUSD,#AAPL_otc", "Assets the simulator produces",
     "one of each class: FX, JPY pair, crypto, stock", true,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       std::set<std::string> seen;
       c.sim_assets.clear();
       for (const auto& a : v) {
         if (auto ok = validate_asset_name(a); !ok.ok()) return option_problem(ok.error().message);
         if (!seen.insert(a).second) return option_problem(fmt::format("asset '{}' given twice", a));
         c.sim_assets.push_back(default_sim_asset(a));
       }
       if (c.sim_assets.empty()) return option_problem("must name at least one asset");
       return {};
     }},
    {"sim-rate", "sim.rate", "QUFLX_SIM_RATE", nullptr, "2",
     "Simulated ticks per second per asset", "a calm chart; load tests raise it", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_number(v[0], 0, 10'000'000, true), [&](double r) { c.sim_rate = r; });
     }},
    {"sim-seed", "sim.seed", "QUFLX_SIM_SEED", nullptr, "",
     "Seed for simulated prices (same seed, same prices); random if unset",
     "a different walk each run unless you ask for a repeat", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0].empty()) return {};
       return with_value(parse_integer(v[0], 0, UINT64_MAX), [&](std::uint64_t s) {
         c.sim_seed = s;
         c.sim_seed_given = true;
       });
     }},
    {"buffer-size", "redis.buffer_size", "QUFLX_BUFFER_SIZE", nullptr, "1000",
     "Ticks kept per asset in ticks:{ASSET}", "the original's size; also the resume window", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 1, 10'000'000), [&](auto n) { c.buffer_size = n; });
     }},
    {"history-candles", "candles.history", "QUFLX_HISTORY_CANDLES", nullptr, "200",
     "Closed candles kept in historical:{ASSET}:{TF}", "what a chart shows on first load", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 1, 500), [&](auto n) { c.history_candles = n; });
     }},
    {"history-ttl", "candles.history_ttl", "QUFLX_HISTORY_TTL", nullptr, "3600",
     "Seconds before an unrefreshed candle cache key expires", "SPEC §3: one hour", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 1, 31'536'000),
                   [&](auto n) { c.history_ttl = std::chrono::seconds(n); });
     }},
    {"late-grace", "candles.late_grace", "QUFLX_LATE_GRACE", nullptr, "5",
     "Seconds after a bar ends during which a late tick still amends it",
     "covers feed reordering and bursty delivery without leaving bars uncertain for long", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<Micros>(v[0], 0, 3600, false),
                         [&](auto d) { c.late_grace = d; });
     }},
    {"max-future-skew", "candles.max_future_skew", "QUFLX_MAX_FUTURE_SKEW", nullptr, "60",
     "Seconds a tick may be ahead of its feed's clock before it is rejected",
     "catches a feed on the wrong clock (use --clock-offset) without tripping on small skew",
     false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<Micros>(v[0], 0, 86400, true),
                         [&](auto d) { c.max_future_skew = d; });
     }},
    {"shutdown-timeout", "shutdown_timeout", "QUFLX_SHUTDOWN_TIMEOUT", nullptr, "10",
     "Seconds allowed for flushing pending writes on SIGINT/SIGTERM",
     "long enough to flush, short enough for a service manager", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 3600, true),
                         [&](auto d) { c.shutdown_timeout = d; });
     }},
    {"database-url", "database_url", kDatabaseUrlEnv, kDatabaseUrlAltEnv, kDefaultDatabaseUrl,
     "PostgreSQL (postgresql://user[:password]@host[:port]/db, or key=value) or 'none'",
     "a local PostgreSQL; 'none' persists nothing", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0] == "none") {
         c.database_url.reset();
         return {};
       }
       if (v[0].empty()) return option_problem("must not be empty (use 'none' to run without PostgreSQL)");
       if (auto ok = pg::validate_url(v[0]); !ok.ok()) return option_problem(ok.error().message);
       c.database_url = v[0];
       return {};
     }},
    {"redis-timeout", "redis_timeout", "QUFLX_REDIS_TIMEOUT", nullptr, "5",
     "Seconds Redis has to answer a command; past it the connection is dropped and replaced "
     "(idle connections PING every second so a dead peer shows)",
     "a loaded Redis answers in milliseconds; a silent one is found in seconds", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 3600, true),
                         [&](auto d) { c.redis_timeout = d; });
     }},
    {"pg-timeout", "pg_timeout", "QUFLX_PG_TIMEOUT", nullptr, "30",
     "Seconds PostgreSQL has to answer each request (also its statement_timeout); past it the "
     "connection is dropped and replaced",
     "finds a silently dead database in seconds, long enough for a big batch", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 3600, true),
                         [&](auto d) { c.pg_timeout = d; });
     }},
    {"state-dir", "state_dir", "QUFLX_STATE_DIR", nullptr, kDefaultStateDir,
     "Directory for the tick journal (the durable spool); one server per directory",
     "the XDG place for a program's state", false,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       if (v[0].empty()) return option_problem("must not be empty");
       c.state_dir = v[0];  // expanded in resolve()
       return {};
     }},
    {"batch-interval", "persist.batch_interval", "QUFLX_BATCH_INTERVAL", nullptr, "30",
     "Seconds between COPY batches into PostgreSQL (sooner when batch-max-rows are waiting)",
     "SPEC §4; ticks are durable in the tick journal long before", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 86400, true), [&](auto d) {
         c.batch_interval = std::max(d, std::chrono::milliseconds(1));
       });
     }},
    {"batch-max-rows", "persist.batch_max_rows", "QUFLX_BATCH_MAX_ROWS", nullptr, "100000",
     "Ticks that trigger a batch before the interval ends",
     "a few MB per COPY: the fixed cost per transaction is amortised, one batch commits in well under a second",
     false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 1, 10'000'000), [&](auto n) { c.batch_max_rows = n; });
     }},
    {"spool-max-mb", "persist.spool_max_mb", "QUFLX_SPOOL_MAX_MB", nullptr, "1024",
     "MiB the tick journal may hold while PostgreSQL is away; beyond it new ticks are refused and counted",
     "about 38 million ticks: over six minutes at 100,000 ticks/s, weeks at calm rates", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 1, 16'777'216), [&](auto n) { c.spool_max_bytes = n << 20; });
     }},
    {"fsync-interval", "persist.fsync_interval", "QUFLX_FSYNC_INTERVAL", nullptr, "1",
     "Seconds between fsyncs of the tick journal; 0 syncs every batch before anyone sees it",
     "a crash of the server loses nothing either way; a power loss at most this long, as Redis's appendfsync everysec, without adding the ~2 ms of an fsync to every tick",
     false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 60, false),
                         [&](auto d) { c.fsync_interval = d; });
     }},
    {"ping-interval", "socketio.ping_interval", "QUFLX_PING_INTERVAL", nullptr, "25",
     "Seconds between Engine.IO pings to each client",
     "the reference server's default, which every client copes with", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0.05, 3600, false),
                         [&](auto d) { c.ping_interval = d; });
     }},
    {"ping-timeout", "socketio.ping_timeout", "QUFLX_PING_TIMEOUT", nullptr, "20",
     "Seconds a client has to answer a ping before it is disconnected",
     "the reference server's default: long enough for a busy browser tab", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0.05, 3600, false),
                         [&](auto d) { c.ping_timeout = d; });
     }},
    {"max-payload", "socketio.max_payload", "QUFLX_MAX_PAYLOAD", nullptr, "1000000",
     "Largest Engine.IO message or polling body, in bytes; above it the connection is closed",
     "Engine.IO's default (1 MB)", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 1024, 64u << 20), [&](auto n) { c.max_payload = n; });
     }},
    {"cors-origins", "socketio.cors_origins", "QUFLX_CORS_ORIGINS", nullptr, "",
     "Browser origins allowed besides the server's own and localhost (e.g. https://app.example); * allows any",
     "a page elsewhere cannot use the API unless you say so", true,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       for (const auto& o : v) {
         if (o != "*" && !(o.starts_with("http://") || o.starts_with("https://"))) {
           return option_problem(fmt::format("'{}' is not an origin (http://host[:port] or https://...)", o));
         }
       }
       c.cors_origins = v;
       return {};
     }},
    {"allowed-hosts", "allowed_hosts", "QUFLX_ALLOWED_HOSTS", nullptr, "",
     "Host names requests may carry besides IP addresses, localhost and --host (e.g. quflx.example); * allows any",
     "a name re-pointed at this machine (DNS rebinding) must not reach the API", true,
     [](ServeConfig& c, const Values& v) -> Result<void> {
       c.allowed_hosts.clear();
       for (const auto& h : v) {
         if (h == "*") {
           c.allowed_hosts.push_back(h);
           continue;
         }
         auto name = http_host::host_of(h);
         if (!name || h.find(':') != std::string::npos) {
           return option_problem(fmt::format("'{}' is not a host name (no scheme, no port)", h));
         }
         c.allowed_hosts.push_back(*name);
       }
       return {};
     }},
    {"client-rate-limit", "socketio.client_rate_limit", "QUFLX_CLIENT_RATE_LIMIT", nullptr, "20",
     "Events per second a client may send (bursts of twice that); more get rate_limited errors",
     "far above what a chart sends, far below what would cost the server its time", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_number(v[0], 0, 1'000'000, true), [&](double r) { c.client_rate = r; });
     }},
    {"client-conflate-bytes", "socketio.client_conflate_bytes", "QUFLX_CLIENT_CONFLATE_BYTES",
     nullptr, "262144",
     "Unsent bytes for one client above which its live updates are merged (newest tick, current bar)",
     "about a second of a busy asset for a slow link; below it nothing is merged", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 4096, 1u << 30), [&](auto n) { c.client_conflate_bytes = n; });
     }},
    {"client-max-bytes", "socketio.client_max_bytes", "QUFLX_CLIENT_MAX_BYTES", nullptr, "8388608",
     "Unsent bytes for one client, after merging, at which it is disconnected",
     "a client this far behind is not catching up; its memory is better freed", false,
     [](ServeConfig& c, const Values& v) {
       return with_value(parse_integer(v[0], 65536, 4ull << 30), [&](auto n) { c.client_max_bytes = n; });
     }},
};

// Options that only make sense together, and the state directory's expansion.
Result<void> check_serve_config(ServeConfig& c, const EnvLookup& env) {
  auto needs = [&](const char* feed, bool ok, const char* what) -> Result<void> {
    if (std::find(c.feeds.begin(), c.feeds.end(), feed) == c.feeds.end() || ok) return {};
    return invalid_configuration(fmt::format("--feed {} needs {}", feed, what));
  };
  if (auto r = needs("ws", !c.ws_url.empty(), "--ws-url"); !r.ok()) return r;
  if (auto r = needs("csv", !c.csv_file.empty(), "--csv-file"); !r.ok()) return r;
  if (auto r = needs("push", !c.auth_token.empty(), "--auth-token (pushed ticks are authenticated)");
      !r.ok()) {
    return r;
  }
  c.state_dir = expand_state_dir(c.state_dir, env);
  if (c.client_conflate_bytes >= c.client_max_bytes) {
    return invalid_configuration("--client-conflate-bytes must be below --client-max-bytes");
  }
  return {};
}

}  // namespace

std::span<const Option<ServeConfig>> serve_options() { return kServeOptions; }

ServeOptionsParser::ServeOptionsParser(CLI::App& app)
    : parser_(app, serve_options(), check_serve_config) {}

Result<ServeConfig> parse_serve_config(const std::vector<std::string>& args, const EnvLookup& env) {
  CLI::App app{"quflx serve"};
  ServeOptionsParser parser(app);
  if (auto r = parse_args(app, args); !r.ok()) return r.error();
  return parser.resolve(env);
}

std::string serve_options_markdown() {
  return options_markdown(specs_of(serve_options()));
}

}  // namespace quflx
