// SummarizeMetaGraph, ComputeVariableFeeds, tensor-name parsing.
// Collections: python/framework/meta_graph.py add_collection_to_proto /
// python/ops/variables.py RefVariable.to_proto (VariableDef in bytes_list).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include "proto/variable.pb.h"
#include "surgeon/format/meta_graph.h"

namespace surgeon {

bool IsVariableOp(std::string_view op) { return op == "VariableV2" || op == "Variable" || op == "VarHandleOp"; }

TensorRef ParseTensorRef(std::string_view input) {
  TensorRef ref;
  if (!input.empty() && input[0] == '^') {
    ref.node = std::string(input.substr(1));
    ref.index = -1;
    return ref;
  }
  size_t colon = input.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < input.size()) {
    int idx = 0;
    auto tail = input.substr(colon + 1);
    auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), idx);
    if (ec == std::errc() && p == tail.data() + tail.size() && idx >= 0) {
      ref.node = std::string(input.substr(0, colon));
      ref.index = idx;
      return ref;
    }
  }
  ref.node = std::string(input);
  return ref;
}

namespace {

std::string NodeOfTensorName(const std::string& tensor) { return ParseTensorRef(tensor).node; }

}  // namespace

bool IsVariableDefCollection(std::string_view key) {
  static constexpr std::string_view kKeys[] = {"variables",       "trainable_variables",      "local_variables",
                                               "model_variables", "moving_average_variables", "metric_variables",
                                               "global_step"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

MetaGraphSummary SummarizeMetaGraph(const tensorflow::MetaGraphDef& mg) {
  MetaGraphSummary s;
  s.tensorflow_version = mg.meta_info_def().tensorflow_version();
  s.tensorflow_git_version = mg.meta_info_def().tensorflow_git_version();
  s.producer = mg.graph_def().versions().producer();
  for (const auto& op : mg.meta_info_def().stripped_op_list().op()) s.stripped_ops.push_back(op.name());
  for (const auto& [key, unused] : mg.collection_def()) s.collections.push_back(key);
  std::sort(s.collections.begin(), s.collections.end());
  if (mg.has_saver_def()) {
    const auto& sd = mg.saver_def();
    s.saver = SaverDefInfo{sd.filename_tensor_name(),
                           sd.save_tensor_name(),
                           sd.restore_op_name(),
                           sd.max_to_keep(),
                           sd.sharded(),
                           sd.keep_checkpoint_every_n_hours(),
                           static_cast<int32_t>(sd.version())};
  }

  // VariableDefs by variable node name, from "variables" and
  // "trainable_variables" (and the other VariableDef collections for slices).
  std::set<std::string> trainable;
  std::map<std::string, SaveSliceInfo> slices;
  for (const auto& [key, col] : mg.collection_def()) {
    if (!col.has_bytes_list()) continue;
    if (!IsVariableDefCollection(key)) continue;
    for (const auto& bytes : col.bytes_list().value()) {
      tensorflow::VariableDef vd;
      if (!vd.ParseFromString(bytes)) continue;
      std::string node = NodeOfTensorName(vd.variable_name());
      if (key == "trainable_variables") trainable.insert(node);
      if (vd.has_save_slice_info_def()) {
        const auto& si = vd.save_slice_info_def();
        SaveSliceInfo info;
        info.full_name = si.full_name();
        info.full_shape.assign(si.full_shape().begin(), si.full_shape().end());
        info.var_offset.assign(si.var_offset().begin(), si.var_offset().end());
        info.var_shape.assign(si.var_shape().begin(), si.var_shape().end());
        slices[node] = std::move(info);
      }
    }
  }

  for (const auto& node : mg.graph_def().node()) {
    if (!IsVariableOp(node.op())) continue;
    GraphVariableInfo v;
    v.name = node.name();
    v.op = node.op();
    auto it = node.attr().find("dtype");
    if (it != node.attr().end()) v.dtype = static_cast<DataType>(it->second.type());
    it = node.attr().find("shape");
    if (it != node.attr().end() && it->second.has_shape() && !it->second.shape().unknown_rank()) {
      for (const auto& d : it->second.shape().dim()) v.shape.push_back(d.size());
    } else {
      v.shape_known = false;
    }
    it = node.attr().find("shared_name");
    if (it != node.attr().end()) v.shared_name = it->second.s();
    v.trainable = trainable.count(v.name) > 0;
    auto sl = slices.find(v.name);
    if (sl != slices.end()) v.save_slice_info = sl->second;
    s.variables.push_back(std::move(v));
  }
  return s;
}

std::vector<VariableFeed> ComputeVariableFeeds(const tensorflow::GraphDef& graph) {
  std::unordered_map<std::string, const tensorflow::NodeDef*> by_name;
  for (const auto& n : graph.node()) by_name[n.name()] = &n;

  // The variable a tensor reads, looking through Identity (V/read) chains.
  auto variable_of = [&](const std::string& input) -> std::string {
    std::string name = ParseTensorRef(input).node;
    for (int hops = 0; hops < 8; ++hops) {
      auto it = by_name.find(name);
      if (it == by_name.end()) return "";
      const auto* n = it->second;
      if (IsVariableOp(n->op())) return n->name();
      if ((n->op() != "Identity" && n->op() != "ReadVariableOp") || n->input_size() == 0) return "";
      name = ParseTensorRef(n->input(0)).node;
    }
    return "";
  };
  auto is_product = [](const std::string& op) {
    return op == "MatMul" || op == "Conv2D" || op == "DepthwiseConv2dNative" || op == "Conv3D" || op == "Conv1D" ||
           op == "BatchMatMul" || op == "BatchMatMulV2";
  };

  std::vector<VariableFeed> feeds;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& n : graph.node()) {
    if (n.op() != "BiasAdd" && n.op() != "Add" && n.op() != "AddV2") continue;
    if (n.input_size() < 2) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string bias = variable_of(n.input(1 - side));
      if (bias.empty()) continue;
      auto prod = by_name.find(ParseTensorRef(n.input(side)).node);
      if (prod == by_name.end() || !is_product(prod->second->op())) continue;
      for (const auto& in : prod->second->input()) {
        if (!in.empty() && in[0] == '^') continue;
        std::string kernel = variable_of(in);
        if (kernel.empty() || kernel == bias) continue;
        if (seen.insert({kernel, bias}).second) feeds.push_back({kernel, bias, n.name()});
      }
    }
  }
  return feeds;
}

}  // namespace surgeon
