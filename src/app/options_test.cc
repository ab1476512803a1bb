#include "app/options.h"

#include <CLI/CLI.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

namespace quflx {
namespace {

using ::testing::HasSubstr;

// A subcommand of its own, to show that the engine knows no particular table.
struct ToolConfig {
  double rate = 0;
  std::vector<std::string> names;
  std::chrono::milliseconds wait{0};
  std::string url;
};

const Option<ToolConfig> kToolOptions[] = {
    {"rate", "tool.rate", "TOOL_RATE", "OLD_TOOL_RATE", "2", "Events per second", "calm", false,
     [](ToolConfig& c, const Values& v) {
       return with_value(parse_number(v[0], 0, 100, true), [&](double r) { c.rate = r; });
     }},
    {"names", "names", "TOOL_NAMES", nullptr, "a,b", "Names", "two of them", true,
     [](ToolConfig& c, const Values& v) -> Result<void> {
       c.names = v;
       return {};
     }},
    {"wait", "tool.wait", "TOOL_WAIT", nullptr, "1.5", "Seconds to wait", "short", false,
     [](ToolConfig& c, const Values& v) {
       return with_value(parse_seconds<std::chrono::milliseconds>(v[0], 0, 60, false),
                         [&](auto d) { c.wait = d; });
     }},
    {"url", "url", "TOOL_URL", nullptr, "", "Upstream", "none assumed", false,
     [](ToolConfig& c, const Values& v) -> Result<void> {
       if (!v[0].empty()) {
         if (auto ok = check_url_scheme(v[0], {"ws://", "wss://"}); !ok.ok()) return ok;
       }
       c.url = v[0];
       return {};
     }},
};

Result<void> names_not_too_many(ToolConfig& c, const EnvLookup&) {
  if (c.names.size() > 3) return invalid_configuration("--names: at most 3");
  return {};
}

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<ToolConfig> parse(const std::vector<std::string>& args, const EnvLookup& env) {
  CLI::App app{"tool"};
  OptionParser<ToolConfig> parser(app, kToolOptions, names_not_too_many);
  if (auto r = parse_args(app, args); !r.ok()) return r.error();
  return parser.resolve(env);
}

std::string write_temp(const std::string& text) {
  char tmpl[] = "/tmp/quflx-options-XXXXXX";
  const int fd = mkstemp(tmpl);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(tmpl) << text;
  return tmpl;
}

TEST(Options, DefaultsApplyWhenNothingIsGiven) {
  auto c = parse({}, env_of({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->rate, 2.0);
  EXPECT_EQ(c->names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->wait, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->url, "");
}

TEST(Options, FlagBeatsEnvironmentBeatsAlternativeBeatsFile) {
  const std::string file = write_temp("names = [\"x\"]\n[tool]\nrate = 9\nwait = 3\n");
  auto c = parse({"--config", file}, env_of({{"OLD_TOOL_RATE", "7"}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->rate, 7.0);  // alternative variable over the file
  EXPECT_EQ(c->names, std::vector<std::string>{"x"});
  EXPECT_EQ(c->wait, std::chrono::seconds(3));
  c = parse({"--config", file}, env_of({{"OLD_TOOL_RATE", "7"}, {"TOOL_RATE", "8"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rate, 8.0);
  c = parse({"--rate", "6"}, env_of({{"QUFLX_CONFIG", file}, {"TOOL_RATE", "8"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rate, 6.0);
  EXPECT_EQ(c->wait, std::chrono::seconds(3));  // QUFLX_CONFIG names the file too
  std::remove(file.c_str());
}

TEST(Options, ListsSplitOnCommasAndRepeat) {
  auto c = parse({"--names", "p, q", "--names", "r"}, env_of({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->names, (std::vector<std::string>{"p", "q", "r"}));
  c = parse({}, env_of({{"TOOL_NAMES", " s ,,t "}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->names, (std::vector<std::string>{"s", "t"}));
}

TEST(Options, ErrorsNameTheOptionAndItsSource) {
  auto c = parse({"--rate", "fast"}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidConfig);
  EXPECT_EQ(c.error().message,
            "invalid configuration: --rate: must be a number > 0 and <= 100 (got 'fast')");
  c = parse({}, env_of({{"OLD_TOOL_RATE", "0"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("environment OLD_TOOL_RATE: "));
  c = parse({"--url", "http://h"}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "invalid configuration: --url: must start with ws:// or wss:// (got 'http://h')");
  c = parse({"--names", "a,b,c,d"}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "invalid configuration: --names: at most 3");

  const std::string file = write_temp("[tool]\nwait = 99\nnope = 1\n");
  c = parse({"--config", file}, env_of({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "invalid configuration: unknown option 'tool.nope' in " + file);
  std::remove(file.c_str());
}

TEST(Options, MarkdownListsEveryOptionWithBothVariables) {
  const std::string md =
      options_markdown(specs_of(std::span<const Option<ToolConfig>>(kToolOptions)));
  EXPECT_THAT(md, HasSubstr("| `--rate` | `tool.rate` | `TOOL_RATE, OLD_TOOL_RATE` | `2` | "
                            "Events per second | calm |\n"));
  EXPECT_THAT(md, HasSubstr("| `--url` | `url` | `TOOL_URL` | `(unset)` |"));
}

}  // namespace
}  // namespace quflx
