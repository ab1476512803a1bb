#include "store/pg/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <utility>

namespace quflx::pg {
namespace {

// libpq messages end with a newline and sometimes carry a "DETAIL:" line; one line is enough
// for a log or an error reply.
std::string one_line(const char* message) {
  std::string s;
  bool space = false;
  for (const char* p = message ? message : ""; *p; ++p) {
    const bool ws = *p == '\n' || *p == '\t' || *p == ' ' || *p == '\r';
    if (ws) {
      space = !s.empty();
      continue;
    }
    if (space) s += ' ';
    space = false;
    s += *p;
  }
  return s;
}

}  // namespace

Rows::Rows(pg_result* result) : result_(result) {}
Rows::~Rows() {
  if (result_) PQclear(result_);
}
Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int Rows::size() const { return result_ ? PQntuples(result_) : 0; }

bool Rows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view Rows::text(int row, int column) const {
  return {PQgetvalue(result_, row, column),
          static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::int64_t Rows::int64(int row, int column) const {
  const auto s = text(row, column);
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double Rows::float64(int row, int column) const {
  const auto s = text(row, column);
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

Result<Connection> Connection::connect(const ConnectOptions& options) {
  const std::string timeout = std::to_string(std::max<long>(1, options.connect_timeout.count()));
  // Keys are processed in order and the last value wins: the URL (expanded from "dbname",
  // expand_dbname=1) comes last, so its own connect_timeout or application_name win over ours.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), options.application_name.c_str(), options.url.c_str(),
                          nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn) return make_error(ErrorCode::kUnavailable, "postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = one_line(PQerrorMessage(conn));
    PQfinish(conn);
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("postgres {}: {}", display_url(options.url), msg));
  }
  // Quiet NOTICEs ("relation already exists, skipping") would go to stderr otherwise.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return Connection(conn);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}
Connection::Connection(Connection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      last_sqlstate_(std::move(other.last_sqlstate_)) {}
Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    last_sqlstate_ = std::move(other.last_sqlstate_);
  }
  return *this;
}

bool Connection::ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

int Connection::server_version() const { return conn_ ? PQserverVersion(conn_) : 0; }

Error Connection::fail(std::string_view what, PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string msg = one_line(result ? PQresultErrorMessage(result) : nullptr);
  if (msg.empty()) msg = one_line(conn_ ? PQerrorMessage(conn_) : "not connected");
  if (result) PQclear(result);
  const bool lost = !ok();
  return make_error(lost ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                    fmt::format("postgres {}: {}", what, msg));
}

Result<void> Connection::exec(std::string_view sql) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(sql);
  PGresult* r = PQexec(conn_, s.c_str());
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail("exec", r);
  PQclear(r);
  return {};
}

Result<std::uint64_t> Connection::command(std::string_view sql) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(sql);
  PGresult* r = PQexec(conn_, s.c_str());
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail("command", r);
  std::uint64_t rows = 0;
  const char* tuples = PQcmdTuples(r);
  if (tuples && *tuples) rows = std::strtoull(tuples, nullptr, 10);
  PQclear(r);
  return rows;
}

Result<Rows> Connection::query(std::string_view sql,
                               const std::vector<std::optional<std::string>>& params) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(conn_, s.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail("query", r);
  return Rows(r);
}

Result<std::uint64_t> Connection::copy_in(std::string_view copy_sql, std::string_view data) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(copy_sql);
  PGresult* r = PQexec(conn_, s.c_str());
  if (!r || PQresultStatus(r) != PGRES_COPY_IN) return fail("copy", r);
  PQclear(r);
  // libpq buffers; hand it the data in large pieces.
  constexpr std::size_t kChunk = 1 << 20;
  bool sent = true;
  for (std::size_t off = 0; off < data.size() && sent; off += kChunk) {
    const auto n = std::min(kChunk, data.size() - off);
    sent = PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(conn_, sent ? nullptr : "client failed to send data") != 1) {
    return fail("copy end", nullptr);
  }
  r = PQgetResult(conn_);
  if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
    // Drain whatever else the server sends so the connection is usable for ROLLBACK.
    Error e = fail("copy", r);
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    return e;
  }
  std::uint64_t rows = 0;
  const char* tuples = PQcmdTuples(r);
  if (tuples && *tuples) rows = std::strtoull(tuples, nullptr, 10);
  PQclear(r);
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  return rows;
}

Result<std::string> Connection::copy_out(std::string_view copy_sql) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(copy_sql);
  PGresult* r = PQexec(conn_, s.c_str());
  if (!r || PQresultStatus(r) != PGRES_COPY_OUT) return fail("copy", r);
  PQclear(r);
  std::string out;
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(conn_, &buf, 0)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    PQfreemem(buf);
  }
  r = PQgetResult(conn_);
  if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
    Error e = fail("copy", r);
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    return e;
  }
  PQclear(r);
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  return out;
}

Result<void> validate_url(std::string_view url) {
  char* err = nullptr;
  const std::string s(url);
  PQconninfoOption* opts = PQconninfoParse(s.c_str(), &err);
  if (!opts) {
    std::string msg = one_line(err ? err : "not a connection string");
    if (err) PQfreemem(err);
    return make_error(ErrorCode::kInvalidConfig,
                      fmt::format("not a PostgreSQL connection string: {}", msg));
  }
  PQconninfoFree(opts);
  return {};
}

std::string display_url(std::string_view url) {
  const std::string s(url);
  PQconninfoOption* opts = PQconninfoParse(s.c_str(), nullptr);
  if (!opts) return "(invalid connection string)";
  std::string host, port, db, user;
  for (auto* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
    if (k == "user") user = o->val;
  }
  PQconninfoFree(opts);
  std::string out = host.empty() ? "localhost" : host;
  if (!port.empty()) out += ":" + port;
  out += "/" + (db.empty() ? std::string("(default)") : db);
  if (!user.empty()) out += " (user " + user + ")";
  return out;
}

}  // namespace quflx::pg
