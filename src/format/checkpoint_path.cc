#include "surgeon/format/checkpoint_path.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "format/keras_archive.h"
#include "surgeon/format/checkpoint_state.h"
#include "surgeon/format/table.h"
#include "surgeon/format/v1_reader.h"
#include "surgeon/format/v1_shard_name.h"

namespace surgeon {
namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string MetaIfExists(const std::string& prefix) {
  std::string meta = MetaGraphFilename(prefix);
  return FileExists(meta) ? meta : "";
}

// Checkpoints in the directory of `path` (V2 prefixes), those sharing the
// start of its basename first: what the user probably meant. Says so when
// the directory itself does not exist.
std::string Suggestions(const std::string& path) {
  std::string dir = Dirname(path), base = Basename(path);
  if (!IsDirectory(dir)) return " (directory " + dir + " does not exist)";
  std::vector<std::string> close, other;
  std::error_code ec;
  const std::string start = base.substr(0, std::min<size_t>(base.size(), 4));
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!EndsWith(name, ".index")) continue;
    std::string prefix = JoinPath(dir, name.substr(0, name.size() - 6));
    (name.rfind(start, 0) == 0 ? close : other).push_back(prefix);
  }
  std::sort(close.begin(), close.end());
  std::sort(other.begin(), other.end());
  close.insert(close.end(), other.begin(), other.end());
  std::string out;
  for (size_t i = 0; i < close.size() && i < 5; ++i) out += (i ? ", " : "") + close[i];
  if (close.size() > 5) out += ", ...";
  return out.empty() ? "" : " (checkpoints nearby: " + out + ")";
}

// The sharded V1 checkpoint whose files are "<base>-NNNNN-of-MMMMM": its
// pattern when "<base>-00000-of-MMMMM" exists for one MMMMM, "" when for
// none; InvalidArgument when for several (stale files of another sharding).
Result<std::string> ShardedV1AtBase(const std::string& base) {
  const std::string dir = Dirname(base), first = V1ShardFilenamePrefix(Basename(base), 0);
  std::vector<std::string> patterns;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(first, 0) != 0 || !e.is_regular_file(ec)) continue;
    const std::string num_shards = name.substr(first.size());
    if (num_shards.empty() || num_shards.find_first_not_of("0123456789") != std::string::npos) continue;
    // Spelled from `base` as given, like a V1 file's prefix.
    std::string pattern = V1ShardPattern(V1ShardFilenamePrefix(base, 0) + num_shards);
    if (!pattern.empty()) patterns.push_back(std::move(pattern));
  }
  if (patterns.empty()) return std::string();
  if (patterns.size() == 1) return patterns[0];
  std::sort(patterns.begin(), patterns.end());
  std::string list;
  for (const auto& p : patterns) list += "\n  " + p;
  return Status::InvalidArgument(base + ": several sharded V1 checkpoints have this base name; name one:" + list);
}

// What a single file holds, by its first bytes: HDF5's signature (at 0 or a
// power-of-two user-block offset), a zip's local or end header (.npz), a
// safetensors header size followed by '{'; anything else is taken as a V1
// table (whose magic number is at its end).
CheckpointFormat SniffFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return CheckpointFormat::kV1;
  auto read_at = [&](long offset, size_t n) {
    std::string buf(n, '\0');
    if (std::fseek(f, offset, SEEK_SET) != 0) return std::string();
    buf.resize(std::fread(buf.data(), 1, n, f));
    return buf;
  };
  const std::string head = read_at(0, 9);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  CheckpointFormat format = CheckpointFormat::kV1;
  static const std::string kHdf5("\x89HDF\r\n\x1a\n", 8);
  for (long offset : {0L, 512L, 1024L, 2048L}) {
    if (read_at(offset, 8) == kHdf5) format = CheckpointFormat::kKerasH5;
  }
  if (head.rfind("PK\x03\x04", 0) == 0 || head.rfind("PK\x05\x06", 0) == 0) {
    format = IsKerasArchive(path) ? CheckpointFormat::kKerasH5 : CheckpointFormat::kNpz;
  }
  if (head.size() == 9 && head[8] == '{') {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(head[i]);
    if (size >= 9 && n <= static_cast<uint64_t>(size) - 8) format = CheckpointFormat::kSafetensors;
  }
  std::fclose(f);
  return format;
}

// A file that is an SSTable (ends in the table magic) and not part of a V2
// checkpoint or a state file: a V1 checkpoint's only file.
bool IsLoneTableFile(const fs::path& path) {
  const std::string name = path.filename().string();
  if (EndsWith(name, ".index") || EndsWith(name, ".meta") || name.find(".data-") != std::string::npos ||
      name == "checkpoint" || name.find(".tempstate") != std::string::npos) {
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  char tail[8];
  if (!in.seekg(-8, std::ios::end) || !in.read(tail, 8)) return false;
  uint64_t magic = 0;
  for (int i = 7; i >= 0; --i) magic = (magic << 8) | static_cast<unsigned char>(tail[i]);
  return magic == kTableMagicNumber;
}

// The checkpoint at `prefix` in `format`, with "<prefix>.meta" if it exists.
CheckpointLocation LocationAt(CheckpointFormat format, const std::string& prefix) {
  CheckpointLocation loc;
  loc.format = format;
  loc.prefix = prefix;
  loc.meta_graph = MetaIfExists(prefix);
  return loc;
}

// A sharded V1 checkpoint by its pattern: every shard must be there (the
// NotFound names the missing one).
Result<CheckpointLocation> ShardedV1At(const std::string& pattern) {
  SURGEON_RETURN_IF_ERROR(V1CheckpointFiles(pattern).status());
  return LocationAt(CheckpointFormat::kV1, pattern);
}

Result<CheckpointLocation> ResolvePrefix(const std::string& p) {
  if (FileExists(IndexFilename(p))) return LocationAt(CheckpointFormat::kV2, p);
  // Sharded V1 spelled as its pattern or as one of its files.
  if (std::string pattern = V1ShardPattern(p); !pattern.empty()) return ShardedV1At(pattern);
  if (FileExists(p)) {
    const CheckpointFormat format = SniffFile(p);
    if (format == CheckpointFormat::kV1) return LocationAt(format, p);
    CheckpointLocation loc;  // Weight files: no meta graph.
    loc.format = format;
    loc.prefix = p;
    return loc;
  }
  // Sharded V1 named by its base, as "<base>.meta" and the user see it.
  SURGEON_ASSIGN_OR_RETURN(std::string pattern, ShardedV1AtBase(p));
  if (!pattern.empty()) return ShardedV1At(pattern);
  return Status::NotFound(p + ": no checkpoint here: neither " + IndexFilename(p) + " (V2) nor a V1 file " + p +
                          " (or " + p + "-00000-of-NNNNN) exists" + Suggestions(p));
}

Result<CheckpointLocation> ResolveSingleIndex(const std::string& dir);

Result<CheckpointLocation> ResolveDirectory(const std::string& dir) {
  const std::string state_path = JoinPath(dir, "checkpoint");
  if (FileExists(state_path)) {
    SURGEON_ASSIGN_OR_RETURN(std::string text, ReadFileToString(state_path));
    SURGEON_ASSIGN_OR_RETURN(CheckpointState state, ParseCheckpointState(text, state_path));
    std::string p = state.model_checkpoint_path;
    if (p.empty() || p[0] != '/') p = JoinPath(dir, p);
    auto loc = ResolvePrefix(p);
    if (loc.ok()) return loc;
    // The state file often outlives a move of its directory (or names a
    // Windows path): try the same file name here before giving up.
    std::string name = state.model_checkpoint_path;
    if (auto pos = name.find_last_of("/\\"); pos != std::string::npos) name = name.substr(pos + 1);
    auto moved = ResolvePrefix(JoinPath(dir, name));
    if (moved.ok()) {
      moved->note = state_path + " names " + state.model_checkpoint_path + "; using " + moved->prefix;
      return moved;
    }
    auto only = ResolveSingleIndex(dir);
    if (only.ok()) {
      only->note = state_path + " names " + state.model_checkpoint_path +
                   ", which does not exist; using the only checkpoint in the directory, " + only->prefix;
      return only;
    }
    return loc.status().WithContext(state_path + " names a checkpoint that does not exist");
  }
  // A SavedModel, or its variables/ folder.
  std::string variables = JoinPath(JoinPath(dir, "variables"), "variables");
  if (FileExists(IndexFilename(variables))) {
    CheckpointLocation loc;
    loc.prefix = variables;
    loc.saved_model = true;
    std::string pb = JoinPath(dir, "saved_model.pb");
    loc.meta_graph = FileExists(pb) ? pb : "";
    return loc;
  }
  std::string inner = JoinPath(dir, "variables");
  if (FileExists(IndexFilename(inner))) {
    CheckpointLocation loc;
    loc.prefix = inner;
    loc.saved_model = true;
    std::string pb = JoinPath(Dirname(fs::path(dir).lexically_normal().string()), "saved_model.pb");
    loc.meta_graph = FileExists(pb) ? pb : "";
    return loc;
  }
  return ResolveSingleIndex(dir);
}

// A directory holding exactly one V2 checkpoint.
Result<CheckpointLocation> ResolveSingleIndex(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (EndsWith(name, ".index")) found.push_back(JoinPath(dir, name.substr(0, name.size() - 6)));
  }
  if (found.size() == 1) return ResolvePrefix(found[0]);
  if (found.empty()) {
    // A V1 checkpoint: a bare file, or the shards of a sharded one, saved
    // next to its "<base>.meta".
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (!EndsWith(name, ".meta")) continue;
      const std::string base = JoinPath(dir, name.substr(0, name.size() - 5));
      if (FileExists(base)) {
        found.push_back(base);
      } else if (auto sharded = ShardedV1AtBase(base); sharded.ok() && !sharded->empty()) {
        found.push_back(*sharded);
      }
    }
    // Or, without a .meta, the shards alone.
    if (found.empty()) {
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string pattern = V1ShardPattern(JoinPath(dir, e.path().filename().string()));
        if (!pattern.empty() && std::find(found.begin(), found.end(), pattern) == found.end()) {
          found.push_back(pattern);
        }
      }
    }
    // Or a lone V1 file ("model.ckpt", no .meta, no state file).
    if (found.empty()) {
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.is_regular_file(ec) && IsLoneTableFile(e.path()))
          found.push_back(JoinPath(dir, e.path().filename().string()));
      }
    }
    if (found.size() == 1) return ResolvePrefix(found[0]);
  }
  if (found.empty()) {
    return Status::NotFound(dir +
                            ": directory has no `checkpoint` state file, no SavedModel variables and no .index file");
  }
  std::sort(found.begin(), found.end());
  std::string list;
  for (const auto& f : found) list += "\n  " + f;
  return Status::InvalidArgument(
      dir + ": directory holds several checkpoints and no `checkpoint` state file; name one:" + list);
}

}  // namespace

std::string IndexFilename(const std::string& prefix) { return prefix + ".index"; }

std::string DataFilename(const std::string& prefix, int shard, int num_shards) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ".data-%05d-of-%05d", shard, num_shards);
  return prefix + buf;
}

std::string MetaGraphFilename(const std::string& prefix) {
  if (const auto sharded = ParseV1ShardedName(prefix)) return sharded->base + ".meta";
  return prefix + ".meta";
}

std::string TargetPrefixProblem(const std::string& prefix) {
  if (prefix.empty()) return "the target checkpoint prefix is empty";
  const std::string base = Basename(prefix);
  if (!prefix.empty() && prefix.back() != '/' && base != "." && base != "..") return "";
  std::string dir = prefix;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return "'" + prefix +
         "' names a directory, not a checkpoint prefix (TensorFlow would write hidden files '.index', "
         "'.data-00000-of-00001' there); name the checkpoint inside it, e.g. '" +
         JoinPath(dir, "model.ckpt-0") + "'";
}

Result<CheckpointLocation> ResolveCheckpoint(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("empty checkpoint path");
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (IsDirectory(p)) return ResolveDirectory(p);
  static const std::regex kDataSuffix("\\.data-\\d{5}-of-\\d{5}$");
  if (EndsWith(p, ".index")) {
    p.resize(p.size() - 6);
  } else if (std::regex_search(p, kDataSuffix)) {
    p = std::regex_replace(p, kDataSuffix, "");
  } else if (EndsWith(p, ".meta") && !FileExists(IndexFilename(p))) {
    p.resize(p.size() - 5);
  }
  return ResolvePrefix(p);
}

}  // namespace surgeon
