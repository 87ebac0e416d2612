//===- Expected.h - the runtime's error values ------------------*- C++ -*-===//
//
// The runtime links into artifacts without abseil or LLVM, so it carries its own small
// equivalent of absl::StatusOr: a value or one human-readable message naming the file and the
// problem. Callers print the message once and exit non-zero; nothing throws across the API.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_SUPPORT_EXPECTED_H
#define INFERNO_RUNTIME_SUPPORT_EXPECTED_H

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace inferno::rt {

/// A failure: one line saying what went wrong and where.
struct Error {
  std::string message;
};

inline Error makeError(std::string message) { return Error{std::move(message)}; }

/// Either a T or an Error.
template <typename T>
class [[nodiscard]] Expected {
public:
  Expected(T value) : state_(std::move(value)) {}
  Expected(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T &value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T &&value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T &value() const & {
    assert(ok());
    return std::get<T>(state_);
  }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }

  const Error &error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

private:
  std::variant<T, Error> state_;
};

/// Success or an Error, for operations without a result.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return error_; }

private:
  std::string error_;
  bool failed_ = false;
};

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_SUPPORT_EXPECTED_H
