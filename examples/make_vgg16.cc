// make_vgg16: writes a VGG16-shaped checkpoint with tf-slim's variable names
// and shapes (nets/vgg.py vgg_16: 32 tensors, 138,357,544 float32
// parameters) plus a TF1 meta graph, as `tf.train.Saver` would after building
// slim's vgg_16. Weights are pseudo-random (deterministic per seed); this is
// the project's own demo and benchmark fixture, not pretrained weights.
//
//   make_vgg16 OUT_DIR [--seed N] [--copies K] [--shards S] [--slots] [--no-meta]
//
// Writes OUT_DIR/vgg_16.ckpt.{index,data-00000-of-00001,meta} and
// OUT_DIR/checkpoint. --copies K repeats the network under scopes
// vgg_16, vgg_16_1, ... (K × 553 MB, for memory benchmarks); --shards S
// spreads the tensors, in key order, over S data files of about equal size
// (.data-0000i-of-0000S), as a sharded tf.train.Saver save does; --slots adds
// Momentum optimizer slots and global_step, as a training run would save.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "surgeon/base/crc32c.h"
#include "surgeon/exec/output.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/graph/fresh_graph.h"

namespace {

using namespace surgeon;

struct Layer {
  std::string scope;
  Shape weights;
};

std::vector<Layer> Vgg16Layers(const std::string& root) {
  std::vector<Layer> layers;
  const int blocks[5][2] = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}};
  int in = 3;
  for (int b = 0; b < 5; ++b) {
    for (int i = 1; i <= blocks[b][0]; ++i) {
      std::string conv = "conv" + std::to_string(b + 1);
      layers.push_back({root + "/" + conv + "/" + conv + "_" + std::to_string(i), {3, 3, in, blocks[b][1]}});
      in = blocks[b][1];
    }
  }
  layers.push_back({root + "/fc6", {7, 7, 512, 4096}});
  layers.push_back({root + "/fc7", {1, 1, 4096, 4096}});
  layers.push_back({root + "/fc8", {1, 1, 4096, 1000}});
  return layers;
}

// Small values in [-0.05, 0.05): fast, deterministic, not an initializer.
void FillRandom(std::vector<uint8_t>* bytes, uint64_t seed) {
  size_t n = bytes->size() / 4;
  auto* out = reinterpret_cast<float*>(bytes->data());
  uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    uint32_t bits = 0x3f800000u | static_cast<uint32_t>(s >> 41);  // [1, 2)
    float f;
    std::memcpy(&f, &bits, 4);
    out[i] = (f - 1.5f) * 0.1f;
  }
}

int Fail(const Status& s) {
  std::fprintf(stderr, "make_vgg16: error: %s\n", s.message().c_str());
  return 1;
}

struct Options {
  std::string dir;
  uint64_t seed = 1;
  int copies = 1;
  int shards = 1;
  bool slots = false, meta = true;
};

// Parses argv; returns the exit code for a usage error, or 0.
int ParseArgs(int argc, char** argv, Options* o) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: make_vgg16 OUT_DIR [--seed N] [--copies K] [--shards S] [--slots] [--no-meta]\n");
    return 2;
  }
  o->dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      o->seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--copies" && i + 1 < argc) {
      o->copies = std::atoi(argv[++i]);
    } else if (a == "--shards" && i + 1 < argc) {
      o->shards = std::atoi(argv[++i]);
    } else if (a == "--slots") {
      o->slots = true;
    } else if (a == "--no-meta") {
      o->meta = false;
    } else {
      std::fprintf(stderr, "make_vgg16: unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  if (o->copies < 1 || o->shards < 1 || o->shards > 99999) {
    std::fprintf(stderr, "make_vgg16: --copies and --shards must be positive (--shards at most 99999)\n");
    return 2;
  }
  return 0;
}

struct Var {
  std::string name;
  DataType dtype;
  Shape shape;
  bool trainable;
};

// Every tensor, in key order (the order tf.train.Saver writes them).
std::vector<Var> Variables(const Options& o) {
  std::vector<Var> vars;
  for (int c = 0; c < o.copies; ++c) {
    std::string root = c == 0 ? "vgg_16" : "vgg_16_" + std::to_string(c);
    for (const Layer& l : Vgg16Layers(root)) {
      for (const std::string& part : {std::string("biases"), std::string("weights")}) {
        Shape shape = part == "biases" ? Shape{l.weights.back()} : l.weights;
        vars.push_back({l.scope + "/" + part, DataType::kFloat, shape, true});
        if (o.slots) vars.push_back({l.scope + "/" + part + "/Momentum", DataType::kFloat, shape, false});
      }
    }
  }
  if (o.slots) vars.push_back({"global_step", DataType::kInt64, {}, false});
  std::sort(vars.begin(), vars.end(), [](const Var& a, const Var& b) { return a.name < b.name; });
  return vars;
}

// The bytes of variable `i` of `vars`: weights pseudo-random, slots zero,
// global_step 200. Adds the weight parameters to `*params`.
Status ValueOf(const std::vector<Var>& vars, size_t i, uint64_t seed, std::vector<uint8_t>* buf, uint64_t* params) {
  const Var& v = vars[i];
  SURGEON_ASSIGN_OR_RETURN(uint64_t bytes, FixedTensorBytes(v.dtype, v.shape));
  buf->assign(bytes, 0);
  if (v.dtype == DataType::kFloat && v.name.find("Momentum") == std::string::npos) {
    FillRandom(buf, seed * 1000003 + i);
    *params += bytes / 4;
  }
  if (v.name == "global_step") {
    int64_t step = 200;
    std::memcpy(buf->data(), &step, 8);
  }
  return Status::OK();
}

// The shard of each variable: consecutive runs of about total / shards bytes.
std::vector<int> ShardOfEach(const std::vector<Var>& vars, int shards) {
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const Var& v : vars) {
    const auto bytes = FixedTensorBytes(v.dtype, v.shape);
    sizes.push_back(bytes.ok() ? *bytes : 0);
    total += sizes.back();
  }
  std::vector<int> shard_of;
  uint64_t before = 0;
  for (uint64_t size : sizes) {
    shard_of.push_back(
        static_cast<int>(std::min<uint64_t>(shards - 1, before * shards / std::max<uint64_t>(total, 1))));
    before += size;
  }
  return shard_of;
}

// Writes the checkpoint's tensors: those of the last shard through the
// writer, the others straight into the data files staged here, recorded with
// AddStored. Returns the number of weight parameters written.
Result<uint64_t> WriteTensors(const std::vector<Var>& vars, const Options& o, const std::string& prefix,
                              StagedOutput* out, std::unique_ptr<BundleWriter>* writer) {
  const std::vector<int> shard_of = ShardOfEach(vars, o.shards);
  std::vector<WritableFile*> files;
  for (int s = 0; s + 1 < o.shards; ++s) {
    SURGEON_ASSIGN_OR_RETURN(WritableFile * f, out->Add(DataFilename(prefix, s, o.shards)));
    files.push_back(f);
  }
  SURGEON_ASSIGN_OR_RETURN(*writer, BundleWriter::Create(out, prefix, {o.shards - 1}));
  std::vector<uint64_t> offsets(o.shards, 0);
  uint64_t params = 0;
  std::vector<uint8_t> buf;
  for (size_t i = 0; i < vars.size(); ++i) {
    const Var& v = vars[i];
    SURGEON_RETURN_IF_ERROR(ValueOf(vars, i, o.seed, &buf, &params));
    const ByteSpan bytes(buf.data(), buf.size());
    const int s = shard_of[i];
    if (s + 1 == o.shards) {
      SURGEON_RETURN_IF_ERROR((*writer)->Add(v.name, v.dtype, v.shape, bytes));
      continue;
    }
    SURGEON_RETURN_IF_ERROR(files[s]->Append(bytes));
    const uint32_t crc = crc32c::Mask(crc32c::Value(buf.data(), buf.size()));
    SURGEON_RETURN_IF_ERROR((*writer)->AddStored(v.name, v.dtype, v.shape, s, offsets[s], buf.size(), crc));
    offsets[s] += buf.size();
  }
  return params;
}

// Stages "<prefix>.meta": a fresh TF1 graph of the variables, weights with
// slim's default initializer (xavier_initializer() == glorot_uniform).
Status StageMetaGraph(const std::vector<Var>& vars, const std::string& prefix, StagedOutput* out) {
  std::vector<FreshVariable> fresh;
  for (const Var& v : vars) {
    FreshVariable f;
    f.name = v.name;
    f.dtype = v.dtype;
    f.shape = v.shape;
    f.trainable = v.trainable;
    if (v.trainable && v.name.size() > 8 && v.name.compare(v.name.size() - 8, 8, "/weights") == 0) {
      Fans fans = ComputeFans(v.shape);
      double limit = std::sqrt(6.0 / (fans.fan_in + fans.fan_out));
      f.init = ResolvedInitializer{ResolvedInitializer::Distribution::kUniform, -limit, limit};
    }
    fresh.push_back(std::move(f));
  }
  SURGEON_ASSIGN_OR_RETURN(auto graph, BuildFreshMetaGraph(fresh, FreshGraphOptions{}));
  SURGEON_ASSIGN_OR_RETURN(auto file, out->Add(MetaGraphFilename(prefix)));
  return WriteMetaGraph(graph, file);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int rc = ParseArgs(argc, argv, &o); rc != 0) return rc;
  const std::string prefix = JoinPath(o.dir, "vgg_16.ckpt");
  const std::vector<Var> vars = Variables(o);
  StagedOutput out;
  std::unique_ptr<BundleWriter> writer;
  auto params = WriteTensors(vars, o, prefix, &out, &writer);
  if (!params.ok()) return Fail(params.status());
  if (Status s = writer->Finish(); !s.ok()) return Fail(s);
  if (o.meta) {
    if (Status s = StageMetaGraph(vars, prefix, &out); !s.ok()) return Fail(s);
  }
  if (Status s = StageCheckpointState(prefix, &out); !s.ok()) return Fail(s);
  if (Status s = out.Commit(); !s.ok()) return Fail(s);
  std::printf("wrote %s: %zu tensors in %d shard(s), %llu float32 weight parameters\n", prefix.c_str(), vars.size(),
              o.shards, static_cast<unsigned long long>(*params));
  return 0;
}
