#include "store/redis/candle_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocol/candle_input.h"
#include "protocol/market_json.h"
#include "store/redis/connection.h"
#include "store/redis/keys.h"

namespace quflx {
namespace {

template <typename Candles>
void encode_latest(std::string& out, std::string_view asset, Timeframe tf, const Candles& candles,
                   std::size_t max_count) {
  const std::size_t n = std::min(max_count, candles.size());
  const std::size_t first = candles.size() - n;
  out.push_back('[');
  for (std::size_t i = first; i < candles.size(); ++i) {
    if (i != first) out.push_back(',');
    append_candle_json(out, asset, tf, candles[i]);
  }
  out.push_back(']');
}

}  // namespace

RedisCandleCache::RedisCandleCache(redis::Connection& connection, CandleCacheOptions options)
    : conn_(connection), options_(options), ttl_(std::to_string(options.ttl.count())) {}

void RedisCandleCache::encode(std::string& out, std::string_view asset, Timeframe tf,
                              const std::deque<Candle>& candles, std::size_t max_count) {
  encode_latest(out, asset, tf, candles, max_count);
}

void RedisCandleCache::encode(std::string& out, std::string_view asset, Timeframe tf,
                              std::span<const Candle> candles, std::size_t max_count) {
  encode_latest(out, asset, tf, candles, max_count);
}

bool RedisCandleCache::connected() const { return conn_.connected(); }

bool RedisCandleCache::send_write(std::string_view key, std::string_view asset, Timeframe tf,
                                  const std::deque<Candle>& closed) {
  scratch_.clear();
  encode(scratch_, asset, tf, closed, options_.candles);
  return conn_.send({"SET", key, scratch_, "EX", ttl_});
}

boost::asio::awaitable<std::optional<std::vector<Candle>>> RedisCandleCache::read(
    std::string asset, Timeframe tf) {
  if (!conn_.connected()) co_return std::nullopt;
  const std::string key = redis_keys::historical(asset, tf);
  // (argv built first: g++ 12 miscompiles string literals in a braced list inside co_await)
  std::vector<std::string> argv{"GET", key};
  const redis::Reply r = co_await conn_.request(std::move(argv));
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

boost::asio::awaitable<Result<std::size_t>> RedisCandleCache::write(
    std::string asset, Timeframe tf, std::span<const Candle> candles) {
  const std::size_t n = std::min(candles.size(), options_.candles);
  std::string body;
  encode(body, asset, tf, candles, n);
  std::vector<std::string> argv{"SET", redis_keys::historical(asset, tf), std::move(body), "EX",
                                ttl_};
  const redis::Reply r = co_await conn_.request(std::move(argv));
  if (r.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  co_return n;
}

boost::asio::awaitable<Result<void>> RedisCandleCache::clear(std::string asset, Timeframe tf) {
  std::vector<std::string> argv{"DEL", redis_keys::historical(asset, tf)};
  const redis::Reply r = co_await conn_.request(std::move(argv));
  if (r.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  co_return Result<void>{};
}

}  // namespace quflx
