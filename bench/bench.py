#!/usr/bin/python3
"""Timing harness for bench/run.sh (see bench/README.md).

    bench.py --config CONFIG.json
    bench.py --size-group GROUP.json
    bench.py --init-micro INIT_MICRO.txt --config CONFIG.json

CONFIG.json (written by run.sh) names the commands to time and the files
they work on. A round is `repeat` passes over the commands in the same
order (interleaved); a peer (a whole TensorFlow or PyTorch process, seconds
long) runs in the last pass only, and each round begins with an untimed
`settle` command (a copy). Before each command its previous output is
removed and `sync` runs (untimed), so no command pays for another's
writeback. One untimed warm-up pass first (warm page cache). Wall time is
measured around `/usr/bin/time -v CMD`; max RSS is what `time -v` reports.

A ratio between two commands is the median of the ratios of their samples
from the same pass, taken a second or two apart: this shared machine's speed
drifts by 20-30 % within a minute, which a ratio of medians taken minutes
apart would count. Prints a table of medians and those ratios, checks the
targets (bench/README.md), and exits 1 when one is missed.

A size group (GROUP.json, one generated checkpoint of 1 to 16+ GB) runs each
command directly and samples /proc/PID/status every 2 ms for peak RssAnon /
RssFile, plus ru_maxrss from wait4 (the same number `time -v` prints). Its
rows run with a warm or a cold page cache: before a warm row the source
files are read once (untimed); before a cold row they are evicted
(posix_fadvise DONTNEED after sync: clean pages only, so nothing else on the
machine loses its cache). Ratios are to `cp` in the same cache state, and
cold rows also to `read`, a plain sequential read of the source files from
the disk (dd), the disk's speed. Exits 1 when a bounded command's peak
anonymous memory exceeds the group's limit (64 MB + its largest new tensor).

--init-micro checks the output of bench/init_micro against CONFIG's
initializer target (the median of truncated normal float32 on 2 threads).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def sh_remove(paths):
    for p in paths:
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.lexists(p):
            os.unlink(p)


def timed(cmd, cwd):
    """Runs cmd under /usr/bin/time -v; returns (seconds, max_rss_kb)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode(errors="replace"))
            raise SystemExit(f"bench: command failed ({r.returncode}): {' '.join(cmd)}")
        rss = 0
        for line in open(tf.name):
            if "Maximum resident set size" in line:
                rss = int(line.split(":")[1])
        return dt, rss


def sampled(cmd, cwd):
    """Runs cmd; returns (seconds, ru_maxrss_kb, peak_anon_kb, peak_file_kb).

    ru_maxrss is not the command's own: exec() folds the starting process's
    peak RSS into it (this interpreter's ~23 MB), so the tables use the peaks
    sampled from /proc after exec. posix_spawn keeps the interpreter's memory
    from being copied first."""
    with tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        old = os.getcwd()
        os.chdir(cwd)
        try:
            t0 = time.perf_counter()
            pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
        finally:
            os.chdir(old)
        peak_anon = peak_file = 0
        status = f"/proc/{pid}/status"
        while True:
            done, st, ru = os.wait4(pid, os.WNOHANG)
            if done == pid:
                break
            try:
                anon = file_ = 0
                with open(status) as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            anon = int(line.split()[1])
                        elif line.startswith("RssFile:"):
                            file_ = int(line.split()[1])
                peak_anon = max(peak_anon, anon)
                peak_file = max(peak_file, file_)
            except (FileNotFoundError, ProcessLookupError, ValueError):
                pass
            time.sleep(0.002)
        dt = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(st)
        if code != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            raise SystemExit(f"bench: command failed ({code}): {' '.join(cmd)}")
    return dt, ru.ru_maxrss, peak_anon, peak_file


def fmt_mb(kb):
    return f"{kb / 1024:.1f}"


def evict(paths):
    """Drops the files' clean pages from the page cache (after sync)."""
    subprocess.run(["sync"])
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def warm(paths):
    """Reads the files once so that they are in the page cache."""
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(WARM_BUF):
                pass


WARM_BUF = bytearray(8 << 20)


def check_ratio(label, value, bound, at_most, failures, unit=""):
    """Prints `label = value` against its bound; records a miss in failures."""
    ok = value <= bound if at_most else value >= bound
    print(f"{label:<22} = {value:.3g}{unit}  (target {'<=' if at_most else '>='} {bound}{unit})  "
          f"{'ok' if ok else 'MISSED'}")
    if not ok:
        failures.append(label)


def run_size_group(group):
    """Times one size group; returns the exit status (1 when memory is over its limit)."""
    rows, rounds, cwd = group["rows"], group["rounds"], group["cwd"]
    sources = group["source_files"]
    samples = {r["name"]: [] for r in rows}
    print(f"# {group['label']}: {group['bytes'] / 1e9:.2f} GB of data in {len(sources)} file(s); "
          f"{rounds} interleaved rounds; load {os.getloadavg()[0]:.2f}", flush=True)
    for i in range(rounds):
        for row in rows:
            sh_remove(row.get("clean", []))
            (evict if row["cache"] == "cold" else warm)(sources)
            subprocess.run(["sync"])
            samples[row["name"]].append(sampled(row["cmd"], cwd))
            sh_remove(row.get("clean", []))
        print(f"#  round {i + 1} (load {os.getloadavg()[0]:.1f}): " +
              ", ".join(f"{n} {v[-1][0]:.2f}" for n, v in samples.items()), flush=True)

    med = {n: statistics.median(s[0] for s in v) for n, v in samples.items()}
    print(f"\n{'command':<16} {'cache':<5} {'median s':>9} {'min s':>8} {'MB/s':>6} {'x cp':>6} {'x read':>7} "
          f"{'peak anon MB':>13} {'peak file MB':>13}")
    failures = []
    for row in rows:
        n, v = row["name"], samples[row["name"]]
        cp = med.get("cp" if row["cache"] == "warm" else "cp (cold)")
        read = med.get("read (cold)") if row["cache"] == "cold" else None
        mbs = f"{row['bytes'] / med[n] / 1e6:6.0f}" if row.get("bytes") else f"{'-':>6}"
        x_cp = f"{med[n] / cp:6.2f}" if cp else f"{'-':>6}"
        x_read = f"{med[n] / read:7.2f}" if read else f"{'-':>7}"
        anon = max(s[2] for s in v)
        print(f"{n:<16} {row['cache']:<5} {med[n]:9.3f} {min(s[0] for s in v):8.3f} {mbs} {x_cp} {x_read} "
              f"{fmt_mb(anon):>13} {fmt_mb(max(s[3] for s in v)):>13}")
        if row.get("bounded") and anon > group["limit_kb"]:
            failures.append(f"{n}: peak anon {fmt_mb(anon)} MB > {fmt_mb(group['limit_kb'])} MB")
    for f in failures:
        print(f"MISSED memory: {f}")
    print(f"{'':<16} (limit: peak anonymous memory <= {fmt_mb(group['limit_kb'])} MB = 64 MB + largest new tensor"
          f"{'' if failures else ': ok'})\n")
    return 1 if failures else 0


def check_init_micro(path, targets):
    """Checks init_micro's `truncated_normal f32 fill 2` median M/s; returns the exit status."""
    got = None
    for line in open(path):
        if line.startswith("truncated_normal f32 fill 2 "):
            words = line.split()
            got = float(words[words.index("median") + 3])
    if got is None:
        print(f"bench: no 'truncated_normal f32 fill 2' line in {path}")
        return 1
    failures = []
    check_ratio("truncated normal fill 2", got, targets["init_fill2_mps"], False, failures, " M/s")
    return 1 if failures else 0


def paired_ratio(a, b):
    """Median of a[k] / b[k] over the passes both were timed in."""
    return statistics.median(a[k] / b[k] for k in a if k in b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config")
    ap.add_argument("--size-group")
    ap.add_argument("--init-micro")
    args = ap.parse_args()
    if args.size_group:
        return run_size_group(json.load(open(args.size_group)))
    cfg = json.load(open(args.config))
    if args.init_micro:
        return check_init_micro(args.init_micro, cfg["targets"])
    cwd = cfg["cwd"]
    # [{name, cmd, clean, bytes, peer}]; a row with "skip" (the reason) is
    # not run, only printed.
    skipped = [r for r in cfg["rows"] if r.get("skip")]
    rows = [r for r in cfg["rows"] if not r.get("skip")]
    rounds, repeat = cfg["rounds"], cfg.get("repeat", 1)
    failures = []

    def run_once(row):
        sh_remove(row.get("clean", []))
        subprocess.run(["sync"])
        return timed(row["cmd"], cwd)

    def settle():
        # A peer's process frees 1-2 GB on exit, which this VM hands to its
        # host; the first large write after it, whichever row it was, paid
        # the host's page faults (up to 4x slower). An untimed one takes
        # that cost instead of the next timed row.
        if cfg.get("settle"):
            run_once(cfg["settle"])
            sh_remove(cfg["settle"].get("clean", []))

    print(f"# warm-up pass (untimed), then {rounds} rounds of {repeat} interleaved passes (peers in the last); "
          f"load: {os.getloadavg()[0]:.2f}", flush=True)
    for row in rows:
        run_once(row)
    times = {r["name"]: {} for r in rows}  # name -> {(round, pass): seconds}
    rss = {r["name"]: [] for r in rows}
    for i in range(rounds):
        settle()
        for p in range(repeat):
            for row in rows:
                if row.get("peer") and p != repeat - 1:
                    continue
                dt, kb = run_once(row)
                times[row["name"]][(i, p)] = dt
                rss[row["name"]].append(kb)
        print(f"#  round {i + 1} (load {os.getloadavg()[0]:.1f}): " + ", ".join(
            f"{n} " + "/".join(f"{t:.3f}" for (r, _), t in sorted(v.items()) if r == i) for n, v in times.items()),
              flush=True)
    for row in rows:
        sh_remove(row.get("clean", []))
    print(f"# load after: {os.getloadavg()[0]:.2f}")

    med = {n: statistics.median(v.values()) for n, v in times.items()}
    ratio = {}  # (name, base) -> paired median ratio
    for base in ("cp", "run"):
        if base in times:
            for n in times:
                ratio[(n, base)] = paired_ratio(times[n], times[base])
    print()
    print(f"{'command':<22} {'samples':>7} {'median s':>9} {'min s':>8} {'MB/s':>8} {'max RSS MB':>11} {'x cp':>7} "
          f"{'x run':>7}")
    for row in rows:
        n = row["name"]
        mbs = f"{row['bytes'] / med[n] / 1e6:8.0f}" if row.get("bytes") else f"{'-':>8}"
        x = [f"{ratio[(n, b)]:7.2f}" if (n, b) in ratio else f"{'':7}" for b in ("cp", "run")]
        print(f"{n:<22} {len(times[n]):7d} {med[n]:9.3f} {min(times[n].values()):8.3f} {mbs} "
              f"{fmt_mb(max(rss[n])):>11} {x[0]} {x[1]}")
    for row in rows:
        if row.get("elements"):
            n = row["name"]
            print(f"{n:<22} {row['elements'] / med[n] / 1e6:.1f} M elements/s (median)")
    for row in skipped:
        print(f"{row['name']:<22} skipped: {row['skip']}")
    print()

    t = cfg["targets"]
    if ("run", "cp") in ratio:
        check_ratio("run / cp", ratio[("run", "cp")], t["run_vs_cp"], True, failures)
    if ("run --link --no-verify", "cp") in ratio:
        # The goal is for sharing itself; checking the shared CRCs (the
        # default) reads every shared byte, so `verify` is its floor.
        check_ratio("run --link --no-verify / cp", ratio[("run --link --no-verify", "cp")], t["link_vs_cp"], True,
                    failures)
        if ("run --link", "cp") in ratio:
            floor = f", verify / cp = {ratio[('verify', 'cp')]:.3f}" if ("verify", "cp") in ratio else ""
            print(f"{'run --link / cp':<22} = {ratio[('run --link', 'cp')]:.3f}  (CRCs checked: no target{floor})")
    for row in rows:
        if row.get("peer") and (row["name"], "run") in ratio:
            check_ratio(row["name"] + " / run", ratio[(row["name"], "run")], t["peer_vs_run"], False, failures)
    if "verify" in med:
        gbs = next(r for r in rows if r["name"] == "verify")["bytes"] / med["verify"] / 1e9
        check_ratio("verify GB/s", gbs, t["verify_gbs"], False, failures)
    if "inspect" in med:
        check_ratio("inspect ms", med["inspect"] * 1000, t["inspect_s"] * 1000, True, failures)

    if failures:
        print("\nMISSED: " + ", ".join(failures))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
