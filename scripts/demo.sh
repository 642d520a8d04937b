#!/usr/bin/env bash
# The built-in demo: install dependencies, build, generate a slim-named
# VGG16 checkpoint (138,357,544 float32 parameters, with Momentum slots and
# global_step as a training run saves them) under demo/, and run
#   surgeon run configs/vgg16_to_mycls.yaml
# which writes demo/out/mycls/model.ckpt-0 (+ .meta, .frozen.txt, report).
set -euo pipefail
cd "$(dirname "$0")/.."
SURGEON_TEST_ENV=0 bash scripts/install-deps.sh   # the demo needs no Python
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build surgeon make_vgg16
if [[ ! -f demo/vgg_16/vgg_16.ckpt.index ]]; then
  ./build/make_vgg16 demo/vgg_16 --slots
fi
./build/surgeon inspect demo/vgg_16 | tail -n 3
./build/surgeon run configs/vgg16_to_mycls.yaml --force --report demo/out/mycls/report.json
./build/surgeon verify -q demo/out/mycls
