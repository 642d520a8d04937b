// See graph/fresh_graph.h. Structures checked against the corpus graphs:
// VariableV2/Assign/read and the saver: v2_alzi_dnn (TF 1.14.0); zeros Const
// and the truncated_normal chain: v2_fc2_int32_step (TF 1.5.0); random_uniform
// chain: v2_charrnn_lstm_cell_weights_tf10 (TF 1.0.0); random_normal chain
// (RandomStandardNormal): v2_alzi_dnn.
#include "surgeon/graph/fresh_graph.h"

#include <cctype>
#include <map>
#include <set>

#include "graph/node_util.h"
#include "surgeon/graph/op_registry.h"

namespace surgeon {

using namespace graph_internal;  // NOLINT: file-local helpers

bool IsValidNodeName(const std::string& name) {
  if (name.empty()) return false;
  auto ok_first = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.'; };
  auto ok_rest = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/' || c == '-';
  };
  if (!ok_first(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!ok_rest(c)) return false;
  }
  return name.back() != '/';
}

namespace {

// random_ops.py: <scope>/{shape, a, b, <Op>, mul|sub...}; returns the value tensor node.
std::string AddRandomChain(tensorflow::GraphDef* g, const std::string& scope, const FreshVariable& v,
                           const ResolvedInitializer& init) {
  using D = ResolvedInitializer::Distribution;
  const std::string s = scope + "/";
  AddInt32VectorConst(g, s + "shape", v.shape);
  if (init.distribution == D::kUniform) {
    AddScalarConst(g, s + "min", v.dtype, init.a);
    AddScalarConst(g, s + "max", v.dtype, init.b);
    auto* r = AddNode(g, s + "RandomUniform", "RandomUniform");
    r->add_input(s + "shape");
    SetType(r, "T", DataType::kInt32);
    SetType(r, "dtype", v.dtype);
    SetInt(r, "seed", 0);
    SetInt(r, "seed2", 0);
    auto* sub = AddNode(g, s + "sub", "Sub");  // maxval - minval
    sub->add_input(s + "max");
    sub->add_input(s + "min");
    SetType(sub, "T", v.dtype);
    auto* mul = AddNode(g, s + "mul", "Mul");  // rnd * (maxval - minval)
    mul->add_input(s + "RandomUniform");
    mul->add_input(s + "sub");
    SetType(mul, "T", v.dtype);
    auto* add = AddNode(g, scope, "Add");  // ... + minval
    add->add_input(s + "mul");
    add->add_input(s + "min");
    SetType(add, "T", v.dtype);
    return scope;
  }
  // Normal or truncated normal: mul = rnd * stddev; value = mul + mean.
  const bool truncated = init.distribution == D::kTruncatedNormal;
  const std::string op = truncated ? "TruncatedNormal" : "RandomStandardNormal";
  AddScalarConst(g, s + "mean", v.dtype, init.a);
  AddScalarConst(g, s + "stddev", v.dtype, init.b);
  auto* r = AddNode(g, s + op, op);
  r->add_input(s + "shape");
  SetType(r, "T", DataType::kInt32);
  SetType(r, "dtype", v.dtype);
  SetInt(r, "seed", 0);
  SetInt(r, "seed2", 0);
  auto* mul = AddNode(g, s + "mul", "Mul");
  mul->add_input(s + op);
  mul->add_input(s + "stddev");
  SetType(mul, "T", v.dtype);
  auto* add = AddNode(g, scope, "Add");
  add->add_input(s + "mul");
  add->add_input(s + "mean");
  SetType(add, "T", v.dtype);
  return scope;
}

// init_ops.Orthogonal.__call__ (TF 1.x), names relative to V/Initializer/:
//   random_normal/... (mean 0, stddev 1) of the flat shape [rows, cols]
//   (rows = product of all but the last dim; swapped when rows < cols),
//   Qr (full_matrices false), DiagPart(Qr:1), Sign, mul = Qr * Sign,
//   [matrix_transpose/transpose(mul, perm [1, 0]) when rows < cols],
//   Reshape(., Reshape/shape = V's shape), mul_1 = mul_1/x (gain) * Reshape.
std::string AddOrthogonalChain(tensorflow::GraphDef* g, const std::string& scope, const FreshVariable& v,
                               const ResolvedInitializer& init) {
  const std::string s = scope + "/";
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < v.shape.size(); ++i) rows *= v.shape[i];
  const int64_t cols = v.shape.empty() ? 1 : v.shape.back();
  const bool transpose = rows < cols;
  FreshVariable flat = v;
  flat.shape = transpose ? Shape{cols, rows} : Shape{rows, cols};
  ResolvedInitializer normal;
  normal.distribution = ResolvedInitializer::Distribution::kNormal;
  normal.a = 0.0;  // mean
  normal.b = 1.0;  // stddev
  std::string q = AddRandomChain(g, s + "random_normal", flat, normal);
  auto* qr = AddNode(g, s + "Qr", "Qr");
  qr->add_input(q);
  SetType(qr, "T", v.dtype);
  SetBool(qr, "full_matrices", false);
  auto* diag = AddNode(g, s + "DiagPart", "DiagPart");
  diag->add_input(s + "Qr:1");
  SetType(diag, "T", v.dtype);
  auto* sign = AddNode(g, s + "Sign", "Sign");
  sign->add_input(s + "DiagPart");
  SetType(sign, "T", v.dtype);
  auto* mul = AddNode(g, s + "mul", "Mul");
  mul->add_input(s + "Qr");
  mul->add_input(s + "Sign");
  SetType(mul, "T", v.dtype);
  std::string value = s + "mul";
  if (transpose) {
    AddInt32VectorConst(g, s + "matrix_transpose/transpose/perm", {1, 0});
    auto* t = AddNode(g, s + "matrix_transpose/transpose", "Transpose");
    t->add_input(value);
    t->add_input(s + "matrix_transpose/transpose/perm");
    SetType(t, "T", v.dtype);
    SetType(t, "Tperm", DataType::kInt32);
    value = s + "matrix_transpose/transpose";
  }
  AddInt32VectorConst(g, s + "Reshape/shape", v.shape);
  auto* reshape = AddNode(g, s + "Reshape", "Reshape");
  reshape->add_input(value);
  reshape->add_input(s + "Reshape/shape");
  SetType(reshape, "T", v.dtype);
  SetType(reshape, "Tshape", DataType::kInt32);
  AddScalarConst(g, s + "mul_1/x", v.dtype, init.a);
  auto* gain = AddNode(g, s + "mul_1", "Mul");
  gain->add_input(s + "mul_1/x");
  gain->add_input(s + "Reshape");
  SetType(gain, "T", v.dtype);
  return s + "mul_1";
}

// The orthogonal chain for `v`; returns its value node. Qr has float and
// double kernels only (TF 1.x, and no half one on CPU today), so a
// half/bfloat16 variable's chain runs in float and ends in
// V/Initializer/Cast to the variable's dtype.
std::string AddOrthogonalInitializer(tensorflow::GraphDef* g, const FreshVariable& v) {
  const std::string scope = v.name + "/Initializer";
  if (v.dtype == DataType::kFloat || v.dtype == DataType::kDouble) return AddOrthogonalChain(g, scope, v, *v.init);
  FreshVariable compute = v;
  compute.dtype = DataType::kFloat;
  const std::string value = AddOrthogonalChain(g, scope, compute, *v.init);
  auto* cast = AddNode(g, scope + "/Cast", "Cast");
  cast->add_input(value);
  SetType(cast, "SrcT", DataType::kFloat);
  SetType(cast, "DstT", v.dtype);
  return cast->name();
}

}  // namespace

Status AddRefVariable(const FreshVariable& v, tensorflow::GraphDef* g, tensorflow::VariableDef* def) {
  if (!IsValidNodeName(v.name)) return Status::InvalidArgument("variable '" + v.name + "': not a valid TF node name");
  for (int64_t d : v.shape) {
    if (d < 0)
      return Status::InvalidArgument(v.name + ": shape " + ShapeToString(v.shape) + " has a negative dimension");
  }
  {
    tensorflow::TensorProto probe;
    SURGEON_RETURN_IF_ERROR(FillTensorProto(&probe, v.dtype, {}, 0).WithContext(v.name));
  }
  using D = ResolvedInitializer::Distribution;
  const bool random = v.init && v.init->distribution != D::kConstant;
  if (random && !IsFloatingPoint(v.dtype)) {
    return Status::InvalidArgument(v.name + ": a random initializer needs a floating dtype, not " +
                                   DataTypeName(v.dtype));
  }

  const int first = g->node_size();
  const std::string init_scope = v.name + "/Initializer/";
  std::string value;
  if (!random) {
    const double c = v.init ? v.init->a : 0.0;
    // init_ops.Zeros/Ones/Constant -> array_ops.zeros/ones/constant: names "zeros", "ones", "Const".
    value = init_scope + (c == 0.0 ? "zeros" : c == 1.0 ? "ones" : "Const");
    AddFilledConst(g, value, v.dtype, v.shape, c);
  } else if (v.init->distribution == D::kOrthogonal) {
    value = AddOrthogonalInitializer(g, v);
  } else {
    const char* scope = v.init->distribution == D::kUniform           ? "random_uniform"
                        : v.init->distribution == D::kTruncatedNormal ? "truncated_normal"
                                                                      : "random_normal";
    value = AddRandomChain(g, init_scope + scope, v, *v.init);
  }
  for (int i = first; i < g->node_size(); ++i) SetColocation(g->mutable_node(i), v.name);

  auto* var = AddNode(g, v.name, "VariableV2");
  SetShape(var, "shape", v.shape);
  SetType(var, "dtype", v.dtype);
  SetString(var, "container", "");
  SetString(var, "shared_name", "");
  SetColocation(var, v.name);

  auto* assign = AddNode(g, v.name + "/Assign", "Assign");
  assign->add_input(v.name);
  assign->add_input(value);
  SetType(assign, "T", v.dtype);
  SetColocation(assign, v.name);
  SetBool(assign, "use_locking", true);
  SetBool(assign, "validate_shape", true);

  auto* read = AddNode(g, v.name + "/read", "Identity");
  read->add_input(v.name);
  SetType(read, "T", v.dtype);
  SetColocation(read, v.name);

  def->Clear();
  def->set_variable_name(TensorName(v.name));
  def->set_initializer_name(v.name + "/Assign");
  def->set_snapshot_name(TensorName(v.name + "/read"));
  def->set_initial_value_name(TensorName(value));
  def->set_trainable(v.trainable);
  return Status::OK();
}

Status FillStrippedOpList(tensorflow::MetaGraphDef* mg) {
  std::map<std::string, std::string> used;  // op -> first node using it
  for (const auto& n : mg->graph_def().node()) used.emplace(n.op(), n.name());
  std::map<std::string, tensorflow::OpDef> existing;
  for (const auto& op : mg->meta_info_def().stripped_op_list().op()) existing.emplace(op.name(), op);
  std::set<std::string> functions;
  for (const auto& f : mg->graph_def().library().function()) functions.insert(f.signature().name());
  tensorflow::OpList out;
  for (const auto& [op, node] : used) {
    if (functions.count(op)) continue;  // Function calls are not in the op list.
    auto it = existing.find(op);
    if (it != existing.end()) {
      *out.add_op() = it->second;
    } else if (const auto* def = FindRegisteredOp(op)) {
      *out.add_op() = *def;
    } else {
      return Status::NotFound("op '" + op + "' (node '" + node +
                              "') has no OpDef in the graph or in surgeon's registry");
    }
  }
  *mg->mutable_meta_info_def()->mutable_stripped_op_list() = std::move(out);
  return Status::OK();
}

Result<tensorflow::MetaGraphDef> BuildFreshMetaGraph(const std::vector<FreshVariable>& vars,
                                                     const FreshGraphOptions& options) {
  if (vars.empty()) return Status::InvalidArgument("fresh meta graph: no variables");
  std::set<std::string> names;
  for (const auto& v : vars) {
    if (!names.insert(v.name).second) return Status::InvalidArgument("variable '" + v.name + "' listed twice");
  }
  // A variable must not collide with another's companion nodes (V/read, V/Assign, V/Initializer/...).
  for (const auto& v : vars) {
    for (const char* suffix : {"/read", "/Assign"}) {
      if (names.count(v.name + suffix)) {
        return Status::InvalidArgument("variable '" + v.name + suffix + "' collides with the " + suffix +
                                       " node of variable '" + v.name + "'");
      }
    }
    if (v.name == options.saver.scope || v.name.rfind(options.saver.scope + "/", 0) == 0) {
      return Status::InvalidArgument("variable '" + v.name + "' lives in the saver's scope '" + options.saver.scope +
                                     "/'");
    }
  }
  for (const auto& n : names) {
    if (n.find("/Initializer/") != std::string::npos && names.count(n.substr(0, n.find("/Initializer/")))) {
      return Status::InvalidArgument("variable '" + n + "' collides with an initializer node");
    }
  }

  tensorflow::MetaGraphDef mg;
  auto* g = mg.mutable_graph_def();
  auto* variables = (*mg.mutable_collection_def())["variables"].mutable_bytes_list();
  tensorflow::CollectionDef::BytesList trainable;
  std::vector<SaverEntry> entries;
  bool has_global_step = false;
  for (const auto& v : vars) {
    tensorflow::VariableDef def;
    SURGEON_RETURN_IF_ERROR(AddRefVariable(v, g, &def));
    std::string bytes = def.SerializeAsString();
    variables->add_value(bytes);
    if (v.trainable) trainable.add_value(bytes);
    entries.push_back({v.checkpoint_key.empty() ? v.name : v.checkpoint_key, v.name, v.dtype, "", ""});
    if (v.name == "global_step") has_global_step = true;
  }
  if (trainable.value_size() > 0) {
    *(*mg.mutable_collection_def())["trainable_variables"].mutable_bytes_list() = std::move(trainable);
  }
  if (has_global_step) {
    (*mg.mutable_collection_def())["global_step"].mutable_node_list()->add_value("global_step:0");
  }
  SURGEON_ASSIGN_OR_RETURN(*mg.mutable_saver_def(), AddSaverSubgraph(std::move(entries), options.saver, g));
  g->mutable_versions()->set_producer(options.producer);

  auto* info = mg.mutable_meta_info_def();
  info->set_tensorflow_version(options.tensorflow_version);
  info->set_tensorflow_git_version(options.tensorflow_git_version);
  SURGEON_RETURN_IF_ERROR(FillStrippedOpList(&mg));
  return mg;
}

}  // namespace surgeon
