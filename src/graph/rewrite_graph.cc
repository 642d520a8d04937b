// See graph/rewrite_graph.h. Reference semantics: TF's own graph editing
// tools do the same reference bookkeeping (python/framework/graph_util_impl.py
// extract_sub_graph for reachability; meta_graph.py export_scoped_meta_graph /
// copy_scoped_meta_graph for renaming inputs, "^" inputs, "loc:@" colocation
// and collections).
#include "surgeon/graph/rewrite_graph.h"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "graph/control_flow_context.h"
#include "graph/node_util.h"
#include "graph/optimizer_updates.h"
#include "graph/shape_constants.h"
#include "proto/variable.pb.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/format/slice_spec.h"

namespace surgeon {

using namespace graph_internal;  // NOLINT: file-local helpers

namespace {

bool IsSaverOp(const std::string& op) {
  return op == "SaveV2" || op == "RestoreV2" || op == "SaveSlices" || op == "RestoreSlice" || op == "Save" ||
         op == "Restore" || op == "MergeV2Checkpoints";
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// TF >= 1.13 writes the PlaceholderWithDefault filename form (docs/formats.md §5.2).
bool VersionAtLeast113(const std::string& v) {
  int major = 0, minor = 0;
  if (std::sscanf(v.c_str(), "%d.%d", &major, &minor) != 2) return false;
  return major > 1 || (major == 1 && minor >= 13);
}

// Variable.SaveSliceInfo.spec of a partitioned variable's part.
std::string SliceSpec(const tensorflow::SaveSliceInfoDef& si) {
  const Shape full(si.full_shape().begin(), si.full_shape().end());
  TensorSlice slice;
  for (int i = 0; i < si.var_offset_size(); ++i) {
    slice.push_back({si.var_offset(i), i < si.var_shape_size() ? si.var_shape(i) : 0});
  }
  return FormatShapeAndSlice(full, slice);
}

class Rewriter {
 public:
  Rewriter(const tensorflow::MetaGraphDef& source, const RewriteSpec& spec) : mg_(source), spec_(spec) {}

  Result<RewriteResult> Run() {
    SURGEON_RETURN_IF_ERROR(ExpandPartitioned());
    SURGEON_RETURN_IF_ERROR(Validate());
    RemoveNodes();
    SURGEON_RETURN_IF_ERROR(Rename());
    ApplyShapes();
    SURGEON_RETURN_IF_ERROR(AddVariables());
    FixCollections();
    SURGEON_RETURN_IF_ERROR(BuildSaver());
    SURGEON_RETURN_IF_ERROR(FillStrippedOpList(&mg_));
    return RewriteResult{std::move(mg_), std::move(warnings_), std::move(notes_)};
  }

 private:
  auto& nodes() { return *mg_.mutable_graph_def()->mutable_node(); }

  // The spec names checkpoint keys; a partitioned variable's key is the
  // SaveSliceInfoDef.full_name of its parts "<key>/part_<i>", each a node.
  // Renames, drops and non_trainable of such a key become per-part entries.
  Status ExpandPartitioned() {
    std::map<std::string, std::vector<std::string>> parts;  // full_name -> part nodes
    std::unordered_set<std::string> vars;
    for (const auto& v : SummarizeMetaGraph(mg_).variables) {
      vars.insert(v.name);
      if (v.save_slice_info && v.save_slice_info->full_name != v.name)
        parts[v.save_slice_info->full_name].push_back(v.name);
    }
    std::map<std::string, std::vector<std::string>> target_parts;  // target key -> its part nodes after renaming
    for (const auto& [key, nodes] : parts) {
      if (vars.count(key)) continue;  // A node of that name exists: not ambiguous, leave as is.
      auto r = spec_.renames.find(key);
      if (r == spec_.renames.end()) {
        target_parts[key] = nodes;
        continue;
      }
      const std::string to = r->second;
      spec_.renames.erase(r);
      for (const auto& p : nodes) {
        if (!StartsWith(p, key + "/")) {
          return Status::Unimplemented("rename: part '" + p + "' of partitioned variable '" + key +
                                       "' is not named '<variable>/part_<i>'");
        }
        spec_.renames[p] = to + p.substr(key.size());
        target_parts[to].push_back(spec_.renames[p]);
      }
    }
    for (const auto& [key, nodes] : parts) {
      if (!spec_.dropped.erase(key)) continue;
      spec_.dropped.insert(nodes.begin(), nodes.end());
      target_parts.erase(key);
    }
    for (const auto& [key, nodes] : target_parts) {
      if (spec_.non_trainable.erase(key)) spec_.non_trainable.insert(nodes.begin(), nodes.end());
      if (spec_.new_shapes.count(key)) {
        return Status::Unimplemented("variable '" + key + "' is partitioned into " + std::to_string(nodes.size()) +
                                     " parts; rewrite mode cannot change its shape (use meta_graph: true)");
      }
    }
    return Status::OK();
  }

  Status Validate() {
    std::unordered_set<std::string> vars;
    for (const auto& n : mg_.graph_def().node()) {
      if (IsVariableOp(n.op())) vars.insert(n.name());
    }
    for (const auto& [from, to] : spec_.renames) {
      if (!vars.count(from))
        return Status::NotFound("rename: '" + from + "' is not a variable node of the source graph");
      if (spec_.dropped.count(from))
        return Status::InvalidArgument("variable '" + from + "' is both renamed and dropped");
      if (!IsValidNodeName(to)) return Status::InvalidArgument("rename: '" + to + "' is not a valid TF node name");
    }
    for (const auto& d : spec_.dropped) {
      if (!vars.count(d)) return Status::NotFound("drop: '" + d + "' is not a variable node of the source graph");
    }
    return Status::OK();
  }

  // Who consumes each node's outputs, by data and by any (incl. control) edge.
  struct Edges {
    std::unordered_map<std::string, std::vector<std::string>> data_consumers, all_consumers;
    std::unordered_map<std::string, std::string> op_of;
  };
  Edges IndexEdges() const {
    Edges e;
    for (const auto& n : mg_.graph_def().node()) {
      e.op_of[n.name()] = n.op();
      for (const auto& in : n.input()) {
        TensorRef r = ParseTensorRef(in);
        e.all_consumers[r.node].push_back(n.name());
        if (r.index >= 0) e.data_consumers[r.node].push_back(n.name());
      }
    }
    return e;
  }

  // The name scopes of the old savers ("save" of "save/RestoreV2").
  std::set<std::string> SaverScopes() const {
    std::set<std::string> scopes;
    for (const auto& n : mg_.graph_def().node()) {
      if (IsSaverOp(n.op()) && n.name().find('/') != std::string::npos) {
        scopes.insert(n.name().substr(0, n.name().find('/')));
      }
    }
    if (mg_.has_saver_def()) {
      const std::string& r = mg_.saver_def().restore_op_name();
      if (r.find('/') != std::string::npos) scopes.insert(r.substr(0, r.find('/')));
    }
    return scopes;
  }

  // Source variable nodes the spec freezes: trainable in the source graph,
  // not trainable in the target.
  std::set<std::string> FrozenSourceVariables() const {
    std::set<std::string> out;
    for (const auto& v : SummarizeMetaGraph(mg_).variables) {
      if (!v.trainable) continue;
      auto r = spec_.renames.find(v.name);
      if (spec_.non_trainable.count(r == spec_.renames.end() ? v.name : r->second)) out.insert(v.name);
    }
    return out;
  }

  // Source variable nodes of the spec's frozen statistics.
  std::set<std::string> FrozenStatisticNodes() const {
    std::set<std::string> out;
    for (const auto& v : SummarizeMetaGraph(mg_).variables) {
      auto r = spec_.renames.find(v.name);
      if (spec_.frozen_statistics.count(r == spec_.renames.end() ? v.name : r->second)) out.insert(v.name);
    }
    return out;
  }

  // Steps 1 and 2: old savers, dropped variables, updates of frozen ones.
  void RemoveNodes() {
    const std::set<std::string> saver_scopes = SaverScopes();
    const Edges edges = IndexEdges();
    RemoveSaversAndDropped(saver_scopes, edges);
    RemoveOrphanedProducers(edges);
    EraseRemoved();
  }

  // Removes the savers, the dropped variables, the optimizer updates of
  // frozen ones (the source's own train op must not keep training what the
  // config freezes) and, transitively, their data consumers, which cannot
  // stay. Consumers outside the dropped variables' own scopes (optimizer
  // updates, reads) are reported, one warning per dropped variable, by op type.
  void RemoveSaversAndDropped(const std::set<std::string>& saver_scopes, const Edges& edges) {
    std::vector<std::string> work;
    std::unordered_map<std::string, std::string> root_of;  // removed node -> the dropped variable it came from
    auto remove = [&](const std::string& name) {
      if (removed_.insert(name).second) work.push_back(name);
    };
    for (const auto& n : mg_.graph_def().node()) {
      for (const auto& s : saver_scopes) {
        if (StartsWith(n.name(), s + "/")) remove(n.name());
      }
    }
    for (const auto& d : spec_.dropped) {
      remove(d);
      root_of[d] = d;
    }
    const std::vector<std::string> frozen_updates = OptimizerUpdatesOf(mg_.graph_def(), FrozenSourceVariables());
    for (const auto& u : frozen_updates) remove(u);
    if (!frozen_updates.empty()) {
      warnings_.push_back("freeze: removed " + std::to_string(frozen_updates.size()) +
                          " optimizer update(s) of frozen variables, e.g. '" + frozen_updates.front() +
                          "'; the graph's train op no longer changes them");
    }
    std::vector<std::string> statistic_updates = VariableAssignsOf(mg_.graph_def(), FrozenStatisticNodes());
    // The old saver's restore assigns are already going.
    statistic_updates.erase(std::remove_if(statistic_updates.begin(), statistic_updates.end(),
                                           [&](const std::string& u) { return removed_.count(u) > 0; }),
                            statistic_updates.end());
    for (const auto& u : statistic_updates) {
      remove(u);
      quiet_removed_.insert(u);
    }
    if (!statistic_updates.empty()) {
      std::string names;
      for (const auto& u : statistic_updates) names += (names.empty() ? "'" : ", '") + u + "'";
      warnings_.push_back("freeze: removed " + std::to_string(statistic_updates.size()) +
                          " moving-average update(s) of frozen batch-norm statistics (" + names +
                          ") and their UPDATE_OPS entries; the graph's train op no longer changes them");
    }
    std::map<std::string, std::map<std::string, int>> reported;  // root -> op -> count
    std::map<std::string, std::string> first_reported;           // root -> first node
    while (!work.empty()) {
      std::string name = work.back();
      work.pop_back();
      auto consumers = edges.data_consumers.find(name);
      if (consumers == edges.data_consumers.end()) continue;
      for (const auto& c : consumers->second) {
        if (removed_.count(c)) continue;
        bool companion = false;
        for (const auto& d : spec_.dropped) companion |= StartsWith(c, d + "/");
        for (const auto& s : saver_scopes) companion |= StartsWith(c, s + "/");
        const std::string root = root_of.count(name) ? root_of[name] : name;
        root_of[c] = root;
        if (!companion) {
          reported[root][edges.op_of.at(c)]++;
          first_reported.emplace(root, c);
        }
        remove(c);
      }
    }
    WarnRemovedUsers(reported, first_reported);
  }

  void WarnRemovedUsers(const std::map<std::string, std::map<std::string, int>>& reported,
                        const std::map<std::string, std::string>& first_reported) {
    for (const auto& [root, ops] : reported) {
      int total = 0;
      std::string by_op;
      for (const auto& [op, count] : ops) {
        total += count;
        by_op += (by_op.empty() ? "" : ", ") + std::to_string(count) + " " + op;
      }
      notes_.push_back("removed " + std::to_string(total) + " node(s) that used dropped '" + root + "' (" + by_op +
                       "), e.g. '" + first_reported.at(root) + "'");
    }
  }

  // Producers whose every consumer is gone (initializer chains, ...). Kept:
  // kept variables, their companions ("V/read", "V/Assign", which a
  // VariableDef names), and everything a collection names.
  void RemoveOrphanedProducers(const Edges& edges) {
    std::vector<std::string> keep_scopes;
    std::unordered_set<std::string> protect;
    for (const auto& n : mg_.graph_def().node()) {
      if (IsVariableOp(n.op()) && !removed_.count(n.name())) {
        protect.insert(n.name());
        keep_scopes.push_back(n.name() + "/");
      }
    }
    for (const auto& [key, col] : mg_.collection_def()) {
      for (const auto& v : col.node_list().value()) protect.insert(ParseTensorRef(v).node);
    }
    auto is_protected = [&](const std::string& name) {
      if (protect.count(name)) return true;
      for (const auto& s : keep_scopes) {
        if (StartsWith(name, s)) return true;
      }
      return false;
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& n : mg_.graph_def().node()) {
        if (removed_.count(n.name()) || is_protected(n.name())) continue;
        auto it = edges.all_consumers.find(n.name());
        if (it == edges.all_consumers.end() || it->second.empty()) continue;
        bool all_gone = std::all_of(it->second.begin(), it->second.end(),
                                    [&](const std::string& c) { return removed_.count(c) > 0; });
        if (all_gone) {
          removed_.insert(n.name());
          changed = true;
        }
      }
    }
  }

  // Erases the removed nodes, the control inputs and colocations naming
  // them, and the old saver's description.
  void EraseRemoved() {
    auto& ns = nodes();
    ns.erase(std::remove_if(ns.begin(), ns.end(),
                            [&](const tensorflow::NodeDef& n) { return removed_.count(n.name()) > 0; }),
             ns.end());
    for (auto& n : ns) {
      auto* in = n.mutable_input();
      in->erase(std::remove_if(
                    in->begin(), in->end(),
                    [&](const std::string& s) { return !s.empty() && s[0] == '^' && removed_.count(s.substr(1)); }),
                in->end());
      auto cls = n.mutable_attr()->find("_class");
      if (cls != n.mutable_attr()->end()) {
        auto* list = cls->second.mutable_list()->mutable_s();
        list->erase(
            std::remove_if(list->begin(), list->end(),
                           [&](const std::string& s) { return StartsWith(s, "loc:@") && removed_.count(s.substr(5)); }),
            list->end());
        if (list->empty()) n.mutable_attr()->erase(cls);
      }
    }
    if (mg_.collection_def().count("savers")) {
      mg_.mutable_collection_def()->erase("savers");
      warnings_.push_back("collection 'savers' removed: it described the replaced saver");
    }
    mg_.clear_saver_def();
  }

  std::string NewName(const std::string& name) const {
    auto it = name_map_.find(name);
    return it == name_map_.end() ? name : it->second;
  }
  std::string NewTensor(const std::string& tensor) const {
    TensorRef r = ParseTensorRef(tensor);
    std::string n = NewName(r.node);
    if (n == r.node) return tensor;
    if (r.index < 0) return "^" + n;
    return tensor.find(':') != std::string::npos && tensor.size() > r.node.size() ? n + tensor.substr(r.node.size())
                                                                                  : n;
  }

  // Step 3.
  Status Rename() {
    std::vector<std::string> var_names;
    for (const auto& n : mg_.graph_def().node()) {
      if (IsVariableOp(n.op())) var_names.push_back(n.name());
    }
    // Longest variable prefix first.
    std::sort(var_names.begin(), var_names.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& n : mg_.graph_def().node()) {
      for (const auto& v : var_names) {
        if (n.name() == v || StartsWith(n.name(), v + "/")) {
          auto r = spec_.renames.find(v);
          if (r != spec_.renames.end() && r->second != v) name_map_[n.name()] = r->second + n.name().substr(v.size());
          break;
        }
      }
    }
    std::unordered_map<std::string, std::string> final_names;  // new -> old
    for (const auto& n : mg_.graph_def().node()) {
      std::string nn = NewName(n.name());
      auto [it, inserted] = final_names.emplace(nn, n.name());
      if (!inserted) {
        return Status::InvalidArgument("rename: nodes '" + it->second + "' and '" + n.name() +
                                       "' would both be named '" + nn + "'");
      }
    }
    if (name_map_.empty()) return Status::OK();
    for (auto& n : nodes()) {
      n.set_name(NewName(n.name()));
      for (auto& in : *n.mutable_input()) in = NewTensor(in);
      auto cls = n.mutable_attr()->find("_class");
      if (cls != n.mutable_attr()->end()) {
        for (auto& s : *cls->second.mutable_list()->mutable_s()) {
          if (StartsWith(s, "loc:@")) s = "loc:@" + NewName(s.substr(5));
        }
      }
    }
    return Status::OK();
  }

  using ConsumerIndex = std::unordered_map<std::string, std::vector<tensorflow::NodeDef*>>;

  // Step 4.
  void ApplyShapes() {
    NodeIndex by_name;
    ConsumerIndex consumers;
    for (auto& n : nodes()) by_name[n.name()] = &n;
    for (auto& n : nodes()) {
      for (const auto& in : n.input()) {
        TensorRef r = ParseTensorRef(in);
        if (r.index >= 0) consumers[r.node].push_back(&n);
      }
    }
    for (const auto& [var, shape] : spec_.new_shapes) {
      auto it = by_name.find(var);
      if (it == by_name.end() || !IsVariableOp(it->second->op()))
        continue;  // Added variables, or an error caught by the saver.
      tensorflow::NodeDef* v = it->second;
      Shape old = ShapeFromProto((*v->mutable_attr())["shape"].shape());
      if (old == shape) continue;
      SetShape(v, "shape", shape);
      v->mutable_attr()->erase("_output_shapes");
      std::set<int64_t> old_dims;
      for (size_t i = 0; i < old.size(); ++i) {
        if (i >= shape.size() || old[i] != shape[i]) old_dims.insert(old[i]);
      }
      ReshapeInitializer(InitializerChain(var, by_name), old, shape);
      FixDownstream(var, old, shape, old_dims, by_name, consumers);
    }
  }

  // Initializer constants: the V/Initializer scope and the chain that feeds
  // V/Assign (tf.Variable(tf.random_normal(...)) builds it outside the
  // variable's scope), through the ops initializers are made of.
  std::set<std::string> InitializerChain(const std::string& var, const NodeIndex& by_name) {
    std::set<std::string> chain;
    const std::string init_scope = var + "/Initializer/";
    for (auto& n : nodes()) {
      if (StartsWith(n.name(), init_scope)) chain.insert(n.name());
    }
    static const std::set<std::string> kInitOps = {
        "Add",  "AddV2",    "Mul",  "Sub", "RandomUniform", "RandomStandardNormal", "TruncatedNormal",
        "Fill", "Identity", "Const"};
    std::vector<std::string> work;
    auto assign = by_name.find(var + "/Assign");
    if (assign != by_name.end() && assign->second->input_size() >= 2) {
      work.push_back(ParseTensorRef(assign->second->input(1)).node);
    }
    while (!work.empty()) {
      auto it = by_name.find(work.back());
      work.pop_back();
      if (it == by_name.end() || !kInitOps.count(it->second->op())) continue;
      if (!chain.insert(it->first).second) continue;
      for (const auto& in : it->second->input()) {
        TensorRef r = ParseTensorRef(in);
        if (r.index >= 0) work.push_back(r.node);
      }
    }
    return chain;
  }

  // The chain's shape constants get the new shape; a Const holding the old
  // values whole is reported.
  void ReshapeInitializer(const std::set<std::string>& chain, const Shape& old, const Shape& shape) {
    for (auto& n : nodes()) {
      if (!chain.count(n.name())) continue;
      n.mutable_attr()->erase("_output_shapes");
      if (n.op() != "Const") continue;
      auto* t = (*n.mutable_attr())["value"].mutable_tensor();
      std::vector<int64_t> vals;
      if (ShapeFromProto(t->tensor_shape()) == old) {
        *t->mutable_tensor_shape() = ShapeProto(shape);
        if (!t->tensor_content().empty()) {
          warnings_.push_back("node '" + n.name() +
                              "' (Const): holds full initial values of the old shape; replace it");
        }
      } else if (ReadIntTensor(*t, &vals) && vals == std::vector<int64_t>(old.begin(), old.end())) {
        WriteIntTensor(t, std::vector<int64_t>(shape.begin(), shape.end()));
      }
    }
  }

  // Everything downstream: strip static shapes, fix or report constants holding old dims.
  void FixDownstream(const std::string& var, const Shape& old, const Shape& shape, const std::set<int64_t>& old_dims,
                     const NodeIndex& by_name, const ConsumerIndex& consumers) {
    std::vector<std::string> work{var};
    std::set<std::string> seen{var};
    while (!work.empty()) {
      std::string name = work.back();
      work.pop_back();
      auto users = consumers.find(name);
      if (users == consumers.end()) continue;
      for (auto* c : users->second) {
        if (!seen.insert(c->name()).second) continue;
        work.push_back(c->name());
        if (c->mutable_attr()->erase("_output_shapes")) stripped_++;
        if (StartsWith(c->name(), var + "/")) continue;
        FixShapeConstants(*c, var, old, shape, old_dims, by_name);
      }
    }
  }

  // The constants `c` takes: one TF folded from `var`'s old shape becomes a
  // Shape op (graph/shape_constants.h); another holding an old dim is reported.
  void FixShapeConstants(const tensorflow::NodeDef& c, const std::string& var, const Shape& old, const Shape& shape,
                         const std::set<int64_t>& old_dims, const NodeIndex& by_name) {
    for (const auto& in : c.input()) {
      TensorRef r = ParseTensorRef(in);
      if (r.index < 0) continue;
      auto src = by_name.find(r.node);
      if (src == by_name.end() || src->second->op() != "Const") continue;
      if (MakeVariableShapeDynamic(src->second, var, old, by_name)) continue;
      auto value = src->second->attr().find("value");  // Absent in a malformed graph.
      std::vector<int64_t> vals;
      if (value == src->second->attr().end() || !ReadIntTensor(value->second.tensor(), &vals)) continue;
      for (int64_t d : vals) {
        if (d > 1 && old_dims.count(d)) {
          warnings_.push_back("node '" + c.name() + "' (" + c.op() + ") takes constant '" + src->second->name() +
                              "' holding " + std::to_string(d) + ", a dimension of '" + var + "' before it became " +
                              ShapeToString(shape) + "; the graph may fail there");
          break;
        }
      }
    }
  }

  // Step 5.
  Status AddVariables() {
    for (const auto& v : spec_.added) {
      for (const auto& n : mg_.graph_def().node()) {
        if (n.name() == v.name || StartsWith(n.name(), v.name + "/")) {
          return Status::InvalidArgument("added variable '" + v.name + "' collides with node '" + n.name() + "'");
        }
      }
      tensorflow::VariableDef def;
      SURGEON_RETURN_IF_ERROR(AddRefVariable(v, mg_.mutable_graph_def(), &def));
      added_defs_.push_back({def.SerializeAsString(), v.trainable});
    }
    return Status::OK();
  }

  using ExistsFn = std::function<bool(const std::string&)>;

  // Step 6: collections follow the renames and removals.
  void FixCollections() {
    std::unordered_set<std::string> present;
    for (const auto& n : mg_.graph_def().node()) present.insert(n.name());
    const ExistsFn exists = [&](const std::string& tensor) { return present.count(ParseTensorRef(tensor).node) > 0; };
    for (auto& [key, col] : *mg_.mutable_collection_def()) {
      if (col.has_node_list()) {
        FixNodeList(key, exists, &col);
      } else if (col.has_bytes_list() && IsVariableDefCollection(key)) {
        FixVariableDefs(key, exists, &col);
      } else if (col.has_bytes_list() && (key == "cond_context" || key == "while_context")) {
        FixContexts(key, exists, &col);
      } else if (col.has_bytes_list() && !name_map_.empty()) {
        WarnUnrewrittenMentions(key, col);
      }
    }
    for (const auto& [bytes, trainable] : added_defs_) {
      (*mg_.mutable_collection_def())["variables"].mutable_bytes_list()->add_value(bytes);
      if (trainable) (*mg_.mutable_collection_def())["trainable_variables"].mutable_bytes_list()->add_value(bytes);
    }
    EraseEmptyCollections();
  }

  void FixNodeList(const std::string& key, const ExistsFn& exists, tensorflow::CollectionDef* col) {
    auto* vals = col->mutable_node_list()->mutable_value();
    for (auto& v : *vals) v = NewTensor(v);
    auto end = std::remove_if(vals->begin(), vals->end(), [&](const std::string& v) {
      if (exists(v)) return false;
      if (quiet_removed_.count(ParseTensorRef(v).node)) return true;  // Reported with their removal.
      warnings_.push_back("collection '" + key + "': entry '" + v + "' removed (its node was removed)");
      return true;
    });
    vals->erase(end, vals->end());
  }

  void FixVariableDefs(const std::string& key, const ExistsFn& exists, tensorflow::CollectionDef* col) {
    auto* vals = col->mutable_bytes_list()->mutable_value();
    std::vector<std::string> kept;
    for (const auto& bytes : *vals) {
      tensorflow::VariableDef vd;
      if (!vd.ParseFromString(bytes)) continue;
      vd.set_variable_name(NewTensor(vd.variable_name()));
      if (!exists(vd.variable_name())) continue;
      const std::string node = ParseTensorRef(vd.variable_name()).node;
      if (key == "trainable_variables" && spec_.non_trainable.count(node)) continue;
      vd.set_initializer_name(NewTensor(vd.initializer_name()));
      vd.set_snapshot_name(NewTensor(vd.snapshot_name()));
      vd.set_initial_value_name(NewTensor(vd.initial_value_name()));
      if (!vd.initial_value_name().empty() && !exists(vd.initial_value_name())) vd.clear_initial_value_name();
      if (key == "trainable_variables" || key == "variables") {
        if (vd.trainable() && spec_.non_trainable.count(node)) vd.set_trainable(false);
      }
      if (vd.has_save_slice_info_def()) RenameFullName(node, vd.mutable_save_slice_info_def());
      if (!vd.snapshot_name().empty()) snapshots_[node] = vd.snapshot_name();
      kept.push_back(vd.SerializeAsString());
      if (vd.has_save_slice_info_def()) slice_info_[node] = vd.save_slice_info_def();
    }
    vals->Clear();
    for (auto& k : kept) vals->Add(std::move(k));
  }

  // A part "<full>/part_k" renamed to "<new full>/part_k" renames the full name too.
  void RenameFullName(const std::string& node, tensorflow::SaveSliceInfoDef* si) const {
    const std::string& full = si->full_name();
    for (const auto& [old_node, new_node] : name_map_) {
      if (new_node != node || !StartsWith(old_node, full + "/")) continue;
      const std::string suffix = old_node.substr(full.size());
      if (node.size() > suffix.size() && node.compare(node.size() - suffix.size(), suffix.size(), suffix) == 0) {
        si->set_full_name(node.substr(0, node.size() - suffix.size()));
      }
      break;
    }
  }

  void FixContexts(const std::string& key, const ExistsFn& exists, tensorflow::CollectionDef* col) {
    ContextNames names{[&](const std::string& t) { return NewTensor(t); }, exists};
    auto* vals = col->mutable_bytes_list()->mutable_value();
    std::vector<std::string> kept;
    for (auto& bytes : *vals) {
      std::string why;
      switch (EditControlFlowContext(key, names, &bytes, &why)) {
        case ContextEdit::kRemoved:
          warnings_.push_back("collection '" + key + "': " + why + "; the context was removed");
          continue;
        case ContextEdit::kUnparsed:
          warnings_.push_back("collection '" + key + "': an entry surgeon cannot parse was kept as is");
          break;
        case ContextEdit::kKept: break;
      }
      kept.push_back(std::move(bytes));
    }
    vals->Clear();
    for (auto& k : kept) vals->Add(std::move(k));
  }

  // Other protos (summaries, queue runners, ...) hold names we do not parse:
  // one warning for the first renamed node a collection mentions.
  void WarnUnrewrittenMentions(const std::string& key, const tensorflow::CollectionDef& col) {
    for (const auto& bytes : col.bytes_list().value()) {
      for (const auto& [from, to] : name_map_) {
        if (bytes.find(from) != std::string::npos) {
          warnings_.push_back("collection '" + key + "' mentions '" + from +
                              "' (renamed) in a proto surgeon does not rewrite");
          return;
        }
      }
    }
  }

  void EraseEmptyCollections() {
    for (auto it = mg_.mutable_collection_def()->begin(); it != mg_.mutable_collection_def()->end();) {
      const auto& c = it->second;
      bool empty =
          (c.has_node_list() && c.node_list().value_size() == 0) ||
          (c.has_bytes_list() && c.bytes_list().value_size() == 0 &&
           (IsVariableDefCollection(it->first) || it->first == "cond_context" || it->first == "while_context"));
      it = empty ? mg_.mutable_collection_def()->erase(it) : std::next(it);
    }
  }

  Status BuildSaver() {
    std::unordered_map<std::string, const tensorflow::NodeDef*> vars, present;
    std::vector<std::string> names;
    for (const auto& n : mg_.graph_def().node()) {
      names.push_back(n.name());
      present[n.name()] = &n;
      if (IsVariableOp(n.op())) vars[n.name()] = &n;
    }
    std::vector<SaverEntry> entries;
    auto colocation_of = [](const tensorflow::NodeDef& n) {
      auto cls = n.attr().find("_class");
      if (cls != n.attr().end() && cls->second.list().s_size() > 0 && StartsWith(cls->second.list().s(0), "loc:@")) {
        return cls->second.list().s(0).substr(5);
      }
      return n.name();
    };
    for (const auto& t : spec_.checkpoint) {
      std::vector<std::pair<const tensorflow::NodeDef*, std::string>> parts;
      auto it = vars.find(t.key);
      if (it != vars.end()) {
        parts.push_back({it->second, ""});
      } else {
        for (const auto& [node, si] : slice_info_) {
          if (si.full_name() == t.key && vars.count(node)) parts.push_back({vars[node], SliceSpec(si)});
        }
        std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
      }
      if (parts.empty()) {
        return Status::NotFound("checkpoint key '" + t.key + "' has no variable node in the rewritten graph");
      }
      for (const auto& [node, slice] : parts) {
        auto dt = node->attr().find("dtype");
        if (dt != node->attr().end() && static_cast<DataType>(dt->second.type()) != t.dtype) {
          return Status::InvalidArgument(
              "variable '" + node->name() + "' is " + DataTypeName(static_cast<DataType>(dt->second.type())) +
              " in the graph but '" + t.key + "' is " + DataTypeName(t.dtype) + " in the checkpoint");
        }
        SaverEntry e{t.key, node->name(), t.dtype, slice, colocation_of(*node)};
        if (node->op() == "VarHandleOp") {
          e.resource = true;
          e.snapshot = SnapshotOf(node->name(), present);
        }
        entries.push_back(std::move(e));
      }
    }
    SaverOptions opts;
    opts.scope = UniqueScope("save", names);
    opts.form = VersionAtLeast113(mg_.meta_info_def().tensorflow_version()) ? SaverFilenameForm::kPlaceholderWithDefault
                                                                            : SaverFilenameForm::kConst;
    SURGEON_ASSIGN_OR_RETURN(*mg_.mutable_saver_def(),
                             AddSaverSubgraph(std::move(entries), opts, mg_.mutable_graph_def()));
    return Status::OK();
  }

  // The tensor a resource variable is saved from: its VariableDef's
  // snapshot_name (TF: var._graph_element), else TF's "<v>/Read/ReadVariableOp",
  // when that node still reads `var`; "" lets the saver add a read of its own.
  std::string SnapshotOf(const std::string& var,
                         const std::unordered_map<std::string, const tensorflow::NodeDef*>& present) const {
    std::vector<std::string> candidates;
    auto it = snapshots_.find(var);
    if (it != snapshots_.end()) candidates.push_back(it->second);
    candidates.push_back(var + "/Read/ReadVariableOp");
    for (const auto& c : candidates) {
      TensorRef r = ParseTensorRef(c);
      auto n = present.find(r.node);
      if (r.index == 0 && n != present.end() && n->second->op() == "ReadVariableOp" && n->second->input_size() >= 1 &&
          ParseTensorRef(n->second->input(0)).node == var) {
        return r.node;
      }
    }
    return "";
  }

  tensorflow::MetaGraphDef mg_;
  RewriteSpec spec_;  // A copy: ExpandPartitioned rewrites it.
  std::vector<std::string> warnings_;
  std::vector<std::string> notes_;
  std::unordered_set<std::string> removed_;
  std::unordered_set<std::string> quiet_removed_;  // Removed without a per-collection-entry warning.
  std::unordered_map<std::string, std::string> name_map_;
  std::map<std::string, tensorflow::SaveSliceInfoDef> slice_info_;
  std::unordered_map<std::string, std::string> snapshots_;  // variable node -> VariableDef.snapshot_name
  std::vector<std::pair<std::string, bool>> added_defs_;
  int stripped_ = 0;
};

}  // namespace

Result<RewriteResult> RewriteMetaGraph(const tensorflow::MetaGraphDef& source, const RewriteSpec& spec) {
  return Rewriter(source, spec).Run();
}

}  // namespace surgeon
