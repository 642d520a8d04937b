// Small RAII and attribute helpers over the HDF5 C library, for the Keras
// weight reader and writer. Private to the format layer.
#ifndef SURGEON_FORMAT_H5_UTIL_H_
#define SURGEON_FORMAT_H5_UTIL_H_

#include <hdf5.h>

#include <string>
#include <vector>

#include "surgeon/base/status.h"

namespace surgeon::h5 {

// Owns one HDF5 identifier of any kind (file, group, dataset, type, space,
// attribute, property list); released with H5Idec_ref.
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  ~Id() { Reset(); }
  Id(Id&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& o) noexcept {
    if (this != &o) {
      Reset();
      id_ = o.id_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;

  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  void Reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Turns off HDF5's printing of its error stack (once per process); errors
// are reported through LastError() instead.
void SilenceErrors();
// The innermost message on HDF5's current error stack ("" when none), e.g.
// "truncated file: eof = 1024, sblock->base_addr = 0, stored_eof = 2048".
std::string LastError();

bool HasAttribute(hid_t obj, const std::string& name);
bool HasChild(hid_t group, const std::string& name);

// A string-list attribute as Keras writes it: fixed- or variable-length
// strings (NUL padding stripped), an empty numeric array for an empty list,
// or, for long lists, chunks "<name>0", "<name>1", ... (tf-keras'
// save_attributes_to_hdf5_group). NotFound when absent.
Result<std::vector<std::string>> ReadStringList(hid_t obj, const std::string& name);
// A scalar string attribute (h5py writes str as variable-length).
Result<std::string> ReadString(hid_t obj, const std::string& name);

// Writes a string list as fixed-length, NUL-padded strings (numpy 'S'), in
// chunks of under 64 KB as tf-keras does for lists too long for one
// attribute.
Status WriteStringList(hid_t obj, const std::string& name, const std::vector<std::string>& values);
Status WriteString(hid_t obj, const std::string& name, const std::string& value);

// The children of a group, in name order.
std::vector<std::string> ChildNames(hid_t group);

}  // namespace surgeon::h5

#endif  // SURGEON_FORMAT_H5_UTIL_H_
