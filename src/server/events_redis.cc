// subscribe_redis_updates / unsubscribe_redis_updates: every tick of an asset, with gap-free
// resume.
//
// The subscription joins the asset's redis room held. With `last_seq` L the ticks after L
// still in ticks:{A} are read; S, the subscription point, is the newer of what this server
// delivered and the list's head. The reply `redis_subscribed {asset, seq: S, last_seq: L,
// replayed, unavailable}` goes first, then the replayed ticks (L, S] in order, then the held
// live ticks above S, then live ones: each seq once, in order. `unavailable` lists exactly the
// seqs in (L, S] that Redis no longer holds (or all of them when Redis cannot be asked).

#include "common/json_out.h"
#include "server/live_updates.h"
#include "server/socket_api.h"
#include "store/redis/tick_log.h"

namespace quflx {
namespace {

std::string ranges_json(const std::vector<SeqRange>& ranges) {
  std::string out = "[";
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (i) out.push_back(',');
    out += json_out::Object().uint("from", ranges[i].from).uint("to", ranges[i].to).done();
  }
  out.push_back(']');
  return out;
}

boost::asio::awaitable<void> subscribe(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  auto last_seq = seq_arg(ctx.payload, "last_seq");
  if (!last_seq.ok()) co_return ctx.fail(last_seq.error());
  auto& live = *ctx.deps.live;
  co_await live.follow(*asset);
  if (!ctx.connected()) co_return;
  auto& rooms = *ctx.deps.rooms;
  const auto room = live.redis_room(*asset);
  // (Re)subscribing resets the subscription to the new point.
  rooms.leave(*ctx.client, room);
  rooms.join(*ctx.client, room, /*held=*/true);
  ctx.state().redis_subscriptions.insert(*asset);
  const std::uint64_t delivered = live.last_seq(*asset);

  if (!*last_seq) {
    std::uint64_t s = delivered;
    if (s == 0 && ctx.deps.tick_log) {
      // Nothing seen here yet: the subscription point is the head of the list.
      auto head = co_await ctx.deps.tick_log->newest_seq(*asset);
      if (!ctx.connected()) co_return;
      if (head.ok()) s = *head;
      s = std::max(s, live.last_seq(*asset));
    }
    ctx.reply("redis_subscribed", json_out::Object().str("asset", *asset).uint("seq", s).done());
    rooms.release(*ctx.client, room, s);
    co_return;
  }

  const std::uint64_t from = **last_seq;
  std::vector<std::string> replay;
  std::vector<std::uint64_t> seqs;
  std::uint64_t s = delivered;
  std::string why;
  if (ctx.deps.tick_log) {
    auto slice = co_await ctx.deps.tick_log->read_after(*asset, from);
    if (!ctx.connected()) co_return;
    if (slice.ok()) {
      // Not live.last_seq() now: ticks delivered during the read are held, not in `slice`.
      s = std::max(s, slice->newest_seq);
      replay = std::move(slice->ticks);
      seqs = std::move(slice->seqs);
    } else {
      why = slice.error().message;
    }
  } else {
    why = "the server runs without Redis";
  }
  // Exactly which seqs in (from, s] the replay cannot give.
  std::vector<SeqRange> unavailable;
  std::uint64_t expect = from + 1;
  std::size_t n = 0;
  for (; n < seqs.size() && seqs[n] <= s; ++n) {
    if (seqs[n] > expect) unavailable.push_back({expect, seqs[n] - 1});
    expect = seqs[n] + 1;
  }
  if (expect <= s) unavailable.push_back({expect, s});
  json_out::Object reply;
  reply.str("asset", *asset).uint("seq", s).uint("last_seq", from).uint("replayed", n);
  reply.raw("unavailable", ranges_json(unavailable));
  if (!why.empty()) reply.str("detail", why);
  ctx.reply("redis_subscribed", reply.done());
  for (std::size_t i = 0; i < n; ++i) ctx.client->send(LiveUpdates::replay_frame(replay[i], seqs[i]));
  rooms.release(*ctx.client, room, s);
}

boost::asio::awaitable<void> unsubscribe(EventContext& ctx) {
  auto asset = asset_arg(ctx.payload);
  if (!asset.ok()) co_return ctx.fail(asset.error());
  // Only an asset the client subscribed to has a room to leave: naming others must not make
  // the server remember them.
  if (ctx.state().redis_subscriptions.erase(*asset)) {
    ctx.deps.rooms->leave(*ctx.client, ctx.deps.live->redis_room(*asset));
  }
  ctx.reply("redis_unsubscribed", json_out::Object().str("asset", *asset).done());
  co_return;
}

}  // namespace

void register_redis_events(EventTable& table) {
  table.add("subscribe_redis_updates", {subscribe, false, true});
  table.add("unsubscribe_redis_updates", {unsubscribe, false, true});
}

}  // namespace quflx
