// The .npy array format (numpy/lib/format.py), as stored in .npz members:
//
//   "\x93NUMPY" major minor            6 + 2 bytes (versions 1.0, 2.0, 3.0)
//   header length                      uint16 LE (1.0) or uint32 LE (2.0, 3.0)
//   "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
//                                      padded with spaces, ending in '\n'
//   data                               the array's bytes
#ifndef SURGEON_FORMAT_NPY_H_
#define SURGEON_FORMAT_NPY_H_

#include <optional>
#include <string>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/format/tensor_entry.h"

namespace surgeon {

struct NpyHeader {
  DataType dtype = DataType::kInvalid;
  Shape shape;
  bool fortran_order = false;
  uint64_t data_offset = 0;  // Bytes before the array data (magic + header).
};

// The size of the whole header (magic to '\n') from the first 12 bytes
// (10 suffice for version 1.0).
Result<uint64_t> NpyHeaderSize(ByteSpan first, const std::string& where);

// Parses the header at the start of `bytes` (at least its first
// min(size, 64 KiB) bytes). `where` names the member in errors
// ("w.npz: member 'fc1/kernel.npy'").
Result<NpyHeader> ParseNpyHeader(ByteSpan bytes, const std::string& where);

// The descr numpy uses for `dtype` ("<f4"), or nullopt.
std::optional<std::string> NpyDescr(DataType dtype);

// A version 1.0 header (2.0 when the dict needs more than 65,535 bytes)
// padded so the data starts at a multiple of 64, as numpy writes it.
std::string NpyHeaderBytes(DataType dtype, const Shape& shape);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_NPY_H_
