#!/usr/bin/env bash
# bench/run.sh: the benchmark of surgeon against cp and PyTorch (see bench/README.md).
#
#   bench/run.sh [--rounds N] [--no-big] [--sizes "GB ..."] [--shards "S ..."]
#                [--size-rounds N] [--fsync] [--clean] [--build DIR] [--init-only]
#
# Builds a Release surgeon in build-bench/, generates the VGG16 demo
# checkpoint (553 MB) under bench/work/, installs torch into a bench venv if it is missing (saying so),
# then times, interleaved and repeated with a warm page cache:
#   cp       cp of the source .data file (the floor: a kernel copy_file_range)
#   run      surgeon run bench/vgg16_to_mycls.yaml (the demo surgery; each
#            surgeon row runs a copy with an output directory of its own)
#            (on 2+ CPUs: runs of tensors moved with copy_file_range while
#            a second thread checks their CRCs)
#   run (per-tensor)  the same with --copy-path per-tensor (one pass per
#            tensor: CRC of each piece, then write; the 1-CPU default)
#   run --link    the same with --link: the target's shard 0 is a reflink or
#            hard link of the source's data file, shared tensors' CRCs are
#            checked by reading the source (mmap)
#   run --link --no-verify   the same without that check
#   new head 89.5M  surgeon run bench/vgg16_big_head.yaml: only a new
#            21,843-class truncated-normal fc8 (initializer throughput)
#   convert  surgeon convert of the checkpoint
#   verify   surgeon verify
#   inspect  surgeon inspect
#   tf Saver       bench/tf_saver_peer.py: load_checkpoint -> graph -> Saver.save
#   tf Checkpoint  bench/tf_checkpoint_peer.py: load_checkpoint -> tf.train.Checkpoint.write
#   pytorch        bench/torch_peer.py: torch.load -> new fc8 -> torch.save
# and prints medians and ratios. Then, for each size in --sizes (GB; default
# 4.4) and each shard count in --shards (default 1), it generates a VGG16 x K
# checkpoint of at least that size in that many data files, times cp, run,
# run --link, run into 1 GB data files (target.max_shard_bytes), verify,
# inspect and plan with a warm page cache and read (dd),
# cp, run, verify and inspect with a cold one (--size-rounds rounds, default
# 3), checks that peak anonymous memory stays within 64 MB + the largest new
# tensor, and deletes it. Last comes the initializer
# micro benchmark (bench/init_micro.cc: FillRandom and GenerateInitialValue
# of 89.5 M float32 samples on 1 and 2 threads); exits 1 if a target
# (bench/README.md) is missed. --init-only times only `new head` and the
# micro benchmark (no peers, no memory check). --build DIR uses the surgeon and make_vgg16
# already built in DIR (e.g. build/, RelWithDebInfo: also -O2) instead of
# building a Release tree in build-bench/: a full build takes long on a
# shared 2-core machine. --fsync adds a `run --fsync` row. --no-big skips the
# size groups. The 553 MB inputs stay in bench/work/ (git-ignored) for the
# next run unless --clean; a size group's checkpoint is always deleted.
set -euo pipefail

# The goals of bench/README.md, in bench.json's "targets"; bench.py checks them.
TARGETS='{"run_vs_cp": 1.10, "link_vs_cp": 0.10, "peer_vs_run": 10, "verify_gbs": 1.0, "inspect_s": 0.05, "init_fill2_mps": 300}'
ROUNDS=5
REPEAT=3   # passes per round; the peers run in one of them (bench.py)
SIZE_ROUNDS=3
SIZES="4.4"
SHARDS="1"
BIG=1
FSYNC=0
CLEAN=0
INIT_ONLY=0
BUILD_DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-big) BIG=0; shift ;;
    --sizes) SIZES="$2"; shift 2 ;;
    --shards) SHARDS="$2"; shift 2 ;;
    --size-rounds) SIZE_ROUNDS="$2"; shift 2 ;;
    --fsync) FSYNC=1; shift ;;
    --clean) CLEAN=1; shift ;;
    --build) BUILD_DIR="$2"; shift 2 ;;
    --init-only) INIT_ONLY=1; BIG=0; shift ;;
    -h|--help) sed -n '2,45p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-bench}"
BUILD="$(cd "$ROOT" && mkdir -p "$BUILD" && cd "$BUILD" && pwd)"
WORK="$ROOT/bench/work"   # the bench configs name paths under bench/work/
SURGEON="$BUILD/surgeon"

say() { echo "== $*"; }

# ---- build
if [[ -z "$BUILD_DIR" ]]; then
  say "building Release surgeon in $BUILD"
  LAUNCHER=""; command -v ccache >/dev/null && LAUNCHER="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release $LAUNCHER >/dev/null
  ninja -C "$BUILD" -j2 surgeon make_vgg16 init_micro >/dev/null
else
  say "using the surgeon built in $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt"))"
fi

# ---- peers: TensorFlow (the project's test venv) and PyTorch (a bench venv)
if [[ $INIT_ONLY -eq 1 ]]; then
  TF_SKIP="--init-only"; TORCH_SKIP="--init-only"; PY=python3
else
  TF_PY=/var/cache/surgeon/venv/bin/python       # tensorflow-cpu 2.21, as tests/tf use
  BENCH_VENV=/var/cache/surgeon/bench-venv       # torch from PyPI, bench/requirements.txt
  TF_SKIP=""
  if ! "$TF_PY" -c "import tensorflow" 2>/dev/null; then
    TF_SKIP="no TensorFlow in $TF_PY (scripts/test.sh installs it)"
  fi
  [[ -n "$TF_SKIP" ]] || say "tensorflow $("$TF_PY" -c 'import os; os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"; import tensorflow as tf; print(tf.__version__)' 2>/dev/null)"
  TORCH_SKIP=""
  if ! "$BENCH_VENV/bin/python" -c "import torch" 2>/dev/null; then
    # The Linux x86_64 torch wheel on PyPI is the CUDA build: about 0.55 GB
    # itself plus ~3 GB of nvidia-* wheels it depends on (CPU use works).
    say "installing bench/requirements.txt into $BENCH_VENV (torch from PyPI pulls ~3.5 GB of CUDA wheels)"
    { python3 -m venv "$BENCH_VENV" && "$BENCH_VENV/bin/pip" install -q --no-cache-dir -r "$ROOT/bench/requirements.txt"; } ||
      TORCH_SKIP="pip install -r bench/requirements.txt into $BENCH_VENV failed"
  fi
  PY="$BENCH_VENV/bin/python"
  [[ -n "$TORCH_SKIP" ]] || say "torch $("$PY" -c 'import torch; print(torch.__version__)')"
fi

# ---- space
mkdir -p "$WORK"
avail_kb=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
say "free space on $(df -P "$WORK" | awk 'NR==2 {print $6}') for $WORK: $((avail_kb / 1024 / 1024)) GB"
# small: source 0.55 + .pt 0.55 + outputs ~2 GB. A size group checks its own.
if [[ $avail_kb -lt $((3 * 1024 * 1024)) ]]; then
  echo "run.sh: less than 3 GB free in $WORK" >&2; exit 1
fi

cleanup() {
  rm -rf "$WORK/size"
  [[ $CLEAN -eq 0 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# ---- checkpoints
SRC="$WORK/vgg_16/vgg_16.ckpt"
if [[ ! -f "$SRC.index" ]]; then
  say "generating $SRC"
  "$BUILD/make_vgg16" "$WORK/vgg_16"
fi
DATA="$SRC.data-00000-of-00001"
DATA_BYTES=$(stat -c %s "$DATA")
if [[ -z "$TORCH_SKIP" && ! -f "$WORK/vgg16.pt" ]]; then
  say "writing the same tensors as a PyTorch state dict for the peer (untimed): $WORK/vgg16.pt"
  "$SURGEON" inspect --json "$SRC" >"$WORK/vgg16.json"
  "$PY" "$ROOT/bench/torch_prep.py" "$WORK/vgg16.json" "$DATA" "$WORK/vgg16.pt"
fi
# ---- harness config
# Each surgeon row writes into a directory of its own (bench/work/out-NAME),
# so that, like `cp`, it frees its own previous output just before it
# writes the same amount again. With one shared directory a row freed
# whatever the row before it had written (nothing, after the --link rows),
# and this VM hands memory that stays free back to its host at once
# (bench/README.md): the row then paid the host's page faults, by its
# position. row_config NAME prints the config for row NAME.
mkdir -p "$WORK/cfg"
row_config() {
  sed -e 's#^  checkpoint: work/vgg_16/#  checkpoint: ../vgg_16/#' -e "s#^  checkpoint: work/out/#  checkpoint: ../out-$1/#" \
    "$ROOT/bench/vgg16_to_mycls.yaml" >"$WORK/cfg/$1.yaml"
  grep -q "out-$1/" "$WORK/cfg/$1.yaml" && grep -q '\.\./vgg_16/' "$WORK/cfg/$1.yaml"
  echo "bench/work/cfg/$1.yaml"
}
FSYNC_ROW=""
if [[ $FSYNC -eq 1 ]]; then
  FSYNC_ROW=$(cat <<EOF
    {"name": "run --fsync", "bytes": $DATA_BYTES, "clean": ["bench/work/out-fsync"],
     "cmd": ["$SURGEON", "run", "-q", "--force", "--fsync", "$(row_config fsync)"]},
EOF
)
fi
HEAD_ROW=$(cat <<EOF
    {"name": "new head 89.5M", "elements": 89489691, "clean": ["bench/work/head"],
     "cmd": ["$SURGEON", "run", "-q", "--force", "bench/vgg16_big_head.yaml"]},
EOF
)
if [[ $INIT_ONLY -eq 1 ]]; then
  cat >"$WORK/bench.json" <<EOF
{
  "cwd": "$ROOT",
  "rounds": $ROUNDS,
  "repeat": $REPEAT,
  "targets": $TARGETS,
  "rows": [
${HEAD_ROW%,}
  ]
}
EOF
else
cat >"$WORK/bench.json" <<EOF
{
  "cwd": "$ROOT",
  "rounds": $ROUNDS,
  "repeat": $REPEAT,
  "targets": $TARGETS,
  "settle": {"clean": ["bench/work/settle"],
             "cmd": ["sh", "-c", "mkdir -p bench/work/settle && exec cp '$DATA' bench/work/settle/"]},
  "rows": [
    {"name": "cp", "bytes": $DATA_BYTES, "clean": ["bench/work/cp"],
     "cmd": ["sh", "-c", "mkdir -p bench/work/cp && exec cp '$DATA' bench/work/cp/"]},
    {"name": "run", "bytes": $DATA_BYTES, "clean": ["bench/work/out-run"],
     "cmd": ["$SURGEON", "run", "-q", "--force", "$(row_config run)"]},
    {"name": "run (per-tensor)", "bytes": $DATA_BYTES, "clean": ["bench/work/out-per-tensor"],
     "cmd": ["$SURGEON", "run", "-q", "--force", "--copy-path", "per-tensor", "$(row_config per-tensor)"]},
    {"name": "run --link", "bytes": $DATA_BYTES, "clean": ["bench/work/out-link"],
     "cmd": ["$SURGEON", "run", "-q", "--force", "--link", "$(row_config link)"]},
    {"name": "run --link --no-verify", "bytes": $DATA_BYTES, "clean": ["bench/work/out-link-nv"],
     "cmd": ["$SURGEON", "run", "-q", "--force", "--link", "--no-verify", "$(row_config link-nv)"]},
$FSYNC_ROW
$HEAD_ROW
    {"name": "convert", "bytes": $DATA_BYTES, "clean": ["bench/work/conv"],
     "cmd": ["$SURGEON", "convert", "--force", "bench/work/vgg_16/vgg_16.ckpt", "bench/work/conv/model.ckpt"]},
    {"name": "verify", "bytes": $DATA_BYTES,
     "cmd": ["$SURGEON", "verify", "-q", "bench/work/vgg_16/vgg_16.ckpt"]},
    {"name": "inspect",
     "cmd": ["$SURGEON", "inspect", "bench/work/vgg_16/vgg_16.ckpt"]},
    {"name": "tf Saver", "peer": true, "bytes": $DATA_BYTES, "clean": ["bench/work/tf1"], "skip": "$TF_SKIP",
     "cmd": ["$TF_PY", "bench/tf_saver_peer.py", "bench/work/vgg_16/vgg_16.ckpt", "bench/work/tf1/model.ckpt"]},
    {"name": "tf Checkpoint", "peer": true, "bytes": $DATA_BYTES, "clean": ["bench/work/tf2"], "skip": "$TF_SKIP",
     "cmd": ["$TF_PY", "bench/tf_checkpoint_peer.py", "bench/work/vgg_16/vgg_16.ckpt", "bench/work/tf2/model"]},
    {"name": "pytorch", "peer": true, "bytes": $DATA_BYTES, "clean": ["bench/work/torch"], "skip": "$TORCH_SKIP",
     "cmd": ["sh", "-c", "mkdir -p bench/work/torch && exec $PY bench/torch_peer.py bench/work/vgg16.pt bench/work/torch/out.pt"]}
  ]
}
EOF
fi

say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), $(uname -r), $(df -PT "$WORK" | awk 'NR==2 {print $2}') (run --link: reflink where it supports one, else a hard link)"
say "load: $(cut -d' ' -f1-3 /proc/loadavg)"
# ---- size groups: one generated checkpoint each, deleted after its rows.
# size_group GB SHARDS: VGG16 x K (553 MB each, K = ceil(GB / 0.553)) in
# SHARDS data files; the surgery is bench/vgg16x8_to_mycls.yaml's (new 10-way
# head on the first copy, the other copies kept), with its paths.
size_group() {
  local gb="$1" shards="$2" dir="$WORK/size"
  local copies
  copies=$(python3 -c "import math; print(max(1, math.ceil($gb * 1e9 / 553.43e6)))")
  local need_kb=$((copies * 553430 * 4 + 1024 * 1024))   # source + cp's, run's and the 1 GB files' outputs + 1 GB
  local avail_kb
  avail_kb=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
  if [[ $avail_kb -lt $need_kb ]]; then
    say "skipping $gb GB x $shards shard(s): needs $((need_kb / 1048576)) GB free, $((avail_kb / 1048576)) GB are"
    return 0
  fi
  rm -rf "$dir"
  say "generating VGG16 x $copies in $shards data file(s) under $dir (deleted after its rows)"
  "$BUILD/make_vgg16" "$dir/src" --copies "$copies" --shards "$shards" >/dev/null
  sync  # its dirty pages would otherwise be written back during the first timed command
  sed -e 's#work/vgg_16x8/#src/#' -e 's#work/out8/#out/#' \
    "$ROOT/bench/vgg16x8_to_mycls.yaml" >"$dir/surgery.yaml"
  # The same into other directories (each writing row frees its own previous
  # output, as in the main rows), and with the output in data files of at
  # most 1 GB (target.max_shard_bytes).
  sed -e 's#^  checkpoint: out/#  checkpoint: out-link/#' "$dir/surgery.yaml" >"$dir/surgery_link.yaml"
  sed -e 's#^  checkpoint: out/#  checkpoint: out-1gb/#' -e 's#^  meta_graph: true$#  meta_graph: true\n  max_shard_bytes: 1GB#' \
    "$dir/surgery.yaml" >"$dir/surgery_1gb.yaml"
  grep -q 'out-link/' "$dir/surgery_link.yaml" && grep -q 'out-1gb/' "$dir/surgery_1gb.yaml" &&
    grep -q 'max_shard_bytes: 1GB' "$dir/surgery_1gb.yaml"
  local ckpt="bench/work/size/src/vgg_16.ckpt" cfg="bench/work/size/surgery.yaml"
  local files bytes
  files=$(cd "$ROOT" && python3 -c "import glob, json; print(json.dumps(sorted(glob.glob('$ckpt.data-*'))))")
  bytes=$(cd "$ROOT" && stat -c %s "$ckpt".data-* | awk '{s += $1} END {print s}')
  # Largest newly initialized tensor: mycls/fc8/weights, [1,1,4096,10] float32.
  local limit_kb=$((64 * 1024 + 4096 * 10 * 4 / 1024))
  local cp_cmd="mkdir -p bench/work/size/cp && exec cp $ckpt.data-* bench/work/size/cp/"
  local read_cmd="for f in $ckpt.data-*; do dd if=\$f of=/dev/null bs=8M status=none; done"
  local run="[\"$SURGEON\", \"run\", \"-q\", \"--force\", \"$cfg\"]"
  local verify="[\"$SURGEON\", \"verify\", \"-q\", \"$ckpt\"]"
  local inspect="[\"$SURGEON\", \"inspect\", \"$ckpt\"]"
  cat >"$dir/group.json" <<EOF
{"cwd": "$ROOT", "rounds": $SIZE_ROUNDS, "bytes": $bytes, "limit_kb": $limit_kb, "source_files": $files,
 "label": "VGG16 x $copies (make_vgg16 --copies $copies --shards $shards)",
 "rows": [
  {"name": "cp", "cache": "warm", "bytes": $bytes, "clean": ["bench/work/size/cp"], "cmd": ["sh", "-c", "$cp_cmd"]},
  {"name": "run", "cache": "warm", "bounded": true, "bytes": $bytes, "clean": ["bench/work/size/out"], "cmd": $run},
  {"name": "run --link", "cache": "warm", "bounded": true, "bytes": $bytes, "clean": ["bench/work/size/out-link"],
   "cmd": ["$SURGEON", "run", "-q", "--force", "--link", "bench/work/size/surgery_link.yaml"]},
  {"name": "run (1 GB files)", "cache": "warm", "bounded": true, "bytes": $bytes, "clean": ["bench/work/size/out-1gb"],
   "cmd": ["$SURGEON", "run", "-q", "--force", "bench/work/size/surgery_1gb.yaml"]},
  {"name": "verify", "cache": "warm", "bounded": true, "bytes": $bytes, "cmd": $verify},
  {"name": "inspect", "cache": "warm", "bounded": true, "cmd": $inspect},
  {"name": "plan", "cache": "warm", "bounded": true, "cmd": ["$SURGEON", "plan", "$cfg"]},
  {"name": "read (cold)", "cache": "cold", "bytes": $bytes, "cmd": ["sh", "-c", "$read_cmd"]},
  {"name": "cp (cold)", "cache": "cold", "bytes": $bytes, "clean": ["bench/work/size/cp"], "cmd": ["sh", "-c", "$cp_cmd"]},
  {"name": "run (cold)", "cache": "cold", "bounded": true, "bytes": $bytes, "clean": ["bench/work/size/out"], "cmd": $run},
  {"name": "verify (cold)", "cache": "cold", "bounded": true, "bytes": $bytes, "cmd": $verify},
  {"name": "inspect (cold)", "cache": "cold", "bounded": true, "cmd": $inspect}
 ]}
EOF
  python3 "$ROOT/bench/bench.py" --size-group "$dir/group.json" || status=1
  rm -rf "$dir"
}

status=0
python3 "$ROOT/bench/bench.py" --config "$WORK/bench.json" || status=$?
if [[ $BIG -eq 1 ]]; then
  echo
  for gb in $SIZES; do
    for shards in $SHARDS; do size_group "$gb" "$shards"; done
  done
fi
if [[ -x "$BUILD/init_micro" ]]; then
  echo
  say "initializer micro benchmark (bench/init_micro.cc), load $(cut -d' ' -f1 /proc/loadavg)"
  "$BUILD/init_micro" 89468928 "$ROUNDS" f32 | tee "$WORK/init_micro.txt" || status=1
  echo
  python3 "$ROOT/bench/bench.py" --init-micro "$WORK/init_micro.txt" --config "$WORK/bench.json" || status=1
else
  say "no $BUILD/init_micro: build it with cmake --build $BUILD --target init_micro"
fi
exit $status
