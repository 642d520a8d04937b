"""Several sources in one surgery (`also_from`), judged by TensorFlow 2.21.

TensorFlow trains and saves two runs of one small CNN (x [8, 8, 3] -> 3x3
conv, ReLU -> flatten -> dense head): a "pretrained" one with a 5-class head
under net/, and a "fine-tuned" one with a 3-class head and different values
under tuned/. surgeon takes the backbone from the first and the head from
the second, and TensorFlow judges the output:

  1. fresh meta graph: import_meta_graph + saver.restore in a new graph;
     every variable is bitwise its source's; logits computed on the restored
     variables equal those of a TF model built from the two sources' weights;
  2. rewrite mode ({from: source}): the pretrained run's own graph, its head
     now 3 classes wide and holding the fine-tune's values (and Momentum
     slots, taken by name), computes the same logits and runs its train op;
  3. configs/vgg16_two_sources.yaml: slim VGG16's trunk with a fine-tuned
     mycls head, every tensor bitwise its source's.

Measured numbers are printed (pytest -s).
"""

import json
import os
import re
import shutil

import numpy as np
import pytest

from conftest import REPO, run_surgeon

tf = pytest.importorskip("tensorflow")
v1 = tf.compat.v1

CONFIGS = os.path.join(REPO, "configs")
# The configs/ examples this file proves (test_journey.py checks every one is proven somewhere).
PROVEN_CONFIGS = {"vgg16_two_sources.yaml"}
# Fixed input for the logits comparison.
X = np.random.RandomState(11).standard_normal([4, 8, 8, 3]).astype(np.float32)


@pytest.fixture
def case_dir(work_dir, request):
    d = os.path.join(os.path.abspath(work_dir), "several_sources", re.sub(r"[^\w.-]", "_", request.node.name))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def forward(x, conv_kernel, conv_bias, head_kernel, head_bias):
    """The model's ops, in the order the training graph builds them."""
    h = tf.nn.relu(tf.nn.conv2d(x, conv_kernel, 1, "SAME") + conv_bias)
    h = tf.reshape(h, [-1, 8 * 8 * 4])
    return tf.add(tf.matmul(h, head_kernel), head_bias)


def write_training_run(prefix, scope, num_classes, seed, steps=2):
    """Trains the CNN under `scope` (`scope`/logits is the logits tensor) for
    `steps` Momentum steps and saves it with its meta graph (Saver, V2) at
    `prefix`-<steps>. Returns that prefix."""
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    with tf.Graph().as_default() as g:
        v1.set_random_seed(seed)
        x = v1.placeholder(tf.float32, [None, 8, 8, 3], name="x")
        labels = v1.placeholder(tf.int64, [None], name="labels")
        nonzero = v1.random_normal_initializer(stddev=0.1)
        with v1.variable_scope(scope):
            with v1.variable_scope("conv"):
                kernel = v1.get_variable("kernel", [3, 3, 3, 4])
                bias = v1.get_variable("bias", [4], initializer=nonzero)
            with v1.variable_scope("head"):
                head_kernel = v1.get_variable("kernel", [8 * 8 * 4, num_classes])
                head_bias = v1.get_variable("bias", [num_classes], initializer=nonzero)
            h = tf.reshape(tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME") + bias), [-1, 8 * 8 * 4])
            logits = tf.add(tf.matmul(h, head_kernel), head_bias, name="logits")
        loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=global_step, name="train_op")
        saver = v1.train.Saver()
        rng = np.random.RandomState(seed)
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(steps):
                sess.run(train_op, {x: rng.standard_normal([6, 8, 8, 3]), labels: rng.randint(0, num_classes, [6])})
            return saver.save(sess, prefix, global_step=global_step)


@pytest.fixture
def two_runs(case_dir):
    pretrained = write_training_run(os.path.join(case_dir, "pretrained", "model.ckpt"), "net", 5, seed=1)
    finetuned = write_training_run(os.path.join(case_dir, "finetune", "model.ckpt"), "tuned", 3, seed=2)
    return pretrained, finetuned


def run_config(case_dir, text):
    config = os.path.join(case_dir, "c.yaml")
    with open(config, "w") as f:
        f.write(text)
    report = os.path.join(case_dir, "report.json")
    run_surgeon("run", config, "--report", report)
    with open(report) as f:
        return json.load(f)


def max_diff(a, b):
    d = float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
    print(f"logits max abs diff {d:.3g} (max abs logit {float(np.max(np.abs(b))):.3g})")
    return d


def restored_values(out):
    """A new graph: import_meta_graph(out.meta), saver.restore; {variable: value}."""
    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(out + ".meta")
        variables = {v.op.name: v for v in v1.global_variables()}
        with v1.Session(graph=g) as sess:
            saver.restore(sess, out)
            assert [b.decode() for b in sess.run(v1.report_uninitialized_variables())] == []
            return {n: sess.run(v) for n, v in variables.items()}


def reference_logits(pretrained, finetuned):
    """The model built in TF from the pretrained backbone and the fine-tuned head."""
    p, f = tf.train.load_checkpoint(pretrained), tf.train.load_checkpoint(finetuned)
    return forward(tf.constant(X), p.get_tensor("net/conv/kernel"), p.get_tensor("net/conv/bias"),
                   f.get_tensor("tuned/head/kernel"), f.get_tensor("tuned/head/bias")).numpy()


def assert_bitwise(values, expected):
    """`expected`: target name -> (checkpoint prefix, key)."""
    readers = {}
    for name, (prefix, key) in expected.items():
        reader = readers.setdefault(prefix, tf.train.load_checkpoint(prefix))
        want = reader.get_tensor(key)
        assert values[name].dtype == want.dtype and values[name].shape == want.shape, name
        assert values[name].tobytes() == want.tobytes(), f"{name} is not {key} of {prefix}"


def test_1_fresh_graph_backbone_and_head_from_two_runs(case_dir, two_runs):
    pretrained, finetuned = two_runs
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    report = run_config(case_dir, f"""\
source: {pretrained}
target: {{checkpoint: {out}, meta_graph: true}}
drop_optimizer_slots: true
global_step: drop
also_from:
  - name: finetune
    checkpoint: {finetuned}
    take: ["tuned/head/*"]
    rename: [{{from: "tuned/", to: "net/"}}]
""")
    values = restored_values(out)
    expected = {"net/conv/kernel": (pretrained, "net/conv/kernel"), "net/conv/bias": (pretrained, "net/conv/bias"),
                "net/head/kernel": (finetuned, "tuned/head/kernel"), "net/head/bias": (finetuned, "tuned/head/bias")}
    assert set(values) == set(expected)
    assert_bitwise(values, expected)
    assert values["net/head/kernel"].shape == (256, 3)
    print(f"{len(values)} variables restored, {sum(k[0] == finetuned for k in expected.values())} from the fine-tune")

    # The plan says what it did: the pretrained head replaced, the fine-tune's slots left.
    dropped = {d["source"]: d["rule"] for d in report["dropped"]}
    assert dropped["net/head/kernel"].startswith("replaced by also_from[0] 'finetune' (")
    assert dropped["net/head/bias"].startswith("replaced by also_from[0] 'finetune' (")
    taken = {a["target"]: a["source"] for a in report["actions"] if a.get("source_index") == 1}
    assert taken == {"net/head/kernel": "tuned/head/kernel", "net/head/bias": "tuned/head/bias"}
    assert report["also_from"] == [{"label": "also_from[0] 'finetune'", "checkpoint": finetuned, "format": "v2"}]

    # Logits on the restored variables, by the model's own ops.
    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(out + ".meta")
        v = {var.op.name: var for var in v1.global_variables()}
        logits = forward(tf.constant(X), v["net/conv/kernel"], v["net/conv/bias"], v["net/head/kernel"],
                         v["net/head/bias"])
        with v1.Session(graph=g) as sess:
            saver.restore(sess, out)
            got = sess.run(logits)
    assert got.shape == (4, 3)
    assert max_diff(got, reference_logits(pretrained, finetuned)) <= 1e-6


def test_2_rewrite_mode_runs_the_pretrained_graph_with_the_finetuned_head(case_dir, two_runs):
    pretrained, finetuned = two_runs
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    report = run_config(case_dir, f"""\
source: {pretrained}
target: {{checkpoint: {out}, meta_graph: {{from: source}}}}
also_from:
  - name: finetune
    checkpoint: {finetuned}
    take: ["tuned/head/*", "tuned/head/*/Momentum"]   # the slots only because the pattern spells them
    rename: [{{from: "tuned/", to: "net/"}}]
""")
    taken = {a["target"] for a in report["actions"] if a.get("source_index") == 1}
    assert taken == {"net/head/kernel", "net/head/bias", "net/head/kernel/Momentum", "net/head/bias/Momentum"}
    values = restored_values(out)
    expected = {n: (pretrained, n) for n in ("net/conv/kernel", "net/conv/bias", "net/conv/kernel/Momentum",
                                             "net/conv/bias/Momentum", "global_step")}
    expected.update({n: (finetuned, n.replace("net/", "tuned/", 1)) for n in taken})
    assert set(values) == set(expected)
    assert_bitwise(values, expected)
    print(f"{len(values)} variables restored, {len(taken)} from the fine-tune")

    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(out + ".meta")
        x, labels = g.get_tensor_by_name("x:0"), g.get_tensor_by_name("labels:0")
        logits = g.get_tensor_by_name("net/logits:0")
        train_op = g.get_operation_by_name("train_op")
        loss = v1.get_collection(v1.GraphKeys.LOSSES)[0]
        with v1.Session(graph=g) as sess:
            saver.restore(sess, out)
            got = sess.run(logits, {x: X})
            _, loss_value = sess.run([train_op, loss], {x: X, labels: np.array([0, 1, 2, 1])})
            step = sess.run(v1.train.get_global_step())
    assert got.shape == (4, 3)
    assert max_diff(got, reference_logits(pretrained, finetuned)) <= 1e-6
    assert np.isfinite(loss_value)
    assert step == 3  # the pretrained run's step (2), advanced by its own train op


def test_3_config_vgg16_two_sources(case_dir, work_dir):
    import slim_vgg16
    source = slim_vgg16.write_slim_vgg16(os.path.join(os.path.abspath(work_dir), "slim_vgg16_v2", "vgg_16.ckpt"),
                                         "V2")
    # A fine-tuned mycls head: TF-written, with the slots and step a training run leaves.
    rng = np.random.default_rng(3)
    head = {"mycls/fc8/weights": rng.standard_normal([1, 1, 4096, 10]).astype(np.float32) * 0.01,
            "mycls/fc8/biases": rng.standard_normal([10]).astype(np.float32)}
    arrays = dict(head)
    arrays.update({k + "/Momentum": np.ones_like(v) for k, v in head.items()})
    arrays["global_step"] = np.int64(500)
    finetuned = os.path.join(case_dir, "finetune", "model.ckpt-500")
    names = sorted(arrays)
    tf.raw_ops.SaveV2(prefix=finetuned, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(arrays[n]) for n in names])
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    with open(os.path.join(CONFIGS, "vgg16_two_sources.yaml")) as f:
        text = f.read()
    for demo, path in (("../demo/vgg_16/vgg_16.ckpt", source), ("../demo/out/mycls/model.ckpt-500", finetuned),
                       ("../demo/out/mycls_two_sources/model.ckpt-0", out)):
        assert f"checkpoint: {demo}\n" in text
        text = text.replace(f"checkpoint: {demo}\n", f"checkpoint: {path}\n")
    run_config(case_dir, text)

    src, ft, got = (tf.train.load_checkpoint(p) for p in (source, finetuned, out))
    trunk = [k for k in slim_vgg16.variable_shapes() if not k.startswith("vgg_16/fc8/")]
    expected = {"mycls/" + k[len("vgg_16/"):]: (src, k) for k in trunk}
    expected.update({k: (ft, k) for k in head})
    assert set(got.get_variable_to_shape_map()) == set(expected)
    for name, (reader, key) in expected.items():
        assert got.get_tensor(name).tobytes() == reader.get_tensor(key).tobytes(), name
    print(f"{len(expected)} tensors bitwise equal to their sources ({len(head)} from the fine-tune)")
    with open(out + ".frozen.txt") as f:
        assert {line for line in f.read().split()} == {k for k in expected if k.startswith("mycls/conv")}


def test_4_python_dict_config_takes_also_from(case_dir, two_runs):
    surgeon = pytest.importorskip("surgeon")
    pretrained, finetuned = two_runs
    plan = surgeon.plan({"source": pretrained, "target": os.path.join(case_dir, "out", "model.ckpt-0"),
                         "also_from": [{"name": "finetune", "checkpoint": finetuned, "take": ["tuned/head/*"]}]})
    taken = {a["target"]: a["source_label"] for a in plan.actions if a.get("source_index") == 1}
    assert taken == {"tuned/head/kernel": "also_from[0] 'finetune'", "tuned/head/bias": "also_from[0] 'finetune'"}
    assert plan.data["also_from"] == [{"label": "also_from[0] 'finetune'", "checkpoint": finetuned}]
