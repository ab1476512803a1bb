#pragma once
// Appending JSON fragments to a std::string without intermediate objects. Used on the hot
// path (tick and candle encoding), where a DOM would cost an allocation per field.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/time.h"

namespace quflx::json_out {

// Appends `s` as a quoted JSON string, escaping quotes, backslashes and control characters.
// Bytes >= 0x80 are copied unchanged, so valid UTF-8 stays valid.
void append_string(std::string& out, std::string_view s);

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

inline void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Shortest text that reads back as the same double; `null` for NaN and infinities.
inline void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Unix seconds with up to six decimals, trailing zeros trimmed: exact, no float rounding.
void append_unix_seconds(std::string& out, UtcMicros t);

// Builds one JSON object field by field: Object().str("asset", a).num("count", n).done().
// Keys must be plain ASCII without quotes (they are written as they are).
class Object {
 public:
  Object() : out_("{") {}
  Object& str(std::string_view key, std::string_view value) {
    this->key(key);
    append_string(out_, value);
    return *this;
  }
  Object& num(std::string_view key, double value) {
    this->key(key);
    append_double(out_, value);
    return *this;
  }
  Object& uint(std::string_view key, std::uint64_t value) {
    this->key(key);
    append_uint(out_, value);
    return *this;
  }
  Object& boolean(std::string_view key, bool value) {
    this->key(key);
    out_.append(value ? "true" : "false");
    return *this;
  }
  Object& null(std::string_view key) {
    this->key(key);
    out_.append("null");
    return *this;
  }
  Object& time(std::string_view key, UtcMicros t) {
    this->key(key);
    append_unix_seconds(out_, t);
    return *this;
  }
  // `json` must be valid JSON.
  Object& raw(std::string_view key, std::string_view json) {
    this->key(key);
    out_.append(json);
    return *this;
  }
  // Closes the object and hands out the text; the builder is empty afterwards.
  std::string done() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void key(std::string_view k) {
    if (out_.size() > 1) out_.push_back(',');
    out_.push_back('"');
    out_.append(k);
    out_.append("\":");
  }
  std::string out_;
};

}  // namespace quflx::json_out
