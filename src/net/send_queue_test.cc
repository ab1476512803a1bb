#include "net/send_queue.h"

#include <gtest/gtest.h>

namespace quflx::net {
namespace {

FrameRef update(std::uint64_t key, std::uint64_t seq, std::size_t size = 100) {
  return Frame::make("4" + std::string(size - 3, 'u'), {key, seq});  // 2-byte header
}
FrameRef reply(std::size_t size = 100) { return Frame::make("4" + std::string(size - 3, 'r')); }

std::vector<FrameRef> drain(SendQueue& q) {
  std::vector<FrameRef> out;
  q.take(out, 1u << 30, 1u << 30);
  return out;
}

TEST(Frame, WebSocketBytesAreHeaderPlusPacket) {
  const auto f = Frame::make("42[\"a\"]", {7, 9});
  EXPECT_EQ(f->packet(), "42[\"a\"]");
  EXPECT_EQ(f->websocket_bytes(), std::string("\x81\x07") + "42[\"a\"]");
  EXPECT_EQ(f->size(), 9u);
  EXPECT_EQ(f->meta().seq, 9u);
  const auto big = Frame::make(std::string(300, 'x'));
  EXPECT_EQ(big->websocket_bytes().substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
}

TEST(SendQueue, KeepsEverythingInOrderBelowTheThreshold) {
  SendQueue q({1000, 5000});
  for (int i = 0; i < 9; ++i) EXPECT_EQ(q.push(update(1, i)), SendQueue::Push::kQueued);
  EXPECT_FALSE(q.congested());
  const auto out = drain(q);
  ASSERT_EQ(out.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(out[i]->meta().seq, static_cast<std::uint64_t>(i));
  EXPECT_EQ(q.conflated(), 0u);
}

TEST(SendQueue, WhenCongestedKeepsTheNewestUpdatePerKeyInPlace) {
  SendQueue q({1000, 100000});
  for (int i = 1; i <= 10; ++i) q.push(update(1, i));       // 1000 bytes: at the threshold
  q.push(update(2, 100));                                    // congested from here
  EXPECT_TRUE(q.congested());
  EXPECT_EQ(q.push(update(1, 11)), SendQueue::Push::kConflated);
  EXPECT_EQ(q.push(update(2, 101)), SendQueue::Push::kConflated);
  EXPECT_EQ(q.push(update(1, 12)), SendQueue::Push::kConflated);
  EXPECT_EQ(q.conflated(), 3u);
  const auto out = drain(q);
  std::vector<std::uint64_t> seqs;
  for (const auto& f : out) seqs.push_back(f->meta().seq);
  // Key 1's last pending slot (seq 10) became 12; key 2's became 101; order kept.
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 101}));
}

TEST(SendQueue, FramesTakenByTheWriterAreNeverReplaced) {
  SendQueue q({250, 100000});
  q.push(update(1, 1));
  q.push(update(1, 2));
  q.push(update(1, 3));  // congested; 3 is the newest of key 1
  std::vector<FrameRef> inflight;
  q.take(inflight, 3, 1u << 20);
  q.push(update(1, 4));  // nothing pending to replace: appended
  EXPECT_EQ(q.conflated(), 0u);
  EXPECT_EQ(inflight.back()->meta().seq, 3u);
  EXPECT_EQ(drain(q).at(0)->meta().seq, 4u);
}

TEST(SendQueue, CongestionEndsWhenTheBacklogDrains) {
  SendQueue q({500, 100000});
  for (int i = 0; i < 6; ++i) q.push(update(static_cast<std::uint64_t>(i + 1), i));
  EXPECT_TRUE(q.congested());
  std::vector<FrameRef> out;
  q.take(out, 4, 1u << 20);  // 200 bytes left, below half the threshold
  EXPECT_FALSE(q.congested());
  EXPECT_EQ(q.push(update(6, 99)), SendQueue::Push::kQueued);
}

TEST(SendQueue, AnUpdateIsNeverMergedIntoOneQueuedBeforeAReply) {
  // A reply (redis_subscribed, stream_started, a seed, a replay) is a barrier: an update
  // pushed after it must not travel ahead of it by replacing an older pending update.
  SendQueue q({250, 100000});
  q.push(update(1, 1));
  q.push(update(1, 2));
  q.push(update(1, 3));  // congested
  ASSERT_TRUE(q.congested());
  EXPECT_EQ(q.push(reply()), SendQueue::Push::kQueued);
  EXPECT_EQ(q.push(update(1, 4)), SendQueue::Push::kQueued);     // not into seq 3
  EXPECT_EQ(q.push(update(1, 5)), SendQueue::Push::kConflated);  // into seq 4, after the reply
  std::vector<std::uint64_t> seqs;
  for (const auto& f : drain(q)) seqs.push_back(f->meta().seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 0, 5}));
}

TEST(SendQueue, TheBarrierHoldsWhenCongestionStartsAfterTheReply) {
  SendQueue q({250, 100000});
  q.push(update(1, 1));
  q.push(reply());
  q.push(update(2, 1));  // congested from here: the pending frames are indexed
  ASSERT_TRUE(q.congested());
  EXPECT_EQ(q.push(update(1, 2)), SendQueue::Push::kQueued);     // seq 1 is before the reply
  EXPECT_EQ(q.push(update(2, 2)), SendQueue::Push::kConflated);  // key 2 is after it
  std::vector<std::uint64_t> seqs;
  for (const auto& f : drain(q)) seqs.push_back(f->meta().seq);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 0, 2, 2}));
  EXPECT_EQ(q.conflated(), 1u);
}

TEST(SendQueue, AnyFramePastTheHardLimitAsksForADisconnect) {
  // Replies, errors and pongs count as much as updates: a client that sends requests or pings
  // but does not read cannot grow the queue past the limit.
  SendQueue q({100, 1000});
  for (int i = 0; i < 9; ++i) EXPECT_EQ(q.push(reply()), SendQueue::Push::kQueued);
  EXPECT_EQ(q.push(reply()), SendQueue::Push::kQueued);  // 1000 bytes: at the limit
  EXPECT_EQ(q.push(reply(3)), SendQueue::Push::kOverLimit);
  EXPECT_EQ(q.clear(), 0u);
  // Updates too, also when one merges into a pending one: the backlog is what counts.
  for (int i = 0; i < 10; ++i) q.push(update(static_cast<std::uint64_t>(i + 1), 1));
  EXPECT_EQ(q.push(update(99, 1)), SendQueue::Push::kOverLimit);
  EXPECT_EQ(q.clear(), 11u);
  for (int i = 0; i < 3; ++i) q.push(update(static_cast<std::uint64_t>(i + 1), 1));
  q.push(reply(600));
  q.push(update(1, 2));  // 1000 bytes, congested
  EXPECT_EQ(q.push(update(1, 3, 200)), SendQueue::Push::kOverLimit);  // merged: 1100
  EXPECT_EQ(q.clear(), 4u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.pending_bytes(), 0u);
}

TEST(SendQueue, OneFrameLargerThanTheLimitIsSentToAClientThatIsNotBehind) {
  SendQueue q({100, 1000});
  EXPECT_EQ(q.push(reply(5000)), SendQueue::Push::kQueued);  // nothing else pending
  EXPECT_EQ(q.push(reply()), SendQueue::Push::kOverLimit);   // behind it: over the limit
  q.clear();
  EXPECT_EQ(q.push(update(1, 1, 5000)), SendQueue::Push::kQueued);
}

TEST(SendQueue, TakeRespectsFrameAndByteBudgets) {
  SendQueue q;
  for (int i = 0; i < 10; ++i) q.push(update(1, i));
  std::vector<FrameRef> out;
  q.take(out, 3, 1u << 20);
  EXPECT_EQ(out.size(), 3u);
  out.clear();
  q.take(out, 100, 150);  // stops after the frame that reaches the budget
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(q.pending_frames(), 5u);
}

}  // namespace
}  // namespace quflx::net
