// Reading and writing TensorFlow meta graphs: a `.meta` file (a serialized
// MetaGraphDef, written by tf.train.Saver / export_meta_graph) or a
// `saved_model.pb` (a SavedModel, whose first MetaGraphDef is taken).
//
//   model.ckpt-0.meta      MetaGraphDef { meta_info_def, graph_def, saver_def,
//                                         collection_def }
//   saved_model.pb         SavedModel { saved_model_schema_version = 1,
//                                       meta_graphs = [MetaGraphDef, ...] }
//
// Usage:
//   SURGEON_ASSIGN_OR_RETURN(auto mg, ReadMetaGraph("model.ckpt.meta"));
//   MetaGraphSummary s = SummarizeMetaGraph(mg);
//   for (const auto& v : s.variables) ... v.name, v.shape, v.trainable
//
// Fields surgeon does not declare in proto/*.proto (signature_def,
// object_graph_def, debug info, ...) are kept by protobuf as unknown fields,
// so a parsed graph serializes back with them.
//
// This file only parses, summarizes and serializes. Deciding what goes into
// a graph (fresh graphs, rewrites) lives in graph/ (see docs/style.md).
#ifndef SURGEON_FORMAT_META_GRAPH_H_
#define SURGEON_FORMAT_META_GRAPH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/meta_graph.pb.h"
#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

// SaveSliceInfoDef of a partitioned variable's part (variable.proto).
struct SaveSliceInfo {
  std::string full_name;  // The checkpoint key of the whole variable.
  Shape full_shape;
  std::vector<int64_t> var_offset;
  std::vector<int64_t> var_shape;
};

// True for the collections TF serializes as VariableDef protos in a
// bytes_list: the keys python/ops/variables.py registers with
// register_proto_function (global, trainable, local, model, moving-average
// and metric variables, and the global step).
bool IsVariableDefCollection(std::string_view key);

// One variable node of the graph (op Variable, VariableV2 or VarHandleOp).
struct GraphVariableInfo {
  std::string name;                              // Node name; the checkpoint key for TF1 graphs.
  DataType dtype = DataType::kInvalid;           // attr `dtype`
  Shape shape;                                   // attr `shape`; -1 for unknown dimensions
  bool shape_known = true;                       // false when `shape` is absent or unknown_rank
  bool trainable = false;                        // listed in the "trainable_variables" collection
  std::string op;                                // "VariableV2", "Variable" or "VarHandleOp"
  std::string shared_name;                       // attr `shared_name` (TF2 VarHandleOp), may be empty
  std::optional<SaveSliceInfo> save_slice_info;  // from the VariableDef, if any

  // The checkpoint tensor a TF1 Saver saves this variable into: a
  // partitioned variable's part is a slice of the whole variable's key.
  const std::string& checkpoint_key() const { return save_slice_info ? save_slice_info->full_name : name; }
  const Shape& checkpoint_shape() const { return save_slice_info ? save_slice_info->full_shape : shape; }
};

// SaverDef (saver.proto). version: 0 LEGACY, 1 V1, 2 V2.
struct SaverDefInfo {
  std::string filename_tensor_name;
  std::string save_tensor_name;
  std::string restore_op_name;
  int32_t max_to_keep = 0;
  bool sharded = false;
  float keep_checkpoint_every_n_hours = 0;
  int32_t version = 0;
};

struct MetaGraphSummary {
  std::vector<GraphVariableInfo> variables;  // in GraphDef node order
  std::optional<SaverDefInfo> saver;         // nullopt when saver_def is absent
  std::string tensorflow_version;            // meta_info_def; "" in old graphs
  std::string tensorflow_git_version;
  int32_t producer = 0;                   // graph_def.versions.producer
  std::vector<std::string> stripped_ops;  // op names in stripped_op_list
  std::vector<std::string> collections;   // collection_def keys, sorted
};

// Reads `path`. A file named `saved_model.pb` (or any file that parses only
// as a SavedModel) is read as a SavedModel and its first meta graph is
// returned. Errors name the file: NotFound/IoError from the OS, DataLoss when
// the bytes do not parse, InvalidArgument when they parse but hold no graph
// (not a MetaGraphDef). Protobuf's default size limits are lifted; only the
// 2 GiB hard limit of the protobuf wire format remains.
Result<tensorflow::MetaGraphDef> ReadMetaGraph(const std::string& path);

// As ReadMetaGraph, from bytes; `name` is used in error messages.
// `saved_model`: parse as SavedModel instead of MetaGraphDef.
Result<tensorflow::MetaGraphDef> ParseMetaGraph(std::string_view bytes, std::string_view name,
                                                bool saved_model = false);

MetaGraphSummary SummarizeMetaGraph(const tensorflow::MetaGraphDef& meta_graph);

// Deterministic serialization (map entries sorted by key), as TF's own
// SerializeToString(deterministic=True). InvalidArgument above 2 GiB.
Result<std::string> SerializeMetaGraph(const tensorflow::MetaGraphDef& meta_graph);
Status WriteMetaGraph(const tensorflow::MetaGraphDef& meta_graph, WritableFile* file);

// "node:3" -> {"node", 3}; "node" -> {"node", 0}; "^node" -> {"node", -1}
// (control input). An index that is not a number stays part of the name.
struct TensorRef {
  std::string node;
  int index = 0;  // -1 for a control input
};
TensorRef ParseTensorRef(std::string_view input);

// Variable -> variable links read off the graph, for the planner's shape
// checks: `from`'s value feeds a computation whose output is combined with
// `to`. Best effort, the one pattern that matters for heads:
// BiasAdd/Add/AddV2(MatMul|Conv2D|DepthwiseConv2dNative(..., from/read), to/read)
// gives {from: kernel, to: bias} (Identity/read nodes are looked through).
struct VariableFeed {
  std::string from;  // e.g. "vgg_16/fc8/weights"
  std::string to;    // e.g. "vgg_16/fc8/biases"
  std::string via;   // the node that combines them, e.g. "vgg_16/fc8/BiasAdd"
};
std::vector<VariableFeed> ComputeVariableFeeds(const tensorflow::GraphDef& graph);

// True for the ops that create variables: Variable, VariableV2, VarHandleOp.
bool IsVariableOp(std::string_view op);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_META_GRAPH_H_
