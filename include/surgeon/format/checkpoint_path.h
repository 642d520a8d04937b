// Resolving what a user typed into a checkpoint on disk, the way TF does.
//
// Accepted: a V2 prefix ("model.ckpt-200"), any file of a V2 checkpoint
// ("model.ckpt-200.index", "...data-00000-of-00001", "....meta"), a V1 file
// ("vgg_16.ckpt"), a sharded V1 checkpoint (tf.train.Saver(sharded=True) with
// write_version V1) by its pattern ("model.ckpt-1000-?????-of-00002"), any
// one of its files ("model.ckpt-1000-00001-of-00002") or its base
// ("model.ckpt-1000", when "model.ckpt-1000-00000-of-NNNNN" exists), a
// directory with a `checkpoint` state file (its model_checkpoint_path, i.e.
// the latest checkpoint), a SavedModel directory (variables/variables) or its
// variables/ directory; or a weight file: Keras HDF5 (.h5), .safetensors or
// .npz, recognized by their first bytes, never by their extension.
// V2 wins when "<prefix>.index" exists (TF's rule, RestoreV2); otherwise the
// path must be a V1 table file or a complete set of V1 shards (a missing
// shard is NotFound naming it). A sharded V1 checkpoint always resolves to
// its pattern, with meta_graph "<base>.meta".
#ifndef SURGEON_FORMAT_CHECKPOINT_PATH_H_
#define SURGEON_FORMAT_CHECKPOINT_PATH_H_

#include <string>

#include "surgeon/base/status.h"
#include "surgeon/format/checkpoint.h"

namespace surgeon {

struct CheckpointLocation {
  CheckpointFormat format = CheckpointFormat::kV2;
  std::string prefix;      // V2 prefix, V1 file path, sharded V1 pattern "<base>-?????-of-NNNNN", or the weight file.
  std::string meta_graph;  // "<prefix>.meta" or "<saved_model>/saved_model.pb" if it exists, else "".
  bool saved_model = false;
  // Non-empty when resolution had to guess (e.g. the `checkpoint` state file
  // names a checkpoint that is not there); callers show it as a warning.
  std::string note;
};

Result<CheckpointLocation> ResolveCheckpoint(const std::string& path);

// "" when `prefix` can name a checkpoint to write; otherwise why not, in
// words for a message. A prefix ending in '/' (or whose last component is
// "." or "..") names a directory: TensorFlow's writers would create hidden
// files ".index", ".data-00000-of-00001" there and a `checkpoint` state
// file naming nothing; surgeon refuses it and suggests "<dir>/model.ckpt-0".
std::string TargetPrefixProblem(const std::string& prefix);

// TF's file names.
std::string IndexFilename(const std::string& prefix);                            // <prefix>.index
std::string DataFilename(const std::string& prefix, int shard, int num_shards);  // <prefix>.data-00000-of-00001
// "<prefix>.meta"; for a sharded V1 pattern or shard file, "<base>.meta".
std::string MetaGraphFilename(const std::string& prefix);

}  // namespace surgeon

#endif  // SURGEON_FORMAT_CHECKPOINT_PATH_H_
