#include "server/socket_api.h"

#include <boost/json.hpp>

#include "common/json_out.h"
#include "core/asset.h"
#include "server/push_route.h"

namespace quflx {

namespace json = boost::json;

EventContext::EventContext(SocketApiDeps& d, std::shared_ptr<net::SocketClient> c,
                           std::string_view e, const json::object* p,
                           std::optional<std::uint64_t> a)
    : deps(d), client(std::move(c)), event(e), payload(p), ack(a) {}

ClientState& EventContext::state() const {
  return *std::static_pointer_cast<ClientState>(client->state);
}

void EventContext::reply(std::string_view reply_event, std::string_view json_text) {
  client->reply(acked_ ? std::nullopt : ack, reply_event, json_text);
  acked_ = acked_ || ack.has_value();
}

void EventContext::emit(std::string_view reply_event, std::string_view json_text) const {
  client->emit(reply_event, json_text);
}

void EventContext::fail(const Error& e) {
  client->error(acked_ ? std::nullopt : ack, event, e.code, e.message);
  acked_ = acked_ || ack.has_value();
}

const EventSpec* EventTable::find(std::string_view name) const {
  auto it = events_.find(name);
  return it == events_.end() ? nullptr : &it->second;
}

Result<std::string> asset_arg(const json::object* payload) {
  const json::value* v = payload ? payload->if_contains("asset") : nullptr;
  if (!v || v->is_null()) return make_error(ErrorCode::kInvalidAsset, "'asset' is required");
  if (!v->is_string()) return make_error(ErrorCode::kInvalidAsset, "'asset' must be a string");
  if (auto ok = validate_asset_name(v->get_string()); !ok.ok()) return ok.error();
  return std::string(v->get_string());
}

Result<std::optional<std::string>> optional_asset_arg(const json::object* payload) {
  const json::value* v = payload ? payload->if_contains("asset") : nullptr;
  if (!v || v->is_null()) return std::optional<std::string>{};
  auto a = asset_arg(payload);
  if (!a.ok()) return a.error();
  return std::optional<std::string>(std::move(*a));
}

Result<Timeframe> timeframe_arg(const json::object* payload, Timeframe fallback) {
  const json::value* v = payload ? payload->if_contains("timeframe") : nullptr;
  if (!v || v->is_null()) return fallback;
  if (!v->is_string()) {
    return make_error(ErrorCode::kInvalidTimeframe, "'timeframe' must be a string such as \"1m\"");
  }
  return validate_timeframe(v->get_string());
}

Result<std::optional<std::uint64_t>> seq_arg(const json::object* payload, std::string_view key) {
  const json::value* v = payload ? payload->if_contains(key) : nullptr;
  if (!v || v->is_null()) return std::optional<std::uint64_t>{};
  const auto bad = [&] {
    return make_error(ErrorCode::kBadPayload,
                      "'" + std::string(key) + "' must be a whole number >= 0");
  };
  if (v->is_uint64()) return std::optional<std::uint64_t>(v->get_uint64());
  if (v->is_int64()) {
    if (v->get_int64() < 0) return bad();
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(v->get_int64()));
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (d >= 0 && d < 9.0e15 && d == static_cast<double>(static_cast<std::uint64_t>(d))) {
      return std::optional<std::uint64_t>(static_cast<std::uint64_t>(d));
    }
  }
  return bad();
}

SocketApi::SocketApi(SocketApiDeps deps) : deps_(std::move(deps)) {
  register_stream_events(table_);
  register_redis_events(table_);
  register_cache_events(table_);
  register_status_events(table_);
}

Result<bool> SocketApi::authorize(const json::value& auth) {
  if (!deps_.writes_disabled.empty() && deps_.auth_token.empty()) return false;  // read-only
  if (deps_.auth_token.empty()) return true;  // no token configured (loopback): everyone may write
  const json::value* token = auth.is_object() ? auth.get_object().if_contains("token") : nullptr;
  if (!token || token->is_null()) return false;  // read-only
  if (token->is_string() && token_matches(token->get_string(), deps_.auth_token)) return true;
  // A client that presents a wrong token is told at once rather than failing on its first write.
  return make_error(ErrorCode::kNotAuthorised, "invalid auth token");
}

void SocketApi::on_connect(const std::shared_ptr<net::SocketClient>& client) {
  client->state = std::make_shared<ClientState>();
  clients_.insert(client.get());
  client->emit("connection_status", json_out::Object()
                                        .str("status", "connected")
                                        .str("sid", client->id())
                                        .str("transport", net::to_string(client->transport()))
                                        .boolean("may_write", client->may_write())
                                        .str("server", "quflx")
                                        .str("version", deps_.version)
                                        .time("timestamp", deps_.clock->now())
                                        .done());
}

boost::asio::awaitable<void> SocketApi::on_event(std::shared_ptr<net::SocketClient> client,
                                                 sio::Event event,
                                                 std::optional<std::uint64_t> ack) {
  const json::object* payload =
      !event.args.empty() && event.args[0].is_object() ? &event.args[0].get_object() : nullptr;
  EventContext ctx(deps_, client, event.name, payload, ack);
  const EventSpec* spec = table_.find(event.name);
  if (!spec) {
    std::string shown;
    for (char c : std::string_view(event.name).substr(0, 48)) {
      shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
    ctx.fail(make_error(ErrorCode::kUnknownEvent, "unknown event '" + shown + "'"));
    co_return;
  }
  if (spec->write && !client->may_write()) {
    ctx.fail(make_error(ErrorCode::kNotAuthorised,
                        deps_.writes_disabled.empty()
                            ? "'" + event.name + "' changes data: connect with auth {token}"
                            : "'" + event.name + "' changes data; " + deps_.writes_disabled));
    co_return;
  }
  if (spec->payload_required && !payload) {
    ctx.fail(make_error(ErrorCode::kBadPayload,
                        "'" + event.name + "' takes an object, e.g. {\"asset\":\"EURUSD_otc\"}"));
    co_return;
  }
  if (!spec->payload_required && !payload && !event.args.empty() && !event.args[0].is_null()) {
    ctx.fail(make_error(ErrorCode::kBadPayload, "'" + event.name + "' takes an object or nothing"));
    co_return;
  }
  co_await spec->handler(ctx);
}

void SocketApi::emit_to_all(std::string_view event, std::string_view json) {
  for (auto* c : clients_) c->emit(event, json);
}

void SocketApi::on_disconnect(net::SocketClient& client) {
  clients_.erase(&client);
  // Rooms are already left. The ClientState stays with the client object, which a handler
  // still awaiting something may hold; it goes when the last reference does.
}

}  // namespace quflx
