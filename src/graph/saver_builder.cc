// See graph/saver_builder.h. Node names, attrs and devices follow the TF 1.14
// graph in ../shared/tf-corpus/v2_alzi_dnn (the `save_6/` scope there).
#include "surgeon/graph/saver_builder.h"

#include <algorithm>
#include <map>
#include <set>

#include "graph/node_util.h"

namespace surgeon {

using namespace graph_internal;  // NOLINT: file-local helpers

namespace {

Status CheckEntries(const std::vector<SaverEntry>& entries) {
  if (entries.empty()) return Status::InvalidArgument("saver: no variables to save");
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& e : entries) {
    if (e.key.empty() || e.variable.empty())
      return Status::InvalidArgument("saver: entry with an empty key or variable");
    if (e.dtype == DataType::kInvalid) return Status::InvalidArgument("saver: " + e.key + ": invalid dtype");
    if (!seen.insert({e.key, e.slice_spec}).second) {
      return Status::InvalidArgument("saver: checkpoint key '" + e.key + "' saved twice");
    }
  }
  return Status::OK();
}

// Adds the nodes of one saver scope to a graph, in the order TF adds them.
// REQUIRES: entries checked (CheckEntries) and sorted by key.
class SaverGraphBuilder {
 public:
  SaverGraphBuilder(const std::vector<SaverEntry>& entries, const SaverOptions& options, tensorflow::GraphDef* graph)
      : entries_(entries), options_(options), graph_(graph), s_(options.scope + "/"), filename_(s_ + "Const") {
    for (const auto& e : entries) {
      names_.push_back(e.key);
      slices_.push_back(e.slice_spec);
      dtypes_.push_back(e.dtype);
    }
  }

  tensorflow::SaverDef Build() {
    AddFilename();
    AddSave();
    AddRestore();
    tensorflow::SaverDef def;
    def.set_filename_tensor_name(filename_ + ":0");
    def.set_save_tensor_name(s_ + "control_dependency:0");
    def.set_restore_op_name(s_ + "restore_all");
    def.set_max_to_keep(options_.max_to_keep);
    def.set_keep_checkpoint_every_n_hours(options_.keep_checkpoint_every_n_hours);
    def.set_version(tensorflow::SaverDef::V2);
    return def;
  }

 private:
  // TF's unique_name within the saver scope: "save/X", then "save/X_1", ...
  std::string Unique(const std::string& base) {
    int n = used_[base]++;
    return s_ + base + (n == 0 ? std::string() : "_" + std::to_string(n));
  }

  // The filename tensor (saver.py: "Keep the name 'Const' for backwards
  // compatibility").
  void AddFilename() {
    if (options_.form != SaverFilenameForm::kPlaceholderWithDefault) {
      AddStringConst(graph_, filename_, {"model"}, /*scalar=*/true);
      return;
    }
    AddStringConst(graph_, s_ + "filename/input", {"model"}, /*scalar=*/true);
    auto* f = AddNode(graph_, s_ + "filename", "PlaceholderWithDefault");
    f->add_input(s_ + "filename/input");
    SetType(f, "dtype", DataType::kString);
    SetShape(f, "shape", {});
    auto* c = AddNode(graph_, filename_, "PlaceholderWithDefault");
    c->add_input(s_ + "filename");
    SetType(c, "dtype", DataType::kString);
    SetShape(c, "shape", {});
  }

  // What SaveV2 reads for entry `e`: the variable, a resource's snapshot, or
  // a ReadVariableOp added in the saver scope.
  std::string SaveInput(const SaverEntry& e) {
    if (!e.resource) return e.variable;
    if (!e.snapshot.empty()) return e.snapshot;
    std::string read_name = Unique("ReadVariableOp");
    auto* read = AddNode(graph_, read_name, "ReadVariableOp");
    read->add_input(e.variable);
    SetType(read, "dtype", e.dtype);
    return read_name;
  }

  void AddSave() {
    AddStringConst(graph_, s_ + "SaveV2/tensor_names", names_, /*scalar=*/false);
    AddStringConst(graph_, s_ + "SaveV2/shape_and_slices", slices_, /*scalar=*/false);
    std::vector<std::string> save_inputs;
    for (const auto& e : entries_) save_inputs.push_back(SaveInput(e));
    auto* save = AddNode(graph_, s_ + "SaveV2", "SaveV2");
    save->add_input(filename_);
    save->add_input(s_ + "SaveV2/tensor_names");
    save->add_input(s_ + "SaveV2/shape_and_slices");
    for (const auto& in : save_inputs) save->add_input(in);
    SetTypeList(save, "dtypes", dtypes_);
    auto* dep = AddNode(graph_, s_ + "control_dependency", "Identity");
    dep->add_input(filename_);
    dep->add_input("^" + s_ + "SaveV2");
    SetType(dep, "T", DataType::kString);
    SetColocation(dep, filename_);
  }

  // BulkSaverBuilder: one RestoreV2 on the CPU, then one assign per entry.
  void AddRestore() {
    const std::string cpu = "/device:CPU:0";
    AddStringConst(graph_, s_ + "RestoreV2/tensor_names", names_, false)->set_device(cpu);
    AddStringConst(graph_, s_ + "RestoreV2/shape_and_slices", slices_, false)->set_device(cpu);
    auto* restore = AddNode(graph_, s_ + "RestoreV2", "RestoreV2");
    restore->add_input(filename_);
    restore->add_input(s_ + "RestoreV2/tensor_names");
    restore->add_input(s_ + "RestoreV2/shape_and_slices");
    restore->set_device(cpu);
    SetTypeList(restore, "dtypes", dtypes_);
    std::vector<std::string> assigns;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const std::string restored = i == 0 ? s_ + "RestoreV2" : s_ + "RestoreV2:" + std::to_string(i);
      assigns.push_back(entries_[i].resource ? AddAssignVariable(entries_[i], restored)
                                             : AddAssign(entries_[i], restored));
    }
    auto* all = AddNode(graph_, s_ + "restore_all", "NoOp");
    for (const auto& a : assigns) all->add_input("^" + a);
  }

  // ResourceVariableSaveable.restore: Identity, then AssignVariableOp.
  std::string AddAssignVariable(const SaverEntry& e, const std::string& restored) {
    std::string id_name = Unique("Identity");
    auto* id = AddNode(graph_, id_name, "Identity");
    id->add_input(restored);
    SetType(id, "T", e.dtype);
    std::string name = Unique("AssignVariableOp");
    auto* a = AddNode(graph_, name, "AssignVariableOp");
    a->add_input(e.variable);
    a->add_input(id_name);
    SetType(a, "dtype", e.dtype);
    return name;
  }

  std::string AddAssign(const SaverEntry& e, const std::string& restored) {
    std::string name = Unique("Assign");
    auto* a = AddNode(graph_, name, "Assign");
    a->add_input(e.variable);
    a->add_input(restored);
    SetType(a, "T", e.dtype);
    SetColocation(a, e.colocation.empty() ? e.variable : e.colocation);
    SetBool(a, "use_locking", true);
    SetBool(a, "validate_shape", true);
    return name;
  }

  const std::vector<SaverEntry>& entries_;
  const SaverOptions& options_;
  tensorflow::GraphDef* graph_;
  const std::string s_;         // "<scope>/"
  const std::string filename_;  // "<scope>/Const"
  std::vector<std::string> names_, slices_;
  std::vector<DataType> dtypes_;
  std::map<std::string, int> used_;
};

}  // namespace

Result<tensorflow::SaverDef> AddSaverSubgraph(std::vector<SaverEntry> entries, const SaverOptions& options,
                                              tensorflow::GraphDef* graph) {
  SURGEON_RETURN_IF_ERROR(CheckEntries(entries));
  std::stable_sort(entries.begin(), entries.end(),
                   [](const SaverEntry& a, const SaverEntry& b) { return a.key < b.key; });
  return SaverGraphBuilder(entries, options, graph).Build();
}

}  // namespace surgeon
