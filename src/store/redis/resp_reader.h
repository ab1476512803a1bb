#pragma once
// RespReader: bytes from a Redis connection in, parsed replies out (hiredis's reader).
// Internal to the Redis adapter: it exposes hiredis types, so only store/redis includes it.

#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "store/redis/reply.h"

namespace quflx::redis {

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RawReply = std::unique_ptr<redisReply, ReplyFree>;

class RespReader {
 public:
  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  // Appends received bytes. False on a protocol error (see error()); the stream is then
  // unusable and the connection must be dropped.
  bool feed(const char* data, std::size_t size);
  // The next complete reply, or null if more bytes are needed or on a protocol error.
  RawReply next();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  redisReader* reader_;
  std::string error_;
  bool too_large_ = false;  // set by the bounded array allocation (through privdata)
};

// Converts hiredis's parse tree into plain values.
Reply to_reply(const redisReply* r);
// Pub/sub traffic: a message, or a (un)subscribe confirmation.
bool is_push(const redisReply* r);
// A (un)subscribe confirmation (as opposed to a message).
bool is_subscription_confirmation(const redisReply* r);

}  // namespace quflx::redis
