// The candle cache events: get_cached_historical_data, cache_historical_data,
// clear_cached_historical_data, store_csv_candles. All go through HistoryService.

#include <boost/json.hpp>

#include "common/json_out.h"
#include "protocol/candle_input.h"
#include "protocol/market_json.h"
#include "server/history_service.h"
#include "server/socket_api.h"

namespace quflx {
namespace {

namespace json = boost::json;

// The candles of `field`: a non-empty array of candle objects of `tf`.
Result<std::vector<Candle>> candles_arg(const json::object* payload, std::string_view field,
                                        Timeframe tf) {
  const json::value* v = payload ? payload->if_contains(field) : nullptr;
  if (!v || v->is_null()) {
    return make_error(ErrorCode::kBadPayload, "'" + std::string(field) + "' is required");
  }
  auto candles = parse_candle_array(*v, tf);
  if (!candles.ok()) {
    return make_error(candles.error().code, "'" + std::string(field) + "': " + candles.error().message);
  }
  if (candles->empty()) {
    return make_error(ErrorCode::kBadPayload, "'" + std::string(field) + "' has no candles");
  }
  return candles;
}

boost::asio::awaitable<void> get_cached(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto tf = timeframe_arg(ctx.payload, Timeframe::k1m);
  if (!tf.ok()) co_return ctx.fail(tf.error());
  History h = co_await ctx.deps.history->load(*asset, *tf, ctx.deps.history_candles);
  std::string data;
  append_candles_json(data, *asset, *tf, h.candles);
  ctx.reply("cached_historical_data", json_out::Object()
                                          .str("asset", *asset)
                                          .str("timeframe", to_string(*tf))
                                          .raw("data", data)
                                          .str("source", to_string(h.source))
                                          .done());
}

boost::asio::awaitable<void> cache(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto tf = timeframe_arg(ctx.payload, Timeframe::k1m);
  if (!tf.ok()) co_return ctx.fail(tf.error());
  auto candles = candles_arg(ctx.payload, "data", *tf);
  if (!candles.ok()) co_return ctx.fail(candles.error());
  auto stored = co_await ctx.deps.history->store(*asset, *tf, std::move(*candles));
  if (!stored.ok()) co_return ctx.fail(stored.error());
  ctx.reply("historical_data_cached", json_out::Object()
                                          .str("asset", *asset)
                                          .str("timeframe", to_string(*tf))
                                          .uint("count", *stored)
                                          .done());
}

boost::asio::awaitable<void> clear(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto tf = timeframe_arg(ctx.payload, Timeframe::k1m);
  if (!tf.ok()) co_return ctx.fail(tf.error());
  auto r = co_await ctx.deps.history->clear(*asset, *tf);
  if (!r.ok()) co_return ctx.fail(r.error());
  ctx.reply("historical_data_cache_cleared",
            json_out::Object().str("asset", *asset).str("timeframe", to_string(*tf)).done());
}

boost::asio::awaitable<void> store_csv(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto tf = timeframe_arg(ctx.payload, Timeframe::k1m);
  if (!tf.ok()) co_return ctx.fail(tf.error());
  auto candles = candles_arg(ctx.payload, "candles", *tf);
  if (!candles.ok()) co_return ctx.fail(candles.error());
  auto r = co_await ctx.deps.history->import(*asset, *tf, std::move(*candles));
  if (!r.ok()) co_return ctx.fail(r.error());
  json_out::Object reply;
  reply.str("asset", *asset).str("timeframe", to_string(*tf)).uint("candle_count", r->accepted);
  reply.uint("cached", r->cached);
  if (r->stored) {
    reply.uint("stored", *r->stored);
  } else {
    reply.null("stored");
  }
  ctx.reply("csv_storage_success", reply.done());
}

}  // namespace

void register_cache_events(EventTable& table) {
  table.add("get_cached_historical_data", {get_cached, false, true});
  table.add("cache_historical_data", {cache, true, true});
  table.add("clear_cached_historical_data", {clear, true, true});
  table.add("store_csv_candles", {store_csv, true, true});
}

}  // namespace quflx
