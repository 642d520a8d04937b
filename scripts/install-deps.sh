#!/usr/bin/env bash
# Installs surgeon's build and test dependencies from Debian 12 or 13
# packages, and the Python test environment (TensorFlow as the test oracle).
# Idempotent and cheap when everything is already installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev libeigen3-dev catch2
  libisal-dev libcli11-dev nlohmann-json3-dev libsnappy-dev
  libhdf5-dev libzip-dev
  python3 python3-venv python3-dev
  # tests/tf/test_link.py formats a loop-mounted XFS image to test --link's
  # reflink path (as root; skipped elsewhere).
  xfsprogs
)
if [[ "${SURGEON_WITH_CLANG:-0}" == 1 ]]; then
  # Debian's default clang: 14 on Debian 12, 19 on Debian 13; its sanitizer
  # and libFuzzer runtimes come in the matching libclang-rt-N-dev.
  case $(cut -d. -f1 /etc/debian_version) in
    12) llvm=14 ;;
    13) llvm=19 ;;
    *) llvm=$(apt-cache depends clang 2>/dev/null | grep -o 'clang-[0-9]\+' | head -1 | cut -d- -f2) ;;
  esac
  PACKAGES+=(clang "libclang-rt-${llvm:-14}-dev")
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

# The Python test environment (tests/tf): TensorFlow 2.21 as the test oracle,
# pinned in tests/tf/requirements.txt, in a virtual environment outside the
# repository. Rebuilt only when the requirements change (a stamp holds their
# hash), so re-runs cost nothing. surgeon itself never needs any of it.
# SURGEON_TEST_ENV=0 skips it (the demo needs no Python).
[[ ${SURGEON_TEST_ENV:-1} == 0 ]] && exit 0
VENV="${SURGEON_VENV:-${SURGEON_CACHE:-/var/cache/surgeon}/venv}"
REQ="$(cd "$(dirname "$0")/.." && pwd)/tests/tf/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum <"$REQ" | cut -d' ' -f1)
if [[ -x $VENV/bin/python && -f $STAMP && $(cat "$STAMP") == "$want" ]]; then
  echo "install-deps: test environment $VENV up to date"
else
  echo "install-deps: installing tests/tf/requirements.txt into $VENV"
  if mkdir -p "$(dirname "$VENV")" && { [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"; } &&
     "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"; then
    echo "$want" >"$STAMP"
  else
    echo "install-deps: NOTE: could not install tests/tf/requirements.txt into $VENV; the TensorFlow tests will be SKIPPED"
    [[ ${CI:-} == true ]] && { echo "install-deps: CI=true requires the TensorFlow test environment" >&2; exit 1; }
  fi
fi
