#include "surgeon/plan/plan_format.h"

#include <algorithm>

#include "surgeon/base/text_table.h"

namespace surgeon {
namespace {

std::string DtypeText(const PlanAction& a) {
  if (a.kind == PlanAction::Kind::kCopy && a.source_dtype != a.dtype) {
    return DataTypeShortName(a.source_dtype) + "->" + DataTypeShortName(a.dtype);
  }
  return DataTypeShortName(a.dtype);
}

}  // namespace

std::string FormatPlanTable(const Plan& plan) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"action", "source", "", "target", "shape", "dtype", "frozen", "rule"});
  uint64_t copied = 0, initialized = 0, frozen = 0, copy_bytes = 0, init_bytes = 0;
  for (const PlanAction& a : plan.actions) {
    bool copy = a.kind == PlanAction::Kind::kCopy;
    std::string source = copy ? a.source : "(" + std::string(InitializerKindName(a.initializer.kind)) + ")";
    rows.push_back({std::string(ActionKindName(a.kind)), source, "->", a.target, ShapeToString(a.shape),
                    DtypeText(a), a.frozen ? "frozen" : (a.trainable ? "" : "no-train"), a.rule});
    (copy ? copied : initialized)++;
    (copy ? copy_bytes : init_bytes) += a.bytes;
    frozen += a.frozen;
  }
  for (const DroppedTensor& d : plan.dropped) rows.push_back({"drop", d.source, "", "", "", "", "", d.rule});
  std::string out = "plan: " + plan.source_checkpoint + " -> " + plan.target_prefix + "  (seed " +
                    std::to_string(plan.seed) + ", meta graph: " + std::string(MetaGraphModeName(plan.meta_mode)) + ")\n";
  out += RenderColumns(rows);
  out += "total: " + std::to_string(plan.actions.size()) + " target variables (" + std::to_string(copied) +
         " copied, " + HumanBytes(copy_bytes) + "; " + std::to_string(initialized) + " initialized, " +
         HumanBytes(init_bytes) + "), " + std::to_string(frozen) + " frozen, " + std::to_string(plan.dropped.size()) +
         " dropped\n";
  for (const std::string& w : plan.warnings) out += "warning: " + w + "\n";
  return out;
}

nlohmann::json PlanToJson(const Plan& plan) {
  using nlohmann::json;
  json actions = json::array();
  uint64_t copied = 0, initialized = 0, frozen = 0, bytes = 0;
  for (const PlanAction& a : plan.actions) {
    json j = {{"kind", ActionKindName(a.kind)},
              {"target", a.target},
              {"dtype", DataTypeShortName(a.dtype)},
              {"shape", a.shape},
              {"trainable", a.trainable},
              {"frozen", a.frozen},
              {"bytes", a.bytes},
              {"rule", a.rule}};
    if (a.kind == PlanAction::Kind::kCopy) {
      ++copied;
      j["source"] = a.source;
      j["source_dtype"] = DataTypeShortName(a.source_dtype);
      if (!a.source_object_name.empty()) j["source_object_name"] = a.source_object_name;
    } else {
      ++initialized;
      const InitializerSpec& s = a.initializer;
      json init = {{"type", InitializerKindName(s.kind)}};
      for (const auto& param : InitializerParamValues(s)) {
        std::visit([&](const auto& v) { init[param.first] = v; }, param.second);
      }
      j["initializer"] = init;
      j["seed"] = a.seed;
      if (!a.replaces.empty()) j["replaces"] = a.replaces;
    }
    frozen += a.frozen;
    bytes += a.bytes;
    actions.push_back(std::move(j));
  }
  json dropped = json::array();
  for (const DroppedTensor& d : plan.dropped) dropped.push_back({{"source", d.source}, {"rule", d.rule}});
  return {{"config", plan.config_path},
          {"source", {{"checkpoint", plan.source_checkpoint}, {"meta_graph", plan.source_meta_graph}}},
          {"target", {{"checkpoint", plan.target_prefix}, {"meta_graph", MetaGraphModeName(plan.meta_mode)}}},
          {"seed", plan.seed},
          {"actions", actions},
          {"dropped", dropped},
          {"warnings", plan.warnings},
          {"totals",
           {{"variables", plan.actions.size()},
            {"copied", copied},
            {"initialized", initialized},
            {"frozen", frozen},
            {"dropped", plan.dropped.size()},
            {"bytes", bytes}}}};
}

}  // namespace surgeon
