#!/usr/bin/env python3
"""Shows that check_meta.py is not vacuous: takes a real TF graph (or any
.meta passed as argument, with its checkpoint for the saver/variable checks),
applies one corruption at a time, and requires each one to be reported.

  selftest.py STRUCT_META [--full META PREFIX --surgeon BIN]

STRUCT_META should be a TF1 graph with VariableV2 + Assign + SaveV2 nodes
(e.g. the corpus case v2_fc2_int32_step). Exit 0 when every corruption was
caught (and the uncorrupted graphs pass), 1 otherwise.
"""

import argparse
import contextlib
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_meta as cm  # noqa: E402


def first(mg, op):
    for n in mg.graph_def.node:
        if n.op == op:
            return n
    raise SystemExit("selftest: no %s node in the graph" % op)


def node(mg, name):
    for n in mg.graph_def.node:
        if n.name == name:
            return n
    raise SystemExit("selftest: no node %s" % name)


def structural_mutations(msgs):
    def dup_name(mg):
        mg.graph_def.node.add().CopyFrom(first(mg, "Const"))

    def unknown_op(mg):
        first(mg, "Relu").op = "NoSuchOpAnywhere"

    def extra_attr(mg):
        first(mg, "MatMul").attr["not_an_attr"].b = True

    def missing_attr(mg):
        del first(mg, "VariableV2").attr["dtype"]

    def wrong_kind(mg):
        first(mg, "Const").attr["dtype"].i = 1

    def disallowed_type(mg):
        first(mg, "Relu").attr["T"].type = cm.DT_STRING

    def ref_type_attr(mg):
        first(mg, "Identity").attr["T"].type = 101

    def extra_input(mg):
        n = first(mg, "Relu")
        data = [i for i in n.input if not i.startswith("^")]
        ctrl = [i for i in n.input if i.startswith("^")]
        del n.input[:]
        n.input.extend(data + [data[0]] + ctrl)

    def missing_input(mg):
        n = first(mg, "MatMul")
        data = [i for i in n.input if not i.startswith("^")]
        del n.input[:]
        n.input.extend(data[:1])

    def control_first(mg):
        n = first(mg, "MatMul")
        data = list(n.input)
        del n.input[:]
        n.input.extend(["^" + first(mg, "Const").name] + data)

    def dangling_input(mg):
        n = first(mg, "Relu")
        n.input[0] = "no/such/node"

    def bad_output_index(mg):
        n = first(mg, "Relu")
        n.input[0] = n.input[0].split(":")[0] + ":7"

    def ref_from_nonref(mg):
        a = first(mg, "Assign")
        var = a.input[0]
        a.input[0] = node(mg, var).name + "/read"

    def dtype_mismatch(mg):
        a = first(mg, "Assign")
        a.attr["T"].type = 3  # int32 vs the float variable

    def bad_colocation(mg):
        n = first(mg, "Identity")
        n.attr["_class"].list.s.append(b"loc:@no/such/variable")

    def bad_node_name(mg):
        n = first(mg, "NoOp")
        old = n.name
        n.name = "_bad name"
        for m in mg.graph_def.node:
            for i, inp in enumerate(m.input):
                if inp == "^" + old:
                    m.input[i] = "^_bad name"

    def dangling_collection(mg):
        c = mg.collection_def["train_op"] if "train_op" in mg.collection_def else mg.collection_def["x"]
        c.node_list.value.append("no/such/op")

    def dangling_snapshot(mg):
        c = mg.collection_def["variables"].bytes_list
        vd = cm.tf_message("framework.variable_pb2", "VariableDef")()
        vd.ParseFromString(c.value[0])
        vd.snapshot_name = "gone/read:0"
        c.value[0] = vd.SerializeToString()

    def assign_shape(mg):
        # the variable's shape no longer matches its initial value's
        # (Const shape -> TruncatedNormal -> Mul -> Add -> Assign)
        v = first(mg, "VariableV2")
        v.attr["shape"].shape.dim[0].size += 1

    def const_content(mg):
        for n in mg.graph_def.node:
            if n.op == "Const" and n.attr["value"].tensor.tensor_content:
                n.attr["value"].tensor.tensor_content += b"\0\0\0\0"
                return
        raise SystemExit("selftest: no Const with tensor_content")

    def illegal_cycle(mg):
        relu = first(mg, "Relu")
        src = node(mg, relu.input[0].split(":")[0])  # h1/add, fed back by h1/Relu
        src.input[0] = relu.name

    def unlisted_op(mg):
        ops = mg.meta_info_def.stripped_op_list.op
        for i, o in enumerate(ops):
            if o.name == "Relu":
                del ops[i]
                return

    def wrong_own_default(mg):
        for o in mg.meta_info_def.stripped_op_list.op:
            if o.name == "Assign":
                for a in o.attr:
                    if a.name == "validate_shape":
                        a.default_value.b = not a.default_value.b

    def bad_device(mg):
        first(mg, "MatMul").device = "CPU:0"

    return [illegal_cycle, unlisted_op, wrong_own_default, bad_device, assign_shape, const_content, dup_name, unknown_op, extra_attr, missing_attr, wrong_kind, disallowed_type, ref_type_attr,
            extra_input, missing_input, control_first, dangling_input, bad_output_index, ref_from_nonref,
            dtype_mismatch, bad_colocation, bad_node_name, dangling_collection, dangling_snapshot]


def full_mutations():
    def restore_not_reached(mg):
        ro = node(mg, mg.saver_def.restore_op_name)
        ctrl = [i for i in ro.input if i.startswith("^")]
        ro.input.remove(ctrl[0])

    def unsorted_names(mg):
        for op in ("SaveV2", "RestoreV2"):
            n = first(mg, op)
            c = node(mg, n.input[1].split(":")[0])
            vals = c.attr["value"].tensor.string_val
            if len(vals) > 1:
                a, b = vals[0], vals[1]
                vals[0], vals[1] = b, a

    def wrong_restore_dtype(mg):
        r = first(mg, "RestoreV2")
        r.attr["dtypes"].list.type[0] = 2

    def wrong_shape(mg):
        v = first(mg, "VariableV2")
        v.attr["shape"].shape.dim[0].size += 1

    def frozen_is_trainable(mg):
        c = mg.collection_def["trainable_variables"].bytes_list
        c.value.append(mg.collection_def["variables"].bytes_list.value[0])
        # (the first variable is frozen in the VGG16 run, or now duplicated)

    def drop_variable(mg):
        c = mg.collection_def["variables"].bytes_list
        del c.value[-1]

    def saver_v1(mg):
        mg.saver_def.version = 1

    def save_wrong_var(mg):
        s = first(mg, "SaveV2")
        data = [i for i in s.input if not i.startswith("^")]
        if len(data) > 4:
            s.input[3], s.input[4] = s.input[4], s.input[3]

    def bogus_slice(mg):
        for op in ("SaveV2", "RestoreV2"):
            n = first(mg, op)
            c = node(mg, n.input[2].split(":")[0])
            c.attr["value"].tensor.string_val[0] = b"7 0,7"

    return [bogus_slice, restore_not_reached, unsorted_names, wrong_restore_dtype, wrong_shape, frozen_is_trainable,
            drop_variable, saver_v1, save_wrong_var]


def run_structural(checker, label, mg):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        checker.structural(label, mg)
        ok = checker.report()
    return ok, out.getvalue()


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("struct_meta")
    ap.add_argument("--full", nargs=2, metavar=("META", "PREFIX"))
    ap.add_argument("--surgeon")
    ap.add_argument("--corpus", default=os.path.join(cm.REPO, "..", "shared", "tf-corpus"))
    args = ap.parse_args(argv)
    msgs = cm.Messages()
    registry = cm.OpRegistry()
    for p in cm.corpus_graph_files(args.corpus):
        for _l, mg in cm.load_meta_graphs(msgs, p):
            registry.add_list(mg.meta_info_def.stripped_op_list)
    checker = cm.Checker(msgs, registry)
    [(label, base)] = cm.load_meta_graphs(msgs, args.struct_meta)
    fails = 0
    caught = 0
    ok, out = run_structural(checker, label, base)
    if not ok:
        print("selftest: the uncorrupted graph fails:\n" + out)
        fails += 1
    for mut in structural_mutations(msgs):
        mg = msgs.MetaGraphDef()
        mg.CopyFrom(base)
        mut(mg)
        ok, out = run_structural(checker, label, mg)
        if ok:
            print("selftest: NOT CAUGHT: %s" % mut.__name__)
            fails += 1
        else:
            caught += 1
            first_line = [l for l in out.splitlines() if "PROBLEM" in l][0]
            print("selftest: caught %-20s %s" % (mut.__name__, first_line.split(": ", 1)[1][:150]))
    if args.full:
        meta, prefix = args.full
        ckpt = cm.read_checkpoint_listing(args.surgeon, prefix, None)
        frozen = cm.read_lines(prefix + ".frozen.txt")
        [(flabel, fbase)] = cm.load_meta_graphs(msgs, meta)

        def run_full(mg):
            with contextlib.redirect_stdout(io.StringIO()) as out:
                checker.structural(flabel, mg)
                rm = checker.check_saver(ckpt)
                checker.check_variables(ckpt, rm, frozen, {"global_step"}, None)
                ok = checker.report()
            return ok, out.getvalue()

        ok, out = run_full(fbase)
        if not ok:
            print("selftest: the uncorrupted full graph fails (see the main test's output)")
        for mut in full_mutations():
            mg = msgs.MetaGraphDef()
            mg.CopyFrom(fbase)
            mut(mg)
            ok2, out2 = run_full(mg)
            new = [l for l in out2.splitlines() if "PROBLEM" in l and l not in out]
            if not new:
                print("selftest: NOT CAUGHT: %s" % mut.__name__)
                fails += 1
            else:
                caught += 1
                print("selftest: caught %-20s %s" % (mut.__name__, new[0].split(": ", 1)[1][:150]))
    print("selftest: %d corruptions caught, %d not caught" % (caught, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
