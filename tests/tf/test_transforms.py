"""Value transforms, judged by what TensorFlow computes.

TensorFlow writes a source checkpoint (tf.raw_ops.SaveV2), surgeon reshapes,
re-indexes class rows or maps input channels, and TensorFlow reads the
output (tf.train.load_checkpoint) and runs the target model on the same
input as the source model. The assertion is on the activations:

- reshape: a fully-convolutional VGG-like net built from reshaped Dense
  weights gives the Dense model's logits, for a channels_last (hwc) and a
  channels_first (chw, PyTorch-ordered: the Dense weight's rows follow a
  flatten of the NCHW activation, the conv kernels are stored OIHW) source;
- classes: a subset of classes gives the source logits column for column;
  added classes leave the old classes' logits unchanged;
- input_channels: a gray image through the summed 1-channel model equals the
  RGB model on the image replicated to 3 channels; RGB + a zero depth channel
  gives the RGB model's output.
- configs/keras_vgg16_to_slim.yaml: Keras VGG16 weights (.weights.h5 from
  tf.keras.applications.VGG16) -> slim's vgg_16; slim's fc7 equals Keras' fc2.

The models are small (VGG-like: two conv blocks to a 7x7 map) so the file runs
in seconds; the Keras case is the full VGG16.
"""

import os
import re
import shutil

import numpy as np
import pytest

from conftest import REPO, localized_config, run_surgeon

tf = pytest.importorskip("tensorflow")

CONFIGS = os.path.join(REPO, "configs")
# The configs/ examples this file proves (test_journey.py proves the others).
PROVEN_CONFIGS = {"keras_vgg16_to_slim.yaml", "slim_vgg16_to_keras.yaml", "vgg16_fc_to_dense.yaml", "vgg16_classes_by_label.yaml",
                  "vgg16_rgb_to_gray.yaml", "vgg16_rgb_to_rgbd.yaml"}
# float32 activations computed in two different op orders (conv vs matmul,
# summed vs separate channels): the sums differ in rounding only.
TOLERANCE = 1e-4


@pytest.fixture
def case_dir(work_dir, request):
    d = os.path.join(work_dir, "transforms", re.sub(r"[^\w.-]", "_", request.node.name))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def save_v2(prefix, arrays):
    names = sorted(arrays)
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(arrays[n]) for n in names])
    return prefix


def load(prefix):
    r = tf.train.load_checkpoint(prefix)
    return {n: r.get_tensor(n) for n in r.get_variable_to_shape_map()}


def surgery(case_dir, source, body, files=None):
    """Runs surgeon on `source` with the config `body`; returns the output's tensors and the report."""
    for name, text in (files or {}).items():
        with open(os.path.join(case_dir, name), "w") as f:
            f.write(text)
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    config = os.path.join(case_dir, "c.yaml")
    with open(config, "w") as f:
        f.write(f"source: {source}\ntarget: {out}\nseed: 15\n{body}")
    report = os.path.join(case_dir, "report.json")
    run_surgeon("run", config, "--report", report)
    import json
    with open(report) as f:
        return load(out), json.load(f)


def rng_arrays(seed, shapes):
    rng = np.random.default_rng(seed)
    return {n: (rng.standard_normal(s) * np.sqrt(2.0 / np.prod(s[:-1]))).astype(np.float32) for n, s in shapes.items()}


def max_diff(a, b):
    """Max abs difference; printed (pytest -s) so the numbers can be quoted."""
    d = float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
    print(f"max abs diff {d:.3g} (max abs value {float(np.max(np.abs(b))):.3g})")
    return d


# --------------------------------------------------------------------------
# 1. reshape: Dense <-> conv with a stated flatten order, OIHW -> HWIO.

def trunk(x, w, layout):
    """Two VGG blocks: 28x28xC -> 7x7x16 (NHWC). layout: how w's conv kernels are stored."""
    for i in (1, 2):
        k = w[f"conv{i}/weights"]
        if layout == "OIHW":
            k = tf.transpose(k, [2, 3, 1, 0])
        x = tf.nn.relu(tf.nn.conv2d(x, k, 1, "SAME") + w[f"conv{i}/biases"])
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    return x


def dense_logits(x, w, order):
    """The Dense model: flatten channels_last (hwc) or channels_first (chw, as PyTorch's NCHW view)."""
    net = trunk(x, w, "HWIO" if order == "hwc" else "OIHW")
    if order == "chw":
        net = tf.transpose(net, [0, 3, 1, 2])
    net = tf.reshape(net, [-1, 7 * 7 * 16])
    net = tf.nn.relu(net @ w["fc6/weights"] + w["fc6/biases"])
    net = tf.nn.relu(net @ w["fc7/weights"] + w["fc7/biases"])
    return net @ w["fc8/weights"] + w["fc8/biases"]


def conv_logits(x, w):
    """The fully-convolutional model (slim's vgg_16 head): 7x7 VALID fc6, 1x1 fc7/fc8."""
    net = trunk(x, w, "HWIO")
    net = tf.nn.relu(tf.nn.conv2d(net, w["fc6/weights"], 1, "VALID") + w["fc6/biases"])
    net = tf.nn.relu(tf.nn.conv2d(net, w["fc7/weights"], 1, "VALID") + w["fc7/biases"])
    net = tf.nn.conv2d(net, w["fc8/weights"], 1, "VALID") + w["fc8/biases"]
    return tf.squeeze(net, [1, 2])


@pytest.mark.parametrize("order", ["hwc", "chw"])
def test_reshape_dense_to_fully_convolutional(order, case_dir):
    conv_shape = {"hwc": lambda o, i: [3, 3, i, o], "chw": lambda o, i: [o, i, 3, 3]}[order]
    shapes = {"conv1/weights": conv_shape(8, 3), "conv1/biases": [8], "conv2/weights": conv_shape(16, 8),
              "conv2/biases": [16], "fc6/weights": [784, 32], "fc6/biases": [32], "fc7/weights": [32, 32],
              "fc7/biases": [32], "fc8/weights": [32, 10], "fc8/biases": [10]}
    src = rng_arrays(11, shapes)
    prefix = save_v2(os.path.join(case_dir, "src", "model.ckpt"), src)
    layouts = ("  - {name: conv1/weights, layout: {from: OIHW, to: HWIO}}\n"
               "  - {name: conv2/weights, layout: {from: OIHW, to: HWIO}}\n") if order == "chw" else ""
    out, report = surgery(case_dir, prefix, f"""reshape:
  - {{name: fc6/weights, shape: [7, 7, 16, 32], flatten: {order}}}
  - {{name: fc7/weights, shape: [1, 1, 32, 32]}}
  - {{name: fc8/weights, shape: [1, 1, 32, 10]}}
{layouts}""")
    assert out["fc6/weights"].shape == (7, 7, 16, 32)
    assert report["run"]["transformed"] == (5 if order == "chw" else 3)
    x = np.random.default_rng(12).standard_normal([4, 28, 28, 3]).astype(np.float32)
    want, got = dense_logits(x, src, order).numpy(), conv_logits(x, out).numpy()
    assert np.abs(want).max() > 0.1  # real numbers, not underflow
    assert max_diff(got, want) <= TOLERANCE, (order, max_diff(got, want))
    # The other flatten order gives a different model: the order matters and is honoured.
    if order == "hwc":
        assert max_diff(dense_logits(x, src, "hwc"), conv_logits(x, {**out, "fc6/weights": np.transpose(
            src["fc6/weights"].reshape(16, 7, 7, 32), [1, 2, 0, 3])})) > 1e-2


# --------------------------------------------------------------------------
# 2. classes: rows by label, slim's background row 0.

LABELS = [f"synset_{i:04d}" for i in range(1000)]


def head_logits(x, w, scope="head"):
    """slim's 1x1-conv head on [N, 1, 1, 64] features."""
    return tf.squeeze(tf.nn.conv2d(x, w[f"{scope}/weights"], 1, "VALID") + w[f"{scope}/biases"], [1, 2]).numpy()


@pytest.fixture
def head_source(case_dir):
    src = rng_arrays(21, {"head/weights": [1, 1, 64, 1001], "head/biases": [1001]})
    prefix = save_v2(os.path.join(case_dir, "src", "model.ckpt"), src)
    with open(os.path.join(case_dir, "imagenet.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    x = np.random.default_rng(22).standard_normal([5, 1, 1, 64]).astype(np.float32)
    return prefix, src, x


def test_classes_subset_gives_source_columns(head_source, case_dir):
    prefix, src, x = head_source
    chosen = [LABELS[i] for i in (917, 3, 500, 42, 999, 0)]
    out, report = surgery(case_dir, prefix, """classes:
  - {tensors: [head/weights, head/biases], source_labels: imagenet.txt, target_labels: mine.txt, source_offset: 1}
""", {"mine.txt": "\n".join(chosen) + "\n"})
    want = head_logits(x, src)[:, [1 + LABELS.index(l) for l in chosen]]
    got = head_logits(x, out)
    assert got.shape == (5, 6)
    assert max_diff(got, want) <= 1e-5, max_diff(got, want)
    action = next(a for a in report["actions"] if a["target"] == "head/weights")
    entries = action["transforms"][0]["entries"]
    assert [(e["label"], e["from"][0]["index"]) for e in entries] == [(l, 1 + LABELS.index(l)) for l in chosen]
    assert "offset row 0 dropped" in action["rule"]  # slim's background row


def test_classes_added_keep_old_logits(head_source, case_dir):
    prefix, src, x = head_source
    out, report = surgery(case_dir, prefix, """classes:
  - {tensors: [head/weights], source_labels: imagenet.txt, target_labels: mine.txt, source_offset: 1,
     target_offset: 1, initializer: {type: truncated_normal, stddev: 0.01}}
  - {tensors: [head/biases], source_labels: imagenet.txt, target_labels: mine.txt, source_offset: 1,
     target_offset: 1, map: {kitty: synset_0281}}
""", {"mine.txt": "\n".join(LABELS + ["kitty", "okapi_new"]) + "\n"})
    got, want = head_logits(x, out), head_logits(x, src)
    assert got.shape == (5, 1003)
    assert max_diff(got[:, :1001], want) <= 1e-5  # background + 1000 old classes unchanged
    w = out["head/weights"][..., 1001:]
    assert np.all(np.abs(w) <= 0.02 + 1e-7) and 0.005 < w.std() < 0.015  # truncated_normal(0.01)
    assert out["head/biases"][1001] == src["head/biases"][282]  # kitty's bias from synset_0281 (row 1 + 281)
    assert out["head/biases"][1002] == 0.0  # new class: zeros (the default)


# --------------------------------------------------------------------------
# 3. input_channels: RGB -> gray (sum), RGB -> RGB + depth (zero, mean).

def small_net(x, w):
    net = tf.nn.relu(tf.nn.conv2d(x, w["conv1/weights"], 1, "SAME") + w["conv1/biases"])
    return tf.nn.conv2d(net, w["conv2/weights"], 1, "SAME").numpy()


@pytest.fixture
def rgb_source(case_dir):
    src = rng_arrays(31, {"conv1/weights": [3, 3, 3, 8], "conv1/biases": [8], "conv2/weights": [3, 3, 8, 4]})
    return save_v2(os.path.join(case_dir, "src", "model.ckpt"), src), src


def test_input_channels_gray_by_sum(rgb_source, case_dir):
    prefix, src = rgb_source
    out, _ = surgery(case_dir, prefix, "input_channels:\n  - {name: conv1/weights, channels: [{sum: [0, 1, 2]}]}\n")
    gray = np.random.default_rng(32).standard_normal([3, 16, 16, 1]).astype(np.float32)
    want, got = small_net(np.tile(gray, [1, 1, 1, 3]), src), small_net(gray, out)
    assert max_diff(got, want) <= TOLERANCE, max_diff(got, want)


@pytest.mark.parametrize("depth", ["zero", "mean"])
def test_input_channels_rgb_plus_depth(depth, rgb_source, case_dir):
    prefix, src = rgb_source
    spec = "zero" if depth == "zero" else "{mean: [0, 1, 2]}"
    out, _ = surgery(case_dir, prefix, f"input_channels:\n  - {{name: conv1/weights, channels: [0, 1, 2, {spec}]}}\n")
    rng = np.random.default_rng(33)
    rgb = rng.standard_normal([3, 16, 16, 3]).astype(np.float32)
    d = rng.standard_normal([3, 16, 16, 1]).astype(np.float32)
    got = small_net(np.concatenate([rgb, d], -1), out)
    # zero: depth is ignored; mean: depth acts as d/3 added to each color channel.
    want = small_net(rgb if depth == "zero" else rgb + d / 3, src)
    assert max_diff(got, want) <= TOLERANCE, max_diff(got, want)


# --------------------------------------------------------------------------
# configs/: the examples this file proves plan against the models they are
# written for; configs/keras_vgg16_to_slim.yaml also runs end to end.

def test_keras_vgg16_h5_to_slim_fc7_matches_keras_fc2(case_dir):
    import slim_vgg16
    v1 = tf.compat.v1
    tf.keras.utils.set_random_seed(16)
    keras = tf.keras.applications.VGG16(weights=None)
    # He-normal kernels and non-zero biases (Keras' glorot + zeros shrink the
    # activations to ~1e-2 by fc2): the comparison looks at real numbers.
    rng = np.random.default_rng(16)
    keras.set_weights([(rng.standard_normal(w.shape) * np.sqrt(2.0 / np.prod(w.shape[:-1]))).astype(np.float32)
                       if w.ndim > 1 else rng.uniform(-0.1, 0.1, w.shape).astype(np.float32)
                       for w in keras.get_weights()])
    h5 = os.path.join(case_dir, "vgg16.weights.h5")
    keras.save_weights(h5)
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    config = localized_config("keras_vgg16_to_slim.yaml", h5, out, os.path.join(case_dir, "keras_vgg16_to_slim.yaml"))
    run_surgeon("run", config)
    x = np.random.default_rng(17).uniform(0, 1, [2, 224, 224, 3]).astype(np.float32)
    fc2 = tf.keras.Model(keras.input, keras.get_layer("fc2").output)(x).numpy()
    with tf.Graph().as_default() as g:
        images = v1.placeholder(tf.float32, [None, 224, 224, 3])
        logits, end_points = slim_vgg16.vgg_16(images, num_classes=10)
        saver = v1.train.Saver()
        with v1.Session(graph=g) as sess:
            saver.restore(sess, out)  # every slim variable, fc8 included, comes from surgeon's output
            fc7 = sess.run(end_points["fc7"], {images: x})
    # The fresh .meta surgeon wrote declares the new shapes and restores in TF.
    with tf.Graph().as_default() as g, v1.Session(graph=g) as sess:
        v1.train.import_meta_graph(out + ".meta").restore(sess, out)
        shapes = {v.op.name: v.shape.as_list() for v in v1.global_variables()}
    assert shapes["vgg_16/fc6/weights"] == [7, 7, 512, 4096] and shapes["vgg_16/fc7/weights"] == [1, 1, 4096, 4096]
    assert fc7.shape == (2, 1, 1, 4096)
    assert np.abs(fc2).max() > 0.1
    assert max_diff(fc7[:, 0, 0, :], fc2) <= TOLERANCE, max_diff(fc7[:, 0, 0, :], fc2)
    shutil.rmtree(case_dir)  # 1.1 GB of weights


# --------------------------------------------------------------------------
# The slim VGG16 examples in configs/, run on the TF-written slim VGG16 (the
# one test_journey.py uses, cached by its stamp); the output read back by TF
# holds exactly the transformed arrays (numpy computes the expectation).

def check_fc_to_dense(src, out):
    assert np.array_equal(out["vgg_16/fc6/weights"], src["vgg_16/fc6/weights"].reshape(25088, 4096))
    assert np.array_equal(out["vgg_16/fc7/weights"], src["vgg_16/fc7/weights"].reshape(4096, 4096))
    assert np.array_equal(out["vgg_16/fc8/weights"], src["vgg_16/fc8/weights"].reshape(4096, 1000))


def check_classes_by_label(src, out):
    with open(os.path.join(CONFIGS, "labels", "vgg16_1000.txt")) as f:
        source = f.read().split()
    with open(os.path.join(CONFIGS, "labels", "mycls_10.txt")) as f:
        target = f.read().split()
    w, b = out["vgg_16/fc8/weights"], out["vgg_16/fc8/biases"]
    assert w.shape == (1, 1, 4096, 10) and b.shape == (10,)
    for j, label in enumerate(target):
        if label in source:
            assert np.array_equal(w[..., j], src["vgg_16/fc8/weights"][..., source.index(label)]), label
            assert b[j] == src["vgg_16/fc8/biases"][source.index(label)], label
        else:
            assert b[j] == 0 and 0.005 < w[..., j].std() < 0.015, label


def check_rgb_to_gray(src, out):
    k = src["vgg_16/conv1/conv1_1/weights"].astype(np.float64).sum(axis=2, keepdims=True).astype(np.float32)
    assert np.array_equal(out["vgg_16/conv1/conv1_1/weights"], k)


def check_rgb_to_rgbd(src, out):
    k = out["vgg_16/conv1/conv1_1/weights"]
    assert k.shape == (3, 3, 4, 64)
    assert np.array_equal(k[:, :, :3], src["vgg_16/conv1/conv1_1/weights"]) and not k[:, :, 3].any()


SLIM_EXAMPLES = {"vgg16_fc_to_dense.yaml": check_fc_to_dense, "vgg16_classes_by_label.yaml": check_classes_by_label,
                 "vgg16_rgb_to_gray.yaml": check_rgb_to_gray, "vgg16_rgb_to_rgbd.yaml": check_rgb_to_rgbd}
assert PROVEN_CONFIGS == set(SLIM_EXAMPLES) | {"keras_vgg16_to_slim.yaml", "slim_vgg16_to_keras.yaml"}


@pytest.fixture(scope="module")
def slim_source(work_dir):
    import slim_vgg16
    prefix = slim_vgg16.write_slim_vgg16(os.path.join(work_dir, "slim_vgg16_v2", "vgg_16.ckpt"), "V2")
    r = tf.train.load_checkpoint(prefix)
    names = ["vgg_16/fc6/weights", "vgg_16/fc7/weights", "vgg_16/fc8/weights", "vgg_16/fc8/biases",
             "vgg_16/conv1/conv1_1/weights"]
    return prefix, {n: r.get_tensor(n) for n in names}


@pytest.mark.parametrize("config_file", sorted(SLIM_EXAMPLES))
def test_slim_config_example(config_file, slim_source, case_dir):
    prefix, src = slim_source
    shutil.copytree(os.path.join(CONFIGS, "labels"), os.path.join(case_dir, "labels"))
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    run_surgeon("run", localized_config(config_file, prefix, out, os.path.join(case_dir, config_file)))
    r = tf.train.load_checkpoint(out)
    SLIM_EXAMPLES[config_file](src, {n: r.get_tensor(n) for n in src})
    shutil.rmtree(os.path.join(case_dir, "out"))  # 0.5 GB each


def test_classes_in_rewritten_source_graph(slim_source, case_dir):
    """meta_graph: {from: source}: the source's own graph, its fc8 variables
    re-shaped to the target's classes, computes the source logits' columns."""
    prefix, _ = slim_source
    v1 = tf.compat.v1
    shutil.copytree(os.path.join(CONFIGS, "labels"), os.path.join(case_dir, "labels"))
    out = os.path.join(case_dir, "out", "model.ckpt-0")
    with open(os.path.join(case_dir, "c.yaml"), "w") as f:
        f.write(f"""source: {prefix}
target: {{checkpoint: {out}, meta_graph: {{from: source}}}}
drop_optimizer_slots: true
classes:
  - {{tensors: [vgg_16/fc8/weights, vgg_16/fc8/biases], source_labels: labels/vgg16_1000.txt,
     target_labels: labels/mycls_10.txt}}
""")
    run_surgeon("run", os.path.join(case_dir, "c.yaml"))
    x = np.random.default_rng(41).uniform(0, 1, [1, 224, 224, 3]).astype(np.float32)

    def logits(p):
        with tf.Graph().as_default() as g, v1.Session(graph=g) as sess:
            v1.train.import_meta_graph(p + ".meta").restore(sess, p)
            return sess.run("vgg_16/fc8/squeezed:0", {"images:0": x})
    with open(os.path.join(CONFIGS, "labels", "vgg16_1000.txt")) as f:
        source = f.read().split()
    with open(os.path.join(CONFIGS, "labels", "mycls_10.txt")) as f:
        target = f.read().split()
    copied = [j for j, label in enumerate(target) if label in source]
    want, got = logits(prefix), logits(out)
    assert got.shape == (1, 10)
    assert max_diff(got[:, copied], want[:, [source.index(target[j]) for j in copied]]) <= TOLERANCE
    shutil.rmtree(os.path.join(case_dir, "out"))


def test_slim_vgg16_to_keras_h5_the_way_back(slim_source, case_dir):
    """configs/slim_vgg16_to_keras.yaml: the slim checkpoint -> a Keras 2 .h5
    that tf-keras' VGG16 loads by topology; Keras' fc2 and class
    probabilities equal slim's fc7 and softmax(logits) on the same input."""
    import slim_vgg16
    import tf_keras
    v1 = tf.compat.v1
    prefix, _ = slim_source
    h5 = os.path.join(case_dir, "vgg16_from_slim.h5")
    run_surgeon("run", localized_config("slim_vgg16_to_keras.yaml", prefix, h5,
                                 os.path.join(case_dir, "slim_vgg16_to_keras.yaml")))
    keras = tf_keras.applications.VGG16(weights=None)
    keras.load_weights(h5)  # by topology: layer order and weight shapes must be Keras' own
    x = np.random.default_rng(18).uniform(0, 1, [2, 224, 224, 3]).astype(np.float32)
    fc2 = tf_keras.Model(keras.input, keras.get_layer("fc2").output)(x).numpy()
    probabilities = keras(x).numpy()
    with tf.Graph().as_default() as g:
        images = v1.placeholder(tf.float32, [None, 224, 224, 3])
        logits, end_points = slim_vgg16.vgg_16(images, num_classes=1000)
        with v1.Session(graph=g) as sess:
            v1.train.Saver().restore(sess, prefix)  # the model variables; slots and step are not in this graph
            fc7, slim_logits = sess.run([end_points["fc7"], logits], {images: x})
    slim_probabilities = tf.nn.softmax(slim_logits.reshape(2, 1000)).numpy()
    assert np.abs(fc2).max() > 0.1
    assert max_diff(fc7[:, 0, 0, :], fc2) <= TOLERANCE, max_diff(fc7[:, 0, 0, :], fc2)
    assert max_diff(probabilities, slim_probabilities) <= TOLERANCE, max_diff(probabilities, slim_probabilities)
    os.remove(h5)  # 0.5 GB
