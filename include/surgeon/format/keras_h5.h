// Keras weights in HDF5 files, read and written with the HDF5 C library.
//
// Layouts read (tensor names are Keras variable names without ":0"):
//   Keras 2 save_weights   root attr layer_names = [b"block1_conv1", ...];
//                          group /<layer> attr weight_names =
//                          [b"block1_conv1/kernel:0", ...]; dataset
//                          /<layer>/<weight_name> ("/block1_conv1/block1_conv1/kernel:0")
//   Keras 2 model.save     the same under /model_weights
//   published VGG16 files  the same attributes; Keras 1 weight names
//   (vgg16_weights_tf_...) ("block1_conv1_W_1:0" -> block1_conv1/kernel,
//                          "_b_1:0" -> bias)
//   Keras 3 .weights.h5    /layers/<obj>/vars/<i>, the layer name in the
//                          vars group's "name" attribute; roles inferred
//                          from shapes (see keras_names.h; inspect says so)
//   Keras 3 .keras archive a zip (libzip) of config.json + model.weights.h5:
//                          the latter opened from memory, the roles named by
//                          config.json's layer classes (keras_archive.h)
//
// Datasets of float (16/32/64-bit IEEE), integer (8-64 bit) and h5py's bool
// enum are read, in any byte order, converted by HDF5 to little-endian;
// other types are refused naming the file, dataset and tensor.
//
// Written: the Keras 2 save_weights layout that tf-keras' model.load_weights
// reads, by layer name or by topology. A tensor "a/b/kernel" becomes layer
// "a/b", weight "a/b/kernel:0"; layers appear in the order their first
// tensor is added, a layer's weights in Keras order (kernel, bias, gamma,
// beta, moving_mean, moving_variance, then the rest as added). Loading by
// topology (load_weights without by_name) therefore needs tensors added in
// the model's layer order: a Keras source's own order (Keras 3 files: by
// group name, "conv2d_2" before "conv2d_10"), or a checkpoint whose data
// order (tf.train.Saver's: by name) happens to be it.
#ifndef SURGEON_FORMAT_KERAS_H5_H_
#define SURGEON_FORMAT_KERAS_H5_H_

#include <memory>
#include <string>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

Result<std::unique_ptr<CheckpointReader>> OpenKerasH5(const std::string& path);

Result<std::unique_ptr<TensorWriter>> CreateKerasH5Writer(StagedOutput* out, const std::string& path);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_KERAS_H5_H_
