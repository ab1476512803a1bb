#pragma once
// What an UpgradeHandler receives: the connection, the upgrade request and any bytes already
// read past it. Includes Beast; only protocol modules that take over connections include it.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace quflx::net {

struct UpgradeRequest {
  boost::beast::tcp_stream stream;
  boost::beast::http::request<boost::beast::http::string_body> request;
  boost::beast::flat_buffer buffer;
  std::string remote_address;
};

}  // namespace quflx::net
