#include "server/push_route.h"

#include <fmt/format.h>

#include "common/json_out.h"
#include "feed/frame_ingest.h"
#include "protocol/feed_frames.h"
#include "pipeline/tick_pipeline.h"

namespace quflx {
namespace {

using net::HttpRequest;
using net::HttpResponse;

constexpr std::size_t kMaxErrorsListed = 50;

// Collects one request's ticks and faults; counts faults in the push feed's metrics too.
class RequestSink final : public FrameSink {
 public:
  explicit RequestSink(FrameIngest& frames) : frames_(frames) {}
  void on_ticks(std::span<const RawTick> ticks) override { ticks_.assign(ticks.begin(), ticks.end()); }
  void on_history(const HistoryPayload&) override {}
  void on_active_asset(std::string_view) override {}
  void on_fault(FrameFault fault, std::string_view detail) override {
    frames_.on_fault(fault, detail);
    faults.push_back({fault, std::string(detail)});
  }
  std::vector<RawTick> ticks_;
  std::vector<std::pair<FrameFault, std::string>> faults;

 private:
  FrameIngest& frames_;
};

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
               RequestSink sink(*deps.frames);
               TickScratch scratch;
               decode_json_ticks(req.body, scratch, sink);
               std::vector<TickRejection> rejections;
               std::size_t accepted = 0;
               if (!sink.ticks_.empty()) {
                 accepted = deps.pipeline->ingest(deps.feed, sink.ticks_, rejections);
                 deps.frames->note_ticks(sink.ticks_);
               }
               const bool nothing_parsed =
                   sink.ticks_.empty() && !sink.faults.empty() &&
                   sink.faults.front().first == FrameFault::kBadJson;
               std::string body;
               body += fmt::format(R"({{"accepted":{},"rejected":{},"errors":[)", accepted,
                                   rejections.size() + sink.faults.size());
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
               for (const auto& [fault, detail] : sink.faults) {
                 add(fault == FrameFault::kBadJson ? "bad_json" : "bad_payload", detail);
               }
               for (const auto& r : rejections) {
                 add(to_string(r.code), fmt::format("tick {}: {}", r.index, r.message));
               }
               bool durable = deps.durable && deps.durable();
               if (durable && accepted > 0 && deps.sync) durable = co_await deps.sync();
               body += fmt::format(R"(],"durable":{}}})", durable);
               co_return HttpResponse::json(nothing_parsed ? 400 : 200, std::move(body));
             });
}

}  // namespace quflx
