#include "surgeon/base/staged_output.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "base/posix_error.h"
#include "surgeon/base/path.h"

namespace surgeon {

StagedOutput::~StagedOutput() {
  if (!committed_) {
    for (auto& item : items_) {
      item.file.reset();
      ::unlink(item.temp_path.c_str());
    }
  }
  for (const auto& [dir, fd] : locks_) ::close(fd);  // releases the flock
}

Status StagedOutput::LockDirectory(const std::string& dir) {
  // One lock per directory however it is spelled: a second flock from this
  // process on another descriptor would conflict with the first.
  const std::string key = CanonicalPath(dir);
  if (locks_.count(key)) return Status::OK();
  // The lock is a courtesy between surgeon processes, not what makes the
  // output safe (temporaries + rename do that): where a directory cannot be
  // opened for reading or its filesystem has no flock, write unlocked.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::OK();
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition(dir +
                                        ": another process is writing a checkpoint into this directory; "
                                        "run again when it has finished, or write elsewhere");
    }
    return Status::OK();
  }
  locks_.emplace(key, fd);
  return Status::OK();
}

namespace {
constexpr std::string_view kTempMarker = ".tempstate";

Status SyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open to fsync", path, errno);
  const int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err == 0 ? Status::OK() : ErrnoStatus("cannot fsync", path, err);
}
}  // namespace

std::string StagedOutput::FinalNameOfTemp(std::string_view name) {
  const size_t pos = name.rfind(kTempMarker);
  if (pos == std::string_view::npos || pos == 0) return "";
  const std::string_view digits = name.substr(pos + kTempMarker.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) return "";
  return std::string(name.substr(0, pos));
}

Result<std::string> StagedOutput::TempNameFor(const std::string& final_path) {
  SURGEON_RETURN_IF_ERROR(CreateDirectories(Dirname(final_path)));
  SURGEON_RETURN_IF_ERROR(LockDirectory(Dirname(final_path)));
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return final_path + std::string(kTempMarker) + std::to_string(rng());
}

Result<WritableFile*> StagedOutput::Add(const std::string& final_path) {
  SURGEON_ASSIGN_OR_RETURN(std::string temp, TempNameFor(final_path));
  SURGEON_ASSIGN_OR_RETURN(auto file, WritableFile::Create(temp));
  WritableFile* raw = file.get();
  items_.push_back(Item{final_path, temp, std::move(file)});
  return raw;
}

Result<ShareKind> StagedOutput::AddShared(const std::string& final_path, const std::string& source) {
  SURGEON_ASSIGN_OR_RETURN(std::string temp, TempNameFor(final_path));
  auto kind = ShareFile(source, temp);
  if (!kind.ok()) {
    // Name the file the user asked for, not its temporary.
    const std::string& m = kind.status().message();
    return Status(kind.status().code(), m.rfind(temp, 0) == 0 ? final_path + m.substr(temp.size()) : m);
  }
  items_.push_back(Item{final_path, temp, nullptr});
  return *kind;
}

Status StagedOutput::Commit(bool sync) {
  for (auto& item : items_) {
    if (item.file == nullptr) {
      // A shared file: a reflink's extent map is its own metadata to sync;
      // a hard link's is the source's, and the directory sync below makes
      // its new name durable.
      if (sync) SURGEON_RETURN_IF_ERROR(SyncPath(item.temp_path));
      continue;
    }
    // A writer may close a finished file early (BundleWriter, between data
    // files); its bytes are synced through its name then.
    if (sync) SURGEON_RETURN_IF_ERROR(item.file->is_open() ? item.file->Sync() : SyncPath(item.temp_path));
    SURGEON_RETURN_IF_ERROR(item.file->Close());
  }
  for (const auto& path : remove_first_) {
    // Never one of this output's own temporaries (they are renamed below).
    if (std::any_of(items_.begin(), items_.end(), [&](const Item& i) { return i.temp_path == path; })) continue;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("cannot remove", path, errno);
  }
  for (auto& item : items_) {
    if (::rename(item.temp_path.c_str(), item.final_path.c_str()) != 0) {
      return ErrnoStatus("cannot rename temporary file into place", item.final_path, errno);
    }
    // rename() between two names of one inode does nothing: a shared file
    // whose final name already is the same file leaves its temporary name.
    if (item.file == nullptr) ::unlink(item.temp_path.c_str());
  }
  if (sync && !items_.empty()) {
    int dfd = ::open(Dirname(items_.back().final_path).c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  committed_ = true;
  return Status::OK();
}

std::vector<std::string> StagedOutput::final_paths() const {
  std::vector<std::string> out;
  for (const auto& item : items_) out.push_back(item.final_path);
  return out;
}

}  // namespace surgeon
