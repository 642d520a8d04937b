// Helpers for the graph tests: corpus graphs and their checkpoint lists.
#ifndef SURGEON_TESTS_GRAPH_GRAPH_TEST_UTIL_H_
#define SURGEON_TESTS_GRAPH_GRAPH_TEST_UTIL_H_

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "surgeon/format/meta_graph.h"
#include "surgeon/graph/graph_checker.h"
#include "testing.h"

namespace surgeon::testing {

struct CorpusGraph {
  std::string dir, file, tf_version;
  nlohmann::json expected;
};

// Every corpus case with a meta graph.
inline std::vector<CorpusGraph> CorpusGraphs() {
  std::vector<CorpusGraph> out;
  for (const auto& dir : CorpusCases()) {
    std::ifstream in(dir + "/expected.json");
    auto j = nlohmann::json::parse(in);
    if (j["meta"].is_null()) continue;
    out.push_back(
        {dir, dir + "/" + j["meta"]["file"].get<std::string>(), j["meta"]["tensorflow_version"].get<std::string>(), j});
  }
  return out;
}

// The checkpoint's keys (whole tensors; slice entries folded into their tensor).
inline std::vector<CheckpointTensorInfo> CheckpointOf(const nlohmann::json& expected) {
  std::vector<CheckpointTensorInfo> out;
  for (const auto& t : expected["tensors"]) {
    if (t.contains("slice_of")) continue;
    CheckpointTensorInfo info;
    info.key = t["name"];
    info.dtype = *ParseDataType(t["dtype"].get<std::string>());
    info.shape = t["shape"].get<Shape>();
    out.push_back(info);
  }
  return out;
}

inline bool IsTf2(const CorpusGraph& g) { return g.file.size() >= 14 && g.file.ends_with("saved_model.pb"); }

inline std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x + "\n";
  return s;
}

}  // namespace surgeon::testing

#endif  // SURGEON_TESTS_GRAPH_GRAPH_TEST_UTIL_H_
