// Files: read-only mappings for inputs, buffered writers for outputs, and
// StagedOutput, which makes a set of output files appear all-or-nothing.
// Each lives in its own header; this one gathers them for callers that use
// several.
#ifndef SURGEON_BASE_FILE_H_
#define SURGEON_BASE_FILE_H_

#include "surgeon/base/bytes.h"
#include "surgeon/base/mapped_file.h"
#include "surgeon/base/path.h"
#include "surgeon/base/staged_output.h"
#include "surgeon/base/writable_file.h"

#endif  // SURGEON_BASE_FILE_H_
