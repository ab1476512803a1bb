#pragma once
// HTTP requests and responses as plain values, so handlers never see Beast.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error_codes.h"

namespace quflx::net {

struct HttpRequest {
  std::string method;  // upper case: GET, POST, ...
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded, without the query
  std::string query;   // raw, without '?'
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view lower_name) const;
  // First value of a query parameter, percent-decoded ('+' as space); empty if absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  // {"error":{"code":"...","message":"..."}}
  static HttpResponse error(int status, ErrorCode code, std::string_view message);
};

// Percent-decodes `s`; '+' becomes a space when `plus_is_space`. Invalid escapes are kept
// as they are.
std::string percent_decode(std::string_view s, bool plus_is_space);

}  // namespace quflx::net
