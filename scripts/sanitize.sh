#!/usr/bin/env bash
# Builds surgeon and the whole test suite with AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan, -DSURGEON_SANITIZE=ON; UB aborts)
# and runs every ctest test. Any sanitizer report fails the run.
#
#   scripts/sanitize.sh [extra ctest args...]
#
# ASan refuses single allocations above 4 GiB here, so a parser that sizes a
# buffer from an unvalidated field (a shape claiming 2^60 elements) fails the
# test instead of being served lazily by the kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-asan}
start=$(date +%s)
# -O1 -g1: the sanitizers' usual optimisation level, with line tables for
# the reports; about half the compile time of RelWithDebInfo (-O2 -g).
# GCC 12 at -O1 with ASan warns "maybe-uninitialized" inside libstdc++'s
# <regex> (false positives, not our code); silenced to keep the log readable.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1 -Wno-maybe-uninitialized" \
  -DSURGEON_SANITIZE=ON ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD" -j"${JOBS:-2}"
built=$(date +%s)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=0:max_allocation_size_mb=4096:detect_stack_use_after_return=0}
# The kill test under ASan: fewer kill points (each run is ~3x slower).
export KILLS=${KILLS:-5}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$BUILD"
status=0
ctest --output-on-failure -j"${JOBS:-2}" "$@" || status=$?
end=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s"
exit $status
