#include "store/pg/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstring>
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
  const auto request_ms = std::max<long long>(1, options.request_timeout.count());
  // statement_timeout: the server cancels what it cannot answer within our own deadline.
  // TCP keepalive and tcp_user_timeout find a peer that vanished from the network.
  const std::string server_options = fmt::format("-c statement_timeout={}", request_ms);
  const std::string user_timeout = std::to_string(request_ms);
  // Keys are processed in order and the last value wins: the URL (expanded from "dbname",
  // expand_dbname=1) comes last, so its own settings win over ours.
  const char* keys[] = {"connect_timeout", "application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                        "options", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), options.application_name.c_str(), "1", "10", "5",
                          "3", user_timeout.c_str(), server_options.c_str(),
                          options.url.c_str(), nullptr};
  // Connect without blocking, under our own deadline, so that a stopping owner (`abort`)
  // does not wait for a silent server either.
  PGconn* conn = PQconnectStartParams(keys, values, 1);
  if (!conn) return make_error(ErrorCode::kUnavailable, "postgres: out of memory");
  const auto give_up = [&](std::string msg) {
    PQfinish(conn);
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("postgres {}: {}", display_url(options.url), msg));
  };
  if (PQstatus(conn) == CONNECTION_BAD) return give_up(one_line(PQerrorMessage(conn)));
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(std::max<long>(1, options.connect_timeout.count()));
  for (auto poll_state = PGRES_POLLING_WRITING;;) {
    if (poll_state == PGRES_POLLING_OK) break;
    if (poll_state == PGRES_POLLING_FAILED) return give_up(one_line(PQerrorMessage(conn)));
    pollfd p{};
    p.fd = PQsocket(conn);
    p.events = poll_state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    for (;;) {
      if (options.abort && options.abort->load(std::memory_order_acquire)) {
        return give_up("connection abandoned: stopping");
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return give_up(fmt::format("no answer within {} s (connect_timeout)",
                                   options.connect_timeout.count()));
      }
      const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(100, left.count())));
      if (n > 0) break;
      if (n < 0 && errno != EINTR) return give_up(fmt::format("poll: {}", std::strerror(errno)));
    }
    poll_state = PQconnectPoll(conn);
  }
  // Quiet NOTICEs ("relation already exists, skipping") would go to stderr otherwise.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  // Requests are sent and awaited under our own deadline (wait_io), never in a blocking call.
  if (PQsetnonblocking(conn, 1) != 0) {
    PQfinish(conn);
    return make_error(ErrorCode::kUnavailable, "postgres: cannot make the connection non-blocking");
  }
  return Connection(conn, options);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}
Connection::Connection(Connection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      last_sqlstate_(std::move(other.last_sqlstate_)),
      timeout_(other.timeout_),
      abort_(other.abort_) {}
Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    last_sqlstate_ = std::move(other.last_sqlstate_);
    timeout_ = other.timeout_;
    abort_ = other.abort_;
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
  const bool gone = !ok();
  return make_error(gone ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                    fmt::format("postgres {}: {}", what, msg));
}

Error Connection::lost(std::string_view why) {
  // The request's state on the wire is unknown: the connection cannot be reused. Closing it
  // ends the session on the server (its transaction rolls back).
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  last_sqlstate_.clear();
  return make_error(ErrorCode::kUnavailable, fmt::format("postgres: {}", why));
}

Result<void> Connection::wait_io(bool write, std::chrono::steady_clock::time_point deadline) {
  // Sliced so that `abort_` is seen within a tenth of a second.
  constexpr auto kSlice = std::chrono::milliseconds(100);
  for (;;) {
    if (abort_ && abort_->load(std::memory_order_acquire)) return lost("request abandoned: stopping");
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return lost(fmt::format("no answer within {} ms (connection dropped)", timeout_.count()));
    }
    const auto wait = std::min<std::chrono::steady_clock::duration>(kSlice, deadline - now);
    pollfd p{};
    p.fd = PQsocket(conn_);
    if (p.fd < 0) return lost("connection has no socket");
    p.events = static_cast<short>(POLLIN | (write ? POLLOUT : 0));
    const int ms = static_cast<int>(
        std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno != EINTR) return lost(fmt::format("poll: {}", std::strerror(errno)));
    if (n > 0) return {};
  }
}

Result<void> Connection::flush_out(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const int f = PQflush(conn_);
    if (f == 0) return {};
    if (f < 0) return fail("send", nullptr);
    if (auto w = wait_io(true, deadline); !w.ok()) return w.error();
    // Input may be what unblocks the server's side; libpq wants it consumed.
    if (PQconsumeInput(conn_) == 0) return fail("receive", nullptr);
  }
}

Result<PGresult*> Connection::next_result(std::chrono::steady_clock::time_point deadline) {
  if (auto f = flush_out(deadline); !f.ok()) return f.error();
  while (PQisBusy(conn_)) {
    if (auto w = wait_io(false, deadline); !w.ok()) return w.error();
    if (PQconsumeInput(conn_) == 0) return fail("receive", nullptr);
  }
  return PQgetResult(conn_);
}

Result<PGresult*> Connection::finish_request(std::string_view what,
                                             std::chrono::steady_clock::time_point deadline) {
  PGresult* last = nullptr;
  PGresult* failed = nullptr;
  for (;;) {
    auto r = next_result(deadline);
    if (!r.ok()) {
      if (last) PQclear(last);
      if (failed) PQclear(failed);
      return r.error();
    }
    if (*r == nullptr) break;
    const auto st = PQresultStatus(*r);
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      // Not expected here (libpq would hand out this state again and again); the caller's
      // statement is wrong. The connection cannot be used any more.
      PQclear(*r);
      if (last) PQclear(last);
      if (failed) PQclear(failed);
      return lost(fmt::format("{}: unexpected COPY state", what));
    }
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      if (failed) {
        PQclear(*r);
      } else {
        failed = *r;
      }
      continue;
    }
    if (last) PQclear(last);
    last = *r;
  }
  if (failed) {
    if (last) PQclear(last);
    return fail(what, failed);
  }
  if (!last) return fail(what, nullptr);
  return last;
}

Result<void> Connection::exec(std::string_view sql) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(sql);
  const auto dl = deadline();
  if (PQsendQuery(conn_, s.c_str()) != 1) return fail("exec", nullptr);
  auto r = finish_request("exec", dl);
  if (!r.ok()) return r.error();
  PQclear(*r);
  return {};
}

Result<std::uint64_t> Connection::command(std::string_view sql) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const std::string s(sql);
  const auto dl = deadline();
  if (PQsendQuery(conn_, s.c_str()) != 1) return fail("command", nullptr);
  auto r = finish_request("command", dl);
  if (!r.ok()) return r.error();
  std::uint64_t rows = 0;
  const char* tuples = PQcmdTuples(*r);
  if (tuples && *tuples) rows = std::strtoull(tuples, nullptr, 10);
  PQclear(*r);
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
  const auto dl = deadline();
  if (PQsendQueryParams(conn_, s.c_str(), static_cast<int>(values.size()), nullptr,
                        values.data(), nullptr, nullptr, 0) != 1) {
    return fail("query", nullptr);
  }
  auto r = finish_request("query", dl);
  if (!r.ok()) return r.error();
  return Rows(*r);
}

Result<PGresult*> Connection::start_copy(std::string_view copy_sql, int expected,
                                         std::chrono::steady_clock::time_point deadline) {
  const std::string s(copy_sql);
  if (PQsendQuery(conn_, s.c_str()) != 1) return fail("copy", nullptr);
  auto r = next_result(deadline);
  if (!r.ok()) return r.error();
  if (!*r || PQresultStatus(*r) != expected) {
    Error e = fail("copy", *r);
    // Collect the rest so that the connection is usable (for ROLLBACK).
    if (conn_) {
      for (;;) {
        auto extra = next_result(deadline);
        if (!extra.ok() || !*extra) break;
        PQclear(*extra);
      }
    }
    return e;
  }
  return *r;
}

Result<std::uint64_t> Connection::copy_in(std::string_view copy_sql, std::string_view data) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const auto dl = deadline();
  auto started = start_copy(copy_sql, PGRES_COPY_IN, dl);
  if (!started.ok()) return started.error();
  PQclear(*started);
  // libpq buffers; hand it the data in large pieces. Non-blocking: 0 means "full, wait".
  constexpr std::size_t kChunk = 1 << 20;
  bool sent = true;
  for (std::size_t off = 0; off < data.size() && sent;) {
    const auto n = std::min(kChunk, data.size() - off);
    const int put = PQputCopyData(conn_, data.data() + off, static_cast<int>(n));
    if (put == 1) {
      off += n;
    } else if (put == 0) {
      if (auto w = wait_io(true, dl); !w.ok()) return w.error();
      if (PQconsumeInput(conn_) == 0 || PQflush(conn_) < 0) return fail("copy", nullptr);
    } else {
      sent = false;
    }
  }
  for (;;) {
    const int end = PQputCopyEnd(conn_, sent ? nullptr : "client failed to send data");
    if (end == 1) break;
    if (end < 0) return fail("copy end", nullptr);
    if (auto w = wait_io(true, dl); !w.ok()) return w.error();
    if (PQconsumeInput(conn_) == 0 || PQflush(conn_) < 0) return fail("copy end", nullptr);
  }
  auto r = finish_request("copy", dl);
  if (!r.ok()) return r.error();
  std::uint64_t rows = 0;
  const char* tuples = PQcmdTuples(*r);
  if (tuples && *tuples) rows = std::strtoull(tuples, nullptr, 10);
  PQclear(*r);
  return rows;
}

Result<std::string> Connection::copy_out(std::string_view copy_sql) {
  last_sqlstate_.clear();
  if (!conn_) return make_error(ErrorCode::kUnavailable, "postgres: not connected");
  const auto dl = deadline();
  auto started = start_copy(copy_sql, PGRES_COPY_OUT, dl);
  if (!started.ok()) return started.error();
  PQclear(*started);
  std::string out;
  for (;;) {
    char* buf = nullptr;
    const int n = PQgetCopyData(conn_, &buf, 1);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      PQfreemem(buf);
      continue;
    }
    if (n == -1) break;  // done; the command's result follows
    if (n < -1) return fail("copy", nullptr);
    if (auto w = wait_io(false, dl); !w.ok()) return w.error();
    if (PQconsumeInput(conn_) == 0) return fail("copy", nullptr);
  }
  auto r = finish_request("copy", dl);
  if (!r.ok()) return r.error();
  PQclear(*r);
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
