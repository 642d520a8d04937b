"""Round-trip property: seeded random tensor sets, written by
TensorFlow and read by surgeon, written by surgeon and read by TensorFlow.

Case SEED is a set of 1-6 tensors drawn by random.Random(SEED): dtypes
float16/bfloat16/float32/float64, every int width, bool, complex64/128 and
string; shapes of rank 0-4 with zero-sized dimensions; strings of 0-40
arbitrary bytes (empty and non-UTF-8 included); float bit patterns drawn as
raw bits (NaN payloads, -0.0, subnormals, infinities). About one case in
five is written as a V1 file (tf.raw_ops.Save) instead of a V2 bundle
(tf.raw_ops.SaveV2), within the dtypes TF's V1 writer takes.

For each case:
  1. TensorFlow writes it (in a tf_worker.py worker, a batch per call);
  2. `surgeon inspect --json` lists exactly its names, dtypes and shapes;
  3. `surgeon convert` writes it as a V2 bundle (surgeon's writer);
  4. TensorFlow reads every tensor of surgeon's copy bitwise equal to the
     values it was given to write (digests compared).
"""

import hashlib
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import differential  # noqa: E402
from differential import SURGEON  # noqa: E402

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "bool", "complex64", "complex128", "string")
# tf.raw_ops.Save (TensorSliceWriter) refuses bfloat16, uint32 and uint64.
V1_DTYPES = tuple(d for d in DTYPES if d not in ("bfloat16", "uint32", "uint64"))
DT_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7, "complex64": 8,
           "int64": 9, "bool": 10, "bfloat16": 14, "uint16": 17, "complex128": 18, "float16": 19, "uint32": 22,
           "uint64": 23}
NAME_PARTS = ("w", "b", "layer", "conv1", "dense_2", "Adam", "kernel", "ü", "a b", "x.y", "_1", "9")


def case_spec(seed):
    """{"format": "v2"|"v1", "tensors": [(name, dtype, shape, value seed)]}."""
    r = random.Random(seed)
    fmt = "v1" if r.random() < 0.2 else "v2"
    names = set()
    while len(names) < r.randint(1, 6):
        names.add("/".join(r.choice(NAME_PARTS) for _ in range(r.randint(1, 3))) + f"_{r.randrange(100)}")
    tensors = []
    for name in sorted(names):
        dtype = r.choice(V1_DTYPES if fmt == "v1" else DTYPES)
        rank = r.choice((0, 0, 1, 1, 2, 3, 4))
        shape = [r.choice((0, 1, 1, 2, 3, 5, 7)) for _ in range(rank)]
        tensors.append((name, dtype, shape, r.randrange(2 ** 31)))
    return {"format": fmt, "tensors": tensors}


# Runs inside the TensorFlow worker (tf_worker.py "exec" op): writes a batch
# of cases and returns the digest of every value written; or reads back.
WORKER_CODE = r'''
import hashlib, numpy as np, tensorflow as tf
from tensorflow.python.training import py_checkpoint_reader
import tf_worker

def values(dtype, shape, seed):
    r = np.random.default_rng(seed)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == "string":
        return np.array([bytes(r.integers(0, 256, size=int(r.integers(0, 41)), dtype=np.uint8)) if r.random() < 0.9
                         else b"" for _ in range(n)], dtype=object).reshape(shape)
    if dtype == "bool":
        return r.integers(0, 2, size=n).astype(bool).reshape(shape)
    npt = tf.as_dtype(dtype).as_numpy_dtype
    width = np.dtype(npt).itemsize
    raw = r.integers(0, 256, size=n * width, dtype=np.uint8)  # every bit pattern: NaN payloads, -0.0, inf
    return raw.view(npt).reshape(shape)

def main(arg):
    out = {}
    if arg["op"] == "write":
        for job in arg["cases"]:
            names, vals, digests = [], [], {}
            for name, dtype, shape, seed in job["tensors"]:
                v = values(dtype, shape, seed)
                names.append(name)
                vals.append(tf.constant(v, dtype=tf.as_dtype(dtype)))
                digests[name] = tf_worker.tensor_digest(v)
            if job["format"] == "v1":
                tf.raw_ops.Save(filename=job["path"], tensor_names=names, data=vals)
            else:
                tf.raw_ops.SaveV2(prefix=job["path"], tensor_names=names, shape_and_slices=[""] * len(names),
                                  tensors=vals)
            out[job["path"]] = digests
    else:
        for path in arg["paths"]:
            try:
                out[path] = {k: v[2] for k, v in tf_worker.read_checkpoint(path).items()}
            except Exception as e:
                out[path] = f"{type(e).__name__}: {e}"[:500]
    return out
'''


def surgeon_pair(path, out):
    insp = subprocess.run([SURGEON, "inspect", "--json", path], capture_output=True, text=True, errors="replace")
    conv = subprocess.run([SURGEON, "convert", path, out], capture_output=True, text=True, errors="replace")
    return insp, conv


def run_batch(worker, seeds, scratch, pool):
    """Checks the cases `seeds`; returns a list of failure strings."""
    jobs = []
    for seed in seeds:
        spec = case_spec(seed)
        d = os.path.join(scratch, f"c{seed}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "model.ckpt" if spec["format"] == "v1" else "ckpt")
        jobs.append(dict(spec, path=path, seed=seed))
    w = worker.call({"op": "exec", "code": WORKER_CODE, "arg": {"op": "write", "cases": jobs}}, timeout=600)
    if not w.get("ok"):
        return [f"seeds {seeds[0]}..{seeds[-1]}: TensorFlow failed to write: {w}"]
    written = w["value"]
    outs = [os.path.join(os.path.dirname(j["path"]), "out", "c") for j in jobs]
    results = list(pool.map(lambda jo: surgeon_pair(jo[0]["path"], jo[1]), zip(jobs, outs)))
    failures = []
    to_read = []
    for job, out, (insp, conv) in zip(jobs, outs, results):
        tag = f"seed {job['seed']} ({job['format']})"
        want_meta = {n: [DT_ENUM[d], list(s)] for n, d, s, _ in job["tensors"]}
        if insp.returncode != 0:
            failures.append(f"{tag}: surgeon inspect failed: {insp.stderr.strip()[:300]}")
        else:
            got = {t["name"]: [differential.dtype_enum_fn()(t["dtype"]), t["shape"]]
                   for t in json.loads(insp.stdout)["tensors"]}
            if got != want_meta:
                failures.append(f"{tag}: inspect --json {got} != written {want_meta}")
        if conv.returncode != 0:
            failures.append(f"{tag}: surgeon convert failed: {conv.stderr.strip()[:300]}")
        else:
            to_read.append((job, out))
    back = worker.call({"op": "exec", "code": WORKER_CODE, "arg": {"op": "read", "paths": [o for _, o in to_read]}},
                       timeout=600)
    if not back.get("ok"):
        return failures + [f"seeds {seeds[0]}..{seeds[-1]}: TensorFlow failed reading surgeon's copies: {back}"]
    for job, out in to_read:
        got = back["value"][out]
        if got != written[job["path"]]:
            bad = sorted(k for k in written[job["path"]] if not isinstance(got, dict) or got.get(k) != written[job["path"]][k])
            failures.append(f"seed {job['seed']} ({job['format']}): TF reads surgeon's copy differently: "
                            f"{got if isinstance(got, str) else bad}")
    return failures


def run(start, count, batch=100, worker=None, scratch=None):
    """Checks cases start..start+count-1; returns (cases, failures)."""
    import shutil
    import tempfile
    from tf_worker import TFWorker
    own = worker is None
    worker = worker or TFWorker()
    scratch = tempfile.mkdtemp(prefix="surgeon-rt-", dir=scratch or ("/dev/shm" if os.path.isdir("/dev/shm") else None))
    failures = []
    try:
        with ThreadPoolExecutor(2) as pool:
            for b in range(start, start + count, batch):
                seeds = list(range(b, min(b + batch, start + count)))
                failures += run_batch(worker, seeds, scratch, pool)
                shutil.rmtree(scratch, ignore_errors=True)
                os.makedirs(scratch, exist_ok=True)
    finally:
        if own:
            worker.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return count, failures


if __name__ == "__main__":
    import time
    t0 = time.monotonic()
    n, fails = run(int(sys.argv[1]), int(sys.argv[2]))
    print(f"{n} cases, {len(fails)} failures, {time.monotonic() - t0:.0f} s")
    for f in fails[:50]:
        print(f)
