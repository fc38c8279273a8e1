#!/usr/bin/env python3
"""`vigil hash` throughput against --threads: pictures per second, wall time, and the CPU time of
each thread of the process (so a busy machine shows up as CPU time that is not wall time).

Draws COUNT synthetic 1728x1152 (2.0 MP) JPEGs with vigil_testpix (once, into WORKDIR/jpegs),
then runs `vigil hash --dihedral --threads N WORKDIR/jpegs` for each N, best of RUNS by wall time.
Per-thread CPU time is sampled from /proc/PID/task/TID/stat every 10 ms (the last sample before a
thread ends; a thread's last few ms can be missed); the process total comes from wait4(2).
The load average before and after is printed: measure when `uptime` shows the machine quiet.

Usage: hash_threads.py VIGIL VIGIL_TESTPIX WORKDIR [--count 300] [--threads 1,2|none] [--runs 3]
"""
import argparse
import os
import subprocess
import time

TICK = os.sysconf("SC_CLK_TCK")


def make_pictures(testpix, folder, count):
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        path = os.path.join(folder, f"pic{i:04}.jpg")
        if not os.path.exists(path):
            subprocess.run([testpix, "one", path, "--seed", str(1000 + i), "--size", "1728x1152"],
                           check=True)
    return sorted(os.listdir(folder))


def thread_cpu(pid, seen):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            seen[tid] = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        except (OSError, IndexError, ValueError):
            pass


def run_once(vigil, folder, threads):
    seen = {}
    start = time.monotonic()
    # threads None: no --threads option (a build from before it existed, which used one thread)
    opt = [] if threads is None else ["--threads", str(threads)]
    p = subprocess.Popen([vigil, "hash", "--dihedral", *opt, folder],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        thread_cpu(p.pid, seen)
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.01)
    wall = time.monotonic() - start
    err = p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"vigil hash failed: {err}")
    busy = sorted((t for t in seen.values() if t >= 0.05), reverse=True)
    return wall, usage.ru_utime + usage.ru_stime, busy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("testpix")
    ap.add_argument("workdir")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--threads", default="1,2",
                    help="comma-separated; 'none' runs without the --threads option")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    folder = os.path.join(a.workdir, "jpegs")
    files = make_pictures(a.testpix, folder, a.count)
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    print(f"{len(files)} JPEGs, 1728x1152, {size / len(files) / 1024:.0f} KiB each on average")
    print(f"load average before: {os.getloadavg()}")
    print(f"{'threads':>7} {'wall s':>8} {'pictures/s':>11} {'CPU s':>7} {'CPU/wall':>8}  "
          "CPU s per busy thread")
    rates = {}
    for n in [None if x == "none" else int(x) for x in a.threads.split(",")]:
        best = None
        for _ in range(a.runs):
            r = run_once(a.vigil, folder, n)
            if best is None or r[0] < best[0]:
                best = r
        wall, cpu, busy = best
        rates[n] = len(files) / wall
        print(f"{str(n if n is not None else '-'):>7} {wall:>8.2f} {rates[n]:>11.1f} {cpu:>7.2f} {cpu / wall:>8.2f}  "
              + " ".join(f"{t:.2f}" for t in busy))
    print(f"load average after: {os.getloadavg()}")
    if 1 in rates:
        for n, r in rates.items():
            if n not in (1, None):
                print(f"speed-up {n} threads / 1 thread: {r / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
