#include "surgeon/exec/output.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/checkpoint_state.h"
#include "surgeon/format/v1_reader.h"

namespace surgeon {
namespace {
namespace fs = std::filesystem;

// True when the `checkpoint` state file at `state_path` names `prefix` as
// its latest checkpoint (relative to its directory, or absolute). An
// unreadable state file names nothing.
bool StateNames(const std::string& state_path, const std::string& prefix) {
  if (!FileExists(state_path)) return false;
  auto text = ReadFileToString(state_path);
  if (!text.ok()) return false;
  auto state = ParseCheckpointState(*text, state_path);
  if (!state.ok() || state->model_checkpoint_path.empty()) return false;
  std::string named = state->model_checkpoint_path;
  if (named[0] != '/') named = JoinPath(Dirname(state_path), named);
  return CanonicalPath(IndexFilename(named)) == CanonicalPath(IndexFilename(prefix));
}

bool AllDigits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

// True when `name` (a file name, no directory) is one that a run writing the
// checkpoint `base` (the prefix's base name) produces: its index, a data
// shard, its meta graph, its frozen list, or the directory's state file.
bool IsTargetFileName(std::string_view name, const std::string& base) {
  if (name == "checkpoint") return true;
  if (name.substr(0, base.size()) != base) return false;
  std::string_view rest = name.substr(base.size());
  if (rest == ".index" || rest == ".meta" || rest == ".frozen.txt") return true;
  // ".data-<shard>-of-<num_shards>"
  constexpr std::string_view kData = ".data-", kOf = "-of-";
  if (rest.substr(0, kData.size()) != kData) return false;
  rest.remove_prefix(kData.size());
  const size_t of = rest.find(kOf);
  return of != std::string_view::npos && AllDigits(rest.substr(0, of)) && AllDigits(rest.substr(of + kOf.size()));
}

// Temporary files that an interrupted (killed) run writing `prefix` left in
// its directory. They hold no checkpoint anyone reads; the next run to
// commit there removes them.
std::vector<std::string> StaleTempFiles(const std::string& prefix) {
  std::vector<std::string> out;
  const std::string base = Basename(prefix);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(Dirname(prefix), ec)) {
    const std::string name = e.path().filename().string();
    const std::string final_name = StagedOutput::FinalNameOfTemp(name);
    if (!final_name.empty() && IsTargetFileName(final_name, base)) out.push_back(JoinPath(Dirname(prefix), name));
  }
  return out;
}

}  // namespace

std::vector<std::string> ExistingCheckpointFiles(const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& f : {IndexFilename(prefix), MetaGraphFilename(prefix), prefix, prefix + ".frozen.txt"}) {
    if (FileExists(f)) out.push_back(f);
  }
  std::error_code ec;
  const std::string base = Basename(prefix) + ".data-";
  for (const auto& e : fs::directory_iterator(Dirname(prefix), ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(base, 0) == 0 && name.find(".tempstate") == std::string::npos)
      out.push_back(JoinPath(Dirname(prefix), name));
  }
  return out;
}

std::vector<std::string> SourceFiles(const CheckpointLocation& loc) {
  std::vector<std::string> out = ExistingCheckpointFiles(loc.prefix);
  // A sharded V1 prefix is a pattern no file is named: list its shards so no
  // target can overwrite one. (For a single V1 file this is the file again.)
  if (loc.format == CheckpointFormat::kV1) {
    if (auto files = V1CheckpointFiles(loc.prefix); files.ok()) {
      for (auto& f : *files) {
        if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
      }
    }
  }
  if (!loc.meta_graph.empty()) out.push_back(loc.meta_graph);
  std::string state = JoinPath(Dirname(loc.prefix), "checkpoint");
  if (FileExists(state)) out.push_back(state);
  return out;
}

Status PrepareTarget(const std::vector<std::string>& source_files, const std::string& target_prefix,
                     const OutputOptions& options, StagedOutput* out) {
  if (std::string problem = TargetPrefixProblem(target_prefix); !problem.empty()) {
    return Status::InvalidArgument(problem);
  }
  if (IsDirectory(target_prefix)) {
    return Status::InvalidArgument(target_prefix + ": target is a directory; give a checkpoint prefix such as " +
                                   JoinPath(target_prefix, "model.ckpt-0"));
  }
  std::set<std::string> sources;
  for (const auto& f : source_files) sources.insert(CanonicalPath(f));
  const std::vector<std::string> targets = {IndexFilename(target_prefix), DataFilename(target_prefix, 0, 1),
                                            MetaGraphFilename(target_prefix), target_prefix,
                                            JoinPath(Dirname(target_prefix), "checkpoint")};
  for (const auto& t : targets) {
    if (sources.count(CanonicalPath(t))) {
      return Status::FailedPrecondition(target_prefix + ": target would overwrite the source's file " + t +
                                        "; write to another directory (the source is never modified)");
    }
  }
  auto existing = ExistingCheckpointFiles(target_prefix);
  if (!existing.empty()) {
    if (!options.force) {
      return Status::AlreadyExists(target_prefix + ": a checkpoint already exists there (" + existing.front() +
                                   "); pass --force to replace it");
    }
    // A `checkpoint` state file naming this target goes first, then the
    // index: from then on the directory reads as "no checkpoint" and nothing
    // points at the half-replaced one (a kill between the two removals
    // leaves the old index in place, still consistent). The new state file
    // is written last, at commit.
    const std::string state_path = JoinPath(Dirname(target_prefix), "checkpoint");
    if (StateNames(state_path, target_prefix)) out->RemoveBeforeCommit(state_path);
    out->RemoveBeforeCommit(IndexFilename(target_prefix));
    for (const auto& f : existing) {
      if (f != IndexFilename(target_prefix)) out->RemoveBeforeCommit(f);
    }
  }
  for (const auto& f : StaleTempFiles(target_prefix)) out->RemoveBeforeCommit(f);
  return Status::OK();
}

Status PrepareFileTarget(const std::vector<std::string>& source_files, const std::string& path,
                         const OutputOptions& options, StagedOutput* out) {
  if (path.empty()) return Status::InvalidArgument("target file name is empty");
  if (path.back() == '/') {
    return Status::InvalidArgument("'" + path + "' names a directory, not a file; name the file inside it, e.g. '" +
                                   JoinPath(path, "model.safetensors") + "'");
  }
  if (IsDirectory(path)) {
    return Status::InvalidArgument(path + ": target is a directory; give a file name such as " +
                                   JoinPath(path, "model.safetensors"));
  }
  std::set<std::string> sources;
  for (const auto& f : source_files) sources.insert(CanonicalPath(f));
  for (const std::string& t : {path, path + ".frozen.txt"}) {
    if (sources.count(CanonicalPath(t))) {
      return Status::FailedPrecondition(path + ": target would overwrite the source's file " + t +
                                        "; write to another file (the source is never modified)");
    }
  }
  if (FileExists(path) && !options.force) {
    return Status::AlreadyExists(path + ": the file already exists; pass --force to replace it");
  }
  const std::string base = Basename(path);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(Dirname(path), ec)) {
    const std::string final_name = StagedOutput::FinalNameOfTemp(e.path().filename().string());
    if (final_name == base || final_name == base + ".frozen.txt") out->RemoveBeforeCommit(e.path().string());
  }
  return Status::OK();
}

std::string ExistingTargetNote(const std::string& target_prefix, OutputFormat format) {
  if (format != OutputFormat::kTfCheckpoint) {
    if (!FileExists(target_prefix)) return "";
    return target_prefix + ": the file already exists; `surgeon run` will refuse it unless given --force";
  }
  auto existing = ExistingCheckpointFiles(target_prefix);
  if (existing.empty()) return "";
  return target_prefix + ": a checkpoint already exists there (" + existing.front() +
         "); `surgeon run` will refuse it unless given --force";
}

Status StageCheckpointState(const std::string& target_prefix, StagedOutput* out) {
  const std::string path = JoinPath(Dirname(target_prefix), "checkpoint");
  const std::string name = Basename(target_prefix);
  CheckpointState state;
  if (FileExists(path)) {
    auto text = ReadFileToString(path);
    auto old = text.ok() ? ParseCheckpointState(*text, path) : Result<CheckpointState>(text.status());
    if (old.ok()) state = std::move(old).value();
  }
  // The target moves to the end: drop entries naming the same checkpoint.
  const std::string target = CanonicalPath(IndexFilename(target_prefix));
  const bool timestamps = state.all_model_checkpoint_timestamps.size() == state.all_model_checkpoint_paths.size();
  std::vector<std::string> paths;
  std::vector<double> times;
  for (size_t i = 0; i < state.all_model_checkpoint_paths.size(); ++i) {
    const std::string& p = state.all_model_checkpoint_paths[i];
    std::string abs = !p.empty() && p[0] == '/' ? p : JoinPath(Dirname(target_prefix), p);
    if (p.empty() || CanonicalPath(IndexFilename(abs)) == target) continue;
    paths.push_back(p);
    if (timestamps) times.push_back(state.all_model_checkpoint_timestamps[i]);
  }
  paths.push_back(name);
  if (timestamps && !paths.empty()) {
    times.push_back(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  }
  state.model_checkpoint_path = name;
  state.all_model_checkpoint_paths = std::move(paths);
  state.all_model_checkpoint_timestamps = timestamps && times.size() > 1 ? std::move(times) : std::vector<double>{};
  SURGEON_ASSIGN_OR_RETURN(WritableFile * f, out->Add(path));
  return f->Append(SerializeCheckpointState(state));
}

CreatedDirectories::CreatedDirectories(const std::vector<std::string>& output_files) {
  std::set<std::string> seen;
  for (const std::string& file : output_files) {
    if (file.empty()) continue;
    for (fs::path dir = fs::absolute(Dirname(file)).lexically_normal(); !dir.empty(); dir = dir.parent_path()) {
      std::error_code ec;
      if (fs::exists(dir, ec) || dir == dir.parent_path()) break;
      if (seen.insert(dir.string()).second) missing_.push_back(dir.string());
    }
  }
  // Deepest first: longer paths are below shorter ones.
  std::sort(missing_.begin(), missing_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

CreatedDirectories::~CreatedDirectories() {
  if (keep_) return;
  for (const std::string& dir : missing_) {
    std::error_code ec;
    if (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)) fs::remove(dir, ec);
  }
}

}  // namespace surgeon
