// The main job, as a library: load a config, open the source, plan, and
// execute the plan into a fresh V2 checkpoint with its meta graph, frozen
// list, report and `checkpoint` state file.
//
//   SURGEON_ASSIGN_OR_RETURN(Surgery s, PrepareSurgery("vgg16_to_mycls.yaml"));
//   std::cout << FormatPlanTable(s.plan);              // `surgeon plan`
//   SURGEON_ASSIGN_OR_RETURN(RunReport r, ExecuteSurgery(s, options));  // `surgeon run`
//
// Nothing is written until the plan is complete and valid; then every output
// file is staged under a temporary name and renamed into place at the end,
// the `checkpoint` state file last.
#ifndef SURGEON_EXEC_SURGERY_H_
#define SURGEON_EXEC_SURGERY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proto/meta_graph.pb.h"
#include "surgeon/exec/copy.h"
#include "surgeon/exec/output.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/plan/config.h"
#include "surgeon/plan/plan.h"

namespace surgeon {

struct Surgery {
  PlanConfig config;
  CheckpointLocation source;
  std::unique_ptr<CheckpointReader> reader;
  // The config's also_from sources, in order (PlanAction::source_index - 1).
  std::vector<CheckpointLocation> also_from;
  std::vector<std::unique_ptr<CheckpointReader>> also_from_readers;
  std::optional<tensorflow::MetaGraphDef> source_graph;  // When the source has a meta graph.
  Plan plan;
  std::vector<std::string> warnings;  // Resolution notes, unreadable graphs, plan warnings.

  // The reader of Plan::sources[index]: 0 the primary source, i the also_from[i - 1].
  const CheckpointReader& Reader(size_t source_index) const {
    return source_index == 0 ? *reader : *also_from_readers[source_index - 1];
  }
};

// Loads and validates everything; reads only metadata (index, meta graph),
// of the primary source and of every also_from one.
Result<Surgery> PrepareSurgery(const std::string& config_path);
// The same from a config already parsed (e.g. ParseConfig over YAML text
// that did not come from a file).
Result<Surgery> PrepareSurgery(PlanConfig config);

struct RunOptions {
  OutputOptions output;
  // Share the source's data shards with the target instead of copying
  // tensors kept unchanged (exec/link.h). Where that is impossible (not a V2
  // source or target, another filesystem) the run copies and says why in
  // RunReport::link_note.
  bool link = false;
  // With `link`: check each shared tensor's checksum by reading the source
  // first (false skips it; a copied tensor is always checked as it is read).
  bool verify = true;
  std::string report_path;  // Also write the JSON report here ("" = don't).
  ProgressFn progress;
};

struct RunReport {
  uint64_t copied_bytes = 0, generated_bytes = 0;
  size_t copied = 0, initialized = 0, cast = 0;
  size_t transformed = 0;  // Of the copies, written through value transforms.
  // With RunOptions::link: how the source's shards were shared ("reflink",
  // "hard link"; "" when copied), the tensors and bytes left where they are
  // (counted in `copied`/`copied_bytes` too), the source bytes the target
  // does not use (dead bytes) and, when copied instead, why.
  std::string link_kind;
  size_t shared = 0;
  uint64_t shared_bytes = 0, dead_bytes = 0;
  int shared_shards = 0;
  std::string link_note;
  double seconds = 0;
  std::vector<std::string> files;     // Written, in rename order.
  std::vector<std::string> warnings;  // Graph rewrite findings that need attention.
  std::vector<std::string> notes;     // Routine rewrite details ("removed 3 node(s) ..."); -q hides them.
};

Result<RunReport> ExecuteSurgery(const Surgery& surgery, const RunOptions& options);

// What `run --link` would share, from metadata only (for `surgeon plan
// --link`): why it would copy instead, or the shards, tensors and bytes it
// would leave in place and the dead bytes. The filesystem part is a preview
// (FilesystemRefusal): the run tries, and says if it must copy after all.
struct LinkPreview {
  std::string refusal;  // "" when the run would share
  int shards = 0;
  size_t shared = 0;
  uint64_t shared_bytes = 0, dead_bytes = 0;
};
Result<LinkPreview> PreviewLink(const Surgery& surgery);

// Every decision of the run: the plan's JSON (plan_json.h; each target
// variable with its source or initializer, shape, dtype, trainable/frozen,
// bytes, and each dropped source tensor with its rule), plus "run" (counts,
// bytes, seconds), "files" and every warning (planning and graph rewrite).
std::string RunReportJson(const Surgery& surgery, const RunReport& report);

}  // namespace surgeon

#endif  // SURGEON_EXEC_SURGERY_H_
