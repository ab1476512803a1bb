#pragma once
// Every error code a client, an operator or a log line can see, in one table. The string form
// is part of the public contract (Socket.IO `error {code, message}`, HTTP error bodies, metric
// labels); docs/contract.md lists the same table with the situations that produce each code.

#include <string_view>

namespace quflx {

#define QUFLX_ERROR_CODES(X)                                                        \
  X(kInvalidAsset, "invalid_asset")             /* asset name fails the pattern */  \
  X(kInvalidTimeframe, "invalid_timeframe")     /* not one of 1s..1d */             \
  X(kInvalidPrice, "invalid_price")             /* not finite or not > 0 */         \
  X(kInvalidTimestamp, "invalid_timestamp")     /* not a plausible Unix time */     \
  X(kFutureTimestamp, "future_timestamp")       /* too far ahead of the clock */    \
  X(kDuplicate, "duplicate")                    /* repeat of an accepted tick */    \
  X(kBadPayload, "bad_payload")                 /* wrong shape or types */          \
  X(kBadParams, "bad_params")                   /* indicator parameters rejected */ \
  X(kBadJson, "bad_json")                       /* not parseable JSON */            \
  X(kInvalidUtf8, "invalid_utf8")               /* text that is not UTF-8 */        \
  X(kPayloadTooLarge, "payload_too_large")      /* over the size limit */           \
  X(kUnknownEvent, "unknown_event")             /* event name not in the API */     \
  X(kNotAuthorised, "not_authorised")           /* write event without a token */   \
  X(kRateLimited, "rate_limited")               /* per-connection limit hit */      \
  X(kUnavailable, "unavailable")                /* a dependency is down */          \
  X(kNotFound, "not_found")                     /* file, key or route absent */     \
  X(kInvalidConfig, "invalid_config")           /* configuration rejected */        \
  X(kProtocol, "protocol_error")                /* peer broke the wire protocol */  \
  X(kTimeout, "timeout")                        /* deadline passed */               \
  X(kInternal, "internal")                      /* a bug: reported, never expected */

enum class ErrorCode {
#define QUFLX_X(name, str) name,
  QUFLX_ERROR_CODES(QUFLX_X)
#undef QUFLX_X
};

constexpr std::string_view to_string(ErrorCode code) {
  switch (code) {
#define QUFLX_X(name, str) \
  case ErrorCode::name:    \
    return str;
    QUFLX_ERROR_CODES(QUFLX_X)
#undef QUFLX_X
  }
  return "internal";
}

}  // namespace quflx
