// TensorFlow's version rule for data it wrote (core/framework/versions.cc
// CheckVersions), shared by the V2 bundle and V1 readers.
#ifndef SURGEON_FORMAT_VERSIONS_H_
#define SURGEON_FORMAT_VERSIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"

namespace surgeon {

// What a file says about the code that wrote it (TF's VersionDef).
struct WriterVersions {
  int32_t producer = 0;
  int32_t min_consumer = 0;
  std::vector<int32_t> bad_consumers;
};

// A reader of version `consumer` that accepts producers from `min_producer`
// on may read the file: FailedPrecondition naming `path` and `what`
// ("bundle", "checkpoint") otherwise.
Status CheckVersions(const std::string& path, std::string_view what, const WriterVersions& versions, int consumer,
                     int min_producer);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_VERSIONS_H_
