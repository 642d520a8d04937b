"""CI variant: surgeon against TensorFlow on malformed and random
input. The long run is scripts/differential.sh N.

  test_checkpoint_mutants   SURGEON_DIFF_MUTANTS (default 800) mutants of
                            TF-written checkpoints (differential.py): no
                            surgeon crash, no silent disagreement (both accept
                            but read different tensors), nothing surgeon
                            accepts that TF refuses (except differential.
                            TF_READER_LIMITS: non-UTF-8 keys, V1 partitions)
  test_tf_crash_regressions the mutants TF crashed on (regressions/
                            tf_crashes.json, rebuilt by seed): surgeon refuses
                            each with a clean message
  test_meta_mutants         SURGEON_DIFF_META_MUTANTS (default 250) mutated
                            .meta files up to 300 KB (meta_differential.py;
                            its `run` takes every graph): surgeon's
                            checker never passes a graph TF's import refuses,
                            except the listed KNOWN_CHECKER_GAPS
  test_roundtrip            SURGEON_ROUNDTRIP_CASES (default 1200) random
                            tensor sets (roundtrip.py): TF writes, surgeon
                            lists and converts, TF reads back bitwise equal

Each test prints its table; seeds in a failure message replay with
`python tests/tf/differential.py replay SEED`.
"""

import json
import os
import re
import sys
import time

import pytest

from conftest import HERE, WORK

sys.path.insert(0, HERE)
import differential  # noqa: E402
import gen_corpus  # noqa: E402
import meta_differential  # noqa: E402
import roundtrip  # noqa: E402
from tf_worker import TFWorker  # noqa: E402

REGRESSIONS = os.path.join(HERE, "regressions", "tf_crashes.json")

# TF import errors surgeon's checker does not model: they come from TF's
# shape inference (surgeon checks shapes only for Assign), which needs the
# shape function of every op.
KNOWN_CHECKER_GAPS = [
    r"Dimension \d+ in both shapes must be equal", r"Shape must be rank", r"Dimensions must be equal",
    r"Shapes must be equal rank", r"must be at least rank", r"Incompatible shapes", r"Shape must be at least",
    r"must be a vector",
]


@pytest.fixture(scope="module")
def worker(work_dir):
    gen_corpus.ensure_generated(os.path.join(work_dir, "gen"))
    w = TFWorker()
    yield w
    w.close()


def timed(label, fn):
    t0 = time.monotonic()
    out = fn()
    print(f"\n{label}: {time.monotonic() - t0:.1f} s")
    return out


def test_checkpoint_mutants(worker):
    n = int(os.environ.get("SURGEON_DIFF_MUTANTS", "800"))
    start = int(os.environ.get("SURGEON_DIFF_START", "5000000"))  # apart from the big run's seeds
    recs = timed(f"{n} checkpoint mutants", lambda: differential.run(start, n, None, worker=worker, progress=False))
    table = differential.summarize(recs)
    print(table)
    bugs = [r for r in recs if r["class"] in differential.BUG_CLASSES + ("generator_error",)]
    assert not bugs, f"{len(bugs)} mutants show a surgeon bug:\n" + "\n".join(json.dumps(r) for r in bugs[:10]) + \
        "\n\n" + table
    assert sum(r["class"] == "both_accept_equal" for r in recs) > n // 50, table  # valid mutants exist


def test_tf_crash_regressions(work_dir, corpus_dir):
    # The seeds index the base list of generated + fixed corpus cases.
    gen_corpus.ensure_generated(os.path.join(work_dir, "gen"))
    with open(REGRESSIONS) as f:
        cases = json.load(f)["mutants"]
    base_list = differential.bases()
    dtype_enum = differential.dtype_enum_fn()
    scratch = os.path.join(WORK, "tf-crash-regressions")
    for case in cases:
        base, m = differential.make_mutant(case["seed"], base_list)
        assert (base, m.desc) == (case["base"], case["mutation"]), \
            f"seed {case['seed']} no longer builds the recorded mutant (differential.py changed?): {base} {m.desc}"
        d = os.path.join(scratch, str(case["seed"]))
        os.makedirs(d, exist_ok=True)
        v = differential.surgeon_verdict(m.write(d), os.path.join(d, "out", "c"), dtype_enum)
        assert not v["crashed"] and not v["accept"], f"seed {case['seed']} ({case['tf_signal']} in TF): {v}"


def test_meta_mutants(worker):
    n = int(os.environ.get("SURGEON_DIFF_META_MUTANTS", "250"))
    recs = timed(f"{n} meta graph mutants",
                 lambda: meta_differential.run(0, n, None, worker=worker, progress=False, max_bytes=300 << 10))
    table = meta_differential.summarize(recs)
    print(table)
    crashes = [r for r in recs if r["class"] == "surgeon_crash"]
    assert not crashes, "\n".join(json.dumps(r) for r in crashes[:10])
    gaps = [r for r in recs if r["class"] == "surgeon_accepts_tf_refuses"
            and not any(re.search(p, r.get("tf_error", "")) for p in KNOWN_CHECKER_GAPS)]
    assert not gaps, "graphs surgeon's checker passes but TF cannot import:\n" + \
        "\n".join(json.dumps(r) for r in gaps[:10]) + "\n\n" + table


def test_roundtrip(worker):
    n = int(os.environ.get("SURGEON_ROUNDTRIP_CASES", "1200"))
    cases, failures = timed(f"{n} round-trip cases", lambda: roundtrip.run(0, n, worker=worker))
    assert not failures, f"{len(failures)} of {cases} cases:\n" + "\n".join(failures[:20])
