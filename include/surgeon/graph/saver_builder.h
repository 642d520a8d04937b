// The non-sharded V2 tf.train.Saver subgraph, as TF 1.x's BulkSaverBuilder
// builds it (python/training/saver.py _AddSaveOps/_AddRestoreOps,
// saving/saveable_object_util.py; docs/formats.md §5.2):
//
//   save/filename/input   Const "model"                   (kPlaceholderWithDefault form)
//   save/filename         PlaceholderWithDefault           (kPlaceholderWithDefault form)
//   save/Const            PlaceholderWithDefault | Const "model"
//   save/SaveV2/tensor_names, save/SaveV2/shape_and_slices   Const string [N]
//   save/SaveV2           SaveV2(save/Const, names, slices, V_0..V_N-1)
//   save/control_dependency  Identity(save/Const, ^save/SaveV2), _class loc:@save/Const
//   save/RestoreV2/tensor_names, .../shape_and_slices        Const, /device:CPU:0
//   save/RestoreV2        RestoreV2, dtypes, /device:CPU:0
//   save/Assign[_i]       Assign(V_i, save/RestoreV2:i), _class loc:@V_i
//   save/restore_all      NoOp(^save/Assign, ^save/Assign_1, ...)
//
// A resource variable (VarHandleOp) is saved from its snapshot (a
// ReadVariableOp output, TF's `var._graph_element`, "<V>/Read/ReadVariableOp")
// and restored as ResourceVariableSaveable.restore does it:
//   save/Identity[_j]          Identity(save/RestoreV2:i)
//   save/AssignVariableOp[_j]  AssignVariableOp(V_i, save/Identity[_j])
// (node names counted per op name, as TF's unique_name does; corpus
// v2_keras_estimator_conv2d_rmsprop, TF 2.0.0-alpha0 in graph mode).
//
// Entries are sorted by checkpoint key (stable, so a partitioned variable's
// parts keep their order), as Saver sorts names_to_saveables.
#ifndef SURGEON_GRAPH_SAVER_BUILDER_H_
#define SURGEON_GRAPH_SAVER_BUILDER_H_

#include <string>
#include <vector>

#include "proto/graph.pb.h"
#include "proto/saver.pb.h"
#include "surgeon/base/status.h"
#include "surgeon/format/dtype.h"

namespace surgeon {

struct SaverEntry {
  std::string key;       // checkpoint key: an element of tensor_names
  std::string variable;  // the variable node saved from / restored into
  DataType dtype = DataType::kInvalid;
  std::string slice_spec;  // "" for a whole variable; "<full dims> <off,len:...>" for a part
  std::string colocation;  // _class target of save/Assign_i; "" means `variable`
  bool resource = false;   // `variable` is a VarHandleOp
  std::string snapshot;    // resource only: the tensor SaveV2 reads; "" adds a ReadVariableOp in the saver scope
};

enum class SaverFilenameForm {
  kPlaceholderWithDefault,  // TF >= 1.13 (corpus: 1.13.1, 1.14.0)
  kConst,                   // TF <= 1.5 (corpus: 1.0.0, 1.3.0, 1.5.0); valid on every TF 1.x
};

struct SaverOptions {
  std::string scope = "save";  // REQUIRES: no node of the graph lives under "<scope>/".
  SaverFilenameForm form = SaverFilenameForm::kPlaceholderWithDefault;
  int max_to_keep = 5;
  float keep_checkpoint_every_n_hours = 10000.0f;
};

// Appends the saver nodes to `graph` and returns the matching SaverDef.
// InvalidArgument for no entries, an empty key or variable, DT_INVALID, or
// two entries with the same (key, slice_spec).
Result<tensorflow::SaverDef> AddSaverSubgraph(std::vector<SaverEntry> entries, const SaverOptions& options,
                                              tensorflow::GraphDef* graph);

}  // namespace surgeon

#endif  // SURGEON_GRAPH_SAVER_BUILDER_H_
