"""BN-aware freeze, judged by TensorFlow 2.21: a frozen batch norm keeps its
moving statistics.

TensorFlow writes a small TF1 training graph (conv -> batch_normalization ->
conv -> batch_normalization -> dense, tf.compat.v1.layers with Keras 2, a
Momentum train op built under control_dependencies(UPDATE_OPS)) and one
training step's checkpoint, with resource variables (AssignSubVariableOp
updates) and with ref variables (VariableV2 + AssignSub, as TF 1.x). surgeon freezes bn1 by naming only its gamma and
beta; its moving statistics must follow.

  rewrite mode ({from: source}): in a fresh TF process, import_meta_graph +
  restore, then 2 training steps with training=True (so statistics update):
  bn1's gamma, beta, moving_mean and moving_variance are bitwise unchanged;
  bn2's all move, and so does conv1 (not frozen) - the control. UPDATE_OPS
  keeps only bn2's updates.

  fresh graph (meta_graph: true), source without .meta: the statistics are
  related by name; .frozen.txt lists them and they are not trainable.
"""

import json
import os
import shutil

import pytest

from conftest import run_python, run_surgeon, surgeon_json

LEGACY = 'import os\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\n'

GENERATE = LEGACY + r'''
import numpy as np, tensorflow as tf
v1 = tf.compat.v1
v1.disable_eager_execution()
prefix, resource = %r, %r
if not resource:
    v1.disable_resource_variables()  # VariableV2 + AssignSub, as TF 1.x and slim built them
g = tf.Graph()
with g.as_default():
    v1.set_random_seed(1)
    x = v1.placeholder(tf.float32, [None, 8, 8, 3], name="x")
    y = v1.placeholder(tf.float32, [None, 4], name="y")
    h = v1.layers.conv2d(x, 6, 3, padding="same", name="conv1")
    h = tf.nn.relu(v1.layers.batch_normalization(h, training=True, name="bn1"))
    h = v1.layers.conv2d(h, 5, 3, padding="same", name="conv2")
    h = tf.nn.relu(v1.layers.batch_normalization(h, training=True, name="bn2"))
    logits = v1.layers.dense(tf.reduce_mean(h, axis=[1, 2]), 4, name="head")
    loss = tf.reduce_mean(tf.square(logits - y))
    step = v1.train.get_or_create_global_step()
    with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
        v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=step, name="train")
    saver = v1.train.Saver()
    rng = np.random.default_rng(0)
    with v1.Session() as s:
        s.run(v1.global_variables_initializer())
        s.run("train", {x: rng.normal(size=(4, 8, 8, 3)), y: rng.normal(size=(4, 4))})
        saver.save(s, prefix)  # writes <prefix>.meta too
print("ok")
'''

TRAIN = LEGACY + r'''
import json, numpy as np, tensorflow as tf
v1 = tf.compat.v1
v1.disable_eager_execution()
prefix = %r
names = ["conv1/kernel"] + [f"{bn}/{v}" for bn in ("bn1", "bn2") for v in ("gamma", "beta", "moving_mean", "moving_variance")]
with tf.Graph().as_default() as g:
    saver = v1.train.import_meta_graph(prefix + ".meta")
    variables = {v.op.name: v for v in v1.global_variables()}
    rng = np.random.default_rng(1)
    with v1.Session() as s:
        saver.restore(s, prefix)
        before = s.run([variables[n] for n in names])
        for _ in range(2):
            s.run("train", {"x:0": rng.normal(size=(4, 8, 8, 3)), "y:0": rng.normal(size=(4, 4))})
        after = s.run([variables[n] for n in names])
    print(json.dumps({
        "unchanged": {n: bool(np.array_equal(b, a)) for n, b, a in zip(names, before, after)},
        "max_change": {n: float(np.max(np.abs(a - b))) for n, b, a in zip(names, before, after)},
        "update_ops": sorted(op.name for op in g.get_collection(v1.GraphKeys.UPDATE_OPS)),
        "trainable": sorted(v.op.name for v in v1.trainable_variables()),
    }))
'''

FRESH = LEGACY + r'''
import json, tensorflow as tf
v1 = tf.compat.v1
v1.disable_eager_execution()
prefix = %r
with tf.Graph().as_default():
    saver = v1.train.import_meta_graph(prefix + ".meta")
    with v1.Session() as s:
        saver.restore(s, prefix)
    print(json.dumps({"trainable": sorted(v.op.name for v in v1.trainable_variables()),
                      "variables": sorted(v.op.name for v in v1.global_variables())}))
'''


def run_tf(code):
    p = run_python(code)
    assert p.returncode == 0, p.stderr[-4000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sources(work_dir):
    """kind ("resource" | "ref" variables) -> (work dir, source prefix), made once."""
    made = {}

    def get(kind):
        if kind not in made:
            d = os.path.join(work_dir, "bn_freeze", kind)
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(os.path.join(d, "src"))
            prefix = os.path.join(d, "src", "model.ckpt")
            p = run_python(GENERATE % (prefix, kind == "resource"))
            assert p.returncode == 0, p.stderr[-4000:]
            made[kind] = d, prefix
        return made[kind]
    return get


def write_config(path, body):
    with open(path, "w") as f:
        f.write(body)
    return path


STATS = ["bn1/moving_mean", "bn1/moving_variance"]


@pytest.mark.parametrize("kind", ["resource", "ref"])
def test_rewrite_mode_frozen_batch_norm_keeps_its_statistics(sources, kind):
    d, prefix = sources(kind)
    out = os.path.join(d, "rewrite", "model.ckpt-0")
    cfg = write_config(os.path.join(d, "rewrite.yaml"), f"""
source: {prefix}
target: {{checkpoint: {out}, meta_graph: {{from: source}}}}
freeze: ["bn1/gamma", "bn1/beta"]
""")
    plan = surgeon_json("plan", cfg)
    assert len(plan["frozen_batch_norms"]) == 1
    bn = plan["frozen_batch_norms"][0]
    assert bn["layer"] == "bn1" and bn["statistics"] == STATS
    assert bn["relation"] == "graph: FusedBatchNormV3 'bn1/FusedBatchNormV3'"
    report_path = os.path.join(d, "rewrite", "report.json")
    run_surgeon("run", "-q", cfg, "--report", report_path)
    with open(report_path) as f:
        report = json.load(f)
    assert report["frozen_batch_norms"] == plan["frozen_batch_norms"]
    assert any("moving-average update(s) of frozen batch-norm statistics" in w for w in report["warnings"])
    with open(out + ".frozen.txt") as f:
        assert f.read().split() == ["bn1/beta", "bn1/gamma"] + STATS

    r = run_tf(TRAIN % out)
    unchanged = r["unchanged"]
    # Frozen: bitwise equal after 2 steps with training=True.
    for n in ["bn1/gamma", "bn1/beta"] + STATS:
        assert unchanged[n], (n, r["max_change"][n])
    # The control: the unfrozen layer and conv1 train, statistics included.
    for n in ["conv1/kernel", "bn2/gamma", "bn2/beta", "bn2/moving_mean", "bn2/moving_variance"]:
        assert not unchanged[n], n
        assert r["max_change"][n] > 0
    ops = ["bn2/AssignMovingAvg", "bn2/AssignMovingAvg_1"]
    assert r["update_ops"] == ([o + "/AssignSubVariableOp" for o in ops] if kind == "resource" else ops)
    assert "bn1/gamma" not in r["trainable"] and "bn2/gamma" in r["trainable"]
    assert not set(STATS) & set(r["trainable"])
    print(kind, "bn2 moved (max abs):", {n: r["max_change"][n] for n in r["max_change"] if n.startswith("bn2")})


def test_fresh_graph_lists_frozen_statistics_related_by_name(sources):
    d, prefix = sources("resource")
    # A source without its .meta: the statistics are related by name.
    nometa = os.path.join(d, "nometa")
    os.makedirs(nometa, exist_ok=True)
    for f in os.listdir(os.path.dirname(prefix)):
        if f.startswith("model.ckpt.") and not f.endswith(".meta"):
            shutil.copy(os.path.join(os.path.dirname(prefix), f), nometa)
    out = os.path.join(d, "fresh", "model.ckpt-0")
    cfg = write_config(os.path.join(d, "fresh.yaml"), f"""
source: {os.path.join(nometa, "model.ckpt")}
target: {{checkpoint: {out}, meta_graph: true}}
drop_optimizer_slots: true
freeze: ["bn1/gamma", "bn1/beta"]
""")
    plan = surgeon_json("plan", cfg)
    assert plan["frozen_batch_norms"][0]["relation"] == "name: scope 'bn1'"
    run_surgeon("run", "-q", cfg)
    with open(out + ".frozen.txt") as f:
        assert f.read().split() == ["bn1/beta", "bn1/gamma"] + STATS
    r = run_tf(FRESH % out)
    assert set(STATS) <= set(r["variables"])
    assert not ({"bn1/gamma", "bn1/beta"} | set(STATS)) & set(r["trainable"])
    assert {"bn2/gamma", "bn2/beta", "conv1/kernel"} <= set(r["trainable"])
