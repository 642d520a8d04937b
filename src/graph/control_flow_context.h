// Renaming inside the "cond_context" / "while_context" collections (private
// to graph/). TF's import_meta_graph rebuilds each CondContext /
// WhileContext from these protos (python/ops/control_flow_ops.py
// CondContext._init_from_proto, WhileContext._init_from_proto) and looks up
// every tensor they name, so a renamed node must be renamed here too and a
// removed one must not be named at all.
#ifndef SURGEON_GRAPH_CONTROL_FLOW_CONTEXT_H_
#define SURGEON_GRAPH_CONTROL_FLOW_CONTEXT_H_

#include <functional>
#include <string>

namespace surgeon::graph_internal {

struct ContextNames {
  std::function<std::string(const std::string&)> rename;  // tensor name -> its new name
  std::function<bool(const std::string&)> exists;         // does this (new) tensor's node exist?
};

enum class ContextEdit {
  kKept,      // written back to `bytes`, possibly edited
  kRemoved,   // a tensor the context cannot do without (pred, pivot, loop enter/exit) is gone; `why` names it
  kUnparsed,  // not a CondContextDef / WhileContextDef this build understands; `bytes` untouched
};

// `collection` is "cond_context" or "while_context"; `bytes` one value of it.
// Values and external values whose node is gone are dropped from the
// context; nested contexts are edited the same way (a nested context that
// must go is dropped from its parent).
ContextEdit EditControlFlowContext(const std::string& collection, const ContextNames& names, std::string* bytes,
                                   std::string* why);

}  // namespace surgeon::graph_internal

#endif  // SURGEON_GRAPH_CONTROL_FLOW_CONTEXT_H_
