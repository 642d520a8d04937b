// CheckpointReader over Keras HDF5 weight files (layouts: keras_h5.h).
#include <algorithm>
#include <cctype>
#include <map>

#include "format/h5_util.h"
#include "format/keras_archive.h"
#include "format/keras_names.h"
#include "surgeon/base/crc32c.h"
#include "surgeon/format/keras_h5.h"

namespace surgeon {
namespace {

using h5::Id;

const char* ClassName(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return "unknown";
  }
}

// True for h5py's bool: an 8-bit enum {FALSE: 0, TRUE: 1}.
bool IsH5pyBool(hid_t t) {
  if (H5Tget_class(t) != H5T_ENUM || H5Tget_size(t) != 1 || H5Tget_nmembers(t) != 2) return false;
  int8_t v0 = -1, v1 = -1;
  H5Tget_member_value(t, 0, &v0);
  H5Tget_member_value(t, 1, &v1);
  return v0 == 0 && v1 == 1;
}

// The surgeon dtype for a dataset's file type and the memory type HDF5
// converts it into (little-endian); kInvalid for types surgeon cannot read.
std::pair<DataType, Id> MemoryType(hid_t file_type) {
  const size_t size = H5Tget_size(file_type);
  switch (H5Tget_class(file_type)) {
    case H5T_FLOAT: {
      if (size == 8) return {DataType::kDouble, Id(H5Tcopy(H5T_IEEE_F64LE))};
      if (size == 4) return {DataType::kFloat, Id(H5Tcopy(H5T_IEEE_F32LE))};
      size_t spos, epos, esize, mpos, msize;
      if (size == 2 && H5Tget_fields(file_type, &spos, &epos, &esize, &mpos, &msize) >= 0 && spos == 15 && epos == 10 &&
          esize == 5 && mpos == 0 && msize == 10 && H5Tget_ebias(file_type) == 15) {
        Id t(H5Tcopy(file_type));
        H5Tset_order(t.get(), H5T_ORDER_LE);
        return {DataType::kHalf, std::move(t)};
      }
      break;
    }
    case H5T_INTEGER: {
      const bool sign = H5Tget_sign(file_type) == H5T_SGN_2;
      if (size == 1)
        return {sign ? DataType::kInt8 : DataType::kUint8, Id(H5Tcopy(sign ? H5T_STD_I8LE : H5T_STD_U8LE))};
      if (size == 2)
        return {sign ? DataType::kInt16 : DataType::kUint16, Id(H5Tcopy(sign ? H5T_STD_I16LE : H5T_STD_U16LE))};
      if (size == 4)
        return {sign ? DataType::kInt32 : DataType::kUint32, Id(H5Tcopy(sign ? H5T_STD_I32LE : H5T_STD_U32LE))};
      if (size == 8)
        return {sign ? DataType::kInt64 : DataType::kUint64, Id(H5Tcopy(sign ? H5T_STD_I64LE : H5T_STD_U64LE))};
      break;
    }
    case H5T_ENUM:
      if (IsH5pyBool(file_type)) return {DataType::kBool, Id(H5Tcopy(file_type))};
      break;
    default: break;
  }
  return {DataType::kInvalid, Id()};
}

class KerasH5Reader : public CheckpointReader {
 public:
  static Result<std::unique_ptr<CheckpointReader>> Open(const std::string& path);
  static Result<std::unique_ptr<CheckpointReader>> OpenArchive(const std::string& path);

  CheckpointFormat format() const override { return CheckpointFormat::kKerasH5; }
  const std::string& path() const override { return path_; }
  const std::vector<TensorEntry>& entries() const override { return entries_; }
  Result<TensorData> Read(const TensorEntry& e) const override;
  std::vector<std::pair<std::string, std::string>> Describe() const override { return describe_; }

 private:
  Status LoadLayout(hid_t root);
  Status LoadKeras2(hid_t root, const std::string& root_path);
  Status LoadKeras3(hid_t group, const std::string& group_path, bool under_layers);
  Status AddVars(hid_t vars, const std::string& vars_path, bool under_layers);
  // The variable names of layer `owner`'s vars: from config.json when it
  // knows the layer's class and lists as many, else from the shapes.
  std::vector<std::string> RolesFor(const std::string& owner, const std::vector<Shape>& shapes);
  std::string ArchiveNamingNote() const;
  // Registers dataset `dataset_path` as tensor `name`.
  Status AddTensor(const std::string& name, const std::string& dataset_path);
  std::string Where(const std::string& name, const std::string& dataset) const {
    return path_ + ": tensor '" + name + "' (dataset " + dataset + ")";
  }

  std::string path_;
  Id file_;
  std::vector<TensorEntry> entries_;
  std::map<std::string, std::string> datasets_;  // tensor name -> dataset path
  std::vector<std::pair<std::string, std::string>> describe_;
  // From a .keras archive's config.json: layer name -> class and roles.
  std::map<std::string, KerasLayerVars> config_layers_;
  std::vector<std::string> roles_by_shape_;  // Layers whose roles came from shapes despite a config.
};

Result<std::unique_ptr<CheckpointReader>> KerasH5Reader::Open(const std::string& path) {
  h5::SilenceErrors();
  auto r = std::unique_ptr<KerasH5Reader>(new KerasH5Reader);
  r->path_ = path;
  r->file_ = Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!r->file_.ok())
    return Status::DataLoss(path + ": not a readable HDF5 file (truncated or corrupt?): " + h5::LastError());
  Id root(H5Gopen2(r->file_.get(), "/", H5P_DEFAULT));
  if (!root.ok()) return Status::DataLoss(path + ": cannot open the HDF5 root group: " + h5::LastError());
  SURGEON_RETURN_IF_ERROR(r->LoadLayout(root.get()));
  return std::unique_ptr<CheckpointReader>(std::move(r));
}

// The archive's model.weights.h5 is opened from memory (HDF5's core driver
// over a copy of the member), and config.json names each layer's variables.
Result<std::unique_ptr<CheckpointReader>> KerasH5Reader::OpenArchive(const std::string& path) {
  h5::SilenceErrors();
  SURGEON_ASSIGN_OR_RETURN(KerasArchive archive, ReadKerasArchive(path));
  auto r = std::unique_ptr<KerasH5Reader>(new KerasH5Reader);
  r->path_ = path;
  auto layers = KerasLayersFromConfig(archive.config_json);
  if (!layers.ok()) return Status::DataLoss(path + ": " + layers.status().message());
  r->config_layers_ = std::move(*layers);
  Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), 1 << 20, /*backing_store=*/0) < 0 ||
      H5Pset_file_image(fapl.get(), archive.weights_h5.data(), archive.weights_h5.size()) < 0) {
    return Status::Internal(path + ": cannot set up HDF5 in-memory access: " + h5::LastError());
  }
  archive.weights_h5 = {};
  r->file_ = Id(H5Fopen((path + "/model.weights.h5").c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!r->file_.ok()) {
    return Status::DataLoss(path + ": member model.weights.h5 is not a readable HDF5 file: " + h5::LastError());
  }
  Id root(H5Gopen2(r->file_.get(), "/", H5P_DEFAULT));
  if (!root.ok()) return Status::DataLoss(path + ": model.weights.h5: cannot open the root group: " + h5::LastError());
  SURGEON_RETURN_IF_ERROR(r->LoadLayout(root.get()));
  return std::unique_ptr<CheckpointReader>(std::move(r));
}

// Recognizes the layout under `root`, registers every tensor and describes
// how the names were found.
Status KerasH5Reader::LoadLayout(hid_t root) {
  if (h5::HasAttribute(root, "layer_names") || h5::HasAttribute(root, "layer_names0")) {
    describe_.push_back({"layout", "Keras 2 save_weights (layer_names at /)"});
    SURGEON_RETURN_IF_ERROR(LoadKeras2(root, ""));
  } else if (h5::HasChild(root, "model_weights")) {
    Id mw(H5Gopen2(root, "model_weights", H5P_DEFAULT));
    if (!mw.ok()) return Status::DataLoss(path_ + ": /model_weights is not a group");
    describe_.push_back({"layout", "Keras 2 model.save (layer_names at /model_weights)"});
    SURGEON_RETURN_IF_ERROR(LoadKeras2(mw.get(), "/model_weights"));
  } else if (h5::HasChild(root, "layers") || h5::HasChild(root, "vars")) {
    describe_.push_back({"layout", "Keras 3 .weights.h5 (layers/<layer>/vars/<i>)"});
    SURGEON_RETURN_IF_ERROR(LoadKeras3(root, "", false));
    describe_.push_back({"names", config_layers_.empty() ? std::string(kKeras3NamingNote) : ArchiveNamingNote()});
  } else {
    return Status::InvalidArgument(path_ +
                                   ": an HDF5 file, but not Keras weights: no layer_names attribute, "
                                   "/model_weights or /layers group");
  }
  for (const auto& attr : {"keras_version", "backend"}) {
    if (auto v = h5::ReadString(root, attr); v.ok()) describe_.push_back({attr, *v});
  }
  std::sort(entries_.begin(), entries_.end(), [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
  return Status::OK();
}

Status KerasH5Reader::LoadKeras2(hid_t root, const std::string& root_path) {
  auto layers = h5::ReadStringList(root, "layer_names");
  if (!layers.ok())
    return Status::DataLoss(path_ + ": " + (root_path.empty() ? "/" : root_path) + ": " + layers.status().message());
  for (const std::string& layer : *layers) {
    const std::string group_path = root_path + "/" + layer;
    Id group(H5Gopen2(root, layer.c_str(), H5P_DEFAULT));
    if (!group.ok())
      return Status::DataLoss(path_ + ": layer_names lists '" + layer + "', but there is no group " + group_path);
    auto weights = h5::ReadStringList(group.get(), "weight_names");
    if (!weights.ok()) return Status::DataLoss(path_ + ": " + group_path + ": " + weights.status().message());
    for (const std::string& w : *weights) {
      SURGEON_RETURN_IF_ERROR(AddTensor(KerasTensorName(layer, w), group_path + "/" + w));
    }
  }
  return Status::OK();
}

// "conv2d_2" before "conv2d_10": Keras 3 names a model's groups by layer
// class and creation count, so this is creation order within a class (the
// file records no creation order).
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      if (ie - i != je - j) return ie - i < je - j;
      if (int c = a.compare(i, ie - i, b, j, je - j); c != 0) return c < 0;
      i = ie, j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i, ++j;
  }
  return a.size() - i < b.size() - j;
}

Status KerasH5Reader::LoadKeras3(hid_t group, const std::string& group_path, bool under_layers) {
  std::vector<std::string> children = h5::ChildNames(group);
  std::sort(children.begin(), children.end(), NaturalLess);
  for (const std::string& child : children) {
    const std::string child_path = group_path + "/" + child;
    Id obj(H5Oopen(group, child.c_str(), H5P_DEFAULT));
    if (!obj.ok()) return Status::DataLoss(path_ + ": " + child_path + ": " + h5::LastError());
    if (H5Iget_type(obj.get()) != H5I_GROUP) continue;
    const hid_t g = obj.get();
    if (child == "vars") {
      SURGEON_RETURN_IF_ERROR(AddVars(g, child_path, under_layers));
    } else {
      SURGEON_RETURN_IF_ERROR(LoadKeras3(g, child_path, under_layers || child == "layers"));
    }
  }
  return Status::OK();
}

Status KerasH5Reader::AddVars(hid_t vars, const std::string& vars_path, bool under_layers) {
  std::vector<std::string> names = h5::ChildNames(vars);
  if (names.empty()) return Status::OK();
  std::sort(names.begin(), names.end(), NaturalLess);  // "2" before "10"
  std::string owner = vars_path.substr(0, vars_path.rfind('/'));
  owner = owner.substr(owner.rfind('/') + 1);
  if (auto n = h5::ReadString(vars, "name"); n.ok() && !n->empty()) owner = *n;
  std::vector<Shape> shapes;
  for (const auto& n : names) {
    Id ds(H5Dopen2(vars, n.c_str(), H5P_DEFAULT));
    if (!ds.ok()) return Status::DataLoss(path_ + ": " + vars_path + "/" + n + " is not a dataset");
    Id space(H5Dget_space(ds.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    Shape shape(std::max(rank, 0));
    std::vector<hsize_t> dims(shape.size());
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    for (size_t i = 0; i < dims.size(); ++i) shape[i] = static_cast<int64_t>(dims[i]);
    shapes.push_back(shape);
  }
  std::vector<std::string> roles = RolesFor(owner, shapes);
  if (!under_layers) roles.assign(names.begin(), names.end());
  for (size_t i = 0; i < names.size(); ++i) {
    SURGEON_RETURN_IF_ERROR(AddTensor(owner + "/" + roles[i], vars_path + "/" + names[i]));
  }
  return Status::OK();
}

std::vector<std::string> KerasH5Reader::RolesFor(const std::string& owner, const std::vector<Shape>& shapes) {
  if (config_layers_.empty()) return Keras3Roles(shapes);
  auto it = config_layers_.find(owner);
  if (it != config_layers_.end() && it->second.roles.size() == shapes.size()) return it->second.roles;
  roles_by_shape_.push_back(owner);
  return Keras3Roles(shapes);
}

std::string KerasH5Reader::ArchiveNamingNote() const {
  std::string note =
      ".keras archive: <layer> is each vars group's 'name' attribute, variable names from "
      "config.json's layer classes";
  if (roles_by_shape_.empty()) return note;
  note += "; inferred from shapes (class not known or variable count differs) for:";
  for (const auto& l : roles_by_shape_) note += " " + l;
  return note;
}

Status KerasH5Reader::AddTensor(const std::string& name, const std::string& dataset_path) {
  const std::string where = Where(name, dataset_path);
  if (datasets_.count(name)) {
    return Status::DataLoss(where + ": the name is also given to dataset " + datasets_[name]);
  }
  Id ds(H5Dopen2(file_.get(), dataset_path.c_str(), H5P_DEFAULT));
  if (!ds.ok()) return Status::DataLoss(where + ": no such dataset: " + h5::LastError());
  Id type(H5Dget_type(ds.get())), space(H5Dget_space(ds.get()));
  auto [dtype, mem] = MemoryType(type.get());
  if (dtype == DataType::kInvalid) {
    return Status::Unimplemented(where + ": HDF5 " + ClassName(H5Tget_class(type.get())) + " data of " +
                                 std::to_string(H5Tget_size(type.get())) + " bytes per element is not supported");
  }
  const H5S_class_t kind = H5Sget_simple_extent_type(space.get());
  if (kind != H5S_SIMPLE && kind != H5S_SCALAR)
    return Status::DataLoss(where + ": dataset has no data (null dataspace)");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > kMaxRank) return Status::DataLoss(where + ": bad rank");
  std::vector<hsize_t> dims(rank);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  TensorEntry e;
  e.key = name;
  e.dtype = dtype;
  for (hsize_t d : dims) e.shape.push_back(static_cast<int64_t>(d));
  auto bytes = FixedTensorBytes(dtype, e.shape);
  if (!bytes.ok()) return Status::DataLoss(where + ": " + bytes.status().message());
  e.shard_id = 0;
  e.offset = entries_.size();  // The file's own order (layer_names, weight_names).
  e.size = *bytes;
  datasets_[name] = dataset_path;
  entries_.push_back(std::move(e));
  return Status::OK();
}

Result<TensorData> KerasH5Reader::Read(const TensorEntry& e) const {
  auto it = datasets_.find(e.key);
  if (it == datasets_.end()) return Status::NotFound(path_ + ": no tensor '" + e.key + "'");
  const std::string where = Where(e.key, it->second);
  Id ds(H5Dopen2(file_.get(), it->second.c_str(), H5P_DEFAULT));
  if (!ds.ok()) return Status::DataLoss(where + ": cannot open: " + h5::LastError());
  Id type(H5Dget_type(ds.get()));
  auto [dtype, mem] = MemoryType(type.get());
  if (dtype != e.dtype) return Status::DataLoss(where + ": dataset type changed since the file was opened");
  std::vector<uint8_t> data(e.size);
  if (e.size > 0 && H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) {
    return Status::DataLoss(where + ": cannot read: " + h5::LastError());
  }
  const uint32_t crc = crc32c::Mask(crc32c::Value(data.data(), data.size()));
  return TensorData::Owned(std::move(data), crc);
}

}  // namespace

Result<std::unique_ptr<CheckpointReader>> OpenKerasH5(const std::string& path) {
  if (IsKerasArchive(path)) return KerasH5Reader::OpenArchive(path);
  return KerasH5Reader::Open(path);
}

}  // namespace surgeon
