#!/usr/bin/python3
"""Timing harness for bench/run.sh (see bench/README.md).

    bench.py --config CONFIG.json

CONFIG.json (written by run.sh) names the commands to time and the files
they work on. Every round runs each command once, in the same order
(interleaved), after removing its previous output and `sync` (untimed), so
no command pays for another's writeback. One untimed warm-up round first
(warm page cache). Wall time is measured around `/usr/bin/time -v CMD`;
max RSS is what `time -v` reports. Prints a table of medians and the
ratios the targets (bench/README.md) are stated in; exits 1 when a target is
missed.

The memory check (big checkpoint) runs each command directly and samples
/proc/PID/status every 2 ms for peak RssAnon / RssFile, plus ru_maxrss from
wait4 (the same number `time -v` prints).
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
    """Runs cmd directly; returns (seconds, ru_maxrss_kb, peak_anon_kb, peak_file_kb)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_anon = peak_file = 0
    status = f"/proc/{p.pid}/status"
    while True:
        pid, st, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
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
    p.returncode = os.waitstatus_to_exitcode(st)
    err = p.stderr.read().decode(errors="replace")
    if p.returncode != 0:
        sys.stderr.write(err)
        raise SystemExit(f"bench: command failed ({p.returncode}): {' '.join(cmd)}")
    return dt, ru.ru_maxrss, peak_anon, peak_file


def fmt_mb(kb):
    return f"{kb / 1024:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    args = ap.parse_args()
    cfg = json.load(open(args.config))
    cwd = cfg["cwd"]
    # [{name, cmd, clean, bytes, peer}]; a row with "skip" (the reason) is
    # not run, only printed.
    skipped = [r for r in cfg["rows"] if r.get("skip")]
    rows = [r for r in cfg["rows"] if not r.get("skip")]
    rounds = cfg["rounds"]
    failures = []

    def run_once(row):
        sh_remove(row.get("clean", []))
        subprocess.run(["sync"])
        return timed(row["cmd"], cwd)

    print(f"# warm-up round (untimed), then {rounds} interleaved rounds; load: {os.getloadavg()[0]:.2f}",
          flush=True)
    for row in rows:
        run_once(row)
    times = {r["name"]: [] for r in rows}
    rss = {r["name"]: [] for r in rows}
    for i in range(rounds):
        for row in rows:
            dt, kb = run_once(row)
            times[row["name"]].append(dt)
            rss[row["name"]].append(kb)
        print(f"#  round {i + 1} (load {os.getloadavg()[0]:.1f}): " + ", ".join(f"{r['name']} {times[r['name']][-1]:.3f}" for r in rows), flush=True)
    for row in rows:
        sh_remove(row.get("clean", []))
    print(f"# load after: {os.getloadavg()[0]:.2f}")

    med = {n: statistics.median(v) for n, v in times.items()}
    cp = med.get("cp")
    print()
    run = med.get("run")
    print(f"{'command':<22} {'median s':>9} {'min s':>8} {'MB/s':>8} {'max RSS MB':>11} {'x cp':>7} {'x run':>7}")
    for row in rows:
        n = row["name"]
        mbs = row["bytes"] / med[n] / 1e6 if row.get("bytes") else float("nan")
        ratio = f"{med[n] / cp:7.2f}" if cp else f"{'':7}"
        vs_run = f"{med[n] / run:7.2f}" if run else ""
        mbs_s = f"{mbs:8.0f}" if row.get("bytes") else f"{'-':>8}"
        print(f"{n:<22} {med[n]:9.3f} {min(times[n]):8.3f} {mbs_s} {fmt_mb(max(rss[n])):>11} {ratio} {vs_run}")
    for row in rows:
        if row.get("elements"):
            n = row["name"]
            print(f"{n:<22} {row['elements'] / med[n] / 1e6:.1f} M elements/s (median)")
    for row in skipped:
        print(f"{row['name']:<22} skipped: {row['skip']}")
    print()

    t = cfg["targets"]
    if "run" in med and cp:
        r = med["run"] / cp
        ok = r <= t["run_vs_cp"]
        print(f"{'run / cp':<22} = {r:.2f}  (target <= {t['run_vs_cp']})  {'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append("run vs cp")
    if "run --link --no-verify" in med and cp:
        # The goal is for sharing itself; checking the shared CRCs (the
        # default) reads every shared byte, so `verify` is its floor.
        r = med["run --link --no-verify"] / cp
        ok = r <= t["link_vs_cp"]
        print(f"{'run --link --no-verify / cp':<22} = {r:.3f}  (target <= {t['link_vs_cp']})  {'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append("run --link vs cp")
        if "run --link" in med:
            floor = f", verify / cp = {med['verify'] / cp:.3f}" if "verify" in med else ""
            print(f"{'run --link / cp':<22} = {med['run --link'] / cp:.3f}  (CRCs checked: no target{floor})")
    for row in rows:
        if not row.get("peer") or "run" not in med:
            continue
        n = row["name"]
        r = med[n] / med["run"]
        ok = r >= t["peer_vs_run"]
        print(f"{n + ' / run':<22} = {r:.1f}  (target >= {t['peer_vs_run']})  {'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append(f"run vs {n}")
    if "verify" in med:
        row = next(r for r in rows if r["name"] == "verify")
        gbs = row["bytes"] / med["verify"] / 1e9
        ok = gbs >= t["verify_gbs"]
        print(f"{'verify':<22} = {gbs:.2f} GB/s  (target >= {t['verify_gbs']} GB/s)  {'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append("verify speed")
    if "inspect" in med:
        ok = med["inspect"] <= t["inspect_s"]
        print(f"{'inspect':<22} = {med['inspect'] * 1000:.1f} ms  (target <= {t['inspect_s'] * 1000:.0f} ms)  "
              f"{'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append("inspect time")

    mem = cfg.get("memory")
    if mem:
        print()
        print(f"# memory check on {mem['label']} ({mem['bytes'] / 1e9:.2f} GB of data); "
              f"limit {fmt_mb(mem['limit_kb'])} MB = 64 MB + largest new tensor")
        print(f"{'command':<18} {'s':>8} {'MB/s':>8} {'max RSS MB':>11} {'peak anon MB':>13} {'peak file MB':>13}")
        for row in mem["rows"]:
            sh_remove(row.get("clean", []))
            subprocess.run(["sync"])
            dt, maxrss, anon, file_ = sampled(row["cmd"], cwd)
            sh_remove(row.get("clean", []))
            mbs = f"{row['bytes'] / dt / 1e6:8.0f}" if row.get("bytes") else f"{'-':>8}"
            print(f"{row['name']:<18} {dt:8.3f} {mbs} {fmt_mb(maxrss):>11} {fmt_mb(anon):>13} {fmt_mb(file_):>13}")
            if row.get("bounded") and maxrss > mem["limit_kb"]:
                failures.append(f"memory of {row['name']}")
        for f in failures:
            if f.startswith("memory"):
                print(f"{f}: MISSED (max RSS above {fmt_mb(mem['limit_kb'])} MB)")

    if failures:
        print("\nMISSED: " + ", ".join(failures))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
