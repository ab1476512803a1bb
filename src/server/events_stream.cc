// start_stream, stop_stream, change_asset: a chart's live stream of one asset and timeframe.
//
// A stream joins the asset's tick room and its (asset, timeframe) candle room held, sends the
// history seed, then releases what arrived meanwhile, so the client sees stream_started (or
// asset_changed), historical_candles_loaded, then live updates, in that order and without a
// hole between the seed and the first update.

#include "common/json_out.h"
#include "protocol/market_json.h"
#include "server/history_service.h"
#include "server/live_updates.h"
#include "server/socket_api.h"

namespace quflx {
namespace {

void leave_stream(EventContext& ctx, const std::string& asset, Timeframe tf) {
  auto& rooms = *ctx.deps.rooms;
  rooms.leave(*ctx.client, ctx.deps.live->ticks_room(asset));
  rooms.leave(*ctx.client, ctx.deps.live->candles_room(asset, tf));
}

// Joins the stream's rooms held, sends the history seed, releases the rooms.
boost::asio::awaitable<void> seed_and_go_live(EventContext& ctx, const std::string& asset,
                                             Timeframe tf) {
  auto& rooms = *ctx.deps.rooms;
  auto& live = *ctx.deps.live;
  const auto ticks = live.ticks_room(asset);
  const auto candles = live.candles_room(asset, tf);
  rooms.join(*ctx.client, ticks, /*held=*/true);
  rooms.join(*ctx.client, candles, /*held=*/true);
  History h = co_await ctx.deps.history->load(asset, tf, ctx.deps.history_candles);
  if (!ctx.connected()) co_return;
  std::string list = "[";
  for (std::size_t i = 0; i < h.candles.size(); ++i) {
    if (i) list.push_back(',');
    append_candle_json(list, asset, tf, h.candles[i]);
  }
  std::size_t count = h.candles.size();
  if (ctx.deps.forming) {
    if (auto bar = ctx.deps.forming(asset, tf);
        bar && (h.candles.empty() || bar->open_time_s > h.candles.back().open_time_s)) {
      if (count) list.push_back(',');
      bar->closed = false;
      append_candle_json(list, asset, tf, *bar);
      ++count;
    }
  }
  list.push_back(']');
  ctx.emit("historical_candles_loaded", json_out::Object()
                                            .str("asset", asset)
                                            .str("timeframe", to_string(tf))
                                            .raw("candles", list)
                                            .uint("count", count)
                                            .str("source", to_string(h.source))
                                            .done());
  rooms.release(*ctx.client, ticks, 0);
  rooms.release(*ctx.client, candles, 0);
}

boost::asio::awaitable<void> start_stream(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto tf = timeframe_arg(ctx.payload, Timeframe::k1m);
  if (!tf.ok()) co_return ctx.fail(tf.error());
  co_await ctx.deps.live->follow(*asset);
  if (!ctx.connected()) co_return;
  auto& st = ctx.state();
  // Starting again (same or other timeframe) resets the stream: a fresh seed, then live.
  if (auto it = st.streams.find(*asset); it != st.streams.end()) leave_stream(ctx, *asset, it->second);
  st.streams[*asset] = *tf;
  st.timeframe = *tf;
  ctx.reply("stream_started", json_out::Object()
                                  .str("asset", *asset)
                                  .str("timeframe", to_string(*tf))
                                  .time("timestamp", ctx.now())
                                  .done());
  co_await seed_and_go_live(ctx, *asset, *tf);
}

boost::asio::awaitable<void> stop_stream(EventContext& ctx) {
  auto asset = optional_asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto& st = ctx.state();
  json_out::Object reply;
  if (*asset) {
    if (auto it = st.streams.find(**asset); it != st.streams.end()) {
      leave_stream(ctx, it->first, it->second);
      st.streams.erase(it);
    }
    reply.str("asset", **asset);
  } else {
    for (const auto& [a, tf] : st.streams) leave_stream(ctx, a, tf);
    st.streams.clear();
    reply.null("asset");
  }
  ctx.reply("stream_stopped", reply.time("timestamp", ctx.now()).done());
  co_return;
}

boost::asio::awaitable<void> change_asset(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto tf = timeframe_arg(ctx.payload, ctx.state().timeframe);
  if (!tf.ok()) co_return ctx.fail(tf.error());
  co_await ctx.deps.live->follow(*asset);
  if (!ctx.connected()) co_return;
  auto& st = ctx.state();
  for (const auto& [a, old_tf] : st.streams) leave_stream(ctx, a, old_tf);
  st.streams.clear();
  st.streams[*asset] = *tf;
  st.timeframe = *tf;
  ctx.reply("asset_changed", json_out::Object()
                                 .str("asset", *asset)
                                 .str("timeframe", to_string(*tf))
                                 .time("timestamp", ctx.now())
                                 .done());
  co_await seed_and_go_live(ctx, *asset, *tf);
}

}  // namespace

void register_stream_events(EventTable& table) {
  table.add("start_stream", {start_stream, false, true});
  table.add("stop_stream", {stop_stream, false, false});
  table.add("change_asset", {change_asset, false, true});
}

}  // namespace quflx
