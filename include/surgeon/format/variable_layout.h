// Which axes of a variable are its inputs and outputs, read off the graph op
// that uses it. The planner's head-shape checks need this: a Dense/Conv2D
// kernel is [..., in, out], but a Conv2DTranspose filter is [h, w, out, in],
// a MatMul with transpose_b is [out, in], and an LSTM kernel's last
// dimension holds 4 gates of `units` outputs each.
//
//   for (const auto& [var, layout] : ComputeVariableLayouts(meta_graph.graph_def())) ...
//
// Best effort: variables used by no recognized op are absent (the planner
// then assumes [..., in, out] and says so).
#ifndef SURGEON_FORMAT_VARIABLE_LAYOUT_H_
#define SURGEON_FORMAT_VARIABLE_LAYOUT_H_

#include <map>
#include <string>

#include "proto/graph.pb.h"

namespace surgeon {

struct VariableLayout {
  // Axes counted from the end: -1 is the last dimension.
  int input_axis = -2;
  int output_axis = -1;
  // The output axis holds `gates` blocks of the layer's width (LSTM: 4,
  // GRU gates: 2): the width other layers see is shape[output_axis] / gates.
  int gates = 1;
  // The input axis also counts the recurrent state (RNN cells concatenate
  // [inputs, h] before the MatMul), so it is not the producer's width.
  bool input_includes_state = false;
  // How it was found, for messages: "Conv2DBackpropInput 'dec/conv2d_transpose'".
  std::string evidence;
};

// Variable node name -> its layout, for the variables a recognized op uses:
// MatMul (transpose_b), Conv2D/Conv3D/DepthwiseConv2dNative,
// Conv2DBackpropInput/Conv3DBackpropInputV2 (conv2d_transpose), LSTMBlockCell,
// GRUBlockCell, and RNN cells built from MatMul(concat(x, h), kernel) whose
// result is split into gates (BasicLSTMCell, LSTMCell, GRUCell).
std::map<std::string, VariableLayout> ComputeVariableLayouts(const tensorflow::GraphDef& graph);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_VARIABLE_LAYOUT_H_
