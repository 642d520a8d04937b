"""Checkpoints the fixed corpus lacks, written by TensorFlow 2.21 at test time.

    python tests/tf/gen_corpus.py OUT_DIR     # what ensure_generated() runs

The fixed corpus (../shared/tf-corpus) holds what old TensorFlow releases
wrote. This adds what the TensorFlow of the test environment writes, aimed at
the corners a checkpoint reader can get wrong: every dtype a checkpoint holds,
scalars and zero-element tensors, NaN payloads / inf / -0.0 / subnormals,
empty, non-UTF-8 and multi-MB strings, partitioned variables, sharded and V1
savers, TF2 object graphs with optimizer slots, Keras weights and SavedModels.

Each case is registered below with what the tests need to know before
anything is generated (pytest parametrizes on it):

  kind       how TensorFlow wrote it:
               savev2        tf.raw_ops.SaveV2, the op behind every V2 saver
                             (any dtype, any slices, any Add order)
               save_v1       tf.raw_ops.Save / SaveSlices (TensorSliceWriter)
               saver         tf.compat.v1.train.Saver (graph mode, .meta)
               tf2           tf.train.Checkpoint / CheckpointManager
               keras         Keras weights (see "Keras" below)
               saved_model   tf.saved_model.save / keras Model.export
               slim_vgg16    tests/tf/slim_vgg16.py (full-size VGG16, 1.1 GB)
  format     "v2" or "v1"
  shards     V2: number of .data files; V1: number of files
  sliced     some tensor is stored as several slices (partitioned)

The generator checks that what TensorFlow wrote has the registered format and
shard count, so a change in TensorFlow's behaviour shows up as an error here
instead of silently moving a case out of the checks that apply to it.

Keras: Keras 3 (keras 3.15, tf.keras in TF 2.21) writes weights only as HDF5
(`save_weights` requires a `.weights.h5` name), so its TF-checkpoint form is
`tf.train.Checkpoint(model=..., optimizer=...)`, which is also what its
SavedModel export stores. `Model.save_weights(prefix)` in TF checkpoint format
is Keras 2, which TF 2.21 ships as the `tf_keras` package; both are cases.

Output: OUT_DIR/<case>/... as TensorFlow wrote it, and OUT_DIR/manifest.json:
  {"tensorflow": version, "seconds": total, "cases": {name: {
     "kind", "format", "shards", "sliced",
     "tf_path":      what tf.train.load_checkpoint takes (a prefix, V1 file or pattern),
     "surgeon_path": what surgeon is given (the same, or a directory),
     "seconds":      time to write it,
     "error":        present when TensorFlow failed to write the case}}}
OUT_DIR/stamp is written last; ensure_generated() regenerates only when the
stamp (this file's and slim_vgg16.py's contents, the TensorFlow version) differs.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLIM_VGG16 = os.path.join(HERE, "slim_vgg16.py")
NUM_CPUS = 3  # logical CPU devices, for the sharded savers

# ---------------------------------------------------------------- registry

CASES = {}  # name -> {"kind", "format", "shards", "sliced", "fn"}


def case(name, kind, fmt="v2", shards=1, sliced=False):
    def register(fn):
        assert name not in CASES, name
        CASES[name] = {"kind": kind, "format": fmt, "shards": shards, "sliced": sliced, "fn": fn}
        return fn
    return register


# Filled in by main(): TensorFlow is imported only when generating, so that
# importing this module (pytest collection) stays cheap.
tf = np = None

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
# TF 2.x's narrow types, stored one element per byte.
NARROW_FLOAT_DTYPES = ("float8_e5m2", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e4m3b11fnuz", "float8_e5m2fnuz",
                       "float4_e2m1fn")
NARROW_INT_DTYPES = {"int4": (-8, 7), "uint4": (0, 15), "int2": (-2, 1), "uint2": (0, 3)}
# Quantized types and the integer type whose bits they reuse.
QUANTIZED_DTYPES = {"qint8": "int8", "quint8": "uint8", "qint16": "int16", "quint16": "uint16", "qint32": "int32"}
ALL_DTYPES = (FLOAT_DTYPES + INT_DTYPES + ("bool", "complex64", "complex128", "string") + NARROW_FLOAT_DTYPES +
              tuple(NARROW_INT_DTYPES) + tuple(QUANTIZED_DTYPES))
# What TensorSliceWriter (V1) can store in TF 2.21 (bfloat16, uint32 and
# uint64 are refused by the Save op).
V1_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "bool",
             "complex64", "complex128", "string", "qint8", "quint8", "qint32")


def rng(seed=0):
    return np.random.default_rng(seed)


def float_specials(dtype):
    """Special float values by bit pattern: +-0, +-inf, quiet and signalling
    NaNs with payloads, the largest finite, the smallest normal and subnormal."""
    bits = {
        "float16": (16, [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7C01, 0x7BFF, 0x0400, 0x0001, 0x3C00]),
        "bfloat16": (16, [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC1, 0x7F81, 0x7F7F, 0x0080, 0x0001, 0x3F80]),
        "float32": (32, [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC12345, 0x7F800001,
                         0x7F7FFFFF, 0x00800000, 0x00000001, 0x3F800000]),
        "float64": (64, [0x0, 0x8000000000000000, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
                         0xFFF800000000BEEF, 0x7FF0000000000001, 0x7FEFFFFFFFFFFFFF, 0x0010000000000000, 0x1,
                         0x3FF0000000000000]),
    }[dtype]
    width, values = bits
    raw = np.array(values, dtype={16: np.uint16, 32: np.uint32, 64: np.uint64}[width])
    return raw.view(np_dtype(dtype))


def np_dtype(name):
    if name == "string":
        return object
    if name in QUANTIZED_DTYPES:
        return np.dtype(QUANTIZED_DTYPES[name])
    return tf.as_dtype(name).as_numpy_dtype  # ml_dtypes for bfloat16, float8, int4, ...


def sample(dtype, shape, seed):
    """Deterministic values of `dtype` and `shape`, extremes included."""
    r = rng(seed)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype in FLOAT_DTYPES:
        v = (r.standard_normal(n) * 3).astype(np_dtype(dtype))
        sp = float_specials(dtype)
        v[: min(n, len(sp))] = sp[: min(n, len(sp))]
    elif dtype in NARROW_FLOAT_DTYPES:  # every bit pattern: NaNs, infs, -0 where the type has them
        bits = r.integers(0, 16 if dtype == "float4_e2m1fn" else 256, size=n, dtype=np.uint8)
        bits[: min(n, 16)] = np.arange(min(n, 16), dtype=np.uint8) * (1 if dtype == "float4_e2m1fn" else 17)
        v = bits.view(np_dtype(dtype))
    elif dtype in NARROW_INT_DTYPES:
        lo, hi = NARROW_INT_DTYPES[dtype]
        v = r.integers(lo, hi, size=n, endpoint=True)
        v[: min(n, 2)] = [lo, hi][: min(n, 2)]
        v = v.astype(np_dtype(dtype))
    elif dtype in QUANTIZED_DTYPES:
        v = sample(QUANTIZED_DTYPES[dtype], [n], seed)
    elif dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        v = r.integers(info.min, info.max, size=n, dtype=dtype, endpoint=True)
        ext = np.array([info.min, info.max, 0, 1, info.max - 1], dtype=dtype)
        if info.min < 0:
            ext = np.concatenate([ext, np.array([-1, info.min + 1], dtype=dtype)])
        v[: min(n, len(ext))] = ext[: min(n, len(ext))]
    elif dtype == "bool":
        v = r.integers(0, 2, size=n).astype(bool)
    elif dtype in ("complex64", "complex128"):
        part = np.float32 if dtype == "complex64" else np.float64
        re = r.standard_normal(n).astype(part)
        im = r.standard_normal(n).astype(part)
        re[:3] = np.array([np.nan, -0.0, np.inf], dtype=part)[: min(3, n)]
        im[:3] = np.array([np.inf, -0.0, np.nan], dtype=part)[: min(3, n)]
        v = re.astype(dtype)
        v.imag = im
    elif dtype == "string":
        v = np.array([bytes(r.integers(0, 256, size=int(r.integers(0, 40)), dtype=np.uint8)) for _ in range(n)],
                     dtype=object)
    else:
        raise ValueError(dtype)
    return v.reshape(shape)


def const(value, dtype):
    if dtype in QUANTIZED_DTYPES:  # no constructor from numpy: reinterpret the integer bits
        return tf.bitcast(tf.constant(value, dtype=QUANTIZED_DTYPES[dtype]), tf.as_dtype(dtype))
    return tf.constant(value, dtype=tf.as_dtype(dtype) if dtype != "string" else tf.string)


def save_v2(prefix, tensors):
    """tensors: [(name, value, dtype, shape_and_slice)] in Add (data) order."""
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=[t[0] for t in tensors],
                      shape_and_slices=[t[3] for t in tensors], tensors=[const(t[1], t[2]) for t in tensors])
    return prefix


def dtype_tensors(dtype, seed):
    """The tensors of one dtype: scalar, zero-element tensors, a vector with
    the special values, a matrix and a rank-6 tensor."""
    out = []
    for i, (name, shape) in enumerate((("scalar", []), ("empty", [0]), ("empty_3x0x2", [3, 0, 2]),
                                        ("vector", [23]), ("matrix", [17, 5]), ("rank6", [2, 1, 3, 1, 2, 2]))):
        out.append((f"{dtype}/{name}", sample(dtype, shape, seed + i), dtype, ""))
    return out


# ---------------------------------------------------------------- V2 via SaveV2


def _dtype_case(dtype):
    @case(f"v2_dtype_{dtype}", "savev2")
    def gen(d):
        return save_v2(os.path.join(d, "ckpt"), dtype_tensors(dtype, 100))
    return gen


for _dt in ALL_DTYPES:
    _dtype_case(_dt)


def special_strings():
    r = rng(7)
    big = bytes(r.integers(0, 256, size=3 << 20, dtype=np.uint8))
    return [
        ("str/empty_scalar", b"", "string", ""),
        ("str/scalar", "héllo wörld".encode(), "string", ""),
        ("str/non_utf8", np.array([b"\xff\xfe\xfd", b"\x00\x01\x00", b"\xc3\x28", b"\x80"], dtype=object), "string", ""),
        ("str/empty_vector", np.array([], dtype=object), "string", ""),
        ("str/empty_3d", np.zeros([2, 0, 3], dtype=object), "string", ""),
        ("str/all_empty", np.array([b""] * 5, dtype=object), "string", ""),
        # Lengths whose varints take 1, 2, 3 and 4 bytes.
        ("str/varint_lengths", np.array([b"", b"a" * 127, b"b" * 128, b"c" * 16383, b"d" * 16384, b"e" * (1 << 21)],
                                        dtype=object), "string", ""),
        ("str/big_3mb", big, "string", ""),
        ("str/many", sample("string", [40, 50], 3), "string", ""),
    ]


@case("v2_strings", "savev2")
def _strings(d):
    return save_v2(os.path.join(d, "ckpt"), special_strings())


@case("v2_all_dtypes_unsorted", "savev2")
def _all_dtypes_unsorted(d):
    # Data order = Add order, here reverse key order: the index lists the
    # tensors sorted, the data file does not.
    tensors = []
    for i, dt in enumerate(ALL_DTYPES):
        tensors.append((f"mix/{dt}/vector", sample(dt, [7], 300 + i), dt, ""))
        tensors.append((f"mix/{dt}/scalar", sample(dt, [], 400 + i), dt, ""))
    tensors.sort(key=lambda t: t[0], reverse=True)
    return save_v2(os.path.join(d, "ckpt"), tensors)


@case("v2_many_tensors", "savev2")
def _many(d):
    # ~7000 index entries: the .index has several 256 KiB data blocks, so
    # block cuts and the index block's separator keys are exercised.
    tensors = [(f"layer_{i // 50:03d}/sublayer_{i % 50:02d}/weights_with_a_rather_long_name", np.float32(i), "float32", "")
               for i in range(7000)]
    return save_v2(os.path.join(d, "ckpt"), tensors)


@case("v2_key_shapes", "savev2")
def _keys(d):
    # Keys sharing long prefixes, differing in the last byte, prefixes of one
    # another, non-ASCII (UTF-8) bytes, spaces and punctuation, a 2000-byte key.
    names = ["a", "a/", "a/b", "a0", "a\x7f", "b" * 2000, "ünïcödé/名前/ÿ", "with space/and:colon", "x.y-z_1",
             "~", "~~", "zz/\u00ff\u00ff", "layer/" + "p" * 300 + "1", "layer/" + "p" * 300 + "2"]
    tensors = [(n, np.int32(i), "int32", "") for i, n in enumerate(names)]
    return save_v2(os.path.join(d, "ckpt"), tensors)


@case("v2_large_tensors", "savev2")
def _large(d):
    # Above surgeon's 4 MiB streaming threshold, and one just below it.
    return save_v2(os.path.join(d, "ckpt"), [
        ("big/float32_20mb", rng(1).standard_normal(5 << 20).astype(np.float32), "float32", ""),
        ("big/int8_6mb", rng(2).integers(-128, 128, size=6 << 20, dtype=np.int8), "int8", ""),
        ("big/float64_under_4mib", rng(3).standard_normal((4 << 20) // 8 - 1), "float64", ""),
        ("small/bias", np.arange(10, dtype=np.float32), "float32", ""),
    ])


def sliced_tensors():
    """[(name, full value, dtype, [slice specs])]: partitions along each axis,
    a 2x2 grid, uneven parts. (TF 2.21 cannot assemble partitioned string or
    float16 tensors: "Dtype ... not supported".)"""
    def spec(shape, parts):
        return " ".join(map(str, shape)) + " " + ":".join("-" if p is None else f"{p[0]},{p[1]}" for p in parts)
    f = sample("float32", [10, 6], 11)
    i64 = sample("int64", [7], 12)
    b = sample("bool", [4, 3, 5], 14)
    g = sample("float64", [6, 4], 15)
    return [
        ("part/float32_axis0", f, "float32", [spec([10, 6], [(0, 4), None]), spec([10, 6], [(4, 3), None]),
                                              spec([10, 6], [(7, 3), None])]),
        ("part/int64_2", i64, "int64", [spec([7], [(0, 3)]), spec([7], [(3, 4)])]),
        ("part/bool_axis2_5parts", b, "bool", [spec([4, 3, 5], [None, None, (k, 1)]) for k in range(5)]),
        ("part/float64_grid", g, "float64", [spec([6, 4], [(r0, 3), (c0, 2)]) for r0 in (0, 3) for c0 in (0, 2)]),
    ]


def slice_of(value, spec):
    parts = spec.split(" ")[-1].split(":")
    index = []
    for p in parts:
        if p == "-":
            index.append(slice(None))
        else:
            start, length = map(int, p.split(","))
            index.append(slice(start, start + length))
    return value[tuple(index)]


@case("v2_sliced_savev2", "savev2", sliced=True)
def _sliced(d):
    tensors = []
    for name, value, dt, specs in sliced_tensors():
        for sp in reversed(specs):  # data order differs from slice order
            tensors.append((name, slice_of(value, sp), dt, sp))
    tensors.append(("plain/after", np.arange(3, dtype=np.float32), "float32", ""))
    return save_v2(os.path.join(d, "ckpt"), tensors)


# ---------------------------------------------------------------- V1 via Save / SaveSlices


def save_v1(path, tensors, sliced=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if sliced:
        tf.raw_ops.SaveSlices(filename=path, tensor_names=[t[0] for t in tensors],
                              shapes_and_slices=[t[3] for t in tensors], data=[const(t[1], t[2]) for t in tensors])
    else:
        tf.raw_ops.Save(filename=path, tensor_names=[t[0] for t in tensors], data=[const(t[1], t[2]) for t in tensors])
    return path


@case("v1_dtypes", "save_v1", fmt="v1")
def _v1_dtypes(d):
    tensors = []
    for i, dt in enumerate(V1_DTYPES):
        tensors += dtype_tensors(dt, 500 + 10 * i)
    return save_v1(os.path.join(d, "model.ckpt"), sorted(tensors, key=lambda t: t[0]))


@case("v1_strings", "save_v1", fmt="v1")
def _v1_strings(d):
    return save_v1(os.path.join(d, "model.ckpt"), special_strings())


@case("v1_sliced", "save_v1", fmt="v1", sliced=True)
def _v1_sliced(d):
    tensors = []
    for name, value, dt, specs in sliced_tensors():
        for sp in specs:
            tensors.append((name, slice_of(value, sp), dt, sp))
    return save_v1(os.path.join(d, "model.ckpt"), tensors, sliced=True)


@case("v1_large_and_many", "save_v1", fmt="v1")
def _v1_large(d):
    tensors = [("big/float32_8mb", rng(4).standard_normal(2 << 20).astype(np.float32), "float32", ""),
               ("big/int32_varints", rng(5).integers(-2**31, 2**31, size=300000, dtype=np.int32), "int32", "")]
    tensors += [(f"many/t{i:05d}", np.float32(i), "float32", "") for i in range(3000)]
    return save_v1(os.path.join(d, "model.ckpt"), tensors)


# ---------------------------------------------------------------- tf.compat.v1.train.Saver


def graph_session(graph):
    v1 = tf.compat.v1
    return v1.Session(graph=graph, config=v1.ConfigProto(device_count={"CPU": NUM_CPUS}))


def round_robin_devices():
    """A device function putting each new variable on the next CPU."""
    counter = [0]

    def device_fn(op):
        if op.type in ("VariableV2", "VarHandleOp"):
            counter[0] += 1
            return f"/device:CPU:{(counter[0] - 1) % NUM_CPUS}"
        return op.device
    return device_fn


def train_graph(*, resource, partitioner=None, part_shape=(20, 8), devices=None, seed=1):
    """A small TF1 model: dense layers (float32), an embedding (partitioned
    when `partitioner` is given), float64/int32/bool/string variables,
    global_step (int64) and Adam's slots; one training step is taken so the
    slots hold values. Returns (train_op, global_step)."""
    v1 = tf.compat.v1
    v1.set_random_seed(seed)
    ctx = v1.device(devices) if devices is not None else _Null()
    with ctx:
        x = tf.constant(rng(seed).standard_normal((4, 6)).astype(np.float32))
        ids = tf.constant([0, 3, 5, part_shape[0] - 1])
        with v1.variable_scope("net", use_resource=resource):
            w1 = v1.get_variable("dense1/kernel", [6, 16])
            b1 = v1.get_variable("dense1/bias", [16], initializer=v1.random_uniform_initializer(-0.1, 0.1))
            w2 = v1.get_variable("dense2/kernel", [16, part_shape[1]])
            emb = v1.get_variable("embedding", list(part_shape), partitioner=partitioner)
            v1.get_variable("stats/f64", [3], dtype=tf.float64, trainable=False)
            v1.get_variable("stats/count", [], dtype=tf.int32, initializer=v1.constant_initializer(7), trainable=False)
            v1.get_variable("stats/flags", [2, 2], dtype=tf.bool, initializer=v1.constant_initializer(True),
                            trainable=False)
            v1.get_variable("stats/label", [], dtype=tf.string, initializer=v1.constant_initializer("label ✓"),
                            trainable=False)
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        e = tf.gather(tf.convert_to_tensor(emb), ids)  # a partitioned variable concatenates its parts
        loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) - e))
        step = v1.train.get_or_create_global_step()
        train = v1.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
    return train, step


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def saver_case(d, *, version="V2", sharded=False, resource=False, partitioner=None, part_shape=(20, 8),
               devices=None, global_steps=(None,), name="model.ckpt"):
    v1 = tf.compat.v1
    os.makedirs(d, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        train, step = train_graph(resource=resource, partitioner=partitioner, part_shape=part_shape, devices=devices)
        saver = v1.train.Saver(sharded=sharded, write_version=getattr(v1.train.SaverDef, version))
        with graph_session(graph) as sess:
            sess.run(v1.global_variables_initializer())
            path = None
            for gs in global_steps:
                sess.run(train)
                path = saver.save(sess, os.path.join(d, name), global_step=gs)
    return path


@case("saver_v2_ref", "saver")
def _saver_v2(d):
    return saver_case(d)


@case("saver_v2_resource", "saver")
def _saver_v2_resource(d):
    return saver_case(d, resource=True)


@case("saver_v2_sharded_3dev", "saver", shards=3)
def _saver_v2_sharded(d):
    return saver_case(d, sharded=True, devices=round_robin_devices())


@case("saver_v2_steps_dir", "saver")
def _saver_v2_steps(d):
    # Two saves with global_step; surgeon is given the directory and must
    # pick model.ckpt-42 from the `checkpoint` state file, as TF does.
    saver_case(d, global_steps=(41, 42))
    return {"tf_path": os.path.join(d, "model.ckpt-42"), "surgeon_path": d}


@case("saver_v1", "saver", fmt="v1")
def _saver_v1(d):
    return saver_case(d, version="V1")


@case("saver_v1_sharded_3dev", "saver", fmt="v1", shards=3)
def _saver_v1_sharded(d):
    return saver_case(d, version="V1", sharded=True, devices=round_robin_devices())


@case("saver_v2_part_fixed3", "saver", sliced=True)
def _part_fixed3(d):
    return saver_case(d, partitioner=tf.compat.v1.fixed_size_partitioner(3))


@case("saver_v2_part_fixed5_axis1", "saver", sliced=True)
def _part_fixed5(d):
    return saver_case(d, partitioner=tf.compat.v1.fixed_size_partitioner(5, axis=1), part_shape=(12, 25))


@case("saver_v2_part_fixed2_resource", "saver", sliced=True)
def _part_fixed2_res(d):
    return saver_case(d, partitioner=tf.compat.v1.fixed_size_partitioner(2), resource=True)


@case("saver_v2_part_minmax4", "saver", sliced=True)
def _part_minmax(d):
    # 50x40 float32 = 8000 B; 2000-byte minimum slices, at most 4 partitions.
    return saver_case(d, partitioner=tf.compat.v1.min_max_variable_partitioner(max_partitions=4, min_slice_size=2000),
                      part_shape=(50, 40))


@case("saver_v2_part_sharded_3dev", "saver", shards=3, sliced=True)
def _part_sharded(d):
    # Each part on its own device: the merged index's full entry collects
    # slices whose data lie in different shards.
    return saver_case(d, sharded=True, devices=round_robin_devices(),
                      partitioner=tf.compat.v1.fixed_size_partitioner(3))


@case("saver_v1_part_fixed3", "saver", fmt="v1", sliced=True)
def _part_v1(d):
    return saver_case(d, version="V1", partitioner=tf.compat.v1.fixed_size_partitioner(3))


@case("saver_v1_part_sharded_3dev", "saver", fmt="v1", shards=3, sliced=True)
def _part_v1_sharded(d):
    # V1 slices of one tensor spread over three files.
    return saver_case(d, version="V1", sharded=True, devices=round_robin_devices(),
                      partitioner=tf.compat.v1.fixed_size_partitioner(3))


# ---------------------------------------------------------------- TF2 object-based


def tf2_model(seed=0):
    """Nested tf.Modules (a list of blocks, a dict, scalars of several dtypes)
    trained one step by a Keras 2 (tf_keras) legacy Adam, whose slots are
    saved as <var>/.OPTIMIZER_SLOT/optimizer/{m,v}."""
    import tf_keras
    r = rng(seed)

    class Block(tf.Module):
        def __init__(self, n, m, name):
            super().__init__(name=name)
            self.kernel = tf.Variable(r.standard_normal((n, m)).astype(np.float32), name="kernel")
            self.bias = tf.Variable(np.zeros(m, np.float32), name="bias")

        def __call__(self, x):
            return tf.nn.relu(tf.matmul(x, self.kernel) + self.bias)

    class Net(tf.Module):
        def __init__(self):
            super().__init__(name="net")
            self.blocks = [Block(4, 8, "b0"), Block(8, 3, "b1")]
            self.extra = {"scale": tf.Variable(2.5, dtype=tf.float64), "mask": tf.Variable([True, False, True]),
                          "note": tf.Variable("a string variable"), "counts": tf.Variable(np.arange(4, dtype=np.int64))}
            self.half = tf.Variable(np.ones((2, 2), np.float16))

        def __call__(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    net = Net()
    opt = tf_keras.optimizers.legacy.Adam(0.01)
    x = tf.constant(r.standard_normal((5, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(net(x) ** 2) + tf.reduce_sum(tf.cast(net.half, tf.float32))
    variables = [v for v in net.trainable_variables if v.dtype.is_floating]
    opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return net, opt


@case("tf2_nested_slots", "tf2")
def _tf2_nested(d):
    net, opt = tf2_model()
    ckpt = tf.train.Checkpoint(net=net, optimizer=opt, step=tf.Variable(3, dtype=tf.int64))
    return ckpt.save(os.path.join(d, "ckpt"))


@case("tf2_max_shard_size", "tf2", shards=10, sliced=True)
def _tf2_sharded(d):
    # MaxShardSizePolicy cuts the variables into slices spread over shards.
    vs = [tf.Variable(sample("float32", [1000 * (i + 1)], 30 + i)) for i in range(3)]
    ckpt = tf.train.Checkpoint(vs=vs, s=tf.Variable(["x", "yy"]), n=tf.Variable(7, dtype=tf.int64))
    policy = tf.train.experimental.MaxShardSizePolicy(max_shard_size=2500)
    return ckpt.write(os.path.join(d, "ckpt"), options=tf.train.CheckpointOptions(experimental_sharding_callback=policy))


@case("tf2_manager_dir", "tf2")
def _tf2_manager(d):
    # CheckpointManager keeps the last two of three; surgeon gets the directory.
    net, opt = tf2_model(1)
    ckpt = tf.train.Checkpoint(net=net, optimizer=opt)
    manager = tf.train.CheckpointManager(ckpt, d, max_to_keep=2)
    for _ in range(3):
        path = manager.save()
    return {"tf_path": path, "surgeon_path": d}


def keras3_model():
    import keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, name="conv"),
                              keras.layers.BatchNormalization(name="bn"), keras.layers.Flatten(),
                              keras.layers.Dense(5, name="head")])
    opt = keras.optimizers.Adam(0.01)
    x = rng(2).standard_normal((2, 8, 8, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x, training=True) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return model, opt


@case("keras3_tf_checkpoint", "keras")
def _keras3(d):
    model, opt = keras3_model()
    return tf.train.Checkpoint(model=model, optimizer=opt).write(os.path.join(d, "ckpt"))


def tf_keras_model():
    import tf_keras
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([tf_keras.layers.Input((6,)), tf_keras.layers.Embedding(10, 4, input_length=6),
                                 tf_keras.layers.Flatten(), tf_keras.layers.Dense(8, activation="relu"),
                                 tf_keras.layers.BatchNormalization(), tf_keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(rng(3).integers(0, 10, size=(4, 6)), rng(4).standard_normal((4, 3)))
    return model


@case("tf_keras_save_weights", "keras")
def _tf_keras_weights(d):
    prefix = os.path.join(d, "weights")
    tf_keras_model().save_weights(prefix)  # no .h5 suffix: TF checkpoint format
    return prefix


# ---------------------------------------------------------------- SavedModel


def saved_model_case(d):
    return {"tf_path": os.path.join(d, "variables", "variables"), "surgeon_path": d}


@case("saved_model_module", "saved_model")
def _sm_module(d):
    net, _ = tf2_model(2)
    net.serve = tf.function(lambda x: net(x), input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    tf.saved_model.save(net, d)
    return saved_model_case(d)


@case("saved_model_keras3_export", "saved_model")
def _sm_keras3(d):
    model, _ = keras3_model()
    model.export(d, format="tf_saved_model", verbose=False)
    return saved_model_case(d)


@case("saved_model_tf_keras", "saved_model")
def _sm_tf_keras(d):
    tf.saved_model.save(tf_keras_model(), d)
    return saved_model_case(d)


# ---------------------------------------------------------------- slim VGG16 (colleague's writer)


def _slim_case(version):
    @case(f"slim_vgg16_{version.lower()}", "slim_vgg16", fmt=version.lower())
    def gen(d):
        sys.path.insert(0, HERE)
        import slim_vgg16
        return slim_vgg16.write_slim_vgg16(os.path.join(d, "vgg_16.ckpt"), version)
    return gen


# Hook: the slim VGG16 cases exist when tests/tf/slim_vgg16.py does.
if os.path.exists(SLIM_VGG16):
    _slim_case("V1")
    _slim_case("V2")


# ---------------------------------------------------------------- driver


def check_layout(info, spec):
    """Raises when the files TensorFlow wrote do not match the registration."""
    p = info["tf_path"]
    if spec["format"] == "v2":
        data = sorted(glob.glob(glob.escape(p) + ".data-*-of-*"))
        if not os.path.isfile(p + ".index") or len(data) != spec["shards"]:
            raise AssertionError(f"expected a V2 bundle with {spec['shards']} data files at {p}, found "
                                 f"{[os.path.basename(f) for f in data]}")
    else:
        files = glob.glob(p) if "?" in p else [p] if os.path.isfile(p) else []
        if len(files) != spec["shards"] or os.path.exists(p + ".index"):
            raise AssertionError(f"expected a V1 checkpoint of {spec['shards']} files at {p}, found {files}")


def generate(out_dir, names=None):
    global tf, np
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import numpy
    import tensorflow
    tf, np = tensorflow, numpy
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * NUM_CPUS)
    start = time.monotonic()
    manifest = {"tensorflow": tf.__version__, "cases": {}}
    for name, spec in CASES.items():
        if names and name not in names:
            continue
        d = os.path.join(out_dir, name)
        if spec["kind"] != "slim_vgg16":  # slim_vgg16.py keeps its own stamp: 1.1 GB is reused
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d, exist_ok=True)
        t0 = time.monotonic()
        info = {k: spec[k] for k in ("kind", "format", "shards", "sliced")}
        try:
            got = spec["fn"](d)
            got = got if isinstance(got, dict) else {"tf_path": got, "surgeon_path": got}
            info.update(got)
            check_layout(info, spec)
        except Exception as e:  # recorded: the case's tests fail with it
            info["error"] = f"{type(e).__name__}: {e}"[:3000]
        info["seconds"] = round(time.monotonic() - t0, 3)
        manifest["cases"][name] = info
        print(f"{name}: {info['seconds']:.2f} s{'  ERROR ' + info['error'] if 'error' in info else ''}", flush=True)
    manifest["seconds"] = round(time.monotonic() - start, 3)
    return manifest


def stamp_text():
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__), SLIM_VGG16):
        if os.path.exists(path):
            with open(path, "rb") as f:
                h.update(path.encode() + b"\0" + f.read())
    return json.dumps({"sources": h.hexdigest(), "python": sys.executable})


def ensure_generated(out_dir, python=sys.executable, timeout=1800):
    """Generates the cases into out_dir in a fresh TensorFlow process (logical
    CPU devices must be configured before TensorFlow starts) unless its stamp
    is current. Returns the manifest."""
    stamp = os.path.join(out_dir, "stamp")
    manifest_path = os.path.join(out_dir, "manifest.json")
    want = stamp_text()
    try:
        with open(stamp) as f:
            if f.read() == want:
                with open(manifest_path) as g:
                    return json.load(g)
    except OSError:
        pass
    if os.path.exists(stamp):
        os.remove(stamp)
    os.makedirs(out_dir, exist_ok=True)
    p = subprocess.run([python, os.path.abspath(__file__), out_dir], capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"gen_corpus.py exited {p.returncode}\nstdout:\n{p.stdout[-5000:]}\n"
                           f"stderr:\n{p.stderr[-5000:]}")
    with open(manifest_path) as f:
        manifest = json.load(f)
    with open(stamp, "w") as f:
        f.write(want)
    return manifest


def main(argv):
    if len(argv) < 2:
        sys.exit(f"usage: {argv[0]} OUT_DIR [CASE...]")
    out_dir = os.path.abspath(argv[1])
    os.makedirs(out_dir, exist_ok=True)
    manifest = generate(out_dir, set(argv[2:]))
    path = os.path.join(out_dir, "manifest.json")
    with open(path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)
    print(f"{len(manifest['cases'])} cases in {manifest['seconds']:.1f} s")


if __name__ == "__main__":
    main(sys.argv)
