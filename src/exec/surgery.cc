#include "surgeon/exec/surgery.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "surgeon/exec/copy.h"
#include "surgeon/exec/link.h"
#include "surgeon/exec/new_variable.h"
#include "surgeon/exec/transformed_copy.h"
#include "surgeon/format/batch_norm.h"
#include "surgeon/format/bundle.h"
#include "surgeon/format/meta_graph.h"
#include "surgeon/format/object_graph.h"
#include "surgeon/format/variable_layout.h"
#include "surgeon/graph/fresh_graph.h"
#include "surgeon/graph/rewrite_graph.h"
#include "surgeon/plan/cast.h"
#include "surgeon/plan/initializer.h"
#include "surgeon/plan/plan_json.h"
#include "surgeon/plan/planner.h"

namespace surgeon {
namespace {

Inventory MakeInventory(const CheckpointReader& reader, const std::optional<tensorflow::MetaGraphDef>& graph) {
  Inventory inv;
  inv.tensors = reader.entries();
  if (graph) {
    const auto layouts = ComputeVariableLayouts(graph->graph_def());
    for (const auto& v : SummarizeMetaGraph(*graph).variables) {
      if (auto l = layouts.find(v.name); l != layouts.end()) inv.layouts[v.checkpoint_key()] = l->second;
      GraphVariable gv;
      gv.name = v.checkpoint_key();
      gv.dtype = v.dtype;
      gv.shape = v.checkpoint_shape();
      gv.trainable = v.trainable;
      inv.graph_variables.push_back(std::move(gv));
    }
    for (const auto& f : ComputeVariableFeeds(graph->graph_def())) inv.feeds.emplace_back(f.from, f.to);
    // Batch-norm layers by checkpoint key (a node name that is no variable stays as is).
    std::map<std::string, std::string> key_of;
    for (const auto& v : SummarizeMetaGraph(*graph).variables) key_of[v.name] = v.checkpoint_key();
    for (BatchNormVariables bn : ComputeBatchNormVariables(graph->graph_def())) {
      for (std::string* name : {&bn.scale, &bn.offset, &bn.mean, &bn.variance}) {
        if (auto k = key_of.find(*name); k != key_of.end()) *name = k->second;
      }
      inv.batch_norms.push_back(std::move(bn));
    }
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

// The fresh graph describes the source graph's TensorFlow release when it
// names one (TF before 1.0 wrote none); otherwise the defaults, the release
// whose OpDefs and producer version surgeon writes.
FreshGraphOptions FreshGraphOptionsFor(const Surgery& s) {
  FreshGraphOptions options;
  if (s.source_graph && !s.source_graph->meta_info_def().tensorflow_version().empty()) {
    options.tensorflow_version = s.source_graph->meta_info_def().tensorflow_version();
    options.tensorflow_git_version = s.source_graph->meta_info_def().tensorflow_git_version();
  }
  return options;
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
  return BuildFreshMetaGraph(vars, FreshGraphOptionsFor(s));
}

// What the plan means for the source graph: copied variables are renamed,
// a new variable or an also_from copy that takes a dropped one's place
// reuses (and reshapes) its node, other new variables are added, everything
// else dropped goes.
Result<RewriteSpec> MakeRewriteSpec(const Plan& plan) {
  RewriteSpec spec;
  spec.renames = plan.renames;
  std::set<std::string> replaced;
  for (const PlanAction& a : plan.actions) {
    spec.checkpoint.push_back({a.target, a.dtype, a.shape});
    if (!a.trainable) spec.non_trainable.insert(a.target);
    // A transformed copy with a new class or channel count: the planner
    // refuses reshapes here, so only one dimension changes, as for a head
    // replaced by a new variable.
    if (!a.transforms.empty() && a.shape != a.transforms.front().in_shape) spec.new_shapes[a.target] = a.shape;
    if (a.kind == PlanAction::Kind::kCopy && !a.replaces.empty()) {
      // Taken from an also_from source: the primary graph's variable holds it.
      spec.renames[a.replaces] = a.target;
      if (a.shape != a.replaced_shape) spec.new_shapes[a.target] = a.shape;
      replaced.insert(a.replaces);
      continue;
    }
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
  for (const FrozenBatchNorm& b : plan.frozen_batch_norms) {
    spec.frozen_statistics.insert(b.statistics.begin(), b.statistics.end());
  }
  return spec;
}

// What a run writes, in write order: copies first, source by source, each
// in its source's data order (sequential reads; contiguous runs are per
// source file), then transformed copies, then new tensors.
struct TensorOrder {
  std::vector<CopyItem> shared;               // Left in the primary source's shards (--link).
  std::vector<std::vector<CopyItem>> copies;  // By PlanAction::source_index.
  std::vector<const PlanAction*> transformed;
  std::vector<const PlanAction*> inits;
  uint64_t bytes_total = 0;

  // The writer's view of what it writes (not `shared`), in the same order:
  // safetensors lays out its header from it, a size-bounded bundle its data
  // files, before the first tensor.
  std::vector<TensorSpec> Specs() const {
    std::vector<TensorSpec> specs;
    for (const auto& from_source : copies) {
      for (const CopyItem& c : from_source) specs.push_back({c.target_key, c.dtype, c.shape, c.source->size});
    }
    for (const PlanAction* a : transformed) specs.push_back({a->target, a->dtype, a->shape, a->bytes});
    for (const PlanAction* a : inits) specs.push_back({a->target, a->dtype, a->shape, a->bytes});
    return specs;
  }
};

Result<TensorOrder> OrderTensors(const Surgery& s) {
  TensorOrder order;
  order.copies.resize(1 + s.also_from_readers.size());
  for (const PlanAction& a : s.plan.actions) {
    order.bytes_total += a.bytes;
    if (a.kind != PlanAction::Kind::kCopy) {
      order.inits.push_back(&a);
      continue;
    }
    if (a.source_index >= order.copies.size()) {
      return Status::Internal("planned source tensor '" + a.source + "' names source " +
                              std::to_string(a.source_index) + ", which was not opened");
    }
    if (!a.transforms.empty()) {
      order.transformed.push_back(&a);
      continue;
    }
    const TensorEntry* e = s.Reader(a.source_index).Find(a.source);
    if (e == nullptr) {
      return Status::Internal("planned source tensor '" + a.source + "' is not in the checkpoint " +
                              s.plan.sources.at(a.source_index).checkpoint);
    }
    order.copies[a.source_index].push_back(CopyItem{e, a.target, a.dtype, a.shape});
  }
  for (auto& from_source : order.copies) SortForSequentialReads(&from_source);
  return order;
}

Status WriteTensors(const Surgery& s, const TensorOrder& order, TensorWriter* writer, const RunOptions& options,
                    RunReport* report) {
  ProgressMeter progress(s.plan.actions.size(), order.bytes_total, options.progress);
  if (!order.shared.empty()) {
    // Verified before anything is copied: a corrupt source fails fast.
    SURGEON_ASSIGN_OR_RETURN(ShareTotals shared,
                             AddSharedTensors(dynamic_cast<const BundleReader&>(*s.reader), order.shared,
                                              dynamic_cast<BundleWriter*>(writer), options.verify, &progress));
    report->shared = shared.tensors;
    report->shared_bytes = shared.bytes;
  }
  report->copied = report->shared;
  report->copied_bytes = report->shared_bytes;
  for (size_t i = 0; i < order.copies.size(); ++i) {
    SURGEON_ASSIGN_OR_RETURN(CopyTotals copied,
                             CopyTensors(s.Reader(i), order.copies[i], writer, &progress, options.output.copy));
    report->copied += copied.copied;
    report->cast += copied.cast;
    report->copied_bytes += copied.bytes;
  }
  for (const PlanAction* a : order.transformed) {
    SURGEON_ASSIGN_OR_RETURN(uint64_t written, WriteTransformedCopy(s.Reader(a->source_index), *a, writer));
    report->copied++;
    report->transformed++;
    if (a->dtype != a->source_dtype) report->cast++;
    report->copied_bytes += written;
    progress.Advance(written);
  }
  for (const PlanAction* a : order.inits) {
    SURGEON_ASSIGN_OR_RETURN(const uint64_t written, WriteNewVariable(*a, writer));
    report->generated_bytes += written;
    report->initialized++;
    progress.Advance(written);
  }
  return Status::OK();
}

// Why `run --link` cannot share s's source shards ("" when it can): formats,
// and a plan that copies no tensor unchanged.
std::string LinkRefusalFor(const Surgery& s, const TensorOrder& order) {
  std::string refusal = LinkRefusal(*s.reader, s.plan.target_format);
  const std::vector<CopyItem>& primary = order.copies.front();
  if (refusal.empty() &&
      std::none_of(primary.begin(), primary.end(), [&](const CopyItem& c) { return Shareable(*s.reader, c); })) {
    refusal = "no tensor is copied unchanged, so there is nothing to share";
  }
  return refusal;
}

// Moves the Shareable copies from the primary source to order->shared.
void SplitShared(const CheckpointReader& reader, TensorOrder* order) {
  std::vector<CopyItem> rest;
  for (CopyItem& c : order->copies.front()) (Shareable(reader, c) ? order->shared : rest).push_back(std::move(c));
  order->copies.front() = std::move(rest);
}

// The writer for the run. With options.link, when the source's shards can
// be shared, they are staged as the target's first shards, the Shareable
// copies move to order->shared, and the writer writes the rest into one
// more shard; otherwise (or when sharing is impossible, said in
// report->link_note) a plain writer for the plan's format.
Result<std::unique_ptr<TensorWriter>> CreateWriter(const Surgery& s, TensorOrder* order, const RunOptions& options,
                                                   StagedOutput* out, RunReport* report) {
  const Plan& plan = s.plan;
  if (options.link) {
    std::string refusal = LinkRefusalFor(s, *order);
    if (refusal.empty()) {
      const auto& bundle = dynamic_cast<const BundleReader&>(*s.reader);
      TensorOrder linked = *order;
      SplitShared(bundle, &linked);
      const BundleLayout layout{bundle.num_shards(), plan.max_shard_bytes, linked.Specs()};
      SURGEON_ASSIGN_OR_RETURN(const int num_shards, NumDataShards(layout));
      auto kind = StageSharedShards(bundle, plan.target_prefix, num_shards, out);
      if (kind.ok()) {
        *order = std::move(linked);
        report->link_kind = ShareKindName(*kind);
        report->shared_shards = bundle.num_shards();
        report->dead_bytes = DeadBytes(bundle, order->shared);
        SURGEON_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(out, plan.target_prefix, layout));
        return std::unique_ptr<TensorWriter>(std::move(writer));
      }
      if (kind.status().code() != StatusCode::kFailedPrecondition) return kind.status();
      refusal = kind.status().message();
    }
    report->link_note = "cannot link: " + refusal + "; copying instead";
  }
  return CreateTensorWriter(plan.target_format, out, plan.target_prefix, order->Specs(), plan.max_shard_bytes);
}

// The target's meta graph for the plan's mode (nullopt for none); a
// rewrite's warnings and notes go to the report.
Result<std::optional<tensorflow::MetaGraphDef>> TargetGraph(const Surgery& s, RunReport* report) {
  std::optional<tensorflow::MetaGraphDef> graph;
  if (s.plan.meta_mode == MetaGraphMode::kFresh) {
    SURGEON_ASSIGN_OR_RETURN(graph, BuildTargetGraph(s));
  } else if (s.plan.meta_mode == MetaGraphMode::kFromSource) {
    SURGEON_ASSIGN_OR_RETURN(RewriteSpec spec, MakeRewriteSpec(s.plan));
    SURGEON_ASSIGN_OR_RETURN(RewriteResult rewritten, RewriteMetaGraph(*s.source_graph, spec));
    graph = std::move(rewritten.meta_graph);
    for (auto& w : rewritten.warnings) report->warnings.push_back(std::move(w));
    for (auto& n : rewritten.notes) report->notes.push_back(std::move(n));
  }
  return graph;
}

// Opens every also_from checkpoint (metadata only) and adds its tensors to
// the inventory; errors name the config entry.
Status OpenAlsoFrom(Surgery* s, Inventory* inventory) {
  for (const AlsoFromSource& a : s->config.also_from) {
    const std::string where = a.pos.ToString() + ": " + a.key_path + ".checkpoint";
    auto loc = ResolveCheckpoint(a.checkpoint);
    if (!loc.ok()) return loc.status().WithContext(where);
    if (!loc->note.empty()) s->warnings.push_back(a.Label() + ": " + loc->note);
    auto reader = OpenCheckpoint(loc->prefix);
    if (!reader.ok()) return reader.status().WithContext(where);
    inventory->also_from.push_back((*reader)->entries());
    s->also_from.push_back(*loc);
    s->also_from_readers.push_back(std::move(reader).value());
  }
  return Status::OK();
}

// Every file of every source: the target may overwrite none of them.
std::vector<std::string> AllSourceFiles(const Surgery& s) {
  std::vector<std::string> files = SourceFiles(s.source);
  for (const CheckpointLocation& loc : s.also_from) {
    for (std::string& f : SourceFiles(loc)) files.push_back(std::move(f));
  }
  return files;
}

}  // namespace

Result<Surgery> PrepareSurgery(const std::string& config_path) {
  SURGEON_ASSIGN_OR_RETURN(PlanConfig config, LoadConfig(config_path));
  return PrepareSurgery(std::move(config));
}

Result<Surgery> PrepareSurgery(PlanConfig config) {
  Surgery s;
  s.config = std::move(config);
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
  Inventory inventory = MakeInventory(*s.reader, s.source_graph);
  SURGEON_RETURN_IF_ERROR(OpenAlsoFrom(&s, &inventory));
  SURGEON_ASSIGN_OR_RETURN(s.plan, BuildPlan(s.config, inventory));
  s.plan.source_meta_graph = meta_path;
  if (s.plan.meta_mode == MetaGraphMode::kFromSource && !s.source_graph) {
    return Status::InvalidArgument(s.config.target_pos.ToString() +
                                   ": target.meta_graph: {from: source} needs a source meta graph, but " +
                                   s.source.prefix + " has none; set source.meta_graph or use meta_graph: true");
  }
  if (s.plan.meta_mode == MetaGraphMode::kFromSource && s.reader->Find(kObjectGraphKey) != nullptr) {
    // TF2 checkpoints are keyed by object path and restored by tf.function
    // graphs (SavedModel), not by a Saver subgraph that can be edited.
    return Status::InvalidArgument(s.config.target_pos.ToString() +
                                   ": target.meta_graph: {from: source}: " + s.source.prefix +
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
  CreatedDirectories created({plan.target_prefix, options.report_path});  // Before `out`: see output.h.
  StagedOutput out;
  const bool checkpoint = plan.target_format == OutputFormat::kTfCheckpoint;
  const std::vector<std::string> source_files = AllSourceFiles(s);
  SURGEON_RETURN_IF_ERROR(checkpoint ? PrepareTarget(source_files, plan.target_prefix, options.output, &out)
                                     : PrepareFileTarget(source_files, plan.target_prefix, options.output, &out));

  // Build everything derived from metadata before touching tensor bytes, so
  // a graph problem fails fast.
  SURGEON_ASSIGN_OR_RETURN(std::optional<tensorflow::MetaGraphDef> target_graph, TargetGraph(s, &report));

  SURGEON_ASSIGN_OR_RETURN(TensorOrder order, OrderTensors(s));
  SURGEON_ASSIGN_OR_RETURN(auto writer, CreateWriter(s, &order, options, &out, &report));
  SURGEON_RETURN_IF_ERROR(WriteTensors(s, order, writer.get(), options, &report));
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
  if (!options.report_path.empty()) {
    SURGEON_ASSIGN_OR_RETURN(WritableFile * f, out.Add(options.report_path));
    report.files = out.final_paths();
    if (checkpoint) report.files.push_back(JoinPath(Dirname(plan.target_prefix), "checkpoint"));
    SURGEON_RETURN_IF_ERROR(f->Append(RunReportJson(s, report)));
  }
  if (checkpoint) SURGEON_RETURN_IF_ERROR(StageCheckpointState(plan.target_prefix, &out));
  report.files = out.final_paths();
  SURGEON_RETURN_IF_ERROR(out.Commit(options.output.sync));
  created.Keep();
  return report;
}

Result<LinkPreview> PreviewLink(const Surgery& s) {
  LinkPreview preview;
  SURGEON_ASSIGN_OR_RETURN(TensorOrder order, OrderTensors(s));
  preview.refusal = LinkRefusalFor(s, order);
  if (!preview.refusal.empty()) return preview;
  const auto& bundle = dynamic_cast<const BundleReader&>(*s.reader);
  preview.refusal = FilesystemRefusal(bundle, s.plan.target_prefix);
  if (!preview.refusal.empty()) return preview;
  SplitShared(bundle, &order);
  preview.shards = bundle.num_shards();
  preview.shared = order.shared.size();
  for (const CopyItem& c : order.shared) preview.shared_bytes += c.source->size;
  preview.dead_bytes = DeadBytes(bundle, order.shared);
  return preview;
}

std::string RunReportJson(const Surgery& s, const RunReport& report) {
  // The plan's own JSON (one schema: docs/plan.schema.json), plus what the
  // run did and every warning, the planning ones and the run's.
  nlohmann::json out = PlanToJson(s.plan);
  out["source"]["checkpoint"] = s.source.prefix;
  out["source"]["format"] = CheckpointFormatName(s.reader->format());
  for (size_t i = 0; i < s.also_from.size() && out.contains("also_from"); ++i) {
    out["also_from"][i]["checkpoint"] = s.also_from[i].prefix;
    out["also_from"][i]["format"] = CheckpointFormatName(s.also_from_readers[i]->format());
  }
  out["run"] = {{"copied", report.copied},
                {"initialized", report.initialized},
                {"cast", report.cast},
                {"transformed", report.transformed},
                {"copied_bytes", report.copied_bytes},
                {"generated_bytes", report.generated_bytes},
                {"seconds", report.seconds}};
  if (!report.link_kind.empty()) {
    out["run"]["link"] = {{"kind", report.link_kind},
                          {"shared_shards", report.shared_shards},
                          {"shared", report.shared},
                          {"shared_bytes", report.shared_bytes},
                          {"dead_bytes", report.dead_bytes}};
  } else if (!report.link_note.empty()) {
    out["run"]["link"] = {{"kind", "copy"}, {"note", report.link_note}};
  }
  out["files"] = report.files;
  std::vector<std::string> warnings = s.warnings;
  warnings.insert(warnings.end(), report.warnings.begin(), report.warnings.end());
  out["warnings"] = warnings;
  // Checkpoint keys are bytes: a name that is not UTF-8 gets U+FFFD.
  return out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace surgeon
