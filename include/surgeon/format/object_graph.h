// TF2 object-based checkpoints (tf.train.Checkpoint, Keras save_weights,
// SavedModel variables/). Keys are object paths such as
// "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"; the DT_STRING
// scalar "_CHECKPOINTABLE_OBJECT_GRAPH" holds a serialized
// TrackableObjectGraph (core/protobuf/trackable_object_graph.proto) whose
// nodes' attributes map each checkpoint_key to the variable's full_name
// ("conv2d/kernel"), the name tf.compat.v1 code and init_from_checkpoint use.
#ifndef SURGEON_FORMAT_OBJECT_GRAPH_H_
#define SURGEON_FORMAT_OBJECT_GRAPH_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"

namespace surgeon {

// util/saveable_compat / python/training/tracking/base.py OBJECT_GRAPH_PROTO_KEY.
inline constexpr std::string_view kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";

// One SerializedTensor of the graph.
struct ObjectGraphAttribute {
  int node_id = 0;
  std::string name;            // "VARIABLE_VALUE"
  std::string full_name;       // "conv2d/kernel"; may be empty
  std::string checkpoint_key;  // "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"
};

struct ObjectGraphSummary {
  int num_nodes = 0;
  int num_slot_variables = 0;
  std::vector<ObjectGraphAttribute> attributes;  // In node order.
  // checkpoint_key -> full_name, for attributes with a non-empty full_name.
  std::map<std::string, std::string, std::less<>> full_names;
};

// Parses a serialized TrackableObjectGraph (the object graph tensor's single
// string). Checks children / slot references point at existing nodes.
// Errors are DataLoss without file context.
Result<ObjectGraphSummary> ParseObjectGraph(std::string_view serialized);

// Reads and parses the object graph tensor of `reader`. NotFound when the
// checkpoint has no "_CHECKPOINTABLE_OBJECT_GRAPH" key (name-based
// checkpoints). Errors name the checkpoint and the key.
Result<ObjectGraphSummary> ReadObjectGraph(const CheckpointReader& reader);

// Fills TensorEntry::object_full_name of `entries` from the object graph
// stored in `reader` (whose Read() must accept the object graph entry of
// `entries`). Does nothing when there is no object graph entry in `entries`.
// Meant to be called by readers at open, e.g. in BundleReader::Load:
//   SURGEON_RETURN_IF_ERROR(AnnotateObjectNames(*this, entries_));
Status AnnotateObjectNames(const CheckpointReader& reader, std::vector<TensorEntry>& entries);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_OBJECT_GRAPH_H_
