// Writing a complete output checkpoint safely: the target must not be (or
// alias) the source, an existing target is replaced only when forced, and
// the `checkpoint` state file is staged last so it never names a checkpoint
// that is not complete.
#ifndef SURGEON_EXEC_OUTPUT_H_
#define SURGEON_EXEC_OUTPUT_H_

#include <string>
#include <vector>

#include "surgeon/base/file.h"
#include "surgeon/base/status.h"
#include "surgeon/exec/copy.h"
#include "surgeon/format/tensor_writer.h"

namespace surgeon {

struct OutputOptions {
  bool force = false;  // Replace an existing checkpoint at the target prefix.
  bool sync = false;   // fsync every file (and the directory) before renaming.
  CopyOptions copy;    // How copied tensors' bytes move (exec/copy.h).
};

// Files that make up the checkpoint with this prefix, as they exist on disk
// (.index, .data-*, .meta, .frozen.txt, and V1's bare file).
std::vector<std::string> ExistingCheckpointFiles(const std::string& prefix);

struct CheckpointLocation;
// Every file that belongs to the source checkpoint at `loc`, including its
// meta graph and the `checkpoint` state file of its directory: none of them
// may be written.
std::vector<std::string> SourceFiles(const CheckpointLocation& loc);

// Refuses a target that would overwrite any of `source_files` (compared as
// canonical paths, so symlinks and `..` do not get around it), and a target
// whose checkpoint files exist unless options.force. With force, stages the
// removal of the old `.index` first so a crash mid-commit leaves no
// checkpoint rather than an old index over new data. Temporary files that a
// killed run left for this target ("<target file>.tempstate<digits>", and
// the directory's "checkpoint.tempstate<digits>") are removed at commit.
Status PrepareTarget(const std::vector<std::string>& source_files, const std::string& target_prefix,
                     const OutputOptions& options, StagedOutput* out);

// The same for a single-file target (safetensors, npz, Keras HDF5) at
// `path`, with its optional "<path>.frozen.txt": never a source file, an
// existing file only with options.force (the rename at commit replaces it),
// and the temporaries a killed run left for either name removed at commit.
Status PrepareFileTarget(const std::vector<std::string>& source_files, const std::string& path,
                         const OutputOptions& options, StagedOutput* out);

// "" when nothing is at `target_prefix`; otherwise a warning for `surgeon
// plan`: the checkpoint there (naming a file of it), or the weight file for
// another `format`, and that `run` will refuse it without --force.
std::string ExistingTargetNote(const std::string& target_prefix, OutputFormat format = OutputFormat::kTfCheckpoint);

// Stages `<dir>/checkpoint` naming the target by its base name (so the
// directory can be moved), as tf.train.Saver would after saving it: like
// TF's update_checkpoint_state, the entries of an existing state file are
// kept and the target becomes the newest (model_checkpoint_path, last in
// all_model_checkpoint_paths). An unreadable state file is replaced.
Status StageCheckpointState(const std::string& target_prefix, StagedOutput* out);

// The directories a run is about to create (the missing ancestors of each
// output file's directory), recorded before anything is written. Unless
// Keep() is called (after a successful commit), the destructor removes those
// that are still empty, deepest first, so a failed run leaves no directory
// it created. Declare it before the StagedOutput so it runs after the
// temporary files are gone.
class CreatedDirectories {
 public:
  explicit CreatedDirectories(const std::vector<std::string>& output_files);
  ~CreatedDirectories();
  CreatedDirectories(const CreatedDirectories&) = delete;
  CreatedDirectories& operator=(const CreatedDirectories&) = delete;
  void Keep() { keep_ = true; }

 private:
  std::vector<std::string> missing_;  // deepest first
  bool keep_ = false;
};

}  // namespace surgeon

#endif  // SURGEON_EXEC_OUTPUT_H_
