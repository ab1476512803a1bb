#pragma once
// Where PostgreSQL is, for every subcommand that needs it (serve, migrate, and the tools to
// come): --database-url, else QUFLX_DATABASE_URL, else DATABASE_URL (what hosting platforms
// set), else a local server. Defined once here; serve's options table names these too.

#include <string>

#include "app/options.h"

namespace quflx {

inline constexpr const char* kDatabaseUrlEnv = "QUFLX_DATABASE_URL";
inline constexpr const char* kDatabaseUrlAltEnv = "DATABASE_URL";
inline constexpr const char* kDefaultDatabaseUrl = "postgresql://127.0.0.1:5432/quflx";

// The URL when no --database-url was given.
inline std::string database_url_from_env(const EnvLookup& env) {
  return env(kDatabaseUrlEnv).value_or(env(kDatabaseUrlAltEnv).value_or(kDefaultDatabaseUrl));
}

}  // namespace quflx
