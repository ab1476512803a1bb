#include "server/push_route.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/json_out.h"
#include "feed/push_feed.h"

namespace quflx {
namespace {

using net::HttpRequest;
using net::HttpResponse;

constexpr std::size_t kMaxErrorsListed = 50;

std::string_view presented_token(const HttpRequest& req) {
  if (auto a = req.header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (a->size() > kBearer.size() && a->substr(0, kBearer.size()) == kBearer) {
      return a->substr(kBearer.size());
    }
  }
  if (auto t = req.header("x-auth-token")) return *t;
  return {};
}

}  // namespace

bool token_matches(std::string_view presented, std::string_view expected) {
  if (expected.empty()) return false;
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const char p = i < presented.size() ? presented[i] : '\0';
    diff = static_cast<unsigned char>(diff | (p ^ expected[i]));
  }
  return diff == 0;
}

void register_push_route(net::HttpServer& http, PushRouteDeps deps) {
  http.route("POST", "/api/ticks",
             [deps](const HttpRequest& req) -> boost::asio::awaitable<HttpResponse> {
               if (!token_matches(presented_token(req), deps.auth_token)) {
                 co_return HttpResponse::error(
                     401, ErrorCode::kNotAuthorised,
                     "POST /api/ticks needs 'Authorization: Bearer <token>' with the server's "
                     "--auth-token");
               }
               if (!deps.feed->accepting()) {
                 co_return HttpResponse::error(
                     503, ErrorCode::kUnavailable,
                     "the server is starting or stopping and takes no ticks now; retry shortly");
               }
               const PushResult result = deps.feed->push(req.body);
               // An exact repeat of a stored tick (a retried batch) is no error: it is counted
               // apart, so a producer can tell a retry that changed nothing from a refusal.
               const auto duplicates = static_cast<std::size_t>(
                   std::count_if(result.refused.begin(), result.refused.end(),
                                 [](const PushRefusal& r) { return r.code == ErrorCode::kDuplicate; }));
               std::string body;
               body += fmt::format(R"({{"accepted":{},"duplicates":{},"rejected":{},"errors":[)",
                                   result.accepted, duplicates,
                                   result.refused.size() - duplicates + result.faults.size());
               std::size_t listed = 0;
               auto add = [&](std::string_view code, std::string_view message) {
                 if (listed++ >= kMaxErrorsListed) return;
                 if (listed > 1) body += ',';
                 body += R"({"code":)";
                 json_out::append_string(body, code);
                 body += R"(,"message":)";
                 json_out::append_string(body, message);
                 body += '}';
               };
               for (const auto& [fault, detail] : result.faults) {
                 add(fault == FrameFault::kBadJson ? "bad_json" : "bad_payload", detail);
               }
               for (const auto& r : result.refused) {
                 if (r.code == ErrorCode::kDuplicate) continue;
                 add(to_string(r.code), fmt::format("tick {}: {}", r.index, r.message));
               }
               // A duplicate's first copy may have been appended moments ago and not be synced
               // yet: a retry is acknowledged as durable only once it is.
               bool durable = deps.durable && deps.durable();
               if (durable && result.accepted + duplicates > 0 && deps.sync) durable = co_await deps.sync();
               body += fmt::format(R"(],"durable":{}}})", durable);
               co_return HttpResponse::json(result.nothing_parsed ? 400 : 200, std::move(body));
             });
}

}  // namespace quflx
