#include "format/h5_util.h"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace surgeon::h5 {
namespace {

// tf-keras' HDF5_OBJECT_HEADER_LIMIT: attributes must fit an object header.
constexpr size_t kAttributeLimit = 64512;

herr_t InnermostMessage(unsigned n, const H5E_error2_t* e, void* out) {
  if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
  return 0;
}

herr_t CollectName(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

Result<std::vector<std::string>> ReadOne(hid_t obj, const std::string& name) {
  Id attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  if (!attr.ok()) return Status::DataLoss("attribute '" + name + "' cannot be opened: " + LastError());
  Id type(H5Aget_type(attr.get())), space(H5Aget_space(attr.get()));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) return Status::DataLoss("attribute '" + name + "' has no extent");
  std::vector<std::string> out;
  if (n == 0) return out;  // h5py stores an empty list as an empty float array.
  if (H5Tget_class(type.get()) != H5T_STRING)
    return Status::DataLoss("attribute '" + name + "' is not a list of strings");
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> ptrs(n, nullptr);
    Id mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    if (H5Aread(attr.get(), mem.get(), ptrs.data()) < 0)
      return Status::DataLoss("attribute '" + name + "' cannot be read: " + LastError());
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const size_t width = H5Tget_size(type.get());
  std::vector<char> buf(width * n);
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0)
    return Status::DataLoss("attribute '" + name + "' cannot be read: " + LastError());
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * width;
    out.emplace_back(p, strnlen(p, width));
  }
  return out;
}

Status WriteOne(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> buf(width * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i) std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  Id type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  hsize_t dims[1] = {values.size()};
  Id space(values.empty() ? H5Screate(H5S_NULL) : H5Screate_simple(1, dims, nullptr));
  if (values.empty()) {  // As h5py writes np.array([]): an empty float64 array.
    hsize_t zero[1] = {0};
    Id empty(H5Screate_simple(1, zero, nullptr));
    Id attr(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, empty.get(), H5P_DEFAULT, H5P_DEFAULT));
    return attr.ok() ? Status::OK() : Status::IoError("cannot write attribute '" + name + "': " + LastError());
  }
  Id attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok() || H5Awrite(attr.get(), type.get(), buf.data()) < 0) {
    return Status::IoError("cannot write attribute '" + name + "': " + LastError());
  }
  return Status::OK();
}

}  // namespace

void Id::Reset() {
  if (id_ >= 0) H5Idec_ref(id_);
  id_ = H5I_INVALID_HID;
}

void SilenceErrors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

std::string LastError() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, InnermostMessage, &msg);
  return msg.empty() ? "HDF5 error" : msg;
}

bool HasAttribute(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

bool HasChild(hid_t group, const std::string& name) { return H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0; }

Result<std::vector<std::string>> ReadStringList(hid_t obj, const std::string& name) {
  if (HasAttribute(obj, name)) return ReadOne(obj, name);
  std::vector<std::string> out;
  int chunk = 0;
  for (; HasAttribute(obj, name + std::to_string(chunk)); ++chunk) {
    SURGEON_ASSIGN_OR_RETURN(auto part, ReadOne(obj, name + std::to_string(chunk)));
    out.insert(out.end(), part.begin(), part.end());
  }
  if (chunk == 0) return Status::NotFound("no attribute '" + name + "'");
  return out;
}

Result<std::string> ReadString(hid_t obj, const std::string& name) {
  SURGEON_ASSIGN_OR_RETURN(auto list, ReadStringList(obj, name));
  if (list.size() != 1) return Status::DataLoss("attribute '" + name + "' is not one string");
  return list[0];
}

Status WriteStringList(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  const size_t per_chunk = std::max<size_t>(1, (kAttributeLimit - 1) / width);
  if (values.size() <= per_chunk) return WriteOne(obj, name, values);
  for (size_t i = 0, c = 0; i < values.size(); i += per_chunk, ++c) {
    std::vector<std::string> part(values.begin() + i, values.begin() + std::min(values.size(), i + per_chunk));
    SURGEON_RETURN_IF_ERROR(WriteOne(obj, name + std::to_string(c), part));
  }
  return Status::OK();
}

Status WriteString(hid_t obj, const std::string& name, const std::string& value) {
  Id type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<size_t>(1, value.size()));
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  Id space(H5Screate(H5S_SCALAR));
  Id attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  std::string buf = value.empty() ? std::string(1, '\0') : value;
  if (!attr.ok() || H5Awrite(attr.get(), type.get(), buf.data()) < 0) {
    return Status::IoError("cannot write attribute '" + name + "': " + LastError());
  }
  return Status::OK();
}

std::vector<std::string> ChildNames(hid_t group) {
  std::vector<std::string> out;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, CollectName, &out);
  return out;
}

}  // namespace surgeon::h5
