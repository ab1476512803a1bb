#include "app/options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

namespace quflx {
namespace {

std::string toml_value_to_string(const toml::node& n) {
  if (auto s = n.value<std::string>()) return *s;
  if (n.is_integer()) return std::to_string(*n.value<std::int64_t>());
  if (n.is_floating_point()) return fmt::format("{}", *n.value<double>());
  if (n.is_boolean()) return *n.value<bool>() ? "true" : "false";
  return "<unsupported value>";
}

// The values of every key of the file, by TOML key ("table.key"); unknown keys are errors.
Result<std::map<std::string, Values>> read_toml(const std::string& path,
                                               std::span<const OptionSpec* const> specs) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return option_problem(
        fmt::format("{}:{}:{}: {}", path, where.line, where.column, e.description()));
  }
  std::map<std::string, const OptionSpec*> known;
  for (const OptionSpec* d : specs) known.emplace(d->toml, d);

  std::map<std::string, Values> values;
  auto take = [&](const std::string& key, const toml::node& node) -> Result<void> {
    auto it = known.find(key);
    if (it == known.end()) {
      return option_problem(fmt::format("unknown option '{}' in {}", key, path));
    }
    Values v;
    if (const auto* arr = node.as_array()) {
      if (!it->second->list) {
        return option_problem(
            fmt::format("{} in {}: must be a single value, not a list", key, path));
      }
      for (const auto& el : *arr) v.push_back(toml_value_to_string(el));
    } else {
      v = it->second->list ? split_list(toml_value_to_string(node))
                           : Values{toml_value_to_string(node)};
    }
    values[key] = std::move(v);
    return {};
  };
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (const auto* table = node.as_table()) {
      for (const auto& [k2, node2] : *table) {
        if (node2.is_table()) {
          return option_problem(fmt::format("unknown option '{}.{}' in {}", key, k2.str(), path));
        }
        if (auto r = take(key + "." + std::string(k2.str()), node2); !r.ok()) return r.error();
      }
    } else if (auto r = take(key, node); !r.ok()) {
      return r.error();
    }
  }
  return values;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Error invalid_configuration(std::string_view what) {
  return make_error(ErrorCode::kInvalidConfig, fmt::format("invalid configuration: {}", what));
}

Error option_problem(std::string what) {
  return make_error(ErrorCode::kInvalidConfig, std::move(what));
}

Result<double> parse_number(const std::string& s, double min, double max, bool min_exclusive) {
  double v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || !std::isfinite(v) || v < min || v > max ||
      (min_exclusive && v == min)) {
    return option_problem(fmt::format("must be a number {} {} and <= {} (got '{}')",
                                      min_exclusive ? ">" : ">=", min, max, s));
  }
  return v;
}

Result<std::uint64_t> parse_integer(const std::string& s, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || v < min || v > max) {
    return option_problem(
        fmt::format("must be a whole number from {} to {} (got '{}')", min, max, s));
  }
  return v;
}

Result<void> check_url_scheme(const std::string& s,
                              std::initializer_list<std::string_view> schemes) {
  for (std::string_view scheme : schemes) {
    if (s.starts_with(scheme)) return {};
  }
  return option_problem(fmt::format("must start with {} (got '{}')",
                                    fmt::join(schemes.begin(), schemes.end(), " or "), s));
}

Values split_list(const std::string& s) {
  Values out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

struct OptionSet::State {
  CLI::App* app = nullptr;
  std::vector<const OptionSpec*> specs;
  std::vector<Values> flags;  // CLI11's slots, one per spec
  std::string config_file;
};

OptionSet::OptionSet(CLI::App& app, std::vector<const OptionSpec*> specs)
    : state_(std::make_unique<State>()) {
  state_->app = &app;
  state_->specs = std::move(specs);
  state_->flags.resize(state_->specs.size());
  app.add_option("--config", state_->config_file, "TOML configuration file (env QUFLX_CONFIG)");
  for (std::size_t i = 0; i < state_->specs.size(); ++i) {
    const OptionSpec& d = *state_->specs[i];
    std::string help = d.help;
    if (d.default_value[0] != '\0') help += fmt::format(" [default: {}]", d.default_value);
    auto* opt = app.add_option(std::string("--") + d.flag, state_->flags[i], help);
    if (d.list) {
      opt->delimiter(',');
    } else {
      opt->expected(1);
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
}

OptionSet::~OptionSet() = default;

Result<std::vector<OptionValue>> OptionSet::resolve(const EnvLookup& env) const {
  std::string config_file = state_->config_file;
  if (config_file.empty()) config_file = env("QUFLX_CONFIG").value_or("");
  std::map<std::string, Values> file_values;
  if (!config_file.empty()) {
    auto r = read_toml(config_file, state_->specs);
    if (!r.ok()) return invalid_configuration(r.error().message);
    file_values = std::move(*r);
  }

  std::vector<OptionValue> out;
  out.reserve(state_->specs.size());
  for (std::size_t i = 0; i < state_->specs.size(); ++i) {
    const OptionSpec& d = *state_->specs[i];
    OptionValue& o = out.emplace_back();
    Values& v = o.values;
    const auto* opt = state_->app->get_option(std::string("--") + d.flag);
    if (opt->count() > 0) {
      v = state_->flags[i];
      if (d.list) {
        Values split;
        for (const auto& item : v) {
          for (auto& part : split_list(item)) split.push_back(std::move(part));
        }
        v = std::move(split);
      }
      o.source = std::string("--") + d.flag;
    } else if (auto e = env(d.env)) {
      v = d.list ? split_list(*e) : Values{*e};
      o.source = std::string("environment ") + d.env;
    } else if (auto alt = d.alt_env ? env(d.alt_env) : std::nullopt) {
      v = d.list ? split_list(*alt) : Values{*alt};
      o.source = std::string("environment ") + d.alt_env;
    } else if (auto it = file_values.find(d.toml); it != file_values.end()) {
      v = it->second;
      o.source = fmt::format("{} in {}", d.toml, config_file);
    } else {
      v = d.list ? split_list(d.default_value) : Values{d.default_value};
      o.source = std::string("default of --") + d.flag;
    }
    if (!d.list && v.size() != 1) v = Values{v.empty() ? "" : v.back()};
  }
  return out;
}

std::string options_markdown(std::span<const OptionSpec* const> specs) {
  std::string out =
      "| Flag | TOML key | Environment | Default | What | Why this default |\n"
      "|---|---|---|---|---|---|\n";
  for (const OptionSpec* d : specs) {
    std::string env = d->env;
    if (d->alt_env) env += std::string(", ") + d->alt_env;
    out += fmt::format("| `--{}` | `{}` | `{}` | `{}` | {} | {} |\n", d->flag, d->toml, env,
                       d->default_value[0] ? d->default_value : "(unset)", d->help, d->why);
  }
  return out;
}

Result<void> parse_args(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return invalid_configuration(e.what());
  }
  return {};
}

}  // namespace quflx
