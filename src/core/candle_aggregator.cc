#include "core/candle_aggregator.h"

#include <algorithm>

namespace quflx {
namespace {

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr UtcMicros seconds_to_time(std::int64_t s) { return from_unix_micros(s * 1'000'000); }

Candle new_bar(std::int64_t open_time_s, UtcMicros time, double price, std::uint64_t seq,
               bool closed) {
  Candle c;
  c.open_time_s = open_time_s;
  c.open = c.high = c.low = c.close = price;
  c.volume = 1;
  c.closed = closed;
  c.first_tick = c.last_tick = time;
  c.last_seq = seq;
  return c;
}

void fold(Candle& c, UtcMicros time, double price, std::uint64_t seq) {
  if (time < c.first_tick) {
    c.first_tick = time;
    c.open = price;
  }
  if (time >= c.last_tick) {
    c.last_tick = time;
    c.close = price;
  }
  c.high = std::max(c.high, price);
  c.low = std::min(c.low, price);
  ++c.volume;
  c.last_seq = std::max(c.last_seq, seq);
}

const std::deque<Candle> kNoCandles;

}  // namespace

CandleAggregator::AssetState& CandleAggregator::state(AssetId asset) {
  if (asset >= assets_.size()) assets_.resize(asset + 1);
  return assets_[asset];
}

const std::deque<Candle>& CandleAggregator::closed(AssetId asset, Timeframe tf) const {
  if (asset >= assets_.size()) return kNoCandles;
  return assets_[asset].tf[index_of(tf)].closed;
}

const Candle* CandleAggregator::forming(AssetId asset, Timeframe tf) const {
  if (asset >= assets_.size()) return nullptr;
  const auto& f = assets_[asset].tf[index_of(tf)].forming;
  return f ? &*f : nullptr;
}

void CandleAggregator::emit(AssetId asset, Timeframe tf, TfState& s, const Candle& c,
                            CandleChange change, CandleEvents& out) {
  if (s.update_epoch == out.epoch_ && s.update_bar == c.open_time_s) {
    auto& u = out.updates_[s.update_index];
    u.candle = c;
    if (!(u.change == CandleChange::kClosed && change == CandleChange::kAmended)) u.change = change;
    return;
  }
  s.update_epoch = out.epoch_;
  s.update_bar = c.open_time_s;
  s.update_index = out.updates_.size();
  out.updates_.push_back(CandleUpdate{asset, tf, change, c});
}

void CandleAggregator::mark_history(AssetId asset, Timeframe tf, TfState& s, CandleEvents& out) {
  if (s.history_epoch == out.epoch_) return;
  s.history_epoch = out.epoch_;
  out.history_changed_.push_back(AssetTimeframe{asset, tf});
}

void CandleAggregator::close_forming(AssetId asset, Timeframe tf, TfState& s,
                                     CandleEvents& out) {
  Candle c = *s.forming;
  s.forming.reset();
  c.closed = true;
  s.closed.push_back(c);
  if (s.closed.size() > options_.keep_closed) s.closed.pop_front();
  emit(asset, tf, s, c, CandleChange::kClosed, out);
  mark_history(asset, tf, s, out);
}

bool CandleAggregator::amend_closed(TfState& s, std::int64_t bar_open, UtcMicros time,
                                    double price, std::uint64_t seq, Candle& amended) {
  auto it = std::lower_bound(s.closed.begin(), s.closed.end(), bar_open,
                             [](const Candle& c, std::int64_t t) { return c.open_time_s < t; });
  if (it != s.closed.end() && it->open_time_s == bar_open) {
    fold(*it, time, price, seq);
    amended = *it;
    return true;
  }
  // No bar for that interval yet: the late tick is its first. Too old to keep if the history
  // is full and the bar would fall off its front.
  if (s.closed.size() >= options_.keep_closed && it == s.closed.begin()) return false;
  it = s.closed.insert(it, new_bar(bar_open, time, price, seq, /*closed=*/true));
  amended = *it;
  if (s.closed.size() > options_.keep_closed) s.closed.pop_front();
  return true;
}

TickFold CandleAggregator::on_tick(AssetId asset, UtcMicros time, double price,
                                   std::uint64_t seq, UtcMicros clock_now, CandleEvents& out) {
  TickFold result;
  AssetState& a = state(asset);
  const std::int64_t t_s = floor_div(unix_micros(time), 1'000'000);
  for (std::size_t i = 0; i < kTimeframeCount; ++i) {
    const Timeframe tf = kAllTimeframes[i];
    TfState& s = a.tf[i];
    const std::int64_t d = duration_seconds(tf);
    const std::int64_t bar_open = floor_div(t_s, d) * d;
    const UtcMicros bar_end = seconds_to_time(bar_open + d);

    if (s.forming && seconds_to_time(s.forming->open_time_s + d) <= clock_now) {
      close_forming(asset, tf, s, out);  // the clock passed its end before the timer did
    }
    if (s.forming && bar_open == s.forming->open_time_s) {
      fold(*s.forming, time, price, seq);
      emit(asset, tf, s, *s.forming, CandleChange::kForming, out);
      continue;
    }
    if (bar_end > clock_now && (!s.forming || bar_open > s.forming->open_time_s)) {
      if (s.forming) close_forming(asset, tf, s, out);
      s.forming = new_bar(bar_open, time, price, seq, /*closed=*/false);
      emit(asset, tf, s, *s.forming, CandleChange::kForming, out);
      continue;
    }
    // Late: the bar has ended by the clock, or is older than the forming bar.
    Candle amended;
    if (clock_now - bar_end <= options_.late_grace &&
        amend_closed(s, bar_open, time, price, seq, amended)) {
      emit(asset, tf, s, amended, CandleChange::kAmended, out);
      mark_history(asset, tf, s, out);
      result.amended = static_cast<std::uint16_t>(result.amended | (1u << i));
    } else {
      result.dropped = static_cast<std::uint16_t>(result.dropped | (1u << i));
    }
  }
  return result;
}

std::size_t CandleAggregator::seed(AssetId asset, Timeframe tf, std::span<const Candle> bars,
                                   UtcMicros clock_now, CandleEvents& out,
                                   std::vector<CandleUpdate>& taken) {
  TfState& s = state(asset).tf[index_of(tf)];
  const std::int64_t d = duration_seconds(tf);
  if (s.forming && seconds_to_time(s.forming->open_time_s + d) <= clock_now) {
    close_forming(asset, tf, s, out);
  }
  std::size_t n = 0;
  bool history = false;
  for (Candle bar : bars) {
    bar.last_seq = 0;
    if (seconds_to_time(bar.open_time_s + d) > clock_now) {  // still running
      if (s.forming && s.forming->open_time_s >= bar.open_time_s) continue;
      if (s.forming) close_forming(asset, tf, s, out);
      bar.closed = false;
      s.forming = bar;
      emit(asset, tf, s, bar, CandleChange::kForming, out);
      taken.push_back(CandleUpdate{asset, tf, CandleChange::kForming, bar});
      ++n;
      continue;
    }
    if (s.forming && s.forming->open_time_s == bar.open_time_s) continue;
    auto it = std::lower_bound(s.closed.begin(), s.closed.end(), bar.open_time_s,
                               [](const Candle& c, std::int64_t t) { return c.open_time_s < t; });
    if (it != s.closed.end() && it->open_time_s == bar.open_time_s) continue;  // live wins
    if (s.closed.size() >= options_.keep_closed && it == s.closed.begin()) continue;  // too old
    bar.closed = true;
    s.closed.insert(it, bar);
    if (s.closed.size() > options_.keep_closed) s.closed.pop_front();
    taken.push_back(CandleUpdate{asset, tf, CandleChange::kClosed, bar});
    history = true;
    ++n;
  }
  if (history) mark_history(asset, tf, s, out);
  return n;
}

void CandleAggregator::advance_clock(AssetId asset, UtcMicros now, CandleEvents& out) {
  if (asset >= assets_.size()) return;
  AssetState& a = assets_[asset];
  for (std::size_t i = 0; i < kTimeframeCount; ++i) {
    TfState& s = a.tf[i];
    if (!s.forming) continue;
    const Timeframe tf = kAllTimeframes[i];
    if (seconds_to_time(s.forming->open_time_s + duration_seconds(tf)) <= now) {
      close_forming(asset, tf, s, out);
    }
  }
}

}  // namespace quflx
