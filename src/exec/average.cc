#include "surgeon/exec/average.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include "surgeon/base/mapped_file.h"
#include "surgeon/format/checkpoint.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/plan/cast.h"

namespace surgeon {
namespace {

constexpr size_t kChunkElements = size_t{1} << 20;  // 8 MiB of float64 accumulator.

struct Source {
  CheckpointLocation loc;
  std::unique_ptr<CheckpointReader> reader;
};

Result<std::vector<Source>> OpenSources(const std::vector<std::string>& paths) {
  if (paths.size() < 2) return Status::InvalidArgument("average: give at least two checkpoints");
  std::vector<Source> sources;
  for (const std::string& path : paths) {
    Source s;
    SURGEON_ASSIGN_OR_RETURN(s.loc, ResolveCheckpoint(path));
    SURGEON_ASSIGN_OR_RETURN(s.reader, OpenCheckpoint(s.loc.prefix));
    sources.push_back(std::move(s));
  }
  return sources;
}

Result<std::vector<double>> Weights(const AverageOptions& options, size_t n) {
  if (options.weights.empty()) return std::vector<double>(n, 1.0);
  if (options.weights.size() != n) {
    return Status::InvalidArgument("average: " + std::to_string(options.weights.size()) + " weights for " +
                                   std::to_string(n) + " checkpoints; give one weight per checkpoint");
  }
  for (double w : options.weights) {
    if (!std::isfinite(w) || w <= 0) {
      return Status::InvalidArgument("average: weight " + FormatDouble(w) + " is not a finite number > 0");
    }
  }
  return options.weights;
}

bool Excluded(const AverageOptions& options, const std::string& key) {
  return std::any_of(options.exclude.begin(), options.exclude.end(), [&](const Pattern& p) { return p.Matches(key); });
}

// The first source's tensors that are averaged, checked against every other
// source: same keys, dtypes and shapes. All problems are listed.
Result<std::vector<const TensorEntry*>> MatchTensors(const std::vector<Source>& sources, const AverageOptions& options,
                                                     AverageResult* result) {
  std::vector<const TensorEntry*> tensors;
  std::vector<std::string> problems;
  const std::string& first = sources[0].loc.prefix;
  for (const TensorEntry& e : sources[0].reader->entries()) {
    if (Excluded(options, e.key)) {
      result->excluded.push_back(e.key);
      continue;
    }
    tensors.push_back(&e);
    for (size_t i = 1; i < sources.size(); ++i) {
      const TensorEntry* o = sources[i].reader->Find(e.key);
      const std::string& other = sources[i].loc.prefix;
      if (o == nullptr) {
        problems.push_back("tensor '" + e.key + "' is in " + first + " but not in " + other);
      } else if (o->dtype != e.dtype || o->shape != e.shape) {
        problems.push_back("tensor '" + e.key + "' is " + DataTypeName(e.dtype) + " " + ShapeToString(e.shape) +
                           " in " + first + " but " + DataTypeName(o->dtype) + " " + ShapeToString(o->shape) + " in " +
                           other);
      }
    }
  }
  for (size_t i = 1; i < sources.size(); ++i) {
    for (const TensorEntry& o : sources[i].reader->entries()) {
      if (!Excluded(options, o.key) && sources[0].reader->Find(o.key) == nullptr) {
        problems.push_back("tensor '" + o.key + "' is in " + sources[i].loc.prefix + " but not in " + first);
      }
    }
  }
  if (problems.empty()) return tensors;
  std::string msg = "average: the checkpoints do not hold the same tensors (--exclude PATTERN leaves some out):";
  for (size_t i = 0; i < problems.size() && i < 20; ++i) msg += "\n  " + problems[i];
  if (problems.size() > 20) msg += "\n  ... and " + std::to_string(problems.size() - 20) + " more";
  return Status::InvalidArgument(msg);
}

// sum_i(w_i * x_i) / sum_i(w_i) element by element, in chunks.
std::vector<uint8_t> WeightedMean(const std::vector<TensorData>& inputs, const std::vector<double>& weights,
                                  FloatFormat format) {
  const size_t elem = static_cast<size_t>(FloatFormatSize(format));
  const size_t n = inputs[0].bytes().size() / elem;
  double total = 0;
  for (double w : weights) total += w;
  std::vector<uint8_t> out(n * elem);
  std::vector<double> acc(std::min(n, kChunkElements));
  for (size_t begin = 0; begin < n; begin += kChunkElements) {
    const size_t count = std::min(kChunkElements, n - begin);
    std::fill(acc.begin(), acc.begin() + count, 0.0);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const uint8_t* src = inputs[i].bytes().data() + begin * elem;
      for (size_t j = 0; j < count; ++j) acc[j] += weights[i] * LoadFloat(src + j * elem, format);
    }
    for (size_t j = 0; j < count; ++j) StoreFloat(acc[j] / total, format, out.data() + (begin + j) * elem);
  }
  return out;
}

bool SameBytes(const TensorData& a, const TensorData& b) {
  return a.bytes().size() == b.bytes().size() && std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()) == 0;
}

// Averages (or checks and copies) one tensor into `writer`.
Status AverageTensor(const std::vector<Source>& sources, const TensorEntry& e, const std::vector<double>& weights,
                     const AverageOptions& options, TensorWriter* writer, AverageResult* result) {
  std::vector<TensorData> inputs;
  for (const Source& s : sources) {
    SURGEON_ASSIGN_OR_RETURN(TensorData t, s.reader->Read(*s.reader->Find(e.key)));
    inputs.push_back(std::move(t));
  }
  if (auto format = FloatFormatOf(e.dtype)) {
    std::vector<uint8_t> mean = WeightedMean(inputs, weights, *format);
    result->averaged++;
    return writer->Add(e.key, e.dtype, e.shape, ByteSpan(mean.data(), mean.size()));
  }
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (SameBytes(inputs[0], inputs[i])) continue;
    if (!options.non_float_from_first) {
      return Status::InvalidArgument("average: tensor '" + e.key + "' (" + DataTypeName(e.dtype) +
                                     ") differs between " + sources[0].loc.prefix + " and " + sources[i].loc.prefix +
                                     "; only floating-point tensors are averaged: --non-float first writes the "
                                     "first checkpoint's value, --exclude leaves it out");
    }
    result->from_first.push_back(e.key);
    return writer->Add(e.key, e.dtype, e.shape, inputs[0].bytes());
  }
  result->equal++;
  return writer->Add(e.key, e.dtype, e.shape, inputs[0].bytes());
}

// The first source's .meta, verbatim, next to a checkpoint target.
Status StageMetaCopy(const Source& first, const std::string& target_prefix, StagedOutput* out) {
  if (first.loc.meta_graph.empty() || first.loc.saved_model) return Status::OK();
  SURGEON_ASSIGN_OR_RETURN(auto meta, MappedFile::Open(first.loc.meta_graph));
  SURGEON_ASSIGN_OR_RETURN(WritableFile * file, out->Add(MetaGraphFilename(target_prefix)));
  return file->Append(meta->bytes());
}

std::vector<std::string> AllSourceFiles(const std::vector<Source>& sources) {
  std::vector<std::string> files;
  for (const Source& s : sources) {
    for (std::string& f : SourceFiles(s.loc)) files.push_back(std::move(f));
  }
  return files;
}

}  // namespace

Result<AverageResult> AverageCheckpoints(const std::vector<std::string>& source_paths, const std::string& target_prefix,
                                         const AverageOptions& options, const ProgressFn& progress) {
  SURGEON_ASSIGN_OR_RETURN(std::vector<Source> sources, OpenSources(source_paths));
  SURGEON_ASSIGN_OR_RETURN(std::vector<double> weights, Weights(options, sources.size()));
  AverageResult result;
  result.target_prefix = target_prefix;
  for (const Source& s : sources) {
    if (!s.loc.note.empty()) result.warnings.push_back(s.loc.note);
  }
  SURGEON_ASSIGN_OR_RETURN(std::vector<const TensorEntry*> tensors, MatchTensors(sources, options, &result));
  if (tensors.empty()) return Status::InvalidArgument("average: --exclude leaves no tensor to write");
  std::sort(tensors.begin(), tensors.end(),
            [](const TensorEntry* a, const TensorEntry* b) { return ReadsBefore(*a, *b); });

  const bool checkpoint = options.format == OutputFormat::kTfCheckpoint;
  CreatedDirectories created({target_prefix});  // Before `out`: see output.h.
  StagedOutput out;
  const std::vector<std::string> source_files = AllSourceFiles(sources);
  SURGEON_RETURN_IF_ERROR(checkpoint ? PrepareTarget(source_files, target_prefix, options.output, &out)
                                     : PrepareFileTarget(source_files, target_prefix, options.output, &out));
  std::vector<TensorSpec> specs;
  uint64_t bytes_total = 0;
  for (const TensorEntry* e : tensors) {
    specs.push_back({e->key, e->dtype, e->shape});
    bytes_total += e->size;
  }
  SURGEON_ASSIGN_OR_RETURN(auto writer, CreateTensorWriter(options.format, &out, target_prefix, specs));
  ProgressMeter meter(tensors.size(), bytes_total, progress);
  for (const TensorEntry* e : tensors) {
    SURGEON_RETURN_IF_ERROR(AverageTensor(sources, *e, weights, options, writer.get(), &result));
    meter.Advance(e->size);
  }
  SURGEON_RETURN_IF_ERROR(writer->Finish());
  if (checkpoint) {
    SURGEON_RETURN_IF_ERROR(StageMetaCopy(sources[0], target_prefix, &out));
    SURGEON_RETURN_IF_ERROR(StageCheckpointState(target_prefix, &out));
  }
  result.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.output.sync));
  created.Keep();
  result.bytes = writer->data_bytes();
  return result;
}

}  // namespace surgeon
