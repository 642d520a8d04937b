#include "surgeon/plan/plan.h"

#include <algorithm>

namespace surgeon {

std::string_view ActionKindName(PlanAction::Kind kind) { return kind == PlanAction::Kind::kCopy ? "copy" : "init"; }

uint64_t VariableSeed(uint64_t global_seed, std::string_view name) {
  // FNV-1a: a fixed, documented hash (std::hash differs across libraries).
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // splitmix64 finalizer so nearby seeds give unrelated streams.
  uint64_t z = global_seed ^ h;
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<std::string> Plan::FrozenNames() const {
  std::vector<std::string> out;
  for (const PlanAction& a : actions) {
    if (a.frozen) out.push_back(a.target);
  }
  return out;  // actions are sorted by target, so this is too.
}

const PlanAction* Plan::FindTarget(std::string_view target) const {
  auto it = std::lower_bound(actions.begin(), actions.end(), target,
                             [](const PlanAction& a, std::string_view t) { return a.target < t; });
  return it != actions.end() && it->target == target ? &*it : nullptr;
}

}  // namespace surgeon
