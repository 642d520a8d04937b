#!/usr/bin/env bash
# Builds surgeon and runs the whole test suite: the C++ suites (unit, corpus,
# end-to-end CLI) under ctest, then the TensorFlow-judged tests (tests/tf,
# pytest in the environment scripts/install-deps.sh made), with the Python
# package built by `pip install .` (tests/tf/test_python_api.py).
# Corpus tests read ../shared/tf-corpus and say SKIPPED when it is absent;
# the TensorFlow tests say SKIPPED without TensorFlow, except under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
bash scripts/install-deps.sh >/dev/null
BUILD=${BUILD:-build}
if command -v ccache >/dev/null; then CMAKE_ARGS="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache ${CMAKE_ARGS:-}"; fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD"
if [[ ! -d ../shared/tf-corpus ]]; then
  echo "NOTE: ../shared/tf-corpus not found: corpus tests will be SKIPPED"
fi
(cd "$BUILD" && ctest --output-on-failure -j2)

VENV="${SURGEON_VENV:-${SURGEON_CACHE:-/var/cache/surgeon}/venv}"
if [[ ! -x $VENV/bin/python ]]; then
  [[ ${CI:-} == true ]] && { echo "FAIL: CI=true and no TensorFlow test environment at $VENV" >&2; exit 1; }
  echo "SKIPPED: TensorFlow tests (no test environment at $VENV; scripts/install-deps.sh makes it)"
  exit 0
fi
BIN=$(cd "$BUILD" && pwd)
# The Python package (`pip install .`), installed into a folder of the build
# rather than the shared venv. Its CMake build lives in build/python/ (see
# pyproject.toml) and the pinned build tools in $BIN/python-build-tools, so a
# re-run reconfigures nothing and only recompiles what changed (through ccache).
SITE="$BIN/python-site"
TOOLS="$BIN/python-build-tools"
REQUIRES=$("$VENV/bin/python" -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"])')
if [[ ! -f $TOOLS/.requires || $(cat "$TOOLS/.requires") != "$REQUIRES" ]]; then
  rm -rf "$TOOLS"
  "$VENV/bin/python" -m pip install -q --target "$TOOLS" $REQUIRES && echo "$REQUIRES" > "$TOOLS/.requires"
fi
if ! PYTHONPATH="$TOOLS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation --upgrade --target "$SITE" "$REPO"; then
  [[ ${CI:-} == true ]] && { echo "FAIL: pip install . failed" >&2; exit 1; }
  echo "NOTE: pip install . failed: the Python package tests will be SKIPPED"
fi
PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" SURGEON_BIN="$BIN/surgeon" SURGEON_TF_WORK="$BIN/tf-work" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$REPO/tests/tf" ${PYTEST_ARGS:-}
