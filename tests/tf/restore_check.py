"""One TensorFlow process that judges a checkpoint surgeon wrote against a
reference checkpoint: what `tf.train.load_checkpoint` reads from both, and,
when the checkpoint has a .meta, what `import_meta_graph` + `saver.restore`
put in its variables."""

import json

from conftest import run_python

CHECK = r"""
import json, os
import tensorflow as tf
v1 = tf.compat.v1
prefix, reference = json.loads(%r)
def values(p):
    r = tf.train.load_checkpoint(p)
    return {k: r.get_tensor(k) for k in r.get_variable_to_shape_map()}
def restore(p):
    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(p + ".meta")
        with v1.Session(graph=g) as sess:
            saver.restore(sess, p)
            assert sess.run(v1.report_uninitialized_variables()).size == 0
            return {v.op.name: sess.run(v) for v in v1.global_variables()}
restored = restore(prefix) if os.path.exists(prefix + ".meta") else {}
got, want = values(prefix), values(reference)
out = {"keys": sorted(got), "want_keys": sorted(want), "restored": sorted(restored),
       "differ": sorted(k for k in got if k in want and
                        (got[k].dtype != want[k].dtype or got[k].shape != want[k].shape or
                         got[k].tobytes() != want[k].tobytes())),
       "restored_differ": sorted(k for k, v in restored.items() if v.tobytes() != got[k].tobytes())}
print(json.dumps(out))
"""


def tf_compare(prefix, reference):
    """{keys, want_keys, restored, differ, restored_differ}: the sorted keys TF
    reads from `prefix` and from `reference`, the variables it restored from
    prefix's .meta (none without one), the keys whose dtype, shape or bytes
    differ between the two, and the restored variables that differ from what
    load_checkpoint read."""
    p = run_python(CHECK % json.dumps([prefix, reference]))
    assert p.returncode == 0, f"the TensorFlow process failed:\n{p.stderr[-4000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])
