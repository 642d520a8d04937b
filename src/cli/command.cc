#include "cli/command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace surgeon::cli {

int ReportError(const Status& status) {
  std::fprintf(stderr, "surgeon: error: %s\n", status.message().c_str());
  return IsBadRequest(status.code()) ? kExitUsage : kExitFailure;
}

void Warn(const std::string& message) { std::fprintf(stderr, "surgeon: warning: %s\n", message.c_str()); }

ProgressFn TerminalProgress(const std::string& label) {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  auto start = std::chrono::steady_clock::now();
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(start);
  return [label, start, last](const Progress& p) {
    auto now = std::chrono::steady_clock::now();
    bool done = p.tensors_done == p.tensors_total;
    if (!done && now - *last < std::chrono::milliseconds(100)) return;
    *last = now;
    double secs = std::chrono::duration<double>(now - start).count();
    double rate = secs > 0 ? p.bytes_done / secs : 0;
    std::fprintf(stderr, "\r%s: %zu/%zu tensors, %s/%s, %s/s   ", label.c_str(), p.tensors_done, p.tensors_total,
                 HumanBytes(p.bytes_done).c_str(), HumanBytes(p.bytes_total).c_str(),
                 HumanBytes(static_cast<uint64_t>(rate)).c_str());
    if (done) std::fputc('\n', stderr);
  };
}

}  // namespace surgeon::cli
