#pragma once
// Byte-level text utilities for wire formats: UTF-8 validation (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), base64 (RFC 4648, standard alphabet, padded) and ASCII
// case folding (header names, origins, CSV headers).

#include <string>
#include <string_view>

namespace quflx::text {

bool is_valid_utf8(std::string_view s);

// `s` with A-Z lowered; every other byte as it is.
std::string to_lower_ascii(std::string_view s);

void base64_encode(std::string_view in, std::string& out);
// Appends the decoded bytes to `out`. False (and `out` unspecified) if `in` is not padded
// base64 of the standard alphabet.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace quflx::text
