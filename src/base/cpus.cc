#include "surgeon/base/cpus.h"

#include <sched.h>

#include <algorithm>

namespace surgeon {

int UsableCpus() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (::sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  return std::max(1, CPU_COUNT(&cpus));
}

}  // namespace surgeon
