// PlanToJson and the schema it follows (plan_json.h, docs/plan.schema.json).
#include "surgeon/plan/plan_json.h"

#include <variant>

namespace surgeon {

nlohmann::json JsonSeed(uint64_t seed) {
  constexpr uint64_t kMaxExact = uint64_t{1} << 53;
  return seed <= kMaxExact ? nlohmann::json(seed) : nlohmann::json(std::to_string(seed));
}

namespace {

// The initializer's type and its parameters, from the one parameter table
// (InitializerParamValues).
nlohmann::json InitializerToJson(const InitializerSpec& s) {
  nlohmann::json init = {{"type", InitializerKindName(s.kind)}};
  for (const auto& [name, value] : InitializerParamValues(s)) {
    std::visit([&, &name = name](const auto& v) { init[name] = v; }, value);
  }
  return init;
}

// One transform step; class rows list the whole mapping (label, source row
// or initialized), channel maps each target channel's terms.
nlohmann::json TransformToJson(const TransformStep& t) {
  nlohmann::json j = {{"operation", t.operation},
                      {"in_shape", t.in_shape},
                      {"out_shape", t.out_shape},
                      {"summary", t.summary},
                      {"rule", t.rule}};
  if (t.kind == TransformStep::Kind::kReshape) {
    j["view"] = t.view;
    j["permutation"] = t.permutation;
    return j;
  }
  j["axis"] = t.axis;
  nlohmann::json entries = nlohmann::json::array();
  for (size_t i = 0; i < t.sources.size(); ++i) {
    const AxisSource& s = t.sources[i];
    nlohmann::json e = {{"index", i}};
    if (i < t.labels.size()) e["label"] = t.labels[i];
    if (s.initialize) {
      e["initialize"] = true;
    } else {
      nlohmann::json terms = nlohmann::json::array();
      for (const AxisTerm& term : s.terms) terms.push_back({{"index", term.index}, {"weight", term.weight}});
      e["from"] = terms;
    }
    entries.push_back(std::move(e));
  }
  j["entries"] = entries;
  if (t.NeedsInitializer()) j["initializer"] = InitializerToJson(t.initializer);
  return j;
}

}  // namespace

nlohmann::json PlanActionToJson(const PlanAction& a, const Plan& plan) {
  nlohmann::json j = {{"action", ActionKindName(a.kind)},
                      {"target", a.target},
                      {"dtype", DataTypeShortName(a.dtype)},
                      {"shape", a.shape},
                      {"trainable", a.trainable},
                      {"frozen", a.frozen},
                      {"bytes", a.bytes},
                      {"rule", a.rule}};
  if (a.kind == PlanAction::Kind::kCopy) {
    j["source"] = a.source;
    j["source_dtype"] = DataTypeShortName(a.source_dtype);
    if (!a.source_object_name.empty()) j["source_object_name"] = a.source_object_name;
    if (a.source_index > 0) {
      j["source_index"] = a.source_index;
      if (a.source_index < plan.sources.size()) j["source_label"] = plan.sources[a.source_index].label;
    }
    if (!a.transforms.empty()) {
      j["transforms"] = nlohmann::json::array();
      for (const TransformStep& t : a.transforms) j["transforms"].push_back(TransformToJson(t));
      j["seed"] = JsonSeed(a.seed);
    }
  } else {
    j["initializer"] = InitializerToJson(a.initializer);
    j["seed"] = JsonSeed(a.seed);
  }
  if (!a.replaces.empty()) {
    j["replaces"] = {
        {"source", a.replaces}, {"dtype", DataTypeShortName(a.replaced_dtype)}, {"shape", a.replaced_shape}};
  }
  return j;
}

nlohmann::json PlanToJson(const Plan& plan) {
  using nlohmann::json;
  json actions = json::array();
  uint64_t copied = 0, initialized = 0, frozen = 0, bytes = 0;
  for (const PlanAction& a : plan.actions) {
    (a.kind == PlanAction::Kind::kCopy ? copied : initialized)++;
    frozen += a.frozen;
    bytes += a.bytes;
    actions.push_back(PlanActionToJson(a, plan));
  }
  json expectations = json::array();
  for (const ExpectationOutcome& e : plan.expectations) {
    expectations.push_back({{"key", e.key},
                            {"config", e.config},
                            {"expected", e.expected},
                            {"actual", e.actual},
                            {"met", e.met},
                            {"offenders", e.offenders}});
  }
  json batch_norms = json::array();
  for (const FrozenBatchNorm& b : plan.frozen_batch_norms) {
    batch_norms.push_back(
        {{"layer", b.layer}, {"relation", b.relation}, {"parameters", b.parameters}, {"statistics", b.statistics}});
  }
  json dropped = json::array();
  for (const DroppedTensor& d : plan.dropped) dropped.push_back({{"source", d.source}, {"rule", d.rule}});
  json out = {{"config", plan.config_path},
              {"source", {{"checkpoint", plan.source_checkpoint}, {"meta_graph", plan.source_meta_graph}}},
              {"target",
               {{"checkpoint", plan.target_prefix},
                {"format", OutputFormatName(plan.target_format)},
                {"meta_graph", MetaGraphModeName(plan.meta_mode)},
                {"max_shard_bytes", plan.max_shard_bytes}}},
              {"seed", JsonSeed(plan.seed)},
              {"actions", actions},
              {"dropped", dropped},
              {"frozen", plan.FrozenNames()},
              {"warnings", plan.warnings},
              {"frozen_batch_norms", batch_norms},
              {"expectations", expectations},
              {"totals",
               {{"variables", plan.actions.size()},
                {"copied", copied},
                {"initialized", initialized},
                {"frozen", frozen},
                {"dropped", plan.dropped.size()},
                {"bytes", bytes}}}};
  if (plan.sources.size() > 1) {
    out["also_from"] = json::array();
    for (size_t i = 1; i < plan.sources.size(); ++i) {
      out["also_from"].push_back({{"label", plan.sources[i].label}, {"checkpoint", plan.sources[i].checkpoint}});
    }
  }
  return out;
}

std::string_view PlanJsonSchema() {
  static const char kSchema[] =
#include "plan_schema.inc"
      ;
  return kSchema;
}

}  // namespace surgeon
