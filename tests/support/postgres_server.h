#pragma once
// A private PostgreSQL cluster (the Debian package) for tests: initdb into a temporary
// directory (as the `postgres` user when the tests run as root, since the server refuses to
// run as root), `postgres -D dir -p port -k dir` on a free loopback port, stopped by PID. It
// can be stopped for a while and started again on the same port and data (an outage), or
// killed. A cluster takes a second or two to create, so a test binary usually shares one and
// gives each test its own database (create_database()).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace quflx::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  void start();   // (again) on the same port and data; waits until it accepts connections
  void stop();    // fast shutdown (SIGINT): what an operator's restart does
  void kill9();
  bool running() { return process_.running(); }

  std::uint16_t port() const { return port_; }
  // postgresql://postgres@127.0.0.1:PORT/DB
  std::string url(const std::string& db = "postgres") const;
  // A new, empty database; returns its URL.
  std::string create_database(const std::string& name);

 private:
  TempDir dir_{"quflx-pg"};
  std::uint16_t port_;
  std::string bin_;
  SpawnOptions spawn_;
  ChildProcess process_;
};

// A blocking client for checking what a test wrote. Rows as text; NULL reads as "".
class PgClient {
 public:
  explicit PgClient(const std::string& url);
  ~PgClient();
  PgClient(const PgClient&) = delete;
  PgClient& operator=(const PgClient&) = delete;

  using Rows = std::vector<std::vector<std::string>>;
  // Throws std::runtime_error with the server's message on failure.
  Rows query(const std::string& sql);
  std::string scalar(const std::string& sql);  // first column of the first row, "" if none
  void exec(const std::string& sql) { (void)query(sql); }

 private:
  void* conn_;
};

}  // namespace quflx::testing
