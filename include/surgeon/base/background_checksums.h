// BackgroundChecksums: CRC32C of ranges of mapped files, computed on a
// second thread while the caller moves the same bytes some other way (a
// kernel copy, WritableFile::AppendCopy). The copy and its verification
// then overlap instead of taking turns.
//
//   BackgroundChecksums crcs(ranges);            // thread starts
//   SURGEON_RETURN_IF_ERROR(out->AppendCopy(run, CopyPath::kKernel));
//   const std::vector<uint32_t>& got = crcs.Wait();  // compare, fail if any differs
#ifndef SURGEON_BASE_BACKGROUND_CHECKSUMS_H_
#define SURGEON_BASE_BACKGROUND_CHECKSUMS_H_

#include <cstdint>
#include <thread>
#include <vector>

#include "surgeon/base/mapped_file.h"

namespace surgeon {

class BackgroundChecksums {
 public:
  // Starts one thread that computes the (unmasked) CRC32C of each range, in
  // order, reading the file's page cache with pread (MappedFile::fd(), the
  // same open file a kernel copy reads) through one 256 KB buffer: memory
  // stays bounded whatever the sizes and nothing is mapped. The ranges'
  // files must outlive this object.
  explicit BackgroundChecksums(std::vector<MappedRange> ranges);
  // Joins the thread (Wait() need not have been called, e.g. on an error path).
  ~BackgroundChecksums();
  BackgroundChecksums(const BackgroundChecksums&) = delete;
  BackgroundChecksums& operator=(const BackgroundChecksums&) = delete;

  // Blocks until every range is done; the CRC of ranges[i] is element i.
  const std::vector<uint32_t>& Wait();

 private:
  void Run();
  std::vector<MappedRange> ranges_;
  std::vector<uint32_t> crcs_;
  std::thread thread_;
};

}  // namespace surgeon

#endif  // SURGEON_BASE_BACKGROUND_CHECKSUMS_H_
