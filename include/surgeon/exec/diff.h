// `surgeon diff A B`: what differs between two checkpoints — names present
// in only one, dtype or shape changes, and values (bytes; for float tensors
// also the largest absolute difference).
//
// Through a surgery (B written from A by `surgeon run`), a DiffMapping from
// the plan or its --report pairs each copied tensor of A with its target in
// B (renamed, cast), so every copy is compared, and lists what the plan
// changed on purpose (dropped, new, cast, renamed) apart from what differs
// unexpectedly.
#ifndef SURGEON_EXEC_DIFF_H_
#define SURGEON_EXEC_DIFF_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/plan/plan.h"

namespace surgeon {

struct TensorDiff {
  enum class Kind {
    kOnlyInA,
    kOnlyInB,
    kDtype,
    kShape,
    kValues,  // unexpected
    kDropped,
    kCreated,
    kRenamed,
    kCast,  // planned (DiffMapping)
  };
  Kind kind;
  std::string name;
  std::string detail;  // Human text, e.g. "[1, 1, 4096, 1000] vs [1, 1, 4096, 10]".
};

// What a surgery did, by name: A is its source, B its target.
struct DiffMapping {
  std::map<std::string, std::string> copies;   // A key -> B key, for every copied tensor
  std::map<std::string, std::string> dropped;  // A key -> the rule that dropped it
  std::map<std::string, std::string> created;  // B key -> what created it (initializer, rule)
};
DiffMapping DiffMappingFromPlan(const Plan& plan);
// From a `surgeon run --report` file's JSON (docs/plan.schema.json).
Result<DiffMapping> DiffMappingFromReport(const nlohmann::json& report, const std::string& report_path);

struct DiffResult {
  std::vector<TensorDiff> diffs;    // Unexpected differences.
  std::vector<TensorDiff> planned;  // With a mapping: what the surgery changed on purpose.
  size_t compared = 0;              // Pairs present in both with equal shape (and dtype, or a planned cast).
  size_t identical = 0;             // Of those, equal values (after the planned cast); 0 when values were not read.
  bool values_read = true;
};

// Reads every common tensor of both (checksums verified). With
// `values == false` compares metadata only (index files only). With a
// mapping, pairs tensors through it; a cast pair is equal when A's values
// cast to B's dtype equal B's bytes.
Result<DiffResult> DiffCheckpoints(const CheckpointReader& a, const CheckpointReader& b, bool values = true,
                                   const DiffMapping* mapping = nullptr);

std::string_view TensorDiffKindName(TensorDiff::Kind kind);  // "only-in-a", ..., "dropped", "new", ...

}  // namespace surgeon

#endif  // SURGEON_EXEC_DIFF_H_
