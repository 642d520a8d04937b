// Entry points shared by the libFuzzer targets (tests/fuzz/*_fuzzer.cc) and
// the regression test that replays tests/fuzz/regressions/<target>/* through
// them (tests/exec/reliability_fuzz_regressions_test.cc).
//
// Each entry point feeds arbitrary bytes to one parser the way the CLI would
// (files on disk are mapped, so the bytes are written to a per-process
// scratch directory first), then uses whatever parsed: every tensor is read,
// every summary is built. A well-formed error Status is the expected outcome
// for garbage; a crash, sanitizer report, leak or exception is a bug.
#ifndef SURGEON_TESTS_FUZZ_FUZZ_ENTRY_H_
#define SURGEON_TESTS_FUZZ_FUZZ_ENTRY_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <string_view>

#include "format/bundle_entry_codec.h"
#include "surgeon/base/file.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/checkpoint_state.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/format/object_graph.h"
#include "surgeon/format/safetensors.h"
#include "surgeon/format/table.h"
#include "surgeon/format/v1_reader.h"
#include "surgeon/graph/graph_checker.h"
#include "surgeon/graph/rewrite_graph.h"
#include "surgeon/plan/config.h"
#include "surgeon/plan/plan_format.h"
#include "surgeon/plan/plan_json.h"
#include "surgeon/plan/planner.h"

namespace surgeon::fuzz {

// A scratch directory private to this process (tmpfs when available).
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::filesystem::path d = base / ("surgeon-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    // Removed at exit (libFuzzer exits through exit() on success).
    static struct Cleanup {
      std::filesystem::path p;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
      }
    } cleanup{d};
    return d.string();
  }();
  return dir;
}

// False when the file cannot be created (a fuzzer-chosen name may be too
// long, or have a file where a directory should be).
inline bool TryWriteBytes(const std::string& path, const uint8_t* data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == size;
}

inline void WriteBytes(const std::string& path, const uint8_t* data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) std::abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Reads every tensor of an opened checkpoint (checksums, string tensors,
// partitioned assembly, V1 decoding).
inline void ReadAll(const CheckpointReader& r) {
  (void)r.Describe();
  for (const TensorEntry& e : r.entries()) {
    auto t = r.Read(e);
    if (t.ok()) {
      volatile uint8_t sink = 0;
      ByteSpan b = t->bytes();
      if (!b.empty()) sink = sink + b[0] + b[b.size() - 1];
    }
  }
}

// SSTable: the bytes as a whole table file.
inline int FuzzTable(const uint8_t* data, size_t size) {
  const std::string path = ScratchDir() + "/table";
  WriteBytes(path, data, size);
  auto file = MappedFile::Open(path);
  if (!file.ok()) std::abort();
  auto table = TableReader::Open(file->get());
  if (table.ok()) {
    for (const auto& e : (*table)->entries()) {
      const TableReader::Entry* f = (*table)->Find(e.key);
      if (f == nullptr) std::abort();  // Keys are sorted and unique: every key must be found.
      volatile size_t n = f->value.size();
      (void)n;
    }
  }
  return 0;
}

// V2 bundle: the bytes are the .index; every data shard file a 1- or 2-shard
// header can name holds the same bytes (so offsets/sizes the fuzzer picks can
// land inside a shard). Also decodes the bytes directly as a header and as
// an entry.
inline int FuzzBundle(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)DecodeBundleHeader(bytes);
  (void)DecodeBundleEntry("k", bytes);
  const std::string prefix = ScratchDir() + "/b";
  WriteBytes(prefix + ".index", data, size);
  WriteBytes(prefix + ".data-00000-of-00001", data, size);
  WriteBytes(prefix + ".data-00000-of-00002", data, size);
  WriteBytes(prefix + ".data-00001-of-00002", data, size);
  auto reader = BundleReader::Open(prefix);
  if (reader.ok()) {
    ReadAll(**reader);
    (void)(*reader)->slice_entries().size();
  }
  return 0;
}

// V1: the bytes as a single-file TensorSliceWriter table.
inline int FuzzV1(const uint8_t* data, size_t size) {
  const std::string path = ScratchDir() + "/v1.ckpt";
  WriteBytes(path, data, size);
  auto reader = OpenV1Checkpoint(path);
  if (reader.ok()) ReadAll(**reader);
  return 0;
}

// Meta graphs: as a MetaGraphDef, as a SavedModel, and as a TF2 object graph.
// What a checkpoint saved from this graph would hold: one entry per key.
inline std::vector<CheckpointTensorInfo> CheckpointFromGraph(const MetaGraphSummary& s) {
  std::vector<CheckpointTensorInfo> out;
  std::set<std::string> seen;
  for (const auto& v : s.variables) {
    if (seen.insert(v.checkpoint_key()).second) out.push_back({v.checkpoint_key(), v.dtype, v.checkpoint_shape()});
  }
  return out;
}

// A rewrite that exercises every step (remove the old saver, rename, reshape,
// collections, new saver): each whole variable renamed under "fuzz/", the
// first one with a known last dimension made one wider. Its output must pass
// through the checker too.
inline void FuzzRewrite(const tensorflow::MetaGraphDef& mg, const MetaGraphSummary& s) {
  RewriteSpec spec;
  for (const auto& v : s.variables) {
    if (v.save_slice_info || spec.renames.count(v.name)) continue;
    const std::string to = "fuzz/" + v.name;
    spec.renames[v.name] = to;
    Shape shape = v.shape;
    if (spec.new_shapes.empty() && !shape.empty() && shape.back() >= 0 &&
        shape.back() < std::numeric_limits<int64_t>::max()) {
      shape.back() += 1;
      spec.new_shapes[to] = shape;
    }
    spec.checkpoint.push_back({to, v.dtype, shape});
  }
  auto out = RewriteMetaGraph(mg, spec);
  if (out.ok()) (void)CheckGraph(out->meta_graph, spec.checkpoint);
}

inline int FuzzMetaGraph(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (bool saved_model : {false, true}) {
    auto mg = ParseMetaGraph(bytes, saved_model ? "fuzz/saved_model.pb" : "fuzz.meta", saved_model);
    if (!mg.ok()) continue;
    MetaGraphSummary s = SummarizeMetaGraph(*mg);
    (void)ComputeVariableFeeds(mg->graph_def());
    (void)SerializeMetaGraph(*mg);
    (void)CheckGraph(*mg, CheckpointFromGraph(s));
    FuzzRewrite(*mg, s);
  }
  (void)ParseObjectGraph(bytes);
  return 0;
}

// safetensors: the bytes as a whole file, parsed directly (header checks)
// and through the reader, every tensor read.
inline int FuzzSafetensors(const uint8_t* data, size_t size) {
  (void)ParseSafetensorsHeader(ByteSpan(data, size), "fuzz.safetensors");
  const std::string path = ScratchDir() + "/w.safetensors";
  WriteBytes(path, data, size);
  auto reader = OpenSafetensors(path);
  if (reader.ok()) ReadAll(**reader);
  return 0;
}

// YAML surgery config.
inline int FuzzConfig(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = ParseConfig(text, "fuzz.yaml", ScratchDir());
  if (cfg.ok()) {
    std::vector<size_t> applied;
    (void)ApplyRenameRules(cfg->rename, "vgg_16/conv1/conv1_1/weights", &applied);
  }
  return 0;
}

// Checkpoint path resolution: the first line of the bytes is a list of
// file names separated by '|' (each created, empty or holding the rest of the
// bytes, in a fresh directory; '/' makes a subdirectory), the rest is the
// `checkpoint` state file. Then the directory, each name, and each name's
// stem are resolved as a user's `source.checkpoint` would be.
inline int FuzzCheckpointPath(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t eol = std::min(bytes.find('\n'), bytes.size());
  const std::string_view state = bytes.substr(std::min(eol + 1, bytes.size()));
  (void)ParseCheckpointState(state, "checkpoint");
  static int round = 0;
  const std::string dir = ScratchDir() + "/p" + std::to_string(round++ % 4);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  WriteBytes(dir + "/checkpoint", reinterpret_cast<const uint8_t*>(state.data()), state.size());
  std::vector<std::string> names;
  std::string_view list = bytes.substr(0, eol);
  while (!list.empty() && names.size() < 8) {
    const size_t bar = std::min(list.find('|'), list.size());
    std::string name(list.substr(0, bar));
    list.remove_prefix(std::min(bar + 1, list.size()));
    if (name.empty() || name.find('\0') != std::string::npos || name.find("..") != std::string::npos) continue;
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (!std::filesystem::is_directory(p, ec)) {
      const bool with_data = names.size() % 2 == 1;
      if (!TryWriteBytes(p.string(), data, with_data ? size : 0)) continue;
    }
    names.push_back(p.string());
  }
  (void)ResolveCheckpoint(dir);
  (void)ResolveCheckpoint(dir + "/");
  for (const std::string& n : names) {
    (void)ResolveCheckpoint(n);
    (void)ResolveCheckpoint(n.substr(0, n.rfind('.')));
    (void)TargetPrefixProblem(n);
  }
  return 0;
}

// A slim VGG16-like inventory, with layouts and producer links as a source
// meta graph gives them, for the config -> plan path.
inline const Inventory& FuzzInventory() {
  static const Inventory* inventory = [] {
    auto* inv = new Inventory;
    auto add = [&](const std::string& name, DataType dtype, Shape shape) {
      TensorEntry e;
      e.key = name;
      e.dtype = dtype;
      e.shape = std::move(shape);
      auto bytes = FixedTensorBytes(dtype, e.shape);
      e.size = bytes.ok() ? *bytes : 0;
      inv->tensors.push_back(e);
      inv->graph_variables.push_back({name, dtype, e.shape, dtype != DataType::kInt64});
    };
    int64_t in = 3;
    const char* layers[] = {"conv1/conv1_1", "conv2/conv2_1", "fc6", "fc7", "fc8"};
    const int64_t widths[] = {64, 128, 4096, 4096, 1000};
    std::string previous;
    for (int i = 0; i < 5; ++i) {
      const std::string base = std::string("vgg_16/") + layers[i];
      const Shape kernel = i < 2 ? Shape{3, 3, in, widths[i]} : Shape{1, 1, in, widths[i]};
      add(base + "/weights", DataType::kFloat, kernel);
      add(base + "/biases", DataType::kFloat, {widths[i]});
      add(base + "/weights/Momentum", DataType::kFloat, kernel);
      inv->feeds.push_back({base + "/weights", base + "/biases"});
      if (!previous.empty()) inv->feeds.push_back({previous, base + "/weights"});
      previous = base + "/weights";
      in = widths[i];
    }
    add("global_step", DataType::kInt64, {});
    std::sort(inv->tensors.begin(), inv->tensors.end(),
              [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
    return inv;
  }();
  return *inventory;
}

// YAML surgery config, planned against FuzzInventory(); a plan that is built
// is printed as a table and as JSON (what `surgeon plan` does).
inline int FuzzPlan(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = ParseConfig(text, "fuzz.yaml", ScratchDir());
  if (!cfg.ok()) return 0;
  auto plan = BuildPlan(*cfg, FuzzInventory());
  if (plan.ok()) {
    (void)FormatPlanTable(*plan);
    (void)PlanToJson(*plan).dump(1, ' ', false, nlohmann::json::error_handler_t::replace);  // as `surgeon plan --json`
  }
  return 0;
}

}  // namespace surgeon::fuzz

#endif  // SURGEON_TESTS_FUZZ_FUZZ_ENTRY_H_
