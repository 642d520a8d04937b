#include "surgeon/base/cpus.h"

#include <sched.h>

#include "testing.h"

namespace surgeon {
namespace {

TEST_CASE("UsableCpus counts this thread's affinity mask, not the machine's CPUs", "[base]") {
  cpu_set_t saved;
  CPU_ZERO(&saved);
  REQUIRE(::sched_getaffinity(0, sizeof saved, &saved) == 0);
  CHECK(UsableCpus() == CPU_COUNT(&saved));

  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  REQUIRE(::sched_setaffinity(0, sizeof one, &one) == 0);
  const int pinned = UsableCpus();
  REQUIRE(::sched_setaffinity(0, sizeof saved, &saved) == 0);
  CHECK(pinned == 1);
}

}  // namespace
}  // namespace surgeon
