#pragma once
// POST /api/ticks (SPEC §2 "push", §5), the HTTP adapter of the push feed (feed/push_feed):
// external producers push a JSON array of ticks ({"asset","price","timestamp"}; one object is
// accepted too) with `Authorization: Bearer TOKEN` (or `X-Auth-Token: TOKEN`). The route checks
// the token, hands the body to PushFeed::push (decoding, ingest, fault counters, staleness),
// waits for durability and writes the reply; malformed elements and rejected ticks are listed
// in it, the valid ones are kept.
//
// Reply 200: {"accepted":N,"rejected":M,"errors":[{"code","message"}...(first 50)],
//             "durable":true}
// `durable` says what the acknowledgement means. With persistence (SPEC §4) the accepted ticks
// were appended to the tick journal before any client saw them, and the reply waits until the
// journal is synced to disk: "durable":true means they survive a crash of the server and a power
// loss, and will reach PostgreSQL. Without a database (--database-url none) it is false: the
// reply means "validated, sequenced and handed to Redis and clients", nothing more. A tick the
// journal could not take is listed in `errors` with code `unavailable`.
// 401 not_authorised without the right token; 400 bad_json when nothing in the body parses.

#include <functional>
#include <string>

#include "net/http_server.h"

namespace quflx {

class PushFeed;

struct PushRouteDeps {
  PushFeed* feed = nullptr;
  std::string auth_token;         // must not be empty
  std::function<bool()> durable;  // whether a durable sink is registered
  // Waits until the ticks accepted so far are on disk; true if they are. Null without a
  // durable sink.
  std::function<boost::asio::awaitable<bool>()> sync;
};

void register_push_route(net::HttpServer& http, PushRouteDeps deps);

// Constant-time comparison of a presented token with the configured one.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace quflx
