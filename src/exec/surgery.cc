#include "surgeon/exec/surgery.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include <unistd.h>

#include "surgeon/exec/copy.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/format/object_graph.h"
#include "surgeon/graph/fresh_graph.h"
#include "surgeon/graph/rewrite_graph.h"
#include "surgeon/plan/cast.h"
#include "surgeon/plan/initializer.h"
#include "surgeon/plan/planner.h"

namespace surgeon {
namespace {

Inventory MakeInventory(const CheckpointReader& reader, const std::optional<tensorflow::MetaGraphDef>& graph) {
  Inventory inv;
  inv.tensors = reader.entries();
  if (graph) {
    for (const auto& v : SummarizeMetaGraph(*graph).variables) {
      GraphVariable gv;
      gv.name = v.checkpoint_key();
      gv.dtype = v.dtype;
      gv.shape = v.checkpoint_shape();
      gv.trainable = v.trainable;
      inv.graph_variables.push_back(std::move(gv));
    }
    for (const auto& f : ComputeVariableFeeds(graph->graph_def())) inv.feeds.emplace_back(f.from, f.to);
  }
  return inv;
}

// A valid node name for a checkpoint key: characters TF does not allow in
// node names ([A-Za-z0-9.][A-Za-z0-9_./]*) become '_'.
std::string GraphNodeName(const std::string& key) {
  std::string name = key;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || (i > 0 && (c == '_' || c == '/'));
    if (!ok) name[i] = i == 0 ? 'v' : '_';
  }
  return name;
}

Result<tensorflow::MetaGraphDef> BuildTargetGraph(const Surgery& s) {
  std::vector<FreshVariable> vars;
  for (const PlanAction& a : s.plan.actions) {
    // The TF2 object graph is checkpoint bookkeeping, not a variable a TF1
    // graph restores.
    if (a.target == kObjectGraphKey) continue;
    FreshVariable v;
    v.name = GraphNodeName(a.target);
    if (v.name != a.target) v.checkpoint_key = a.target;
    v.dtype = a.dtype;
    v.shape = a.shape;
    v.trainable = a.trainable;
    if (a.kind == PlanAction::Kind::kInitialize) {
      SURGEON_ASSIGN_OR_RETURN(v.init, ResolveInitializer(a.initializer, a.dtype, a.shape));
    }
    vars.push_back(std::move(v));
  }
  return BuildFreshMetaGraph(vars, FreshGraphOptions{});
}

// What the plan means for the source graph: copied variables are renamed,
// a new variable that takes a dropped one's place reuses (and reshapes) its
// node, other new variables are added, everything else dropped goes.
Result<RewriteSpec> MakeRewriteSpec(const Plan& plan) {
  RewriteSpec spec;
  spec.renames = plan.renames;
  std::set<std::string> replaced;
  for (const PlanAction& a : plan.actions) {
    spec.checkpoint.push_back({a.target, a.dtype, a.shape});
    if (!a.trainable) spec.non_trainable.insert(a.target);
    if (a.kind != PlanAction::Kind::kInitialize) continue;
    if (!a.replaces.empty()) {
      spec.renames[a.replaces] = a.target;
      spec.new_shapes[a.target] = a.shape;
      replaced.insert(a.replaces);
      continue;
    }
    FreshVariable v;
    v.name = a.target;
    v.dtype = a.dtype;
    v.shape = a.shape;
    v.trainable = a.trainable;
    SURGEON_ASSIGN_OR_RETURN(v.init, ResolveInitializer(a.initializer, a.dtype, a.shape));
    spec.added.push_back(std::move(v));
  }
  for (const auto& d : plan.dropped) {
    if (!replaced.count(d.source)) spec.dropped.insert(d.source);
  }
  return spec;
}

}  // namespace

Result<Surgery> PrepareSurgery(const std::string& config_path) {
  Surgery s;
  SURGEON_ASSIGN_OR_RETURN(s.config, LoadConfig(config_path));
  auto loc = ResolveCheckpoint(s.config.source_checkpoint);
  if (!loc.ok()) return loc.status().WithContext(s.config.source_pos.ToString() + ": source.checkpoint");
  s.source = *loc;
  if (!s.source.note.empty()) s.warnings.push_back(s.source.note);
  SURGEON_ASSIGN_OR_RETURN(s.reader, OpenCheckpoint(s.source.prefix));
  std::string meta_path = s.config.source_meta_graph.value_or(s.source.meta_graph);
  if (!meta_path.empty()) {
    auto graph = ReadMetaGraph(meta_path);
    if (graph.ok()) {
      s.source_graph = std::move(graph).value();
    } else if (s.config.source_meta_graph) {
      return graph.status().WithContext(s.config.source_pos.ToString() + ": source.meta_graph");
    } else {
      s.warnings.push_back("source meta graph ignored: " + graph.status().message());
      meta_path.clear();
    }
  }
  SURGEON_ASSIGN_OR_RETURN(s.plan, BuildPlan(s.config, MakeInventory(*s.reader, s.source_graph)));
  s.plan.source_meta_graph = meta_path;
  if (s.plan.meta_mode == MetaGraphMode::kFromSource && !s.source_graph) {
    return Status::InvalidArgument(s.config.target_pos.ToString() +
                                   ": target.meta_graph: {from: source} needs a source meta graph, but " +
                                   s.source.prefix + " has none; set source.meta_graph or use meta_graph: true");
  }
  if (s.plan.meta_mode == MetaGraphMode::kFromSource && s.reader->Find(kObjectGraphKey) != nullptr) {
    // TF2 checkpoints are keyed by object path and restored by tf.function
    // graphs (SavedModel), not by a Saver subgraph that can be edited.
    return Status::InvalidArgument(s.config.target_pos.ToString() + ": target.meta_graph: {from: source}: " +
                                   s.source.prefix +
                                   " is a TF2 object-based checkpoint; its graph cannot be rewritten. "
                                   "Use meta_graph: true for a fresh TF1 graph, or meta_graph: false");
  }
  // New variables are generated whole in memory (orthogonal needs the full
  // matrix): refuse one that cannot fit before anything is written, rather
  // than fail inside the allocator.
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) {
    const uint64_t memory = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
    for (const PlanAction& a : s.plan.actions) {
      if (a.kind == PlanAction::Kind::kInitialize && a.bytes > memory) {
        return Status::InvalidArgument(a.rule + ": new variable '" + a.target + "' " + ShapeToString(a.shape) +
                                       " needs " + std::to_string(a.bytes) + " bytes, more than this machine's " +
                                       std::to_string(memory) + " bytes of memory");
      }
    }
  }
  for (const auto& w : s.plan.warnings) s.warnings.push_back(w);
  return s;
}

Result<RunReport> ExecuteSurgery(const Surgery& s, const RunOptions& options) {
  auto start = std::chrono::steady_clock::now();
  const Plan& plan = s.plan;
  RunReport report;
  StagedOutput out;
  const bool checkpoint = plan.target_format == OutputFormat::kTfCheckpoint;
  SURGEON_RETURN_IF_ERROR(checkpoint ? PrepareTarget(SourceFiles(s.source), plan.target_prefix, options.output, &out)
                                     : PrepareFileTarget(SourceFiles(s.source), plan.target_prefix, options.output, &out));

  // Build everything derived from metadata before touching tensor bytes, so
  // a graph problem fails fast.
  std::optional<tensorflow::MetaGraphDef> target_graph;
  if (plan.meta_mode == MetaGraphMode::kFresh) {
    SURGEON_ASSIGN_OR_RETURN(target_graph, BuildTargetGraph(s));
  } else if (plan.meta_mode == MetaGraphMode::kFromSource) {
    SURGEON_ASSIGN_OR_RETURN(RewriteSpec spec, MakeRewriteSpec(s.plan));
    SURGEON_ASSIGN_OR_RETURN(RewriteResult rewritten, RewriteMetaGraph(*s.source_graph, spec));
    target_graph = std::move(rewritten.meta_graph);
    for (auto& w : rewritten.warnings) report.warnings.push_back(std::move(w));
  }

  // Copies first, in source data order (sequential reads), then new tensors.
  std::vector<const PlanAction*> copies, inits;
  for (const PlanAction& a : plan.actions) (a.kind == PlanAction::Kind::kCopy ? copies : inits).push_back(&a);
  std::stable_sort(copies.begin(), copies.end(), [&](const PlanAction* a, const PlanAction* b) {
    const TensorEntry* ea = s.reader->Find(a->source);
    const TensorEntry* eb = s.reader->Find(b->source);
    return std::tie(ea->shard_id, ea->offset) < std::tie(eb->shard_id, eb->offset);
  });
  std::vector<TensorSpec> specs;
  for (const auto* group : {&copies, &inits}) {
    for (const PlanAction* a : *group) specs.push_back({a->target, a->dtype, a->shape});
  }
  SURGEON_ASSIGN_OR_RETURN(auto writer, CreateTensorWriter(plan.target_format, &out, plan.target_prefix, specs));
  Progress progress;
  progress.tensors_total = plan.actions.size();
  for (const PlanAction& a : plan.actions) progress.bytes_total += a.bytes;
  auto step = [&](uint64_t bytes) {
    progress.tensors_done++;
    progress.bytes_done += bytes;
    if (options.progress) options.progress(progress);
  };
  for (const PlanAction* a : copies) {
    const TensorEntry* e = s.reader->Find(a->source);
    if (e == nullptr) return Status::Internal("planned source tensor '" + a->source + "' is not in the checkpoint");
    if (a->dtype != e->dtype) {
      SURGEON_ASSIGN_OR_RETURN(TensorData data, s.reader->Read(*e));
      SURGEON_ASSIGN_OR_RETURN(auto cast, CastTensorBytes(data.bytes(), e->dtype, a->dtype, a->source));
      SURGEON_RETURN_IF_ERROR(writer->Add(a->target, a->dtype, a->shape, ByteSpan(cast.data(), cast.size())));
      report.cast++;
      report.copied_bytes += cast.size();
      step(cast.size());
    } else {
      // Verified once, copied by the kernel, pages dropped behind (copy.cc).
      SURGEON_RETURN_IF_ERROR(CopyTensor(*s.reader, *e, a->target, a->dtype, a->shape, writer.get()));
      report.copied_bytes += e->size;
      step(e->size);
    }
    report.copied++;
  }
  for (const PlanAction* a : inits) {
    SURGEON_ASSIGN_OR_RETURN(auto values, GenerateInitialValue(a->initializer, a->dtype, a->shape, a->seed, a->target));
    SURGEON_RETURN_IF_ERROR(writer->Add(a->target, a->dtype, a->shape, ByteSpan(values.data(), values.size())));
    report.generated_bytes += values.size();
    report.initialized++;
    step(values.size());
  }
  SURGEON_RETURN_IF_ERROR(writer->Finish());

  if (target_graph) {
    SURGEON_ASSIGN_OR_RETURN(WritableFile * meta, out.Add(MetaGraphFilename(plan.target_prefix)));
    SURGEON_RETURN_IF_ERROR(WriteMetaGraph(*target_graph, meta));
  }
  {
    SURGEON_ASSIGN_OR_RETURN(WritableFile * frozen, out.Add(plan.target_prefix + ".frozen.txt"));
    std::string text;
    for (const auto& name : plan.FrozenNames()) text += name + "\n";
    SURGEON_RETURN_IF_ERROR(frozen->Append(text));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const PlanAction& a : plan.actions) report.results.push_back({&a, 0});
  if (!options.report_path.empty()) {
    SURGEON_ASSIGN_OR_RETURN(WritableFile * f, out.Add(options.report_path));
    report.files = out.final_paths();
    if (checkpoint) report.files.push_back(JoinPath(Dirname(plan.target_prefix), "checkpoint"));
    SURGEON_RETURN_IF_ERROR(f->Append(RunReportJson(s, report)));
  }
  if (checkpoint) SURGEON_RETURN_IF_ERROR(StageCheckpointState(plan.target_prefix, &out));
  report.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.output.sync));
  return report;
}

std::string RunReportJson(const Surgery& s, const RunReport& report) {
  using nlohmann::json;
  const Plan& plan = s.plan;
  json vars = json::array();
  for (const PlanAction& a : plan.actions) {
    json v = {{"name", a.target},
              {"action", ActionKindName(a.kind)},
              {"dtype", DataTypeName(a.dtype)},
              {"shape", a.shape},
              {"bytes", a.bytes},
              {"trainable", a.trainable},
              {"frozen", a.frozen},
              {"rule", a.rule}};
    if (a.kind == PlanAction::Kind::kCopy) {
      v["source"] = a.source;
      if (a.source_dtype != a.dtype) v["cast_from"] = DataTypeName(a.source_dtype);
    } else {
      v["initializer"] = InitializerKindName(a.initializer.kind);
      v["seed"] = a.seed;
      if (!a.replaces.empty()) v["replaces"] = a.replaces;
    }
    vars.push_back(std::move(v));
  }
  json dropped = json::array();
  for (const auto& d : plan.dropped) dropped.push_back({{"source", d.source}, {"rule", d.rule}});
  json out = {{"config", plan.config_path},
              {"source", {{"checkpoint", s.source.prefix}, {"format", CheckpointFormatName(s.reader->format())},
                          {"meta_graph", plan.source_meta_graph}}},
              {"target", {{"checkpoint", plan.target_prefix}, {"format", OutputFormatName(plan.target_format)},
                          {"meta_graph", MetaGraphModeName(plan.meta_mode)}}},
              {"seed", plan.seed},
              {"variables", vars},
              {"dropped", dropped},
              {"frozen", plan.FrozenNames()},
              {"totals", {{"copied", report.copied}, {"initialized", report.initialized}, {"cast", report.cast},
                          {"copied_bytes", report.copied_bytes}, {"generated_bytes", report.generated_bytes},
                          {"seconds", report.seconds}}},
              {"files", report.files},
              {"warnings", s.warnings}};
  return out.dump(1) + "\n";
}

}  // namespace surgeon
