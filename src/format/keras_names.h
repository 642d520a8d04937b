// How Keras weight names become surgeon tensor names, and back. Private to
// the format layer (used by the Keras HDF5 reader and writer).
//
// Tensor names are Keras variable names without ":0": "block1_conv1/kernel".
#ifndef SURGEON_FORMAT_KERAS_NAMES_H_
#define SURGEON_FORMAT_KERAS_NAMES_H_

#include <string>
#include <vector>

#include "surgeon/format/tensor_entry.h"

namespace surgeon {

// Keras 2 layouts: layer `layer`'s weight named `weight_name` in its
// `weight_names` attribute.
//   "block1_conv1/kernel:0"            -> "block1_conv1/kernel"
//   "block1_conv1_W_1:0" (Keras 1, the published VGG16 files)
//                                      -> "block1_conv1/kernel" (_b -> bias,
//      _gamma/_beta -> gamma/beta, _running_mean/_running_std ->
//      moving_mean/moving_variance)
//   anything else ("w:0" in layer "dense") -> "dense/w"
std::string KerasTensorName(const std::string& layer, const std::string& weight_name);

// Keras 3 .weights.h5 keeps a layer's variables as vars/0, vars/1, ...
// without names; the roles are inferred from the shapes: [kernel (rank >= 2),
// bias (rank 1, kernel's last dim)], [kernel, recurrent_kernel, bias],
// [kernel], four equal rank-1 [gamma, beta, moving_mean, moving_variance];
// otherwise the position ("0", "1", ...).
std::vector<std::string> Keras3Roles(const std::vector<Shape>& shapes);
// How Keras3Roles names things, for `inspect`.
extern const char kKeras3NamingNote[];

// The order of a layer's weights Keras expects when loading by position
// (kernel before bias, gamma, beta, moving_mean, moving_variance), as a
// rank; unknown roles sort after known ones, keeping their order.
int KerasWeightRank(const std::string& role);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_KERAS_NAMES_H_
