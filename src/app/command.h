#pragma once
// A subcommand of the quflx binary: each one's file (serve.cc, migrate.cc, ...) adds it, with
// its options, to the top-level CLI::App and returns it here; main() runs the one CLI11 parsed.

#include <functional>

namespace CLI {
class App;
}

namespace quflx {

struct Command {
  CLI::App* cli = nullptr;   // the subcommand, owned by the top-level app
  std::function<int()> run;  // after parsing; returns the process exit status
};

// `quflx serve`: the server (Service) with the options of app/serve_options.
Command add_serve_command(CLI::App& app);
// `quflx migrate`: applies the schema migrations to the database.
Command add_migrate_command(CLI::App& app);
// `quflx config-reference`: prints serve's options table (docs/configuration.md) as Markdown.
Command add_config_reference_command(CLI::App& app);

}  // namespace quflx
