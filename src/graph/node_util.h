// Small NodeDef/AttrValue building and inspection helpers shared by the
// graph builders, the rewriter and the checker (private to graph/).
#ifndef SURGEON_GRAPH_NODE_UTIL_H_
#define SURGEON_GRAPH_NODE_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "proto/graph.pb.h"
#include "proto/meta_graph.pb.h"
#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon::graph_internal {

tensorflow::TensorShapeProto ShapeProto(const Shape& shape);
Shape ShapeFromProto(const tensorflow::TensorShapeProto& proto);

void SetType(tensorflow::NodeDef* n, const std::string& key, DataType dt);
void SetShape(tensorflow::NodeDef* n, const std::string& key, const Shape& shape);
void SetBool(tensorflow::NodeDef* n, const std::string& key, bool v);
void SetInt(tensorflow::NodeDef* n, const std::string& key, int64_t v);
void SetString(tensorflow::NodeDef* n, const std::string& key, const std::string& v);
void SetTypeList(tensorflow::NodeDef* n, const std::string& key, const std::vector<DataType>& types);
// _class: list { s: "loc:@<target>" }
void SetColocation(tensorflow::NodeDef* n, const std::string& target);

// A new node appended to `g`.
tensorflow::NodeDef* AddNode(tensorflow::GraphDef* g, const std::string& name, const std::string& op);

// Const nodes as TF's Python builder writes them (framework/tensor_util.py
// make_tensor_proto): a scalar or a broadcast value uses the typed *_val
// field with one element; int vectors of more than one element use
// tensor_content (little-endian).
tensorflow::NodeDef* AddScalarConst(tensorflow::GraphDef* g, const std::string& name, DataType dt, double value);
// A Const of shape `shape` whose every element is `value` (one broadcast
// *_val element), e.g. V/Initializer/zeros.
tensorflow::NodeDef* AddFilledConst(tensorflow::GraphDef* g, const std::string& name, DataType dt, const Shape& shape,
                                    double value);
// int32 vector Const (e.g. random_uniform/shape): int_val for one element,
// tensor_content otherwise.
tensorflow::NodeDef* AddInt32VectorConst(tensorflow::GraphDef* g, const std::string& name,
                                         const std::vector<int64_t>& values);
// A DT_STRING Const: scalar when `scalar`, else a vector of `values`.
tensorflow::NodeDef* AddStringConst(tensorflow::GraphDef* g, const std::string& name,
                                    const std::vector<std::string>& values, bool scalar);

// Sets `t` (dtype, shape) to `value` broadcast: one element in the *_val
// field for dt. InvalidArgument for dtypes with no such field (string, ...).
Status FillTensorProto(tensorflow::TensorProto* t, DataType dt, const Shape& shape, double value);

// Values of an int32/int64 Const tensor (int_val, int64_val or
// tensor_content, with TF's repeat-last-element rule), or nullopt.
bool ReadIntTensor(const tensorflow::TensorProto& t, std::vector<int64_t>* out);
// Rewrites an int32/int64 vector tensor in the same field kind it used.
void WriteIntTensor(tensorflow::TensorProto* t, const std::vector<int64_t>& values);

// The unique name "<base>", "<base>_1", ... not in `taken` (TF's
// Graph.unique_name for name scopes).
std::string UniqueScope(const std::string& base, const std::vector<std::string>& node_names);

// TF's tensor name "<node>:<index>".
inline std::string TensorName(const std::string& node, int index = 0) { return node + ":" + std::to_string(index); }

}  // namespace surgeon::graph_internal

#endif  // SURGEON_GRAPH_NODE_UTIL_H_
