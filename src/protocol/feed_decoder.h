#pragma once
// FeedDecoder: turns the WebSocket messages of one upstream connection into ticks, history
// and the active symbol (see feed_frames.h), whether the feed owns that socket (ws) or
// watches a browser's socket through the DevTools Protocol (cdp). One decoder per socket:
// binary attachments pair with the header that precedes them on the same socket.
//
// Formats:
//   pocketoption  Socket.IO v4 over Engine.IO v4: text packets, `451-[...]` binary events whose
//                 attachments are the next binary messages; events updateStream,
//                 updateHistoryNewFast, loadHistoryPeriodFast, updateCharts; others ignored.
//   json          each text message is a JSON tick object or an array of them.
//
// A socket the feed owns must also answer the protocol (pong, the `40` connect); that goes
// through SocketControl, which the cdp feed leaves out because the page answers for itself.
// Pure logic, no I/O; not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/feed_frames.h"
#include "protocol/socketio_client.h"

namespace quflx {

enum class FeedFormat : std::uint8_t { kPocketOption, kJson };

class SocketControl {
 public:
  virtual ~SocketControl() = default;
  virtual void send_text(std::string_view text) = 0;
  // Engine.IO open: ping interval/timeout tell how long silence may last.
  virtual void on_open(const EioOpen& open) = 0;
  // The Socket.IO namespace is connected: time to authenticate and subscribe.
  virtual void on_connected() = 0;
  // The server ended the session (Engine.IO close, Socket.IO disconnect or connect_error).
  virtual void on_server_close(std::string_view why) = 0;
};

struct DecoderStats {
  std::uint64_t frames = 0;
  std::uint64_t events = 0;          // Socket.IO events decoded
  std::uint64_t events_ignored = 0;  // events that carry nothing we use
};

class FeedDecoder {
 public:
  virtual ~FeedDecoder() = default;
  virtual void on_text(std::string_view frame) = 0;
  virtual void on_binary(std::string_view bytes) = 0;
  // A new connection: forget partial state (a header waiting for its attachments).
  virtual void reset() = 0;
  virtual const DecoderStats& stats() const = 0;
};

// `control` may be null (observing a socket someone else answers).
std::unique_ptr<FeedDecoder> make_feed_decoder(FeedFormat format, FrameSink& sink,
                                               SocketControl* control);

}  // namespace quflx
