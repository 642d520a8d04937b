#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, coverage on every library)
# in build-fuzz and runs each for a fixed time, seeded from the TF corpus
# (../shared/tf-corpus, read-only; seeds are copied into build-fuzz/seeds at
# run time, never into the repo) plus the repo's configs and the saved
# crash regressions (tests/fuzz/regressions/<target>/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET...]
#
# Targets: table bundle v1 meta_graph config safetensors checkpoint_path plan. A crash, leak or sanitizer
# report stops that target and leaves the input in build-fuzz/artifacts/;
# copy it into tests/fuzz/regressions/<target>/ once fixed. Exit status is
# non-zero when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-60}
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(table bundle v1 meta_graph config safetensors checkpoint_path plan)
BUILD=${BUILD:-build-fuzz}
CORPUS=${SURGEON_CORPUS:-../shared/tf-corpus}

SURGEON_WITH_CLANG=1 bash scripts/install-deps.sh >/dev/null || exit 1
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DSURGEON_FUZZ=ON -DSURGEON_SANITIZE=ON -DSURGEON_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null || exit 1
ninja -C "$BUILD" -j"${JOBS:-2}" "${TARGETS[@]/%/_fuzzer}" || exit 1

# ---- seeds (at most MAXLEN bytes each; bigger files would only slow the run)
seed() {  # seed TARGET MAXLEN FILE...
  local t=$1 max=$2; shift 2
  local d="$BUILD/seeds/$t"
  mkdir -p "$d"
  for f in "$@"; do
    [[ -f $f ]] || continue
    local n; n=$(stat -c %s "$f")
    (( n <= max )) || continue
    cp "$f" "$d/$(echo "$f" | sha1sum | cut -c1-16)"
  done
}
declare -A MAXLEN=([table]=65536 [bundle]=16384 [v1]=65536 [meta_graph]=32768 [config]=4096 [safetensors]=8192 [checkpoint_path]=4096 [plan]=4096)
rm -rf "$BUILD/seeds"
if [[ -d $CORPUS ]]; then
  v1files=()
  for f in "$CORPUS"/v1_*/*; do
    case $f in *.meta|*.json|*.md|*/checkpoint) ;; *) v1files+=("$f") ;; esac
  done
  seed table ${MAXLEN[table]} "$CORPUS"/*/*.index "$CORPUS"/*/variables/*.index "${v1files[@]}"
  seed bundle ${MAXLEN[bundle]} "$CORPUS"/*/*.index "$CORPUS"/*/variables/*.index
  seed v1 ${MAXLEN[v1]} "${v1files[@]}"
  seed meta_graph ${MAXLEN[meta_graph]} "$CORPUS"/*/*.meta "$CORPUS"/*/saved_model.pb
else
  echo "NOTE: $CORPUS not found: fuzzing from the regression inputs and configs only"
fi
seed config ${MAXLEN[config]} configs/*.yaml examples/*.yaml
seed plan ${MAXLEN[plan]} configs/*.yaml examples/*.yaml
# checkpoint_path: "<file names separated by |>\n<checkpoint state file>".
mkdir -p "$BUILD/seeds/checkpoint_path"
printf 'model.ckpt-5.index|model.ckpt-5.data-00000-of-00001|model.ckpt-5.meta\nmodel_checkpoint_path: "model.ckpt-5"\nall_model_checkpoint_paths: "model.ckpt-5"\n' \
  >"$BUILD/seeds/checkpoint_path/v2"
printf 'sub/model.ckpt-1-00000-of-00002|sub/model.ckpt-1-00001-of-00002|w.h5\nmodel_checkpoint_path: "sub/model.ckpt-1"\n' \
  >"$BUILD/seeds/checkpoint_path/v1_sharded"
printf 'variables/variables.index|saved_model.pb\n' >"$BUILD/seeds/checkpoint_path/saved_model"
# safetensors: small files written by surgeon's own writer (no repo fixtures).
if [[ " ${TARGETS[*]} " == *" safetensors "* && -x build/surgeon && -d $CORPUS ]]; then
  mkdir -p "$BUILD/seeds/safetensors-src"
  for idx in "$CORPUS"/*/*.index; do
    out="$BUILD/seeds/safetensors-src/$(echo "$idx" | sha1sum | cut -c1-16).safetensors"
    build/surgeon convert "${idx%.index}" "$out" --force >/dev/null 2>&1 || true
  done
  seed safetensors ${MAXLEN[safetensors]} "$BUILD"/seeds/safetensors-src/*.safetensors
  rm -rf "$BUILD/seeds/safetensors-src"
fi
for t in "${TARGETS[@]}"; do
  seed "$t" ${MAXLEN[$t]} tests/fuzz/regressions/"$t"/*
  mkdir -p "$BUILD/seeds/$t" "$BUILD/work/$t" "$BUILD/artifacts/$t"
done

# ---- run
fail=0
for t in "${TARGETS[@]}"; do
  echo "== $t: ${SECONDS_PER}s"
  log="$BUILD/$t.log"
  # work/<t> accumulates the corpus libFuzzer grows; seeds/<t> is read-only input.
  "$BUILD/${t}_fuzzer" -max_total_time="$SECONDS_PER" -max_len=${MAXLEN[$t]} -timeout=20 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$BUILD/artifacts/$t/" "$BUILD/work/$t" "$BUILD/seeds/$t" >"$log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE' "$log" | tr '\n' ' '
  echo
  if [[ $rc -ne 0 ]]; then
    fail=1
    echo "FAILED: $t (exit $rc); see $log and $BUILD/artifacts/$t/"
    grep -m5 -E 'ERROR|runtime error|SUMMARY' "$log"
  fi
done
exit $fail
