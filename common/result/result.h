#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace agentguard {

// The small, closed set of failure kinds every module reports. Adapters at the edge of a third-party
// library translate exceptions and HTTP statuses into one of these; nothing else crosses a module boundary.
enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong (malformed manifest, bad policy, 400/422)
  kNotFound,         // 404
  kAlreadyExists,    // 409 on create
  kConflict,         // 409 on update: stale resourceVersion
  kGone,             // 410: the resourceVersion is too old, re-list
  kForbidden,        // 401/403
  kUnavailable,      // retryable: 429, 5xx, connection refused, timeouts
  kInternal,         // a bug or an unexpected state
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Field-level causes, e.g. the API server's status.details.causes or each problem in a policy file.
  std::vector<std::string> causes;
  // Set when the peer asked for a delay before the next attempt (HTTP Retry-After).
  std::optional<std::chrono::milliseconds> retryAfter;

  bool retryable() const { return code == ErrorCode::kUnavailable || code == ErrorCode::kConflict; }
  // "InvalidArgument: message (cause1; cause2)"
  std::string describe() const;
};

inline Error makeError(ErrorCode code, std::string message) { return Error{code, std::move(message), {}, {}}; }

// A value or an Error, in the spirit of absl::StatusOr / std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor): implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const& { return std::get<Error>(state_); }
  Error&& error() && { return std::get<Error>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Status okStatus() { return Status(); }

}  // namespace agentguard
