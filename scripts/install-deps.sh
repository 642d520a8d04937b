#!/usr/bin/env bash
# Installs surgeon's build and test dependencies from Debian 12 packages.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev libeigen3-dev libspdlog-dev catch2
  libisal-dev libcli11-dev nlohmann-json3-dev libsnappy-dev
  python3 python3-protobuf
)
if [[ "${SURGEON_WITH_CLANG:-0}" == 1 ]]; then
  PACKAGES+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all dependencies present"
fi

# TensorFlow's message definitions for the independent .meta checker
# (tests/independent/check_meta.py): the npm package tensorflow@0.7.0 ships
# src/interop/messages.proto, assembled from TensorFlow's own .proto files.
# Fetched once with `npm pack` into the cache dir; never committed. A machine
# without npm still installs everything else (the test then says SKIPPED).
TF_NPM_DIR="${SURGEON_CACHE:-/var/cache/surgeon}/tf-npm"
TF_PROTO="$TF_NPM_DIR/package/src/interop/messages.proto"
if [[ -f $TF_PROTO ]]; then
  :
elif ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: NOTE: npm not found; $TF_PROTO not installed (the independent meta graph test will be SKIPPED)"
else
  SUDO=""
  [[ $(id -u) -ne 0 && ! -w $(dirname "$TF_NPM_DIR") ]] && SUDO=sudo
  if $SUDO mkdir -p "$TF_NPM_DIR" &&
     (cd "$TF_NPM_DIR" && $SUDO npm pack --silent tensorflow@0.7.0 >/dev/null 2>&1 &&
      $SUDO tar xzf tensorflow-0.7.0.tgz package/src/interop/messages.proto) &&
     [[ -f $TF_PROTO ]]; then
    echo "install-deps: installed $TF_PROTO"
  else
    echo "install-deps: NOTE: could not fetch the npm package tensorflow@0.7.0; the independent meta graph test will be SKIPPED"
  fi
fi
