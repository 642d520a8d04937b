// Printing a Plan: the `surgeon plan` table and its JSON form.
//
// FormatPlanTable: one row per target variable (action, source -> target,
// shape, dtype, frozen, rule), then the dropped source variables (long runs
// dropped by one rule as one row, e.g. "(62 optimizer slots)"), then totals.
// Columns are aligned; the rule column wraps to fit a width; the text ends
// in '\n'.
//
// The JSON form is in plan_json.h (included here for convenience).
#ifndef SURGEON_PLAN_PLAN_FORMAT_H_
#define SURGEON_PLAN_PLAN_FORMAT_H_

#include <string>

#include "surgeon/plan/plan.h"
#include "surgeon/plan/plan_json.h"

namespace surgeon {

struct PlanTableOptions {
  size_t width = 0;     // Fit lines in this many columns by wrapping the rule column (0: no limit).
  bool all = false;     // One row per dropped tensor, never grouped.
  size_t group_at = 4;  // Without `all`: a rule dropping more tensors than this gets one row.
};

// Warnings are not part of the table: callers print them once, on stderr.
std::string FormatPlanTable(const Plan& plan, const PlanTableOptions& options = {});

}  // namespace surgeon

#endif  // SURGEON_PLAN_PLAN_FORMAT_H_
