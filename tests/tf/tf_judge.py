"""Real TensorFlow's verdict on a graph + checkpoint, in a fresh process.

    python tf_judge.py JOBS.json  ->  prints one JSON result per job

Each job is {"meta": path, "prefix": path or null}. For each, in its own
tf.Graph: tf.compat.v1.train.import_meta_graph(meta); with a prefix also
saver.restore(sess, prefix) and every restored variable compared bitwise
with tf.train.load_checkpoint(prefix) (partitioned parts against their slice
of the full tensor). Run as a subprocess so that a TensorFlow crash is
recorded by the caller instead of ending the test run.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype == object or b.dtype == object:
        return [bytes(x) for x in a.ravel()] == [bytes(x) for x in b.ravel()]
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def expected_value(reader, var):
    """The checkpoint value `var` must hold after restore, or None when the
    variable's key is not a plain checkpoint key (e.g. a sanitized TF2 name)."""
    info = getattr(var, "_save_slice_info", None)
    if info is not None:
        if not reader.has_tensor(info.full_name):
            return None
        full = reader.get_tensor(info.full_name)
        index = tuple(slice(o, o + n) for o, n in zip(info.var_offset, info.var_shape))
        return full[index]
    name = var.op.name
    return reader.get_tensor(name) if reader.has_tensor(name) else None


def judge(meta, prefix):
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        saver = tf.compat.v1.train.import_meta_graph(meta, clear_devices=True)
        result = {"imported": True, "nodes": len(graph.as_graph_def().node)}
        if prefix is None:
            return result
        if saver is None:
            return dict(result, error="import_meta_graph returned no saver")
        saver.restore(sess, prefix)
        reader = tf.train.load_checkpoint(prefix)
        compared, differ = 0, []
        for var in tf.compat.v1.global_variables():
            want = expected_value(reader, var)
            if want is None:
                continue
            compared += 1
            if not same_bits(sess.run(var), want):
                differ.append(var.op.name)
        return dict(result, restored=True, compared=compared, differ=differ,
                    checkpoint_keys=len(reader.get_variable_to_shape_map()))


def main(path):
    with open(path) as f:
        jobs = json.load(f)
    for job in jobs:
        try:
            out = judge(job["meta"], job.get("prefix"))
        except Exception as e:  # TensorFlow's verdict: report it, go on
            out = {"error": f"{type(e).__name__}: {e}"[:2000]}
        print(json.dumps(dict(out, meta=job["meta"])), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
