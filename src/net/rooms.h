#pragma once
// Rooms: the Socket.IO rooms that carry the live updates. A broadcast hands the same Frame to
// every member (encoded once, never per client). A held membership (joined while a snapshot
// or a replay is prepared) collects frames until release(), which sends those newer than a
// given seq and makes the membership live.
//
// Owned by the service (shared by the SocketServer, which empties a client's rooms when it
// leaves, and by what broadcasts); members are SocketClients, not owned. Threading: the loop
// of the EngineServer.

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/metrics.h"
#include "net/frame.h"

namespace quflx::net {

using RoomId = std::uint64_t;
class SocketClient;

class Rooms {
 public:
  explicit Rooms(MetricsRegistry& metrics, std::size_t max_held_frames = 100'000);

  // Idempotent; a held join of a room the client is already in live changes nothing.
  void join(SocketClient& client, RoomId room, bool held = false);
  void leave(SocketClient& client, RoomId room);
  void leave_all(SocketClient& client);
  // Makes a held membership live, first sending the frames it collected whose seq is above
  // `after_seq` (frames without a seq always); later broadcasts with a seq up to `after_seq`
  // skip this member too (the client has them). Returns how many were sent.
  std::size_t release(SocketClient& client, RoomId room, std::uint64_t after_seq);

  bool is_member(const SocketClient& client, RoomId room) const;
  std::size_t size(RoomId room) const;
  bool empty(RoomId room) const { return size(room) == 0; }
  // Sends `frame` to every member; returns to how many (held members collect it; a member
  // released past the frame's seq skips it).
  std::size_t broadcast(RoomId room, const FrameRef& frame);

 private:
  struct Member {
    SocketClient* client;
    std::unique_ptr<std::vector<FrameRef>> held;  // non-null while held
    // Set by release(): frames with a seq up to it were given already and are skipped, until
    // the first frame above it passes.
    std::uint64_t floor = 0;
  };
  Member* find(SocketClient& client, RoomId room);
  void compact();

  std::unordered_map<RoomId, std::vector<Member>> rooms_;
  std::size_t max_held_;
  int broadcasting_ = 0;
  std::vector<RoomId> to_compact_;
  Counter& m_dropped_;
};

}  // namespace quflx::net
