#include "graph/node_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace surgeon::graph_internal {
namespace {

uint16_t FloatToBfloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (std::isnan(f)) return 0x7fc0;
  bits += 0x7fff + ((bits >> 16) & 1);  // Round to nearest even (TF's bfloat16 RNE).
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  x &= 0x7fffffff;
  if (x >= 0x7f800000) return static_cast<uint16_t>(sign | (x > 0x7f800000 ? 0x7e00 : 0x7c00));
  if (x >= 0x477ff000) return static_cast<uint16_t>(sign | 0x7c00);  // Overflow -> inf.
  if (x < 0x38800000) {                                              // Subnormal half.
    float a;
    std::memcpy(&a, &x, 4);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(a * 16777216.0f)));
  }
  uint32_t mant_odd = (x >> 13) & 1;
  x += 0xc8000fff + mant_odd;  // Rebias exponent (-112 << 23) and round to nearest even.
  return static_cast<uint16_t>(sign | (x >> 13));
}

}  // namespace

tensorflow::TensorShapeProto ShapeProto(const Shape& shape) {
  tensorflow::TensorShapeProto p;
  for (int64_t d : shape) p.add_dim()->set_size(d);
  return p;
}

Shape ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  Shape s;
  for (const auto& d : proto.dim()) s.push_back(d.size());
  return s;
}

void SetType(tensorflow::NodeDef* n, const std::string& key, DataType dt) {
  (*n->mutable_attr())[key].set_type(static_cast<tensorflow::DataType>(dt));
}
void SetShape(tensorflow::NodeDef* n, const std::string& key, const Shape& shape) {
  *(*n->mutable_attr())[key].mutable_shape() = ShapeProto(shape);
}
void SetBool(tensorflow::NodeDef* n, const std::string& key, bool v) { (*n->mutable_attr())[key].set_b(v); }
void SetInt(tensorflow::NodeDef* n, const std::string& key, int64_t v) { (*n->mutable_attr())[key].set_i(v); }
void SetString(tensorflow::NodeDef* n, const std::string& key, const std::string& v) {
  (*n->mutable_attr())[key].set_s(v);
}
void SetTypeList(tensorflow::NodeDef* n, const std::string& key, const std::vector<DataType>& types) {
  auto* list = (*n->mutable_attr())[key].mutable_list();
  list->clear_type();
  for (DataType t : types) list->add_type(static_cast<tensorflow::DataType>(t));
}
void SetColocation(tensorflow::NodeDef* n, const std::string& target) {
  auto* list = (*n->mutable_attr())["_class"].mutable_list();
  list->clear_s();
  list->add_s("loc:@" + target);
}

tensorflow::NodeDef* AddNode(tensorflow::GraphDef* g, const std::string& name, const std::string& op) {
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op(op);
  return n;
}

Status FillTensorProto(tensorflow::TensorProto* t, DataType dt, const Shape& shape, double value) {
  t->Clear();
  t->set_dtype(static_cast<tensorflow::DataType>(dt));
  *t->mutable_tensor_shape() = ShapeProto(shape);
  switch (dt) {
    case DataType::kFloat: t->add_float_val(static_cast<float>(value)); break;
    case DataType::kDouble: t->add_double_val(value); break;
    case DataType::kInt32:
    case DataType::kInt16:
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kQint8:
    case DataType::kQuint8:
    case DataType::kQint16:
    case DataType::kQuint16:
    case DataType::kQint32: t->add_int_val(static_cast<int32_t>(value)); break;
    case DataType::kInt64: t->add_int64_val(static_cast<int64_t>(value)); break;
    case DataType::kUint32: t->add_uint32_val(static_cast<uint32_t>(value)); break;
    case DataType::kUint64: t->add_uint64_val(static_cast<uint64_t>(value)); break;
    case DataType::kBool: t->add_bool_val(value != 0); break;
    case DataType::kHalf: t->add_half_val(FloatToHalf(static_cast<float>(value))); break;
    case DataType::kBfloat16: t->add_half_val(FloatToBfloat16(static_cast<float>(value))); break;
    case DataType::kComplex64:
      t->add_scomplex_val(static_cast<float>(value));
      t->add_scomplex_val(0);
      break;
    case DataType::kComplex128:
      t->add_dcomplex_val(value);
      t->add_dcomplex_val(0);
      break;
    case DataType::kString:
      if (value != 0) return Status::InvalidArgument("a DT_STRING constant can only be empty");
      t->add_string_val("");
      break;
    default: return Status::Unimplemented("no Const encoding for " + DataTypeName(dt));
  }
  return Status::OK();
}

tensorflow::NodeDef* AddScalarConst(tensorflow::GraphDef* g, const std::string& name, DataType dt, double value) {
  return AddFilledConst(g, name, dt, {}, value);
}

tensorflow::NodeDef* AddFilledConst(tensorflow::GraphDef* g, const std::string& name, DataType dt, const Shape& shape,
                                    double value) {
  auto* n = AddNode(g, name, "Const");
  SetType(n, "dtype", dt);
  // Callers pass dtypes FillTensorProto accepts (checked in the builders).
  (void)FillTensorProto((*n->mutable_attr())["value"].mutable_tensor(), dt, shape, value);
  return n;
}

tensorflow::NodeDef* AddInt32VectorConst(tensorflow::GraphDef* g, const std::string& name,
                                         const std::vector<int64_t>& values) {
  auto* n = AddNode(g, name, "Const");
  SetType(n, "dtype", DataType::kInt32);
  auto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tensorflow::DT_INT32);
  t->mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(values.size()));
  WriteIntTensor(t, values);
  return n;
}

tensorflow::NodeDef* AddStringConst(tensorflow::GraphDef* g, const std::string& name,
                                    const std::vector<std::string>& values, bool scalar) {
  auto* n = AddNode(g, name, "Const");
  SetType(n, "dtype", DataType::kString);
  auto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tensorflow::DT_STRING);
  t->mutable_tensor_shape();  // Set even for a scalar, as TF writes `tensor_shape {}`.
  if (!scalar) t->mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(values.size()));
  for (const auto& v : values) t->add_string_val(v);
  return n;
}

bool ReadIntTensor(const tensorflow::TensorProto& t, std::vector<int64_t>* out) {
  out->clear();
  int64_t n = 1;
  for (const auto& d : t.tensor_shape().dim()) n *= d.size();
  if (n < 0 || n > (1 << 20)) return false;
  if (t.dtype() == tensorflow::DT_INT32) {
    if (!t.tensor_content().empty()) {
      if (t.tensor_content().size() != static_cast<size_t>(n) * 4) return false;
      for (int64_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, t.tensor_content().data() + 4 * i, 4);
        out->push_back(v);
      }
      return true;
    }
    if (t.int_val_size() == 0) return n == 0;
    for (int64_t i = 0; i < n; ++i) out->push_back(t.int_val(std::min<int64_t>(i, t.int_val_size() - 1)));
    return true;
  }
  if (t.dtype() == tensorflow::DT_INT64) {
    if (!t.tensor_content().empty()) {
      if (t.tensor_content().size() != static_cast<size_t>(n) * 8) return false;
      for (int64_t i = 0; i < n; ++i) {
        int64_t v;
        std::memcpy(&v, t.tensor_content().data() + 8 * i, 8);
        out->push_back(v);
      }
      return true;
    }
    if (t.int64_val_size() == 0) return n == 0;
    for (int64_t i = 0; i < n; ++i) out->push_back(t.int64_val(std::min<int64_t>(i, t.int64_val_size() - 1)));
    return true;
  }
  return false;
}

void WriteIntTensor(tensorflow::TensorProto* t, const std::vector<int64_t>& values) {
  const bool is64 = t->dtype() == tensorflow::DT_INT64;
  t->clear_int_val();
  t->clear_int64_val();
  t->clear_tensor_content();
  if (t->tensor_shape().dim_size() == 1) t->mutable_tensor_shape()->mutable_dim(0)->set_size(values.size());
  if (values.size() > 1) {
    std::string bytes;
    for (int64_t v : values) {
      if (is64) {
        bytes.append(reinterpret_cast<const char*>(&v), 8);
      } else {
        int32_t v32 = static_cast<int32_t>(v);
        bytes.append(reinterpret_cast<const char*>(&v32), 4);
      }
    }
    t->set_tensor_content(bytes);
  } else {
    for (int64_t v : values) {
      if (is64)
        t->add_int64_val(v);
      else
        t->add_int_val(static_cast<int32_t>(v));
    }
  }
}

std::string UniqueScope(const std::string& base, const std::vector<std::string>& node_names) {
  std::set<std::string> taken;
  for (const auto& n : node_names) {
    taken.insert(n);
    taken.insert(n.substr(0, n.find('/')));
  }
  if (!taken.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string s = base + "_" + std::to_string(i);
    if (!taken.count(s)) return s;
  }
}

}  // namespace surgeon::graph_internal
