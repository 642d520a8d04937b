// The OpDefs surgeon knows, taken from real TF 1.x graphs (see
// src/graph/op_registry.cc for the provenance of each). Used to fill
// `stripped_op_list` of the graphs surgeon writes and by the graph checker.
#ifndef SURGEON_GRAPH_OP_REGISTRY_H_
#define SURGEON_GRAPH_OP_REGISTRY_H_

#include <string_view>

#include "proto/op_def.pb.h"

namespace surgeon {

// nullptr when surgeon has no OpDef for `name`. The pointer lives forever.
const tensorflow::OpDef* FindRegisteredOp(std::string_view name);
// All of them (order: as listed in op_registry.cc).
const tensorflow::OpList& RegisteredOps();

}  // namespace surgeon

#endif  // SURGEON_GRAPH_OP_REGISTRY_H_
