#pragma once
// Driving an io_context from a test: run handlers until a condition holds or time runs out.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>

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

// Runs `task` on `ioc` to completion and returns its value; throws if it takes longer than
// `timeout`.
template <class T>
T run_task(boost::asio::io_context& ioc, boost::asio::awaitable<T> task,
           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(task)); },
      [&](std::exception_ptr e) {
        error = e;
        done = true;
      });
  if (!run_until(ioc, [&] { return done; }, timeout)) {
    throw std::runtime_error("task did not finish in time");
  }
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

}  // namespace quflx::testing
