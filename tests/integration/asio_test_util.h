#pragma once
// Driving an io_context from a test: run handlers until a condition holds or time runs out.

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace quflx::testing {

template <class Pred>
bool run_until(boost::asio::io_context& ioc, Pred pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace quflx::testing
