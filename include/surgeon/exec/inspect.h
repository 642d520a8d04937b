// `surgeon inspect`, as a library: open a checkpoint from any path a user
// may give, read its meta graph if there is one (index and graph only, no
// tensor data), and say where the two disagree. The CLI prints it; the
// Python package returns it.
#ifndef SURGEON_EXEC_INSPECT_H_
#define SURGEON_EXEC_INSPECT_H_

#include <map>
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
  std::optional<MetaGraphSummary> graph;  // When location.meta_graph exists and parses.
  // Resolution notes, an unreadable graph, and graph/checkpoint disagreements.
  std::vector<std::string> warnings;

  // The meta graph's trainable flag for a checkpoint key; nullopt when there
  // is no graph or it does not declare that variable.
  std::optional<bool> Trainable(const std::string& key) const;

 private:
  friend Result<Inspection> InspectCheckpoint(const std::string& path);
  std::map<std::string, const GraphVariableInfo*> graph_vars_;  // Points into graph.
};

// Errors only when the checkpoint cannot be resolved or opened; an
// unreadable meta graph is a warning.
Result<Inspection> InspectCheckpoint(const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_EXEC_INSPECT_H_
