// The oscillators: rsi stochastic williams_r roc cci demarker schaff_tc.

#include <cmath>

#include "core/indicators/machines.h"

namespace quflx::indicators::detail {

bool RsiMachine::step(const Bar& bar, Point& out) {
  if (!has_prev) {
    has_prev = true;
    prev_close = bar.close;
    return false;
  }
  const double change = bar.close - prev_close;
  prev_close = bar.close;
  const bool ready = gain.push(change > 0 ? change : 0.0);
  loss.push(change < 0 ? -change : 0.0);
  if (!ready) return false;
  const double total = gain.value() + loss.value();
  // No movement at all over the smoothing: neutral (TA-Lib writes 0 below |1e-8|).
  out.v[0] = total != 0.0 ? 100.0 * (gain.value() / total) : 50.0;
  return true;
}

StochasticMachine::StochasticMachine(const Definition& d)
    : k_period(period_of(d.params[0])),
      highest(k_period),
      lowest(k_period),
      slow_k(period_of(d.params[2])),
      slow_d(period_of(d.params[1])) {}

bool StochasticMachine::step(const Bar& bar, Point& out) {
  highest.push(bar.high);
  lowest.push(bar.low);
  if (++seen < k_period) return false;
  const double range = (highest.value() - lowest.value()) / 100.0;
  const double fast_k = range != 0.0 ? (bar.close - lowest.value()) / range : 50.0;
  slow_k.push(fast_k);
  if (!slow_k.full()) return false;
  const double k = slow_k.mean();
  slow_d.push(k);
  if (!slow_d.full()) return false;
  out.v[0] = k;
  out.v[1] = slow_d.mean();
  return true;
}

WilliamsRMachine::WilliamsRMachine(const Definition& d)
    : period(period_of(d.params[0])), highest(period), lowest(period) {}

bool WilliamsRMachine::step(const Bar& bar, Point& out) {
  highest.push(bar.high);
  lowest.push(bar.low);
  if (++seen < period) return false;
  const double range = (highest.value() - lowest.value()) / -100.0;
  out.v[0] = range != 0.0 ? (highest.value() - bar.close) / range : -50.0;
  return true;
}

bool RocMachine::step(const Bar& bar, Point& out) {
  const bool ready = closes.full();
  const double before = ready ? closes.oldest() : 0.0;
  double evicted = 0.0;
  closes.push(bar.close, evicted);
  if (!ready) return false;
  out.v[0] = before != 0.0 ? ((bar.close / before) - 1.0) * 100.0 : 0.0;
  return true;
}

bool CciMachine::step(const Bar& bar, Point& out) {
  const double tp = (bar.high + bar.low + bar.close) / 3.0;
  double evicted = 0.0;
  typical.push(tp, evicted);
  if (!typical.full()) return false;
  // Mean deviation needs the whole window (O(n)). The mean is taken relative to the newest
  // value, so a flat window has a mean of exactly that value and a CCI of exactly 0.
  const std::size_t n = typical.size();
  double offset = 0.0;
  for (std::size_t i = 0; i < n; ++i) offset += typical.at(i) - tp;
  const double mean = tp + offset / static_cast<double>(n);
  double deviation = 0.0;
  for (std::size_t i = 0; i < n; ++i) deviation += std::fabs(typical.at(i) - mean);
  const double above = tp - mean;
  out.v[0] = (above != 0.0 && deviation != 0.0)
                 ? above / (0.015 * (deviation / static_cast<double>(n)))
                 : 0.0;
  return true;
}

DemarkerMachine::DemarkerMachine(const Definition& d)
    : de_max(period_of(d.params[0])),
      de_min(period_of(d.params[0])),
      max_nonzero(period_of(d.params[0])),
      min_nonzero(period_of(d.params[0])) {}

bool DemarkerMachine::step(const Bar& bar, Point& out) {
  if (!has_prev) {
    has_prev = true;
    prev_high = bar.high;
    prev_low = bar.low;
    return false;
  }
  const double up = bar.high > prev_high ? bar.high - prev_high : 0.0;
  const double down = prev_low > bar.low ? prev_low - bar.low : 0.0;
  prev_high = bar.high;
  prev_low = bar.low;
  de_max.push(up);
  de_min.push(down);
  double evicted = 0.0;
  if (max_nonzero.push(up > 0 ? 1.0 : 0.0, evicted)) max_count -= evicted > 0 ? 1 : 0;
  max_count += up > 0 ? 1 : 0;
  if (min_nonzero.push(down > 0 ? 1.0 : 0.0, evicted)) min_count -= evicted > 0 ? 1 : 0;
  min_count += down > 0 ? 1 : 0;
  if (!de_max.full()) return false;
  const double avg_max = max_count > 0 ? std::fmax(de_max.mean(), 0.0) : 0.0;
  const double avg_min = min_count > 0 ? std::fmax(de_min.mean(), 0.0) : 0.0;
  const double total = avg_max + avg_min;
  out.v[0] = total > 0.0 ? avg_max / total : 0.5;
  return true;
}

bool SchaffStage::push(double x, double factor, double& out) {
  highest.push(x);
  lowest.push(x);
  if (++seen < cycle) return false;
  const double range = highest.value() - lowest.value();
  if (range > 0) {
    frac = (x - lowest.value()) / range * 100.0;
    has_frac = true;
  } else if (!has_frac) {
    frac = 50.0;  // a flat start: neutral, then kept until the range opens
    has_frac = true;
  }
  smoothed = has_smoothed ? smoothed + factor * (frac - smoothed) : frac;
  has_smoothed = true;
  out = smoothed;
  return true;
}

SchaffMachine::SchaffMachine(const Definition& d)
    : line(period_of(d.params[0]), period_of(d.params[1])),
      factor(d.params[3]),
      first(period_of(d.params[2])),
      second(period_of(d.params[2])) {}

bool SchaffMachine::step(const Bar& bar, Point& out) {
  double macd = 0.0;
  if (!line.push(bar.close, macd)) return false;
  double pf = 0.0;
  if (!first.push(macd, factor, pf)) return false;
  double stc = 0.0;
  if (!second.push(pf, factor, stc)) return false;
  out.v[0] = stc;
  return true;
}

}  // namespace quflx::indicators::detail
