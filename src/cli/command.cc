#include "cli/command.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace surgeon::cli {

int ReportError(const Status& status) {
  std::fprintf(stderr, "surgeon: error: %s\n", status.message().c_str());
  return IsBadRequest(status.code()) ? kExitUsage : kExitFailure;
}

// stdout is flushed first so that, when both streams go to one pipe, a
// message never lands in the middle of a table.
void Warn(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "surgeon: warning: %s\n", message.c_str());
}

void Note(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "surgeon: %s\n", message.c_str());
}

size_t TerminalWidth() {
  if (const char* columns = std::getenv("COLUMNS")) {
    char* end = nullptr;
    long n = std::strtol(columns, &end, 10);
    if (end != columns && *end == '\0' && n > 0) return static_cast<size_t>(n);
  }
  struct winsize ws {};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

void AddCopyPathOption(CLI::App* cmd, CopyOptions* copy) {
  cmd->add_option_function<std::string>(
         "--copy-path",
         [copy](const std::string& v) {
           copy->runs = v != "per-tensor";
           copy->path = v == "write" ? CopyPath::kUserSpace : CopyPath::kKernel;
         },
         "how copied tensors move: kernel (the default with 2+ CPUs: runs of tensors with copy_file_range, "
         "verified on a second thread), write (the same through user space), per-tensor (the default with one "
         "CPU: one pass per tensor, CRC then write)")
      ->check(CLI::IsMember({"kernel", "write", "per-tensor"}));
}

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
