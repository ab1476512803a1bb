#pragma once
// Versioned schema migrations (SPEC §4). The SQL lives in src/store/pg/migrations/NNNN_name.sql
// and is compiled into the binary, so `quflx serve` and `quflx migrate` need nothing but a
// connection. Applied versions are recorded in quflx_schema_migrations; each pending migration
// runs in its own transaction together with its record, under an advisory lock so that two
// servers starting at once do not race. Applying is idempotent: an up-to-date database is
// left alone.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/pg/connection.h"

namespace quflx::pg {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Every migration of this build, ascending by version.
const std::vector<Migration>& bundled_migrations();

struct MigrationReport {
  std::vector<std::string> applied;     // "0002_candles", ... applied by this call
  int schema_version = 0;               // highest version in the database afterwards
  bool database_is_newer = false;       // it has versions this build does not know
};

Result<MigrationReport> migrate(Connection& conn);

}  // namespace quflx::pg
