#!/usr/bin/env bash
# Builds surgeon and runs the whole test suite (unit, corpus, end-to-end).
# Corpus tests read ../shared/tf-corpus and say SKIPPED when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD"
if [[ ! -d ../shared/tf-corpus ]]; then
  echo "NOTE: ../shared/tf-corpus not found: corpus tests will be SKIPPED"
fi
cd "$BUILD" && ctest --output-on-failure -j2
