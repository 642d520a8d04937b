"""TensorFlow in a crash-tolerant worker process, for the differential tests.

TensorFlow can abort or segfault on malformed input (a CHECK in its table or
bundle reader, a failed allocation). The differential runs feed it thousands
of malformed files, so TensorFlow runs here:

    python tf_worker.py     (started by TFWorker; speaks JSON lines)

The process imports TensorFlow once (a zygote) and forks a child that serves
jobs read from stdin, one JSON line each, answering one JSON line each on
stdout. When the child dies (a signal, or an exit without end of input) the
zygote prints {"crash": SIGNAL} for the job in flight and forks a fresh
child, which announces itself with {"ready": PID}. Forking costs ~50 ms,
importing TensorFlow ~8 s, so a crash costs little.

Jobs:
  {"op": "read", "path": P}    tf.train.load_checkpoint(P) and every tensor
      -> {"ok": true, "tensors": {name: [dtype enum, shape, sha256 of bytes]}}
      or {"ok": false, "error": "..."}
  {"op": "import_meta", "path": P}  tf.compat.v1.train.import_meta_graph(P)
      into a fresh tf.Graph -> {"ok": true, "nodes": N} or {"ok": false, ...}
  {"op": "exec", "code": SOURCE, "arg": ANY}   runs SOURCE, which defines
      main(arg) returning a JSON value -> {"ok": true, "value": ...}
"""

import hashlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time

# ---------------------------------------------------------------- child side


def tensor_digest(value):
    import numpy as np
    if isinstance(value, bytes):  # a scalar string comes back as bytes (np.asarray would drop trailing NULs)
        value = np.array(value, dtype=object)
    a = np.asarray(value)
    h = hashlib.sha256()
    if a.dtype == object:
        for x in a.ravel():
            b = bytes(x)
            h.update(len(b).to_bytes(8, "little") + b)
    else:
        h.update(a.dtype.str.encode() + b"\0" + a.tobytes())
    return h.hexdigest()[:32]


def read_checkpoint(path):
    from tensorflow.python.training import py_checkpoint_reader
    reader = py_checkpoint_reader.NewCheckpointReader(path)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    out = {}
    for name in sorted(dtypes):
        out[name] = [int(dtypes[name].as_datatype_enum), list(shapes[name]), tensor_digest(reader.get_tensor(name))]
    return out


def import_meta(path):
    import tensorflow as tf
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.train.import_meta_graph(path, clear_devices=True)
    return len(graph.as_graph_def().node)


_EXEC_CACHE = {}


def serve_one(job):
    op = job["op"]
    if op == "read":
        return {"ok": True, "tensors": read_checkpoint(job["path"])}
    if op == "import_meta":
        return {"ok": True, "nodes": import_meta(job["path"])}
    if op == "exec":
        code = job["code"]
        if code not in _EXEC_CACHE:
            ns = {"__name__": "tf_worker_exec"}
            exec(compile(code, "<exec job>", "exec"), ns)
            _EXEC_CACHE[code] = ns["main"]
        return {"ok": True, "value": _EXEC_CACHE[code](job.get("arg"))}
    raise ValueError(f"unknown op {op}")


def child_loop():
    # A mutated shape can ask for terabytes: let the allocation fail (TF
    # then aborts: recorded as its crash) instead of swapping the machine.
    with open("/proc/self/statm") as f:
        vm = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = vm + (int(os.environ.get("TF_WORKER_MEM_GB", "4")) << 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.write(1, (json.dumps({"ready": os.getpid()}) + "\n").encode())
    stdin = os.fdopen(0, "rb", buffering=0, closefd=False)
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = stdin.read(65536)
            if not chunk:
                os._exit(0)
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        job = json.loads(line)
        try:
            out = serve_one(job)
        except BaseException as e:  # TensorFlow's verdict: an exception is a refusal
            out = {"ok": False, "error": f"{type(e).__name__}: {e}"[:600]}
        os.write(1, (json.dumps(out) + "\n").encode())


def zygote():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow  # noqa: F401  (imported once, shared by every child)
    from tensorflow.python.training import py_checkpoint_reader  # noqa: F401
    import numpy  # noqa: F401
    while True:
        pid = os.fork()
        if pid == 0:
            child_loop()
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return  # end of input
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)
        os.write(1, (json.dumps({"crash": sig}) + "\n").encode())


# ---------------------------------------------------------------- parent side


class TFWorker:
    """One zygote + child. call(job) returns the child's answer, or
    {"crash": SIGNAL} when TensorFlow died on it, or {"timeout": seconds}."""

    def __init__(self, python=sys.executable, nice=0):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", TF_ENABLE_ONEDNN_OPTS="0")
        cmd = [python, os.path.abspath(__file__)]
        if nice:
            cmd = ["nice", "-n", str(nice)] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env)
        self.buf = b""
        self.child = None
        self.crashes = 0
        self._await_ready(timeout=300)

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError(f"TensorFlow worker exited ({self.proc.poll()})")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def _await_ready(self, timeout=60):
        msg = self._readline(timeout)
        if msg is None or "ready" not in msg:
            raise RuntimeError(f"TensorFlow worker did not start: {msg}")
        self.child = msg["ready"]

    def call(self, job, timeout=60):
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        out = self._readline(timeout)
        if out is None:  # hung: kill the child, the zygote reports it
            os.kill(self.child, signal.SIGKILL)
            self._readline(30)
            self._await_ready()
            self.crashes += 1
            return {"timeout": timeout}
        if "crash" in out:
            self.crashes += 1
            self._await_ready()
        return out

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


if __name__ == "__main__":
    zygote()
