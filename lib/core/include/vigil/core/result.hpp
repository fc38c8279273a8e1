// Errors are values: every fallible call returns Result<T>, which the caller must inspect.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class ErrorCode {
  kInvalidArgument,  // the caller asked for something impossible
  kNotFound,         // a file, segment, entry or record does not exist
  kIo,               // the operating system refused a read or write
  kCorrupt,          // evidence bytes violate their format
  kUnsupported,      // a format or feature we do not handle
  kLimit,            // a configured cap (pixels, depth, size) was reached
  kMismatch,         // a verification failed
  kBusy,             // a resource is locked by another process
  kInternal,         // a bug in vigil
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string provenance;  // stable string form of the item's provenance, empty if none

  // "corrupt: <message> [at <provenance>]"
  [[nodiscard]] std::string describe() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  [[nodiscard]] const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void> carries only success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  [[nodiscard]] bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  [[nodiscard]] const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string message, std::string provenance = {}) {
  return Error{code, std::move(message), std::move(provenance)};
}

}  // namespace vigil
