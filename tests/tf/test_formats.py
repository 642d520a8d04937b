"""surgeon's checkpoint readers and writer, judged by TensorFlow 2.21.

Cases: every checkpoint gen_corpus.py makes TensorFlow write at test time
(`gen:<name>`) and every case of the fixed corpus of old TF-written
checkpoints (`corpus:<name>`). For each:

  test_inspect          `surgeon inspect --json` lists exactly the names,
                        dtypes and shapes tf.train.list_variables reports
                        (and, given a directory, the checkpoint TF's
                        latest_checkpoint picks)
  test_convert          `surgeon convert` writes a single-shard V2 checkpoint
                        whose every tensor TensorFlow reads bit for bit as it
                        reads the source (NaN payloads, -0.0, strings as bytes)
  test_convert_bytes    single-shard V2 sources only: the converted .index and
                        .data-00000-of-00001 are byte-identical to TF's files
  test_verify_source,   `surgeon verify` passes, having checked as many
  test_verify_output    tensors as TensorFlow lists
  test_flipped_byte     one byte flipped inside one tensor's stored bytes (in a
                        copy): V2 - verify exits 1 naming that tensor and no
                        other, convert refuses and leaves no checkpoint, and
                        TensorFlow also refuses that tensor; V1 (no per-tensor
                        checksum; the flip is inside an SSTable data block,
                        whose CRC covers it) - verify exits 1 naming the file,
                        the damaged block and the tensor, and TensorFlow also
                        refuses that tensor

The byte positions to flip come from this file's own reading of the SSTable
(`read_table`, with TensorFlow's protobuf classes), not from surgeon.
TensorFlow reads in this process; a surgeon-written index is first parsed by
`read_table` so that a malformed one fails the test instead of tripping a
CHECK inside TensorFlow's reader.
"""

import glob
import json
import os
import shutil
import struct
import sys

import numpy as np
import pytest

from conftest import CORPUS, HERE, TF_ERROR, WORK, run_surgeon, surgeon_json

sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402

if TF_ERROR is None:
    import tensorflow as tf
    from tensorflow.core.framework import types_pb2
    from tensorflow.core.protobuf import tensor_bundle_pb2
    from tensorflow.core.util import saved_tensor_slice_pb2

OUT = os.path.join(WORK, "formats")


# ---------------------------------------------------------------- cases


class Case:
    """One checkpoint under test. `tf_path` is what TensorFlow opens,
    `surgeon_path` what surgeon is given (a prefix, V1 file or pattern, or a
    directory)."""

    def __init__(self, cid, kind, fmt, shards, sliced, tf_path=None, surgeon_path=None, error=None):
        self.id, self.kind, self.format, self.shards, self.sliced = cid, kind, fmt, shards, sliced
        self.tf_path, self.surgeon_path, self.error = tf_path, surgeon_path, error

    @property
    def name(self):
        return self.id.split(":", 1)[1]

    @property
    def single_shard_v2(self):
        return self.format == "v2" and self.shards == 1


def corpus_specs():
    """{id: Case} for the fixed corpus, from each case's expected.json."""
    out = {}
    if not os.path.isdir(CORPUS):
        return out
    for d in sorted(os.listdir(CORPUS)):
        path = os.path.join(CORPUS, d, "expected.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            exp = json.load(f)
        case_dir = os.path.join(CORPUS, d)
        tf_path = os.path.join(case_dir, exp["checkpoint"])
        saved_model = os.path.isfile(os.path.join(case_dir, "saved_model.pb"))
        fmt = exp["format"]
        shards = exp["header"].get("num_shards", 1) if fmt == "v2" else 1
        sliced = any(t.get("slices") for t in exp["tensors"])
        out[f"corpus:{d}"] = Case(f"corpus:{d}", "corpus", fmt, shards, sliced, tf_path,
                                  case_dir if saved_model else tf_path)
    return out


GEN_IDS = [f"gen:{n}" for n in gen_corpus.CASES]
CORPUS_SPECS = corpus_specs()
# Without the fixed corpus, one placeholder id whose tests skip visibly.
CORPUS_IDS = list(CORPUS_SPECS) or ["corpus:absent"]
ALL_IDS = GEN_IDS + CORPUS_IDS


def static_spec(cid):
    if cid.startswith("gen:"):
        s = gen_corpus.CASES[cid[4:]]
        return Case(cid, s["kind"], s["format"], s["shards"], s["sliced"])
    return CORPUS_SPECS.get(cid)


SINGLE_V2_IDS = [c for c in ALL_IDS if static_spec(c) is None or static_spec(c).single_shard_v2]


@pytest.fixture(scope="session")
def manifest(work_dir):
    return gen_corpus.ensure_generated(os.path.join(work_dir, "gen"))


@pytest.fixture
def ckpt(request, manifest):
    cid = request.param
    if cid.startswith("corpus:"):
        request.getfixturevalue("corpus_dir")  # skips visibly without the corpus
        return CORPUS_SPECS[cid]
    info = manifest["cases"].get(cid[4:])
    if info is None:
        pytest.fail(f"{cid}: not in the generated manifest (stale stamp?)")
    if "error" in info:
        pytest.fail(f"{cid}: TensorFlow failed to write the case: {info['error']}")
    return Case(cid, info["kind"], info["format"], info["shards"], info["sliced"], info["tf_path"],
                info["surgeon_path"])


def cases(ids):
    return pytest.mark.parametrize("ckpt", ids, indirect=True)


# ---------------------------------------------------------------- reading with TensorFlow


def dtype_name(dt):
    return types_pb2.DataType.Name(tf.as_dtype(dt).as_datatype_enum)


def tf_variables(path):
    """{name: (DT_* name, shape)} as TensorFlow lists them."""
    reader = tf.train.load_checkpoint(path)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = dict(tf.train.list_variables(path))
    assert set(shapes) == set(dtypes)
    return {n: (dtype_name(dtypes[n]), list(shapes[n])) for n in shapes}


def tf_tensor(reader, path, name, dtype):
    """TensorFlow's value of one tensor. CheckpointReader.get_tensor does not
    handle every dtype (uint16 in a V1 file, quantized types) nor partitioned
    V1 tensors; the RestoreV2 op does."""
    try:
        return reader.get_tensor(name)
    except (tf.errors.UnimplementedError, ValueError):
        return tf.raw_ops.RestoreV2(prefix=path, tensor_names=[name], shape_and_slices=[""], dtypes=[dtype])[0].numpy()


def same_bits(a, b):
    """Bitwise equality: NaN payloads and -0.0 count; strings as bytes."""
    if isinstance(a, bytes) or isinstance(b, bytes):
        return type(a) is type(b) and a == b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype == object:
        return all(type(x) is bytes and type(y) is bytes and x == y for x, y in zip(a.ravel(), b.ravel()))
    return a.tobytes() == b.tobytes()


# ---------------------------------------------------------------- SSTable / bundle index, read here


MAGIC = struct.pack("<Q", 0xDB4775248B80FB57)


def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _block_entries(data, offset, size):
    """(key, value offset in the file, value length) of one uncompressed block."""
    assert data[offset + size] == 0, f"block at {offset}: compressed (type {data[offset + size]})"
    block = data[offset:offset + size]
    (num_restarts,) = struct.unpack_from("<I", block, size - 4)
    limit = size - 4 * (1 + num_restarts)
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        vlen, pos = _varint(block, pos)
        key = key[:shared] + bytes(block[pos:pos + unshared])
        pos += unshared
        yield key, offset + pos, vlen
        pos += vlen


def read_table(path):
    """[(key, value_offset, value_length, block_offset)] of an SSTable file,
    in key order (TF's writers never compress)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[-8:] == MAGIC, f"{path}: not an SSTable"
    footer = data[-48:]
    _, pos = _varint(footer, 0)
    _, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, _ = _varint(footer, pos)
    out = []
    for _, voff, vlen in _block_entries(data, index_offset, index_size):
        boff, p = _varint(data, voff)
        bsize, _ = _varint(data, p)
        out += [(k, vo, vl, boff) for k, vo, vl in _block_entries(data, boff, bsize)]
    return out, data


def read_bundle_index(prefix):
    """(header, [(key, BundleEntryProto)]) of a V2 .index, parsed here."""
    rows, data = read_table(prefix + ".index")
    assert rows and rows[0][0] == b"", f"{prefix}.index: no header entry"
    header = tensor_bundle_pb2.BundleHeaderProto.FromString(data[rows[0][1]:rows[0][1] + rows[0][2]])
    entries = [(k, tensor_bundle_pb2.BundleEntryProto.FromString(data[o:o + n])) for k, o, n, _ in rows[1:]]
    return header, entries


def data_filename(prefix, shard, num_shards):
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


# ---------------------------------------------------------------- surgeon runs, once per case


_converted = {}


def convert(case):
    """Runs `surgeon convert` once per case; returns (CompletedProcess, prefix)."""
    if case.id not in _converted:
        d = os.path.join(OUT, "convert", case.id.replace(":", "_"))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        prefix = os.path.join(d, "model.ckpt")
        _converted[case.id] = (run_surgeon("convert", case.surgeon_path, prefix, check=False), prefix)
    return _converted[case.id]


def converted_prefix(case):
    p, prefix = convert(case)
    if p.returncode != 0:
        pytest.fail(f"surgeon convert {case.surgeon_path} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    read_bundle_index(prefix)  # well-formed before TensorFlow opens it
    return prefix


# ---------------------------------------------------------------- the checks


@cases(ALL_IDS)
def test_inspect(ckpt):
    out = surgeon_json("inspect", ckpt.surgeon_path)
    assert out["format"] == ckpt.format
    got = {}
    for t in out["tensors"]:
        assert t["name"] not in got, f"inspect lists '{t['name']}' twice"
        got[t["name"]] = (t["dtype"], t["shape"])
    want = tf_variables(ckpt.tf_path)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"TensorFlow lists but surgeon does not: {missing[:20]}; surgeon only: {extra[:20]}"
    differ = {n: (got[n], want[n]) for n in want if got[n] != want[n]}
    assert not differ, f"(surgeon, TensorFlow) disagree on dtype/shape: {dict(list(differ.items())[:20])}"
    if os.path.isdir(ckpt.surgeon_path) and not os.path.isfile(os.path.join(ckpt.surgeon_path, "saved_model.pb")):
        assert os.path.realpath(out["path"]) == os.path.realpath(tf.train.latest_checkpoint(ckpt.surgeon_path))


@cases(ALL_IDS)
def test_convert(ckpt):
    prefix = converted_prefix(ckpt)
    files = sorted(os.path.basename(f) for f in glob.glob(glob.escape(prefix) + "*"))
    assert files == ["model.ckpt.data-00000-of-00001", "model.ckpt.index"], files
    want = tf_variables(ckpt.tf_path)
    got = tf_variables(prefix)
    assert got == want, "names, dtypes or shapes changed"
    src, out = tf.train.load_checkpoint(ckpt.tf_path), tf.train.load_checkpoint(prefix)
    dtypes = src.get_variable_to_dtype_map()
    differ = []
    for name in sorted(want):
        a = tf_tensor(src, ckpt.tf_path, name, dtypes[name])
        b = tf_tensor(out, prefix, name, dtypes[name])
        if not same_bits(a, b):
            differ.append(name)
        del a, b
    assert not differ, f"TensorFlow reads {len(differ)} tensors differently after convert: {differ[:20]}"


@cases(SINGLE_V2_IDS)
def test_convert_bytes(ckpt):
    assert ckpt.single_shard_v2
    prefix = converted_prefix(ckpt)
    for suffix in (".index", ".data-00000-of-00001"):
        with open(ckpt.tf_path + suffix, "rb") as f:
            want = f.read()
        with open(prefix + suffix, "rb") as f:
            got = f.read()
        if got != want:
            at = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
            pytest.fail(f"{suffix}: {len(got)} bytes written, TensorFlow's has {len(want)}; first difference at "
                        f"byte {at}: {got[at:at + 16].hex()} vs {want[at:at + 16].hex()}")


def check_verify_passes(path, tf_path):
    p = run_surgeon("verify", "-q", path)
    n = len(tf_variables(tf_path))
    summary = [line for line in p.stdout.splitlines() if " tensors, " in line and line.endswith(" bad")]
    assert len(summary) == 1, p.stdout
    assert f": {n} tensors, " in summary[0] and summary[0].endswith(", 0 bad"), \
        f"expected {n} tensors checked, 0 bad: {summary[0]}"
    assert "BAD" not in p.stdout, p.stdout


@cases(ALL_IDS)
def test_verify_source(ckpt):
    check_verify_passes(ckpt.surgeon_path, ckpt.tf_path)


@cases(ALL_IDS)
def test_verify_output(ckpt):
    check_verify_passes(converted_prefix(ckpt), converted_prefix(ckpt))


# ---------------------------------------------------------------- a flipped byte


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5A]))


def v2_flip_target(prefix):
    """(full tensor name, shard, file offset) of the middle byte of the
    largest stored tensor (or slice, when there are slices)."""
    header, entries = read_bundle_index(prefix)
    owner = {}  # slice key -> full name
    for key, e in entries:
        for s in e.slices:
            owner.setdefault(s.SerializeToString(), key)
    stored = [(k, e) for k, e in entries if not e.slices and e.size > 0]
    slice_rows = [(k, e) for k, e in stored if k.startswith(b"\x00")]
    k, e = max(slice_rows or stored, key=lambda ke: (ke[1].size, ke[0]))
    if k.startswith(b"\x00"):
        # OrderedCode WriteString: 0xff -> ff 00, 0x00 -> 00 ff, then 00 01.
        escaped = {n: b"".join({0: b"\x00\xff", 255: b"\xff\x00"}.get(c, bytes([c])) for c in n) for n, _ in entries}
        full = [n for n, fe in entries if fe.slices and k.startswith(b"\x00" + escaped[n] + b"\x00\x01")]
        assert len(full) == 1, k
        name = full[0]
    else:
        name = k
    return name.decode(), header.num_shards, e.shard_id, e.offset + e.size // 2


def v2_files(prefix, num_shards):
    return [prefix + ".index"] + [data_filename(prefix, i, num_shards) for i in range(num_shards)]


def copy_checkpoint(files, d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    out = []
    for f in files:
        dst = os.path.join(d, os.path.basename(f))
        link_or_copy(f, dst)
        out.append(dst)
    return out


def damage(copied, index, offset):
    """Replaces the hard link copied[index] by a real copy, then flips a byte."""
    path = copied[index]
    tmp = path + ".tmp"
    shutil.copyfile(path, tmp)
    os.replace(tmp, path)
    flip(path, offset)
    return path


@cases(ALL_IDS)
def test_flipped_byte(ckpt):
    d = os.path.join(OUT, "flip", ckpt.id.replace(":", "_"))
    if ckpt.format == "v2":
        flipped_v2(ckpt, d)
    else:
        flipped_v1(ckpt, d)


def flipped_v2(ckpt, d):
    name, num_shards, shard, offset = v2_flip_target(ckpt.tf_path)
    copied = copy_checkpoint(v2_files(ckpt.tf_path, num_shards), d)
    prefix = os.path.join(d, os.path.basename(ckpt.tf_path))
    bad_file = damage(copied, 1 + shard, offset)

    p = run_surgeon("verify", prefix, check=False)
    assert p.returncode == 1, f"verify exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    bad = [line for line in p.stdout.splitlines() if line.startswith("BAD")]
    assert len(bad) == 1 and bad[0].startswith(f"BAD  {name}: "), \
        f"expected exactly one BAD line naming '{name}':\n{p.stdout[-3000:]}"
    assert os.path.basename(bad_file) in bad[0], f"the message does not name {bad_file}: {bad[0]}"

    target = os.path.join(d, "out", "model.ckpt")
    p = run_surgeon("convert", prefix, target, check=False)
    assert p.returncode == 1, f"convert of a corrupt checkpoint exited {p.returncode}"
    assert f"'{name}'" in p.stderr, f"convert's error does not name '{name}': {p.stderr}"
    assert not glob.glob(glob.escape(target) + "*"), "convert left files at its target"

    with pytest.raises(tf.errors.OpError):  # TensorFlow agrees the damage is in this tensor
        tf.train.load_checkpoint(prefix).get_tensor(name)


def v1_files(path):
    return sorted(glob.glob(path)) if "?" in path else [path]


def flipped_v1(ckpt, d):
    files = v1_files(ckpt.tf_path)
    best = None  # (value length, file index, key, value offset)
    for i, f in enumerate(files):
        rows, data = read_table(f)
        for key, off, n, _ in rows:
            if key.startswith(b"\x00") and (best is None or n > best[0]):
                best = (n, i, key, off, data[off:off + n])
    n, index, key, off, value = best
    name = saved_tensor_slice_pb2.SavedTensorSlices.FromString(value).data.name
    copied = copy_checkpoint(files, d)
    bad_file = damage(copied, index, off + n // 2)
    path = os.path.join(d, os.path.basename(ckpt.tf_path))

    p = run_surgeon("verify", path, check=False)
    assert p.returncode == 1, f"verify exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    out = p.stdout + p.stderr
    assert bad_file in out and "checksum mismatch" in out, out
    assert f"'{name}'" in out, f"the report does not name tensor '{name}':\n{out}"

    with pytest.raises(tf.errors.OpError):  # TensorFlow agrees the damage is in this tensor
        tf.train.load_checkpoint(path).get_tensor(name)
