"""`surgeon average`: the element-wise weighted mean of checkpoints written
by TensorFlow, judged against numpy's float64 arithmetic rounded once to
each dtype, read back by TensorFlow (tf.train.load_checkpoint, and
import_meta_graph + restore through the copied .meta)."""

import json
import math
import os
import shutil

import numpy as np
import pytest

from conftest import run_python, run_surgeon

WEIGHTS = [1.0, 2.0, 3.0]
FLOATS = {"w": "float32", "h": "float16", "b": "bfloat16", "d": "float64"}


@pytest.fixture(scope="module")
def runs(work_dir):
    """Three checkpoints of one tf.compat.v1 model (a training run's
    checkpoints 100, 200, 300): float variables of four dtypes, an int32
    table equal in all, global_step different in each."""
    d = os.path.join(work_dir, "average")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    code = f"""
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
rng = np.random.default_rng(7)
g = tf.Graph()
with g.as_default():
    shapes = {{"w": [5, 7], "h": [4], "b": [3, 3], "d": [2]}}
    vs = {{n: tf1.get_variable("net/" + n, s, dtype=dt) for (n, s), dt in
          zip(shapes.items(), [tf.float32, tf.float16, tf.bfloat16, tf.float64])}}
    table = tf1.get_variable("net/table", initializer=tf.constant([3, 1, 4], tf.int32))
    step = tf1.train.get_or_create_global_step()
    saver = tf1.train.Saver()
    with tf1.Session() as s:
        s.run(tf1.global_variables_initializer())
        for k in (100, 200, 300):
            for n, v in vs.items():
                v.load(rng.standard_normal(shapes[n]).astype(v.dtype.base_dtype.as_numpy_dtype), s)
            step.load(k, s)
            saver.save(s, {os.path.join(d, "model.ckpt")!r}, global_step=k)
"""
    p = run_python(code)
    assert p.returncode == 0, p.stderr[-3000:]
    return d, [os.path.join(d, f"model.ckpt-{k}") for k in (100, 200, 300)]


def read_all(prefix):
    import tensorflow as tf
    r = tf.train.load_checkpoint(prefix)
    return {n: r.get_tensor(n) for n in r.get_variable_to_shape_map()}


def round_bfloat16(x):
    """float64 -> bfloat16, correctly rounded (nearest, ties to even), for
    normal values: no double rounding through float32."""
    import ml_dtypes
    out = []
    for v in np.asarray(x, np.float64).ravel():
        m, e = math.frexp(v)
        out.append(round(m * 256) * 2.0 ** (e - 8))
    return np.array(out).reshape(np.shape(x)).astype(ml_dtypes.bfloat16)


def expected_mean(values, dtype):
    acc = np.zeros(np.shape(values[0]), np.float64)
    for w, v in zip(WEIGHTS, values):
        acc = acc + w * np.asarray(v, np.float64)
    mean = acc / sum(WEIGHTS)
    return round_bfloat16(mean) if dtype == "bfloat16" else mean.astype(dtype)


def test_weighted_mean_is_float64_rounded_once_and_tf_reads_it(runs):
    d, prefixes = runs
    out = os.path.join(d, "soup", "model.ckpt-0")
    refused = run_surgeon("average", *prefixes, "-o", out, "--weights", "1,2,3", check=False)
    assert refused.returncode != 0
    assert "'global_step'" in refused.stderr and prefixes[0] in refused.stderr, refused.stderr
    assert not os.path.exists(os.path.dirname(out))
    run_surgeon("average", *prefixes, "-o", out, "--weights", "1,2,3", "--non-float", "first")
    sources = [read_all(p) for p in prefixes]
    got = read_all(out)
    assert sorted(got) == sorted(sources[0])
    for name, dtype in FLOATS.items():
        key = "net/" + name
        want = expected_mean([s[key] for s in sources], dtype)
        assert got[key].dtype == want.dtype and got[key].tobytes() == want.tobytes(), (key, got[key], want)
    assert got["global_step"] == 100
    assert got["net/table"].tolist() == [3, 1, 4]
    # The .meta of the first checkpoint came along: TF imports it and restores the soup.
    code = f"""
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import json, tensorflow as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
with tf.Graph().as_default(), tf1.Session() as s:
    saver = tf1.train.import_meta_graph({out + ".meta"!r})
    saver.restore(s, {out!r})
    print(json.dumps(s.run(tf1.global_variables()[0]).tolist()))
"""
    p = run_python(code)
    assert p.returncode == 0, p.stderr[-3000:]
    assert json.loads(p.stdout.strip().splitlines()[-1]) == got["net/w"].tolist()


def test_equal_weights_to_safetensors(runs):
    d, prefixes = runs
    from safetensors.numpy import load_file
    out = os.path.join(d, "soup.safetensors")
    run_surgeon("average", *prefixes[:2], "-o", out, "--exclude", "global_step")
    got = load_file(out)
    assert "global_step" not in got
    sources = [read_all(p) for p in prefixes[:2]]
    want = ((sources[0]["net/w"].astype(np.float64) + sources[1]["net/w"].astype(np.float64)) / 2).astype(np.float32)
    assert got["net/w"].tobytes() == want.tobytes()


def test_mismatched_checkpoints_are_refused_naming_tensor_and_files(runs, work_dir):
    d, prefixes = runs
    other = os.path.join(d, "other", "model.ckpt-1")
    code = f"""
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
ck = tf.train.Checkpoint(w=tf.Variable(tf.zeros([5, 8])))
ck.write({other!r})
"""
    p = run_python(code)
    assert p.returncode == 0, p.stderr[-3000:]
    r = run_surgeon("average", prefixes[0], other, "-o", os.path.join(d, "bad", "m.ckpt-0"), check=False)
    assert r.returncode != 0
    assert "do not hold the same tensors" in r.stderr and "'net/w'" in r.stderr and other in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(d, "bad"))
    r = run_surgeon("average", prefixes[0], "-o", os.path.join(d, "bad", "m.ckpt-0"), check=False)
    assert r.returncode != 0 and "at least two" in r.stderr
    r = run_surgeon("average", *prefixes, "-o", os.path.join(d, "bad", "m.ckpt-0"), "--weights", "1,0,1", check=False)
    assert r.returncode != 0 and "weight 0 is not a finite number > 0" in r.stderr


def test_python_average_writes_what_the_cli_writes(runs):
    try:
        import surgeon
    except ImportError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"SKIPPED: surgeon package not importable ({e})")
    d, prefixes = runs
    cli = os.path.join(d, "cli.safetensors")
    run_surgeon("average", *prefixes, "-o", cli, "--weights", "1,2,3", "--non-float", "first")
    r = surgeon.average(prefixes, os.path.join(d, "py.safetensors"), [1, 2, 3], non_float="first")
    assert (r.averaged, r.equal, r.from_first) == (4, 1, ["global_step"])
    a, b = open(cli, "rb").read(), open(os.path.join(d, "py.safetensors"), "rb").read()
    assert a == b
    with pytest.raises(surgeon.RequestError, match="'global_step'"):
        surgeon.average(prefixes, os.path.join(d, "refused.safetensors"))
    assert not os.path.exists(os.path.join(d, "refused.safetensors"))
