#include "store/redis/resp_reader.h"

#include <string>
#include <string_view>

#include "common/check.h"

namespace quflx::redis {

namespace {

// hiredis allocates an array's element pointers from the length on the wire, before any
// element arrives: a dozen bytes of a broken (or hostile) server's reply could ask for
// gigabytes (found by fuzz_resp). No reply this server asks for comes near this bound.
constexpr int kMaxArrayElements = 1 << 20;

void* (*g_default_create_array)(const redisReadTask*, int) = nullptr;

void* bounded_create_array(const redisReadTask* task, int elements) {
  if (elements > kMaxArrayElements) {
    *static_cast<bool*>(task->privdata) = true;
    return nullptr;  // hiredis stops with an error
  }
  return g_default_create_array(task, elements);
}

// hiredis's own functions with createArray bounded.
redisReplyObjectFunctions* bounded_functions(const redisReplyObjectFunctions* defaults) {
  static redisReplyObjectFunctions functions = [&] {
    g_default_create_array = defaults->createArray;
    redisReplyObjectFunctions f = *defaults;
    f.createArray = bounded_create_array;
    return f;
  }();
  return &functions;
}

}  // namespace

RespReader::RespReader() : reader_(redisReaderCreate()) {
  QUFLX_CHECK(reader_ != nullptr, "redisReaderCreate failed (out of memory)");
  reader_->fn = bounded_functions(reader_->fn);
  reader_->privdata = &too_large_;
}

RespReader::~RespReader() { redisReaderFree(reader_); }

bool RespReader::feed(const char* data, std::size_t size) {
  if (failed()) return false;
  if (redisReaderFeed(reader_, data, size) != REDIS_OK) {
    error_ = std::string("protocol error: ") + reader_->errstr;
    return false;
  }
  return true;
}

RawReply RespReader::next() {
  if (failed()) return nullptr;
  void* obj = nullptr;
  if (redisReaderGetReply(reader_, &obj) != REDIS_OK) {
    error_ = too_large_ ? "protocol error: an array of more than " +
                              std::to_string(kMaxArrayElements) + " elements"
                        : std::string("protocol error: ") + reader_->errstr;
    return nullptr;
  }
  return RawReply(static_cast<redisReply*>(obj));
}

Reply to_reply(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(to_reply(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

bool is_push(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return false;
  const redisReply* kind = r->element[0];
  if (kind->type != REDIS_REPLY_STRING) return false;
  const std::string_view k(kind->str, kind->len);
  return k == "message" || k == "pmessage" || k == "subscribe" || k == "psubscribe" ||
         k == "unsubscribe" || k == "punsubscribe";
}

bool is_subscription_confirmation(const redisReply* r) {
  if (!is_push(r)) return false;
  const std::string_view k(r->element[0]->str, r->element[0]->len);
  return k != "message" && k != "pmessage";
}

}  // namespace quflx::redis
