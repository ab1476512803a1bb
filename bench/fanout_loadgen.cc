// Fan-out load generator: N Socket.IO clients over WebSocket (Engine.IO v4, no polling), each
// subscribed to one asset (round-robin over --assets) with `subscribe_redis_updates`, counting
// `redis_update` deliveries and their latency from the tick's own timestamp to receipt.
//
// Written for speed, because the stock Node client saturates near 60k deliveries/s on this
// machine: one io_context per thread, one read buffer per connection, frames parsed in place,
// only "timestamp" and "seq" looked at. Speaks just enough of the protocol for the job: the
// handshake, "40", pongs, the subscribe event.
//
//   quflx_bench_fanout --port 3001 --clients 200 --assets A,B --seconds 10 --warmup 2
//
// Prints one JSON line: connections, deliveries in the window, deliveries/s, latency
// percentiles in milliseconds, seq gaps (merged updates) and duplicates, bytes/s.

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/text.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::system_clock;

namespace {

// Latency histogram: 1 µs buckets up to 10 ms, 100 µs buckets up to 100 s.
struct Histogram {
  static constexpr std::int64_t kFineUs = 10'000;
  static constexpr std::int64_t kCoarseStepUs = 100;
  static constexpr std::size_t kBuckets = kFineUs + 100'000'000 / kCoarseStepUs;
  std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(kBuckets + 1, 0);
  std::uint64_t total = 0;
  std::int64_t max_us = 0;
  static std::size_t bucket(std::int64_t us) {
    if (us < kFineUs) return static_cast<std::size_t>(us);
    return std::min<std::size_t>(kBuckets, static_cast<std::size_t>(kFineUs + (us - kFineUs) / kCoarseStepUs));
  }
  static double bucket_ms(std::size_t b) {
    const auto i = static_cast<std::int64_t>(b);
    const std::int64_t us = i < kFineUs ? i : kFineUs + (i - kFineUs) * kCoarseStepUs;
    return static_cast<double>(us) / 1000.0;
  }
  void add(std::int64_t us) {
    if (us < 0) us = 0;
    max_us = std::max(max_us, us);
    ++counts[bucket(us)];
    ++total;
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i <= kBuckets; ++i) counts[i] += o.counts[i];
    total += o.total;
    max_us = std::max(max_us, o.max_us);
  }
  double percentile_ms(double p) const {
    if (total == 0) return 0;
    const auto want = static_cast<std::uint64_t>(p * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i <= kBuckets; ++i) {
      seen += counts[i];
      if (seen >= want) return bucket_ms(i);
    }
    return static_cast<double>(max_us) / 1000.0;
  }
};

struct Stats {
  Histogram latency;
  std::uint64_t deliveries = 0;  // in the window
  std::uint64_t bytes = 0;       // in the window
  std::uint64_t gaps = 0;        // seq jumps (updates the server merged)
  std::uint64_t missing = 0;     // seqs skipped by those jumps
  std::uint64_t duplicates = 0;  // seq not above the previous one
  std::uint64_t subscribed = 0;
  std::uint64_t failed = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3001;
  std::string path = "/socket.io/";
  int clients = 200;
  std::vector<std::string> assets = {"EURUSD_otc"};
  double seconds = 10;
  double warmup = 2;
  int threads = 1;
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

class Worker;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Worker& w, asio::io_context& ioc, std::string asset)
      : worker_(w), socket_(ioc), asset_(std::move(asset)) {}
  void start(const tcp::endpoint& ep);

 private:
  void read();
  void on_bytes(std::size_t n);
  void on_text(std::string_view msg);
  void send_text(std::string_view text);
  void fail();

  Worker& worker_;
  tcp::socket socket_;
  std::string asset_;
  std::vector<char> buf_ = std::vector<char>(256 * 1024);
  std::size_t filled_ = 0;
  bool upgraded_ = false;
  std::uint64_t last_seq_ = 0;
  std::string fragment_;  // a fragmented text message being collected
};

class Worker {
 public:
  Worker(const Options& o, std::int64_t window_start_us, std::int64_t window_end_us)
      : options(o), start_us(window_start_us), end_us(window_end_us) {}
  const Options& options;
  std::int64_t start_us;
  std::int64_t end_us;
  asio::io_context ioc{1};
  Stats stats;
  std::vector<std::shared_ptr<Connection>> connections;
};

void Connection::start(const tcp::endpoint& ep) {
  socket_.async_connect(ep, [self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return self->fail();
    self->socket_.set_option(tcp::no_delay(true));
    std::string key_raw(16, '\0');
    std::mt19937 rng(std::random_device{}());
    for (auto& c : key_raw) c = static_cast<char>(rng());
    std::string key;
    quflx::text::base64_encode(key_raw, key);
    const auto& o = self->worker_.options;
    auto req = std::make_shared<std::string>(
        "GET " + o.path + "?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + o.host + ":" +
        std::to_string(o.port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: " + key + "\r\n\r\n");
    asio::async_write(self->socket_, asio::buffer(*req),
                      [self, req](boost::system::error_code e, std::size_t) {
                        if (e) return self->fail();
                        self->read();
                      });
  });
}

void Connection::fail() {
  ++worker_.stats.failed;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Connection::read() {
  if (filled_ == buf_.size()) buf_.resize(buf_.size() * 2);
  socket_.async_read_some(asio::buffer(buf_.data() + filled_, buf_.size() - filled_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (ec) return self->fail();
                            self->on_bytes(n);
                            self->read();
                          });
}

void Connection::send_text(std::string_view text) {
  // Client frames are masked (RFC 6455); a zero key leaves the payload as it is.
  auto frame = std::make_shared<std::string>();
  frame->push_back(static_cast<char>(0x81));
  if (text.size() < 126) {
    frame->push_back(static_cast<char>(0x80 | text.size()));
  } else {
    frame->push_back(static_cast<char>(0x80 | 126));
    frame->push_back(static_cast<char>(text.size() >> 8));
    frame->push_back(static_cast<char>(text.size() & 0xFF));
  }
  frame->append(4, '\0');
  frame->append(text);
  asio::async_write(socket_, asio::buffer(*frame),
                    [frame](boost::system::error_code, std::size_t) {});
}

void Connection::on_bytes(std::size_t n) {
  filled_ += n;
  std::size_t pos = 0;
  if (!upgraded_) {
    const std::string_view head(buf_.data(), filled_);
    const auto end = head.find("\r\n\r\n");
    if (end == std::string_view::npos) return;
    if (!head.starts_with("HTTP/1.1 101")) return fail();
    upgraded_ = true;
    pos = end + 4;
  }
  const std::int64_t now = now_us();
  auto& st = worker_.stats;
  const bool in_window = now >= worker_.start_us && now < worker_.end_us;
  while (filled_ - pos >= 2) {
    const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + pos);
    const bool fin = p[0] & 0x80;
    const unsigned op = p[0] & 0x0F;
    std::uint64_t len = p[1] & 0x7F;
    std::size_t header = 2;
    if (len == 126) {
      if (filled_ - pos < 4) break;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (filled_ - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
    }
    if (filled_ - pos < header + len) {
      if (header + len > buf_.size()) buf_.resize(header + len + 1024);
      break;
    }
    const std::string_view payload(buf_.data() + pos + header, len);
    pos += header + len;
    if (in_window) st.bytes += header + len;
    if (op == 0x8) return fail();
    if (op == 0x1 && fin) {
      on_text(payload);
    } else if (op == 0x1 || op == 0x0) {
      fragment_.append(payload);
      if (fin) {
        on_text(fragment_);
        fragment_.clear();
      }
    }
  }
  std::memmove(buf_.data(), buf_.data() + pos, filled_ - pos);
  filled_ -= pos;
}

void Connection::on_text(std::string_view msg) {
  auto& st = worker_.stats;
  if (msg.starts_with("42[\"redis_update\"")) {
    const auto ts = msg.find("\"timestamp\":");
    const auto sq = msg.find("\"seq\":");
    if (ts == std::string_view::npos || sq == std::string_view::npos) return;
    double t = 0;
    std::uint64_t seq = 0;
    std::from_chars(msg.data() + ts + 12, msg.data() + msg.size(), t);
    std::from_chars(msg.data() + sq + 6, msg.data() + msg.size(), seq);
    const std::int64_t now = now_us();
    if (last_seq_ != 0) {
      if (seq <= last_seq_) {
        ++st.duplicates;
      } else if (seq > last_seq_ + 1) {
        ++st.gaps;
        st.missing += seq - last_seq_ - 1;
      }
    }
    last_seq_ = std::max(last_seq_, seq);
    if (now >= worker_.start_us && now < worker_.end_us) {
      ++st.deliveries;
      st.latency.add(now - static_cast<std::int64_t>(t * 1e6));
    }
    return;
  }
  if (msg == "2") return send_text("3");
  if (msg.starts_with("0{")) return send_text("40");
  if (msg.starts_with("40")) {
    return send_text("42[\"subscribe_redis_updates\",{\"asset\":\"" + asset_ + "\"}]");
  }
  if (msg.starts_with("42[\"redis_subscribed\"")) ++st.subscribed;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string assets = "EURUSD_otc";
  CLI::App app{"quflx_bench_fanout: Socket.IO fan-out load generator"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--path", o.path);
  app.add_option("--clients", o.clients);
  app.add_option("--assets", assets, "comma-separated; clients are spread round-robin");
  app.add_option("--seconds", o.seconds, "measurement window");
  app.add_option("--warmup", o.warmup, "seconds after all clients subscribed before measuring");
  app.add_option("--threads", o.threads);
  CLI11_PARSE(app, argc, argv);
  o.assets.clear();
  for (std::size_t s = 0; s <= assets.size();) {
    auto c = assets.find(',', s);
    if (c == std::string::npos) c = assets.size();
    if (c > s) o.assets.push_back(assets.substr(s, c - s));
    s = c + 1;
  }

  const tcp::endpoint ep(asio::ip::make_address(o.host), o.port);
  // The window opens once everyone had time to connect and subscribe.
  const std::int64_t connect_allowance_us = 3'000'000;
  const std::int64_t start = now_us() + connect_allowance_us + static_cast<std::int64_t>(o.warmup * 1e6);
  const std::int64_t end = start + static_cast<std::int64_t>(o.seconds * 1e6);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < o.threads; ++t) workers.push_back(std::make_unique<Worker>(o, start, end));
  for (int i = 0; i < o.clients; ++i) {
    Worker& w = *workers[static_cast<std::size_t>(i % o.threads)];
    auto c = std::make_shared<Connection>(w, w.ioc, o.assets[static_cast<std::size_t>(i) % o.assets.size()]);
    w.connections.push_back(c);
    c->start(ep);
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&w, end] {
      w->ioc.run_for(std::chrono::microseconds(end - now_us() + 200'000));
    });
  }
  for (auto& t : threads) t.join();

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  Stats total;
  for (auto& w : workers) {
    total.latency.merge(w->stats.latency);
    total.deliveries += w->stats.deliveries;
    total.bytes += w->stats.bytes;
    total.gaps += w->stats.gaps;
    total.missing += w->stats.missing;
    total.duplicates += w->stats.duplicates;
    total.subscribed += w->stats.subscribed;
    total.failed += w->stats.failed;
  }
  std::printf(
      "{\"clients\":%d,\"subscribed\":%llu,\"failed\":%llu,\"seconds\":%.1f,\"deliveries\":%llu,"
      "\"deliveries_per_s\":%.0f,\"mb_per_s\":%.2f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"gaps\":%llu,\"missing\":%llu,"
      "\"duplicates\":%llu,\"loadgen_cpu_s\":%.2f}\n",
      o.clients, static_cast<unsigned long long>(total.subscribed),
      static_cast<unsigned long long>(total.failed), o.seconds,
      static_cast<unsigned long long>(total.deliveries),
      static_cast<double>(total.deliveries) / o.seconds,
      static_cast<double>(total.bytes) / o.seconds / 1e6, total.latency.percentile_ms(0.50),
      total.latency.percentile_ms(0.90), total.latency.percentile_ms(0.99),
      total.latency.percentile_ms(0.999), static_cast<double>(total.latency.max_us) / 1000.0,
      static_cast<unsigned long long>(total.gaps), static_cast<unsigned long long>(total.missing),
      static_cast<unsigned long long>(total.duplicates), cpu_s);
  return 0;
}
