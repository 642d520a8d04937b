"""Differential mutation testing of meta graphs: surgeon's graph checker
(`surgeon verify`) against tf.compat.v1.train.import_meta_graph.

    python meta_differential.py run --start S --count N [--out F.jsonl]
    python meta_differential.py summary F.jsonl...

Bases: the .meta files of ../shared/tf-corpus, of tests/tf/gen_corpus.py's
saver cases, and two surgeon writes over gen:saver_v2_ref (fresh and
rewrite mode), each next to its checkpoint. Mutant SEED is fixed by its
seed: a base and one change made through TF's own MetaGraphDef message
(tensorflow.core.protobuf.meta_graph_pb2):

  input      drop / redirect to a missing node / bad output index /
             missing control input / an extra input / swap two inputs
  attr       a type attr set to another or an invalid DataType, an attr
             removed, an unknown attr added, an attr of the wrong kind
  op         a node's op set to another op of the graph or an unknown op
  node       removed, duplicated, renamed
  collection a node_list naming a missing node, a VariableDef whose
             variable/initializer/snapshot names nothing
  saver      SaverDef tensor/op names changed
  versions   graph producer/min_consumer/bad_consumers
  opdef      stripped_op_list entry removed or its args changed
  const      a Const value whose dtype differs from its dtype attr
  raw        byte flips and truncations of the serialized file

Each mutant goes through `surgeon verify` (checksums and the graph checker)
and, in a fresh tf.Graph of a crash-tolerant worker, import_meta_graph.
A graph surgeon accepts must import in TensorFlow; the reverse
(surgeon refuses, TF imports) is the checker's extra saver/restore rules.
"""

import argparse
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import differential  # noqa: E402
from differential import CORPUS, SURGEON, WORK, normalize, sig_name  # noqa: E402
from tf_worker import TFWorker  # noqa: E402

CLASSES = [
    ("both_accept", "surgeon's checker passes, TF imports"),
    ("both_refuse", "both refuse"),
    ("tf_imports_surgeon_refuses", "TF imports, surgeon refuses (checker's saver/restore rules)"),
    ("surgeon_accepts_tf_refuses", "surgeon passes, TF import fails (CHECKER GAP)"),
    ("tf_crash", "TF crashes (signal)"),
    ("tf_timeout", "TF hangs (killed)"),
    ("surgeon_crash", "surgeon crashes or fails without a message (BUG)"),
]


def meta_pb2():
    differential.pb2()  # the tensorflow package shim when TF is not imported
    from tensorflow.core.framework import types_pb2
    from tensorflow.core.protobuf import meta_graph_pb2
    return meta_graph_pb2, types_pb2


SURGEON_BASE_CONFIG = """
source: {{checkpoint: {src}}}
target: {{checkpoint: {out}, meta_graph: {mode}}}
seed: 7
drop_optimizer_slots: true
rename: [{{from: "net/", to: "cls/"}}]
new:
  - {{name: cls/head/kernel, shape: [8, 3], initializer: glorot_uniform}}
  - {{name: cls/head/bias, shape: [3], initializer: zeros}}
"""


def surgeon_bases(root):
    """Two surgeon-written graphs (fresh and rewrite) over gen:saver_v2_ref,
    made under root once; [(name, meta path, checkpoint path)]."""
    src = os.path.join(WORK, "gen", "saver_v2_ref", "model.ckpt")
    if not os.path.isfile(src + ".meta"):
        return []
    out = []
    for name, mode in (("fresh", "true"), ("rewrite", "{from: source}")):
        d = os.path.join(root, name)
        prefix = os.path.join(d, "out", "model.ckpt-0")
        if not os.path.isfile(prefix + ".meta"):
            os.makedirs(d, exist_ok=True)
            cfg = os.path.join(d, "cfg.yaml")
            with open(cfg, "w") as f:
                f.write(SURGEON_BASE_CONFIG.format(src=src, out=prefix, mode=mode))
            p = subprocess.run([SURGEON, "run", cfg, "--force"], capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"surgeon run ({name}) failed:\n{p.stdout}\n{p.stderr}")
        out.append((f"surgeon:{name}", prefix + ".meta", prefix))
    return out


def bases(root, max_bytes=None):
    """[(name, meta, checkpoint prefix or V1 file)] sorted by name; with
    max_bytes only the .meta files up to that size."""
    out = []
    for meta in sorted(glob.glob(os.path.join(CORPUS, "*", "*.meta"))):
        out.append((f"corpus:{os.path.basename(os.path.dirname(meta))}", meta, meta[:-5]))
    for meta in sorted(glob.glob(os.path.join(WORK, "gen", "saver_*", "*.meta"))):
        ck = meta[:-5]
        if os.path.isfile(ck + ".index") or os.path.isfile(ck):
            out.append((f"gen:{os.path.basename(os.path.dirname(meta))}/{os.path.basename(ck)}", meta, ck))
    out += surgeon_bases(os.path.join(root, "surgeon-bases"))
    return [b for b in out if max_bytes is None or os.path.getsize(b[1]) <= max_bytes]


MutationError = differential.MutationError


TYPE_ATTRS = ("T", "dtype", "DstT", "SrcT", "Tidx", "out_type", "index_type", "Tshape", "Tparams", "Tindices")


def node_with(r, nodes, pred):
    cands = [n for n in nodes if pred(n)]
    if not cands:
        raise MutationError("no node fits")
    return r.choice(cands)


def mutate(r, mg, types_pb2):
    nodes = mg.graph_def.node
    if not nodes:
        raise MutationError("empty graph")
    names = [n.name for n in nodes]
    kind = r.choices(("input", "attr", "op", "node", "collection", "saver", "versions", "opdef", "const"),
                     weights=(20, 20, 10, 12, 10, 6, 5, 7, 5))[0]
    if kind == "input":
        n = node_with(r, nodes, lambda n: len(n.input) > 0)
        i = r.randrange(len(n.input))
        how = r.choice(("drop", "missing", "bad_index", "missing_control", "extra", "swap", "to_control"))
        if how == "drop":
            del n.input[i]
        elif how == "missing":
            n.input[i] = "no_such_node_" + str(r.randrange(100))
        elif how == "bad_index":
            n.input[i] = n.input[i].lstrip("^").split(":")[0] + ":" + str(r.choice((1, 2, 5, 99)))
        elif how == "missing_control":
            n.input.append("^no_such_node")
        elif how == "extra":
            n.input.insert(i, r.choice(names))
        elif how == "swap":
            if len(n.input) < 2:
                raise MutationError("one input")
            j = (i + 1) % len(n.input)
            n.input[i], n.input[j] = n.input[j], n.input[i]
        else:
            n.input[i] = "^" + n.input[i].lstrip("^").split(":")[0]
        return f"input:{how}", n.op
    if kind == "attr":
        n = node_with(r, nodes, lambda n: len(n.attr) > 0)
        key = r.choice(sorted(n.attr))
        how = r.choice(("type", "type", "remove", "unknown", "kind", "shape"))
        if how == "type":
            key = next((k for k in sorted(n.attr) if n.attr[k].WhichOneof("value") == "type"), None)
            if key is None:
                raise MutationError("no type attr")
            n.attr[key].type = r.choice([1, 2, 3, 9, 10, 7, 14, 19, 20, 101, 0, 500])
            how = f"type({key})"
        elif how == "remove":
            del n.attr[key]
            how = f"remove({key})"
        elif how == "unknown":
            n.attr["surgeon_mutant_attr"].i = 3
        elif how == "kind":
            v = n.attr[key]
            if v.WhichOneof("value") == "i":
                v.s = b"x"
            else:
                v.i = 7
            how = f"kind({key})"
        else:
            key = next((k for k in sorted(n.attr) if n.attr[k].WhichOneof("value") == "shape"), None)
            if key is None:
                raise MutationError("no shape attr")
            n.attr[key].shape.dim.add().size = r.choice((2, -2, 0))
            how = f"shape({key})"
        return f"attr:{how}", n.op
    if kind == "op":
        n = r.choice(nodes)
        old = n.op
        ops = sorted({m.op for m in nodes} - {old})
        n.op = r.choice(ops + ["NoSuchOp"]) if ops else "NoSuchOp"
        return "op:change", old
    if kind == "node":
        i = r.randrange(len(nodes))
        how = r.choice(("remove", "remove", "dup", "rename"))
        op = nodes[i].op
        if how == "remove":
            del nodes[i]
        elif how == "dup":
            nodes.add().CopyFrom(nodes[i])
        else:
            nodes[i].name = nodes[i].name + "_renamed"
        return f"node:{how}", op
    if kind == "collection":
        cols = [k for k in sorted(mg.collection_def) if mg.collection_def[k].WhichOneof("kind")]
        if not cols:
            raise MutationError("no collections")
        k = r.choice(cols)
        c = mg.collection_def[k]
        which = c.WhichOneof("kind")
        if which == "node_list":
            c.node_list.value.append("no_such_node:0")
            return "collection:node_list", k
        if which == "bytes_list" and k in ("variables", "trainable_variables", "model_variables", "local_variables"):
            from tensorflow.core.framework import variable_pb2
            if not c.bytes_list.value:
                raise MutationError("empty")
            i = r.randrange(len(c.bytes_list.value))
            vd = variable_pb2.VariableDef()
            vd.ParseFromString(c.bytes_list.value[i])
            field = r.choice(("variable_name", "initializer_name", "snapshot_name"))
            setattr(vd, field, "no_such_node" + (":0" if field != "initializer_name" else ""))
            c.bytes_list.value[i] = vd.SerializeToString()
            return f"collection:variable_def.{field}", k
        if which == "bytes_list":
            if not c.bytes_list.value:
                raise MutationError("empty")
            c.bytes_list.value[0] = b"\xff\x01garbage"
            return "collection:bytes_garbage", k
        raise MutationError("collection kind")
    if kind == "saver":
        if not mg.HasField("saver_def"):
            raise MutationError("no saver")
        field = r.choice(("filename_tensor_name", "save_tensor_name", "restore_op_name"))
        setattr(mg.saver_def, field, "no_such_node" + (":0" if field != "restore_op_name" else ""))
        return f"saver:{field}", ""
    if kind == "versions":
        v = mg.graph_def.versions
        how = r.choice(("producer", "min_consumer", "bad_consumers"))
        if how == "producer":
            v.producer = r.choice((0, -1, 100000))
        elif how == "min_consumer":
            v.min_consumer = r.choice((100000, 3000))
        else:
            v.bad_consumers.append(v.producer if r.random() < 0.5 else 2000)
        return f"versions:{how}", ""
    if kind == "opdef":
        ops = mg.meta_info_def.stripped_op_list.op
        if not ops:
            raise MutationError("no op list")
        i = r.randrange(len(ops))
        how = r.choice(("remove", "drop_input_arg", "drop_attr"))
        name = ops[i].name
        if how == "remove":
            del ops[i]
        elif how == "drop_input_arg":
            if not ops[i].input_arg:
                raise MutationError("no args")
            del ops[i].input_arg[-1]
        else:
            if not ops[i].attr:
                raise MutationError("no attrs")
            del ops[i].attr[r.randrange(len(ops[i].attr))]
        return f"opdef:{how}", name
    n = node_with(r, nodes, lambda n: n.op == "Const" and "value" in n.attr and "dtype" in n.attr)
    n.attr["value"].tensor.dtype = r.choice([t for t in (1, 2, 3, 7, 9, 10) if t != n.attr["dtype"].type])
    return "const:value_dtype", n.op


def link_checkpoint(ck, d):
    """Symlinks the base checkpoint's files as d/m*; returns d/m."""
    prefix = os.path.join(d, "m")
    if os.path.isfile(ck):  # V1 single file
        os.symlink(ck, prefix)
    else:
        os.symlink(ck + ".index", prefix + ".index")
        for p in glob.glob(glob.escape(ck) + ".data-*"):
            os.symlink(p, prefix + p[len(ck):])
    return prefix


def make_mutant(seed, base_list):
    """(base name, mutation, bytes of the mutated .meta) for SEED."""
    mpb, types_pb2 = meta_pb2()
    r = random.Random(seed)
    name, meta, ck = base_list[r.randrange(len(base_list))]
    with open(meta, "rb") as f:
        blob = f.read()
    if r.random() < 0.1:
        out, desc = differential.raw_mutation(r, blob)
        return name, ck, desc, "", out
    for _ in range(20):
        mg = mpb.MetaGraphDef()
        mg.ParseFromString(blob)
        try:
            desc, op = mutate(r, mg, types_pb2)
        except MutationError:
            continue
        return name, ck, desc, op, mg.SerializeToString()
    raise MutationError(f"seed {seed}: no mutation applies to {name}")


def graph_problems(res, meta_path):
    """verify's BAD lines about the meta graph."""
    return [ln for ln in res["out"].splitlines() if ln.startswith(f"BAD  {meta_path}:")]


def judge(seed, base_list, worker, scratch):
    name, ck, desc, op, blob = make_mutant(seed, base_list)
    d = tempfile.mkdtemp(prefix=f"g{seed}-", dir=scratch)
    try:
        prefix = link_checkpoint(ck, d)
        meta = prefix + ".meta"
        with open(meta, "wb") as f:
            f.write(blob)
        rec = {"seed": seed, "base": name, "mutation": desc, "op": op}
        res = differential.run_surgeon(["verify", "-q", prefix])
        rec["surgeon_rc"] = res["rc"]
        problems = graph_problems(res, meta)
        if problems:
            rec["surgeon_error"] = problems[0][len(f"BAD  {meta}: "):][:300]
        t = worker.call({"op": "import_meta", "path": meta}, timeout=120)
        rec["tf"] = "crash" if "crash" in t else "timeout" if "timeout" in t else "accept" if t.get("ok") else "refuse"
        if "crash" in t:
            rec["tf_signal"] = t["crash"]
        if t.get("ok") is False:
            rec["tf_error"] = t["error"][:400]
        if res["rc"] != 0 and not differential.clean_failure(res):
            rec["class"] = "surgeon_crash"
        elif rec["tf"] in ("crash", "timeout"):
            rec["class"] = "tf_" + rec["tf"]
        elif res["rc"] == 0:
            rec["class"] = "both_accept" if rec["tf"] == "accept" else "surgeon_accepts_tf_refuses"
        elif not problems:  # refused for something other than the graph (should not happen)
            rec["class"] = "surgeon_crash" if res["rc"] not in (1, 2) else "both_refuse"
            rec["surgeon_error"] = differential.first_error(res)
        else:
            rec["class"] = "tf_imports_surgeon_refuses" if rec["tf"] == "accept" else "both_refuse"
        return rec
    finally:
        shutil.rmtree(d, ignore_errors=True)


def usable_bases(root, worker, scratch, max_bytes=None):
    """The bases both surgeon and TF accept unmutated."""
    out = []
    for name, meta, ck in bases(root, max_bytes):
        d = tempfile.mkdtemp(dir=scratch)
        try:
            prefix = link_checkpoint(ck, d)
            shutil.copy(meta, prefix + ".meta")
            res = differential.run_surgeon(["verify", "-q", prefix])
            t = worker.call({"op": "import_meta", "path": prefix + ".meta"}, timeout=120)
            if res["rc"] == 0 and t.get("ok"):
                out.append((name, meta, ck))
            else:
                print(f"base {name} not used: surgeon rc {res['rc']}, TF {t}", file=sys.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return out


def run(start, count, out=None, root=None, worker=None, progress=True, max_bytes=None):
    root = root or os.path.join(WORK, "meta-differential")
    os.makedirs(root, exist_ok=True)
    own = worker is None
    worker = worker or TFWorker()
    scratch = tempfile.mkdtemp(prefix="surgeon-metadiff-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        base_list = usable_bases(root, worker, scratch, max_bytes)
        if not base_list:
            raise RuntimeError("no usable meta graph bases")
        return differential.judge_seeds(range(start, start + count),
                                        lambda seed: judge(seed, base_list, worker, scratch), out, progress, 200)
    finally:
        if own:
            worker.close()
        shutil.rmtree(scratch, ignore_errors=True)


def summarize(records, examples=3):
    lines = differential.count_lines(records, CLASSES, [("skipped", "skipped")])
    keys = {
        "surgeon_accepts_tf_refuses": lambda r: (r["mutation"], normalize(re.sub(r"\s+", " ", r.get("tf_error", "")))),
        "tf_imports_surgeon_refuses": lambda r: (r["mutation"], normalize(r.get("surgeon_error", ""))),
        "tf_crash": lambda r: (r["mutation"], sig_name(r.get("tf_signal"))),
        "surgeon_crash": lambda r: (r["mutation"], ""),
    }
    order = ("surgeon_crash", "surgeon_accepts_tf_refuses", "tf_crash", "tf_timeout", "tf_imports_surgeon_refuses")
    default = {cls: (lambda r: (r["mutation"], "")) for cls in order}
    return "\n".join(lines + differential.example_lines(records, order, {**default, **keys}, examples))


def main(argv):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("run")
    a.add_argument("--start", type=int, default=0)
    a.add_argument("--count", type=int, required=True)
    a.add_argument("--out")
    s = sub.add_parser("summary")
    s.add_argument("files", nargs="+")
    args = ap.parse_args(argv[1:])
    if args.cmd == "run":
        recs = run(args.start, args.count, args.out)
        print(summarize(recs))
    else:
        print(summarize(differential.load(args.files)))


if __name__ == "__main__":
    main(sys.argv)
