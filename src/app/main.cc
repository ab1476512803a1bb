// quflx: one binary, one subcommand per job (SPEC §9).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "common/log.h"
#include "server/config.h"
#include "server/migrate_command.h"
#include "server/service.h"

int main(int argc, char** argv) {
  CLI::App app{"QuFLX Stream: real-time market data server"};
  app.set_version_flag("--version", std::string("quflx ") + QUFLX_VERSION);
  app.require_subcommand(1);

  auto* serve = app.add_subcommand("serve", "Run the server: feeds, Redis, HTTP and Socket.IO");
  quflx::ServeOptionsParser serve_options(*serve);

  auto* migrate = app.add_subcommand(
      "migrate", "Apply the database schema migrations (quflx serve also does at start-up)");
  std::string migrate_url;
  migrate->add_option("--database-url", migrate_url,
                      "PostgreSQL URL (default: env QUFLX_DATABASE_URL, DATABASE_URL, then "
                      "postgresql://127.0.0.1:5432/quflx)");

  auto* options_doc = app.add_subcommand("config-reference",
                                         "Print the table of serve options (Markdown)");
  options_doc->group("");  // for docs/configuration.md, not an everyday command

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "quflx: %s (see quflx %s--help)\n", e.what(),
                 app.get_subcommands().empty() ? "" : (app.get_subcommands()[0]->get_name() + " ").c_str());
    return 2;
  }

  if (migrate->parsed()) {
    if (migrate_url.empty()) {
      const auto env = quflx::process_env();
      migrate_url = env("QUFLX_DATABASE_URL")
                        .value_or(env("DATABASE_URL").value_or("postgresql://127.0.0.1:5432/quflx"));
    }
    return quflx::migrate_command(migrate_url);
  }

  if (options_doc->parsed()) {
    std::fputs(quflx::serve_options_markdown().c_str(), stdout);
    return 0;
  }

  auto config = serve_options.resolve(quflx::process_env());
  if (!config.ok()) {
    std::fprintf(stderr, "quflx: %s\n", config.error().message.c_str());
    return 2;
  }
  if (auto ok = quflx::init_logging(config->log_level); !ok.ok()) {
    std::fprintf(stderr, "quflx: %s\n", ok.error().message.c_str());
    return 2;
  }
  quflx::Service service(std::move(*config));
  return service.run();
}
