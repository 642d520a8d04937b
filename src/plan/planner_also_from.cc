// Planner: the tensors `also_from` sources contribute. CollectTakes (before
// the primary source is classified) selects each source's tensors with its
// `take` patterns and names them with its own rename rules; ClassifySources
// then drops the primary tensor each one replaces; AddTakenCopies adds them
// as copies reading their own checkpoint (PlanAction::source_index).
#include <algorithm>

#include "plan/planner_impl.h"
#include "plan/suggest.h"

namespace surgeon::plan_internal {
namespace {

std::string_view FirstComponent(std::string_view name) { return name.substr(0, name.find('/')); }

// The word a take pattern must spell to take optimizer state or bookkeeping
// ("Momentum" for ".../Momentum_1", "OPTIMIZER_SLOT", "global_step"); "" for
// a model variable, which any matching pattern takes.
std::string GuardedWord(const TensorEntry& e) {
  if (std::string_view word = BookkeepingWord(e.key); !word.empty()) return std::string(word);
  for (const std::string& name : {e.key, e.object_full_name}) {
    if (name.empty() || !IsOptimizerSlot(name)) continue;
    if (name.find("/.OPTIMIZER_SLOT/") != std::string::npos) return "OPTIMIZER_SLOT";
    std::string_view first = FirstComponent(name);
    if (first == "optimizer" || first == "training") return std::string(first);
    std::string last = LastComponent(name);
    // "Adam_1" -> "Adam": the optimizer's name without its slot number.
    size_t digits = last.find_last_not_of("0123456789");
    if (digits != std::string::npos && digits + 1 < last.size() && last[digits] == '_') last.resize(digits);
    return last;
  }
  return "";
}

bool Takes(const Pattern& p, const TensorEntry& e, const std::string& guarded_word) {
  if (!p.MatchesEither(e.key, e.object_full_name)) return false;
  return guarded_word.empty() || p.is_literal() || p.text().find(guarded_word) != std::string::npos;
}

}  // namespace

void Planner::CollectTakes() {
  if (inv_.also_from.size() != c_.also_from.size()) {
    Error(ConfigPos{c_.path, 0, 0}, "also_from",
          "the inventory has " + std::to_string(inv_.also_from.size()) + " also_from source(s) but the config " +
              std::to_string(c_.also_from.size()));
    return;
  }
  for (size_t s = 0; s < c_.also_from.size(); ++s) {
    std::vector<bool> rename_hit(c_.also_from[s].rename.size(), false);
    CollectTakesOf(s, &rename_hit);
    for (size_t r = 0; r < rename_hit.size(); ++r) {
      if (rename_hit[r]) continue;
      const RenameRule& rule = c_.also_from[s].rename[r];
      Error(rule.pos, rule.key_path,
            Quote(rule.from) + " matches no tensor taken from " + c_.also_from[s].Label() +
                " (its rename rules see only the names its take patterns select)");
    }
  }
}

void Planner::CollectTakesOf(size_t s, std::vector<bool>* rename_hit) {
  const AlsoFromSource& af = c_.also_from[s];
  const std::vector<TensorEntry>& tensors = inv_.also_from[s];
  std::vector<bool> matched(af.take.size(), false), took(af.take.size(), false);
  std::vector<std::string> guarded;  // Matched but not taken (optimizer state, bookkeeping).
  for (size_t t = 0; t < tensors.size(); ++t) {
    const TensorEntry& e = tensors[t];
    const std::string word = GuardedWord(e);
    int first = -1;
    for (size_t p = 0; p < af.take.size(); ++p) {
      matched[p] = matched[p] || af.take[p].pattern.MatchesEither(e.key, e.object_full_name);
      if (!Takes(af.take[p].pattern, e, word)) continue;
      took[p] = true;
      if (first < 0) first = static_cast<int>(p);
    }
    if (first < 0) continue;
    Take take;
    take.source = s;
    take.tensor = t;
    take.pattern = static_cast<size_t>(first);
    std::vector<size_t> object_rules;
    take.target = MapSourceName(af.rename, e, &take.renames, &object_rules, &take.alias);
    for (size_t r : take.renames) (*rename_hit)[r] = true;
    for (size_t r : object_rules) (*rename_hit)[r] = true;
    auto [it, inserted] = take_of_target_.emplace(take.target, takes_.size());
    if (!inserted) {
      const Take& prev = takes_[it->second];
      const PatternRule& here = af.take[take.pattern];
      const PatternRule& there = c_.also_from[prev.source].take[prev.pattern];
      const std::string& prev_key = inv_.also_from[prev.source][prev.tensor].key;
      Error(here.pos, here.key_path,
            "target " + Quote(take.target) + " would be taken twice: as " + Quote(e.key) + " of " + af.Label() +
                " and as " + Quote(prev_key) + " of " + c_.also_from[prev.source].Label() + " by " + RuleRef(there) +
                "; take each name from one source only");
      continue;
    }
    takes_.push_back(std::move(take));
  }
  std::vector<std::string> names;
  for (const TensorEntry& e : tensors) {
    names.push_back(e.key);
    if (!e.object_full_name.empty()) names.push_back(e.object_full_name);
  }
  for (size_t p = 0; p < af.take.size(); ++p) {
    const PatternRule& r = af.take[p];
    if (!matched[p]) {
      std::string hint = DidYouMean(SuggestPatterns(r.pattern, names));
      Error(r.pos, r.key_path,
            Quote(r.pattern.text()) + " matches no tensor of " + Quote(af.checkpoint) +
                (hint.empty() ? " (`surgeon inspect` lists them)" : hint));
    } else if (!took[p]) {
      Error(r.pos, r.key_path,
            Quote(r.pattern.text()) + " matches only optimizer state or bookkeeping of " + Quote(af.checkpoint) +
                ", which a take pattern takes only when it names the tensor exactly or spells its word "
                "(e.g. 'Momentum', 'OPTIMIZER_SLOT', 'global_step')");
    }
  }
}

Planner::Take* Planner::TakeReplacing(size_t source) {
  auto it = take_of_target_.find(mapped_name_[source]);
  if (it == take_of_target_.end() || takes_[it->second].replaced >= 0) return nullptr;
  return &takes_[it->second];
}

void Planner::AddTakenCopies() {
  for (const Take& t : takes_) {
    const AlsoFromSource& af = c_.also_from[t.source];
    const TensorEntry& e = inv_.also_from[t.source][t.tensor];
    PlanAction a;
    a.kind = PlanAction::Kind::kCopy;
    a.target = t.target;
    a.source = e.key;
    a.source_object_name = e.object_full_name;
    a.source_index = t.source + 1;
    a.dtype = a.source_dtype = e.dtype;
    a.shape = e.shape;
    a.rule = RuleRef(af.take[t.pattern]) + (af.name.empty() ? "" : " of " + Quote(af.name));
    for (size_t r : t.renames) a.rule += ", " + RuleRef(af.rename[r]);
    // Trainable: the graph's word for the variable it replaces, else as for
    // a copy without a graph.
    a.trainable = IsFloatingPoint(e.dtype) && GuardedWord(e).empty();
    if (t.replaced >= 0) {
      const TensorEntry& old = inv_.tensors[t.replaced];
      a.replaces = old.key;
      a.replaced_dtype = old.dtype;
      a.replaced_shape = old.shape;
      a.rule += ", replaces " + Quote(old.key);
      if (old.shape != e.shape) a.rule += " " + ShapeToString(old.shape) + " -> " + ShapeToString(e.shape);
      if (old.dtype != e.dtype) a.rule += " " + DataTypeShortName(old.dtype) + " -> " + DataTypeShortName(e.dtype);
      for (const GraphVariable& g : inv_.graph_variables) {
        if (g.name == old.key) a.trainable = g.trainable;
      }
    }
    ApplyCasts(e, &a);
    a.bytes = TensorBytes(a.dtype, a.shape, e.size);
    if (c_.target_meta_graph == MetaGraphMode::kFromSource) CheckTakenInRewrite(t, a);
    AddAction(std::move(a), {}, t.alias);
  }
}

// Rewrite mode edits the primary graph: a taken tensor must stand in for one
// of its variables, with its dtype, changing at most one dimension (as a
// replaced head does).
void Planner::CheckTakenInRewrite(const Take& t, const PlanAction& a) {
  const PatternRule& r = c_.also_from[t.source].take[t.pattern];
  const std::string head = Quote(a.source) + " " + ShapeToString(a.shape) + " " + DataTypeShortName(a.source_dtype) +
                           " (taken as " + Quote(a.target) + ")";
  const std::string fresh = "; or use target.meta_graph: true for a fresh graph";
  if (a.replaces.empty()) {
    Error(r.pos, r.key_path,
          head +
              " replaces no variable of the primary source, and target.meta_graph: {from: source} only "
              "rewrites the primary graph's variables; take only names the primary source has" +
              fresh);
    return;
  }
  const std::string old =
      Quote(a.replaces) + " " + ShapeToString(a.replaced_shape) + " " + DataTypeShortName(a.replaced_dtype);
  if (a.source_dtype != a.replaced_dtype) {
    Error(r.pos, r.key_path, head + " replaces " + old + " of the primary graph: the dtype differs" + fresh);
    return;
  }
  size_t differing = 0;
  for (size_t i = 0; i < std::min(a.shape.size(), a.replaced_shape.size()); ++i) {
    differing += a.shape[i] != a.replaced_shape[i];
  }
  if (a.shape.size() != a.replaced_shape.size() || differing > 1) {
    Error(r.pos, r.key_path,
          head + " replaces " + old + " of the primary graph: more than one dimension differs" + fresh);
  }
}

}  // namespace surgeon::plan_internal
