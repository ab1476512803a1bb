#include "server/migrate_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "store/pg/connection.h"
#include "store/pg/migrations.h"

namespace quflx {

int migrate_command(const std::string& database_url) {
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

}  // namespace quflx
