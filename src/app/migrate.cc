// `quflx migrate`: applies the schema migrations this build carries to a database (the same
// ones `quflx serve` applies at start-up) and says what it did. Exit 0 when the schema is
// current, 1 when the database cannot be reached or a migration fails, 2 for a URL that is not
// one.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "app/command.h"
#include "app/database_url.h"
#include "store/pg/connection.h"
#include "store/pg/migrations.h"

namespace quflx {
namespace {

int migrate(const std::string& database_url) {
  const std::string where = pg::display_url(database_url);
  if (auto ok = pg::validate_url(database_url); !ok.ok()) {
    std::fprintf(stderr, "quflx migrate: %s\n", ok.error().message.c_str());
    return 2;
  }
  auto conn = pg::Connection::connect({.url = database_url});
  if (!conn.ok()) {
    std::fprintf(stderr, "quflx migrate: %s\n", conn.error().message.c_str());
    return 1;
  }
  auto report = pg::migrate(*conn);
  if (!report.ok()) {
    std::fprintf(stderr, "quflx migrate: %s: %s\n", where.c_str(), report.error().message.c_str());
    return 1;
  }
  if (report->applied.empty()) {
    std::printf("%s: up to date (schema version %d)\n", where.c_str(), report->schema_version);
  } else {
    std::printf("%s: applied %s (schema version %d)\n", where.c_str(),
                fmt::format("{}", fmt::join(report->applied, ", ")).c_str(), report->schema_version);
  }
  if (report->database_is_newer) {
    std::printf("%s: the database has migrations newer than this build knows\n", where.c_str());
  }
  return 0;
}

}  // namespace

Command add_migrate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "migrate", "Apply the database schema migrations (quflx serve also does at start-up)");
  auto url = std::make_shared<std::string>();
  cmd->add_option("--database-url", *url,
                  fmt::format("PostgreSQL URL (default: env {}, {}, then {})", kDatabaseUrlEnv,
                              kDatabaseUrlAltEnv, kDefaultDatabaseUrl));
  return {cmd, [url] {
            return migrate(url->empty() ? database_url_from_env(process_env()) : *url);
          }};
}

}  // namespace quflx
