#include "server/history_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "store/redis/candle_cache.h"

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
    : options_(options) {
  if (redis) {
    cache_ = std::make_unique<RedisCandleCache>(
        *redis, CandleCacheOptions{options.cache_candles, options.cache_ttl});
  }
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

HistoryService::~HistoryService() = default;

boost::asio::awaitable<History> HistoryService::load(std::string asset, Timeframe tf,
                                                     std::size_t limit) {
  const auto started = std::chrono::steady_clock::now();
  History h;
  std::optional<std::vector<Candle>> cached;
  if (cache_) cached = co_await cache_->read(asset, tf);
  if (cached) {
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
      if (cache_ && cache_->connected()) co_await cache_->write(asset, tf, h.candles);
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
  if (!cache_) co_return make_error(ErrorCode::kUnavailable, "the server runs without Redis");
  co_return co_await cache_->write(std::move(asset), tf, candles);
}

boost::asio::awaitable<Result<std::size_t>> HistoryService::merge(std::string asset,
                                                                  Timeframe tf,
                                                                  std::vector<Candle> candles) {
  if (!cache_) co_return make_error(ErrorCode::kUnavailable, "the server runs without Redis");
  std::map<std::int64_t, Candle> by_time;
  if (auto cached = co_await cache_->read(asset, tf)) {
    for (const auto& c : *cached) by_time[c.open_time_s] = c;
  }
  for (const auto& c : candles) by_time[c.open_time_s] = c;
  std::vector<Candle> merged;
  merged.reserve(by_time.size());
  for (auto& [t, c] : by_time) merged.push_back(c);
  co_return co_await cache_->write(std::move(asset), tf, merged);
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
  if (!cache_) co_return make_error(ErrorCode::kUnavailable, "the server runs without Redis");
  co_return co_await cache_->clear(std::move(asset), tf);
}

}  // namespace quflx
