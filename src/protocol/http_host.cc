#include "protocol/http_host.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "common/text.h"

namespace quflx::http_host {

namespace {

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  return ec == std::errc() && end == p.data() + p.size() && v <= 65535;
}

// RFC 3986 reg-name characters we accept in a host name (no percent-encoding: browsers send
// IDNs as punycode).
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

std::optional<std::string> host_of(std::string_view header) {
  if (header.empty() || header.size() > 255 + 6) return std::nullopt;
  std::string_view host = header;
  if (header.front() == '[') {
    const auto close = header.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = header.substr(0, close + 1);
    const auto rest = header.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
    const std::string inner(host.substr(1, host.size() - 2));
    in6_addr a6{};
    if (inet_pton(AF_INET6, inner.c_str(), &a6) != 1) return std::nullopt;
    return text::to_lower_ascii(host);
  }
  if (const auto colon = header.rfind(':'); colon != std::string_view::npos) {
    if (!valid_port(header.substr(colon + 1))) return std::nullopt;
    host = header.substr(0, colon);
  }
  if (host.empty() || !std::all_of(host.begin(), host.end(), name_char)) return std::nullopt;
  if (host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  return text::to_lower_ascii(host);
}

bool is_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string inner(host.substr(1, host.size() - 2));
    in6_addr a6{};
    return inet_pton(AF_INET6, inner.c_str(), &a6) == 1;
  }
  const std::string s(host);
  in_addr a4{};
  return inet_pton(AF_INET, s.c_str(), &a4) == 1;
}

bool allowed(const AllowList& list, std::optional<std::string_view> header) {
  if (!header) return true;
  const auto host = host_of(*header);
  if (!host) return false;
  if (is_ip_literal(*host)) return true;
  if (*host == "localhost" || host->ends_with(".localhost")) return true;
  return std::any_of(list.names.begin(), list.names.end(),
                     [&](const std::string& n) { return n == "*" || n == *host; });
}

}  // namespace quflx::http_host
