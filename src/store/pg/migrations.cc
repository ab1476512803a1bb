#include "store/pg/migrations.h"

#include <fmt/format.h>

#include <set>

namespace quflx::pg {
namespace {

// Any constant will do, as long as nothing else uses it: "quflxmig" in ASCII.
constexpr const char* kLockKey = "8175763087153555815";

}  // namespace

Result<MigrationReport> migrate(Connection& conn) {
  if (auto r = conn.query("SELECT pg_advisory_lock($1::bigint)", {kLockKey}); !r.ok()) {
    return r.error();
  }
  auto unlock = [&] { (void)conn.query("SELECT pg_advisory_unlock($1::bigint)", {kLockKey}); };

  MigrationReport report;
  auto run = [&]() -> Result<void> {
    if (auto r = conn.exec(
            "CREATE TABLE IF NOT EXISTS quflx_schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        !r.ok()) {
      return r.error();
    }
    auto rows = conn.query("SELECT version, name FROM quflx_schema_migrations");
    if (!rows.ok()) return rows.error();
    std::set<int> done;
    int known_max = 0;
    for (const auto& m : bundled_migrations()) known_max = std::max(known_max, m.version);
    for (int i = 0; i < rows->size(); ++i) {
      const int v = static_cast<int>(rows->int64(i, 0));
      done.insert(v);
      report.schema_version = std::max(report.schema_version, v);
      if (v > known_max) report.database_is_newer = true;
    }
    for (const auto& m : bundled_migrations()) {
      if (done.contains(m.version)) continue;
      const std::string label = fmt::format("{:04}_{}", m.version, m.name);
      if (auto r = conn.exec("BEGIN"); !r.ok()) return r.error();
      auto step = conn.exec(m.sql);
      if (step.ok()) {
        auto rec = conn.query("INSERT INTO quflx_schema_migrations (version, name) VALUES ($1, $2)",
                              {std::to_string(m.version), std::string(m.name)});
        if (!rec.ok()) step = rec.error();
      }
      if (!step.ok()) {
        (void)conn.exec("ROLLBACK");
        return make_error(step.error().code,
                          fmt::format("migration {} failed: {}", label, step.error().message));
      }
      if (auto r = conn.exec("COMMIT"); !r.ok()) return r.error();
      report.applied.push_back(label);
      report.schema_version = std::max(report.schema_version, m.version);
    }
    return {};
  };
  auto result = run();
  unlock();
  if (!result.ok()) return result.error();
  return report;
}

}  // namespace quflx::pg
