//===- StatusMacros.h - early return on absl errors -------------*- C++ -*-===//

#ifndef INFERNO_COMPILER_FRONTEND_STATUSMACROS_H
#define INFERNO_COMPILER_FRONTEND_STATUSMACROS_H

/// `lhs = *expr`, or return expr's error status from the enclosing function.
#define INFERNO_ASSIGN_OR_RETURN(lhs, expr)                                                    \
  do {                                                                                         \
    auto _inferno_result = (expr);                                                             \
    if (!_inferno_result.ok())                                                                 \
      return _inferno_result.status();                                                         \
    lhs = std::move(*_inferno_result);                                                         \
  } while (0)

/// Return `expr` from the enclosing function if it is an error status.
#define INFERNO_RETURN_IF_ERROR(expr)                                                          \
  do {                                                                                         \
    if (absl::Status _inferno_status = (expr); !_inferno_status.ok())                          \
      return _inferno_status;                                                                  \
  } while (0)

#endif // INFERNO_COMPILER_FRONTEND_STATUSMACROS_H
