"""Shared fixtures for the TensorFlow-judged tests (tests/tf).

TensorFlow 2.21 is the oracle here: it reads what surgeon writes and writes
what surgeon reads. surgeon itself is only ever run as the built binary.

Environment:
  SURGEON_BIN      the surgeon binary (default: <repo>/build/surgeon)
  SURGEON_CORPUS   the fixed corpus (default: <repo>/../shared/tf-corpus)
  SURGEON_TF_WORK  where generated checkpoints go (default: <bin dir>/tf-work)
  CI=true          a missing TensorFlow fails instead of skipping
"""

import json
import os
import re
import subprocess
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SURGEON = os.path.abspath(os.environ.get("SURGEON_BIN", os.path.join(REPO, "build", "surgeon")))
CORPUS = os.path.abspath(os.environ.get("SURGEON_CORPUS", os.path.join(os.path.dirname(REPO), "shared", "tf-corpus")))
WORK = os.path.abspath(os.environ.get("SURGEON_TF_WORK", os.path.join(os.path.dirname(SURGEON), "tf-work")))

try:
    import tensorflow as tf  # noqa: F401
    TF_ERROR = None
except Exception as e:  # pragma: no cover - depends on the machine
    tf = None
    TF_ERROR = f"{type(e).__name__}: {e}"


def pytest_collection_modifyitems(config, items):
    if TF_ERROR is None:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but TensorFlow cannot be imported: {TF_ERROR}")
    skip = pytest.mark.skip(reason=f"SKIPPED: TensorFlow not importable ({TF_ERROR})")
    for item in items:
        item.add_marker(skip)


def localized_config(config_file, source, target, path):
    """configs/<config_file> written to `path` with its ../demo source path
    (a .ckpt prefix or .h5 file) replaced by `source` and its ../demo/out
    target by `target`; each must occur exactly once."""
    with open(os.path.join(REPO, "configs", config_file)) as f:
        text = f.read()
    text, n = re.subn(r"checkpoint: \.\./demo/(?!out/)[^\n]*\.(h5|ckpt)\n", f"checkpoint: {source}\n", text)
    assert n == 1, f"{config_file}: expected one ../demo source path"
    text, n = re.subn(r"checkpoint: \.\./demo/out/\S+\n", f"checkpoint: {target}\n", text)
    assert n == 1, f"{config_file}: expected one ../demo/out target path"
    with open(path, "w") as f:
        f.write(text)
    return path


def run_surgeon(*args, check=True, cwd=None):
    """Runs the surgeon binary; returns CompletedProcess (text). check=True
    fails the test with surgeon's output when the exit status is not 0."""
    if not os.access(SURGEON, os.X_OK):
        pytest.fail(f"surgeon binary not found at {SURGEON} (build first or set SURGEON_BIN)")
    p = subprocess.run([SURGEON, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and p.returncode != 0:
        pytest.fail(f"surgeon {' '.join(map(str, args))} exited {p.returncode}\n"
                    f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def surgeon_json(*args):
    """surgeon ... --json, parsed."""
    return json.loads(run_surgeon(*args, "--json").stdout)


def run_python(code, *, timeout=600):
    """Runs Python code in a fresh interpreter (a fresh TensorFlow process,
    or one whose crash must be recorded rather than kill the test run).
    Returns CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ))


@pytest.fixture(scope="session")
def work_dir():
    os.makedirs(WORK, exist_ok=True)
    return WORK


@pytest.fixture(scope="session")
def corpus_dir():
    if not os.path.isdir(CORPUS):
        pytest.skip(f"SKIPPED: fixed corpus not found at {CORPUS}")
    return CORPUS
