#include "app/serve_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

namespace quflx {
namespace {

using ::testing::HasSubstr;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class TempToml {
 public:
  explicit TempToml(const std::string& text) {
    char tmpl[] = "/tmp/quflx-config-XXXXXX";
    const int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
  }
  ~TempToml() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Config, DefaultsAreComplete) {
  auto c = parse_serve_config({}, env_of({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 3001);
  EXPECT_EQ(c->redis_url, "redis://127.0.0.1:6379");
  EXPECT_EQ(c->feeds, std::vector<std::string>{"sim"});
  EXPECT_EQ(c->sim_assets.size(), 5u);
  EXPECT_EQ(c->sim_rate, 2.0);
  EXPECT_FALSE(c->sim_seed_given);
  EXPECT_EQ(c->buffer_size, 1000u);
  EXPECT_EQ(c->history_candles, 200u);
  EXPECT_EQ(c->history_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(c->late_grace, std::chrono::seconds(5));
}

TEST(Config, PersistenceDefaultsAndTheirSources) {
  auto c = parse_serve_config({}, env_of({{"HOME", "/home/q"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->database_url, "postgresql://127.0.0.1:5432/quflx");
  EXPECT_EQ(c->state_dir, "/home/q/.local/state/quflx");
  EXPECT_EQ(c->batch_interval, std::chrono::seconds(30));
  EXPECT_EQ(c->batch_max_rows, 100'000u);
  EXPECT_EQ(c->spool_max_bytes, 1024ull << 20);
  EXPECT_EQ(c->fsync_interval, std::chrono::seconds(1));

  c = parse_serve_config({}, env_of({{"HOME", "/home/q"}, {"XDG_STATE_HOME", "/var/state"},
                                     {"DATABASE_URL", "postgresql://u@db.example/ticks"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state_dir, "/var/state/quflx");
  EXPECT_EQ(c->database_url, "postgresql://u@db.example/ticks");

  // QUFLX_DATABASE_URL beats DATABASE_URL; a flag beats both; 'none' turns persistence off.
  c = parse_serve_config({"--database-url", "none", "--state-dir", "~/s", "--batch-interval", "0.5",
                          "--fsync-interval", "0"},
                         env_of({{"HOME", "/h"}, {"DATABASE_URL", "postgresql://a/b"},
                                 {"QUFLX_DATABASE_URL", "postgresql://c/d"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->database_url.has_value());
  EXPECT_EQ(c->state_dir, "/h/s");
  EXPECT_EQ(c->batch_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(c->fsync_interval, std::chrono::milliseconds(0));
  c = parse_serve_config({}, env_of({{"DATABASE_URL", "postgresql://a/b"},
                                     {"QUFLX_DATABASE_URL", "postgresql://c/d"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->database_url, "postgresql://c/d");
}

TEST(Config, BadPersistenceOptionsNameTheOption) {
  auto c = parse_serve_config({"--database-url", "postgresql://h/db?no_such_option=1"}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("--database-url"));
  EXPECT_THAT(c.error().message, HasSubstr("no_such_option"));
  c = parse_serve_config({}, env_of({{"DATABASE_URL", "just some words"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("environment DATABASE_URL"));
  c = parse_serve_config({"--batch-interval", "0"}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("--batch-interval"));
  c = parse_serve_config({}, env_of({{"QUFLX_SPOOL_MAX_MB", "0"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("QUFLX_SPOOL_MAX_MB"));
}

TEST(Config, FlagsBeatEnvironmentBeatsFileBeatsDefaults) {
  TempToml file("port = 4000\nlog_level = \"debug\"\n[sim]\nrate = 7\nseed = 11\n"
                "assets = [\"BTCUSD\", \"EURUSD_otc\"]\n");
  const auto env = env_of({{"QUFLX_PORT", "5000"}, {"QUFLX_SIM_RATE", "8"}});

  auto c = parse_serve_config({"--config", file.path(), "--port", "6000"}, env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->port, 6000);        // flag
  EXPECT_EQ(c->sim_rate, 8.0);     // environment
  EXPECT_EQ(c->sim_seed, 11u);     // file
  EXPECT_TRUE(c->sim_seed_given);
  EXPECT_EQ(c->log_level, "debug");  // file
  ASSERT_EQ(c->sim_assets.size(), 2u);
  EXPECT_EQ(c->sim_assets[0].name, "BTCUSD");
  EXPECT_EQ(c->host, "127.0.0.1");  // default

  auto from_env_file = parse_serve_config({}, env_of({{"QUFLX_CONFIG", file.path()}}));
  ASSERT_TRUE(from_env_file.ok());
  EXPECT_EQ(from_env_file->port, 4000);
}

TEST(Config, RedisUrlFromEitherVariableWithTheQuflxOneWinning) {
  auto c = parse_serve_config({}, env_of({{"REDIS_URL", "redis://10.0.0.1:7000"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->redis_url, "redis://10.0.0.1:7000");
  c = parse_serve_config({}, env_of({{"REDIS_URL", "redis://a:1"}, {"QUFLX_REDIS_URL", "redis://b:2"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->redis_url, "redis://b:2");
  c = parse_serve_config({"--redis-url", "none"}, env_of({{"REDIS_URL", "redis://a:1"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->redis_url);
}

TEST(Config, ListsComeCommaSeparatedOrRepeated) {
  auto c = parse_serve_config({"--sim-assets", "BTCUSD, #AAPL_otc", "--feed", "sim"}, env_of({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->sim_assets.size(), 2u);
  EXPECT_EQ(c->sim_assets[1].name, "#AAPL_otc");
  c = parse_serve_config({"--feed", "none"}, env_of({}));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->feeds.empty());
}

struct BadCase {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string expect_in_message;
};

TEST(Config, InvalidOptionsFailWithOneLineNamingTheOption) {
  const std::vector<BadCase> cases = {
      {{"--sim-rate", "abc"}, {}, "--sim-rate: must be a number > 0"},
      {{"--sim-rate", "0"}, {}, "--sim-rate"},
      {{}, {{"QUFLX_SIM_RATE", "-1"}}, "environment QUFLX_SIM_RATE"},
      {{"--port", "70000"}, {}, "--port: must be a whole number from 0 to 65535"},
      {{"--feed", "carrier-pigeon"}, {}, "unknown feed 'carrier-pigeon'"},
      {{"--feed", "sim", "--feed", "none"}, {}, "'none' cannot be combined"},
      {{"--sim-assets", "EUR/USD"}, {}, "invalid asset name 'EUR/USD'"},
      {{"--redis-url", "http://x"}, {}, "--redis-url: redis url must look like"},
      {{"--log-level", "loud"}, {}, "--log-level: must be one of"},
      {{"--history-candles", "501"}, {}, "--history-candles"},
      {{"--no-such-flag", "1"}, {}, "no-such-flag"},
      {{"--config", "/nonexistent/quflx.toml"}, {}, "/nonexistent/quflx.toml"},
      {{"--feed", "ws"}, {}, "--feed ws needs --ws-url"},
      {{"--feed", "push"}, {}, "--feed push needs --auth-token"},
      {{"--ws-url", "http://x"}, {}, "--ws-url: must start with ws:// or wss://"},
      {{"--ws-format", "xml"}, {}, "--ws-format: must be pocketoption or json"},
      {{"--csv-speed", "fast"}, {}, "--csv-speed"},
      {{"--clock-offset", "sim=5"}, {}, "--clock-offset: 'sim=5': feed must be one of"},
      {{"--csv-timeframe", "7m"}, {}, "--csv-timeframe"},
  };
  for (const auto& bc : cases) {
    auto c = parse_serve_config(bc.args, env_of(bc.env));
    ASSERT_FALSE(c.ok()) << bc.expect_in_message;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidConfig);
    EXPECT_THAT(c.error().message, HasSubstr(bc.expect_in_message));
    EXPECT_EQ(c.error().message.find('\n'), std::string::npos) << c.error().message;
  }
}

TEST(Config, FeedOptionsAndPerFeedClockOffsets) {
  auto c = parse_serve_config({"--feed", "ws,csv", "--ws-url", "wss://h/socket.io/?EIO=4",
                               "--csv-file", "x.csv", "--csv-speed", "2.5", "--clock-offset",
                               "7200,csv=-1.5", "--ws-send", "42[\"auth\",{}]\n42[\"changeSymbol\",{}]"},
                              env_of({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->feeds, (std::vector<std::string>{"ws", "csv"}));
  EXPECT_EQ(c->csv_speed, 2.5);
  EXPECT_EQ(c->clock_offset("ws"), std::chrono::seconds(7200));
  EXPECT_EQ(c->clock_offset("csv"), std::chrono::milliseconds(-1500));
  EXPECT_EQ(c->clock_offset("sim"), std::chrono::seconds(0));
  EXPECT_EQ(c->ws_send, (std::vector<std::string>{"42[\"auth\",{}]", "42[\"changeSymbol\",{}]"}));
}

TEST(Config, FileErrorsNameTheKeyAndFile) {
  TempToml unknown("[sim]\nrte = 5\n");
  auto c = parse_serve_config({"--config", unknown.path()}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("unknown option 'sim.rte'"));
  EXPECT_THAT(c.error().message, HasSubstr(unknown.path()));

  TempToml bad_value("[sim]\nrate = \"fast\"\n");
  c = parse_serve_config({"--config", bad_value.path()}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("sim.rate in " + bad_value.path()));

  TempToml not_toml("port = = 3\n");
  c = parse_serve_config({"--config", not_toml.path()}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr(not_toml.path() + ":1:"));

  TempToml list_for_scalar("port = [1, 2]\n");
  c = parse_serve_config({"--config", list_for_scalar.path()}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("must be a single value"));
}

TEST(Config, ReferenceTableListsEveryOption) {
  const std::string md = serve_options_markdown();
  for (const char* flag : {"--host", "--port", "--redis-url", "--feed", "--sim-assets",
                           "--sim-rate", "--sim-seed", "--log-level"}) {
    EXPECT_THAT(md, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace quflx
