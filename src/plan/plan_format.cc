#include "surgeon/plan/plan_format.h"

#include <algorithm>
#include <map>
#include <set>

#include "surgeon/base/text_table.h"

namespace surgeon {
namespace {

std::string DtypeText(const PlanAction& a) {
  if (a.kind == PlanAction::Kind::kCopy && a.source_dtype != a.dtype) {
    return DataTypeShortName(a.source_dtype) + "->" + DataTypeShortName(a.dtype);
  }
  return DataTypeShortName(a.dtype);
}

// Splits `text` into lines of at most `width` characters, breaking after
// ", " where it can (rule texts are comma-separated clauses) and hard-wrapping
// a clause longer than a line.
std::vector<std::string> WrapText(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  if (width == 0 || text.size() <= width) return {text};
  std::string rest = text;
  while (rest.size() > width) {
    size_t cut = rest.rfind(", ", width - 1);
    size_t next = cut;
    if (cut == std::string::npos || cut == 0) {
      cut = rest.rfind(' ', width);
      next = cut;
      if (cut == std::string::npos || cut == 0) cut = next = width;
    } else {
      cut += 1;  // keep the comma
      next = cut;
    }
    lines.push_back(rest.substr(0, cut));
    while (next < rest.size() && rest[next] == ' ') ++next;
    rest = rest.substr(next);
  }
  if (!rest.empty()) lines.push_back(rest);
  return lines;
}

// Columns aligned as RenderColumns does, but the last (rule) column is
// wrapped to fit `width` (0: no limit): beside the row when at least 30
// columns are left for it, else on indented lines below the row.
std::string RenderWrapped(const std::vector<std::vector<std::string>>& rows, size_t width) {
  std::vector<size_t> w;
  for (const auto& row : rows) {
    if (w.size() < row.size()) w.resize(row.size(), 0);
    for (size_t i = 0; i + 1 < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  }
  size_t indent = 0;
  for (size_t i = 0; i + 1 < w.size(); ++i) indent += w[i] + 2;
  constexpr size_t kMinRule = 30, kBelowIndent = 4;
  const bool beside = width == 0 || indent + kMinRule <= width;
  const size_t rule_width = width == 0 ? 0
                            : beside   ? width - indent
                                       : std::max(width, kBelowIndent + kMinRule) - kBelowIndent;
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i + 1 < row.size(); ++i) line += row[i] + std::string(w[i] - row[i].size() + 2, ' ');
    std::vector<std::string> rule = WrapText(row.back(), rule_width);
    auto emit = [&](std::string l) {
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out += l + "\n";
    };
    if (beside) {
      emit(line + rule[0]);
      for (size_t i = 1; i < rule.size(); ++i) emit(std::string(indent, ' ') + rule[i]);
    } else {
      emit(line);
      for (const auto& r : rule) emit(std::string(kBelowIndent, ' ') + r);
    }
  }
  return out;
}

// Dropped tensors, one row each, or with !options.all one row per rule that
// drops more than options.group_at of them.
void AddDropRows(const Plan& plan, const PlanTableOptions& options, std::vector<std::vector<std::string>>* rows,
                 size_t* grouped) {
  std::map<std::string, size_t> per_rule;
  for (const DroppedTensor& d : plan.dropped) per_rule[d.rule]++;
  std::set<std::string> shown;
  for (const DroppedTensor& d : plan.dropped) {
    const size_t n = per_rule[d.rule];
    if (options.all || n <= options.group_at) {
      rows->push_back({"drop", d.source, "", "", "", "", "", d.rule});
      continue;
    }
    if (!shown.insert(d.rule).second) continue;
    const bool slots = d.rule.rfind("drop_optimizer_slots", 0) == 0;
    rows->push_back(
        {"drop", "(" + std::to_string(n) + (slots ? " optimizer slots)" : " tensors)"), "", "", "", "", "", d.rule});
    *grouped += n;
  }
}

}  // namespace

std::string FormatPlanTable(const Plan& plan, const PlanTableOptions& options) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"action", "source", "", "target", "shape", "dtype", "frozen", "rule"});
  uint64_t copied = 0, initialized = 0, frozen = 0, copy_bytes = 0, init_bytes = 0;
  for (const PlanAction& a : plan.actions) {
    bool copy = a.kind == PlanAction::Kind::kCopy;
    std::string source = copy ? a.source : "(" + std::string(InitializerKindName(a.initializer.kind)) + ")";
    if (copy && a.source_index > 0) {
      source = "[" +
               (a.source_index < plan.sources.size() ? plan.sources[a.source_index].name
                                                     : "source " + std::to_string(a.source_index)) +
               "] " + source;
    }
    std::string kind(ActionKindName(a.kind));
    for (const TransformStep& t : a.transforms) kind += "+" + t.operation;
    rows.push_back({kind, source, "->", a.target, ShapeToString(a.shape), DtypeText(a),
                    a.frozen ? "frozen" : (a.trainable ? "" : "no-train"), a.rule});
    (copy ? copied : initialized)++;
    (copy ? copy_bytes : init_bytes) += a.bytes;
    frozen += a.frozen;
  }
  size_t grouped = 0;
  AddDropRows(plan, options, &rows, &grouped);
  std::string out = "plan: " + plan.source_checkpoint + " -> " + plan.target_prefix + "  (seed " +
                    std::to_string(plan.seed) + ", meta graph: " + std::string(MetaGraphModeName(plan.meta_mode)) +
                    (plan.max_shard_bytes ? ", data files of at most " + HumanBytes(plan.max_shard_bytes) : "") + ")\n";
  for (size_t i = 1; i < plan.sources.size(); ++i) {
    out += "also from [" + plan.sources[i].name + "]: " + plan.sources[i].checkpoint + "  (" + plan.sources[i].label +
           ")\n";
  }
  out += RenderWrapped(rows, options.width);
  out += "total: " + std::to_string(plan.actions.size()) + " target variables (" + std::to_string(copied) +
         " copied, " + HumanBytes(copy_bytes) + "; " + std::to_string(initialized) + " initialized, " +
         HumanBytes(init_bytes) + "), " + std::to_string(frozen) + " frozen, " + std::to_string(plan.dropped.size()) +
         " dropped" + (grouped ? " (" + std::to_string(grouped) + " in groups; --all lists them)" : "") + "\n";
  for (const FrozenBatchNorm& b : plan.frozen_batch_norms) {
    std::string names;
    for (const auto* list : {&b.parameters, &b.statistics}) {
      for (const std::string& n : *list) names += (names.empty() ? "" : ", ") + n;
    }
    out += "batch norm '" + b.layer + "' frozen with its moving statistics (" + names + "; related by " + b.relation +
           ")" + (plan.meta_mode == MetaGraphMode::kFromSource ? "; their update ops leave the graph" : "") + "\n";
  }
  for (const ExpectationOutcome& e : plan.expectations) {
    out += e.key + " (" + e.config + "): " + (e.met ? "met" : "NOT MET") + ", expected " + e.expected + ": " +
           e.actual + "\n";
  }
  return out;
}

}  // namespace surgeon
