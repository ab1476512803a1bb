#include "server/history_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "protocol/candle_input.h"
#include "protocol/market_json.h"
#include "store/redis/connection.h"
#include "store/redis_keys.h"

namespace quflx {

std::string_view to_string(HistorySource source) {
  switch (source) {
    case HistorySource::kRedisCache:
      return "redis_cache";
    case HistorySource::kDatabase:
      return "database";
    case HistorySource::kCacheMiss:
      return "cache_miss";
  }
  return "cache_miss";
}

boost::asio::awaitable<Result<std::size_t>> HistoryFallback::upsert(std::string, Timeframe,
                                                                   std::vector<Candle>) {
  co_return make_error(ErrorCode::kUnavailable, "the database does not take candles");
}

HistoryService::HistoryService(redis::Connection* redis, HistoryOptions options,
                               MetricsRegistry& metrics)
    : redis_(redis), options_(options) {
  for (auto s : {HistorySource::kRedisCache, HistorySource::kDatabase, HistorySource::kCacheMiss}) {
    const auto i = static_cast<std::size_t>(s);
    const Labels l{{"source", std::string(to_string(s))}};
    m_source_[i] = &metrics.counter("quflx_history_requests_total",
                                    "Candle history requests by where the answer came from", l);
    m_latency_[i] = &metrics.histogram("quflx_history_latency_seconds",
                                       "Candle history request latency by source, seconds",
                                       latency_buckets_seconds(), l);
  }
  metrics.add_collector([this](MetricsWriter& w) {
    const auto hits = m_source_[static_cast<std::size_t>(HistorySource::kRedisCache)]->value();
    std::uint64_t all = 0;
    for (const Counter* c : m_source_) all += c->value();
    w.gauge("quflx_history_cache_hit_ratio",
            "Share of candle history requests answered from historical:{A}:{TF} since start",
            {}, all ? static_cast<double>(hits) / static_cast<double>(all) : 0.0);
  });
}

boost::asio::awaitable<std::optional<std::vector<Candle>>> HistoryService::read_cache(
    const std::string& key, Timeframe tf) {
  if (!redis_ || !redis_->connected()) co_return std::nullopt;
  std::vector<std::string> argv{"GET", key};  // not inline: see redis_tick_log.cc
  const redis::Reply r = co_await redis_->request(std::move(argv));
  if (r.is_error()) {
    if (log_.allow()) spdlog::warn("history: GET {} failed: {}", key, r.str);
    co_return std::nullopt;
  }
  if (!r.is_string()) co_return std::nullopt;
  auto candles = parse_candle_array_text(r.str, tf);
  if (!candles.ok()) {
    if (log_.allow()) {
      spdlog::warn("history: {} holds something that is not a candle array ({}); treated as a "
                   "miss",
                   key, candles.error().message);
    }
    co_return std::nullopt;
  }
  co_return std::move(*candles);
}

boost::asio::awaitable<Result<std::size_t>> HistoryService::write_cache(
    const std::string& key, std::string_view asset, Timeframe tf,
    const std::vector<Candle>& candles) {
  if (!redis_) co_return make_error(ErrorCode::kUnavailable, "the server runs without Redis");
  const std::size_t n = std::min(candles.size(), options_.cache_candles);
  std::string body;
  append_candles_json(body, asset, tf, std::span<const Candle>(candles).last(n));
  std::vector<std::string> argv{"SET", key, std::move(body), "EX",
                                std::to_string(options_.cache_ttl.count())};
  const redis::Reply r = co_await redis_->request(std::move(argv));
  if (r.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  co_return n;
}

boost::asio::awaitable<History> HistoryService::load(std::string asset, Timeframe tf,
                                                     std::size_t limit) {
  const auto started = std::chrono::steady_clock::now();
  const std::string key = redis_keys::historical(asset, tf);
  History h;
  if (auto cached = co_await read_cache(key, tf)) {
    h.candles = std::move(*cached);
    h.source = HistorySource::kRedisCache;
  } else if (fallback_) {
    // The cache holds cache_candles; ask for at least that many so the fill is complete.
    auto loaded = co_await fallback_->load(asset, tf, std::max(limit, options_.cache_candles));
    if (!loaded.ok()) {
      if (log_.allow()) {
        spdlog::warn("history: database fallback for {} {} failed: {}", asset, to_string(tf),
                     loaded.error().message);
      }
    } else if (!loaded->empty()) {
      h.candles = std::move(*loaded);
      h.source = HistorySource::kDatabase;
      if (redis_ && redis_->connected()) co_await write_cache(key, asset, tf, h.candles);
    }
  }
  if (h.candles.size() > limit) {
    h.candles.erase(h.candles.begin(),
                    h.candles.begin() + static_cast<std::ptrdiff_t>(h.candles.size() - limit));
  }
  const auto i = static_cast<std::size_t>(h.source);
  m_source_[i]->inc();
  m_latency_[i]->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return h;
}

boost::asio::awaitable<Result<std::size_t>> HistoryService::store(std::string asset,
                                                                  Timeframe tf,
                                                                  std::vector<Candle> candles) {
  co_return co_await write_cache(redis_keys::historical(asset, tf), asset, tf, candles);
}

boost::asio::awaitable<Result<std::size_t>> HistoryService::merge(std::string asset,
                                                                  Timeframe tf,
                                                                  std::vector<Candle> candles) {
  if (!redis_) co_return make_error(ErrorCode::kUnavailable, "the server runs without Redis");
  const std::string key = redis_keys::historical(asset, tf);
  std::map<std::int64_t, Candle> by_time;
  if (auto cached = co_await read_cache(key, tf)) {
    for (const auto& c : *cached) by_time[c.open_time_s] = c;
  }
  for (const auto& c : candles) by_time[c.open_time_s] = c;
  std::vector<Candle> merged;
  merged.reserve(by_time.size());
  for (auto& [t, c] : by_time) merged.push_back(c);
  co_return co_await write_cache(key, asset, tf, merged);
}

boost::asio::awaitable<Result<ImportResult>> HistoryService::import(std::string asset,
                                                                    Timeframe tf,
                                                                    std::vector<Candle> candles) {
  ImportResult r;
  r.accepted = candles.size();
  Error last{ErrorCode::kUnavailable, "neither Redis nor a database is available"};
  if (fallback_) {
    auto stored = co_await fallback_->upsert(asset, tf, candles);
    if (stored.ok()) {
      r.stored = *stored;
    } else {
      last = stored.error();
    }
  }
  auto cached = co_await merge(asset, tf, std::move(candles));
  if (cached.ok()) {
    r.cached = *cached;
  } else if (!r.stored) {
    co_return cached.error().code == ErrorCode::kUnavailable && fallback_ ? last : cached.error();
  }
  co_return r;
}

boost::asio::awaitable<Result<void>> HistoryService::clear(std::string asset, Timeframe tf) {
  if (!redis_) co_return make_error(ErrorCode::kUnavailable, "the server runs without Redis");
  std::vector<std::string> argv{"DEL", redis_keys::historical(asset, tf)};
  const redis::Reply r = co_await redis_->request(std::move(argv));
  if (r.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  co_return Result<void>{};
}

}  // namespace quflx
