// Synthetic source inventories for planner tests: slim VGG16 and Keras
// VGG16 names and shapes (metadata only; no tensor bytes); and planning a
// YAML text against one.
#ifndef SURGEON_TESTS_PLAN_VGG16_INVENTORY_H_
#define SURGEON_TESTS_PLAN_VGG16_INVENTORY_H_

#include <string>
#include <vector>

#include "surgeon/plan/config.h"
#include "surgeon/plan/planner.h"

namespace surgeon::testing {

inline TensorEntry Entry(std::string key, Shape shape, DataType dtype = DataType::kFloat) {
  TensorEntry e;
  e.key = std::move(key);
  e.shape = std::move(shape);
  e.dtype = dtype;
  auto bytes = FixedTensorBytes(e.dtype, e.shape);
  e.size = bytes.ok() ? *bytes : 0;
  return e;
}

// (block, convs, in, out) per VGG16 block.
struct VggBlock {
  int block, convs;
  int64_t in, out;
};
inline const VggBlock kVggBlocks[] = {
    {1, 2, 3, 64}, {2, 2, 64, 128}, {3, 3, 128, 256}, {4, 3, 256, 512}, {5, 3, 512, 512}};

// slim's vgg_16: vgg_16/conv1/conv1_1/weights ... vgg_16/fc8/biases, plus
// global_step and, when `slots`, Momentum slots for fc layers.
inline Inventory SlimVgg16(bool with_global_step = true, bool slots = false) {
  Inventory inv;
  auto add = [&](const std::string& scope, Shape w) {
    int64_t out = w.back();
    inv.tensors.push_back(Entry(scope + "/weights", w));
    inv.tensors.push_back(Entry(scope + "/biases", {out}));
    if (slots) {
      inv.tensors.push_back(Entry(scope + "/weights/Momentum", w));
      inv.tensors.push_back(Entry(scope + "/biases/Momentum", {out}));
    }
  };
  std::string prev;
  for (const VggBlock& b : kVggBlocks) {
    for (int c = 1; c <= b.convs; ++c) {
      std::string scope =
          "vgg_16/conv" + std::to_string(b.block) + "/conv" + std::to_string(b.block) + "_" + std::to_string(c);
      add(scope, {3, 3, c == 1 ? b.in : b.out, b.out});
    }
  }
  add("vgg_16/fc6", {7, 7, 512, 4096});
  add("vgg_16/fc7", {1, 1, 4096, 4096});
  add("vgg_16/fc8", {1, 1, 4096, 1000});
  if (with_global_step) inv.tensors.push_back(Entry("global_step", {}, DataType::kInt64));
  std::sort(inv.tensors.begin(), inv.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
  return inv;
}

// keras.applications.VGG16 (TF1 names): block1_conv1/kernel ... predictions/bias.
inline Inventory KerasVgg16() {
  Inventory inv;
  auto add = [&](const std::string& scope, Shape w) {
    int64_t out = w.back();
    inv.tensors.push_back(Entry(scope + "/kernel", w));
    inv.tensors.push_back(Entry(scope + "/bias", {out}));
  };
  for (const VggBlock& b : kVggBlocks) {
    for (int c = 1; c <= b.convs; ++c) {
      add("block" + std::to_string(b.block) + "_conv" + std::to_string(c), {3, 3, c == 1 ? b.in : b.out, b.out});
    }
  }
  add("fc1", {25088, 4096});
  add("fc2", {4096, 4096});
  add("predictions", {4096, 1000});
  std::sort(inv.tensors.begin(), inv.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.key < b.key; });
  return inv;
}

// Plans `yaml` (parsed as "t.yaml" in /w) against `inventory`.
inline Result<Plan> PlanFor(const std::string& yaml, const Inventory& inventory) {
  SURGEON_ASSIGN_OR_RETURN(PlanConfig config, ParseConfig(yaml, "t.yaml", "/w"));
  return BuildPlan(config, inventory);
}

// The message planning `yaml` fails with, or "(plan succeeded)".
inline std::string ErrorOf(const std::string& yaml, const Inventory& inventory) {
  auto plan = PlanFor(yaml, inventory);
  return plan.ok() ? "(plan succeeded)" : plan.status().message();
}

}  // namespace surgeon::testing

#endif  // SURGEON_TESTS_PLAN_VGG16_INVENTORY_H_
