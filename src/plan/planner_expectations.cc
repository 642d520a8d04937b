// CheckExpectations: the config's `expect:` block against a finished plan
// (planner_impl.h). Each entry becomes an ExpectationOutcome; a plan that
// breaks any is refused with one line per broken entry, naming the config
// position, the numbers and the variables responsible.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "plan/planner_impl.h"

namespace surgeon::plan_internal {
namespace {

constexpr size_t kListed = 10;  // Offenders named in a message; the outcome keeps them all.

uint64_t Elements(const Shape& shape) {
  auto n = NumElements(shape);
  return n.ok() && *n > 0 ? static_cast<uint64_t>(*n) : 0;
}

bool IsModelParameter(const TensorEntry& e) {
  return !IsOptimizerSlot(e.key) && !(!e.object_full_name.empty() && IsOptimizerSlot(e.object_full_name)) &&
         BookkeepingWord(e.key).empty();
}

std::string Patterns(const std::vector<PatternRule>& rules) {
  if (rules.empty()) return "nothing";
  std::string out;
  for (const PatternRule& r : rules) out += (out.empty() ? "" : ", ") + Quote(r.pattern.text());
  return out;
}

bool AnyMatches(const std::vector<PatternRule>& rules, std::string_view name, std::string_view alias) {
  return std::any_of(rules.begin(), rules.end(),
                     [&](const PatternRule& r) { return r.pattern.MatchesEither(name, alias); });
}

std::string Listed(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kListed; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kListed) out += ", ... (and " + std::to_string(names.size() - kListed) + " more)";
  return out;
}

std::string Fraction(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", f);
  return buf;
}

// How much of the source model a plan carries: elements of model parameters
// copied, of all model parameters, and the model parameters not copied
// (largest first, for messages).
struct CopiedModel {
  uint64_t copied = 0, total = 0;
  std::vector<std::string> not_copied;
};

CopiedModel MeasureCopies(const Inventory& inv, const Plan& plan) {
  std::map<std::string, const PlanAction*> copy_of;  // source key -> its copy
  for (const PlanAction& a : plan.actions) {
    if (a.kind == PlanAction::Kind::kCopy && a.source_index == 0) copy_of[a.source] = &a;
  }
  CopiedModel m;
  std::vector<std::pair<uint64_t, std::string>> missing;
  for (const TensorEntry& e : inv.tensors) {
    if (!IsModelParameter(e)) continue;
    const uint64_t n = Elements(e.shape);
    m.total += n;
    if (copy_of.count(e.key)) {
      m.copied += n;
    } else {
      missing.emplace_back(n, e.key);
    }
  }
  std::stable_sort(missing.begin(), missing.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (const auto& [n, key] : missing) m.not_copied.push_back(key + " (" + std::to_string(n) + ")");
  return m;
}

ExpectationOutcome Initialized(const std::vector<PatternRule>& allowed, const ConfigPos& pos, const Plan& plan) {
  ExpectationOutcome o{"expect.initialized", pos.ToString(), "only " + Patterns(allowed), "", true, {}};
  size_t initialized = 0;
  for (const PlanAction& a : plan.actions) {
    if (a.kind != PlanAction::Kind::kInitialize) continue;
    ++initialized;
    if (!AnyMatches(allowed, a.target, "")) o.offenders.push_back(a.target);
  }
  o.met = o.offenders.empty();
  o.actual = std::to_string(initialized) + " initialized";
  if (!o.met) {
    o.actual = std::to_string(o.offenders.size()) +
               " target variable(s) would be initialized that no pattern allows (" + Patterns(allowed) +
               "): " + Listed(o.offenders);
  }
  return o;
}

ExpectationOutcome Dropped(const std::vector<PatternRule>& allowed, const ConfigPos& pos, const Inventory& inv,
                           const Plan& plan) {
  ExpectationOutcome o{"expect.dropped", pos.ToString(), "only " + Patterns(allowed), "", true, {}};
  std::map<std::string, std::string> object_of;
  for (const TensorEntry& e : inv.tensors) object_of[e.key] = e.object_full_name;
  // A tensor an also_from copy replaces is not left out: the target holds
  // the taken one under its name.
  std::set<std::string> replaced;
  for (const PlanAction& a : plan.actions) {
    if (a.kind == PlanAction::Kind::kCopy && !a.replaces.empty()) replaced.insert(a.replaces);
  }
  for (const DroppedTensor& d : plan.dropped) {
    if (replaced.count(d.source)) continue;
    if (!AnyMatches(allowed, d.source, object_of[d.source])) o.offenders.push_back(d.source);
  }
  o.met = o.offenders.empty();
  o.actual = std::to_string(plan.dropped.size()) + " dropped";
  if (!o.met) {
    o.actual = std::to_string(o.offenders.size()) + " source tensor(s) would be dropped that no pattern allows (" +
               Patterns(allowed) + "): " + Listed(o.offenders);
  }
  return o;
}

ExpectationOutcome MinCopied(std::string key, const ConfigPos& pos, bool fraction, double minimum,
                             const CopiedModel& m) {
  const double share = m.total ? static_cast<double>(m.copied) / static_cast<double>(m.total) : 1.0;
  ExpectationOutcome o{std::move(key), pos.ToString(), "", "", true, {}};
  o.expected = fraction ? ">= " + Fraction(minimum) + " of the source model parameters' elements"
                        : ">= " + std::to_string(static_cast<uint64_t>(minimum)) + " elements";
  o.met = fraction ? share >= minimum : static_cast<double>(m.copied) >= minimum;
  o.actual = std::to_string(m.copied) + " of " + std::to_string(m.total) + " source model parameter elements copied (" +
             Fraction(share) + ")";
  if (!o.met) {
    o.offenders = m.not_copied;
    o.actual += ", expected " + o.expected + "; not copied, largest first: " + Listed(o.offenders);
  }
  return o;
}

}  // namespace

Status CheckExpectations(const PlanExpectations& e, const Inventory& inv, Plan* plan) {
  const CopiedModel copied = MeasureCopies(inv, *plan);
  auto& out = plan->expectations;
  if (e.initialized) out.push_back(Initialized(*e.initialized, e.initialized_pos, *plan));
  if (e.dropped) out.push_back(Dropped(*e.dropped, e.dropped_pos, inv, *plan));
  if (e.min_copied_params) {
    out.push_back(MinCopied("expect.min_copied_params", e.min_copied_params_pos, false,
                            static_cast<double>(*e.min_copied_params), copied));
  }
  if (e.min_copied_fraction) {
    out.push_back(
        MinCopied("expect.min_copied_fraction", e.min_copied_fraction_pos, true, *e.min_copied_fraction, copied));
  }
  std::string msg;
  for (const ExpectationOutcome& o : out) {
    if (!o.met) msg += (msg.empty() ? "" : "\n") + o.config + ": " + o.key + ": " + o.actual;
  }
  return msg.empty() ? Status::OK() : Status::InvalidArgument(msg);
}

}  // namespace surgeon::plan_internal
