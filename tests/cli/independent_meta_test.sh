#!/usr/bin/env bash
# Issue 4 acceptance, checked by a parser that shares nothing with surgeon:
# tests/independent/check_meta.py reads the .meta files with message classes
# built from TensorFlow's own .proto text (the npm package tensorflow@0.7.0's
# messages.proto, fetched by scripts/install-deps.sh) and checks them against
# OpDefs taken from REAL TensorFlow graphs (../shared/tf-corpus).
#   - every corpus graph passes the structural checks (validates the checker);
#   - selftest.py: each of ~30 corruptions of a real graph / of surgeon's
#     output is reported (the checker is not vacuous);
#   - fresh mode: make_vgg16 --slots -> configs/vgg16_to_mycls.yaml, plus
#     small runs without freeze and with global_step keep / reset, and every
#     initializer kind (+ variables of 9 other dtypes): importer
#     checks + saver (restore covers every key, SaveV2/RestoreV2 names equal,
#     sorted, = the checkpoint keys, dtypes, same variable saved and
#     restored) + variables (exactly the checkpoint's, shapes, dtypes,
#     trainable_variables = all - frozen - global_step);
#   - rewrite mode (target.meta_graph: {from: source}): the VGG16 -> mycls
#     config, the initializer run, and every corpus case that has a .meta, with
#     drop_optimizer_slots and a rename of every variable into moved/: the
#     same full checks, trainable_variables judged from the source graph's.
# A surgeon run that fails counts as a failure.
#
#   tests/cli/independent_meta_test.sh SURGEON BUILD_DIR      (exit 77: skipped)
set -uo pipefail
SURGEON=${1:?surgeon binary}
BUILD=${2:?build dir}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$(dirname "$HERE")")
CHECK="$REPO/tests/independent/check_meta.py"
SELFTEST="$REPO/tests/independent/selftest.py"
CORPUS=${SURGEON_TF_CORPUS:-$REPO/../shared/tf-corpus}
PY=/usr/bin/python3
PROTO=${SURGEON_TF_PROTO:-${SURGEON_CACHE:-/var/cache/surgeon}/tf-npm/package/src/interop/messages.proto}
export SURGEON_TF_PROTO=$PROTO

[[ -x $PY ]] || { echo "SKIPPED: $PY (Debian's Python) not found"; exit 77; }
"$PY" -c "import google.protobuf" 2>/dev/null ||
  { echo "SKIPPED: $PY has no google.protobuf (apt-get install python3-protobuf; scripts/install-deps.sh)"; exit 77; }
command -v protoc >/dev/null || { echo "SKIPPED: protoc not found"; exit 77; }
[[ -f $PROTO ]] || { echo "SKIPPED: $PROTO not found (scripts/install-deps.sh fetches it with npm)"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/surgeon-indep.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
start=$(date +%s)
passed=0 failed=0 skipped=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
pass() { passed=$((passed + 1)); }
skip() { echo "SKIPPED: $*"; skipped=$((skipped + 1)); }

have_corpus=0
if [[ -d $CORPUS ]] && compgen -G "$CORPUS/*/*.meta" >/dev/null; then
  have_corpus=1
else
  skip "corpus checks: $CORPUS not found (corpus graphs, their OpDefs, selftest and rewrite mode)"
fi

CHECK_ARGS=(--surgeon "$SURGEON" --corpus "$CORPUS")
RUNS=()      # --full / --rewrite arguments for one check_meta.py run

# run NAME DIR: surgeon run DIR/cfg.yaml; a failure is reported and counted
run() {
  local name=$1 dir=$2
  if "$SURGEON" run -q "$dir/cfg.yaml" >"$dir/log" 2>&1; then
    return 0
  fi
  fail "$name: surgeon run failed: $(grep -v '^surgeon: warning' "$dir/log" | head -3)"
  return 1
}

# ---- fresh mode: the VGG16 demo
MAKE="$BUILD/make_vgg16"
if [[ -x $MAKE ]]; then
  "$MAKE" "$TMP/vgg" --slots >/dev/null || fail "make_vgg16 failed"
  SRC_CKPT="$TMP/vgg/vgg_16.ckpt"
  mkdir -p "$TMP/mycls"
  sed -e "s|^\(  checkpoint:\) \.\./demo/vgg_16/vgg_16.ckpt|\1 $SRC_CKPT|" \
      -e "s|^\(  checkpoint:\) \.\./demo/out/mycls/model.ckpt-0|\1 out/model.ckpt-0|" \
      "$REPO/configs/vgg16_to_mycls.yaml" >"$TMP/mycls/cfg.yaml"
  grep -q "checkpoint: $SRC_CKPT" "$TMP/mycls/cfg.yaml" && grep -q "checkpoint: out/model.ckpt-0" "$TMP/mycls/cfg.yaml" ||
    fail "configs/vgg16_to_mycls.yaml changed shape: cannot point its paths into $TMP"
  grep -q "meta_graph: true" "$TMP/mycls/cfg.yaml" || fail "configs/vgg16_to_mycls.yaml no longer writes a fresh graph"
  run mycls "$TMP/mycls" && RUNS+=(--full "$TMP/mycls/out/model.ckpt-0.meta" "$TMP/mycls/out/model.ckpt-0")
  # selftest corrupts this one; keep its data
  # the same surgery in rewrite mode (the source .meta is make_vgg16's)
  mkdir -p "$TMP/mycls_rewrite"
  sed -e "s|meta_graph: true|meta_graph: {from: source}|" "$TMP/mycls/cfg.yaml" >"$TMP/mycls_rewrite/cfg.yaml"
  if run mycls_rewrite "$TMP/mycls_rewrite"; then
    RUNS+=(--full "$TMP/mycls_rewrite/out/model.ckpt-0.meta" "$TMP/mycls_rewrite/out/model.ckpt-0")
    # spare ~0.5 GB of disk: keep the listing (check_meta.py reads PREFIX.inspect.json)
    "$SURGEON" inspect --json "$TMP/mycls_rewrite/out/model.ckpt-0" >"$TMP/mycls_rewrite/out/model.ckpt-0.inspect.json" &&
      rm -f "$TMP/mycls_rewrite/out/model.ckpt-0".data-*
  fi
  # small fresh runs: no freeze, a renamed scope, a new head; global_step drop / keep / reset
  for gs in drop keep reset; do
    d="$TMP/small_$gs"
    mkdir -p "$d"
    cat >"$d/cfg.yaml" <<YAML
source: {checkpoint: $SRC_CKPT}
target: {checkpoint: out/model.ckpt-0, meta_graph: true}
keep: ["vgg_16/conv1/*", "global_step"]
drop_optimizer_slots: true
global_step: $gs
rename:
  - {scope: "vgg_16/", to: "net/"}
new:
  - {name: net/head/weights, shape: [64, 10], initializer: {type: truncated_normal, stddev: 0.1}}
  - {name: net/head/biases, shape: [10], initializer: zeros}
YAML
    run "small_$gs" "$d" && RUNS+=(--full "$d/out/model.ckpt-0.meta" "$d/out/model.ckpt-0")
  done
  # every initializer kind and a few dtypes, fresh and rewrite mode
  for mode in true "{from: source}"; do
    d="$TMP/init_${mode//[^a-z]/}"
    mkdir -p "$d"
    cat >"$d/cfg.yaml" <<YAML
source: {checkpoint: $SRC_CKPT}
target: {checkpoint: out/model.ckpt-0, meta_graph: $mode}
keep: ["vgg_16/conv1/conv1_1/*"]
drop_optimizer_slots: true
global_step: reset
rename:
  - {scope: "vgg_16/", to: "net/"}
new:
  - {name: net/i/zeros, shape: [3, 4], initializer: zeros}
  - {name: net/i/ones, shape: [5], initializer: ones}
  - {name: net/i/constant, shape: [2, 2], initializer: {type: constant, value: 0.5}}
  - {name: net/i/random_normal, shape: [4, 3], initializer: {type: random_normal, mean: 0.1, stddev: 0.2}}
  - {name: net/i/truncated_normal, shape: [4, 3], initializer: {type: truncated_normal, stddev: 0.2}}
  - {name: net/i/random_uniform, shape: [4, 3], initializer: {type: random_uniform, minval: -1, maxval: 1}}
  - {name: net/i/glorot_uniform, shape: [3, 3, 8, 16], initializer: glorot_uniform}
  - {name: net/i/glorot_normal, shape: [3, 3, 8, 16], initializer: glorot_normal}
  - {name: net/i/he_uniform, shape: [8, 16], initializer: he_uniform}
  - {name: net/i/he_normal, shape: [8, 16], initializer: he_normal}
  - {name: net/i/lecun_uniform, shape: [8, 16], initializer: lecun_uniform}
  - {name: net/i/lecun_normal, shape: [8, 16], initializer: lecun_normal}
  - {name: net/i/variance_scaling, shape: [8, 16], initializer: {type: variance_scaling, scale: 2.0, mode: fan_out, distribution: untruncated_normal}}
  - {name: net/i/orthogonal_wide, shape: [4, 9], initializer: {type: orthogonal, gain: 1.5}}
  - {name: net/i/orthogonal_tall, shape: [3, 3, 4, 2], initializer: orthogonal}
  - {name: net/i/f64, shape: [3], dtype: float64, initializer: {type: random_uniform, minval: 0, maxval: 2}}
  - {name: net/i/f16, shape: [3], dtype: float16, initializer: glorot_uniform}
  - {name: net/i/i32, shape: [3], dtype: int32, initializer: zeros}
  - {name: net/i/i64, shape: [], dtype: int64, initializer: {type: constant, value: 7}}
  - {name: net/i/bf16, shape: [2, 3], dtype: bfloat16, initializer: {type: random_normal, stddev: 0.5}}
  - {name: net/i/i8, shape: [4], dtype: int8, initializer: {type: constant, value: -3}}
  - {name: net/i/u8, shape: [4], dtype: uint8, initializer: ones}
  - {name: net/i/bool, shape: [2], dtype: bool, initializer: ones}
  - {name: net/i/c64, shape: [2], dtype: complex64, initializer: zeros}
  - {name: net/i/scalar, shape: [], initializer: ones}
freeze: ["net/i/ones", "net/conv1/*"]
YAML
    run "initializers (meta_graph: $mode)" "$d" && RUNS+=(--full "$d/out/model.ckpt-0.meta" "$d/out/model.ckpt-0")
  done
  rm -rf "$TMP/vgg"   # 1.1 GB
else
  skip "fresh mode: $MAKE not built"
fi

# ---- rewrite mode: every corpus case with a .meta
if ((have_corpus)); then
  for case_dir in "$CORPUS"/*/; do
    case_dir=${case_dir%/}
    c=$(basename "$case_dir")
    metas=("$case_dir"/*.meta)
    [[ -f ${metas[0]} ]] || continue
    d="$TMP/rw_$c"
    mkdir -p "$d"
    cat >"$d/cfg.yaml" <<YAML
source: {checkpoint: $case_dir}
target: {checkpoint: out/model.ckpt-0, meta_graph: {from: source}}
drop_optimizer_slots: true
rename:
  - {regex: "^(.*)\$", to: "moved/\\\\1"}
YAML
    run "rewrite $c" "$d" && RUNS+=(--rewrite "$d/out/model.ckpt-0.meta" "$d/out/model.ckpt-0" "${metas[0]}")
  done
fi

# ---- the checks
if ((have_corpus)); then
  CHECK_ARGS+=(--corpus-graphs)
fi
if ((have_corpus)) || ((${#RUNS[@]})); then
  "$PY" "$CHECK" "${CHECK_ARGS[@]}" --rename-prefix moved/ "${RUNS[@]}" >"$TMP/check.out" 2>&1
  rc=$?
  sed "s|$TMP/||g" "$TMP/check.out"
  n_ok=$(grep -c '^OK ' "$TMP/check.out")
  n_fail=$(grep -c '^FAIL ' "$TMP/check.out")
  passed=$((passed + n_ok))
  failed=$((failed + n_fail))
  if ((rc != 0 && n_fail == 0)); then fail "check_meta.py exited $rc"; fi
  if ((rc == 0 && n_fail != 0)); then fail "check_meta.py exited 0 with failures"; fi
fi

# ---- the checker catches corruptions
if ((have_corpus)); then
  st=(--corpus "$CORPUS")
  if [[ -f $TMP/mycls/out/model.ckpt-0.meta ]]; then
    st+=(--surgeon "$SURGEON" --full "$TMP/mycls/out/model.ckpt-0.meta" "$TMP/mycls/out/model.ckpt-0")
  fi
  if "$PY" "$SELFTEST" "$CORPUS/v2_fc2_int32_step/fc2.ckpt.meta" "${st[@]}" >"$TMP/selftest.out" 2>&1; then
    pass
    tail -n 1 "$TMP/selftest.out"
  else
    sed "s|$TMP/||g" "$TMP/selftest.out"
    fail "selftest: check_meta.py missed a corruption"
  fi
fi

echo "independent_meta: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
