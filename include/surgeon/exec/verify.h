// `surgeon verify`, as a library: read every tensor of a checkpoint (each
// checksum checked once) and run the graph checker on its meta graph. The
// CLI prints the result; the Python package returns it.
//
//   SURGEON_ASSIGN_OR_RETURN(VerifyResult v, VerifyCheckpoint("model.ckpt-200"));
//   if (!v.ok()) for (const auto& t : v.tensors) if (!t.ok) ... t.key, t.problem
#ifndef SURGEON_EXEC_VERIFY_H_
#define SURGEON_EXEC_VERIFY_H_

#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/exec/copy.h"
#include "surgeon/format/checkpoint_path.h"

namespace surgeon {

struct TensorCheck {
  std::string key;
  bool ok = true;
  std::string problem;  // Non-empty when !ok: the reader's message (file, tensor, what).
};

struct VerifyResult {
  CheckpointLocation location;
  std::vector<TensorCheck> tensors;  // Every tensor, sorted by key.
  uint64_t bytes = 0;                // Bytes of the tensors that verified.
  bool graph_checked = false;        // location.meta_graph was parsed and checked.
  // "<.meta path>: <problem>" each: an unreadable graph, or a checker finding.
  std::vector<std::string> graph_problems;

  size_t bad_tensors() const;
  size_t problems() const { return bad_tensors() + graph_problems.size(); }
  bool ok() const { return problems() == 0; }
};

// Errors only when the checkpoint cannot be found or opened; a corrupt tensor
// or graph is a finding in the result, not an error. The meta graph must import and restore exactly
// this checkpoint (TF2 SavedModel graphs restore by object path, so only
// their structure is checked). `progress` runs after each tensor.
Result<VerifyResult> VerifyCheckpoint(const std::string& path, const ProgressFn& progress = nullptr);

}  // namespace surgeon

#endif  // SURGEON_EXEC_VERIFY_H_
