// Rooms on real sessions: what a member's send queue receives from held joins, releases and
// broadcasts. The SocketHandler is a do-nothing stand-in: Rooms never calls it.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "net/engine_core.h"
#include "net/rooms.h"
#include "net/socket_server.h"

namespace quflx::net {
namespace {

class NoApi final : public SocketHandler {
 public:
  Result<bool> authorize(const boost::json::value&) override { return true; }
  void on_connect(const std::shared_ptr<SocketClient>&) override {}
  boost::asio::awaitable<void> on_event(std::shared_ptr<SocketClient>, sio::Event,
                                        std::optional<std::uint64_t>) override {
    co_return;
  }
  void on_disconnect(SocketClient&) override {}
};

class NoHandler final : public EngineHandler {
 public:
  void on_open(const std::shared_ptr<EngineSession>&) override {}
  void on_message(const std::shared_ptr<EngineSession>&, std::string_view, bool) override {}
  void on_close(EngineSession&, std::string_view) override {}
};

struct RoomsTest : ::testing::Test {
  boost::asio::io_context io;
  MetricsRegistry metrics;
  ProtocolErrorCounter errors{metrics};
  NoHandler handler;
  NoApi api;
  Rooms rooms{metrics};
  SocketServer server{io.get_executor(), SocketOptions{}, api, rooms, errors, metrics};
  std::shared_ptr<EngineCore> core =
      std::make_shared<EngineCore>(io.get_executor(), EngineOptions{}, handler, metrics, errors);

  std::shared_ptr<EngineSession> session = core->create_session("test", Transport::kPolling);
  SocketClient client{server, session};

  ~RoomsTest() override {
    // Sessions and the core point at each other until closed; run what the sends posted.
    for (auto& [sid, s] : std::map(core->sessions)) s->close("test over");
    io.poll();
  }

  // The seqs queued for the client so far (taken out of its queue).
  std::vector<std::uint64_t> received() {
    std::vector<FrameRef> out;
    const_cast<SendQueue&>(session->queue()).take(out, 1u << 20, 1u << 30);
    std::vector<std::uint64_t> seqs;
    for (const auto& f : out) seqs.push_back(f->meta().seq);
    return seqs;
  }
};

FrameRef tick(std::uint64_t seq) { return Frame::make("42[\"redis_update\",{}]", {7, seq}); }

TEST_F(RoomsTest, ReleaseSendsHeldFramesAboveTheSubscriptionPoint) {
  rooms.join(client, 1, /*held=*/true);
  for (std::uint64_t s = 3; s <= 6; ++s) rooms.broadcast(1, tick(s));
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(rooms.release(client, 1, 4), 2u);
  rooms.broadcast(1, tick(7));
  EXPECT_EQ(received(), (std::vector<std::uint64_t>{5, 6, 7}));
}

TEST_F(RoomsTest, LiveFramesTheClientWasGivenBeforeReleaseAreSkipped) {
  // The subscription point came from the list (a replay up to 10, or its head), while this
  // server had delivered nothing above 8: ticks 9 and 10 may still arrive live afterwards.
  rooms.join(client, 1, /*held=*/true);
  rooms.broadcast(1, tick(8));
  EXPECT_EQ(rooms.release(client, 1, 10), 0u);
  rooms.broadcast(1, tick(9));
  rooms.broadcast(1, tick(10));
  rooms.broadcast(1, tick(11));
  rooms.broadcast(1, tick(12));
  EXPECT_EQ(received(), (std::vector<std::uint64_t>{11, 12}));
  // Once past the point nothing is skipped: a numbering that starts again at 1 gets through.
  rooms.broadcast(1, tick(1));
  EXPECT_EQ(received(), (std::vector<std::uint64_t>{1}));
}

TEST_F(RoomsTest, FramesWithoutASeqAndOtherMembersAreNotAffected) {
  auto other_session = core->create_session("other", Transport::kPolling);
  SocketClient other{server, other_session};
  rooms.join(client, 1, /*held=*/true);
  rooms.join(other, 1);
  rooms.release(client, 1, 10);
  rooms.broadcast(1, Frame::make("42[\"notice\"]"));
  rooms.broadcast(1, tick(9));
  EXPECT_EQ(received(), (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(other_session->queue().pending_frames(), 2u);  // the notice and seq 9
  rooms.leave_all(other);
}

TEST_F(RoomsTest, ARejoinStartsFromItsOwnPoint) {
  rooms.join(client, 1, /*held=*/true);
  rooms.release(client, 1, 10);
  rooms.leave(client, 1);
  rooms.join(client, 1, /*held=*/true);
  rooms.release(client, 1, 0);
  rooms.broadcast(1, tick(9));
  EXPECT_EQ(received(), (std::vector<std::uint64_t>{9}));
}

}  // namespace
}  // namespace quflx::net
