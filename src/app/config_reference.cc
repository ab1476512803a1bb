// `quflx config-reference`: prints the table of serve options as Markdown, the table of
// docs/configuration.md. Hidden from `quflx --help`: it is for the docs, not an everyday command.

#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/command.h"
#include "app/serve_options.h"

namespace quflx {

Command add_config_reference_command(CLI::App& app) {
  auto* reference =
      app.add_subcommand("config-reference", "Print the table of serve options (Markdown)");
  reference->group("");
  return {reference, [] {
            std::fputs(serve_options_markdown().c_str(), stdout);
            return 0;
          }};
}

}  // namespace quflx
