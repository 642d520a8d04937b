// The plan as JSON: one schema for `surgeon plan --json`, the `--report`
// file of `surgeon run` (which adds a "run" section) and anything reading
// them (a Python package, `surgeon diff --report`). The schema is published
// as docs/plan.schema.json (== PlanJsonSchema(), `surgeon plan --json-schema`).
//
// An action row:
//   {"action": "copy", "target": "mycls/fc7/weights", "source": "vgg_16/fc7/weights",
//    "dtype": "float16", "source_dtype": "float32", "shape": [1, 1, 4096, 4096],
//    "bytes": 33554432, "trainable": false, "frozen": true, "rule": "keep[0] ..."}
//   {"action": "init", "target": "mycls/fc8/weights", "dtype": "float32", "shape": [...],
//    "initializer": {"type": "truncated_normal", "mean": 0, "stddev": 0.01},
//    "seed": 42, "replaces": {"source": "vgg_16/fc8/weights", "dtype": "float32",
//    "shape": [1, 1, 4096, 1000]}, ...}
// A copy from an also_from source adds "source_index" (1 for also_from[0];
// absent for the primary source) and "source_label", and "replaces" when it
// takes the place of a primary variable; the plan then has "also_from":
// [{label, checkpoint}...] (the report adds each one's format).
// Dtypes are TF's short names ("float32", "int64"); numbers are JSON numbers,
// except seeds above 2^53 (not exact in a double), which are decimal strings.
#ifndef SURGEON_PLAN_PLAN_JSON_H_
#define SURGEON_PLAN_PLAN_JSON_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "surgeon/plan/plan.h"

namespace surgeon {

// {"config", "source": {checkpoint, meta_graph}, "target": {checkpoint,
// meta_graph}, "seed", "actions": [row...], "dropped": [{source, rule}...],
// "frozen": [target...], "warnings": [...], "frozen_batch_norms": [{layer,
// relation, parameters, statistics}...], "expectations": [{key, config,
// expected, actual, met, offenders}...], "totals": {...}}, and "also_from"
// when the plan reads more than one source.
nlohmann::json PlanToJson(const Plan& plan);
// One row; `plan` gives the labels of the sources it names.
nlohmann::json PlanActionToJson(const PlanAction& action, const Plan& plan);
// A seed as JSON: a number up to 2^53, a decimal string above.
nlohmann::json JsonSeed(uint64_t seed);
// The JSON Schema (draft 2020-12) of PlanToJson and of the run report.
std::string_view PlanJsonSchema();

}  // namespace surgeon

#endif  // SURGEON_PLAN_PLAN_JSON_H_
