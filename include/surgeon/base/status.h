// Status and Result<T>: surgeon's error vocabulary.
//
// Every fallible function returns a Status (no value) or a Result<T> (a value
// or the error). Codes follow abseil's canonical set; pick the most specific:
//   kInvalidArgument     the user's input is wrong regardless of system state
//                        (bad config, bad shape, unknown flag)
//   kNotFound            a named file, tensor or key does not exist
//   kAlreadyExists       refusing to overwrite something that exists
//   kFailedPrecondition  the request is fine but the system state is not
//                        (e.g. target equals the source)
//   kOutOfRange          an offset or size points outside its container
//   kUnimplemented       valid input we deliberately do not support (DT_VARIANT)
//   kDataLoss            bytes are corrupt: CRC mismatch, truncation, bad magic
//   kIoError             the OS refused (open/read/write/rename failed)
//   kInternal            a bug in surgeon; never caused by input
//
// Messages are written for the user: name the file, tensor or config line
// first, then what is wrong, then (where possible) how to fix it. Context is
// added as errors travel up with Status::WithContext("file.index").
#ifndef SURGEON_BASE_STATUS_H_
#define SURGEON_BASE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace surgeon {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kOutOfRange,
  kUnimplemented,
  kDataLoss,
  kIoError,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// The two classes of failure every front end reports (the CLI's exit codes,
// the Python package's exception classes): true when the request itself was
// wrong (usage, config, a refused or busy target: exit 2), false when the
// operation failed (corrupt data, I/O, unsupported input: exit 1).
bool IsBadRequest(StatusCode code);

class [[nodiscard]] Status {
 public:
  // The default Status is OK. Success costs one null pointer, as in leveldb.
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The message without the code name; empty for OK.
  const std::string& message() const;
  // "DATA_LOSS: model.ckpt.index: block checksum mismatch" style.
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  bool operator==(const Status& o) const { return code() == o.code() && message() == o.message(); }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

// A value of type T, or a non-OK Status explaining why there is none.
// Like absl::StatusOr: constructing from an OK Status is a programming error
// (it becomes kInternal), and there is no default constructor, so `return {};`
// cannot silently mean success.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(value) {}            // NOLINT: implicit by design
  Result(T&& value) : v_(std::move(value)) {}      // NOLINT
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result constructed from OK status");
  }
  template <typename U,
            typename = std::enable_if_t<std::is_convertible_v<U&&, T> && !std::is_same_v<std::decay_t<U>, Status> &&
                                        !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace surgeon

#define SURGEON_CONCAT_INNER_(a, b) a##b
#define SURGEON_CONCAT_(a, b) SURGEON_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define SURGEON_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::surgeon::Status surgeon_status_ = (expr);        \
    if (!surgeon_status_.ok()) return surgeon_status_; \
  } while (0)

// `SURGEON_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or
// returns its error.
#define SURGEON_ASSIGN_OR_RETURN(lhs, expr) \
  SURGEON_ASSIGN_OR_RETURN_IMPL_(SURGEON_CONCAT_(surgeon_result_, __LINE__), lhs, expr)
#define SURGEON_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // SURGEON_BASE_STATUS_H_
