#include "protocol/json_cursor.h"

#include <charconv>
#include <system_error>

namespace quflx {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

void JsonCursor::skip_ws() {
  while (pos_ < s_.size()) {
    const char c = s_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    ++pos_;
  }
}

char JsonCursor::peek() {
  skip_ws();
  return pos_ < s_.size() ? s_[pos_] : '\0';
}

bool JsonCursor::consume(char c) {
  skip_ws();
  if (pos_ < s_.size() && s_[pos_] == c) {
    ++pos_;
    return true;
  }
  return false;
}

bool JsonCursor::at_end() {
  skip_ws();
  return pos_ == s_.size();
}

bool JsonCursor::string(std::string_view& out, std::string& scratch) {
  if (!consume('"')) return false;
  const std::size_t start = pos_;
  // Fast path: no escapes.
  while (pos_ < s_.size()) {
    const char c = s_[pos_];
    if (c == '"') {
      out = s_.substr(start, pos_ - start);
      ++pos_;
      return true;
    }
    if (c == '\\') break;
    if (static_cast<unsigned char>(c) < 0x20) return false;
    ++pos_;
  }
  if (pos_ >= s_.size()) return false;
  scratch.assign(s_.data() + start, pos_ - start);
  while (pos_ < s_.size()) {
    const char c = s_[pos_++];
    if (c == '"') {
      out = scratch;
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      scratch.push_back(c);
      continue;
    }
    if (pos_ >= s_.size()) return false;
    const char e = s_[pos_++];
    switch (e) {
      case '"': scratch.push_back('"'); break;
      case '\\': scratch.push_back('\\'); break;
      case '/': scratch.push_back('/'); break;
      case 'b': scratch.push_back('\b'); break;
      case 'f': scratch.push_back('\f'); break;
      case 'n': scratch.push_back('\n'); break;
      case 'r': scratch.push_back('\r'); break;
      case 't': scratch.push_back('\t'); break;
      case 'u': {
        auto hex4 = [&](std::uint32_t& v) {
          if (pos_ + 4 > s_.size()) return false;
          v = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = hex_value(s_[pos_++]);
            if (h < 0) return false;
            v = v * 16 + static_cast<std::uint32_t>(h);
          }
          return true;
        };
        std::uint32_t cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00) {  // high surrogate: a low one must follow
          std::uint32_t lo = 0;
          if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return false;
          pos_ += 2;
          if (!hex4(lo) || lo < 0xDC00 || lo >= 0xE000) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return false;
        }
        append_utf8(scratch, cp);
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

bool JsonCursor::number_text(std::string_view& out) {
  skip_ws();
  const std::size_t start = pos_;
  auto digits = [&] {
    const std::size_t from = pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    return pos_ > from;
  };
  if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
  if (pos_ < s_.size() && s_[pos_] == '0') {
    ++pos_;
  } else if (!digits()) {
    pos_ = start;
    return false;
  }
  if (pos_ < s_.size() && s_[pos_] == '.') {
    ++pos_;
    if (!digits()) {
      pos_ = start;
      return false;
    }
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (!digits()) {
      pos_ = start;
      return false;
    }
  }
  out = s_.substr(start, pos_ - start);
  return true;
}

bool JsonCursor::number(double& out) {
  std::string_view text;
  if (!number_text(text)) return false;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && p == text.data() + text.size();
}

bool JsonCursor::skip_value(std::string_view* raw) {
  skip_ws();
  const std::size_t start = pos_;
  if (!skip_value_at(0)) return false;
  if (raw) *raw = s_.substr(start, pos_ - start);
  return true;
}

bool JsonCursor::skip_value_at(int depth) {
  if (depth >= kMaxDepth) return false;
  const char c = peek();
  switch (c) {
    case '{': {
      ++pos_;
      if (consume('}')) return true;
      std::string scratch;
      for (;;) {
        std::string_view key;
        if (!string(key, scratch) || !consume(':') || !skip_value_at(depth + 1)) return false;
        if (consume(',')) continue;
        return consume('}');
      }
    }
    case '[':
      return array([&] { return skip_value_at(depth + 1); });
    case '"': {
      std::string_view v;
      std::string scratch;
      return string(v, scratch);
    }
    case 't':
      if (s_.substr(pos_, 4) != "true") return false;
      pos_ += 4;
      return true;
    case 'f':
      if (s_.substr(pos_, 5) != "false") return false;
      pos_ += 5;
      return true;
    case 'n':
      if (s_.substr(pos_, 4) != "null") return false;
      pos_ += 4;
      return true;
    default: {
      std::string_view n;
      return number_text(n);
    }
  }
}

}  // namespace quflx
