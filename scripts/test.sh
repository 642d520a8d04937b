#!/usr/bin/env bash
# Builds surgeon and runs the whole test suite: the C++ suites (unit, corpus,
# end-to-end CLI) under ctest, then the TensorFlow-judged tests (tests/tf,
# pytest in the environment scripts/install-deps.sh made), including the
# Python package (tests/tf/test_python_api.py).
# Corpus tests read ../shared/tf-corpus and say SKIPPED when it is absent;
# the TensorFlow tests say SKIPPED without TensorFlow, except under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
bash scripts/install-deps.sh >/dev/null
BUILD=${BUILD:-build}
VENV="${SURGEON_VENV:-${SURGEON_CACHE:-/var/cache/surgeon}/venv}"
if command -v ccache >/dev/null; then CMAKE_ARGS="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache ${CMAKE_ARGS:-}"; fi
# The Python extension (surgeon._core) is built by this same build when the
# test environment has pybind11: the objects are compiled once for the CLI,
# the C++ tests and the module. `pip install .` builds the same target.
if [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c "import pybind11" 2>/dev/null; then
  CMAKE_ARGS="-DSURGEON_PYTHON=ON -DPython_EXECUTABLE=$VENV/bin/python -Dpybind11_DIR=$("$VENV/bin/python" -m pybind11 --cmakedir) ${CMAKE_ARGS:-}"
fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD"
if [[ ! -d ../shared/tf-corpus ]]; then
  echo "NOTE: ../shared/tf-corpus not found: corpus tests will be SKIPPED"
fi
(cd "$BUILD" && ctest --output-on-failure -j2)

if [[ ! -x $VENV/bin/python ]]; then
  [[ ${CI:-} == true ]] && { echo "FAIL: CI=true and no TensorFlow test environment at $VENV" >&2; exit 1; }
  echo "SKIPPED: TensorFlow tests (no test environment at $VENV; scripts/install-deps.sh makes it)"
  exit 0
fi
BIN=$(cd "$BUILD" && pwd)
# The package as `pip install .` lays it out: python/surgeon plus the module.
PKG="$BIN/python-pkg/surgeon"
rm -rf "$BIN/python-pkg" && mkdir -p "$PKG"
ln -s "$REPO"/python/surgeon/* "$PKG"/
if compgen -G "$BIN/_core*.so" >/dev/null; then
  ln -s "$BIN"/_core*.so "$PKG"/
elif [[ ${CI:-} == true ]]; then
  echo "FAIL: CI=true and the Python extension was not built (pybind11 missing from $VENV?)" >&2
  exit 1
fi
PYTHONPATH="$BIN/python-pkg${PYTHONPATH:+:$PYTHONPATH}" SURGEON_BIN="$BIN/surgeon" SURGEON_TF_WORK="$BIN/tf-work" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$REPO/tests/tf" ${PYTEST_ARGS:-}
