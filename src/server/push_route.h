#pragma once
// POST /api/ticks (SPEC §2 "push", §5): external producers push a JSON array of ticks
// ({"asset","price","timestamp"}; one object is accepted too) with `Authorization: Bearer
// TOKEN` (or `X-Auth-Token: TOKEN`). The ticks take the same path as every feed's (feed name
// "push"); malformed elements and rejected ticks are counted and listed in the reply, the
// valid ones are kept.
//
// Reply 200: {"accepted":N,"rejected":M,"errors":[{"code","message"}...(first 50)],
//             "durable":false}
// `durable` says what the acknowledgement means: true once a durable sink (the persistence
// hand-off, SPEC §4) is registered first in the pipeline, because the ticks were handed to it
// before the reply; false until then, when the reply means "validated, sequenced and handed
// to Redis and clients" and a crash right after it may lose the ticks.
// 401 not_authorised without the right token; 400 bad_json when nothing in the body parses.

#include <functional>
#include <string>

#include "common/metrics.h"
#include "common/time.h"
#include "core/ingest.h"
#include "net/http_server.h"

namespace quflx {

class TickPipeline;
class FrameIngest;

struct PushRouteDeps {
  TickPipeline* pipeline = nullptr;
  FeedId feed = 0;
  FrameIngest* frames = nullptr;  // staleness and fault counters of the push feed
  std::string auth_token;         // must not be empty
  std::function<bool()> durable;  // whether a durable sink is registered
};

void register_push_route(net::HttpServer& http, PushRouteDeps deps);

// Constant-time comparison of a presented token with the configured one.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace quflx
