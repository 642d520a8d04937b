// `surgeon inspect`, as a library: every tensor of a checkpoint (read from
// the index only), the trainable flags its meta graph declares, and where
// graph and checkpoint disagree.
//
//   SURGEON_ASSIGN_OR_RETURN(Inspection in, InspectCheckpoint("model.ckpt-200"));
//   std::cout << InspectionText(in);   // or InspectionJson(in)
//   for (const auto& w : in.warnings) ...
#ifndef SURGEON_EXEC_INSPECT_H_
#define SURGEON_EXEC_INSPECT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/meta_graph.h"

namespace surgeon {

struct Inspection {
  CheckpointLocation location;
  std::unique_ptr<CheckpointReader> reader;
  std::optional<MetaGraphSummary> graph;  // When the meta graph was read.
  // Resolution notes, an unreadable meta graph, and every disagreement
  // between graph and checkpoint ("<meta path>: <what>").
  std::vector<std::string> warnings;
};

// Resolves `path` (any spelling ResolveCheckpoint takes), opens the
// checkpoint and, when there is one, reads and cross-checks its meta graph.
// Errors are those of ResolveCheckpoint and OpenCheckpoint; a meta graph
// that cannot be read is a warning.
Result<Inspection> InspectCheckpoint(const std::string& path);

// `inspect --json`: format, path, header facts, one object per tensor, the
// graph's variables and the warnings; ends with a newline.
std::string InspectionJson(const Inspection& inspection);

// The human table: header facts, one row per tensor, totals.
std::string InspectionText(const Inspection& inspection);

}  // namespace surgeon

#endif  // SURGEON_EXEC_INSPECT_H_
