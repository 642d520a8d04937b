// How many CPUs this process may use, for sizing worker threads.
#ifndef SURGEON_BASE_CPUS_H_
#define SURGEON_BASE_CPUS_H_

namespace surgeon {

// The CPUs in this thread's affinity mask (so `taskset` and cpusets count,
// unlike std::thread::hardware_concurrency, which counts the machine's and
// reads /sys to do so); at least 1. One system call: cheap enough to ask
// per piece of work.
int UsableCpus();

}  // namespace surgeon

#endif  // SURGEON_BASE_CPUS_H_
