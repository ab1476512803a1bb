#include "net/rooms.h"

#include <algorithm>

#include "net/socket_client.h"

namespace quflx::net {

Rooms::Rooms(MetricsRegistry& metrics, std::size_t max_held_frames)
    : max_held_(max_held_frames),
      m_dropped_(metrics.counter("quflx_socketio_updates_dropped_total",
                                 "Live updates discarded with a closed session or an "
                                 "overflowing hold")) {}

Rooms::Member* Rooms::find(SocketClient& client, RoomId room) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return nullptr;
  for (auto& m : it->second) {
    if (m.client == &client) return &m;
  }
  return nullptr;
}

void Rooms::join(SocketClient& client, RoomId room, bool held) {
  if (find(client, room)) return;
  rooms_[room].push_back(
      Member{&client, held ? std::make_unique<std::vector<FrameRef>>() : nullptr, 0});
  client.rooms_.push_back(room);
}

void Rooms::leave(SocketClient& client, RoomId room) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& members = it->second;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].client != &client) continue;
    if (members[i].held) m_dropped_.inc(members[i].held->size());
    if (broadcasting_ > 0) {
      // The broadcast in progress walks this vector: leave a tombstone.
      members[i].client = nullptr;
      members[i].held.reset();
      to_compact_.push_back(room);
    } else {
      members[i] = std::move(members.back());
      members.pop_back();
      if (members.empty()) rooms_.erase(it);
    }
    break;
  }
  auto& mine = client.rooms_;
  mine.erase(std::remove(mine.begin(), mine.end(), room), mine.end());
}

void Rooms::leave_all(SocketClient& client) {
  const auto rooms = client.rooms_;
  for (RoomId r : rooms) leave(client, r);
}

std::size_t Rooms::release(SocketClient& client, RoomId room, std::uint64_t after_seq) {
  Member* m = find(client, room);
  if (!m || !m->held) return 0;
  auto held = std::move(m->held);  // live from here on
  // Live frames the client has been given already (a reply or a replay up to after_seq) may
  // still come: a writer's publication can trail the list the replay was read from.
  m->floor = after_seq;
  std::size_t sent = 0;
  bool above = false;
  for (const auto& f : *held) {
    const auto seq = f->meta().seq;
    if (seq != 0 && seq <= after_seq) continue;
    above = above || seq != 0;
    client.send(f);
    ++sent;
  }
  if (above) {
    if (Member* again = find(client, room)) again->floor = 0;
  }
  return sent;
}

bool Rooms::is_member(const SocketClient& client, RoomId room) const {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const Member& m) { return m.client == &client; });
}

std::size_t Rooms::size(RoomId room) const {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return 0;
  return static_cast<std::size_t>(std::count_if(it->second.begin(), it->second.end(),
                                                 [](const Member& m) { return m.client; }));
}

std::size_t Rooms::broadcast(RoomId room, const FrameRef& frame) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return 0;
  ++broadcasting_;
  std::size_t n = 0;
  auto& members = it->second;
  for (std::size_t i = 0; i < members.size(); ++i) {
    Member& m = members[i];
    if (!m.client) continue;
    if (m.held) {
      if (m.held->size() < max_held_) {
        m.held->push_back(frame);
      } else {
        m_dropped_.inc();
      }
    } else {
      if (m.floor != 0 && frame->meta().seq != 0) {
        if (frame->meta().seq <= m.floor) continue;  // given already
        m.floor = 0;  // caught up (and a numbering that restarts at 1 later is not hidden)
      }
      // A session past its limit is closed after this broadcast (EngineSession::send).
      m.client->send(frame);
    }
    ++n;
  }
  if (--broadcasting_ == 0 && !to_compact_.empty()) compact();
  return n;
}

void Rooms::compact() {
  auto rooms = std::move(to_compact_);
  to_compact_.clear();
  for (RoomId r : rooms) {
    auto it = rooms_.find(r);
    if (it == rooms_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), [](const Member& m) { return !m.client; }), v.end());
    if (v.empty()) rooms_.erase(it);
  }
}

}  // namespace quflx::net
