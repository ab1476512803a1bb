#pragma once
// `quflx migrate`: applies the schema migrations this build carries to a database (the same
// ones `quflx serve` applies at start-up) and says what it did. Exit 0 when the schema is
// current, 1 when the database cannot be reached or a migration fails.

#include <string>

namespace quflx {

int migrate_command(const std::string& database_url);

}  // namespace quflx
