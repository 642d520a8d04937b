"""Differential mutation testing: surgeon's checkpoint readers against
TensorFlow's, on mutants of TF-written checkpoints.

    python differential.py run --start S --count N --out results.jsonl
    python differential.py summary results*.jsonl
    python differential.py replay SEED          # rebuild one mutant, print it

Mutant SEED is fully determined by its seed: the base checkpoint (a case of
tests/tf/gen_corpus.py's output or of ../shared/tf-corpus), the mutation
and its parameters come from random.Random(SEED). Mutations:

  raw         byte flips anywhere in the .index / V1 file, truncations,
              appended bytes, flips in the footer
  table       the table re-encoded by tests/tf/tf_table.py: snappy blocks,
              tiny blocks, restart interval 1 (valid: both must accept),
              a broken snappy stream or a wrong block CRC
  entry       one BundleEntryProto changed (TF's own tensor_bundle_pb2):
              dtype, shape, shard_id, offset, size, crc32c, slices,
              garbage bytes, an unknown field (valid)
  keys        duplicate, unsorted, dropped, renamed, aliasing keys
  header      num_shards, endianness, version, missing header
  data        .data truncated, flipped, extended, a shard missing or extra
  v1          SavedTensorSlices meta (dtype, shape) and data records

Each mutant is read by TensorFlow (tf.train.load_checkpoint + every tensor,
in a crash-tolerant worker: tf_worker.py) and by `surgeon verify`,
`surgeon inspect --json` and `surgeon convert`; when both accept, TF also
reads surgeon's converted copy, which must hold bitwise the tensors TF read
from the mutant, and inspect's names/dtypes/shapes must be TF's. Classes:
see CLASSES.
"""

import argparse
import collections
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tf_table  # noqa: E402
from tf_worker import TFWorker  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
SURGEON = os.path.abspath(os.environ.get("SURGEON_BIN", os.path.join(REPO, "build", "surgeon")))
CORPUS = os.path.abspath(os.environ.get("SURGEON_CORPUS", os.path.join(os.path.dirname(REPO), "shared", "tf-corpus")))
WORK = os.path.abspath(os.environ.get("SURGEON_TF_WORK", os.path.join(os.path.dirname(SURGEON), "tf-work")))

CLASSES = [
    ("both_accept_equal", "both accept, bitwise-equal tensors"),
    ("both_refuse", "both refuse"),
    ("tf_accepts_surgeon_refuses", "TF accepts, surgeon refuses (README Limits)"),
    ("surgeon_accepts_tf_refuses", "surgeon accepts, TF refuses (BUG unless explained)"),
    ("tf_reader_limit", "surgeon accepts, TF's Python reader cannot return it (explained)"),
    ("both_accept_differ", "both accept, different tensors (BUG)"),
    ("tf_crash", "TF crashes (signal)"),
    ("tf_timeout", "TF hangs (killed)"),
    ("surgeon_inconsistent", "surgeon: verify/convert/inspect disagree (BUG)"),
    ("surgeon_crash", "surgeon crashes or fails without a message (BUG)"),
]
BUG_CLASSES = ("surgeon_accepts_tf_refuses", "both_accept_differ", "surgeon_inconsistent", "surgeon_crash")


def pb2():
    """TensorFlow's generated message modules, without TensorFlow's runtime
    when TensorFlow is not imported yet (as tests/independent/check_meta.py)."""
    import importlib.util
    import types
    if "tensorflow" not in sys.modules:
        spec = importlib.util.find_spec("tensorflow")
        shim = types.ModuleType("tensorflow")
        shim.__path__ = list(spec.submodule_search_locations)
        sys.modules["tensorflow"] = shim
    from tensorflow.core.framework import types_pb2
    from tensorflow.core.protobuf import tensor_bundle_pb2
    from tensorflow.core.util import saved_tensor_slice_pb2
    return types_pb2, tensor_bundle_pb2, saved_tensor_slice_pb2


# ---------------------------------------------------------------- bases

MAX_BASE_BYTES = 8 << 20


def bases():
    """[(name, format, files)] sorted by name: the TF-written checkpoints the
    mutants start from. files: {"index": path, "data": [paths]} for V2,
    {"v1": path} for a single-file V1 checkpoint."""
    out = []
    man_path = os.path.join(WORK, "gen", "manifest.json")
    if os.path.isfile(man_path):
        with open(man_path) as f:
            man = json.load(f)
        for name, info in sorted(man["cases"].items()):
            if "error" in info or "?" in info["tf_path"]:
                continue
            out.append((f"gen:{name}", info["format"], info["tf_path"]))
    if os.path.isdir(CORPUS):
        for d in sorted(os.listdir(CORPUS)):
            p = os.path.join(CORPUS, d, "expected.json")
            if os.path.isfile(p):
                with open(p) as f:
                    exp = json.load(f)
                out.append((f"corpus:{d}", exp["format"], os.path.join(CORPUS, d, exp["checkpoint"])))
    result = []
    for name, fmt, path in out:
        if fmt == "v2":
            data = sorted(glob.glob(glob.escape(path) + ".data-*-of-*"))
            files = {"index": path + ".index", "data": data}
            paths = [files["index"]] + data
        else:
            if not os.path.isfile(path):
                continue
            files = {"v1": path}
            paths = [path]
        if all(os.path.isfile(p) for p in paths) and sum(os.path.getsize(p) for p in paths) <= MAX_BASE_BYTES:
            result.append((name, fmt, files))
    return result


# ---------------------------------------------------------------- mutants


class Mutant:
    """The bytes of one mutant: index (or V1 file) and data shards."""

    def __init__(self, fmt, index, data, desc):
        self.fmt, self.index, self.data, self.desc = fmt, index, data, desc

    def write(self, d):
        """Writes the files under d; returns the path TF and surgeon read."""
        if self.fmt == "v1":
            path = os.path.join(d, "m.ckpt")
            with open(path, "wb") as f:
                f.write(self.index)
            return path
        prefix = os.path.join(d, "m")
        with open(prefix + ".index", "wb") as f:
            f.write(self.index)
        n = len(self.data)
        for i, blob in enumerate(self.data):
            if blob is None:
                continue
            name, total = (blob[0], blob[1]) if isinstance(blob, tuple) else (i, n)
            body = blob[2] if isinstance(blob, tuple) else blob
            with open(f"{prefix}.data-{name:05d}-of-{total:05d}", "wb") as f:
                f.write(body)
        return prefix


class MutationError(Exception):
    """The chosen mutation does not apply to this base (another is tried)."""


def flip_bytes(r, blob, lo=0, hi=None, count=None):
    blob = bytearray(blob)
    hi = len(blob) if hi is None else hi
    if hi <= lo:
        raise MutationError("nothing to flip")
    for _ in range(count or r.choice((1, 1, 1, 2, 4))):
        pos = r.randrange(lo, hi)
        blob[pos] ^= r.choice((1, 0x80, 0xFF, r.randrange(1, 256)))
    return bytes(blob)


def entry_keys(entries):
    return [i for i, (k, _) in enumerate(entries) if k != b""]


def mutate_entry_proto(r, e, pb, n_shards):
    """One field of a BundleEntryProto; returns a description."""
    field = r.choice(("dtype", "shape", "shape", "shard_id", "offset", "offset", "size", "size", "crc32c", "slices"))
    if field == "dtype":
        e.dtype = r.choice(list(range(0, 31)) + [101, 114, 1000, 2 ** 31 - 1])
        return f"dtype={e.dtype}"
    if field == "shape":
        dims = e.shape.dim
        how = r.choice(("dim+1", "dim-1", "zero", "neg", "append1", "drop", "unknown_rank", "huge", "rank255"))
        if how in ("dim+1", "dim-1", "zero", "neg", "huge", "drop") and not dims:
            how = "append1"
        if how == "dim+1":
            r.choice(dims).size += 1
        elif how == "dim-1":
            r.choice(dims).size -= 1
        elif how == "zero":
            r.choice(dims).size = 0
        elif how == "neg":
            r.choice(dims).size = r.choice((-1, -2, -(2 ** 40)))
        elif how == "append1":
            e.shape.dim.add().size = 1
        elif how == "drop":
            del dims[r.randrange(len(dims))]
        elif how == "unknown_rank":
            e.shape.unknown_rank = True
        elif how == "huge":
            r.choice(dims).size = r.choice((2 ** 31, 2 ** 40, 2 ** 62, 2 ** 63 - 1))
        else:
            del dims[:]
            for _ in range(255):
                dims.add().size = 1
        return f"shape:{how}"
    if field == "shard_id":
        e.shard_id = r.choice((n_shards, n_shards + 1, 2 ** 31 - 1, -1, max(0, n_shards - 1)))
        return f"shard_id={e.shard_id}"
    if field == "offset":
        e.offset = max(-(2 ** 63), min(2 ** 63 - 1, r.choice((e.offset + 1, e.offset - 1, e.offset + e.size,
                                                            e.offset + 7, 2 ** 40, -1, 0, 2 ** 63 - 1))))
        return f"offset={e.offset}"
    if field == "size":
        e.size = max(-(2 ** 63), min(2 ** 63 - 1, r.choice((e.size + 1, e.size - 1, 0, e.size * 2, 2 ** 40, -1,
                                                          e.size + 4096))))
        return f"size={e.size}"
    if field == "crc32c":
        e.crc32c ^= r.choice((1, 0x80000000, r.randrange(1, 2 ** 32)))
        return "crc32c"
    s = e.slices.add()
    for d in e.shape.dim:
        ext = s.extent.add()
        if r.random() < 0.5:
            ext.start, ext.length = r.randrange(0, max(1, d.size + 1)), r.randrange(0, max(1, d.size + 1))
    return "slices:add"


def structured_v2(r, base_index, data, kind):
    _, tb, _ = pb2()
    entries, _ = tf_table.read_table(base_index)
    header = tb.BundleHeaderProto()
    if entries and entries[0][0] == b"":
        header.ParseFromString(entries[0][1])
    n_shards = header.num_shards
    keys = entry_keys(entries)
    enc = {}
    desc = kind
    if kind == "entry":
        if not keys:
            raise MutationError("no entries")
        i = r.choice(keys)
        e = tb.BundleEntryProto()
        e.ParseFromString(entries[i][1])
        desc = "entry:" + mutate_entry_proto(r, e, tb, n_shards)
        entries[i] = (entries[i][0], e.SerializeToString())
    elif kind == "garbage_value":
        i = r.choice(keys or [0])
        entries[i] = (entries[i][0], bytes(r.randrange(256) for _ in range(r.randrange(0, 12))))
    elif kind == "unknown_field":
        i = r.choice(keys or [0])
        entries[i] = (entries[i][0], entries[i][1] + bytes([15 << 3, r.randrange(128)]))  # field 15, varint
    elif kind == "keys":
        how = r.choice(("dup", "swap", "drop", "rename", "alias", "empty_index"))
        desc = f"keys:{how}"
        if how == "empty_index":
            entries = entries[:1]
        elif not keys:
            raise MutationError("no entries")
        elif how == "dup":
            i = r.choice(keys)
            entries.insert(i + 1, entries[i])
        elif how == "swap":
            if len(keys) < 2:
                raise MutationError("one entry")
            i = r.choice(keys[:-1])
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
        elif how == "drop":
            del entries[r.choice(keys)]
        elif how == "rename":
            i = r.choice(keys)
            k = bytearray(entries[i][0])
            k[r.randrange(len(k))] ^= r.choice((1, 0x20, 0x80))
            entries[i] = (bytes(k), entries[i][1])
            entries.sort(key=lambda kv: kv[0])
        else:  # a second name for an existing entry's bytes
            i = r.choice(keys)
            entries.append((entries[i][0] + b"_alias", entries[i][1]))
            entries.sort(key=lambda kv: kv[0])
    elif kind == "header":
        how = r.choice(("num_shards", "endianness", "producer", "min_consumer", "bad_consumers", "missing",
                        "garbage"))
        desc = f"header:{how}"
        if how == "missing":
            entries = [kv for kv in entries if kv[0] != b""]
        elif how == "garbage":
            entries[0] = (b"", bytes(r.randrange(256) for _ in range(r.randrange(1, 10))))
        else:
            if how == "num_shards":
                header.num_shards = r.choice((0, -1, n_shards + 1, max(0, n_shards - 1), 65537, 2 ** 31 - 1))
                desc += f"={header.num_shards}"
            elif how == "endianness":
                header.endianness = 1
            elif how == "producer":
                header.version.producer = r.choice((0, 2, 1000, -1))
                desc += f"={header.version.producer}"
            elif how == "min_consumer":
                header.version.min_consumer = r.choice((1, 2, 1000, -1))
                desc += f"={header.version.min_consumer}"
            else:
                header.version.bad_consumers.append(r.choice((0, 1, 2)))
                desc += f"={list(header.version.bad_consumers)}"
            entries[0] = (b"", header.SerializeToString())
    elif kind == "table":
        how = r.choice(("snappy", "tiny_blocks", "restart1", "tiny_snappy", "bad_snappy", "bad_crc"))
        desc = f"table:{how}"
        if how in ("snappy", "tiny_snappy"):
            enc["compression"] = "snappy"
        if how in ("tiny_blocks", "tiny_snappy", "bad_crc", "bad_snappy"):
            enc["block_size"] = r.choice((1, 16, 64, 200))
        if how == "restart1":
            enc["restart_interval"] = 1
        if how == "bad_snappy":
            enc["compression"] = "snappy"
            enc["bad_snappy_block"] = r.randrange(max(1, len(entries) // 2))
        if how == "bad_crc":
            enc["bad_crc_block"] = r.randrange(max(1, len(entries) // 2))
    else:
        raise ValueError(kind)
    return tf_table.write_table(entries, **enc), data, desc


def data_mutation(r, index, data):
    how = r.choice(("truncate", "flip", "append", "missing_shard", "extra_shard", "empty"))
    data = list(data)
    i = r.randrange(len(data))
    if how == "truncate":
        if not data[i]:
            raise MutationError("empty shard")
        data[i] = data[i][:r.randrange(len(data[i]))]
    elif how == "flip":
        data[i] = flip_bytes(r, data[i])
    elif how == "append":
        data[i] = data[i] + bytes(r.randrange(256) for _ in range(r.choice((1, 3, 100))))
    elif how == "missing_shard":
        data[i] = None
    elif how == "extra_shard":
        data.append((len(data), len(data), b"\0" * 8))
    else:
        data[i] = b""
    return index, data, f"data:{how}"


def raw_mutation(r, blob):
    how = r.choice(("flip", "flip", "flip", "truncate", "append", "footer_flip", "zero_run"))
    if how == "flip":
        return flip_bytes(r, blob), "raw:flip"
    if how == "truncate":
        return blob[:r.randrange(len(blob))], "raw:truncate"
    if how == "append":
        return blob + bytes(r.randrange(256) for _ in range(r.choice((1, 8, 48)))), "raw:append"
    if how == "footer_flip":
        return flip_bytes(r, blob, max(0, len(blob) - tf_table.FOOTER_SIZE), len(blob), 1), "raw:footer_flip"
    start = r.randrange(len(blob))
    n = r.choice((1, 4, 16))
    return blob[:start] + b"\0" * min(n, len(blob) - start) + blob[start + n:], "raw:zero_run"


def structured_v1(r, blob):
    _, _, sts = pb2()
    entries, _ = tf_table.read_table(blob)
    how = r.choice(("meta_dtype", "meta_shape", "drop_record", "values", "dup", "swap", "reencode",
                    "slice_extent"))
    desc = f"v1:{how}"
    meta = sts.SavedTensorSlices()
    meta.ParseFromString(entries[0][1])
    recs = list(range(1, len(entries)))
    if how in ("meta_dtype", "meta_shape", "slice_extent"):
        if not meta.meta.tensor:
            raise MutationError("no tensors")
        t = r.choice(meta.meta.tensor)
        if how == "meta_dtype":
            t.type = r.choice(list(range(0, 24)) + [101])
        elif how == "meta_shape":
            if t.shape.dim and r.random() < 0.7:
                r.choice(t.shape.dim).size += r.choice((1, -1))
            else:
                t.shape.dim.add().size = 2
        else:
            if not t.slice or not t.slice[0].extent:
                raise MutationError("no extent")
            ext = r.choice(t.slice[0].extent)
            ext.length = ext.length + 1 if ext.HasField("length") else 1
        entries[0] = (b"", meta.SerializeToString())
    elif how == "drop_record":
        if not recs:
            raise MutationError("no records")
        del entries[r.choice(recs)]
    elif how == "values":
        if not recs:
            raise MutationError("no records")
        i = r.choice(recs)
        rec = sts.SavedTensorSlices()
        rec.ParseFromString(entries[i][1])
        t = rec.data.data
        fields = [f for f, _ in t.ListFields() if f.is_repeated and f.type != f.TYPE_MESSAGE]
        if not fields:
            raise MutationError("no values")
        field = r.choice(fields)
        vals = getattr(t, field.name)
        if len(vals) and r.random() < 0.6:
            del vals[-1]
        else:
            vals.append(vals[0] if len(vals) else b"" if field.type in (field.TYPE_BYTES, field.TYPE_STRING) else 0)
        entries[i] = (entries[i][0], rec.SerializeToString())
    elif how in ("dup", "swap"):
        if len(recs) < 2 and how == "swap" or not recs:
            raise MutationError("too few records")
        i = r.choice(recs[:-1] if how == "swap" else recs)
        if how == "dup":
            entries.insert(i + 1, entries[i])
        else:
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
    enc = {}
    if how == "reencode":
        enc = r.choice(({"compression": "snappy"}, {"block_size": 32}, {"restart_interval": 1},
                        {"compression": "snappy", "block_size": 100}))
        desc += ":" + ",".join(f"{k}={v}" for k, v in enc.items())
    return tf_table.write_table(entries, **enc), desc


STRUCTURED_LIMIT = 256 << 10  # re-encoding uses a pure-Python CRC


def make_mutant(seed, base_list=None):
    """(base name, Mutant) for SEED, deterministically."""
    base_list = base_list if base_list is not None else bases()
    r = random.Random(seed)
    name, fmt, files = base_list[r.randrange(len(base_list))]
    if fmt == "v1":
        with open(files["v1"], "rb") as f:
            blob = f.read()
        for _ in range(20):
            try:
                if len(blob) <= STRUCTURED_LIMIT and r.random() < 0.5:
                    out, desc = structured_v1(r, blob)
                else:
                    out, desc = raw_mutation(r, blob)
                return name, Mutant("v1", out, [], desc)
            except MutationError:
                continue
        raise MutationError(f"seed {seed}: no mutation applies to {name}")
    with open(files["index"], "rb") as f:
        index = f.read()
    data = []
    for p in files["data"]:
        with open(p, "rb") as f:
            data.append(f.read())
    for _ in range(20):
        try:
            kind = r.choices(("raw", "entry", "keys", "header", "table", "garbage_value", "unknown_field", "data"),
                             weights=(30, 30, 8, 8, 8, 3, 3, 10))[0]
            if kind == "raw":
                out, desc = raw_mutation(r, index)
                return name, Mutant("v2", out, data, desc)
            if kind == "data":
                return name, Mutant("v2", *data_mutation(r, index, data))
            if len(index) > STRUCTURED_LIMIT:
                continue
            return name, Mutant("v2", *structured_v2(r, index, data, kind))
        except MutationError:
            continue
    raise MutationError(f"seed {seed}: no mutation applies to {name}")


# ---------------------------------------------------------------- judging


def run_surgeon(args, timeout=60):
    try:
        p = subprocess.run([SURGEON, *args], capture_output=True, text=True, timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired:
        return {"rc": "timeout", "out": "", "err": ""}
    return {"rc": p.returncode, "out": p.stdout, "err": p.stderr}


def clean_failure(res):
    """A refusal surgeon explains: exit 1 or 2 with 'surgeon: error:' or a
    verify report naming bad tensors."""
    if res["rc"] not in (1, 2):
        return False
    return "surgeon: error:" in res["err"] or re.search(r"\d+ bad\b", res["out"]) is not None


def first_error(res):
    for line in (res["err"] + "\n" + res["out"]).splitlines():
        if "error" in line or "BAD" in line or "bad" in line:
            return line.strip()[:300]
    return (res["err"] or res["out"]).strip()[:300]


def normalize(msg):
    """A message with paths and numbers blanked, to group refusals."""
    msg = re.sub(r"/\S*/", "…/", msg)
    msg = re.sub(r"\d+", "N", msg)
    msg = re.sub(r"'[^']*'", "'…'", msg)
    return msg[:140]


def surgeon_verdict(path, out_prefix, dtype_enum):
    """surgeon's three readings of a mutant."""
    verify = run_surgeon(["verify", path])
    inspect = run_surgeon(["inspect", "--json", path])
    convert = run_surgeon(["convert", path, out_prefix])
    crashed = [n for n, res in (("verify", verify), ("inspect", inspect), ("convert", convert))
               if res["rc"] != 0 and not clean_failure(res)]
    v = {"verify": verify["rc"], "inspect": inspect["rc"], "convert": convert["rc"], "crashed": crashed}
    v["accept"] = verify["rc"] == 0 and convert["rc"] == 0
    if not v["accept"]:
        v["error"] = first_error(verify if verify["rc"] != 0 else convert)
    v["consistent"] = (verify["rc"] == 0) == (convert["rc"] == 0) and (inspect["rc"] == 0 or not v["accept"])
    if inspect["rc"] == 0:
        try:
            j = json.loads(inspect["out"])
            v["inspect_tensors"] = {t["name"]: [dtype_enum(t["dtype"]), t["shape"]] for t in j["tensors"]}
        except Exception as e:
            v["inspect_tensors"] = None
            v["inspect_error"] = str(e)
    return v


def judge(seed, base_list, worker, scratch, dtype_enum):
    """Builds mutant SEED, reads it both ways; returns its record."""
    base, m = make_mutant(seed, base_list)
    d = tempfile.mkdtemp(prefix=f"m{seed}-", dir=scratch)
    try:
        path = m.write(d)
        out_prefix = os.path.join(d, "out", "c")
        rec = {"seed": seed, "base": base, "mutation": m.desc}
        s = surgeon_verdict(path, out_prefix, dtype_enum)
        rec["surgeon"] = {k: s[k] for k in ("verify", "inspect", "convert", "accept") if k in s}
        if "error" in s:
            rec["surgeon_error"] = s["error"]
        t = worker.call({"op": "read", "path": path})
        rec["tf"] = ("crash" if "crash" in t else "timeout" if "timeout" in t else
                     "accept" if t.get("ok") else "refuse")
        if "crash" in t:
            rec["tf_signal"] = t["crash"]
        if t.get("ok") is False:
            rec["tf_error"] = t["error"][:300]
        rec["class"] = classify(rec, s, t, worker, out_prefix)
        return rec
    finally:
        shutil.rmtree(d, ignore_errors=True)


def classify(rec, s, t, worker, out_prefix):
    if s["crashed"]:
        rec["crashed"] = s["crashed"]
        return "surgeon_crash"
    if not s["consistent"]:
        return "surgeon_inconsistent"
    if "crash" in t:
        return "tf_crash"
    if "timeout" in t:
        return "tf_timeout"
    tf_ok = t.get("ok")
    if tf_ok and not s["accept"]:
        return "tf_accepts_surgeon_refuses"
    if not tf_ok:
        if s["accept"] and any(m in t.get("error", "") for m in TF_READER_LIMITS):
            return "tf_reader_limit"
        return "surgeon_accepts_tf_refuses" if s["accept"] else "both_refuse"
    # Both accept: inspect's listing and the converted tensors must be TF's.
    want = t["tensors"]
    listed = s.get("inspect_tensors")
    if listed is None or {k: v for k, v in listed.items()} != {k: [v[0], v[1]] for k, v in want.items()}:
        rec["differ"] = "inspect --json differs from TF's variable maps"
        return "both_accept_differ"
    back = worker.call({"op": "read", "path": out_prefix})
    if not back.get("ok"):
        rec["differ"] = f"TF on surgeon's converted copy: {back}"[:400]
        return "both_accept_differ"
    if back["tensors"] != want:
        bad = sorted(k for k in set(want) | set(back["tensors"]) if want.get(k) != back["tensors"].get(k))
        rec["differ"] = f"converted copy differs in {bad[:5]}"
        return "both_accept_differ"
    return "both_accept_equal"


# TF refusals that are limits of TensorFlow's Python CheckpointReader, not of
# the checkpoint: names must decode as UTF-8 (the C++ BundleReader takes any
# bytes); V1 partitioned tensors are "not supported" by get_tensor (a Saver
# restores them slice by slice), and so are V1 tensors of dtypes outside
# TensorSliceReader::GetTensor's list (complex, half, quantized, uint16 of
# valid V1 files: "Data type not supported"); numpy refuses a zero-element
# shape whose other dims multiply past 2^63 ([3, 0, 2^62]), which TF's
# TensorShape takes.
TF_READER_LIMITS = ("UnicodeDecodeError", "Sliced checkpoints are not supported", "Data type not supported",
                    "Failed to create numpy array", "Could not allocate ndarray")


def dtype_enum_fn():
    types_pb2, _, _ = pb2()
    return lambda name: types_pb2.DataType.Value(name) if name in types_pb2.DataType.keys() else name


def judge_seeds(seeds, judge_one, out, progress, every):
    """Calls judge_one(seed) for each seed and returns the records; a
    MutationError makes a "skipped" record, any other exception a
    "generator_error" one (a bug of the generator: kept, the run goes on).
    Each record is appended to the JSON-lines file `out` as it is made."""
    records = []
    t0 = time.monotonic()
    f = open(out, "a") if out else None
    try:
        for i, seed in enumerate(seeds):
            try:
                rec = judge_one(seed)
            except MutationError as e:
                rec = {"seed": seed, "class": "skipped", "mutation": str(e)}
            except Exception as e:
                rec = {"seed": seed, "class": "generator_error", "mutation": f"{type(e).__name__}: {e}"[:300]}
            records.append(rec)
            if f:
                f.write(json.dumps(rec) + "\n")
                f.flush()
            if progress and i % every == every - 1:
                print(f"{i + 1}/{len(seeds)} in {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    finally:
        if f:
            f.close()
    return records


def run(start, count, out, scratch=None, nice=0, progress=True, worker=None):
    """Judges mutants start..start+count-1, appending records to `out`
    (JSON lines; seeds already there are skipped). Returns the records."""
    base_list = bases()
    if not base_list:
        raise RuntimeError("no base checkpoints: run gen_corpus.py (tests/tf) or provide ../shared/tf-corpus")
    done = set()
    records = []
    if out and os.path.exists(out):
        with open(out) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                done.add(r["seed"])
                records.append(r)
    seeds = [s for s in range(start, start + count) if s not in done]
    return records + judge_list(seeds, base_list, out, scratch, nice, progress, worker)


def judge_list(seeds, base_list, out, scratch=None, nice=0, progress=True, worker=None):
    """Judges the mutants `seeds` (in a scratch directory, TF in a worker
    process), appending each record to `out`. Returns the new records."""
    own_worker = worker is None
    worker = worker or TFWorker(nice=nice)
    scratch = scratch or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
    scratch = tempfile.mkdtemp(prefix="surgeon-diff-", dir=scratch)
    dtype_enum = dtype_enum_fn()
    try:
        return judge_seeds(seeds, lambda seed: judge(seed, base_list, worker, scratch, dtype_enum), out, progress, 500)
    finally:
        if own_worker:
            worker.close()
        shutil.rmtree(scratch, ignore_errors=True)


def rejudge(paths, classes, out, nice=0):
    """Judges again, with the surgeon of today, the seeds that `paths`
    recorded in one of `classes` (e.g. after fixing what they found);
    appends the new records to `out`, which `summary` reads after the run's
    files so that a seed's last record counts."""
    seeds = sorted({r["seed"] for r in load(paths) if r["class"] in classes})
    print(f"re-judging {len(seeds)} seeds", file=sys.stderr)
    return judge_list(seeds, bases(), out, nice=nice)


# ---------------------------------------------------------------- summary


def count_lines(records, classes, extra=()):
    """The class table: one line per (class, meaning) of `classes`, then each
    (class, label) of `extra` that occurs, then the total."""
    counts = collections.Counter(r["class"] for r in records)
    lines = [f"{'class':<30} {'mutants':>9}  meaning", "-" * 88]
    for cls, meaning in classes:
        lines.append(f"{cls:<30} {counts.get(cls, 0):>9}  {meaning}")
    for cls, label in extra:
        if counts.get(cls):
            lines.append(f"{label:<30} {counts[cls]:>9}")
    lines.append(f"{'total':<30} {sum(counts.values()):>9}")
    return lines


def example_lines(records, order, keys, examples):
    """For each class in `order` that occurs: its records grouped by
    keys[cls](record) -> (mutation, message) (default: the mutation's kind),
    largest group first, with up to `examples` seeds to replay."""
    lines = []
    for cls in order:
        rs = [r for r in records if r["class"] == cls]
        if not rs:
            continue
        key = keys.get(cls, lambda r: (r["mutation"].split("=")[0], ""))
        by = collections.defaultdict(list)
        for r in rs:
            by[key(r)].append(r)
        lines.append(f"\n{cls}:")
        for (mut, msg), grp in sorted(by.items(), key=lambda kv: -len(kv[1])):
            seeds = ",".join(str(r["seed"]) for r in grp[:examples])
            lines.append(f"  {len(grp):>7}  {mut:<32} {msg}  (seeds {seeds})")
    return lines


def summarize(records, examples=3):
    """The summary table as text."""
    lines = count_lines(records, CLASSES, [("generator_error", "generator_error (test bug)"),
                                           ("skipped", "skipped (no mutation applies)")])
    sigs = collections.Counter(r.get("tf_signal") for r in records if r["class"] == "tf_crash")
    if sigs:
        lines.append("TF crash signals: " + ", ".join(f"{sig_name(s)}: {n}" for s, n in sigs.most_common()))
    keys = {
        "tf_accepts_surgeon_refuses": lambda r: (r["mutation"].split("=")[0], normalize(r.get("surgeon_error", ""))),
        "surgeon_accepts_tf_refuses": lambda r: (r["mutation"].split("=")[0], normalize(r.get("tf_error", ""))),
        "tf_crash": lambda r: (r["mutation"].split("=")[0], sig_name(r.get("tf_signal")) + (
            ", surgeon ACCEPTS" if r.get("surgeon", {}).get("accept") else ", surgeon refuses")),
    }
    order = ("surgeon_crash", "surgeon_inconsistent", "both_accept_differ", "surgeon_accepts_tf_refuses",
             "tf_crash", "tf_accepts_surgeon_refuses")
    return "\n".join(lines + example_lines(records, order, keys, examples))


def sig_name(s):
    import signal as _s
    try:
        return _s.Signals(s).name if s and s > 0 else f"exit {-s}" if s else str(s)
    except ValueError:
        return str(s)


def load(paths):
    """The records of the JSON-lines files `paths`; a seed recorded twice
    (re-judged) counts with its last record."""
    by_seed = {}
    for p in paths:
        with open(p) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue  # a chunk cut mid-line by a stop
                by_seed[r["seed"]] = r
    return list(by_seed.values())


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("run")
    a.add_argument("--start", type=int, default=0)
    a.add_argument("--count", type=int, required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--nice", type=int, default=0)
    s = sub.add_parser("summary")
    s.add_argument("files", nargs="+")
    j = sub.add_parser("rejudge")
    j.add_argument("--classes", required=True, help="comma-separated classes to judge again")
    j.add_argument("--out", required=True)
    j.add_argument("files", nargs="+")
    p = sub.add_parser("replay")
    p.add_argument("seed", type=int)
    p.add_argument("--dir", default=".")
    args = ap.parse_args(argv[1:])
    if args.cmd == "run":
        run(args.start, args.count, args.out, nice=args.nice)
    elif args.cmd == "summary":
        print(summarize(load(args.files)))
    elif args.cmd == "rejudge":
        rejudge(args.files, set(args.classes.split(",")), args.out)
    else:
        base, m = make_mutant(args.seed)
        os.makedirs(args.dir, exist_ok=True)
        print(f"seed {args.seed}: {base} {m.desc} -> {m.write(args.dir)}")


if __name__ == "__main__":
    main(sys.argv)
