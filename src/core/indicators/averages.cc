// The price-pane types (sma ema wma bollinger supertrend), macd and atr.

#include <cmath>

#include "core/indicators/machines.h"

namespace quflx::indicators::detail {

bool SmaMachine::step(const Bar& bar, Point& out) {
  window.push(bar.close);
  if (!window.full()) return false;
  out.v[0] = window.mean();
  return true;
}

bool EmaMachine::step(const Bar& bar, Point& out) {
  if (!ema.push(bar.close)) return false;
  out.v[0] = ema.value();
  return true;
}

WmaMachine::WmaMachine(const Definition& d) : ring(period_of(d.params[0])) {
  const double n = static_cast<double>(ring.capacity());
  divisor = n * (n + 1) / 2;
}

bool WmaMachine::step(const Bar& bar, Point& out) {
  const double x = bar.close;
  const double n = static_cast<double>(ring.capacity());
  double old = 0.0;
  if (!ring.push(x, old)) {
    sum += x;
    weighted += static_cast<double>(ring.size()) * x;
    if (!ring.full()) return false;
  } else if (++since_resync >= ring.capacity()) {
    // Recompute from the window every n bars so rounding cannot accumulate.
    since_resync = 0;
    sum = 0.0;
    weighted = 0.0;
    for (std::size_t i = 0; i < ring.size(); ++i) {
      sum += ring.at(i);
      weighted += static_cast<double>(i + 1) * ring.at(i);
    }
  } else {
    // Every older value loses one weight step (the old sum), the new one enters with n.
    weighted += n * x - sum;
    sum += x - old;
  }
  out.v[0] = weighted / divisor;
  return true;
}

bool MacdLine::push(double close, double& macd) {
  const std::size_t index = seen++;
  const bool slow_ready = slow.push(close);
  if (index < offset) return false;
  const bool fast_ready = fast.push(close);
  if (!slow_ready || !fast_ready) return false;
  macd = fast.value() - slow.value();
  return true;
}

bool MacdMachine::step(const Bar& bar, Point& out) {
  double macd = 0.0;
  if (!line.push(bar.close, macd)) return false;
  if (!signal.push(macd)) return false;
  out.v[0] = macd;
  out.v[1] = signal.value();
  out.v[2] = macd - signal.value();
  return true;
}

bool BollingerMachine::step(const Bar& bar, Point& out) {
  window.push(bar.close);
  if (!window.full()) return false;
  const double middle = window.mean();
  const double spread = k * std::sqrt(window.variance());
  out.v[0] = middle + spread;
  out.v[1] = middle;
  out.v[2] = middle - spread;
  return true;
}

bool AtrCore::push(const Bar& bar) {
  if (!has_prev) {
    has_prev = true;
    prev_close = bar.close;
    return false;
  }
  double range = bar.high - bar.low;
  const double from_high = std::fabs(prev_close - bar.high);
  if (from_high > range) range = from_high;
  const double from_low = std::fabs(prev_close - bar.low);
  if (from_low > range) range = from_low;
  prev_close = bar.close;
  return wilder.push(range);
}

bool AtrMachine::step(const Bar& bar, Point& out) {
  if (!atr.push(bar)) return false;
  out.v[0] = atr.value();
  return true;
}

bool SupertrendMachine::step(const Bar& bar, Point& out) {
  const bool ready = atr.push(bar);
  const double previous_close = prev_close;
  prev_close = bar.close;
  if (!ready) return false;
  const double mid = (bar.high + bar.low) / 2;
  const double basic_upper = mid + multiplier * atr.value();
  const double basic_lower = mid - multiplier * atr.value();
  if (!started) {
    // TradingView's start: a down trend, the line on the upper band.
    started = true;
    upper = basic_upper;
    lower = basic_lower;
    direction = -1.0;
  } else {
    // The bands only ratchet towards price, unless the previous close crossed them.
    upper = (basic_upper < upper || previous_close > upper) ? basic_upper : upper;
    lower = (basic_lower > lower || previous_close < lower) ? basic_lower : lower;
    if (direction < 0) {
      direction = bar.close > upper ? 1.0 : -1.0;
    } else {
      direction = bar.close < lower ? -1.0 : 1.0;
    }
  }
  out.v[0] = direction > 0 ? lower : upper;
  out.v[1] = direction;
  return true;
}

}  // namespace quflx::indicators::detail
