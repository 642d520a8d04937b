// Printing a Plan: the `surgeon plan` table and its JSON form.
//
// FormatPlanTable: one row per target variable (action, source -> target,
// shape, dtype, frozen, rule), then one row per dropped source variable,
// then totals, then warnings. Columns are aligned; the text ends in '\n'.
//
// PlanToJson: {"source": {...}, "target": {...}, "seed", "actions": [...],
// "dropped": [...], "warnings": [...], "totals": {...}}; every field of
// PlanAction appears under the same name. Stable key order (nlohmann's
// default std::map ordering), so the output can be diffed.
#ifndef SURGEON_PLAN_PLAN_FORMAT_H_
#define SURGEON_PLAN_PLAN_FORMAT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "surgeon/plan/plan.h"

namespace surgeon {

std::string FormatPlanTable(const Plan& plan);
nlohmann::json PlanToJson(const Plan& plan);

}  // namespace surgeon

#endif  // SURGEON_PLAN_PLAN_FORMAT_H_
