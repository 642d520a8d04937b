#include "format/versions.h"

namespace surgeon {

Status CheckVersions(const std::string& path, std::string_view what, const WriterVersions& versions, int consumer,
                     int min_producer) {
  const std::string head = path + ": " + std::string(what);
  if (versions.producer < min_producer) {
    return Status::FailedPrecondition(head + " producer version " + std::to_string(versions.producer) +
                                      " is older than the minimum " + std::to_string(min_producer));
  }
  if (versions.min_consumer > consumer) {
    return Status::FailedPrecondition(head + " requires reader version " + std::to_string(versions.min_consumer) +
                                      " or newer; surgeon implements " + std::to_string(consumer));
  }
  for (int32_t bad : versions.bad_consumers) {
    if (bad == consumer) {
      return Status::FailedPrecondition(head + " marks reader version " + std::to_string(consumer) +
                                        " as unable to read it");
    }
  }
  return Status::OK();
}

}  // namespace surgeon
