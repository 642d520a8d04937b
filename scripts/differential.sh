#!/usr/bin/env bash
# Differential mutation run: N mutants of TF-written checkpoints
# read by TensorFlow and by surgeon, classified; prints the summary table.
#
#   scripts/differential.sh N [LANES]      (default: 2 lanes, i.e. 2 cores)
#
# Mutant seeds 0..N-1 (tests/tf/differential.py: each seed fixes the base,
# mutation and parameters; `python tests/tf/differential.py replay SEED`
# rebuilds one). Work runs under nice -n 19 in chunks of $CHUNK seeds, one
# JSON-lines file each under $OUT (default build/tf-work/differential/run-N),
# so a stopped run keeps its results and a rerun resumes where it stopped.
# The scripts and the surgeon binary are copied into $OUT first, so a rebuild
# or edit during the run does not change it halfway.
# After a fix, `python tests/tf/differential.py rejudge --classes C1,C2 --out
# $OUT/rejudged.jsonl $OUT/chunk-*.jsonl` judges those seeds again with
# $SURGEON_BIN; `summary $OUT/chunk-*.jsonl $OUT/rejudged.jsonl` counts each
# seed's last record.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:?usage: scripts/differential.sh N [LANES]}
LANES=${2:-2}
CHUNK=${CHUNK:-2000}
BUILD=${BUILD:-build}
PY="${SURGEON_VENV:-${SURGEON_CACHE:-/var/cache/surgeon}/venv}/bin/python"
OUT=${OUT:-$BUILD/tf-work/differential/run-$N}
mkdir -p "$OUT/bin"
export SURGEON_TF_WORK=${SURGEON_TF_WORK:-$PWD/$BUILD/tf-work}
export SURGEON_CORPUS=${SURGEON_CORPUS:-$(cd .. && pwd)/shared/tf-corpus}  # the copied scripts cannot find it from their own place
if [[ ! -f $OUT/bin/surgeon ]]; then
  cp tests/tf/differential.py tests/tf/tf_table.py tests/tf/tf_worker.py "$BUILD/surgeon" "$OUT/bin/"
  git rev-parse HEAD > "$OUT/bin/commit" 2>/dev/null || true
fi
export SURGEON_BIN=$PWD/$OUT/bin/surgeon
# The generated bases (gen_corpus.py; cached by its stamp).
"$PY" -c "import sys; sys.path.insert(0, 'tests/tf'); import gen_corpus; gen_corpus.ensure_generated('$SURGEON_TF_WORK/gen')"
chunks=$(( (N + CHUNK - 1) / CHUNK ))
lane() {
  local k=$1 c
  for (( c = k; c < chunks; c += LANES )); do
    local start=$(( c * CHUNK )) count=$(( N - c * CHUNK < CHUNK ? N - c * CHUNK : CHUNK ))
    nice -n 19 "$PY" "$OUT/bin/differential.py" run --start $start --count $count \
      --out "$OUT/chunk-$(printf %06d $start).jsonl" 2>>"$OUT/lane-$k.log"
  done
}
pids=()
for (( k = 0; k < LANES; k++ )); do lane $k & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
"$PY" "$OUT/bin/differential.py" summary "$OUT"/chunk-*.jsonl | tee "$OUT/summary.txt"
