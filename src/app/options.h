#pragma once
// The option engine of every quflx subcommand. A subcommand declares each of its options once,
// in a table of Option<Config>: flag, TOML key, environment variable (and an alternative one),
// default, help text, the reason for the default, and the function that checks a value and
// writes it into the subcommand's config struct. From that one table come the CLI11 flags (and
// --help), the TOML reader (an unknown key is an error), the environment lookup and the Markdown
// reference (docs/configuration.md). Precedence: flags > environment > TOML file (--config FILE
// or QUFLX_CONFIG) > defaults. Every error is one line naming the option and where its value
// came from, e.g. "invalid configuration: environment QUFLX_SIM_RATE: must be a number > 0 ...".
//
// Data flow: OptionSet adds the flags to a CLI::App; after CLI11 has parsed the command line,
// OptionSet::resolve() picks each option's values by precedence (OptionValue: the values and
// their source), and OptionParser<Config> applies them in table order to a fresh Config, then
// runs the subcommand's check of options that only make sense together. Used once at start-up,
// on the main thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace CLI {
class App;
}

namespace quflx {

using Values = std::vector<std::string>;

// How an environment variable is looked up (injected for tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// What an option is, apart from what it does to a config.
struct OptionSpec {
  const char* flag;           // without the leading "--"
  const char* toml;           // "key", or "table.key" for a key in [table]
  const char* env;
  const char* alt_env;        // accepted as well, lower precedence than `env`; may be null
  const char* default_value;  // "": unset
  const char* help;
  const char* why;            // the reason for the default, for the reference
  bool list;                  // comma-separated or repeated flags, a TOML array
};

// One row of a subcommand's table. `apply` gets the values (exactly one unless `list`), checks
// them and writes them into the config; its error message says what is wrong with the value,
// the engine adds the option and the source. Written as a flat aggregate (brace elision fills
// the OptionSpec base), so a table reads like the documentation it produces.
template <class Config>
struct Option : OptionSpec {
  Result<void> (*apply)(Config&, const Values&);
};

// An option's values after precedence, and where they came from: "--port",
// "environment QUFLX_PORT", "port in FILE" or "default of --port".
struct OptionValue {
  Values values;
  std::string source;
};

// The flags, environment and TOML file of one table, without the config type.
class OptionSet {
 public:
  // Adds --config and every option to `app`, in table order. `specs` must outlive this.
  OptionSet(CLI::App& app, std::vector<const OptionSpec*> specs);
  ~OptionSet();
  OptionSet(const OptionSet&) = delete;
  OptionSet& operator=(const OptionSet&) = delete;

  // Reads the TOML file if one was named and picks every option's values, in table order.
  // Call after `app` has parsed.
  Result<std::vector<OptionValue>> resolve(const EnvLookup& env) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Markdown table of every option: flag, TOML key, environment variables, default, help, reason.
std::string options_markdown(std::span<const OptionSpec* const> specs);

// Parses `args` (without the program name) with `app`; a CLI11 error is returned, not thrown.
Result<void> parse_args(CLI::App& app, const std::vector<std::string>& args);

// "invalid configuration: <what>", the error every configuration problem becomes.
Error invalid_configuration(std::string_view what);

template <class Config>
std::vector<const OptionSpec*> specs_of(std::span<const Option<Config>> table) {
  std::vector<const OptionSpec*> specs;
  specs.reserve(table.size());
  for (const auto& o : table) specs.push_back(&o);
  return specs;
}

// A table bound to a CLI::App: resolve() yields the Config.
template <class Config>
class OptionParser {
 public:
  // Options that only make sense together, checked after every option was applied (its error
  // message is complete: "invalid configuration: --feed ws needs --ws-url").
  using Check = Result<void> (*)(Config&, const EnvLookup&);

  OptionParser(CLI::App& app, std::span<const Option<Config>> table, Check check = nullptr)
      : table_(table), set_(app, specs_of(table)), check_(check) {}

  Result<Config> resolve(const EnvLookup& env) const {
    auto values = set_.resolve(env);
    if (!values.ok()) return values.error();
    Config c;
    for (std::size_t i = 0; i < table_.size(); ++i) {
      const OptionValue& v = (*values)[i];
      if (auto r = table_[i].apply(c, v.values); !r.ok()) {
        return invalid_configuration(v.source + ": " + r.error().message);
      }
    }
    if (check_) {
      if (auto r = check_(c, env); !r.ok()) return r.error();
    }
    return c;
  }

 private:
  std::span<const Option<Config>> table_;
  OptionSet set_;
  Check check_;
};

// Checks for `apply` functions. Their errors carry only what is wrong with the value.
Error option_problem(std::string what);
// A decimal number in [min, max] (or (min, max] when `min_exclusive`).
Result<double> parse_number(const std::string& s, double min, double max, bool min_exclusive);
// A whole number in [min, max].
Result<std::uint64_t> parse_integer(const std::string& s, std::uint64_t min, std::uint64_t max);
// Seconds, as parse_number, converted to `Duration` (truncated).
template <class Duration>
Result<Duration> parse_seconds(const std::string& s, double min, double max, bool min_exclusive) {
  auto n = parse_number(s, min, max, min_exclusive);
  if (!n.ok()) return n.error();
  using Period = typename Duration::period;
  return Duration(static_cast<typename Duration::rep>(*n * static_cast<double>(Period::den) /
                                                      static_cast<double>(Period::num)));
}
// A URL that starts with one of `schemes` ("ws://", "wss://").
Result<void> check_url_scheme(const std::string& s,
                              std::initializer_list<std::string_view> schemes);
// Runs `set(value)` if `r` holds one; else returns its error.
template <class T, class F>
Result<void> with_value(const Result<T>& r, F&& set) {
  if (!r.ok()) return r.error();
  set(*r);
  return {};
}
// Splits "a,b , c" into {"a", "b", "c"} (empty items dropped).
Values split_list(const std::string& s);

}  // namespace quflx
