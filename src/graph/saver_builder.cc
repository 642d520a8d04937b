// See graph/saver_builder.h. Node names, attrs and devices follow the TF 1.14
// graph in ../shared/tf-corpus/v2_alzi_dnn (the `save_6/` scope there).
#include "surgeon/graph/saver_builder.h"

#include <algorithm>
#include <map>
#include <set>

#include "graph/node_util.h"

namespace surgeon {

using namespace graph_internal;  // NOLINT: file-local helpers

Result<tensorflow::SaverDef> AddSaverSubgraph(std::vector<SaverEntry> entries, const SaverOptions& options,
                                              tensorflow::GraphDef* graph) {
  if (entries.empty()) return Status::InvalidArgument("saver: no variables to save");
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& e : entries) {
    if (e.key.empty() || e.variable.empty()) return Status::InvalidArgument("saver: entry with an empty key or variable");
    if (e.dtype == DataType::kInvalid) return Status::InvalidArgument("saver: " + e.key + ": invalid dtype");
    if (!seen.insert({e.key, e.slice_spec}).second) {
      return Status::InvalidArgument("saver: checkpoint key '" + e.key + "' saved twice");
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const SaverEntry& a, const SaverEntry& b) { return a.key < b.key; });

  const std::string s = options.scope + "/";
  // TF's unique_name within the saver scope: "save/X", then "save/X_1", ...
  std::map<std::string, int> used;
  auto unique = [&](const std::string& base) {
    int n = used[base]++;
    return s + base + (n == 0 ? std::string() : "_" + std::to_string(n));
  };
  std::vector<std::string> names, slices;
  std::vector<DataType> dtypes;
  for (const auto& e : entries) {
    names.push_back(e.key);
    slices.push_back(e.slice_spec);
    dtypes.push_back(e.dtype);
  }

  // Filename tensor (saver.py: "Keep the name 'Const' for backwards compatibility").
  const std::string filename = s + "Const";
  if (options.form == SaverFilenameForm::kPlaceholderWithDefault) {
    AddStringConst(graph, s + "filename/input", {"model"}, /*scalar=*/true);
    auto* f = AddNode(graph, s + "filename", "PlaceholderWithDefault");
    f->add_input(s + "filename/input");
    SetType(f, "dtype", DataType::kString);
    SetShape(f, "shape", {});
    auto* c = AddNode(graph, filename, "PlaceholderWithDefault");
    c->add_input(s + "filename");
    SetType(c, "dtype", DataType::kString);
    SetShape(c, "shape", {});
  } else {
    AddStringConst(graph, filename, {"model"}, /*scalar=*/true);
  }

  // Save.
  AddStringConst(graph, s + "SaveV2/tensor_names", names, /*scalar=*/false);
  AddStringConst(graph, s + "SaveV2/shape_and_slices", slices, /*scalar=*/false);
  std::vector<std::string> save_inputs;
  for (const auto& e : entries) {
    if (!e.resource) {
      save_inputs.push_back(e.variable);
    } else if (!e.snapshot.empty()) {
      save_inputs.push_back(e.snapshot);
    } else {
      std::string read_name = unique("ReadVariableOp");
      auto* read = AddNode(graph, read_name, "ReadVariableOp");
      read->add_input(e.variable);
      SetType(read, "dtype", e.dtype);
      save_inputs.push_back(read_name);
    }
  }
  auto* save = AddNode(graph, s + "SaveV2", "SaveV2");
  save->add_input(filename);
  save->add_input(s + "SaveV2/tensor_names");
  save->add_input(s + "SaveV2/shape_and_slices");
  for (const auto& in : save_inputs) save->add_input(in);
  SetTypeList(save, "dtypes", dtypes);
  auto* dep = AddNode(graph, s + "control_dependency", "Identity");
  dep->add_input(filename);
  dep->add_input("^" + s + "SaveV2");
  SetType(dep, "T", DataType::kString);
  SetColocation(dep, filename);

  // Restore (BulkSaverBuilder: one RestoreV2 on the CPU).
  const std::string cpu = "/device:CPU:0";
  AddStringConst(graph, s + "RestoreV2/tensor_names", names, false)->set_device(cpu);
  AddStringConst(graph, s + "RestoreV2/shape_and_slices", slices, false)->set_device(cpu);
  auto* restore = AddNode(graph, s + "RestoreV2", "RestoreV2");
  restore->add_input(filename);
  restore->add_input(s + "RestoreV2/tensor_names");
  restore->add_input(s + "RestoreV2/shape_and_slices");
  restore->set_device(cpu);
  SetTypeList(restore, "dtypes", dtypes);
  std::vector<std::string> assigns;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const std::string restored = i == 0 ? s + "RestoreV2" : s + "RestoreV2:" + std::to_string(i);
    if (e.resource) {
      std::string id_name = unique("Identity");
      auto* id = AddNode(graph, id_name, "Identity");
      id->add_input(restored);
      SetType(id, "T", e.dtype);
      std::string name = unique("AssignVariableOp");
      auto* a = AddNode(graph, name, "AssignVariableOp");
      a->add_input(e.variable);
      a->add_input(id_name);
      SetType(a, "dtype", e.dtype);
      assigns.push_back(name);
      continue;
    }
    std::string name = unique("Assign");
    auto* a = AddNode(graph, name, "Assign");
    a->add_input(e.variable);
    a->add_input(restored);
    SetType(a, "T", e.dtype);
    SetColocation(a, e.colocation.empty() ? e.variable : e.colocation);
    SetBool(a, "use_locking", true);
    SetBool(a, "validate_shape", true);
    assigns.push_back(name);
  }
  auto* all = AddNode(graph, s + "restore_all", "NoOp");
  for (const auto& a : assigns) all->add_input("^" + a);

  tensorflow::SaverDef def;
  def.set_filename_tensor_name(filename + ":0");
  def.set_save_tensor_name(s + "control_dependency:0");
  def.set_restore_op_name(s + "restore_all");
  def.set_max_to_keep(options.max_to_keep);
  def.set_keep_checkpoint_every_n_hours(options.keep_checkpoint_every_n_hours);
  def.set_version(tensorflow::SaverDef::V2);
  return def;
}

}  // namespace surgeon
