// StagedOutput: a set of output files that appears all-or-nothing.
#ifndef SURGEON_BASE_STAGED_OUTPUT_H_
#define SURGEON_BASE_STAGED_OUTPUT_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/shared_file.h"
#include "surgeon/base/status.h"
#include "surgeon/base/writable_file.h"

namespace surgeon {

// A group of output files written under temporary names in their final
// directories and renamed into place, in the order they were added, only by
// Commit(). If the StagedOutput is destroyed without Commit() (an error, an
// exception), every temporary file is removed. A SIGKILL can leave temporary
// files (named "<final>.tempstate<random>", TF's convention), never a final
// name holding partial content.
//
// Each output directory is locked (flock, exclusive, non-blocking) from the
// first Add() into it until the StagedOutput is destroyed, so two processes
// never stage into one directory at once: the second fails at its first
// Add(), before writing anything. The kernel drops the lock when a process
// dies, so a killed run never blocks the next one.
class StagedOutput {
 public:
  StagedOutput() = default;
  ~StagedOutput();
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  // Creates "<final_path>.tempstate<random>" (creating parent directories and
  // locking the directory; FailedPrecondition naming it when another process
  // holds it) and returns a writer for it. The returned pointer is owned by this object and
  // lives until Commit() or destruction.
  Result<WritableFile*> Add(const std::string& final_path);

  // Stages "<final_path>.tempstate<random>" as a file sharing `source`'s
  // bytes (ShareFile: reflink, else hard link); it is renamed into place
  // with the others, or removed (the name only: `source` stays) on failure.
  // FailedPrecondition, with nothing staged, when it cannot be shared.
  Result<ShareKind> AddShared(const std::string& final_path, const std::string& source);

  // Files to remove just before the first rename (e.g. the old `.index` of a
  // checkpoint being replaced with --force, so that a crash mid-commit leaves
  // "no checkpoint" rather than an old index over new data).
  void RemoveBeforeCommit(const std::string& path) { remove_first_.push_back(path); }

  // Closes all writers (fsync each first when `sync`), then renames in order.
  Status Commit(bool sync = false);

  std::vector<std::string> final_paths() const;

  // The final name that a temporary file named `name` was staged for
  // ("a/m.index" for "a/m.index.tempstate123"), or "" when `name` is not
  // one. Lets a later run recognize what an interrupted one left behind.
  static std::string FinalNameOfTemp(std::string_view name);

 private:
  struct Item {
    std::string final_path;
    std::string temp_path;
    std::unique_ptr<WritableFile> file;  // null for a shared file (AddShared)
  };
  Status LockDirectory(const std::string& dir);
  // Locks `final_path`'s directory (creating it) and returns a fresh
  // temporary name there.
  Result<std::string> TempNameFor(const std::string& final_path);

  std::vector<Item> items_;
  std::vector<std::string> remove_first_;
  std::map<std::string, int> locks_;  // directory -> fd holding its flock
  bool committed_ = false;
};

}  // namespace surgeon

#endif  // SURGEON_BASE_STAGED_OUTPUT_H_
