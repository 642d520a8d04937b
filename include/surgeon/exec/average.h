// `surgeon average`: the element-wise, optionally weighted, mean of N
// checkpoints of one model (model soups, stochastic weight averaging,
// checkpoint averaging), written as a new checkpoint or weight file.
//
//   AverageOptions options;
//   options.weights = {1, 1, 2};
//   SURGEON_ASSIGN_OR_RETURN(AverageResult r,
//       AverageCheckpoints({"run/model.ckpt-800", "run/model.ckpt-900", "run/model.ckpt-1000"},
//                          "soup/model.ckpt-0", options));
//
// Contract:
//   - every source has the same tensors (after `exclude`), each with the same
//     dtype and shape; otherwise InvalidArgument naming the tensor and files;
//   - floating-point tensors (float16, bfloat16, float32, float64) become
//     sum_i(w_i * x_i) / sum_i(w_i), summed in float64 in source order, then
//     rounded to the tensor's dtype (nearest, ties to even); NaN propagates;
//   - every other tensor (integers, bool, strings, complex) must hold the same
//     bytes in every source, unless `non_float_from_first` (then the first
//     source's value is written and the result lists the tensors that
//     differed);
//   - memory: one output tensor plus an 8 MiB float64 accumulator (sources
//     are read through their mappings, chunk by chunk);
//   - the output follows the usual rules (exec/output.h): staged, renamed at
//     the end, nothing left on error, a source is never written. A
//     tf_checkpoint target gets its `checkpoint` state file and, when the
//     first source has one, a copy of its `.meta` (the variables are the same).
#ifndef SURGEON_EXEC_AVERAGE_H_
#define SURGEON_EXEC_AVERAGE_H_

#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/exec/copy.h"
#include "surgeon/exec/output.h"
#include "surgeon/format/tensor_writer.h"
#include "surgeon/plan/pattern.h"

namespace surgeon {

struct AverageOptions {
  std::vector<double> weights;   // One per source, each finite and > 0; empty: all 1.
  std::vector<Pattern> exclude;  // Tensors left out of the output (e.g. "*/Momentum").
  bool non_float_from_first = false;
  OutputFormat format = OutputFormat::kTfCheckpoint;
  OutputOptions output;
};

struct AverageResult {
  std::string target_prefix;
  size_t averaged = 0;                  // Floating-point tensors averaged.
  size_t equal = 0;                     // Other tensors, equal in every source.
  std::vector<std::string> from_first;  // Other tensors that differed (non_float_from_first).
  std::vector<std::string> excluded;
  uint64_t bytes = 0;
  std::vector<std::string> files;  // Renamed into place, in order.
  std::vector<std::string> warnings;
};

Result<AverageResult> AverageCheckpoints(const std::vector<std::string>& sources, const std::string& target_prefix,
                                         const AverageOptions& options, const ProgressFn& progress = nullptr);

}  // namespace surgeon

#endif  // SURGEON_EXEC_AVERAGE_H_
