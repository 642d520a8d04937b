#!/usr/bin/env python3
"""Independent checker for TensorFlow MetaGraphDef files (.meta, saved_model.pb).

Shares no code and no .proto file with surgeon. It parses the binary with
TensorFlow's own generated message classes (the tensorflow.core.*_pb2 modules
of the TensorFlow wheel in the test environment, loaded without TensorFlow's
runtime) and takes its OpDefs from the stripped_op_list of REAL TensorFlow
graphs (the corpus), never from surgeon.

Real TensorFlow judges the same graphs too (tests/tf/test_meta_graphs.py:
import_meta_graph + saver.restore + every restored value). What this checker
adds is what TensorFlow never checks: that the saver saves and restores
exactly the checkpoint's keys, each through the same variable, and that
trainable_variables is exactly what the surgery meant (frozen variables out).
The importer-style checks of part 1 duplicate TensorFlow's and are kept as a
second, TF-free opinion with node-level messages.

Checks, printing every problem with the node name:

1. Importer-style structure, as TensorFlow's graph importer does it
   (tensorflow/core/graph/graph_constructor.cc, framework/node_def_util.cc
   ValidateNodeDef / ValidateExternalNodeDefSyntax, framework/op_def_util.cc
   ValidateAttrValue, framework/attr_value_util.cc AttrValueHasType,
   framework/types.h TypesCompatible): node, input and device name syntax,
   unique names, known ops (an op missing from the corpus is checked against
   the graph's own stripped_op_list and reported as a NOTE), attrs declared
   or "_"-prefixed, attrs without default present, attr value kinds,
   allowed_values and minimum, input counts, data inputs before ^control
   inputs, existing input nodes, output index in range, edge dtypes
   (ref-ness included: an is_ref input must be fed by an is_ref output),
   op deprecation against versions.producer, cycles other than while loops
   (Convert()'s pending counts), `_class` loc:@X colocation targets; the
   graph's own stripped_op_list (import_graph_def's producer_op_list) lists
   every op used and agrees with a real OpDef version; Const values match
   their dtype and size; shape inference for Assign(validate_shape),
   PlaceholderWithDefault and broadcasting binary ops; and the names that
   import_meta_graph resolves in collections (node_list values, VariableDef
   / SaverDef / CondContextDef / WhileContextDef names).
2. Saver (with a checkpoint listing): saver_def names, version V2,
   restore_all a NoOp reaching an assign for every RestoreV2 output,
   SaveV2/RestoreV2 tensor_names equal, sorted and equal to the checkpoint
   keys, shape_and_slices, dtypes, and each key saved from the same variable
   it restores into.
3. Variables (with a checkpoint listing): one variable node per checkpoint
   key (partitioned parts via save_slice_info_def.full_name), shape and dtype
   equal to the checkpoint, VariableDef names resolve, trainable_variables =
   variables - frozen (PREFIX.frozen.txt) - non-trainable (global_step and
   variables whose dtype no TF optimizer accepts, or in rewrite mode whatever
   the source graph did not train).

Usage:
  check_meta.py [--corpus DIR] [--corpus-graphs] GRAPH...          structural only
  check_meta.py --surgeon BIN --full META PREFIX                   fresh graph
  check_meta.py --surgeon BIN --rename-prefix P --rewrite META PREFIX SOURCE_META
The checkpoint listing is `surgeon inspect --json PREFIX` (or a saved copy
in PREFIX.inspect.json). Options may be repeated to check many graphs in one
run (the corpus is parsed once).

Exit status: 0 when no problem was found, 1 otherwise, 2 on usage errors.
Standard library + google.protobuf + TensorFlow's generated _pb2 modules only.
"""

import argparse
import collections
import importlib.util
import glob
import json
import os
import re
import struct
import subprocess
import sys
import types


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# ----------------------------------------------------------------------------
# DataType (tensorflow/core/framework/types.proto). Names here are only for
# messages.
DT_NAMES = {
    0: "DT_INVALID", 1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8",
    5: "DT_INT16", 6: "DT_INT8", 7: "DT_STRING", 8: "DT_COMPLEX64", 9: "DT_INT64",
    10: "DT_BOOL", 11: "DT_QINT8", 12: "DT_QUINT8", 13: "DT_QINT32", 14: "DT_BFLOAT16",
    15: "DT_QINT16", 16: "DT_QUINT16", 17: "DT_UINT16", 18: "DT_COMPLEX128", 19: "DT_HALF",
    20: "DT_RESOURCE", 21: "DT_VARIANT", 22: "DT_UINT32", 23: "DT_UINT64",
    24: "DT_FLOAT8_E5M2", 25: "DT_FLOAT8_E4M3FN", 26: "DT_FLOAT8_E4M3FNUZ",
    27: "DT_FLOAT8_E4M3B11FNUZ", 28: "DT_FLOAT8_E5M2FNUZ", 29: "DT_INT4", 30: "DT_UINT4",
}
DT_BY_NAME = {v: k for k, v in DT_NAMES.items()}
REF = 100
DT_RESOURCE = 20
DT_STRING = 7
# What a TF 1.x optimizer accepts as a variable's dtype
# (tensorflow/python/training/optimizer.py, Optimizer._valid_dtypes):
# float16, bfloat16, float32, float64. Without a source graph to say
# otherwise, a variable of another dtype has no business in
# trainable_variables.
DT_OPTIMIZABLE = {19, 14, 1, 2}
MAX_DT = max(DT_NAMES)


def dt_name(t):
    if t is None:
        return "?"
    if t > REF:
        return DT_NAMES.get(t - REF, str(t - REF)) + "_REF"
    return DT_NAMES.get(t, str(t))


def is_ref(t):
    return t is not None and t > REF


def base_type(t):
    return t - REF if is_ref(t) else t


def dt_valid(t):
    return 1 <= base_type(t) <= MAX_DT


def types_compatible(expected, actual):
    # tensorflow/core/framework/types.h TypesCompatible: "the actual type is
    # the same as or ref of the expected type".
    return expected == actual or expected == base_type(actual)


DT_SIZE = {1: 4, 2: 8, 3: 4, 4: 1, 5: 2, 6: 1, 8: 8, 9: 8, 10: 1, 11: 1, 12: 1, 13: 4, 14: 2,
           15: 2, 16: 2, 17: 2, 18: 16, 19: 2, 22: 4, 23: 8}


def fmt_shape(s):
    return "<unknown>" if s is None else "[" + ",".join("?" if d < 0 else str(d) for d in s) + "]"


def merge_shapes(a, b):
    """shape_inference.cc Merge: (merged, error)."""
    if a is None:
        return b, None
    if b is None:
        return a, None
    if len(a) != len(b):
        return None, "Shapes must be equal rank, but are %d and %d" % (len(a), len(b))
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x >= 0 and y >= 0 and x != y:
            return None, "Dimension %d in both shapes must be equal, but are %d and %d" % (i, x, y)
        out.append(x if x >= 0 else y)
    return out, None


def broadcast_shapes(a, b):
    """BroadcastBinaryOpOutputShapeFn: (shape, error)."""
    if a is None or b is None:
        return None, None
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + list(a)
    b = [1] * (n - len(b)) + list(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x < 0 or y < 0:
            out.append(max(x, y) if max(x, y) > 1 else -1)
        elif x == y:
            out.append(x)
        else:
            return None, "Dimensions must be equal, but are %d and %d" % (x, y)
    return out, None


VARIABLE_OPS = {"Variable", "VariableV2", "VarHandleOp", "TemporaryVariable", "AutoReloadVariable"}


# ----------------------------------------------------------------------------
# Message classes from TensorFlow's .proto text, compiled with protoc.

class Messages:
    """TensorFlow's own generated message classes (tensorflow.core.*_pb2 of
    the installed TensorFlow wheel), imported without running TensorFlow's
    package __init__: only the _pb2 modules load, no TensorFlow runtime.
    TensorFlow's Python code and runtime are never used by the checker."""

    def __init__(self):
        spec = importlib.util.find_spec("tensorflow")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("check_meta.py: no TensorFlow wheel in this Python "
                             "(run it with the test environment of scripts/install-deps.sh)")
        if "tensorflow" not in sys.modules:
            shim = types.ModuleType("tensorflow")
            shim.__path__ = list(spec.submodule_search_locations)
            sys.modules["tensorflow"] = shim
        from tensorflow.core.framework import graph_pb2, op_def_pb2
        from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2, saver_pb2
        self.MetaGraphDef = meta_graph_pb2.MetaGraphDef
        self.SavedModel = saved_model_pb2.SavedModel
        self.OpDef = op_def_pb2.OpDef
        self.SaverDef = saver_pb2.SaverDef
        self.GraphDef = graph_pb2.GraphDef


# ----------------------------------------------------------------------------
# VariableDef and control-flow contexts, stored as bytes in collections.

def tf_message(module, name):
    """A message class of TensorFlow's generated _pb2 modules (Messages()
    must have been made first, so that the package shim is in place)."""
    return getattr(importlib.import_module("tensorflow.core." + module), name)


def decode_variable_def(b):
    """The fields of a VariableDef the checks use, as a dict.
    Raises ValueError on bytes that are no VariableDef."""
    vd = tf_message("framework.variable_pb2", "VariableDef")()
    try:
        vd.ParseFromString(b)
    except Exception as e:  # google.protobuf.message.DecodeError
        raise ValueError(str(e))
    ssi = None
    if vd.HasField("save_slice_info_def"):
        s = vd.save_slice_info_def
        ssi = {"full_name": s.full_name, "full_shape": list(s.full_shape),
               "var_offset": list(s.var_offset), "var_shape": list(s.var_shape)}
    return {"variable_name": vd.variable_name, "initializer_name": vd.initializer_name,
            "snapshot_name": vd.snapshot_name, "initial_value_name": vd.initial_value_name,
            "is_resource": vd.is_resource, "trainable": vd.trainable if vd.trainable else None,
            "save_slice_info": ssi}


def context_tensor_names(b, kind):
    """Names a control-flow context def refers to, as [(what, name, must_resolve)].
    python/ops/control_flow_ops.py _init_from_proto resolves pred/pivot/exit/enter
    names and external_values' values with as_graph_element."""
    cls = "CondContextDef" if kind == "cond" else "WhileContextDef"
    ctx = tf_message("protobuf.control_flow_pb2", cls)()
    try:
        ctx.ParseFromString(b)
    except Exception as e:
        raise ValueError(str(e))
    return _context_names(ctx, kind)


def _context_names(ctx, kind):
    out = []
    single = ("pred_name", "pivot_name") if kind == "cond" else (
        "pivot_name", "pivot_for_pred_name", "pivot_for_body_name", "maximum_iterations_name")
    for f in single:
        if getattr(ctx, f):
            out.append((f, getattr(ctx, f), True))
    if kind == "while":
        out += [("loop_exit_names", n, True) for n in ctx.loop_exit_names]
        out += [("loop_enter_names", n, True) for n in ctx.loop_enter_names]
    out += [("values", v, True) for v in ctx.values_def.values]
    out += [("external_values", v, True) for v in ctx.values_def.external_values.values()]
    for nested in ctx.nested_contexts:
        which = nested.WhichOneof("ctxt")
        if which:
            out.extend(_context_names(getattr(nested, which), "cond" if which == "cond_ctxt" else "while"))
    return out


def arg_sig(a):
    return (a.name, a.type, a.type_attr, a.number_attr, a.type_list_attr, a.is_ref)


def opdef_mismatch(mine, real):
    """'' when OpDef `mine` agrees with `real` (signature, attr types and
    defaults, allowed values; descriptions ignored), else the difference."""
    for what in ("input_arg", "output_arg"):
        a = [arg_sig(x) for x in getattr(mine, what)]
        b = [arg_sig(x) for x in getattr(real, what)]
        if a != b:
            return "%s %s != %s" % (what, a, b)
    real_attrs = {x.name: x for x in real.attr}
    for x in mine.attr:
        r = real_attrs.get(x.name)
        if r is None:
            return "attr '%s' is not in this version" % x.name
        if x.type != r.type:
            return "attr '%s' type %s != %s" % (x.name, x.type, r.type)
        if x.HasField("default_value") != r.HasField("default_value") or (
                x.HasField("default_value") and
                x.default_value.SerializeToString(deterministic=True) !=
                r.default_value.SerializeToString(deterministic=True)):
            return "attr '%s' default differs" % x.name
        if x.HasField("allowed_values") and r.HasField("allowed_values") and (
                sorted(x.allowed_values.list.type) != sorted(r.allowed_values.list.type) or
                sorted(x.allowed_values.list.s) != sorted(r.allowed_values.list.s)):
            return "attr '%s' allowed_values differ" % x.name
    mine_names = {x.name for x in mine.attr}
    for name, r in real_attrs.items():
        if name not in mine_names:
            return "attr '%s' missing" % name
    return ""


def library_signatures(msgs, graph_def):
    """OpDefs of the functions in GraphDef.library, by name."""
    return {f.signature.name: f.signature for f in graph_def.library.function}


# ----------------------------------------------------------------------------
# Loading graphs.

def load_meta_graphs(msgs, path):
    with open(path, "rb") as f:
        data = f.read()
    if os.path.basename(path).endswith("saved_model.pb"):
        sm = msgs.SavedModel()
        sm.ParseFromString(data)
        return [("%s[meta_graphs %d]" % (path, i), mg) for i, mg in enumerate(sm.meta_graphs)]
    mg = msgs.MetaGraphDef()
    mg.ParseFromString(data)
    return [(path, mg)]


def corpus_graph_files(corpus):
    files = []
    for root, _dirs, names in os.walk(corpus):
        for n in names:
            if n.endswith(".meta") or n == "saved_model.pb":
                files.append(os.path.join(root, n))
    return sorted(files)


class OpRegistry:
    """Op name -> distinct OpDef versions, from real TF graphs."""

    def __init__(self):
        self.ops = collections.defaultdict(list)
        self._seen = set()
        self.sources = 0

    def add_list(self, op_list):
        for op in op_list.op:
            key = op.SerializeToString(deterministic=True)
            if key in self._seen:
                continue
            self._seen.add(key)
            self.ops[op.name].append(op)


# ----------------------------------------------------------------------------
# Attr validation (op_def_util.cc ValidateAttrValue, attr_value_util.cc
# AttrValueHasType).

LIST_FIELDS = [("s", "string"), ("i", "int"), ("f", "float"), ("b", "bool"), ("type", "type"),
               ("shape", "shape"), ("tensor", "tensor"), ("func", "func")]
SCALAR_KIND = {"s": "string", "i": "int", "f": "float", "b": "bool", "type": "type",
               "shape": "shape", "tensor": "tensor", "func": "func"}


def attr_value_has_type(av, typ):
    kind = av.WhichOneof("value")
    num_set = 0
    if kind == "list":
        for field, tname in LIST_FIELDS:
            if len(getattr(av.list, field)) > 0:
                if typ != "list(%s)" % tname:
                    return "AttrValue had value with type 'list(%s)' when '%s' expected" % (tname, typ)
                num_set += 1
    elif kind == "placeholder":
        return "AttrValue had value with unexpected type 'placeholder'"
    elif kind is not None:
        if typ != SCALAR_KIND[kind]:
            return "AttrValue had value with type '%s' when '%s' expected" % (SCALAR_KIND[kind], typ)
        num_set += 1
    if typ.startswith("list(") and kind != "list":
        if num_set:
            return "AttrValue missing value with expected type '%s'" % typ
        return None
    if num_set == 0 and not typ.startswith("list("):
        return "AttrValue missing value with expected type '%s'" % typ
    if typ == "type":
        t = av.type
        if not dt_valid(t):
            return "AttrValue has invalid DataType %d" % t
        if is_ref(t):
            return "AttrValue must not have reference type value of %s" % dt_name(t)
    elif typ == "list(type)":
        for t in av.list.type:
            if not dt_valid(t):
                return "AttrValue has invalid DataType %d" % t
            if is_ref(t):
                return "AttrValue must not have reference type value of %s" % dt_name(t)
    return None


def validate_attr_value(av, ad):
    err = attr_value_has_type(av, ad.type)
    if err:
        return err + " for attr '%s'" % ad.name
    if ad.has_minimum:
        if ad.type == "int":
            if av.i < ad.minimum:
                return "Value for attr '%s' of %d must be at least minimum %d" % (ad.name, av.i, ad.minimum)
        else:
            length = -1
            for field, tname in LIST_FIELDS:
                if ad.type == "list(%s)" % tname:
                    length = len(getattr(av.list, field))
            if length < ad.minimum:
                return "Length for attr '%s' of %d must be at least minimum %d" % (ad.name, length, ad.minimum)
    if ad.HasField("allowed_values"):
        allowed = ad.allowed_values.list
        if ad.type == "type":
            if av.type not in allowed.type:
                return "Value for attr '%s' of %s is not in the list of allowed values: %s" % (
                    ad.name, dt_name(av.type), ", ".join(dt_name(t) for t in allowed.type))
        elif ad.type == "list(type)":
            for t in av.list.type:
                if t not in allowed.type:
                    return "Value for attr '%s' of %s is not in the list of allowed values: %s" % (
                        ad.name, dt_name(t), ", ".join(dt_name(x) for x in allowed.type))
        elif ad.type == "string":
            if av.s not in allowed.s:
                return "Value for attr '%s' of \"%s\" is not in the list of allowed values" % (
                    ad.name, av.s.decode("utf-8", "replace"))
        elif ad.type == "list(string)":
            for s in av.list.s:
                if s not in allowed.s:
                    return "Value for attr '%s' of \"%s\" is not in the list of allowed values" % (
                        ad.name, s.decode("utf-8", "replace"))
        else:
            return "Support for allowed_values not implemented for type %s" % ad.type
    return None


def node_attr(node, opdef, name):
    """The node's attr, or the OpDef default (the importer adds defaults)."""
    if name in node.attr:
        return node.attr[name]
    if opdef is not None:
        for ad in opdef.attr:
            if ad.name == name and ad.HasField("default_value"):
                return ad.default_value
    return None


def arg_types(node, opdef, args):
    """node_def_util.cc AddArgToSig for each arg; (types, error)."""
    sig = []
    for arg in args:
        if arg.number_attr:
            nv = node_attr(node, opdef, arg.number_attr)
            if nv is None:
                return None, "missing attr '%s'" % arg.number_attr
            n = nv.i
            if n < 0:
                return None, "Value for number_attr() %d < 0" % n
            if arg.type_attr:
                tv = node_attr(node, opdef, arg.type_attr)
                if tv is None:
                    return None, "missing attr '%s'" % arg.type_attr
                t = tv.type
            elif arg.type:
                t = arg.type
            else:
                return None, "Missing type or type_attr field in %s" % arg.name
            add = [t] * n
        elif arg.type_attr:
            tv = node_attr(node, opdef, arg.type_attr)
            if tv is None:
                return None, "missing attr '%s'" % arg.type_attr
            add = [tv.type]
        elif arg.type_list_attr:
            tv = node_attr(node, opdef, arg.type_list_attr)
            if tv is None:
                return None, "missing attr '%s'" % arg.type_list_attr
            add = list(tv.list.type)
        elif arg.type:
            add = [arg.type]
        else:
            return None, "No type fields in %s" % arg.name
        if arg.is_ref:
            add = [t + REF if not is_ref(t) else t for t in add]
        sig.extend(add)
    return sig, None


def validate_node_def(node, opdef, producer):
    """node_def_util.cc ValidateNodeDef (+ CheckOpDeprecation); list of errors."""
    errs = []
    num_inputs = 0
    seen_control = False
    for inp in node.input:
        if inp.startswith("^"):
            seen_control = True
            if ":" in inp:
                errs.append("Control input '%s' must not have ':'" % inp)
        elif seen_control:
            errs.append("Non-control input '%s' after control input" % inp)
        else:
            num_inputs += 1
    op_attrs = {}
    for ad in opdef.attr:
        op_attrs[ad.name] = ad
    remaining = dict(op_attrs)
    for name in sorted(node.attr):
        if name.startswith("_"):
            continue
        ad = op_attrs.get(name)
        if ad is None:
            # Newer TF logs and ignores an unknown attr; TF 1.x's
            # ValidateNodeDef rejected it ("NodeDef mentions attr ... not in
            # Op"), and import_meta_graph then fails: a failure here.
            errs.append("NodeDef mentions attr '%s' not in Op<name=%s>" % (name, opdef.name))
            continue
        av = node.attr[name]
        if not av.placeholder:
            e = validate_attr_value(av, ad)
            if e:
                errs.append(e)
        remaining.pop(name, None)
    missing = sorted(n for n, ad in remaining.items() if not ad.HasField("default_value"))
    if missing:
        errs.append("NodeDef missing attr%s '%s' from Op<name=%s>" % (
            "" if len(missing) == 1 else "s", "', '".join(missing), opdef.name))
    # Defaulted attrs are added by the importer; validate the defaults in
    # context too (ValidateOpDef checks them against the AttrDef).
    ins, err = arg_types(node, opdef, opdef.input_arg)
    outs, err2 = arg_types(node, opdef, opdef.output_arg)
    if err or err2:
        errs.append("cannot compute signature: %s" % (err or err2))
    elif num_inputs != len(ins):
        errs.append("NodeDef expected inputs '%s' do not match %d inputs specified" % (
            ", ".join(dt_name(t) for t in ins), num_inputs))
    if opdef.HasField("deprecation") and producer >= opdef.deprecation.version > 0:
        errs.append("Op %s is not available in GraphDef version %d. It has been removed in version %d." % (
            opdef.name, producer, opdef.deprecation.version))
    return errs, ins, outs


NODE_NAME_RE = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/]*(>[A-Za-z0-9.][A-Za-z0-9_.\-/]*)*$")
DATA_INPUT_RE = re.compile(r"^([A-Za-z0-9.][A-Za-z0-9_.\-/>]*?)(?::(0|[1-9][0-9]*))?$")
CONTROL_INPUT_RE = re.compile(r"^\^[A-Za-z0-9.][A-Za-z0-9_.\-/]*(>[A-Za-z0-9.][A-Za-z0-9_.\-/]*)*$")

# DeviceNameUtils::ParseFullName components: /job:NAME /replica:N /task:N
# /device:TYPE:N|* and the legacy /cpu:0 /gpu:* forms.
DEVICE_RE = re.compile(r"^(/(job:[A-Za-z][A-Za-z0-9_]*|replica:(\d+|\*)|task:(\d+|\*)|"
                       r"device:[A-Za-z_][A-Za-z0-9_]*:(\d+|\*)|[A-Za-z_][A-Za-z0-9_]*:(\d+|\*)))+$")


def parse_input(inp):
    """(node_name, index, is_control)."""
    if inp.startswith("^"):
        return inp[1:], -1, True
    m = DATA_INPUT_RE.match(inp)
    if m and m.group(2) is not None:
        return m.group(1), int(m.group(2)), False
    return inp, 0, False


def parse_tensor_name(name):
    if ":" in name:
        n, _, i = name.rpartition(":")
        if i.isdigit():
            return n, int(i)
    return name, None


# ----------------------------------------------------------------------------

class Checker:
    def __init__(self, msgs, registry, verbose=False):
        self.msgs = msgs
        self.registry = registry
        self.verbose = verbose
        self.total_problems = 0
        self.total_notes = 0
        self.total_nodes = 0
        self.total_graphs = 0

    # -- graph model
    def build(self, label, mg):
        g = {"label": label, "mg": mg, "nodes": {}, "order": [], "problems": [], "notes": [],
             "ins": {}, "outs": {}, "opdef": {}}
        self.g = g
        return g

    def problem(self, node, msg):
        self.g["problems"].append((node, msg))

    def note(self, node, msg):
        self.g["notes"].append((node, msg))

    def structural(self, label, mg):
        g = self.build(label, mg)
        gd = mg.graph_def
        producer = gd.versions.producer
        own_ops = {op.name: op for op in mg.meta_info_def.stripped_op_list.op}
        functions = library_signatures(self.msgs, gd)
        nodes = g["nodes"]
        for n in gd.node:
            if not NODE_NAME_RE.match(n.name):
                self.problem(n.name, "Illegal node name '%s'" % n.name)
            if n.name in nodes:
                self.problem(n.name, "Node name '%s' is not unique" % n.name)
                continue
            nodes[n.name] = n
            g["order"].append(n.name)
        # 1. each node against its OpDef
        noted_ops = collections.Counter()
        for name in g["order"]:
            n = nodes[name]
            for inp in n.input:
                if not (CONTROL_INPUT_RE.match(inp) or DATA_INPUT_RE.match(inp)):
                    self.problem(name, "Illegal op input name '%s'" % inp)
            if n.device and not DEVICE_RE.match(n.device):
                self.problem(name, "device '%s' is not a device name (DeviceNameUtils::ParseFullName)" % n.device)
            cands = self.registry.ops.get(n.op)
            source = "corpus"
            if not cands:
                if n.op in functions:
                    cands = [functions[n.op]]
                    source = "function library"
                elif n.op in own_ops:
                    cands = [own_ops[n.op]]
                    source = "graph's own stripped_op_list"
                    noted_ops[n.op] += 1
                    if noted_ops[n.op] == 1:
                        self.note(name, "op %s is not in any corpus graph; its nodes are checked against the "
                                        "graph's own stripped_op_list" % n.op)
                else:
                    self.problem(name, "Op type not registered '%s' (not in the corpus, the graph's "
                                       "stripped_op_list or its function library)" % n.op)
                    continue
            best = None
            for opdef in cands:
                errs, ins, outs = validate_node_def(n, opdef, producer)
                if not errs:
                    best = (errs, ins, outs, opdef)
                    break
                if best is None or len(errs) < len(best[0]):
                    best = (errs, ins, outs, opdef)
            errs, ins, outs, opdef = best
            for e in errs:
                more = "" if len(cands) == 1 else " (best of %d OpDef versions of %s from the %s)" % (
                    len(cands), n.op, source)
                self.problem(name, e + more)
            g["ins"][name] = ins
            g["outs"][name] = outs
            g["opdef"][name] = opdef
        # edges (graph_constructor.cc: unknown input node, invalid output
        # index, MakeEdge's TypesCompatible)
        for name in g["order"]:
            n = nodes[name]
            ins = g["ins"].get(name)
            di = 0
            for inp in n.input:
                src, idx, ctrl = parse_input(inp)
                if src not in nodes:
                    self.problem(name, "Unknown input node '%s'" % inp)
                    if not ctrl:
                        di += 1
                    continue
                if ctrl:
                    continue
                outs = g["outs"].get(src)
                if outs is not None and idx >= len(outs):
                    self.problem(name, "Connecting to invalid output %d of source node %s which has %d outputs" % (
                        idx, src, len(outs)))
                elif outs is not None and ins is not None and di < len(ins):
                    exp, act = ins[di], outs[idx]
                    if not types_compatible(exp, act):
                        if is_ref(exp) and not is_ref(act):
                            self.problem(name, "Input %d of node %s is a ref (is_ref) input but is fed by "
                                               "non-ref output %s:%d (%s)" % (di, name, src, idx, dt_name(act)))
                        else:
                            self.problem(name, "Input %d of node %s was passed %s from %s:%d incompatible "
                                               "with expected %s" % (di, name, dt_name(act), src, idx, dt_name(exp)))
                di += 1
            cls = n.attr["_class"] if "_class" in n.attr else None
            if cls is not None:
                for s in cls.list.s:
                    s = s.decode("utf-8", "replace")
                    if s.startswith("loc:@") and s[5:] not in nodes:
                        self.problem(name, "_class colocates with nonexistent node '%s'" % s[5:])
        self.check_cycles()
        self.check_own_op_list(own_ops, functions)
        self.check_consts()
        self.infer_shapes()
        self.check_collections()
        return g

    # -- graph_constructor.cc Convert(): nodes are processed when all their
    # inputs (data and control, one count per input entry) are; a Merge fed
    # by a NextIteration waits for its control inputs + 1. Nodes never
    # processed are "in a cycle" -- so while loops pass, other cycles fail.
    def check_cycles(self):
        g = self.g
        nodes = g["nodes"]
        next_iters = {n for n in g["order"] if nodes[n].op in ("NextIteration", "RefNextIteration")}
        pending = {}
        consumers = collections.defaultdict(list)
        for name in g["order"]:
            n = nodes[name]
            count = len(n.input)
            if n.op in ("Merge", "RefMerge"):
                ctrl = sum(1 for i in n.input if i.startswith("^"))
                if any(parse_input(i)[0] in next_iters for i in n.input if not i.startswith("^")):
                    count = ctrl + 1
            pending[name] = count
            for inp in n.input:
                src = parse_input(inp)[0]
                if src in nodes:
                    consumers[src].append(name)
                else:
                    pending[name] -= 1  # reported as an unknown input already
        ready = [n for n in g["order"] if pending[n] <= 0]
        done = set()
        while ready:
            x = ready.pop()
            if x in done:
                continue
            done.add(x)
            for c in consumers[x]:
                pending[c] -= 1
                if pending[c] == 0:
                    ready.append(c)
        stuck = [n for n in g["order"] if n not in done]
        if stuck:
            self.problem(stuck[0], "%d nodes in a cycle (not a while loop): %s" % (len(stuck), stuck[:8]))

    # -- the graph's own stripped_op_list: import_graph_def gets it as
    # producer_op_list and strips attrs equal to ITS defaults, so it must
    # list every op used and agree with the real OpDefs on args, attr types
    # and defaults.
    def check_own_op_list(self, own_ops, functions):
        g = self.g
        used = sorted({g["nodes"][n].op for n in g["order"]})
        for op in used:
            if op not in own_ops and op not in functions:
                self.problem("stripped_op_list", "op %s is used (e.g. by '%s') but not in "
                                                 "meta_info_def.stripped_op_list" % (
                                                     op, next(n for n in g["order"] if g["nodes"][n].op == op)))
        for op, od in sorted(own_ops.items()):
            cands = self.registry.ops.get(op)
            if not cands:
                continue
            errs = [opdef_mismatch(od, c) for c in cands]
            if all(errs):
                self.problem("stripped_op_list", "OpDef %s matches no real version: %s" % (
                    op, min(errs, key=len)))

    # -- Const values (the Const kernel and Tensor::FromProto, run when an
    # initializer or the saver's filename Const is evaluated)
    def check_consts(self):
        g = self.g
        for name in g["order"]:
            n = g["nodes"][name]
            if n.op != "Const" or "value" not in n.attr or "dtype" not in n.attr:
                continue
            t = n.attr["value"].tensor
            if t.dtype != n.attr["dtype"].type:
                self.problem(name, "Const dtype attr %s but its value tensor is %s" % (
                    dt_name(n.attr["dtype"].type), dt_name(t.dtype)))
            if t.tensor_shape.unknown_rank or any(d.size < 0 for d in t.tensor_shape.dim):
                self.problem(name, "Const value has a partially known shape")
                continue
            numel = 1
            for d in t.tensor_shape.dim:
                numel *= d.size
            size = DT_SIZE.get(t.dtype)
            if t.tensor_content and size is not None and len(t.tensor_content) != numel * size:
                self.problem(name, "Const tensor_content has %d bytes for %d elements of %s" % (
                    len(t.tensor_content), numel, dt_name(t.dtype)))

    # -- shape inference for the ops whose shape functions can reject a graph
    # at import time (importer runs the shape refiner on every node): Assign
    # with validate_shape, PlaceholderWithDefault, broadcasting binary ops.
    # Other ops get unknown shapes; cycles (loops) stay unknown.
    def infer_shapes(self):
        g = self.g
        nodes = g["nodes"]
        preds = {}
        users = collections.defaultdict(list)
        for name in g["order"]:
            srcs = set()
            for inp in nodes[name].input:
                s, _i, ctrl = parse_input(inp)
                if not ctrl and s in nodes:
                    srcs.add(s)
            preds[name] = len(srcs)
            for s in srcs:
                users[s].append(name)
        ready = [n for n in g["order"] if preds[n] == 0]
        shapes = {}
        while ready:
            name = ready.pop()
            shapes[name] = self.node_shapes(nodes[name], shapes)
            for u in users[name]:
                preds[u] -= 1
                if preds[u] == 0:
                    ready.append(u)
        g["shapes"] = shapes

    def input_shape(self, node, k, shapes):
        s, i = self.data_input(node, k)
        if s is None or s not in shapes or i >= len(shapes[s]):
            return None
        return shapes[s][i]

    def const_ints(self, name, idx):
        n = self.g["nodes"].get(name)
        if n is None or n.op != "Const" or "value" not in n.attr:
            return None
        t = n.attr["value"].tensor
        if t.dtype == 3 and t.tensor_content:
            return list(struct.unpack("<%di" % (len(t.tensor_content) // 4), t.tensor_content))
        if t.dtype == 9 and t.tensor_content:
            return list(struct.unpack("<%dq" % (len(t.tensor_content) // 8), t.tensor_content))
        vals = list(t.int_val) if t.dtype == 3 else list(t.int64_val) if t.dtype == 9 else None
        if vals is None:
            return None
        dims = [d.size for d in t.tensor_shape.dim]
        numel = dims[0] if len(dims) == 1 else 1 if not dims else None
        if numel is None:
            return None
        if len(vals) < numel and vals:
            vals += [vals[-1]] * (numel - len(vals))
        return vals[:numel]

    def node_shapes(self, n, shapes):
        outs = self.g["outs"].get(n.name) or []
        unknown = [None] * len(outs)
        op = n.op

        def attr_shape(name):
            if name not in n.attr or n.attr[name].WhichOneof("value") != "shape":
                return None
            sh = n.attr[name].shape
            return None if sh.unknown_rank else [d.size for d in sh.dim]

        if op == "Const" and "value" in n.attr:
            sh = n.attr["value"].tensor.tensor_shape
            return [None if sh.unknown_rank else [d.size for d in sh.dim]]
        if op in ("VariableV2", "Variable"):
            sh = attr_shape("shape")
            if op == "Variable" and sh == []:
                sh = None  # legacy: a scalar shape attr means unknown
            return [sh]
        if op == "Placeholder":
            sh = attr_shape("shape")
            return [None if sh == [] else sh]
        if op in ("Identity", "RefIdentity", "Snapshot", "StopGradient") and outs:
            return [self.input_shape(n, 0, shapes)]
        if op == "Assign":
            a, b = self.input_shape(n, 0, shapes), self.input_shape(n, 1, shapes)
            vs = node_attr(n, self.g["opdef"].get(n.name), "validate_shape")
            if vs is None or vs.b:
                m, err = merge_shapes(a, b)
                if err:
                    self.problem(n.name, "Assign (validate_shape=true) of %s to %s: %s" % (
                        fmt_shape(b), fmt_shape(a), err))
                return [m]
            return [b]
        if op == "PlaceholderWithDefault":
            a, sh = self.input_shape(n, 0, shapes), attr_shape("shape")
            _m, err = merge_shapes(a, sh)
            if err:
                self.problem(n.name, "PlaceholderWithDefault input %s incompatible with shape attr %s: %s" % (
                    fmt_shape(a), fmt_shape(sh), err))
            return [sh]
        if op in ("TruncatedNormal", "RandomUniform", "RandomStandardNormal"):
            s, i = self.data_input(n, 0)
            vals = self.const_ints(*self.through_identity(s, i)) if s else None
            return [vals]
        if op in ("Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum"):
            a, b = self.input_shape(n, 0, shapes), self.input_shape(n, 1, shapes)
            m, err = broadcast_shapes(a, b)
            if err:
                self.problem(n.name, "%s of %s and %s: %s" % (op, fmt_shape(a), fmt_shape(b), err))
            return [m]
        return unknown

    # -- name resolution as import_meta_graph does (Graph.as_graph_element)
    def resolve(self, name):
        """None if fine, else a reason."""
        g = self.g
        n, idx = parse_tensor_name(name)
        if n not in g["nodes"]:
            return "no node '%s'" % n
        if idx is not None:
            outs = g["outs"].get(n)
            if outs is not None and idx >= len(outs):
                return "node '%s' has %d outputs, no output %d" % (n, len(outs), idx)
        return None

    VARDEF_COLLECTIONS = {"variables", "trainable_variables", "model_variables", "local_variables",
                          "moving_average_variables", "global_step", "metric_variables",
                          "trainable_resource_variables", "concatenated_variables"}

    def variable_defs(self, key):
        mg = self.g["mg"]
        if key not in mg.collection_def:
            return None
        c = mg.collection_def[key]
        if c.WhichOneof("kind") != "bytes_list":
            self.problem("collection:" + key, "expected a bytes_list of VariableDef, found %s" % c.WhichOneof("kind"))
            return []
        out = []
        for b in c.bytes_list.value:
            try:
                out.append(decode_variable_def(b))
            except ValueError as e:
                self.problem("collection:" + key, "undecodable VariableDef: %s" % e)
        return out

    def check_collections(self):
        mg = self.g["mg"]
        for key in sorted(mg.collection_def):
            c = mg.collection_def[key]
            kind = c.WhichOneof("kind")
            where = "collection:" + key
            if kind == "node_list":
                for v in c.node_list.value:
                    r = self.resolve(v)
                    if r:
                        self.problem(where, "node_list value '%s' does not resolve: %s" % (v, r))
            elif kind == "bytes_list" and key in self.VARDEF_COLLECTIONS:
                for vd in self.variable_defs(key):
                    for fld in ("variable_name", "initializer_name", "snapshot_name", "initial_value_name"):
                        v = vd[fld]
                        if not v:
                            if fld in ("variable_name", "initializer_name"):
                                self.problem(where, "VariableDef without %s" % fld)
                            continue
                        r = self.resolve(v)
                        if r:
                            self.problem(where, "VariableDef %s '%s' does not resolve: %s" % (fld, v, r))
                    vn, _ = parse_tensor_name(vd["variable_name"])
                    node = self.g["nodes"].get(vn)
                    if node is not None and node.op not in VARIABLE_OPS:
                        self.problem(where, "VariableDef variable_name '%s' is a %s, not a variable" % (
                            vd["variable_name"], node.op))
                    if node is not None and vd["is_resource"] != (node.op == "VarHandleOp"):
                        self.problem(where, "VariableDef '%s': is_resource=%s but the node is a %s" % (
                            vd["variable_name"], vd["is_resource"], node.op))
            elif kind == "bytes_list" and key in ("cond_context", "while_context"):
                for b in c.bytes_list.value:
                    try:
                        refs = context_tensor_names(b, "cond" if key == "cond_context" else "while")
                    except ValueError as e:
                        self.problem(where, "undecodable context: %s" % e)
                        continue
                    for what, v, _must in refs:
                        r = self.resolve(v)
                        if r:
                            self.problem(where, "%s '%s' does not resolve: %s" % (what, v, r))
            elif kind == "bytes_list" and key == "savers":
                for b in c.bytes_list.value:
                    sd = self.msgs.SaverDef()
                    sd.ParseFromString(b)
                    for fld in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
                        v = getattr(sd, fld)
                        r = self.resolve(v) if v else "empty"
                        if r:
                            self.problem(where, "SaverDef %s '%s' does not resolve: %s" % (fld, v, r))

    # -- helpers for the saver walk
    def data_input(self, node, k):
        """(src_name, index) of the k-th data input."""
        j = 0
        for inp in node.input:
            if inp.startswith("^"):
                break
            if j == k:
                s, i, _ = parse_input(inp)
                return s, i
            j += 1
        return None, None

    def through_identity(self, name, idx):
        nodes = self.g["nodes"]
        seen = 0
        while name in nodes and nodes[name].op in ("Identity", "RefIdentity", "Snapshot") and seen < 100:
            name, idx = self.data_input(nodes[name], 0)
            seen += 1
        return name, idx

    def variable_of(self, name, idx):
        """The variable node a tensor reads (through Identity / ReadVariableOp)."""
        nodes = self.g["nodes"]
        name, idx = self.through_identity(name, idx)
        if name in nodes and nodes[name].op == "ReadVariableOp":
            name, idx = self.through_identity(*self.data_input(nodes[name], 0))
        if name in nodes and nodes[name].op in VARIABLE_OPS:
            return name
        return None

    def const_strings(self, name, idx):
        nodes = self.g["nodes"]
        name, idx = self.through_identity(name, idx)
        if name not in nodes or nodes[name].op != "Const":
            return None
        t = nodes[name].attr["value"].tensor
        return [s.decode("utf-8", "replace") for s in t.string_val]

    def list_attr_types(self, node, attr):
        if attr not in node.attr:
            return None
        return list(node.attr[attr].list.type)

    # -- 2. saver
    def check_saver(self, ckpt):
        g = self.g
        mg = g["mg"]
        nodes = g["nodes"]
        sd = mg.saver_def
        if not mg.HasField("saver_def"):
            self.problem("saver_def", "no saver_def")
            return {}
        for fld in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
            v = getattr(sd, fld)
            r = self.resolve(v) if v else "empty"
            if r:
                self.problem("saver_def", "%s '%s' does not resolve: %s" % (fld, v, r))
        if sd.version != 2:
            self.problem("saver_def", "version is %d, not V2 (2), for a V2 checkpoint" % sd.version)
        ro = nodes.get(sd.restore_op_name)
        if ro is None:
            return {}
        if ro.op != "NoOp":
            self.problem(sd.restore_op_name, "restore_op_name names a %s, not a NoOp" % ro.op)
        # assigns reached from restore_op through control inputs
        assigns = []
        seen = set()
        stack = [sd.restore_op_name]
        while stack:
            x = stack.pop()
            if x in seen or x not in nodes:
                continue
            seen.add(x)
            n = nodes[x]
            if n.op in ("Assign", "AssignVariableOp") and x != sd.restore_op_name:
                assigns.append(x)
                continue
            for inp in n.input:
                if inp.startswith("^"):
                    stack.append(inp[1:])
        restored = {}   # (restore node, index) -> variable node
        for a in assigns:
            n = nodes[a]
            src, idx = self.through_identity(*self.data_input(n, 1))
            if src is None or src not in nodes or nodes[src].op != "RestoreV2":
                continue  # not a restore assign
            var_name, var_idx = self.through_identity(*self.data_input(n, 0))
            var = var_name if var_name in nodes and nodes[var_name].op in VARIABLE_OPS else None
            if var is None:
                self.problem(a, "assigns %s:%d into '%s', which is not a variable" % (src, idx, var_name))
            if (src, idx) in restored and restored[(src, idx)] != var:
                self.problem(a, "%s:%d is assigned to two variables (%s, %s)" % (src, idx, restored[(src, idx)], var))
            restored[(src, idx)] = var
        restores = sorted({r for r, _ in restored})
        scope = sd.restore_op_name.rpartition("/")[0]
        for name in g["order"]:
            if nodes[name].op == "RestoreV2" and name.rpartition("/")[0] == scope and name not in restores:
                restores.append(name)
        if not restores:
            self.problem(sd.restore_op_name, "reaches no assign of a RestoreV2 output")
        restore_map = {}   # (key, slice) -> variable
        restore_names = []
        for r in restores:
            n = nodes[r]
            names = self.const_strings(*self.data_input(n, 1))
            slices = self.const_strings(*self.data_input(n, 2))
            dtypes = self.list_attr_types(n, "dtypes") or []
            if names is None:
                self.problem(r, "tensor_names is not a Const of strings")
                continue
            if slices is None or len(slices) != len(names):
                self.problem(r, "shape_and_slices is not a Const of %d strings" % len(names))
                slices = [""] * len(names)
            if len(dtypes) != len(names):
                self.problem(r, "dtypes has %d entries for %d tensor_names" % (len(dtypes), len(names)))
            if names != sorted(names):
                self.problem(r, "tensor_names are not sorted")
            for i, key in enumerate(names):
                if (r, i) not in restored:
                    out = "%s:%d" % (r, i) if i else r
                    self.problem(sd.restore_op_name, "restores nothing from %s (key '%s'): no assign of it is "
                                                     "reached through control inputs" % (out, key))
                if key in ckpt and i < len(dtypes) and dtypes[i] != ckpt[key]["dtype"]:
                    self.problem(r, "dtypes[%d] is %s but checkpoint key '%s' is %s" % (
                        i, dt_name(dtypes[i]), key, dt_name(ckpt[key]["dtype"])))
                restore_map[(key, slices[i])] = restored.get((r, i))
                restore_names.append((key, slices[i]))
        # save side: SaveV2 nodes reached (data + control) from save_tensor_name
        save_node, _ = parse_tensor_name(sd.save_tensor_name)
        saves = []
        seen = set()
        stack = [save_node]
        while stack:
            x = stack.pop()
            if x in seen or x not in nodes:
                continue
            seen.add(x)
            if nodes[x].op in ("SaveV2", "Save", "SaveSlices"):
                saves.append(x)
            for inp in nodes[x].input:
                stack.append(parse_input(inp)[0])
        if not saves:
            self.problem(sd.save_tensor_name, "save_tensor_name does not depend on any SaveV2")
        save_names = []
        for s in sorted(saves):
            n = nodes[s]
            if n.op != "SaveV2":
                self.problem(s, "is a %s, not SaveV2, for a V2 checkpoint" % n.op)
                continue
            names = self.const_strings(*self.data_input(n, 1))
            slices = self.const_strings(*self.data_input(n, 2))
            dtypes = self.list_attr_types(n, "dtypes") or []
            if names is None:
                self.problem(s, "tensor_names is not a Const of strings")
                continue
            if slices is None or len(slices) != len(names):
                self.problem(s, "shape_and_slices is not a Const of %d strings" % len(names))
                slices = [""] * len(names)
            if names != sorted(names):
                self.problem(s, "tensor_names are not sorted")
            if len(dtypes) != len(names):
                self.problem(s, "dtypes has %d entries for %d tensor_names" % (len(dtypes), len(names)))
            for i, key in enumerate(names):
                save_names.append((key, slices[i]))
                if key in ckpt and i < len(dtypes) and dtypes[i] != ckpt[key]["dtype"]:
                    self.problem(s, "dtypes[%d] is %s but checkpoint key '%s' is %s" % (
                        i, dt_name(dtypes[i]), key, dt_name(ckpt[key]["dtype"])))
                src, idx = self.data_input(n, 3 + i)
                var = self.variable_of(src, idx) if src else None
                if var is None:
                    self.problem(s, "saves key '%s' from '%s', which is not a variable (or its read)" % (key, src))
                elif (key, slices[i]) in restore_map and restore_map[(key, slices[i])] != var:
                    self.problem(s, "saves key '%s' from variable '%s' but restores it into '%s'" % (
                        key, var, restore_map[(key, slices[i])]))
        if len(saves) == 1 and len(restores) == 1 and save_names != restore_names:
            self.problem(saves[0], "SaveV2 and RestoreV2 tensor_names/shape_and_slices differ")
        if sorted(save_names) != sorted(restore_names):
            only_s = sorted(set(save_names) - set(restore_names))
            only_r = sorted(set(restore_names) - set(save_names))
            self.problem("saver", "saved and restored keys differ: saved only %s; restored only %s" % (
                only_s[:5], only_r[:5]))
        # shape_and_slices: "" restores/saves the whole tensor; a slice spec
        # ("d0 d1 .. off,len:off,len") must describe the checkpoint's full shape.
        for key, spec in sorted(set(save_names) | set(restore_names)):
            if not spec or key not in ckpt:
                continue
            dims = spec.split(" ")[:-1]
            try:
                full = [int(d) for d in dims]
            except ValueError:
                full = None
            if full != ckpt[key]["shape"]:
                self.problem("saver", "key '%s' has shape_and_slices '%s', whose full shape is not the "
                                      "checkpoint's %s" % (key, spec, ckpt[key]["shape"]))
        keys_r = {k for k, _ in restore_names}
        for k in sorted(set(ckpt) - keys_r):
            self.problem("saver", "checkpoint key '%s' is not restored" % k)
        for k in sorted(keys_r - set(ckpt)):
            self.problem("saver", "restores key '%s', which the checkpoint does not have" % k)
        dup = [k for k, c in collections.Counter(restore_names).items() if c > 1]
        for k in dup:
            self.problem("saver", "key %s restored more than once" % (k,))
        return restore_map

    # -- 3. variables
    def check_variables(self, ckpt, restore_map, frozen, nontrainable, source_trainable):
        g = self.g
        nodes = g["nodes"]
        vdefs = self.variable_defs("variables")
        if vdefs is None:
            self.problem("collection:variables", "no 'variables' collection")
            vdefs = []
        by_key = collections.defaultdict(list)
        var_nodes = []
        for vd in vdefs:
            vn, _ = parse_tensor_name(vd["variable_name"])
            if vn in var_nodes:
                self.problem("collection:variables", "variable '%s' listed twice" % vn)
                continue
            var_nodes.append(vn)
            ssi = vd["save_slice_info"]
            key = ssi["full_name"] if ssi else vn
            by_key[key].append((vn, vd))
        for key in sorted(ckpt):
            entries = by_key.get(key, [])
            if not entries:
                self.problem(key, "checkpoint key has no variable in the 'variables' collection")
                continue
            sliced = [e for e in entries if e[1]["save_slice_info"]]
            if len(entries) > 1 and len(sliced) != len(entries):
                self.problem(key, "checkpoint key maps to %d variables: %s" % (len(entries), [e[0] for e in entries]))
            for vn, vd in entries:
                n = nodes.get(vn)
                if n is None:
                    continue  # reported by the collection check
                want_shape = ckpt[key]["shape"]
                ssi = vd["save_slice_info"]
                if ssi:
                    if ssi["full_shape"] != want_shape:
                        self.problem(vn, "save_slice_info full_shape %s != checkpoint shape %s of '%s'" % (
                            ssi["full_shape"], want_shape, key))
                    want_shape = ssi["var_shape"]
                if "shape" not in n.attr:
                    self.problem(vn, "variable has no shape attr")
                else:
                    sh = n.attr["shape"].shape
                    got = None if sh.unknown_rank else [d.size for d in sh.dim]
                    if got != want_shape:
                        self.problem(vn, "shape attr %s != checkpoint shape %s (key '%s')" % (got, want_shape, key))
                if "dtype" not in n.attr:
                    self.problem(vn, "variable has no dtype attr")
                elif base_type(n.attr["dtype"].type) != ckpt[key]["dtype"]:
                    self.problem(vn, "dtype attr %s != checkpoint dtype %s (key '%s')" % (
                        dt_name(n.attr["dtype"].type), dt_name(ckpt[key]["dtype"]), key))
                restored_into = {v for (k, _s), v in restore_map.items() if k == key}
                if restore_map and vn not in restored_into:
                    self.problem(vn, "the saver restores key '%s' into %s, not into this variable" % (
                        key, sorted(x for x in restored_into if x) or "nothing"))
        for key in sorted(set(by_key) - set(ckpt)):
            self.problem(key, "variable(s) %s in the 'variables' collection but no checkpoint key '%s'" % (
                [e[0] for e in by_key[key]], key))
        # A variable node outside the collection is not an error by itself:
        # real TF graphs have them (the Keras metric variables `total` and
        # `count` of the corpus case v2_keras_estimator_conv2d_rmsprop are in
        # no collection and not in its checkpoint). Listed as a NOTE.
        for name in g["order"]:
            if nodes[name].op in VARIABLE_OPS and name not in var_nodes:
                self.note(name, "variable node in no 'variables' collection entry (and not saved)")
        # trainable_variables
        tdefs = self.variable_defs("trainable_variables") or []
        trainable = []
        for vd in tdefs:
            vn, _ = parse_tensor_name(vd["variable_name"])
            trainable.append(vn)
            if vn not in var_nodes:
                self.problem(vn, "in trainable_variables but not in variables")
        for vn in [k for k, c in collections.Counter(trainable).items() if c > 1]:
            self.problem(vn, "listed twice in trainable_variables")

        def key_of(vn):
            for k, es in by_key.items():
                for e in es:
                    if e[0] == vn:
                        return k
            return vn

        expected = set()
        for vn in var_nodes:
            k = key_of(vn)
            if k in frozen or vn in frozen or k in nontrainable or vn in nontrainable:
                continue
            if source_trainable is None and k in ckpt and ckpt[k]["dtype"] not in DT_OPTIMIZABLE:
                continue
            if source_trainable is not None and vn not in source_trainable and k not in source_trainable:
                continue
            expected.add(vn)
        got = set(trainable)
        for vn in sorted(expected - got):
            self.problem(vn, "missing from trainable_variables (not frozen, not non-trainable)")
        for vn in sorted(got - expected):
            why = "frozen" if (vn in frozen or key_of(vn) in frozen) else "non-trainable"
            self.problem(vn, "in trainable_variables but %s" % why)
        # VariableDef.trainable (TF >= 1.14 writes it): if any entry uses it,
        # it must agree with trainable_variables.
        if any(vd["trainable"] for vd in vdefs):
            for vd in vdefs:
                vn, _ = parse_tensor_name(vd["variable_name"])
                if bool(vd["trainable"]) != (vn in got):
                    self.problem(vn, "VariableDef.trainable=%s disagrees with trainable_variables" % vd["trainable"])
        return len(var_nodes), len(got)

    # -- reporting
    def report(self):
        g = self.g
        self.total_graphs += 1
        self.total_nodes += len(g["order"])
        for node, msg in g["notes"]:
            print("  NOTE %s: node '%s': %s" % (g["label"], node, msg))
        for node, msg in g["problems"]:
            print("  PROBLEM %s: node '%s': %s" % (g["label"], node, msg))
        self.total_notes += len(g["notes"])
        self.total_problems += len(g["problems"])
        return not g["problems"]


def read_checkpoint_listing(surgeon, prefix, inspect_json):
    # PREFIX.inspect.json, when present, is a saved `surgeon inspect --json
    # PREFIX` (the test saves it and deletes big data shards to spare disk).
    if not inspect_json and os.path.isfile(prefix + ".inspect.json"):
        inspect_json = prefix + ".inspect.json"
    if inspect_json:
        with open(inspect_json) as f:
            data = json.load(f)
    else:
        out = subprocess.run([surgeon, "inspect", "--json", prefix], check=True,
                             stdout=subprocess.PIPE).stdout
        data = json.loads(out)
    return parse_listing(data)


def parse_listing(data):
    """{key: {"dtype": int, "shape": [..]}} from `surgeon inspect --json`."""
    tensors = data.get("tensors", data) if isinstance(data, dict) else data
    out = {}
    for t in tensors:
        dt = t["dtype"]
        if isinstance(dt, str):
            name = dt.upper()
            if not name.startswith("DT_"):
                name = "DT_" + name
            name = {"DT_FLOAT32": "DT_FLOAT", "DT_FLOAT64": "DT_DOUBLE", "DT_FLOAT16": "DT_HALF"}.get(name, name)
            if name not in DT_BY_NAME:
                raise SystemExit("check_meta.py: unknown dtype %r in the checkpoint listing" % dt)
            dt = DT_BY_NAME[name]
        out[t["name"]] = {"dtype": dt, "shape": list(t["shape"])}
    return out


def read_lines(path):
    if not path or not os.path.exists(path):
        return set()
    with open(path) as f:
        return {l.strip() for l in f if l.strip() and not l.startswith("#")}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("graphs", nargs="*", help="graphs for the structural checks only")
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "tf-corpus"),
                    help="dir of real TF graphs whose stripped_op_list give the OpDefs")
    ap.add_argument("--corpus-graphs", action="store_true",
                    help="also check every corpus graph structurally")
    ap.add_argument("--full", nargs=2, action="append", default=[], metavar=("META", "PREFIX"),
                    help="full check of META against the checkpoint PREFIX")
    ap.add_argument("--rewrite", nargs=3, action="append", default=[], metavar=("META", "PREFIX", "SOURCE_META"),
                    help="full check of a rewrite-mode META; SOURCE_META's trainable_variables (names "
                         "prefixed with --rename-prefix) say which variables are trainable")
    ap.add_argument("--surgeon", help="surgeon binary (for `surgeon inspect --json`)")
    ap.add_argument("--inspect-json", help="use this `surgeon inspect --json` output instead")
    ap.add_argument("--rename-prefix", default="")
    ap.add_argument("--nontrainable", action="append", default=["global_step"],
                    help="checkpoint keys that are not trainable (default: global_step)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not args.graphs and not args.full and not args.rewrite and not args.corpus_graphs:
        ap.error("nothing to check")

    msgs = Messages()
    registry = OpRegistry()
    corpus_files = corpus_graph_files(args.corpus) if os.path.isdir(args.corpus) else []
    if not corpus_files:
        print("NOTE: no corpus graphs under %s: every op is checked against the graph's own "
              "stripped_op_list (NOTEs)" % args.corpus)
    corpus_graphs = []
    for p in corpus_files:
        for label, mg in load_meta_graphs(msgs, p):
            registry.add_list(mg.meta_info_def.stripped_op_list)
            corpus_graphs.append((label, mg))
    print("OpDefs: %d ops (%d versions) from %d real TF graphs" % (
        len(registry.ops), sum(len(v) for v in registry.ops.values()), len(corpus_graphs)))

    checker = Checker(msgs, registry, args.verbose)
    ok = True
    todo = []
    if args.corpus_graphs:
        todo.extend(corpus_graphs)
    for p in args.graphs:
        todo.extend(load_meta_graphs(msgs, p))
    for label, mg in todo:
        checker.structural(label, mg)
        good = checker.report()
        ok &= good
        print("%s structural %s: %d nodes" % ("OK  " if good else "FAIL", label, len(checker.g["order"])))

    jobs = [(m, p, None) for m, p in args.full] + [tuple(r) for r in args.rewrite]
    for meta, prefix, source_meta in jobs:
        try:
            ckpt = read_checkpoint_listing(args.surgeon, prefix, args.inspect_json)
        except (OSError, subprocess.CalledProcessError, ValueError) as e:
            print("FAIL full %s: cannot list the checkpoint %s: %s" % (meta, prefix, e))
            ok = False
            continue
        frozen = read_lines(prefix + ".frozen.txt")
        source_trainable = None
        if source_meta:
            source_trainable = set()
            for _l, smg in load_meta_graphs(msgs, source_meta):
                c = Checker(msgs, registry)
                c.build("source", smg)
                for vd in c.variable_defs("trainable_variables") or []:
                    vn, _ = parse_tensor_name(vd["variable_name"])
                    source_trainable.add(args.rename_prefix + vn)
                    if vd["save_slice_info"]:
                        source_trainable.add(args.rename_prefix + vd["save_slice_info"]["full_name"])
        try:
            graphs = load_meta_graphs(msgs, meta)
        except (OSError, Exception) as e:  # a missing or unparsable .meta is a failure, not a crash
            print("FAIL full %s: cannot read: %s" % (meta, e))
            ok = False
            continue
        for label, mg in graphs:
            checker.structural(label, mg)
            restore_map = checker.check_saver(ckpt)
            nvars, ntrain = checker.check_variables(ckpt, restore_map, frozen, set(args.nontrainable),
                                                    source_trainable)
            good = checker.report()
            ok &= good
            print("%s full %s: %d nodes, %d checkpoint keys, %d variables, %d trainable, %d frozen" % (
                "OK  " if good else "FAIL", label, len(checker.g["order"]), len(ckpt), nvars, ntrain, len(frozen)))
    print("check_meta: %d graphs, %d nodes checked, %d problems, %d notes" % (
        checker.total_graphs, checker.total_nodes, checker.total_problems, checker.total_notes))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
