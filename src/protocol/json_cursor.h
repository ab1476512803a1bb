#pragma once
// JsonCursor: a forward-only reader over JSON text for the hot feed formats (tick arrays),
// where building a DOM per frame would cost more than the rest of the tick path. It checks
// the grammar of what it reads, never allocates for strings without escapes (views into the
// input), and fails on anything malformed rather than guessing. Rarer payloads (history,
// chart settings, DevTools messages) use Boost.JSON instead.
//
// Not thread-safe; cheap to create per frame.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quflx {

class JsonCursor {
 public:
  // Nesting deeper than this is refused (bounded recursion in skip_value).
  static constexpr int kMaxDepth = 64;

  explicit JsonCursor(std::string_view text) : s_(text) {}

  // Next significant character without consuming it; '\0' at the end.
  char peek();
  // Consumes `c` (after whitespace) if it is next.
  bool consume(char c);
  // True when only whitespace is left.
  bool at_end();

  // A string value. Without escapes `out` views the input; with escapes it is decoded into
  // `scratch` (which must outlive the use of `out`).
  bool string(std::string_view& out, std::string& scratch);
  // The text of a number value, checked against the JSON grammar.
  bool number_text(std::string_view& out);
  bool number(double& out);
  // Any one value, whatever its type, up to kMaxDepth deep. `raw` (if given) receives its
  // text.
  bool skip_value(std::string_view* raw = nullptr);

  // Reads `[` ... `]`, calling `element()` for each element; element() must consume exactly
  // one value and return false on failure. Returns false on malformed input or when an
  // element fails.
  template <class F>
  bool array(F&& element) {
    if (!consume('[')) return false;
    if (consume(']')) return true;
    for (;;) {
      if (!element()) return false;
      if (consume(',')) continue;
      return consume(']');
    }
  }

  std::size_t position() const { return pos_; }
  // Moves back to an earlier position() (to skip an element that failed to decode).
  void seek(std::size_t position) { pos_ = position; }

 private:
  void skip_ws();
  bool skip_value_at(int depth);

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace quflx
