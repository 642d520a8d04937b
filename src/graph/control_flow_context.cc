// See graph/control_flow_context.h.
#include "graph/control_flow_context.h"

#include <map>
#include <string_view>
#include <vector>

#include "proto/control_flow.pb.h"

namespace surgeon::graph_internal {
namespace {

class Editor {
 public:
  explicit Editor(const ContextNames& names) : names_(names) {}

  // Each returns false, with why_ set, when the context must go.
  bool Edit(tensorflow::CondContextDef* c) {
    return Required(c->mutable_pred_name(), "pred") && Required(c->mutable_pivot_name(), "pivot") &&
           EditValues(c->mutable_values_def()) && EditNested(c->mutable_nested_contexts());
  }

  bool Edit(tensorflow::WhileContextDef* w) {
    if (!Required(w->mutable_pivot_name(), "pivot") || !Required(w->mutable_pivot_for_pred_name(), "pivot_for_pred") ||
        !Required(w->mutable_pivot_for_body_name(), "pivot_for_body")) {
      return false;
    }
    for (auto& n : *w->mutable_loop_exit_names()) {
      if (!Required(&n, "loop exit")) return false;
    }
    for (auto& n : *w->mutable_loop_enter_names()) {
      if (!Required(&n, "loop enter")) return false;
    }
    if (!w->maximum_iterations_name().empty() &&
        !Required(w->mutable_maximum_iterations_name(), "maximum_iterations")) {
      return false;
    }
    return EditValues(w->mutable_values_def()) && EditNested(w->mutable_nested_contexts());
  }

  const std::string& why() const { return why_; }

 private:
  bool Required(std::string* name, std::string_view role) {
    if (name->empty()) return true;
    *name = names_.rename(*name);
    if (names_.exists(*name)) return true;
    why_ = std::string(role) + " '" + *name + "' was removed";
    return false;
  }

  bool EditValues(tensorflow::ValuesDef* v) {
    std::vector<std::string> kept;
    for (const auto& name : v->values()) {
      std::string n = names_.rename(name);
      if (names_.exists(n)) kept.push_back(std::move(n));
    }
    v->clear_values();
    for (auto& n : kept) v->add_values(std::move(n));
    std::map<std::string, std::string> external;
    for (const auto& [outside, inside] : v->external_values()) {
      std::string o = names_.rename(outside), i = names_.rename(inside);
      if (names_.exists(o) && names_.exists(i)) external.emplace(std::move(o), std::move(i));
    }
    v->clear_external_values();
    for (auto& [o, i] : external) (*v->mutable_external_values())[o] = i;
    return true;
  }

  bool EditNested(google::protobuf::RepeatedPtrField<tensorflow::ControlFlowContextDef>* nested) {
    google::protobuf::RepeatedPtrField<tensorflow::ControlFlowContextDef> kept;
    for (auto& n : *nested) {
      bool ok = n.has_cond_ctxt()    ? Edit(n.mutable_cond_ctxt())
                : n.has_while_ctxt() ? Edit(n.mutable_while_ctxt())
                                     : true;
      if (ok) *kept.Add() = std::move(n);
    }
    why_.clear();  // A nested context that goes does not take its parent along.
    nested->Swap(&kept);
    return true;
  }

  const ContextNames& names_;
  std::string why_;
};

template <typename Proto>
ContextEdit EditAs(const ContextNames& names, std::string* bytes, std::string* why) {
  Proto ctx;
  if (!ctx.ParseFromString(*bytes) || !ctx.GetReflection()->GetUnknownFields(ctx).empty()) {
    return ContextEdit::kUnparsed;
  }
  Editor editor(names);
  if (!editor.Edit(&ctx)) {
    *why = "context '" + ctx.context_name() + "': " + editor.why();
    return ContextEdit::kRemoved;
  }
  *bytes = ctx.SerializeAsString();
  return ContextEdit::kKept;
}

}  // namespace

ContextEdit EditControlFlowContext(const std::string& collection, const ContextNames& names, std::string* bytes,
                                   std::string* why) {
  if (collection == "cond_context") return EditAs<tensorflow::CondContextDef>(names, bytes, why);
  if (collection == "while_context") return EditAs<tensorflow::WhileContextDef>(names, bytes, why);
  return ContextEdit::kUnparsed;
}

}  // namespace surgeon::graph_internal
