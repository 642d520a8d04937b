#!/usr/bin/env bash
# Atomic output under SIGKILL. Builds a ~150 MB checkpoint (VGG16's
# conv layers + fc7 + fc8 from build/make_vgg16), then starts `surgeon
# convert` and `surgeon run` and SIGKILLs them at KILLS random points of the
# write (default 20 each). After every kill:
#   - the target has no .index, or it is complete: `surgeon verify` accepts
#     it and its files equal a reference run (or, with --force, the previous
#     checkpoint that was there);
#   - every file under a final name (.index, .data-*, checkpoint) is complete
#     (equal to the reference or the previous checkpoint); partial content
#     only ever lives in *.tempstate* files;
#   - `checkpoint` never names a target whose .index is missing;
#   - the source is byte-identical (sha256) to before;
#   - (convert) a re-run with --force completes and removes the temporaries
#     the killed run left.
# Also checks the refusals: existing target without --force, target over the
# source (same path, symlink, ..).
#
#   tests/cli/kill_test.sh SURGEON BUILD_DIR      (exit 77: skipped)
set -uo pipefail
SURGEON=${1:?surgeon binary}
BUILD=${2:?build dir}
KILLS=${KILLS:-20}
MAKE="$BUILD/make_vgg16"
[[ -x $MAKE ]] || { echo "SKIPPED: $MAKE not built"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/surgeon-kill.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
RANDOM=${KILL_SEED:-12345}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- fixtures
"$MAKE" "$TMP/vgg" --no-meta >/dev/null || { echo "make_vgg16 failed"; exit 1; }
cat >"$TMP/small.yaml" <<YAML
source: {checkpoint: vgg/vgg_16.ckpt}
target: {checkpoint: src/model.ckpt-0, meta_graph: false}
drop: ["vgg_16/fc6/*"]
YAML
"$SURGEON" run -q "$TMP/small.yaml" >/dev/null || { echo "making the source failed"; exit 1; }
rm -rf "$TMP/vgg"
SRC="$TMP/src/model.ckpt-0"
src_sums() { (cd "$TMP/src" && sha256sum -- * | sort); }
SRC_SUMS=$(src_sums)
echo "source: $(du -sh "$TMP/src" | cut -f1)"

# Reference outputs: a complete convert, a complete run, and an "old"
# checkpoint (the conv layers only) to be replaced with --force.
"$SURGEON" convert "$SRC" "$TMP/ref_convert/model.ckpt-1" >/dev/null || exit 1
cat >"$TMP/run.yaml" <<YAML
source: {checkpoint: src/model.ckpt-0}
target: {checkpoint: TARGET, meta_graph: false}
rename: [{scope: "vgg_16/", to: "backbone/"}]
YAML
sed "s|TARGET|ref_run/model.ckpt-1|" "$TMP/run.yaml" >"$TMP/ref_run.yaml"
"$SURGEON" run -q "$TMP/ref_run.yaml" >/dev/null || exit 1
cat >"$TMP/old.yaml" <<YAML
source: {checkpoint: src/model.ckpt-0}
target: {checkpoint: old/model.ckpt-1, meta_graph: false}
keep: ["vgg_16/conv1/*"]
YAML
"$SURGEON" run -q "$TMP/old.yaml" >/dev/null || exit 1
sums() { (cd "$1" && sha256sum -- * 2>/dev/null | grep -v tempstate | sort); }
REF_CONVERT=$(sums "$TMP/ref_convert")
REF_RUN=$(sums "$TMP/ref_run")
OLD=$(sums "$TMP/old")

# Duration of a full convert, to spread the kill points over the write.
t0=$(date +%s%N)
"$SURGEON" convert "$SRC" "$TMP/timing/model.ckpt-1" >/dev/null || exit 1
t1=$(date +%s%N)
rm -rf "$TMP/timing"
DUR_MS=$(( (t1 - t0) / 1000000 ))
(( DUR_MS < 50 )) && DUR_MS=50
echo "full convert: ${DUR_MS} ms"

# check_target DIR "ALLOWED_SUMS..." LABEL: every final-named file in DIR
# must belong to one of the allowed complete checkpoints, and if an .index
# is there the whole target must be one of them and verify.
check_target() {
  local dir=$1 label=$3
  local allowed=$2
  [[ -d $dir ]] || return 0
  local f
  for f in "$dir"/*; do
    [[ -e $f ]] || continue
    case $f in *.tempstate*) continue ;; esac
    local line; line=$(cd "$dir" && sha256sum -- "$(basename "$f")")
    if ! grep -qxF "$line" <<<"$allowed"; then
      fail "$label: $(basename "$f") under its final name matches no complete checkpoint"
    fi
  done
  if [[ -e $dir/checkpoint && ! -e $dir/model.ckpt-1.index ]]; then
    fail "$label: 'checkpoint' names a target whose .index is missing"
  fi
  if [[ -e $dir/model.ckpt-1.index ]]; then
    # The checkpoint proper (.index + .data-*) must be one complete set.
    local now; now=$(sums "$dir" | grep -E '\.(index|data-[0-9]+-of-[0-9]+)$')
    local ok=0 cand
    for cand in "${@:4}"; do
      [[ $now == "$(grep -E '\.(index|data-[0-9]+-of-[0-9]+)$' <<<"$cand")" ]] && ok=1
    done
    (( ok )) || fail "$label: .index present but the target is not one complete checkpoint: $(ls "$dir" | tr '\n' ' ')"
    "$SURGEON" verify -q "$dir/model.ckpt-1" >/dev/null 2>&1 || fail "$label: verify rejects a target that has an .index"
  fi
}

# kill_at CMD... : runs CMD, SIGKILLs it after a random delay in
# [0, 1.1 x full duration]; prints the delay.
kill_at() {
  local delay_ms=$(( RANDOM * 11 * DUR_MS / 10 / 32768 ))
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "$delay_ms"
}

temps=0 complete=0 absent=0
tally() {
  local dir=$1
  if [[ -e $dir/model.ckpt-1.index ]]; then complete=$((complete + 1)); else absent=$((absent + 1)); fi
  temps=$((temps + $(ls "$dir" 2>/dev/null | grep -c tempstate)))
}

for ((i = 0; i < KILLS; i++)); do
  # convert into a fresh target
  d="$TMP/k_convert_$i"
  ms=$(kill_at "$SURGEON" convert "$SRC" "$d/model.ckpt-1")
  check_target "$d" "$REF_CONVERT" "convert kill $i at ${ms}ms" "$REF_CONVERT"
  tally "$d"
  # the next run over the killed one completes and clears its temporaries
  "$SURGEON" convert "$SRC" "$d/model.ckpt-1" --force >/dev/null 2>&1 || fail "convert after kill $i failed"
  [[ $(sums "$d") == "$REF_CONVERT" ]] || fail "convert after kill $i: target differs from the reference"
  ls "$d" | grep -q tempstate && fail "convert after kill $i left temporaries: $(ls "$d" | grep tempstate | tr '\n' ' ')"
  # convert --force over the old checkpoint
  d="$TMP/k_force_$i"
  cp -r "$TMP/old" "$d"
  ms=$(kill_at "$SURGEON" convert "$SRC" "$d/model.ckpt-1" --force)
  check_target "$d" "$REF_CONVERT"$'\n'"$OLD" "convert --force kill $i at ${ms}ms" "$REF_CONVERT" "$OLD"
  tally "$d"
  # run (rename) into a fresh target
  d="$TMP/k_run_$i"
  sed "s|TARGET|k_run_$i/model.ckpt-1|" "$TMP/run.yaml" >"$TMP/k_run_$i.yaml"
  ms=$(kill_at "$SURGEON" run -q "$TMP/k_run_$i.yaml")
  check_target "$d" "$REF_RUN" "run kill $i at ${ms}ms" "$REF_RUN"
  tally "$d"
  # run --force over the old checkpoint
  d="$TMP/k_runf_$i"
  cp -r "$TMP/old" "$d"
  sed "s|TARGET|k_runf_$i/model.ckpt-1|" "$TMP/run.yaml" >"$TMP/k_runf_$i.yaml"
  ms=$(kill_at "$SURGEON" run -q --force "$TMP/k_runf_$i.yaml")
  check_target "$d" "$REF_RUN"$'\n'"$OLD" "run --force kill $i at ${ms}ms" "$REF_RUN" "$OLD"
  tally "$d"
  rm -rf "$TMP"/k_*_"$i"
  [[ $(src_sums) == "$SRC_SUMS" ]] || fail "source modified (kill $i)"
done
echo "kills: $((4 * KILLS)); target complete after kill: $complete, absent: $absent; temp files left: $temps"

# ---- refusals
out=$("$SURGEON" convert "$SRC" "$TMP/ref_convert/model.ckpt-1" 2>&1) && fail "overwrote an existing target without --force"
grep -q -- "--force" <<<"$out" || fail "refusal does not mention --force: $out"
mkdir -p "$TMP/elsewhere"
ln -s "$TMP/src" "$TMP/srclink"
for t in "$SRC" "$TMP/srclink/model.ckpt-0" "$TMP/elsewhere/../src/model.ckpt-0" "$TMP/src//model.ckpt-0"; do
  for force in "" "--force"; do
    out=$("$SURGEON" convert "$SRC" "$t" $force 2>&1) && fail "convert wrote over the source via $t $force"
    grep -q "source" <<<"$out" || fail "refusal for $t does not explain: $out"
    sed "s|TARGET|$t|" "$TMP/run.yaml" >"$TMP/over.yaml"
    out=$("$SURGEON" run -q "$TMP/over.yaml" $force 2>&1) && fail "run wrote over the source via $t $force"
    grep -q "source" <<<"$out" || fail "run refusal for $t does not explain: $out"
  done
done
[[ $(src_sums) == "$SRC_SUMS" ]] || fail "source modified"

if (( fails )); then echo "$fails failure(s)"; exit 1; fi
echo "kill_test: OK"
