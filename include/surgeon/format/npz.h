// NumPy .npz archives: a zip file whose members "<name>.npy" each hold one
// array (npy.h), stored or deflated (numpy.savez / savez_compressed). The
// tensor's key is the member name without ".npy" ("fc1/kernel.npy" ->
// "fc1/kernel"). Read with libzip, which checks each member's CRC-32.
//
// Written members are stored (uncompressed), ZIP64 where a size or offset
// needs it, in Add order; numpy.load reads them back.
#ifndef SURGEON_FORMAT_NPZ_H_
#define SURGEON_FORMAT_NPZ_H_

#include <memory>
#include <string>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

// Lists every member's dtype and shape (reading only the .npy headers);
// errors name the file and the member.
Result<std::unique_ptr<CheckpointReader>> OpenNpz(const std::string& path);

Result<std::unique_ptr<TensorWriter>> CreateNpzWriter(StagedOutput* out, const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_NPZ_H_
