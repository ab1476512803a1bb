#pragma once
// The HTTP Host header against an allow-list: protection from DNS rebinding (SPEC §11). A page
// on a name the attacker controls can re-point that name at 127.0.0.1 and then talk to a local
// server as "same origin"; its requests still carry the attacker's name in Host. So a request
// is served only if its Host is an IP literal (a rebinding needs a name), `localhost` (or a
// `*.localhost` name, which resolves to loopback by definition), or a name the operator allowed.
// Pure functions; the HTTP server applies them to every request and upgrade.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quflx::http_host {

struct AllowList {
  std::vector<std::string> names;  // lower case, no trailing dot; "*" allows any Host
};

// The host part of a Host header value: "Name.Example:3001" -> "name.example",
// "[::1]:3001" -> "[::1]", "127.0.0.1" -> "127.0.0.1"; a trailing dot is dropped. nullopt if the
// value is not a syntactically valid host[:port] (empty, bad port, spaces, control bytes, an
// unclosed bracket).
std::optional<std::string> host_of(std::string_view header);

// True if `host` (the output of host_of) is an IPv4 or bracketed IPv6 literal.
bool is_ip_literal(std::string_view host);

// Whether a request with this Host header may be served. A missing header (HTTP/1.0, programs)
// is allowed: browsers always send one.
bool allowed(const AllowList& list, std::optional<std::string_view> header);

}  // namespace quflx::http_host
