// Writing Keras 2 save_weights HDF5 files (layout: keras_h5.h). HDF5 writes
// the staged temporary file itself (by its path); the StagedOutput renames it
// into place at commit, as any other output file.
#include <algorithm>
#include <map>
#include <set>

#include "format/h5_util.h"
#include "format/keras_names.h"
#include "surgeon/format/keras_h5.h"

namespace surgeon {
namespace {

using h5::Id;

// The version of the layout written (tf-keras 2.x); without it tf-keras
// assumes a Keras 1 file.
constexpr char kKerasVersion[] = "2.21.0";

// The HDF5 type a tensor of `dtype` is stored as (as h5py stores numpy's),
// or an invalid Id.
Id FileType(DataType dtype) {
  switch (dtype) {
    case DataType::kDouble: return Id(H5Tcopy(H5T_IEEE_F64LE));
    case DataType::kFloat: return Id(H5Tcopy(H5T_IEEE_F32LE));
    case DataType::kHalf: {  // IEEE binary16, as h5py's '<f2'.
      Id t(H5Tcopy(H5T_IEEE_F32LE));
      H5Tset_fields(t.get(), 15, 10, 5, 0, 10);
      H5Tset_precision(t.get(), 16);
      H5Tset_size(t.get(), 2);
      H5Tset_ebias(t.get(), 15);
      return t;
    }
    case DataType::kInt8: return Id(H5Tcopy(H5T_STD_I8LE));
    case DataType::kInt16: return Id(H5Tcopy(H5T_STD_I16LE));
    case DataType::kInt32: return Id(H5Tcopy(H5T_STD_I32LE));
    case DataType::kInt64: return Id(H5Tcopy(H5T_STD_I64LE));
    case DataType::kUint8: return Id(H5Tcopy(H5T_STD_U8LE));
    case DataType::kUint16: return Id(H5Tcopy(H5T_STD_U16LE));
    case DataType::kUint32: return Id(H5Tcopy(H5T_STD_U32LE));
    case DataType::kUint64: return Id(H5Tcopy(H5T_STD_U64LE));
    case DataType::kBool: {  // h5py's bool: enum int8 {FALSE, TRUE}.
      Id t(H5Tenum_create(H5T_STD_I8LE));
      int8_t f = 0, v = 1;
      H5Tenum_insert(t.get(), "FALSE", &f);
      H5Tenum_insert(t.get(), "TRUE", &v);
      return t;
    }
    default: return Id();
  }
}

class KerasH5Writer : public TensorWriter {
 public:
  KerasH5Writer(std::string path, Id file) : path_(std::move(path)), file_(std::move(file)) {}

  Status Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) override;
  Status Finish() override;
  uint64_t data_bytes() const override { return data_bytes_; }

 private:
  struct Layer {
    std::vector<std::string> weights;  // Weight names ("<key>:0") in Add order.
  };
  std::string path_;
  Id file_;
  std::vector<std::string> layer_order_;
  std::map<std::string, Layer> layers_;
  std::set<std::string> keys_;
  uint64_t data_bytes_ = 0;
};

Status KerasH5Writer::Add(const std::string& key, DataType dtype, const Shape& shape, ByteSpan bytes) {
  const std::string where = path_ + ": tensor '" + key + "'";
  Id type = FileType(dtype);
  if (!type.ok()) {
    return Status::Unimplemented(where + " is " + DataTypeName(dtype) +
                                 ", which Keras HDF5 weights cannot hold (drop it or write a tf_checkpoint)");
  }
  if (key.empty() || key.front() == '/' || key.back() == '/' || key.find("//") != std::string::npos) {
    return Status::InvalidArgument(where + ": not a Keras variable name (layer/.../weight)");
  }
  if (!keys_.insert(key).second) return Status::InvalidArgument(where + " is written twice");
  SURGEON_ASSIGN_OR_RETURN(uint64_t want, FixedTensorBytes(dtype, shape));
  if (bytes.size() != want) {
    return Status::InvalidArgument(where + " has " + std::to_string(bytes.size()) + " bytes, " + ShapeToString(shape) +
                                   " needs " + std::to_string(want));
  }
  const size_t slash = key.rfind('/');
  const std::string layer = slash == std::string::npos ? key : key.substr(0, slash);
  const std::string weight = key + ":0";
  if (!layers_.count(layer)) layer_order_.push_back(layer);
  layers_[layer].weights.push_back(weight);

  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Id space(shape.empty() ? H5Screate(H5S_SCALAR)
                         : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Id lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  const std::string dataset = "/" + layer + "/" + weight;
  Id ds(H5Dcreate2(file_.get(), dataset.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!ds.ok()) return Status::IoError(where + ": cannot create dataset " + dataset + ": " + h5::LastError());
  if (!bytes.empty() && H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) {
    return Status::IoError(where + ": cannot write dataset " + dataset + ": " + h5::LastError());
  }
  data_bytes_ += bytes.size();
  return Status::OK();
}

Status KerasH5Writer::Finish() {
  Id root(H5Gopen2(file_.get(), "/", H5P_DEFAULT));
  for (const std::string& layer : layer_order_) {
    std::vector<std::string>& w = layers_[layer].weights;
    std::stable_sort(w.begin(), w.end(), [&](const std::string& a, const std::string& b) {
      auto role = [&](const std::string& n) { return n.substr(layer.size() + 1, n.size() - layer.size() - 3); };
      return KerasWeightRank(role(a)) < KerasWeightRank(role(b));
    });
    Id group(H5Gopen2(file_.get(), layer.c_str(), H5P_DEFAULT));
    if (!group.ok()) return Status::IoError(path_ + ": cannot open group /" + layer + ": " + h5::LastError());
    SURGEON_RETURN_IF_ERROR(h5::WriteStringList(group.get(), "weight_names", w).WithContext(path_ + ": /" + layer));
  }
  SURGEON_RETURN_IF_ERROR(h5::WriteStringList(root.get(), "layer_names", layer_order_).WithContext(path_));
  SURGEON_RETURN_IF_ERROR(h5::WriteString(root.get(), "backend", "tensorflow").WithContext(path_));
  SURGEON_RETURN_IF_ERROR(h5::WriteString(root.get(), "keras_version", kKerasVersion).WithContext(path_));
  root.Reset();
  const hid_t f = file_.get();
  if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) return Status::IoError(path_ + ": " + h5::LastError());
  file_.Reset();  // Closes the file: everything is on disk before the rename.
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<TensorWriter>> CreateKerasH5Writer(StagedOutput* out, const std::string& path) {
  h5::SilenceErrors();
  SURGEON_ASSIGN_OR_RETURN(WritableFile * staged, out->Add(path));
  // HDF5 writes the staged temporary by name; the staged writer stays empty.
  Id file(H5Fcreate(staged->path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file.ok()) return Status::IoError(path + ": cannot create HDF5 file " + staged->path() + ": " + h5::LastError());
  return std::unique_ptr<TensorWriter>(new KerasH5Writer(path, std::move(file)));
}

}  // namespace surgeon
