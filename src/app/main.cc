// quflx: one binary, one subcommand per job (SPEC §9). main() only dispatches: each
// subcommand's file adds it and its options (app/command.h), and the one CLI11 parsed runs.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "app/command.h"

int main(int argc, char** argv) {
  CLI::App app{"QuFLX Stream: real-time market data server"};
  app.set_version_flag("--version", std::string("quflx ") + QUFLX_VERSION);
  app.require_subcommand(1);

  // Order is the order of `quflx --help`.
  const std::vector<quflx::Command> commands = {
      quflx::add_serve_command(app),
      quflx::add_migrate_command(app),
      quflx::add_config_reference_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "quflx: %s (see quflx %s--help)\n", e.what(),
                 app.get_subcommands().empty() ? "" : (app.get_subcommands()[0]->get_name() + " ").c_str());
    return 2;
  }
  for (const auto& c : commands) {
    if (c.cli->parsed()) return c.run();
  }
  return 2;  // unreachable: require_subcommand(1)
}
