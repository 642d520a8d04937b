"""Size-bounded data files (target.max_shard_bytes, convert
--max-shard-bytes), judged by TensorFlow 2.21.

The README demo (slim VGG16 -> 10-class mycls, configs/vgg16_to_mycls.yaml)
from a TF-written V2 source, once as usual and once with its data in files
of at most 100 MB: TF imports the sharded target's meta graph, restores
every variable, and reads bitwise what it reads from the one-file run. Of
VGG16's kept tensors only fc6/weights (411,041,792 bytes) is over 100 MB,
so exactly one file may pass the limit, holding exactly that tensor. Then the
same with --link (the source's file is shard 0), and `convert
--max-shard-bytes 64MB` of the source, which TF reads bitwise as the source.
"""

import os

from conftest import localized_config, run_surgeon
from restore_check import tf_compare
import slim_vgg16

FC6_BYTES = 7 * 7 * 512 * 4096 * 4  # vgg_16/fc6/weights (and its Momentum slot)
FC7_BYTES = 4096 * 4096 * 4


def data_files(prefix):
    d, base = os.path.dirname(prefix), os.path.basename(prefix) + ".data-"
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith(base))


def sharded_config(source, target, path, limit):
    """The demo config with `max_shard_bytes: limit` in its target map."""
    localized_config("vgg16_to_mycls.yaml", source, target, path)
    with open(path) as f:
        text = f.read()
    text = text.replace(f"  checkpoint: {target}\n", f"  checkpoint: {target}\n  max_shard_bytes: {limit}\n", 1)
    assert f"max_shard_bytes: {limit}" in text
    with open(path, "w") as f:
        f.write(text)
    return path


def check_bounded(files, limit, larger_tensors):
    """Every file holds at most `limit` bytes, but one per tensor larger than
    that (their sizes: larger_tensors); no two neighbours would have fit in
    one file (a file is begun only when the next tensor does not fit); and
    they are named 0..n-1 of n."""
    sizes = [os.path.getsize(f) for f in files]
    assert sorted(s for s in sizes if s > limit) == sorted(larger_tensors)
    assert all(a + b > limit for a, b in zip(sizes, sizes[1:])), sizes
    n = len(files)
    assert [os.path.basename(f)[-len("00000-of-00000"):] for f in files] == \
        [f"{i:05d}-of-{n:05d}" for i in range(n)]


def test_sharded_demo_restores_bitwise(work_dir):
    case = os.path.join(os.path.abspath(work_dir), "shards")
    source = slim_vgg16.write_slim_vgg16(os.path.join(os.path.abspath(work_dir), "slim_vgg16_v2", "vgg_16.ckpt"),
                                         "V2")
    whole = os.path.join(case, "whole", "model.ckpt-0")
    sharded = os.path.join(case, "sharded", "model.ckpt-0")
    os.makedirs(case, exist_ok=True)
    run_surgeon("run", "-q", "--force",
                localized_config("vgg16_to_mycls.yaml", source, whole, os.path.join(case, "whole.yaml")))
    run_surgeon("run", "-q", "--force", sharded_config(source, sharded, os.path.join(case, "sharded.yaml"), "100MB"))

    files = data_files(sharded)
    # conv1-5 (59 MB) | fc6 weights | fc6 biases, fc7 (67 MB), fc8
    assert len(files) == 3, files
    check_bounded(files, 100_000_000, [FC6_BYTES])
    assert sum(map(os.path.getsize, files)) == os.path.getsize(whole + ".data-00000-of-00001")

    got = tf_compare(sharded, whole)
    assert got["keys"] == got["want_keys"] and len(got["keys"]) == 32
    assert got["differ"] == []
    assert set(got["restored"]) == set(got["keys"])
    assert got["restored_differ"] == []
    run_surgeon("verify", sharded)

    linked = os.path.join(case, "linked", "model.ckpt-0")
    run_surgeon("run", "-q", "--force", "--link",
                sharded_config(source, linked, os.path.join(case, "linked.yaml"), "1MB"))
    files = data_files(linked)
    # Shard 0 is the source's file; the new fc8 (163,840 bytes) and its
    # biases fit one more.
    assert len(files) == 2
    assert os.path.getsize(files[0]) == os.path.getsize(source + ".data-00000-of-00001")
    got = tf_compare(linked, whole)
    assert got["differ"] == [] and got["restored_differ"] == [] and len(got["restored"]) == 32


def test_converted_with_a_size_limit_reads_as_the_source(work_dir):
    case = os.path.join(os.path.abspath(work_dir), "shards_convert")
    source = slim_vgg16.write_slim_vgg16(os.path.join(os.path.abspath(work_dir), "slim_vgg16_v2", "vgg_16.ckpt"),
                                         "V2")
    out = os.path.join(case, "model.ckpt")
    run_surgeon("convert", "--force", source, out, "--max-shard-bytes", "64MB")
    files = data_files(out)
    # The source keeps its Momentum slots: fc6 and fc7 weights twice each.
    check_bounded(files, 64_000_000, [FC6_BYTES] * 2 + [FC7_BYTES] * 2)
    assert len(files) >= 6, files  # the 4 large tensors and at least 2 more for the rest
    got = tf_compare(out, source)
    assert got["keys"] == got["want_keys"] and got["differ"] == [] and got["restored"] == []
