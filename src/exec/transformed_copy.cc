#include "surgeon/exec/transformed_copy.h"

#include "surgeon/plan/cast.h"
#include "surgeon/plan/initializer.h"
#include "surgeon/plan/transform.h"

namespace surgeon {

Result<uint64_t> WriteTransformedCopy(const CheckpointReader& reader, const PlanAction& a, TensorWriter* writer) {
  const TensorEntry* e = reader.Find(a.source);
  if (e == nullptr) return Status::Internal("planned source tensor '" + a.source + "' is not in the checkpoint");
  SURGEON_ASSIGN_OR_RETURN(TensorData data, reader.Read(*e));
  std::vector<uint8_t> value(data.bytes().begin(), data.bytes().end());
  for (const TransformStep& step : a.transforms) {
    std::vector<uint8_t> init;
    if (step.NeedsInitializer()) {
      SURGEON_ASSIGN_OR_RETURN(init,
                               GenerateInitialValue(step.initializer, e->dtype, step.out_shape, a.seed, a.target));
    }
    auto next =
        ApplyTransformStep(step, ByteSpan(value.data(), value.size()), e->dtype, ByteSpan(init.data(), init.size()));
    if (!next.ok()) return next.status().WithContext("'" + a.target + "'");
    value = std::move(next).value();
  }
  if (a.dtype != e->dtype) {
    SURGEON_ASSIGN_OR_RETURN(value, CastTensorBytes(ByteSpan(value.data(), value.size()), e->dtype, a.dtype, a.target));
  }
  SURGEON_RETURN_IF_ERROR(writer->Add(a.target, a.dtype, a.shape, ByteSpan(value.data(), value.size())));
  return static_cast<uint64_t>(value.size());
}

}  // namespace surgeon
