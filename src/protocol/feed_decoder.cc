#include "protocol/feed_decoder.h"

#include <fmt/format.h>

#include "protocol/engineio.h"
#include "protocol/socketio.h"

namespace quflx {
namespace {

std::string excerpt(std::string_view s) {
  constexpr std::size_t kMax = 120;
  if (s.size() <= kMax) return std::string(s);
  return fmt::format("{}... ({} bytes)", s.substr(0, kMax), s.size());
}

class JsonTickDecoder final : public FeedDecoder {
 public:
  explicit JsonTickDecoder(FrameSink& sink) : sink_(sink) {}
  void on_text(std::string_view frame) override {
    ++stats_.frames;
    decode_json_ticks(frame, scratch_, sink_);
  }
  void on_binary(std::string_view bytes) override { on_text(bytes); }
  void reset() override {}
  const DecoderStats& stats() const override { return stats_; }

 private:
  FrameSink& sink_;
  TickScratch scratch_;
  DecoderStats stats_;
};

// Relabels "bad JSON" as "bad attachment" while decoding an attachment's bytes.
class AttachmentSink final : public FrameSink {
 public:
  explicit AttachmentSink(FrameSink& inner) : inner_(inner) {}
  void on_ticks(std::span<const RawTick> t) override { inner_.on_ticks(t); }
  void on_history(const HistoryPayload& h) override { inner_.on_history(h); }
  void on_active_asset(std::string_view a) override { inner_.on_active_asset(a); }
  void on_fault(FrameFault f, std::string_view d) override {
    inner_.on_fault(f == FrameFault::kBadJson ? FrameFault::kBadAttachment : f, d);
  }

 private:
  FrameSink& inner_;
};

class PocketOptionDecoder final : public FeedDecoder {
 public:
  PocketOptionDecoder(FrameSink& sink, SocketControl* control)
      : sink_(sink), attachment_sink_(sink), control_(control) {}

  void on_text(std::string_view frame) override {
    ++stats_.frames;
    if (pending_) {
      sink_.on_fault(FrameFault::kMissingAttachment,
                     fmt::format("event '{}' got {} of {} attachments before the next packet",
                                 pending_event_.name, attachments_.size(), pending_attachments_));
      pending_ = false;
    }
    const auto eio = eio::decode_text_view(frame);
    if (!eio) {
      sink_.on_fault(FrameFault::kMalformedFrame, "not an Engine.IO packet: " + excerpt(frame));
      return;
    }
    switch (eio->type) {
      case eio::PacketType::kOpen: {
        auto open = parse_eio_open(eio->data);
        if (!open.ok()) {
          sink_.on_fault(FrameFault::kMalformedFrame, open.error().message);
          return;
        }
        if (control_) {
          control_->on_open(*open);
          control_->send_text("40");
        }
        return;
      }
      case eio::PacketType::kPing:
        if (control_) control_->send_text(fmt::format("3{}", eio->data));
        return;
      case eio::PacketType::kClose:
        if (control_) control_->on_server_close("Engine.IO close packet");
        return;
      case eio::PacketType::kMessage:
        on_message(eio->data, frame);
        return;
      case eio::PacketType::kPong:
      case eio::PacketType::kUpgrade:
      case eio::PacketType::kNoop:
        return;
    }
  }

  void on_binary(std::string_view bytes) override {
    ++stats_.frames;
    // Engine.IO v3 prefixed binary messages with a 0x04 byte; JSON never starts with it.
    if (!bytes.empty() && bytes.front() == '\x04') bytes.remove_prefix(1);
    if (!pending_) {
      sink_.on_fault(FrameFault::kUnexpectedAttachment,
                     fmt::format("binary message of {} bytes without a header", bytes.size()));
      return;
    }
    attachments_.emplace_back(bytes);
    if (attachments_.size() == pending_attachments_) {
      pending_ = false;
      dispatch(pending_event_);
    }
  }

  void reset() override {
    pending_ = false;
    attachments_.clear();
  }

  const DecoderStats& stats() const override { return stats_; }

 private:
  void on_message(std::string_view data, std::string_view frame) {
    auto sio = sio::decode(data);
    if (!sio.ok()) {
      sink_.on_fault(FrameFault::kMalformedFrame, sio.error().message + ": " + excerpt(frame));
      return;
    }
    switch (sio->type) {
      case sio::PacketType::kConnect:
        if (control_) control_->on_connected();
        return;
      case sio::PacketType::kDisconnect:
        if (control_) control_->on_server_close("Socket.IO disconnect");
        return;
      case sio::PacketType::kConnectError:
        if (control_) control_->on_server_close(fmt::format("connect_error {}", excerpt(sio->payload)));
        return;
      case sio::PacketType::kEvent:
      case sio::PacketType::kBinaryEvent: {
        const bool waits = sio->type == sio::PacketType::kBinaryEvent && sio->attachments > 0;
        // A header that waits for attachments keeps its own copy: argument views point into it.
        if (waits) pending_text_.assign(sio->payload);
        auto ev = parse_sio_event(waits ? std::string_view(pending_text_) : sio->payload,
                                  sio->attachments);
        if (!ev.ok()) {
          sink_.on_fault(FrameFault::kMalformedFrame, ev.error().message + ": " + excerpt(frame));
          return;
        }
        if (waits) {
          pending_event_ = std::move(*ev);
          pending_attachments_ = sio->attachments;
          attachments_.clear();
          pending_ = true;
          return;
        }
        attachments_.clear();
        dispatch(*ev);
        return;
      }
      case sio::PacketType::kAck:
      case sio::PacketType::kBinaryAck:
        return;
    }
  }

  void dispatch(const SioEvent& ev) {
    ++stats_.events;
    enum Kind { kStream, kHistory, kCharts, kOther };
    const Kind kind = ev.name == "updateStream"            ? kStream
                      : ev.name == "updateHistoryNewFast"  ? kHistory
                      : ev.name == "loadHistoryPeriodFast" ? kHistory
                      : ev.name == "updateCharts"          ? kCharts
                                                           : kOther;
    if (kind == kOther) {
      ++stats_.events_ignored;
      return;
    }
    if (ev.args.empty()) {
      sink_.on_fault(FrameFault::kMalformedFrame, fmt::format("event '{}' without data", ev.name));
      return;
    }
    const SioEventArg& arg = ev.args.front();
    const bool from_attachment = arg.attachment >= 0;
    const std::string_view data =
        from_attachment ? std::string_view(attachments_[static_cast<std::size_t>(arg.attachment)])
                        : arg.json;
    FrameSink& sink = from_attachment ? static_cast<FrameSink&>(attachment_sink_) : sink_;
    switch (kind) {
      case kStream:
        decode_stream_ticks(data, scratch_, sink);
        break;
      case kHistory:
        decode_history(ev.name, data, sink);
        break;
      case kCharts:
        decode_update_charts(data, sink);
        break;
      case kOther:
        break;
    }
  }

  FrameSink& sink_;
  AttachmentSink attachment_sink_;
  SocketControl* control_;
  TickScratch scratch_;
  DecoderStats stats_;
  bool pending_ = false;
  std::string pending_text_;
  SioEvent pending_event_;
  std::size_t pending_attachments_ = 0;
  std::vector<std::string> attachments_;
};

}  // namespace

std::unique_ptr<FeedDecoder> make_feed_decoder(FeedFormat format, FrameSink& sink,
                                               SocketControl* control) {
  if (format == FeedFormat::kJson) return std::make_unique<JsonTickDecoder>(sink);
  return std::make_unique<PocketOptionDecoder>(sink, control);
}

}  // namespace quflx
