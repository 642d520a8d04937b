"""The user journey, judged by TensorFlow 2.21.

TensorFlow writes the source (slim's VGG16 as V1 and V2, a Keras-named
VGG16, a small training run), surgeon operates with the project's own
configs, and TensorFlow reads, runs and trains the result:

  1. a fresh TF process: import_meta_graph(out.meta) + saver.restore;
  2. copied variables are bitwise the source's, new ones follow their
     configured initializer (shape, dtype, distribution);
  3. the trunk computes what the source's trunk computed (fc7 / fc2);
  4. fine-tuning in the imported graph trains the head and nothing frozen,
     and what TF saves afterwards is read by surgeon inspect / verify;
  5. rewrite mode: the source's own training graph, edited, runs its
     original train op with the new head shape;
  6. fresh graphs: every initializer kind x float16/bfloat16/float32/float64,
     run by TF's own initializer ops.

What each config means (which names are copied, created, frozen) is written
out here from the config's semantics, not taken from surgeon's report.
"""

import json
import os
import re
import shutil

import numpy as np
import pytest
import tensorflow as tf

import keras_vgg16
import slim_vgg16
from conftest import REPO, localized_config, run_python, run_surgeon, surgeon_json

v1 = tf.compat.v1
CONFIGS = os.path.join(REPO, "configs")
BATCH = 1  # one 224x224 image: 4096 fc7 activations; a VGG16 forward pass is ~15 GFLOP


# --------------------------------------------------------------------------
# What each config must produce.

class Init:
    """A configured initializer and what its values must look like."""

    def __init__(self, kind, shape, dtype="float32", **params):
        self.kind, self.shape, self.dtype, self.params = kind, list(shape), dtype, params

    def __repr__(self):
        return f"{self.kind}{self.params} {self.dtype}{self.shape}"


class Expectation:
    def __init__(self, copies, new, frozen, model, scope, num_classes, head):
        self.copies = copies        # target -> source key
        self.new = new              # target -> Init
        self.frozen = frozen        # target names
        self.model = model          # "slim" | "keras"
        self.scope = scope
        self.num_classes = num_classes
        self.head = head            # [weights, biases] the fine-tuning loss trains

    def keys(self):
        return set(self.copies) | set(self.new)

    def trainable(self):
        floats = {k for k, i in self.new.items() if i.dtype.startswith(("float", "bfloat"))}
        return (set(self.copies) | floats) - self.frozen


SLIM_VARS = list(slim_vgg16.variable_shapes())


def keras_vars():
    names = []
    for block, convs, _ in keras_vgg16.BLOCKS:
        names += [f"block{block}_conv{i}" for i in range(1, convs + 1)]
    return [f"{layer}/{v}" for layer in names + ["fc1", "fc2", "predictions"] for v in ("kernel", "bias")]


def expect_vgg16_to_mycls():
    # keep conv*, fc6, fc7; vgg_16/ -> mycls/; new 10-way fc8; freeze mycls/conv*.
    copies = {"mycls/" + k[len("vgg_16/"):]: k for k in SLIM_VARS if re.match(r"vgg_16/(conv|fc6/|fc7/)", k)}
    new = {"mycls/fc8/weights": Init("truncated_normal", [1, 1, 4096, 10], mean=0.0, stddev=0.01),
           "mycls/fc8/biases": Init("zeros", [10])}
    frozen = {k for k in copies if k.startswith("mycls/conv")}
    return Expectation(copies, new, frozen, "slim", "mycls", 10, ["mycls/fc8/weights", "mycls/fc8/biases"])


def expect_rename_scope():
    # every model variable vgg_16/ -> backbone/, slots dropped, global_step reset.
    copies = {"backbone/" + k[len("vgg_16/"):]: k for k in SLIM_VARS}
    new = {"global_step": Init("zeros", [], "int64")}
    return Expectation(copies, new, set(), "slim", "backbone", 1000,
                       ["backbone/fc8/weights", "backbone/fc8/biases"])


def expect_keras_vgg16_to_mycls():
    # keep block*, fc1, fc2 under mycls/; new 10-way predictions; freeze mycls/block*.
    copies = {"mycls/" + k: k for k in keras_vars() if re.match(r"(block|fc1/|fc2/)", k)}
    limit = np.sqrt(6.0 / (4096 + 10))
    new = {"mycls/predictions/kernel": Init("random_uniform", [4096, 10], minval=-limit, maxval=limit),
           "mycls/predictions/bias": Init("zeros", [10])}
    frozen = {k for k in copies if k.startswith("mycls/block")}
    return Expectation(copies, new, frozen, "keras", "mycls", 10,
                       ["mycls/predictions/kernel", "mycls/predictions/bias"])


# case id -> (config file, source, expectation)
CASES = {
    "vgg16_to_mycls-V1": ("vgg16_to_mycls.yaml", "slim-V1", expect_vgg16_to_mycls),
    "vgg16_to_mycls-V2": ("vgg16_to_mycls.yaml", "slim-V2", expect_vgg16_to_mycls),
    "keras_vgg16_to_mycls": ("keras_vgg16_to_mycls.yaml", "keras", expect_keras_vgg16_to_mycls),
    "rename_scope-V1": ("rename_scope.yaml", "slim-V1", expect_rename_scope),
}


# --------------------------------------------------------------------------
# Sources (TF-written) and surgeries (surgeon), shared by the whole session.

@pytest.fixture(scope="session")
def work(work_dir):
    """The work dir as an absolute path (configs resolve paths against their own directory)."""
    return os.path.abspath(work_dir)


@pytest.fixture(scope="session")
def sources(work):
    """Lazily written TF sources: "slim-V1", "slim-V2", "keras" -> prefix."""
    made = {}

    def get(name):
        if name not in made:
            if name.startswith("slim-"):
                version = name.split("-")[1]
                made[name] = slim_vgg16.write_slim_vgg16(
                    os.path.join(work, f"slim_vgg16_{version.lower()}", "vgg_16.ckpt"), version)
            else:
                made[name] = keras_vgg16.write_keras_vgg16(os.path.join(work, "keras_vgg16", "model.ckpt"))
        return made[name]
    return get


class Surgery:
    def __init__(self, case, source, out, report, expect):
        self.case, self.source, self.out, self.report, self.expect = case, source, out, report, expect


@pytest.fixture(scope="session")
def surgeries(work, sources):
    """Lazily run `surgeon run` once per case; case id -> Surgery."""
    done = {}

    def get(case):
        if case not in done:
            config_file, source_name, expectation = CASES[case]
            case_dir = os.path.join(work, "journey", case)
            shutil.rmtree(case_dir, ignore_errors=True)
            os.makedirs(case_dir)
            source = sources(source_name)
            out = os.path.join(case_dir, "out", "model.ckpt-0")
            config = localized_config(config_file, source, out, os.path.join(case_dir, config_file))
            report = os.path.join(case_dir, "report.json")
            run_surgeon("run", config, "--report", report)
            done[case] = Surgery(case, source, out, report, expectation())
        return done[case]
    return get


def test_every_config_is_a_journey_case():
    # The value-transform examples are proven in test_transforms.py, the
    # several-sources one in test_several_sources.py.
    from test_several_sources import PROVEN_CONFIGS as SEVERAL_SOURCES
    from test_transforms import PROVEN_CONFIGS
    configs = {f for f in os.listdir(CONFIGS) if f.endswith(".yaml")}
    assert configs == {c for c, _, _ in CASES.values()} | PROVEN_CONFIGS | SEVERAL_SOURCES


# --------------------------------------------------------------------------
# Value checks.

def as_float64(a):
    return np.asarray(a).astype(np.float64)


def resolution(dtype):
    """Relative rounding of one value in `dtype` (for bounds after a cast)."""
    return {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23}.get(dtype, 2.0 ** -52)


def fans(shape):
    # init_ops._compute_fans
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def expected_distribution(init):
    """(kind, a, b) with kind constant(value) | uniform(lo, hi) |
    normal(mean, std) | truncated(mean, stddev parameter) | orthogonal(gain)."""
    k, p, shape = init.kind, init.params, init.shape
    if k == "zeros":
        return "constant", 0.0, None
    if k == "ones":
        return "constant", 1.0, None
    if k == "constant":
        return "constant", p.get("value", 0.0), None
    if k == "random_normal":
        return "normal", p.get("mean", 0.0), p.get("stddev", 1.0)
    if k == "truncated_normal":
        return "truncated", p.get("mean", 0.0), p.get("stddev", 1.0)
    if k == "random_uniform":
        return "uniform", p.get("minval", 0.0), p.get("maxval", 1.0)
    if k == "orthogonal":
        return "orthogonal", p.get("gain", 1.0), None
    scale, mode, dist = {
        "glorot_uniform": (1.0, "fan_avg", "uniform"), "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
        "he_uniform": (2.0, "fan_in", "uniform"), "he_normal": (2.0, "fan_in", "truncated_normal"),
        "lecun_uniform": (1.0, "fan_in", "uniform"), "lecun_normal": (1.0, "fan_in", "truncated_normal"),
        "variance_scaling": (p.get("scale", 1.0), p.get("mode", "fan_in"),
                             p.get("distribution", "truncated_normal")),
    }[k]
    fan_in, fan_out = fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / max(1.0, n)
    if dist == "uniform":
        limit = np.sqrt(3.0 * variance)
        return "uniform", -limit, limit
    if dist == "untruncated_normal":
        return "normal", 0.0, np.sqrt(variance)
    # init_ops.VarianceScaling: truncated at 2 stddev, stddev corrected by
    # the truncated normal's std (0.87962566103423978).
    return "truncated", 0.0, np.sqrt(variance) / 0.87962566103423978


TRUNCATED_STD = 0.87962566103423978  # std of N(0,1) truncated to [-2, 2]


def check_distribution(values, init, what):
    """Asserts `values` (any float dtype) look like `init` on its shape.
    Tolerances: sample mean within 6 standard errors, sample std within
    6 standard errors of a std estimate plus the dtype's rounding; bounds
    widened by the dtype's rounding."""
    x = as_float64(values).ravel()
    kind, a, b = expected_distribution(init)
    eps = resolution(init.dtype)
    n = x.size
    if kind == "constant":
        assert np.all(x == a), f"{what}: expected all {a}, got {np.unique(x)[:5]}"
        return
    if kind == "orthogonal":
        rows = int(np.prod(init.shape[:-1]))
        cols = init.shape[-1]
        m = x.reshape(rows, cols)
        gram = m.T @ m if rows >= cols else m @ m.T
        tol = 1e-4 if init.dtype in ("float32", "float64") else 50 * eps
        err = np.max(np.abs(gram - a * a * np.eye(gram.shape[0])))
        assert err <= tol * a * a * np.sqrt(max(rows, cols)), f"{what}: not orthogonal with gain {a}: max |G - g^2 I| {err}"
        return
    if kind == "uniform":
        lo, hi = a, b
        slack = eps * max(abs(lo), abs(hi))
        assert x.min() >= lo - slack and x.max() <= hi + slack, f"{what}: outside [{lo}, {hi}]: {x.min()} {x.max()}"
        mean, std = (lo + hi) / 2, (hi - lo) / np.sqrt(12)
    elif kind == "normal":
        mean, std = a, b
    else:  # truncated
        mean, std = a, b * TRUNCATED_STD
        slack = 2 * b * (1 + eps) + abs(a) * eps
        assert np.all(np.abs(x - a) <= slack), f"{what}: beyond 2 stddev of {a}: {x.min()} {x.max()}"
    assert abs(x.mean() - mean) <= 6 * std / np.sqrt(n) + eps * abs(mean), \
        f"{what}: mean {x.mean()} != {mean} (n={n})"
    assert abs(x.std() / std - 1) <= 6 / np.sqrt(n) + 2 * eps, f"{what}: std {x.std()} != {std} (n={n})"


# --------------------------------------------------------------------------
# Models in TF.

def fixed_images():
    return np.random.RandomState(1234).uniform(0, 1, [BATCH, 224, 224, 3]).astype(np.float32)


def build_model(kind, images, num_classes, scope):
    if kind == "slim":
        logits, end_points = slim_vgg16.vgg_16(images, num_classes, scope)
        return tf.reshape(end_points["fc7"], [-1, 4096]), logits
    logits, end_points = keras_vgg16.keras_vgg16(images, num_classes, scope)
    return end_points["fc2"], logits


def model_outputs(kind, prefix, num_classes, scope):
    """Builds the model, restores every one of its variables from `prefix`
    (names = checkpoint keys), and returns (trunk, logits) on fixed_images()."""
    with tf.Graph().as_default() as g:
        images = tf.constant(fixed_images())
        trunk, logits = build_model(kind, images, num_classes, scope)
        saver = v1.train.Saver(v1.global_variables())
        with v1.Session(graph=g) as sess:
            saver.restore(sess, prefix)
            return sess.run([trunk, logits])


@pytest.fixture(scope="session")
def source_outputs(sources):
    cache = {}
    scopes = {"slim": "vgg_16", "keras": None}

    def get(source_name):
        if source_name not in cache:
            kind = source_name.split("-")[0]
            cache[source_name] = model_outputs(kind, sources(source_name), 1000, scopes[kind])
        return cache[source_name]
    return get


# --------------------------------------------------------------------------
# 1. A fresh TF process imports the graph and restores the checkpoint.

IMPORT_AND_RESTORE = r"""
import json
import tensorflow as tf
v1 = tf.compat.v1
results = {}
for case, meta, prefix in json.loads(%r):
    try:
        with tf.Graph().as_default() as g:
            saver = v1.train.import_meta_graph(meta)
            with v1.Session(graph=g) as sess:
                saver.restore(sess, prefix)
                results[case] = {
                    "variables": sorted(v.op.name for v in v1.global_variables()),
                    "trainable": sorted(v.op.name for v in v1.trainable_variables()),
                    "global_step": [t.op.name for t in v1.get_collection(v1.GraphKeys.GLOBAL_STEP)],
                    "uninitialized": [x.decode() for x in sess.run(v1.report_uninitialized_variables())],
                }
    except Exception as e:
        results[case] = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps(results))
"""


def import_and_restore_in_fresh_process(cases):
    """[(case, meta, prefix)] -> {case: what TF saw, or {"error": ...}}: one
    fresh TF process (TF's start-up is seconds), each case in its own graph."""
    p = run_python(IMPORT_AND_RESTORE % json.dumps(cases))
    assert p.returncode == 0, f"the TensorFlow process failed:\n{p.stderr[-4000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def fresh_process_restores(surgeries, no_source_graph_out):
    cases = [(c, surgeries(c).out + ".meta", surgeries(c).out) for c in CASES]
    cases.append(("no-source-graph", no_source_graph_out + ".meta", no_source_graph_out))
    return import_and_restore_in_fresh_process(cases)


@pytest.mark.parametrize("case", CASES)
def test_1_fresh_tf_process_imports_and_restores(case, surgeries, fresh_process_restores):
    s = surgeries(case)
    got = fresh_process_restores[case]
    assert "error" not in got, f"TensorFlow could not import/restore {s.out}: {got.get('error')}"
    assert got["uninitialized"] == []
    assert set(got["variables"]) == s.expect.keys()
    assert set(got["trainable"]) == s.expect.trainable()
    assert got["global_step"] == (["global_step"] if "global_step" in s.expect.keys() else [])


# --------------------------------------------------------------------------
# 2. Copies are bitwise, new variables follow their initializer.

@pytest.mark.parametrize("case", CASES)
def test_2_copies_bitwise_and_new_variables_follow_initializer(case, surgeries):
    s = surgeries(case)
    out = tf.train.load_checkpoint(s.out)
    src = tf.train.load_checkpoint(s.source)
    out_shapes = out.get_variable_to_shape_map()
    out_dtypes = out.get_variable_to_dtype_map()
    assert set(out_shapes) == s.expect.keys()
    src_dtypes = src.get_variable_to_dtype_map()
    for target, source in s.expect.copies.items():
        a, b = out.get_tensor(target), src.get_tensor(source)
        assert out_dtypes[target] == src_dtypes[source], target
        assert a.shape == b.shape, target
        assert a.tobytes() == b.tobytes(), f"{target} differs from {source}"
    for target, init in s.expect.new.items():
        assert out_dtypes[target].name == init.dtype, target
        assert list(out_shapes[target]) == init.shape, target
        check_distribution(out.get_tensor(target), init, target)


# --------------------------------------------------------------------------
# 3. The trunk computes what the source's trunk computed.

@pytest.mark.parametrize("case", CASES)
def test_3_trunk_function_preserved(case, surgeries, source_outputs):
    s = surgeries(case)
    e = s.expect
    src_trunk, src_logits = source_outputs(CASES[case][1])
    # A trunk of zeros (dead ReLUs) would prove nothing.
    assert np.mean(src_trunk > 0) > 0.05 and np.std(src_trunk) > 1e-3
    trunk, logits = model_outputs(e.model, s.out, e.num_classes, e.scope)
    # Same weights, same ops, same input: equal up to kernel scheduling (1e-5).
    assert np.max(np.abs(trunk - src_trunk)) <= 1e-5
    # The head TF restored is the head surgeon wrote, in the layout TF uses.
    out = tf.train.load_checkpoint(s.out)
    w = out.get_tensor(e.head[0]).reshape(-1, e.num_classes)
    expected = trunk.astype(np.float64) @ w + out.get_tensor(e.head[1])
    assert np.max(np.abs(logits - expected)) <= 1e-4 * max(1.0, np.max(np.abs(expected)))
    if not e.new.keys() & set(e.head):  # the head was copied too
        assert np.max(np.abs(logits - src_logits)) <= 1e-4 * max(1.0, np.max(np.abs(src_logits)))


# --------------------------------------------------------------------------
# 4. Fine-tuning in the imported graph.

BITS = {1: tf.int8, 2: tf.int16, 4: tf.int32, 8: tf.int64}


def unchanged_since_checkpoint(variables, prefix):
    """{name: whether the variable still holds, bit for bit, what `prefix`
    stores under its name}, compared inside TF (RestoreV2 + bitcast) so
    that 553 MB are not copied into Python twice."""
    same = {}
    for name, v in variables.items():
        dtype = v.dtype.base_dtype
        stored = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=[name], shape_and_slices=[""], dtypes=[dtype])[0]
        bits = BITS[dtype.size] if dtype.is_floating else dtype
        same[name] = tf.reduce_all(tf.equal(tf.bitcast(tf.identity(v), bits), tf.bitcast(stored, bits)))
    return same


def fine_tune(meta, prefix, head, num_classes, tuned_prefix, steps=2):
    """Imports the graph, restores, and trains the trainable_variables
    collection for `steps` gradient descent steps on a softmax loss over the
    head (fed fixed features) plus an L2 term over every float variable, so
    that every variable, frozen or not, gets a gradient. Saves with a new TF
    Saver at `tuned_prefix`. Returns ({variable: unchanged?}, losses)."""
    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(meta)
        variables = {v.op.name: v for v in v1.global_variables()}
        rng = np.random.RandomState(7)
        features = tf.constant(rng.standard_normal([4, 4096]).astype(np.float32))
        labels = tf.constant(np.arange(4) % num_classes)
        w, b = variables[head[0]], variables[head[1]]
        logits = tf.matmul(features, tf.reshape(w, [4096, num_classes])) + b
        loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
        floats = [v for v in variables.values() if v.dtype.base_dtype.is_floating]
        loss += 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in floats])
        train = v1.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=v1.trainable_variables())
        unchanged = unchanged_since_checkpoint(variables, prefix)
        with v1.Session(graph=g) as sess:
            saver.restore(sess, prefix)
            losses = [sess.run([train, loss])[1] for _ in range(steps)]
            same = sess.run(unchanged)
            v1.train.Saver().save(sess, tuned_prefix)
    return same, losses


@pytest.mark.parametrize("case", CASES)
def test_4_fine_tuning_trains_head_keeps_frozen(case, surgeries):
    s = surgeries(case)
    e = s.expect
    tuned = os.path.join(os.path.dirname(os.path.dirname(s.out)), "tuned", "model.ckpt-2")
    same, losses = fine_tune(s.out + ".meta", s.out, e.head, e.num_classes, tuned)
    assert all(np.isfinite(losses)), losses
    assert set(same) == e.keys()
    trainable = e.trainable()
    for name, unchanged in same.items():
        if name in trainable:
            assert not unchanged, f"{name} is trainable but did not change"
        else:  # frozen, or not a float (global_step)
            assert unchanged, f"{name} is not trainable but changed"
    # surgeon reads what TF wrote (its checkpoint and its re-exported graph).
    listing = surgeon_json("inspect", tuned)
    tf_shapes = dict(tf.train.list_variables(tuned))
    assert {t["name"]: t["shape"] for t in listing["tensors"]} == {k: list(v) for k, v in tf_shapes.items()}
    assert {t["name"] for t in listing["tensors"]} == e.keys()
    graph_trainable = {v["name"] for v in listing["meta_graph"]["variables"] if v["trainable"]}
    assert graph_trainable == trainable
    run_surgeon("verify", tuned)
    shutil.rmtree(os.path.dirname(tuned))  # 553 MB nothing else reads (kept when a check fails)


# --------------------------------------------------------------------------
# 5. Rewrite mode: the source's own training graph, with a new head shape.

def write_small_training_run(prefix, use_resource, steps=3, write_meta_graph=True):
    """A TF1 training run: net/dense1 (8 -> 16, ReLU) and net/head (16 -> 5),
    softmax loss, global_step, Momentum train op named "train_op", loss and
    histogram summaries merged; trained `steps` steps (so the slots hold
    values) and saved at `prefix`-<steps>. Returns that prefix."""
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    with tf.Graph().as_default() as g:
        v1.set_random_seed(3)
        x = v1.placeholder(tf.float32, [None, 8], name="x")
        labels = v1.placeholder(tf.int64, [None], name="labels")
        with v1.variable_scope("net", use_resource=use_resource):
            with v1.variable_scope("dense1"):
                kernel = v1.get_variable("kernel", [8, 16])
                bias = v1.get_variable("bias", [16], initializer=v1.zeros_initializer())
            h = tf.nn.relu(tf.matmul(x, kernel) + bias)
            with v1.variable_scope("head"):
                head_kernel = v1.get_variable("kernel", [16, 5])
                head_bias = v1.get_variable("bias", [5], initializer=v1.zeros_initializer())
            logits = tf.add(tf.matmul(h, head_kernel), head_bias, name="logits")
        loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
        with v1.variable_scope("", use_resource=use_resource):
            global_step = v1.train.get_or_create_global_step()
        v1.summary.scalar("loss", loss)
        v1.summary.histogram("head_kernel", head_kernel)
        v1.summary.merge_all(name="summaries")
        train_op = v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=global_step, name="train_op")
        saver = v1.train.Saver()
        rng = np.random.RandomState(5)
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(steps):
                sess.run(train_op, {x: rng.standard_normal([6, 8]), labels: rng.randint(0, 5, [6])})
            return saver.save(sess, prefix, global_step=global_step, write_meta_graph=write_meta_graph)


def write_config(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


REWRITE_CONFIG = """\
source: {{checkpoint: {source}}}
target: {{checkpoint: {target}, meta_graph: {{from: source}}}}
seed: 11
drop: ["net/head/*"]
rename:
  - {{from: "net/dense1/", to: "net/trunk/"}}
new:
  - {{name: net/head/kernel, shape: [16, 3], initializer: glorot_uniform}}
  - {{name: net/head/bias, shape: [3], initializer: zeros}}
  - {{name: net/head/kernel/Momentum, shape: [16, 3], initializer: zeros, trainable: false}}
  - {{name: net/head/bias/Momentum, shape: [3], initializer: zeros, trainable: false}}
"""


@pytest.mark.parametrize("freeze", [False, True], ids=["train-all", "freeze-trunk"])
@pytest.mark.parametrize("variables", ["ref", "resource"])
def test_5_rewrite_mode_runs_original_train_op(variables, freeze, work):
    case_dir = os.path.join(work, "journey", f"rewrite-{variables}-{'freeze' if freeze else 'all'}")
    shutil.rmtree(case_dir, ignore_errors=True)
    source = write_small_training_run(os.path.join(case_dir, "run", "model.ckpt"), variables == "resource")
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    text = REWRITE_CONFIG.format(source=source, target=out) + ('freeze: ["net/trunk/*"]\n' if freeze else "")
    run_surgeon("run", write_config(os.path.join(case_dir, "rewrite.yaml"), text))

    src = tf.train.load_checkpoint(source)
    ckpt = tf.train.load_checkpoint(out)
    assert src.get_tensor("global_step") == 3
    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(out + ".meta")
        variables_by_name = {v.op.name: v for v in v1.global_variables()}
        train_op = g.get_operation_by_name("train_op")
        x, labels = g.get_tensor_by_name("x:0"), g.get_tensor_by_name("labels:0")
        logits, summaries = g.get_tensor_by_name("net/logits:0"), g.get_tensor_by_name("summaries/summaries:0")
        loss = v1.get_collection(v1.GraphKeys.LOSSES)[0]
        assert train_op in v1.get_collection(v1.GraphKeys.TRAIN_OP)
        trainable = {v.op.name for v in v1.trainable_variables()}
        with v1.Session(graph=g) as sess:
            saver.restore(sess, out)
            assert [b.decode() for b in sess.run(v1.report_uninitialized_variables())] == []
            values = {n: sess.run(v) for n, v in variables_by_name.items()}
            assert set(values) == set(ckpt.get_variable_to_shape_map())
            for name in ("net/trunk/kernel", "net/trunk/bias", "net/trunk/kernel/Momentum"):
                assert values[name].tobytes() == src.get_tensor(name.replace("trunk", "dense1")).tobytes(), name
            assert values["net/head/kernel"].tobytes() == ckpt.get_tensor("net/head/kernel").tobytes()
            assert values["net/head/kernel"].shape == (16, 3)
            rng = np.random.RandomState(6)
            feed = {x: rng.standard_normal([4, 8]), labels: np.array([0, 1, 2, 1])}
            _, loss_value, logits_value, summary = sess.run([train_op, loss, logits, summaries], feed)
            assert np.isfinite(loss_value) and logits_value.shape == (4, 3)
            assert v1.Summary.FromString(summary).value  # the merged summaries ran
            after = {n: sess.run(v) for n, v in variables_by_name.items()}
    assert after["global_step"] == 4
    assert trainable == {"net/head/kernel", "net/head/bias"} | (set() if freeze else {"net/trunk/kernel", "net/trunk/bias"})
    for name in ("net/head/kernel", "net/head/bias", "net/head/kernel/Momentum"):
        assert not np.array_equal(after[name], values[name]), f"the train op did not update {name}"
    for name in ("net/trunk/kernel", "net/trunk/kernel/Momentum"):
        # Frozen: the source's own train op must leave the trunk bitwise alone.
        assert np.array_equal(after[name], values[name]) == freeze, f"{name} (frozen: {freeze})"


# --------------------------------------------------------------------------
# 6. Fresh graphs: every initializer kind x float dtype, run by TF.

FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"]
CONV = [3, 3, 32, 64]
INITIALIZERS = {  # id -> (config initializer, Init kind, params, shape)
    "zeros": ("zeros", "zeros", {}, CONV),
    "ones": ("ones", "ones", {}, CONV),
    "constant": ("{type: constant, value: 0.5}", "constant", {"value": 0.5}, CONV),
    "random_normal": ("{type: random_normal, mean: 0.5, stddev: 2.0}", "random_normal",
                      {"mean": 0.5, "stddev": 2.0}, CONV),
    "truncated_normal": ("{type: truncated_normal, mean: -0.25, stddev: 0.5}", "truncated_normal",
                         {"mean": -0.25, "stddev": 0.5}, CONV),
    "random_uniform": ("{type: random_uniform, minval: -0.3, maxval: 0.7}", "random_uniform",
                       {"minval": -0.3, "maxval": 0.7}, CONV),
    "glorot_uniform": ("glorot_uniform", "glorot_uniform", {}, CONV),
    "glorot_normal": ("glorot_normal", "glorot_normal", {}, CONV),
    "he_uniform": ("he_uniform", "he_uniform", {}, CONV),
    "he_normal": ("he_normal", "he_normal", {}, CONV),
    "lecun_uniform": ("lecun_uniform", "lecun_uniform", {}, CONV),
    "lecun_normal": ("lecun_normal", "lecun_normal", {}, CONV),
    "variance_scaling": ("variance_scaling", "variance_scaling", {}, CONV),
    "variance_scaling_fan_out_uniform": ("{type: variance_scaling, scale: 3.0, mode: fan_out, distribution: uniform}",
                                         "variance_scaling", {"scale": 3.0, "mode": "fan_out",
                                                              "distribution": "uniform"}, CONV),
    "variance_scaling_fan_avg_untruncated": (
        "{type: variance_scaling, scale: 0.5, mode: fan_avg, distribution: untruncated_normal}",
        "variance_scaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}, CONV),
    "orthogonal": ("{type: orthogonal, gain: 1.5}", "orthogonal", {"gain": 1.5}, CONV),
    "orthogonal_wide": ("orthogonal", "orthogonal", {}, [16, 64]),  # rows < cols: transposed
}


def initializer_variable(init_id, dtype):
    return f"init/{init_id}/{dtype}"


def initializer_config(source, target):
    lines = [f"source: {{checkpoint: {source}}}", f"target: {{checkpoint: {target}, meta_graph: true}}",
             "seed: 5", "drop_optimizer_slots: true", "new:"]
    for init_id, (spec, _, _, shape) in INITIALIZERS.items():
        for dtype in FLOAT_DTYPES:
            lines.append(f"  - {{name: {initializer_variable(init_id, dtype)}, shape: {shape}, dtype: {dtype}, "
                         f"initializer: {spec}}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fresh_initializers(work):
    """Runs the all-initializers surgery once; returns (checkpoint reader,
    {variable: value from TF's own initializer op}, {variable: dtype name})."""
    case_dir = os.path.join(work, "journey", "initializers")
    shutil.rmtree(case_dir, ignore_errors=True)
    source = write_small_training_run(os.path.join(case_dir, "run", "model.ckpt"), use_resource=False)
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    run_surgeon("run", write_config(os.path.join(case_dir, "init.yaml"), initializer_config(source, out)))
    with tf.Graph().as_default() as g:
        v1.train.import_meta_graph(out + ".meta")
        variables = {v.op.name: v for v in v1.global_variables() if v.op.name.startswith("init/")}
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            values = sess.run(variables)
    dtypes = {n: v.dtype.base_dtype.name for n, v in variables.items()}
    return tf.train.load_checkpoint(out), values, dtypes


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("init_id", INITIALIZERS)
def test_6_fresh_graph_initializer_ops(init_id, dtype, fresh_initializers):
    ckpt, tf_values, tf_dtypes = fresh_initializers
    _, kind, params, shape = INITIALIZERS[init_id]
    init = Init(kind, shape, dtype, **params)
    name = initializer_variable(init_id, dtype)
    assert tf_dtypes[name] == dtype
    assert list(tf_values[name].shape) == shape
    check_distribution(tf_values[name], init, f"{name} as TF's initializer op made it")
    assert ckpt.get_variable_to_dtype_map()[name].name == dtype
    check_distribution(ckpt.get_tensor(name), init, f"{name} as surgeon wrote it")


# --------------------------------------------------------------------------
# The fresh .meta's TensorFlow version is the source graph's, not made up.

def meta_info(path):
    mg = v1.MetaGraphDef()
    with open(path, "rb") as f:
        mg.ParseFromString(f.read())
    return mg.meta_info_def


@pytest.mark.parametrize("case", ["vgg16_to_mycls-V2", "keras_vgg16_to_mycls"])
def test_fresh_meta_carries_source_tensorflow_version(case, surgeries):
    s = surgeries(case)
    source, out = meta_info(s.source + ".meta"), meta_info(s.out + ".meta")
    assert source.tensorflow_version == tf.__version__
    assert out.tensorflow_version == source.tensorflow_version
    assert out.tensorflow_git_version == source.tensorflow_git_version


@pytest.fixture(scope="session")
def no_source_graph_out(work):
    """A fresh-graph surgery of a TF-written checkpoint saved without .meta."""
    case_dir = os.path.join(work, "journey", "no-source-graph")
    shutil.rmtree(case_dir, ignore_errors=True)
    source = write_small_training_run(os.path.join(case_dir, "run", "model.ckpt"), False, write_meta_graph=False)
    assert not os.path.exists(source + ".meta")
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    run_surgeon("run", write_config(os.path.join(case_dir, "c.yaml"),
                                    f"source: {{checkpoint: {source}}}\ntarget: {{checkpoint: {out}}}\n"))
    return out


def test_fresh_meta_without_source_graph_uses_documented_version(no_source_graph_out, fresh_process_restores):
    version = meta_info(no_source_graph_out + ".meta").tensorflow_version
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    assert re.search(r"`tensorflow_version`[^\n]*" + re.escape(version), readme), \
        f"README does not document the fixed tensorflow_version {version!r}"
    got = fresh_process_restores["no-source-graph"]
    assert got.get("uninitialized") == [], got
