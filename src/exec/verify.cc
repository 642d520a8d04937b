#include "surgeon/exec/verify.h"

#include <optional>

#include "surgeon/format/checkpoint.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/graph/graph_checker.h"

namespace surgeon {

size_t VerifyResult::bad_tensors() const {
  size_t n = 0;
  for (const auto& t : tensors) n += t.ok ? 0 : 1;
  return n;
}

Result<VerifyResult> VerifyCheckpoint(const std::string& path, const ProgressFn& progress) {
  VerifyResult v;
  SURGEON_ASSIGN_OR_RETURN(v.location, ResolveCheckpoint(path));
  SURGEON_ASSIGN_OR_RETURN(auto reader, OpenCheckpoint(v.location.prefix));
  Progress p;
  p.tensors_total = reader->entries().size();
  for (const auto& e : reader->entries()) p.bytes_total += e.size;
  for (const auto& e : reader->entries()) {
    auto data = reader->Read(e);
    if (data.ok()) {
      v.bytes += data->bytes().size();
      v.tensors.push_back({e.key, true, ""});
    } else {
      v.tensors.push_back({e.key, false, data.status().message()});
    }
    p.tensors_done++;
    p.bytes_done += e.size;
    if (progress) progress(p);
  }
  const std::string& meta = v.location.meta_graph;
  if (meta.empty()) return v;
  auto graph = ReadMetaGraph(meta);
  if (!graph.ok()) {
    v.graph_problems.push_back(meta + ": " + graph.status().message());
    return v;
  }
  std::optional<std::vector<CheckpointTensorInfo>> keys;
  if (!v.location.saved_model) {
    keys.emplace();
    for (const auto& e : reader->entries()) keys->push_back({e.key, e.dtype, e.shape});
  }
  for (auto& problem : CheckGraph(*graph, keys)) v.graph_problems.push_back(meta + ": " + problem);
  v.graph_checked = true;
  return v;
}

}  // namespace surgeon
