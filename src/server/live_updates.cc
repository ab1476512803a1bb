#include "server/live_updates.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "protocol/market_json.h"
#include "protocol/socketio.h"
#include "pipeline/tick_pipeline.h"
#include "store/redis/keys.h"
#include "store/redis/subscriber.h"
#include "store/redis/tick_log.h"

namespace quflx {

namespace asio = boost::asio;

namespace {

enum RoomKind : std::uint64_t { kTicks = 1, kRedis = 2, kCandles = 3 };

constexpr net::RoomId room_id(RoomKind kind, std::uint32_t index, std::uint64_t tf = 0) {
  return (std::uint64_t{kind} << 56) | (tf << 48) | index;
}

// Conflate keys: per asset for ticks, per bar for candles (a closed bar must never be
// replaced by the next bar).
constexpr std::uint64_t candle_key(std::uint32_t index, Timeframe tf, std::int64_t open_time_s) {
  return (std::uint64_t{kCandles} << 62) | (std::uint64_t{index} << 40) |
         (static_cast<std::uint64_t>(tf) << 34) |
         (static_cast<std::uint64_t>(open_time_s) & ((std::uint64_t{1} << 34) - 1));
}

// `event` with the JSON as its argument; redis_update wraps it as {data: json}.
net::FrameRef event_frame(std::string_view event, std::string_view json, net::FrameMeta meta) {
  return net::Frame::build([&](std::string& out) { sio::append_event_message(out, event, json); },
                           meta);
}
net::FrameRef data_event_frame(std::string_view event, std::string_view json, net::FrameMeta meta) {
  return net::Frame::build(
      [&](std::string& out) { sio::append_data_event_message(out, event, json); }, meta);
}

constexpr std::string_view kTickEvent = "tick_update";
constexpr std::string_view kRedisEvent = "redis_update";
constexpr std::string_view kCandleEvent = "candle_update";

// A follow() gives up waiting for the subscription after this long (Redis unreachable).
constexpr auto kFollowTimeout = std::chrono::seconds(2);
// Remote ticks held back during a gap fill, per asset; beyond this the oldest are dropped.
constexpr std::size_t kMaxHeld = 100'000;
// How often assets nobody wants any more are dropped (and their channels unsubscribed).
constexpr auto kPruneInterval = std::chrono::seconds(5);

}  // namespace

struct LiveUpdates::Asset {
  std::string name;
  std::uint32_t index = 0;
  std::uint64_t last_seq = 0;
  double last_time = 0;
  bool local = false;
  enum class Follow { kNone, kSubscribing, kSubscribed } follow = Follow::kNone;
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;
  bool filling = false;
  // Last looked up by name (a request's follow() or room): a handler that has just been
  // resumed from follow() and is about to join a room is not yet "wanted", so prune() spares
  // what was asked for within its interval.
  std::chrono::steady_clock::time_point touched{};
  std::vector<std::pair<std::uint64_t, std::string>> held;
  std::array<std::optional<Candle>, kTimeframeCount> relayed;
};

struct LiveUpdates::PruneTimer {
  explicit PruneTimer(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
};

LiveUpdates::LiveUpdates(asio::any_io_executor executor, net::Rooms& rooms,
                         const TickPipeline* pipeline, TickLog* tick_log,
                         std::unique_ptr<RedisSubscriber> subscriber, MetricsRegistry& metrics)
    : executor_(std::move(executor)),
      rooms_(rooms),
      pipeline_(pipeline),
      tick_log_(tick_log),
      subscriber_(std::move(subscriber)),
      prune_timer_(std::make_unique<PruneTimer>(executor_)) {
  if (subscriber_) {
    subscriber_->set_handlers(RedisSubscriber::Handlers{
        .on_message = [this](std::string_view channel,
                             std::string_view payload) { on_message(channel, payload); },
        .on_subscribed = [this](std::string_view channel) { on_subscribed(channel); },
        // Up or down, a followed asset waits for its (re)subscription to be confirmed; the
        // subscriber sends it once the connection is up.
        .on_state_change =
            [this](bool) {
              for (auto& a : assets_) {
                if (!a || a->follow == Asset::Follow::kNone) continue;
                a->follow = Asset::Follow::kSubscribing;
              }
            },
    });
  }
  metrics.add_collector([this](MetricsWriter& w) {
    w.counter("quflx_live_ticks_total", "Ticks delivered to clients, by origin",
              {{"origin", "local"}}, static_cast<double>(stats_.local_ticks));
    w.counter("quflx_live_ticks_total", "Ticks delivered to clients, by origin",
              {{"origin", "redis"}}, static_cast<double>(stats_.remote_ticks));
    w.counter("quflx_live_duplicates_total",
              "Ticks seen twice (own Redis echo, overlap with a gap fill) and skipped", {},
              static_cast<double>(stats_.duplicates));
    w.counter("quflx_live_gap_fills_total", "Gaps in relayed ticks filled from ticks:{A}", {},
              static_cast<double>(stats_.gap_fills));
    w.counter("quflx_live_gap_ticks_total", "Ticks of relay gaps, by outcome",
              {{"outcome", "filled"}}, static_cast<double>(stats_.gap_ticks_filled));
    w.counter("quflx_live_gap_ticks_total", "Ticks of relay gaps, by outcome",
              {{"outcome", "lost"}}, static_cast<double>(stats_.gap_ticks_lost));
    double local = 0;
    double relayed = 0;
    for (const auto& a : assets_) {
      if (a) (a->local ? local : relayed) += 1;
    }
    w.gauge("quflx_live_assets", "Assets this server delivers updates of, by origin",
            {{"origin", "local"}}, local);
    w.gauge("quflx_live_assets", "Assets this server delivers updates of, by origin",
            {{"origin", "relayed"}}, relayed);
    w.counter("quflx_live_bad_messages_total",
              "Messages on updates:{A} that were neither a tick nor a candle update", {},
              static_cast<double>(stats_.bad_messages));
  });
}

LiveUpdates::~LiveUpdates() = default;

void LiveUpdates::start() {
  if (subscriber_) subscriber_->start();
  asio::co_spawn(executor_, prune_loop(), asio::detached);
}

void LiveUpdates::stop() {
  stopped_ = true;
  prune_timer_->timer.cancel();
  if (subscriber_) subscriber_->stop();
  for (auto& a : assets_) {
    if (!a) continue;
    for (auto& w : a->waiters) w->cancel();
    a->waiters.clear();
  }
}

asio::awaitable<void> LiveUpdates::prune_loop() {
  while (!stopped_) {
    prune_timer_->timer.expires_after(kPruneInterval);
    auto [ec] = co_await prune_timer_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopped_) co_return;
    prune();
  }
}

bool LiveUpdates::wanted(const Asset& a) const {
  if (!rooms_.empty(room_id(kTicks, a.index)) || !rooms_.empty(room_id(kRedis, a.index))) return true;
  for (Timeframe tf : kAllTimeframes) {
    if (!rooms_.empty(room_id(kCandles, a.index, static_cast<std::uint64_t>(tf) + 1))) return true;
  }
  return false;
}

void LiveUpdates::prune() {
  for (auto& slot : assets_) {
    if (!slot) continue;
    const Asset& a = *slot;
    // Kept: what this process ingests, what a client is in a room of, and what a coroutine
    // is using (a follow() waiting for its subscription, a gap fill).
    if (a.local || a.filling || !a.waiters.empty() || wanted(a)) continue;
    if (std::chrono::steady_clock::now() - a.touched < kPruneInterval) continue;
    if (a.follow != Asset::Follow::kNone && subscriber_) {
      subscriber_->unsubscribe(redis_keys::updates(a.name));
    }
    by_name_.erase(a.name);
    free_.push_back(a.index);  // its rooms are empty: the index may name another asset
    slot.reset();
  }
}

LiveUpdates::Asset& LiveUpdates::asset(std::string_view name) {
  if (auto it = by_name_.find(std::string(name)); it != by_name_.end()) {
    Asset& found = *assets_[it->second];
    found.touched = std::chrono::steady_clock::now();
    return found;
  }
  auto a = std::make_unique<Asset>();
  a->name = std::string(name);
  a->touched = std::chrono::steady_clock::now();
  if (free_.empty()) {
    a->index = static_cast<std::uint32_t>(assets_.size());
    assets_.emplace_back();
  } else {
    a->index = free_.back();
    free_.pop_back();
  }
  by_name_.emplace(a->name, a->index);
  auto& slot = assets_[a->index];
  slot = std::move(a);
  return *slot;
}

const LiveUpdates::Asset* LiveUpdates::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : assets_[it->second].get();
}

bool LiveUpdates::ingested_here(std::string_view name) const {
  // Not the sequencer: it also knows assets whose numbering was restored from storage.
  const Asset* a = find(name);
  return a && a->local;
}

std::vector<std::string> LiveUpdates::ingested_assets() const {
  std::vector<std::string> out;
  for (const auto& a : assets_) {
    if (a && a->local) out.push_back(a->name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

net::RoomId LiveUpdates::ticks_room(std::string_view name) {
  return room_id(kTicks, asset(name).index);
}
net::RoomId LiveUpdates::redis_room(std::string_view name) {
  return room_id(kRedis, asset(name).index);
}
net::RoomId LiveUpdates::candles_room(std::string_view name, Timeframe tf) {
  return room_id(kCandles, asset(name).index, static_cast<std::uint64_t>(tf) + 1);
}

std::uint64_t LiveUpdates::last_seq(std::string_view name) const {
  const Asset* a = find(name);
  return a ? a->last_seq : 0;
}

double LiveUpdates::last_tick_time(std::string_view name) const {
  const Asset* a = find(name);
  return a ? a->last_time : 0;
}

std::optional<Candle> LiveUpdates::relayed_forming_bar(std::string_view name, Timeframe tf) const {
  const Asset* a = find(name);
  if (!a || !a->relayed[index_of(tf)] || a->relayed[index_of(tf)]->closed) return std::nullopt;
  return a->relayed[index_of(tf)];
}

net::FrameRef LiveUpdates::replay_frame(std::string_view tick_json, std::uint64_t seq) {
  return data_event_frame(kRedisEvent, tick_json, {0, seq});
}

void LiveUpdates::deliver_tick(Asset& a, std::uint64_t seq, std::string_view json, double time) {
  if (a.last_seq != 0 && seq <= a.last_seq) {
    ++stats_.duplicates;
    return;
  }
  a.last_seq = seq;
  a.last_time = time;
  const auto tr = room_id(kTicks, a.index);
  if (!rooms_.empty(tr)) {
    rooms_.broadcast(tr, event_frame(kTickEvent, json, {room_id(kTicks, a.index), seq}));
  }
  const auto rr = room_id(kRedis, a.index);
  if (!rooms_.empty(rr)) {
    rooms_.broadcast(rr, data_event_frame(kRedisEvent, json, {room_id(kRedis, a.index), seq}));
  }
}

void LiveUpdates::deliver_candle(Asset& a, Timeframe tf, const Candle& c, std::string_view json) {
  const auto room = room_id(kCandles, a.index, static_cast<std::uint64_t>(tf) + 1);
  if (rooms_.empty(room)) return;
  rooms_.broadcast(room, event_frame(kCandleEvent, json,
                                     {candle_key(a.index, tf, c.open_time_s), c.last_seq}));
}

void LiveUpdates::on_batch(const IngestBatch& batch) {
  auto local = [this](AssetId id) -> Asset& {
    if (id >= by_pipeline_id_.size()) by_pipeline_id_.resize(id + 1, 0);
    if (by_pipeline_id_[id] == 0) {
      Asset& a = asset(pipeline_->assets().name(id));
      a.local = true;
      by_pipeline_id_[id] = a.index + 1;
    }
    return *assets_[by_pipeline_id_[id] - 1];
  };
  for (std::size_t i = 0; i < batch.ticks.size(); ++i) {
    const auto& t = batch.ticks[i];
    Asset& a = local(t.asset);
    ++stats_.local_ticks;
    deliver_tick(a, t.seq, batch.tick_json[i], to_unix_seconds(t.time));
  }
  for (std::size_t i = 0; i < batch.candles.size(); ++i) {
    const auto& u = batch.candles[i];
    deliver_candle(local(u.asset), u.timeframe, u.candle, batch.candle_json[i]);
  }
}

void LiveUpdates::subscribe(Asset& a) {
  if (subscriber_) subscriber_->subscribe(redis_keys::updates(a.name));
}

asio::awaitable<void> LiveUpdates::follow(std::string name) {
  Asset& a = asset(name);
  if (!subscriber_ || stopped_ || a.local) co_return;
  if (a.follow == Asset::Follow::kSubscribed) co_return;
  if (a.follow == Asset::Follow::kNone) {
    a.follow = Asset::Follow::kSubscribing;
    subscribe(a);
  }
  auto timer = std::make_shared<asio::steady_timer>(executor_, kFollowTimeout);
  a.waiters.push_back(timer);
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  auto& w = a.waiters;
  w.erase(std::remove(w.begin(), w.end(), timer), w.end());
}

void LiveUpdates::on_subscribed(std::string_view channel) {
  const auto name = redis_keys::asset_of_updates(channel);
  if (!name) return;
  auto it = by_name_.find(std::string(*name));
  if (it == by_name_.end()) return;
  Asset& a = *assets_[it->second];
  a.follow = Asset::Follow::kSubscribed;
  for (auto& w : a.waiters) w->cancel();
  // Resubscribed after a lost connection: fetch what was published meanwhile.
  if (a.last_seq > 0 && !a.local && !a.filling) start_fill(a);
}

void LiveUpdates::on_message(std::string_view channel, std::string_view payload) {
  const auto name = redis_keys::asset_of_updates(channel);
  if (!name) return;
  auto it = by_name_.find(std::string(*name));
  if (it == by_name_.end()) return;
  Asset& a = *assets_[it->second];
  if (a.local) {
    ++stats_.duplicates;  // our own publication coming back
    return;
  }
  if (payload.starts_with("{\"type\":\"candle\"")) {
    on_remote_candle(a, payload);
  } else {
    on_remote_tick(a, payload);
  }
}

void LiveUpdates::on_remote_candle(Asset& a, std::string_view json) {
  auto c = parse_candle_update_json(json);
  if (!c || c->asset != a.name) {
    ++stats_.bad_messages;
    return;
  }
  auto& slot = a.relayed[index_of(c->timeframe)];
  if (!slot || slot->open_time_s <= c->candle.open_time_s) slot = c->candle;
  deliver_candle(a, c->timeframe, c->candle, json);
}

void LiveUpdates::on_remote_tick(Asset& a, std::string_view json) {
  auto t = parse_tick_json(json);
  if (!t || t->asset != a.name) {
    ++stats_.bad_messages;
    if (log_.allow()) spdlog::warn("live: ignored a message on updates:{{{}}} that is not a tick", a.name);
    return;
  }
  const auto seq = t->seq;
  if (a.filling) {
    if (a.held.size() >= kMaxHeld) a.held.erase(a.held.begin());
    a.held.emplace_back(seq, std::string(json));
    return;
  }
  if (a.last_seq != 0 && seq <= a.last_seq && seq == 1) {
    // The ingesting server started numbering again (it has no persistence to continue from).
    spdlog::warn("live: seq of {} restarted at 1 (was {})", a.name, a.last_seq);
    a.last_seq = 0;
  }
  if (a.last_seq == 0 || seq <= a.last_seq + 1) {
    if (seq > a.last_seq) ++stats_.remote_ticks;
    deliver_tick(a, seq, json, to_unix_seconds(t->time));
    return;
  }
  a.held.emplace_back(seq, std::string(json));
  start_fill(a);
}

void LiveUpdates::start_fill(Asset& a) {
  a.filling = true;
  ++stats_.gap_fills;
  asio::co_spawn(executor_, fill(a.index), asio::detached);
}

asio::awaitable<void> LiveUpdates::fill(std::uint32_t index) {
  Asset& a = *assets_[index];
  struct Pending {
    std::uint64_t seq;
    std::string json;
    bool from_list;
  };
  std::vector<Pending> ticks;
  if (tick_log_) {
    auto slice = co_await tick_log_->read_after(a.name, a.last_seq);
    if (slice.ok()) {
      for (std::size_t i = 0; i < slice->ticks.size(); ++i) {
        ticks.push_back({slice->seqs[i], std::move(slice->ticks[i]), true});
      }
    } else if (log_.allow()) {
      spdlog::warn("live: cannot fill a gap in {}: {}", a.name, slice.error().message);
    }
  }
  if (stopped_) co_return;
  // The list and what arrived meanwhile, in seq order, each seq once.
  for (auto& h : a.held) ticks.push_back({h.first, std::move(h.second), false});
  a.held.clear();
  std::stable_sort(ticks.begin(), ticks.end(),
                   [](const Pending& x, const Pending& y) { return x.seq < y.seq; });
  for (auto& t : ticks) {
    if (t.seq <= a.last_seq) continue;
    if (a.last_seq != 0 && t.seq > a.last_seq + 1) stats_.gap_ticks_lost += t.seq - a.last_seq - 1;
    if (t.from_list) ++stats_.gap_ticks_filled;
    ++stats_.remote_ticks;
    const auto parsed = parse_tick_json(t.json);
    deliver_tick(a, t.seq, t.json, parsed ? to_unix_seconds(parsed->time) : 0);
  }
  a.filling = false;
}

}  // namespace quflx
