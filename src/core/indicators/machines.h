#pragma once
// The state machine of each of the 14 types (internal to quflx_indicators). Each is built from
// a validated Definition and fed finite bars in time order through step(), which writes
// out.v and returns true once warm-up is over. Formulas, seeding and warm-up lengths are in
// docs/indicators.md; averages.cc holds the price-pane types and ATR, oscillators.cc the rest.

#include <cstddef>

#include "core/indicators/indicator.h"
#include "core/indicators/window.h"

namespace quflx::indicators::detail {

inline std::size_t period_of(double p) { return static_cast<std::size_t>(p); }

struct SmaMachine {
  explicit SmaMachine(const Definition& d) : window(period_of(d.params[0])) {}
  bool step(const Bar& bar, Point& out);
  RollingWindow window;
};

struct EmaMachine {
  explicit EmaMachine(const Definition& d) : ema(period_of(d.params[0])) {}
  bool step(const Bar& bar, Point& out);
  Ema ema;
};

struct WmaMachine {
  explicit WmaMachine(const Definition& d);
  bool step(const Bar& bar, Point& out);
  Ring ring;
  double sum = 0.0;       // plain sum of the window
  double weighted = 0.0;  // sum of weight * value, weights 1 (oldest) .. n (newest)
  double divisor;
  std::size_t since_resync = 0;
};

// TA-Lib's MACD alignment: the slow EMA sees every close, the fast one the closes from index
// slow - fast on, so both are first defined at index slow - 1.
struct MacdLine {
  MacdLine(std::size_t fast_n, std::size_t slow_n) : offset(slow_n - fast_n), fast(fast_n),
                                                     slow(slow_n) {}
  // Feeds a close; true once the MACD line (fast - slow) is defined, written to `macd`.
  bool push(double close, double& macd);
  std::size_t offset;
  std::size_t seen = 0;
  Ema fast;
  Ema slow;
};

struct MacdMachine {
  explicit MacdMachine(const Definition& d)
      : line(period_of(d.params[0]), period_of(d.params[1])), signal(period_of(d.params[2])) {}
  bool step(const Bar& bar, Point& out);
  MacdLine line;
  Ema signal;
};

struct BollingerMachine {
  explicit BollingerMachine(const Definition& d)
      : window(period_of(d.params[0])), k(d.params[1]) {}
  bool step(const Bar& bar, Point& out);
  RollingWindow window;
  double k;
};

// TA-Lib's true range (from the second bar: it needs the previous close) smoothed by Wilder.
struct AtrCore {
  explicit AtrCore(std::size_t n) : wilder(n) {}
  bool push(const Bar& bar);
  double value() const { return wilder.value(); }
  Wilder wilder;
  bool has_prev = false;
  double prev_close = 0.0;
};

struct AtrMachine {
  explicit AtrMachine(const Definition& d) : atr(period_of(d.params[0])) {}
  bool step(const Bar& bar, Point& out);
  AtrCore atr;
};

struct SupertrendMachine {
  explicit SupertrendMachine(const Definition& d)
      : atr(period_of(d.params[0])), multiplier(d.params[1]) {}
  bool step(const Bar& bar, Point& out);
  AtrCore atr;
  double multiplier;
  bool started = false;
  double upper = 0.0;  // final (ratcheted) bands of the previous bar
  double lower = 0.0;
  double direction = -1.0;
  double prev_close = 0.0;
};

struct RsiMachine {
  explicit RsiMachine(const Definition& d) : gain(period_of(d.params[0])),
                                             loss(period_of(d.params[0])) {}
  bool step(const Bar& bar, Point& out);
  Wilder gain;
  Wilder loss;
  bool has_prev = false;
  double prev_close = 0.0;
};

// Fast %K of TA-Lib's STOCH, 50 over a flat window.
struct StochasticMachine {
  explicit StochasticMachine(const Definition& d);
  bool step(const Bar& bar, Point& out);
  std::size_t k_period;
  std::size_t seen = 0;
  WindowExtremum<true> highest;
  WindowExtremum<false> lowest;
  RollingWindow slow_k;  // SMA(fast %K, smooth)
  RollingWindow slow_d;  // SMA(slow %K, d_period)
};

struct WilliamsRMachine {
  explicit WilliamsRMachine(const Definition& d);
  bool step(const Bar& bar, Point& out);
  std::size_t period;
  std::size_t seen = 0;
  WindowExtremum<true> highest;
  WindowExtremum<false> lowest;
};

struct RocMachine {
  explicit RocMachine(const Definition& d) : closes(period_of(d.params[0])) {}
  bool step(const Bar& bar, Point& out);
  Ring closes;
};

struct CciMachine {
  explicit CciMachine(const Definition& d) : typical(period_of(d.params[0])) {}
  bool step(const Bar& bar, Point& out);
  Ring typical;
};

struct DemarkerMachine {
  explicit DemarkerMachine(const Definition& d);
  bool step(const Bar& bar, Point& out);
  RollingWindow de_max;
  RollingWindow de_min;
  Ring max_nonzero;  // 1 where DeMax > 0: a window of zeros has a sum of exactly 0
  Ring min_nonzero;
  std::size_t max_count = 0;
  std::size_t min_count = 0;
  bool has_prev = false;
  double prev_high = 0.0;
  double prev_low = 0.0;
};

// Doug Schaff's cycle: a stochastic of the MACD line, smoothed by `factor`, then a stochastic
// of that, smoothed again.
struct SchaffStage {
  explicit SchaffStage(std::size_t length) : cycle(length), highest(length), lowest(length) {}
  bool push(double x, double factor, double& out);
  std::size_t cycle;
  std::size_t seen = 0;
  WindowExtremum<true> highest;
  WindowExtremum<false> lowest;
  bool has_frac = false;
  double frac = 0.0;
  bool has_smoothed = false;
  double smoothed = 0.0;
};

struct SchaffMachine {
  explicit SchaffMachine(const Definition& d);
  bool step(const Bar& bar, Point& out);
  MacdLine line;
  double factor;
  SchaffStage first;
  SchaffStage second;
};

}  // namespace quflx::indicators::detail
