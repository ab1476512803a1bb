#include "tests/support/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace quflx::testing {
namespace fs = std::filesystem;

namespace {

std::string pg_bindir() {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "postgres")) dirs.push_back((e.path() / "bin").string());
  }
  if (dirs.empty()) throw std::runtime_error("PostgreSQL server binaries not found (package postgresql)");
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;  // "15" after "9"
  });
  return dirs.back();
}

}  // namespace

PostgresServer::PostgresServer() : port_(free_port()), bin_(pg_bindir()) {
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root but there is no 'postgres' user");
    spawn_.uid = pw->pw_uid;
    spawn_.gid = pw->pw_gid;
    if (::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + dir_.path() + " to the postgres user");
    }
  }
  SpawnOptions init = spawn_;
  init.log_path = dir_.path() + "/initdb.log";
  ChildProcess initdb({bin_ + "/initdb", "-D", dir_.path() + "/data", "-U", "postgres",
                       "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"},
                      init);
  const auto st = initdb.wait(std::chrono::seconds(120));
  if (st != 0) {
    throw std::runtime_error("initdb failed:\n" + read_file(dir_.path() + "/initdb.log"));
  }
  start();
}

PostgresServer::~PostgresServer() {
  process_.signal(SIGQUIT);  // immediate shutdown: the data is thrown away anyway
  if (!process_.wait(std::chrono::seconds(10))) process_.kill9();
}

void PostgresServer::start() {
  SpawnOptions o = spawn_;
  o.log_path = dir_.path() + "/postgres.log";
  // fsync off: these tests check our durability, not PostgreSQL's, and a process crash loses
  // nothing without it.
  process_ = ChildProcess({bin_ + "/postgres", "-D", dir_.path() + "/data", "-p",
                           std::to_string(port_), "-k", dir_.path(), "-c",
                           "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                           "full_page_writes=off", "-c", "logging_collector=off"},
                          o);
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                               " user=postgres dbname=postgres connect_timeout=2";
  // Generous: a loaded machine (sanitizer builds, parallel tests) can start it slowly.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < end) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return;
    if (!process_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("postgres did not start:\n" + read_file(dir_.path() + "/postgres.log"));
}

void PostgresServer::stop() {
  process_.signal(SIGINT);  // fast shutdown: disconnect clients, checkpoint, exit
  if (!process_.wait(std::chrono::seconds(30))) process_.kill9();
}

void PostgresServer::kill9() { process_.kill9(); }

std::string PostgresServer::url(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PostgresServer::create_database(const std::string& name) {
  PgClient c(url());
  c.exec("CREATE DATABASE \"" + name + "\"");
  return url(name);
}

PgClient::PgClient(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to " + url + ": " + msg);
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  conn_ = c;
}

PgClient::~PgClient() { PQfinish(static_cast<PGconn*>(conn_)); }

PgClient::Rows PgClient::query(const std::string& sql) {
  PGresult* r = PQexec(static_cast<PGconn*>(conn_), sql.c_str());
  const auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("query failed: " + sql + ": " + msg);
  }
  Rows rows;
  for (int i = 0; i < PQntuples(r); ++i) {
    auto& row = rows.emplace_back();
    for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
  }
  PQclear(r);
  return rows;
}

std::string PgClient::scalar(const std::string& sql) {
  const auto rows = query(sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

}  // namespace quflx::testing
