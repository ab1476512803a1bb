#pragma once
// The options of `quflx serve`: one table (serve_options.cc) with every field of ServeConfig,
// its flag, TOML key, environment variable, default and the reason for the default, read by the
// option engine (app/options.h) and printed by `quflx config-reference` as the table of
// docs/configuration.md.

#include <span>
#include <string>
#include <vector>

#include "app/options.h"
#include "common/result.h"
#include "server/config.h"

namespace quflx {

std::span<const Option<ServeConfig>> serve_options();

// The serve table bound to the serve subcommand's CLI::App.
class ServeOptionsParser {
 public:
  // Adds every serve option (and --config) to `app`.
  explicit ServeOptionsParser(CLI::App& app);
  // Applies the precedence rules, reads the TOML file if one was named, validates.
  Result<ServeConfig> resolve(const EnvLookup& env) const { return parser_.resolve(env); }

 private:
  OptionParser<ServeConfig> parser_;
};

// Convenience for tests and tools: parses `args` (without the program name) as `serve`
// arguments.
Result<ServeConfig> parse_serve_config(const std::vector<std::string>& args, const EnvLookup& env);

// Markdown table of every option: flag, TOML key, environment variable, default, reason.
std::string serve_options_markdown();

}  // namespace quflx
