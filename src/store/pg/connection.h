#pragma once
// A blocking PostgreSQL connection (libpq) for the threads that own one: the persister and the
// candle store each run their own, so a slow query never stalls the ingest loop or each other.
// libpq types and errors stop here: callers see Result, Rows and the SQLSTATE of the last
// failure.
//
// Not thread-safe: one thread uses a connection at a time.

#include <atomic>
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
  // Every request (query, command, COPY) must be answered within this, or the connection is
  // dropped and the call fails as unavailable: a silently dead peer (a blackhole that accepts
  // and never answers) cannot hang a caller. The server gets the same as statement_timeout,
  // so a slow statement (or a lock wait such as the migration lock) is cancelled there too.
  std::chrono::milliseconds request_timeout{30000};
  // When set, a request in flight gives up (dropping the connection) as soon as it reads
  // true: a stopping owner does not wait for the deadline.
  const std::atomic<bool>* abort = nullptr;
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
  Connection(pg_conn* conn, const ConnectOptions& options)
      : conn_(conn), timeout_(options.request_timeout), abort_(options.abort) {}
  Error fail(std::string_view what, pg_result* result);
  // Non-blocking I/O under the request deadline. Each returns an error (and drops the
  // connection) when the deadline passes or `abort_` turns true.
  Result<void> flush_out(std::chrono::steady_clock::time_point deadline);
  Result<void> wait_io(bool write, std::chrono::steady_clock::time_point deadline);
  // The next result of the request in flight (nullptr when there are no more).
  Result<pg_result*> next_result(std::chrono::steady_clock::time_point deadline);
  // Sends what is queued, then collects every result, keeping the last (the first failed one
  // wins). For statements other than COPY.
  // Sends a COPY statement and waits for the server to enter the `expected` COPY state.
  Result<pg_result*> start_copy(std::string_view copy_sql, int expected,
                                std::chrono::steady_clock::time_point deadline);
  Result<pg_result*> finish_request(std::string_view what,
                                    std::chrono::steady_clock::time_point deadline);
  Error lost(std::string_view why);
  std::chrono::steady_clock::time_point deadline() const {
    return std::chrono::steady_clock::now() + timeout_;
  }

  pg_conn* conn_ = nullptr;
  std::string last_sqlstate_;
  std::chrono::milliseconds timeout_{30000};
  const std::atomic<bool>* abort_ = nullptr;
};

// Checks a connection string without connecting (libpq's own parser), for configuration.
Result<void> validate_url(std::string_view url);
// host:port/dbname (user), never the password: safe for logs and /health.
std::string display_url(std::string_view url);

}  // namespace quflx::pg
