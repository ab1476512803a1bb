#pragma once
// A blocking PostgreSQL connection (libpq) for the threads that own one: the persister and the
// candle store each run their own, so a slow query never stalls the ingest loop or each other.
// libpq types and errors stop here: callers see Result, Rows and the SQLSTATE of the last
// failure.
//
// Not thread-safe: one thread uses a connection at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct pg_conn;
struct pg_result;

namespace quflx::pg {

// SQLSTATE codes the adapters react to.
inline constexpr std::string_view kUniqueViolation = "23505";

// The rows of a query, as text (the default result format).
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  // Parsed values; a NULL or malformed field is an invariant breach in our own schema, so they
  // return 0 rather than failing.
  std::int64_t int64(int row, int column) const;
  double float64(int row, int column) const;

 private:
  pg_result* result_ = nullptr;
};

struct ConnectOptions {
  std::string url;  // postgresql:// URI or key=value conninfo
  // A local server answers at once; a few seconds fails a dead or filtered host.
  std::chrono::seconds connect_timeout{5};
  std::string application_name = "quflx";
};

class Connection {
 public:
  // Connects; the error says why (server down, authentication, bad database name).
  static Result<Connection> connect(const ConnectOptions& options);

  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // False once the server went away (a failed call tells; then reconnect).
  bool ok() const;

  // One or more statements without parameters or results.
  Result<void> exec(std::string_view sql);
  // One statement without parameters; returns the rows it affected (INSERT, UPDATE, DELETE).
  Result<std::uint64_t> command(std::string_view sql);
  // One statement with text parameters (nullopt is NULL); returns its rows.
  Result<Rows> query(std::string_view sql,
                     const std::vector<std::optional<std::string>>& params = {});
  // `COPY ... FROM STDIN` with `data` as the whole input (e.g. from CopyBinaryWriter).
  Result<std::uint64_t> copy_in(std::string_view copy_sql, std::string_view data);
  // `COPY ... TO STDOUT`: the whole output.
  Result<std::string> copy_out(std::string_view copy_sql);

  // SQLSTATE of the last failure ("" if none, or if the connection itself failed).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // Server version as libpq reports it (e.g. 150004).
  int server_version() const;

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  Error fail(std::string_view what, pg_result* result);

  pg_conn* conn_ = nullptr;
  std::string last_sqlstate_;
};

// Checks a connection string without connecting (libpq's own parser), for configuration.
Result<void> validate_url(std::string_view url);
// host:port/dbname (user), never the password: safe for logs and /health.
std::string display_url(std::string_view url);

}  // namespace quflx::pg
