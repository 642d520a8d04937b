"""Keras HDF5, safetensors and npz in; safetensors, npz and Keras HDF5 out.

Everything is generated here by TensorFlow / tf-keras / h5py / numpy /
safetensors (nothing is downloaded, nothing is committed): VGG16-shaped
weights (138,357,544 float32 parameters) saved by Keras 3
(`.weights.h5`), by tf-keras (Keras 2 `save_weights` and `model.save`), and
a file in the naming of the published `vgg16_weights_tf_dim_ordering_tf_kernels`
files written with h5py. Every comparison is bitwise (array bytes), since
surgeon only moves bytes.
"""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import SURGEON, run_python, run_surgeon, surgeon_json

h5py = pytest.importorskip("h5py")

VGG_LAYERS = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2",
              "block3_conv3", "block4_conv1", "block4_conv2", "block4_conv3", "block5_conv1", "block5_conv2",
              "block5_conv3", "fc1", "fc2", "predictions"]
VGG_NAMES = sorted(f"{l}/{w}" for l in VGG_LAYERS for w in ("kernel", "bias"))


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def h5_arrays(path, names_to_datasets):
    with h5py.File(path, "r") as f:
        return {n: f[d][()] for n, d in names_to_datasets.items()}


@pytest.fixture(scope="module")
def kdir(work_dir):
    d = os.path.join(work_dir, "keras_formats")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def keras3_h5(kdir):
    import tensorflow as tf
    tf.keras.utils.set_random_seed(3)
    path = os.path.join(kdir, "vgg16_k3.weights.h5")
    tf.keras.applications.VGG16(weights=None).save_weights(path)
    # Keras 3 keeps vars/<i> under auto-named groups, the layer name in an attribute.
    datasets = {}
    with h5py.File(path, "r") as f:
        for g in f["layers"].values():
            if "vars" in g and len(g["vars"]):
                name = g["vars"].attrs["name"]
                datasets[f"{name}/kernel"] = g["vars/0"].name
                datasets[f"{name}/bias"] = g["vars/1"].name
    return path, h5_arrays(path, datasets)


@pytest.fixture(scope="module")
def keras2_h5(kdir):
    import tf_keras
    tf_keras.utils.set_random_seed(2)
    model = tf_keras.applications.VGG16(weights=None)
    path = os.path.join(kdir, "vgg16_k2.h5")
    model.save_weights(path)
    full = os.path.join(kdir, "vgg16_k2_model.h5")
    model.save(full)
    datasets = {n: f"/{n.split('/')[0]}/{n}:0" for n in VGG_NAMES}
    return path, full, h5_arrays(path, datasets)


@pytest.fixture(scope="module")
def published_h5(kdir):
    """The attributes and Keras 1 weight names of the published
    vgg16_weights_tf_dim_ordering_tf_kernels.h5, written with h5py."""
    rng = np.random.default_rng(16)
    path = os.path.join(kdir, "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
    import tf_keras
    shapes = {w.name[:-2]: tuple(w.shape) for w in tf_keras.applications.VGG16(weights=None).weights}
    arrays = {}
    with h5py.File(path, "w") as f:
        layers = ["input_1"] + VGG_LAYERS[:2] + ["block1_pool"] + VGG_LAYERS[2:13] + ["flatten"] + VGG_LAYERS[13:]
        f.attrs["layer_names"] = np.array([l.encode() for l in layers])
        for layer in layers:
            g = f.create_group(layer)
            if layer not in VGG_LAYERS:
                g.attrs["weight_names"] = np.array([], dtype="S1")
                continue
            wnames = [f"{layer}_W_1:0", f"{layer}_b_1:0"]
            g.attrs["weight_names"] = np.array([w.encode() for w in wnames])
            for w, role in zip(wnames, ("kernel", "bias")):
                a = rng.standard_normal(shapes[f"{layer}/{role}"], dtype=np.float32)
                g.create_dataset(w, data=a)
                arrays[f"{layer}/{role}"] = a
    return path, arrays


def check_inspect(path, arrays, layout_word):
    out = surgeon_json("inspect", path)
    assert out["format"] == "keras_h5"
    assert layout_word in out["header"]["layout"]
    got = {t["name"]: t for t in out["tensors"]}
    assert sorted(got) == sorted(arrays) == VGG_NAMES
    for name, a in arrays.items():
        assert got[name]["shape"] == list(a.shape), name
        assert got[name]["dtype"] == "DT_FLOAT", name
        assert got[name]["size"] == a.nbytes, name
    assert sum(a.size for a in arrays.values()) == 138_357_544
    return out


def check_convert_to_tf(path, arrays, prefix):
    import tensorflow as tf
    run_surgeon("convert", path, prefix)
    reader = tf.train.load_checkpoint(prefix)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(arrays)
    for name, a in arrays.items():
        assert same_bits(reader.get_tensor(name), a), name


def test_keras3_weights_h5(keras3_h5, kdir):
    path, arrays = keras3_h5
    out = check_inspect(path, arrays, "Keras 3")
    assert "inferred from shapes" in out["header"]["names"]  # No config in a .weights.h5: says how.
    check_convert_to_tf(path, arrays, os.path.join(kdir, "from_k3", "model.ckpt-0"))


@pytest.fixture(scope="module")
def keras3_archive(kdir):
    """A Keras 3 `.keras` model whose variable counts shape inference cannot
    name (BatchNormalization without center, Dense without bias, separable
    and depthwise convs, LayerNormalization without scale, an Embedding),
    with a nested model. Keras' own `variable.path` is the oracle."""
    code = f"""
import os, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, numpy as np
keras.utils.set_random_seed(5)
inner_in = keras.Input((6, 6, 8))
inner = keras.Model(inner_in, keras.layers.DepthwiseConv2D(3, name="dw")(inner_in), name="inner")
img = keras.Input((8, 8, 3), name="img")
x = keras.layers.Conv2D(8, 3, name="stem")(img)
x = keras.layers.BatchNormalization(center=False, name="bn_nocenter")(x)
x = inner(x)
x = keras.layers.SeparableConv2D(4, 3, name="sep")(x)
x = keras.layers.Flatten()(x)
x = keras.layers.LayerNormalization(scale=False, name="ln")(x)
x = keras.layers.Dense(5, use_bias=False, name="nobias")(x)
tok = keras.Input((4,), dtype="int32", name="tok")
e = keras.layers.Flatten()(keras.layers.Embedding(11, 3, name="emb")(tok))
out = keras.layers.Concatenate()([x, e])
model = keras.Model([img, tok], keras.layers.Dense(2, name="head")(out))
for w in model.weights:
    w.assign(np.random.default_rng(len(w.path)).standard_normal(w.shape).astype(w.dtype))
model.save({os.path.join(kdir, "m.keras")!r})
model.save_weights({os.path.join(kdir, "m.weights.h5")!r})
np.savez({os.path.join(kdir, "m_expected.npz")!r}, **{{w.path: np.asarray(w) for w in model.weights}})
"""
    p = run_python(code)
    assert p.returncode == 0, p.stderr[-3000:]
    with np.load(os.path.join(kdir, "m_expected.npz")) as z:
        arrays = {k: z[k] for k in z.files}
    return os.path.join(kdir, "m.keras"), os.path.join(kdir, "m.weights.h5"), arrays


def test_keras3_archive_names_from_its_config(keras3_archive, kdir):
    archive, weights_h5, arrays = keras3_archive
    assert "bn_nocenter/moving_variance" in arrays and "nobias/kernel" in arrays and "sep/depthwise_kernel" in arrays
    out = surgeon_json("inspect", archive)
    assert out["format"] == "keras_h5"
    assert "config.json" in out["header"]["names"]
    got = {t["name"]: t for t in out["tensors"]}
    assert sorted(got) == sorted(arrays)
    for name, a in arrays.items():
        assert got[name]["shape"] == list(a.shape), name
    dst = os.path.join(kdir, "from_archive.npz")
    run_surgeon("convert", archive, dst)
    with np.load(dst) as z:
        assert sorted(z.files) == sorted(arrays)
        for name, a in arrays.items():
            assert same_bits(z[name], a), name
    # The bare .weights.h5 of the same model has no config: shape inference
    # cannot name the 3-variable BatchNormalization, and inspect says how
    # the names were made.
    bare = surgeon_json("inspect", weights_h5)
    assert "inferred from shapes" in bare["header"]["names"]
    assert "bn_nocenter/moving_variance" not in {t["name"] for t in bare["tensors"]}


def test_keras3_archive_with_a_damaged_member_is_refused(keras3_archive, kdir):
    archive, _, _ = keras3_archive
    bad = os.path.join(kdir, "damaged.keras")
    data = bytearray(open(archive, "rb").read())
    import zipfile
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo("model.weights.h5")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2] ^= 0xFF
    open(bad, "wb").write(bytes(data))
    out_dir = os.path.join(kdir, "out_damaged")
    p = run_surgeon("convert", bad, os.path.join(out_dir, "model.ckpt-0"), check=False)
    assert p.returncode != 0
    assert bad in p.stderr and "model.weights.h5" in p.stderr, p.stderr
    assert leftovers(out_dir) == []


def test_keras2_save_weights_and_model_save(keras2_h5, kdir):
    path, full, arrays = keras2_h5
    check_inspect(path, arrays, "save_weights")
    check_convert_to_tf(path, arrays, os.path.join(kdir, "from_k2", "model.ckpt-0"))
    check_inspect(full, arrays, "model.save")
    check_convert_to_tf(full, arrays, os.path.join(kdir, "from_k2_full", "model.ckpt-0"))


def test_published_vgg16_naming(published_h5, kdir):
    path, arrays = published_h5
    check_inspect(path, arrays, "save_weights")
    check_convert_to_tf(path, arrays, os.path.join(kdir, "from_published", "model.ckpt-0"))


def save_v2(prefix, weights, names):
    import tensorflow as tf
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[weights[n] for n in names])


@pytest.fixture(scope="module")
def tf_vgg_checkpoint(kdir):
    """TF checkpoints (written by TF's SaveV2) holding VGG16 weights under
    Keras names: one in name order (tf.train.Saver's order), one written in
    reverse order."""
    import tf_keras
    tf_keras.utils.set_random_seed(7)
    weights = {w.name[:-2]: w.numpy() for w in tf_keras.applications.VGG16(weights=None).weights}
    prefix = os.path.join(kdir, "tf_vgg", "vgg16.ckpt")
    save_v2(prefix, weights, sorted(weights))
    reverse = os.path.join(kdir, "tf_vgg_reverse", "vgg16.ckpt")
    save_v2(reverse, weights, sorted(weights, reverse=True))
    return prefix, weights, reverse


def load_into_tf_keras_vgg16(h5, by_name, weights):
    import tf_keras
    model = tf_keras.applications.VGG16(weights=None)
    model.load_weights(h5, by_name=by_name)
    for w in model.weights:
        assert same_bits(w.numpy(), weights[w.name[:-2]]), w.name


@pytest.mark.parametrize("by_name", [True, False])
def test_tf_checkpoint_to_keras_h5_loads_in_tf_keras(tf_vgg_checkpoint, kdir, by_name):
    prefix, weights, _ = tf_vgg_checkpoint
    h5 = os.path.join(kdir, f"back_{by_name}.h5")
    run_surgeon("convert", prefix, h5, "--format", "keras_h5")
    assert surgeon_json("inspect", h5)["format"] == "keras_h5"
    load_into_tf_keras_vgg16(h5, by_name, weights)


def test_keras_h5_by_name_whatever_the_checkpoint_order(tf_vgg_checkpoint, kdir):
    """Layers follow the source's data order; within a layer Keras' order
    (kernel before bias) whatever the source's."""
    _, weights, reverse = tf_vgg_checkpoint
    h5 = os.path.join(kdir, "back_reverse.h5")
    run_surgeon("convert", reverse, h5, "--format", "keras_h5")
    load_into_tf_keras_vgg16(h5, True, weights)


def test_keras3_file_to_keras_h5_by_topology(keras3_h5, kdir):
    """A Keras source's own layer order survives: loadable by topology."""
    path, arrays = keras3_h5
    h5 = os.path.join(kdir, "k3_to_k2.h5")
    run_surgeon("convert", path, h5, "--format", "keras_h5")
    load_into_tf_keras_vgg16(h5, False, arrays)


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_safetensors_npz_out_read_by_python(tf_vgg_checkpoint, kdir, fmt):
    prefix, weights, _ = tf_vgg_checkpoint
    out = os.path.join(kdir, f"vgg16.{fmt}")
    run_surgeon("convert", prefix, out)  # Format from the extension.
    if fmt == "safetensors":
        from safetensors.numpy import load_file
        got = load_file(out)
    else:
        with np.load(out) as z:
            got = {k: z[k] for k in z.files}
    assert sorted(got) == sorted(weights)
    for name, a in weights.items():
        assert same_bits(got[name], a), name
    # And surgeon reads its own output back.
    assert sorted(t["name"] for t in surgeon_json("inspect", out)["tensors"]) == sorted(weights)


def mixed_arrays():
    rng = np.random.default_rng(5)
    return {
        "dense/kernel": rng.standard_normal((7, 5), dtype=np.float32),
        "dense/bias": rng.standard_normal(5).astype(np.float16),
        "conv/kernel": rng.standard_normal((3, 3, 2, 4)),  # float64
        "step": np.array(42, dtype=np.int64),
        "ids": rng.integers(-100, 100, size=(6,), dtype=np.int32),
        "bytes": rng.integers(0, 255, size=(2, 3), dtype=np.uint8),
        "small": rng.integers(-5, 5, size=(4,), dtype=np.int8),
        "mask": rng.integers(0, 2, size=(3, 2)).astype(bool),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def check_python_written(path, arrays, kdir, tag):
    import tensorflow as tf
    out = surgeon_json("inspect", path)
    assert sorted(t["name"] for t in out["tensors"]) == sorted(arrays)
    prefix = os.path.join(kdir, tag, "model.ckpt-0")
    run_surgeon("convert", path, prefix)
    reader = tf.train.load_checkpoint(prefix)
    for name, a in arrays.items():
        assert same_bits(reader.get_tensor(name), a), name


def test_safetensors_written_by_library(kdir):
    from safetensors.numpy import save_file
    arrays = mixed_arrays()
    path = os.path.join(kdir, "lib.safetensors")
    save_file(arrays, path, metadata={"format": "np"})
    check_python_written(path, arrays, kdir, "from_lib_safetensors")


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_written_by_numpy(kdir, compressed):
    arrays = mixed_arrays()
    arrays["fortran"] = np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    path = os.path.join(kdir, f"lib_{compressed}.npz")
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    check_python_written(path, arrays, kdir, f"from_lib_npz_{compressed}")


def test_run_with_keras_h5_source(keras2_h5, kdir):
    """keep / rename / new over Keras names; meta_graph: true builds a fresh graph."""
    import tensorflow as tf
    path, _, arrays = keras2_h5
    cfg = os.path.join(kdir, "k2_to_mycls.yaml")
    out = os.path.join(kdir, "mycls", "model.ckpt-0")
    with open(cfg, "w") as f:
        f.write(f"""
source: {{checkpoint: {path}}}
target: {{checkpoint: {out}, meta_graph: true}}
seed: 16
keep: ["block*", "fc1/*", "fc2/*"]
rename:
  - {{regex: "^(block[1-5])_(conv[1-3])/", to: "mycls/\\\\1/\\\\2/"}}
  - {{from: "fc", to: "mycls/fc"}}
new:
  - {{name: mycls/head/kernel, shape: [4096, 10], initializer: {{type: glorot_uniform}}}}
  - {{name: mycls/head/bias, shape: [10], initializer: zeros}}
freeze: ["mycls/block1/*"]
""")
    run_surgeon("run", cfg)
    reader = tf.train.load_checkpoint(out)
    shapes = reader.get_variable_to_shape_map()
    assert "predictions/kernel" not in shapes
    assert same_bits(reader.get_tensor("mycls/block1/conv1/kernel"), arrays["block1_conv1/kernel"])
    assert same_bits(reader.get_tensor("mycls/block5/conv3/bias"), arrays["block5_conv3/bias"])
    assert same_bits(reader.get_tensor("mycls/fc1/kernel"), arrays["fc1/kernel"])
    assert shapes["mycls/head/kernel"] == [4096, 10]
    assert not reader.get_tensor("mycls/head/bias").any()
    with tf.Graph().as_default():
        saver = tf.compat.v1.train.import_meta_graph(out + ".meta")
        with tf.compat.v1.Session() as sess:
            saver.restore(sess, out)
            fc2 = [v for v in tf.compat.v1.global_variables() if v.op.name == "mycls/fc2/bias"][0]
            assert same_bits(sess.run(fc2), arrays["fc2/bias"])


def test_run_to_safetensors_target(keras3_h5, kdir):
    from safetensors.numpy import load_file
    path, arrays = keras3_h5
    cfg = os.path.join(kdir, "k3_to_st.yaml")
    out = os.path.join(kdir, "k3_head.safetensors")
    with open(cfg, "w") as f:
        f.write(f"""
source: {{checkpoint: {path}}}
target: {{checkpoint: {out}, format: safetensors}}
seed: 1
drop: ["predictions/*"]
new:
  - {{name: predictions/kernel, shape: [4096, 3], initializer: zeros}}
  - {{name: predictions/bias, shape: [3], initializer: zeros}}
""")
    run_surgeon("run", cfg)
    got = load_file(out)
    assert got["predictions/kernel"].shape == (4096, 3)
    assert same_bits(got["fc1/kernel"], arrays["fc1/kernel"])
    assert not os.path.exists(out + ".meta") and not os.path.exists(os.path.join(kdir, "checkpoint"))


def leftovers(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


@pytest.mark.parametrize("kind", ["truncated_h5", "string_dataset", "overlap_safetensors", "npz_bad_member"])
def test_bad_input_is_refused_and_nothing_written(kdir, kind):
    src = os.path.join(kdir, f"bad_{kind}")
    if kind == "truncated_h5":
        src += ".h5"
        with h5py.File(src, "w") as f:
            f.attrs["layer_names"] = np.array([b"d"])
            f.create_group("d").attrs["weight_names"] = np.array([b"d/kernel:0"])
            f["d"].create_dataset("d/kernel:0", data=np.ones((64, 64), np.float32))
        with open(src, "r+b") as f:
            f.truncate(os.path.getsize(src) // 2)
        expect = [src]
    elif kind == "string_dataset":
        src += ".h5"
        with h5py.File(src, "w") as f:
            f.attrs["layer_names"] = np.array([b"d"])
            f.create_group("d").attrs["weight_names"] = np.array([b"d/kernel:0"])
            f["d"].create_dataset("d/kernel:0", data=np.array([b"abc", b"de"]))
        expect = [src, "d/kernel", "string"]
    elif kind == "overlap_safetensors":
        src += ".safetensors"
        header = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
        with open(src, "wb") as f:
            f.write(len(header).to_bytes(8, "little") + header + bytes(12))
        expect = [src, "'a'", "'b'", "overlap"]
    else:
        src += ".npz"
        np.savez(src, good=np.ones(3, np.float32))
        import zipfile
        with zipfile.ZipFile(src, "a") as z:
            z.writestr("bad.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}")
        expect = [src, "bad.npy"]
    out_dir = os.path.join(kdir, f"out_{kind}")
    for dst in (os.path.join(out_dir, "model.ckpt-0"), os.path.join(out_dir, "w.safetensors")):
        p = run_surgeon("convert", src, dst, check=False)
        assert p.returncode != 0
        for word in expect:
            assert word in p.stderr, (word, p.stderr)
        assert leftovers(out_dir) == []
