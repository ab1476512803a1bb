#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quflx::redis {

// A Redis reply as plain values (converted from hiredis's parse tree at the adapter).
struct Reply {
  enum class Type : unsigned char { kNil, kString, kStatus, kError, kInteger, kArray };
  Type type = Type::kNil;
  std::string str;             // kString, kStatus, kError
  long long integer = 0;       // kInteger
  std::vector<Reply> elements; // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
  bool is_string() const { return type == Type::kString || type == Type::kStatus; }

  static Reply error(std::string message) {
    Reply r;
    r.type = Type::kError;
    r.str = std::move(message);
    return r;
  }
};

}  // namespace quflx::redis
