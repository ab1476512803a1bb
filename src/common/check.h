#pragma once
// QUFLX_CHECK: a broken invariant is a bug; stop with a message instead of running on with
// corrupt state. Always on, also in release builds; never use it for bad input.

#include <cstdio>
#include <cstdlib>

#define QUFLX_CHECK(cond, msg)                                                          \
  do {                                                                                  \
    if (!(cond)) [[unlikely]] {                                                         \
      std::fprintf(stderr, "%s:%d: invariant failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   msg);                                                                \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
