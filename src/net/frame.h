#pragma once
// Frame: one outgoing Engine.IO packet, encoded once together with the header of the
// WebSocket frame that carries it, and shared (by reference count) by every session that
// sends it. A WebSocket session writes websocket_bytes(); a polling session puts packet() into
// its response body. Server-to-client WebSocket frames are never masked, so the header depends
// only on the payload and the same bytes suit every client.
//
// `conflate_key` marks a live update that a newer update with the same key may replace in a
// congested send queue (0: never replaced: replies, snapshots, pings). `seq` is the tick seq
// the update carries (0 if none), so a held subscription can release only what is newer.
//
// The reference count is not atomic: frames are made and dropped on the one loop that owns the
// sessions. Do not hand a FrameRef to another thread.

#include <boost/intrusive_ptr.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace quflx::net {

struct FrameMeta {
  std::uint64_t conflate_key = 0;
  std::uint64_t seq = 0;
};

class Frame;
using FrameRef = boost::intrusive_ptr<const Frame>;

class Frame {
 public:
  // A frame whose Engine.IO packet is `packet` (e.g. "2" or "42[...]").
  static FrameRef make(std::string_view packet, FrameMeta meta = {});
  // A frame whose packet `fill(std::string&)` appends; saves a copy for large packets.
  template <class Fill>
  static FrameRef build(Fill&& fill, FrameMeta meta = {}) {
    auto* f = new Frame(meta);
    f->bytes_.resize(kHeaderRoom);
    fill(f->bytes_);
    f->seal();
    return FrameRef(f);
  }

  std::string_view websocket_bytes() const {
    return std::string_view(bytes_).substr(ws_start_);
  }
  std::string_view packet() const { return std::string_view(bytes_).substr(kHeaderRoom); }
  std::size_t size() const { return bytes_.size() - ws_start_; }
  const FrameMeta& meta() const { return meta_; }

 private:
  static constexpr std::size_t kHeaderRoom = 10;  // the longest WebSocket header
  explicit Frame(FrameMeta meta) : meta_(meta) {}
  void seal();

  std::string bytes_;  // [unused][WebSocket header][Engine.IO packet]
  std::uint8_t ws_start_ = 0;
  FrameMeta meta_;
  mutable std::uint32_t refs_ = 0;

  friend void intrusive_ptr_add_ref(const Frame* f) { ++f->refs_; }
  friend void intrusive_ptr_release(const Frame* f) {
    if (--f->refs_ == 0) delete f;
  }
};

}  // namespace quflx::net
