#!/usr/bin/env python3
"""Containment of crashes and runaway memory in vigil scan's worker process (issues 12, 15).

vigil scan supervises a worker process (cli/scan_supervisor.cpp). These tests make a library
crash or run away with memory on chosen bytes through the LD_PRELOAD shim tests/shims/crash_lib.c
(libarchive's archive_read_open_memory, TSK's tsk_fs_dir_walk) and check that:
- the scan finishes (exit 1: warnings), the item the library crashed on is recorded with status
  error and a warning of code crash naming the signal, and every other item is recorded exactly as
  in a clean scan;
- several crashing items are each quarantined, with any thread count;
- a walk that crashes quarantines its volume (a crash warning on the volume) and the other
  volumes are recorded as in a clean scan;
- a library that allocates without end stops at the worker's memory limit (--max-memory plus the
  documented overhead): the scan's peak resident memory stays under it;
- the hostile ext2 image evidence_fuzz found (testdata/make_hostile_ext2_orphan.py), on which TSK
  fills a 3.4 GB buffer, is scanned within the limit with the rows of an unbounded scan, and a
  walk warning says that the volume's listing may be incomplete (TSK went on without the
  allocation that failed);
- a walk stuck inside TSK (testdata/make_hostile_ext2_stall.py) is stopped by the stall limit
  (--walk-stall-limit) and its volume quarantined, and the scan goes on;
- killing only the worker (SIGKILL) loses nothing: a new worker resumes and the items equal a
  clean scan's;
- the restarts are bounded (cli/scan_supervisor.hpp): a worker that dies kMaxWorkerRestarts (64)
  times, or kMaxUnattributedDeaths (3) times in a row without a culprit, ends the scan with exit
  2 and one clear message, the run is marked failed, and the case store still opens with what was
  committed;
- a unit of a plan (vigil scan --plan P --unit K) runs under the same supervisor: its crashing
  items are quarantined in its worker and the merge equals a single scan under the same crashes,
  and a runaway allocation in a unit stops at the same limit.
Usage: test_containment.py VIGIL TESTDATA_DIR CRASH_LIB_SO SOURCE_DIR
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

VIGIL, TESTDATA, CRASH_LIB, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
MARKER = "VIGIL-TEST-CRASH-7f3a"
MIB = 1 << 20
# cli/scan_supervisor.hpp: kWorkerOverheadFixed, kWorkerOverheadPerThread, kMaxWorkerRestarts,
# kMaxUnattributedDeaths.
MAX_WORKER_RESTARTS, MAX_UNATTRIBUTED_DEATHS = 64, 3
OVERHEAD_FIXED, OVERHEAD_PER_THREAD = 512 * MIB, 64 * MIB
# Sanitizer builds run the worker without a memory limit (containment.hpp, kSanitizerBuild): the
# memory tests then check that documented behaviour instead of the limit.
SANITIZED = any(lib in subprocess.run(["ldd", VIGIL], capture_output=True, text=True).stdout
                for lib in ("libasan", "libtsan"))
COLUMNS = ("provenance, path, name, size, inode_str, deleted, orphan, ads, content_type, "
           "extension_mismatch, status, bytes_read, mtime, xxh3_128, md5, sha1, sha256, depth, "
           "extractor, child_status")


def query(case, sql, *args):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    try:
        return list(db.execute(sql, args))
    finally:
        db.close()


def rows_by_provenance(case):
    return {r[0]: r for r in query(case, f"SELECT {COLUMNS} FROM items")}


def warnings(case):
    return sorted(query(case, "SELECT provenance, code, message FROM warnings"))


def scan_measured(args, env=None):
    """Runs vigil scan in a fresh Python process that reports the peak resident memory of its
    children (the supervisor and every worker) from getrusage(RUSAGE_CHILDREN)."""
    probe = ("import resource, subprocess, sys\n"
             "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
             "sys.stderr.buffer.write(r.stderr)\n"
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, VIGIL, "scan", *args],
                         capture_output=True, env=env, timeout=600)
    rc, maxrss_kib = out.stdout.split()
    return int(rc), int(maxrss_kib) * 1024, out.stderr.decode(errors="replace")


def shim_env(**extra):
    env = dict(os.environ)
    env["LD_PRELOAD"] = CRASH_LIB
    # Under AddressSanitizer the shim comes before the ASan runtime; that is intended here. The
    # shim's crashes are deliberate: handle_segv=0 lets the worker die by SIGSEGV, as in a release
    # build, instead of ASan turning it into a report and SIGABRT (which scripts/test.sh fails on).
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":verify_asan_link_order=0:handle_segv=0").lstrip(":")
    env.update(extra)
    return env


def make_folder(root, crashing):
    """A folder of evidence: small files, archives that open normally, and `crashing` archives
    whose member holds MARKER (stored, so the marker is in the archive's bytes)."""
    os.makedirs(root)
    for i in range(24):
        with open(os.path.join(root, f"note{i:02}.txt"), "w") as f:
            f.write(f"synthetic note {i}\n" * (i + 1))
    for i in range(4):
        with zipfile.ZipFile(os.path.join(root, f"good{i}.zip"), "w", zipfile.ZIP_STORED) as z:
            z.writestr("inner.txt", f"innocent archive {i}\n")
            z.writestr("sub/other.txt", "x" * (100 + i))
    for name in crashing:
        with zipfile.ZipFile(os.path.join(root, name), "w", zipfile.ZIP_STORED) as z:
            z.writestr("trigger.txt", f"{MARKER}\n")
            z.writestr("inner.txt", "would be a child\n")


class Containment(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def scan(self, case, evidence, args=(), env=None):
        return subprocess.run([VIGIL, "scan", "-q", "--case", case, *args, *evidence],
                              capture_output=True, env=env, timeout=600)

    def assert_same_except(self, clean, crashed, excluded):
        """Every item of the clean case not under an excluded provenance is in the crashed case
        with the same values, and the crashed case holds nothing else."""
        a, b = rows_by_provenance(clean), rows_by_provenance(crashed)

        def kept(p):
            return not any(p == x or p.startswith(x + " > ")
                           for x in excluded)
        ka = {p: r for p, r in a.items() if kept(p)}
        kb = {p: r for p, r in b.items() if kept(p)}
        self.assertGreater(len(ka), 10)
        self.assertEqual(sorted(ka), sorted(kb))
        for p in ka:
            self.assertEqual(ka[p], kb[p], p)
        wa = [w for w in warnings(clean) if kept(w[0])]
        wb = [w for w in warnings(crashed) if kept(w[0])]
        self.assertEqual(wa, wb)

    def crash_provenance(self, case, name):
        rows = query(case, "SELECT provenance, status, xxh3_128 FROM items "
                     "WHERE CAST(name AS TEXT) = ? AND parent_id IS NULL", name)
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def check_crash_scan(self, mode, crashing, threads):
        folder = self.path("evidence")
        make_folder(folder, crashing)
        clean, crashed = self.path("clean"), self.path("crashed")
        out = self.scan(clean, [folder], ["-j", str(threads)])
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.scan(crashed, [folder], ["-j", str(threads)],
                        shim_env(VIGIL_TEST_CRASH_MARKER=MARKER, VIGIL_TEST_CRASH_MODE=mode))
        err = out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 1, err)
        signum = {"segv": signal.SIGSEGV, "abort": signal.SIGABRT}[mode]
        excluded = []
        for name in crashing:
            prov, status, xxh = self.crash_provenance(crashed, name)
            self.assertEqual(status, "error")
            self.assertIsNone(xxh or None)
            crash = [w for w in warnings(crashed) if w[0] == prov and w[1] == "crash"]
            self.assertEqual(len(crash), 1, warnings(crashed))
            self.assertIn(f"signal {int(signum)} ({signum.name})", crash[0][2])
            self.assertIn("quarantined", crash[0][2])
            # Nothing found inside it was recorded.
            self.assertEqual(query(crashed, "SELECT count(*) FROM items i JOIN items p "
                                   "ON i.parent_id = p.id WHERE p.provenance = ?", prov),
                             [(0,)])
            # The clean scan opened it.
            self.assertEqual(self.crash_provenance(clean, name)[1], "ok")
            excluded.append(prov)
        self.assert_same_except(clean, crashed, excluded)
        self.assertEqual(query(crashed, "SELECT status FROM runs"), [("complete-with-warnings",)])
        died = query(crashed, "SELECT details FROM audit WHERE action = 'worker-died'")
        self.assertGreaterEqual(len(died), len(crashing))
        self.assertTrue(all(json.loads(d[0])["signal"] == int(signum) for d in died), died)
        self.assertIn("quarantined", err)

    def test_segv_in_extractor_is_quarantined(self):
        self.check_crash_scan("segv", ["crash.zip"], 2)

    def test_abort_in_two_items_one_thread(self):
        self.check_crash_scan("abort", ["crash_a.zip", "crash_b.zip"], 1)

    def test_three_crashes_four_threads(self):
        self.check_crash_scan("segv", ["c1.zip", "c2.zip", "c3.zip"], 4)

    def test_crash_of_a_walk_quarantines_the_volume(self):
        image = os.path.join(TESTDATA, "mbr.raw")
        clean, crashed = self.path("clean"), self.path("crashed")
        out = self.scan(clean, [image], ["--no-verify"])
        self.assertIn(out.returncode, (0, 1), out.stderr)
        flag = self.path("walk-crashed")
        out = self.scan(crashed, [image], ["--no-verify"],
                        shim_env(VIGIL_TEST_CRASH_WALK_ONCE=flag))
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertTrue(os.path.exists(flag))
        crash = [w for w in warnings(crashed) if w[1] == "crash"]
        self.assertEqual(len(crash), 1, warnings(crashed))
        vol_prov = crash[0][0]
        self.assertIn("the walk of this volume died with signal 11 (SIGSEGV)", crash[0][2])
        vols = query(crashed, "SELECT idx FROM volumes WHERE provenance = ?", vol_prov)
        self.assertEqual(len(vols), 1, vol_prov)
        idx = vols[0][0]
        # No entry of that volume is listed (its unallocated space is still carved: carving
        # reads the volume's allocation, not the walk).
        walked = "SELECT count(*) FROM items WHERE volume = ? AND substr(provenance, 1, ?) != ?"
        carved = vol_prov + " > carve:"
        self.assertEqual(query(crashed, walked, idx, len(carved), carved), [(0,)])
        self.assertGreater(query(clean, walked, idx, len(carved), carved)[0][0], 0)
        # Everything else as in the clean scan.
        a = {p: r for p, r in rows_by_provenance(clean).items()
             if not p.startswith(vol_prov + " > ") or p.startswith(carved)}
        b = rows_by_provenance(crashed)
        # A carve equal to a deleted entry's content is not stored when the walk listed that
        # entry; with the walk gone, those carves are the only copy and are stored. Each such
        # extra item must be the content of a deleted entry of this volume in the clean scan.
        extra = {p: r for p, r in b.items() if p not in a}
        deleted_sha256 = {r[0] for r in query(
            clean, "SELECT sha256 FROM items WHERE volume = ? AND deleted = 1", idx)}
        for p, r in extra.items():
            self.assertTrue(p.startswith(carved), p)
            self.assertIn(r[COLUMNS.split(", ").index("sha256")], deleted_sha256, p)
        self.assertEqual(a, {p: r for p, r in b.items() if p not in extra})

    def test_runaway_allocation_stops_at_the_limit(self):
        folder = self.path("evidence")
        make_folder(folder, ["runaway.zip"])
        max_memory = 64 * MIB
        limit = max_memory + OVERHEAD_FIXED + OVERHEAD_PER_THREAD
        rc, peak, err = scan_measured(
            ["-q", "-j", "1", "--max-memory", "64M", "--case", self.path("case"), folder],
            shim_env(VIGIL_TEST_CRASH_MARKER=MARKER, VIGIL_TEST_CRASH_MODE="alloc",
                     VIGIL_TEST_ALLOC_CAP_MIB="256" if SANITIZED else "4096"))
        if SANITIZED:
            # No limit under a sanitizer: the library gets what it asks for (up to the shim's cap).
            self.assertIn(f"crash_lib: no limit after {256 * MIB}", err)
            self.assertEqual(rc, 1, err)
        else:
            self.assertIn("crash_lib: malloc failed after", err)
            got = int(err.split("crash_lib: malloc failed after ")[1].split()[0])
            # The library got close to the limit, and no further.
            self.assertGreater(got, limit // 2)
            self.assertLess(got, limit)
            self.assertLess(peak, limit)
            self.assertEqual(rc, 1, err)
            print(f"runaway allocation: library got {got / MIB:.0f} MiB; scan peak RSS "
                  f"{peak / MIB:.0f} MiB; limit {limit / MIB:.0f} MiB")
        prov, status, _ = self.crash_provenance(self.path("case"), "runaway.zip")
        # The library failed cleanly: the item is read, the extractor's failure is a warning.
        self.assertEqual(status, "ok")
        self.assertTrue([w for w in warnings(self.path("case")) if w[0] == prov], err)

    def test_hostile_ext2_orphan_within_the_limit(self):
        image = self.path("hostile_orphan.ext2")
        out = subprocess.run([sys.executable,
                              os.path.join(SOURCE, "testdata", "make_hostile_ext2_orphan.py"),
                              image], capture_output=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        limit = 64 * MIB + OVERHEAD_FIXED + OVERHEAD_PER_THREAD
        case = self.path("case")
        rc, peak, err = scan_measured(["-q", "-j", "1", "--max-memory", "64M", "--case", case,
                                       image])
        # Unbounded, TSK's orphan search fills a 3.4 GB buffer (6.8 GB resident, 72 s). Under the
        # limit its calloc fails, TSK goes on without it, and the scan's rows are those of the
        # unbounded scan (measured once: docs/ARCHITECTURE.md, "Containment").
        walk = [w for w in warnings(case) if w[1] == "walk"]
        if not SANITIZED:
            self.assertLess(peak, limit)
            # TSK goes on without the buffer and reports success; the volume's warning says
            # that its listing may be incomplete.
            self.assertEqual(rc, 1, err)
            self.assertEqual(len(walk), 1, walk)
            self.assertIn("file-system walk incomplete: TSK could not allocate memory", walk[0][2])
            self.assertIn("3456106496 requested", walk[0][2])
        else:
            self.assertEqual(rc, 0, err)
            self.assertEqual(walk, [])
        rows = {r[0].split(":", 2)[-1]: r[1:] for r in
                query(case, "SELECT provenance, size, status FROM items")}
        self.assertEqual(rows, {
            "/lost+found (inode 11)": (12288, "not-read"),
            "/b.txt (inode 12)": (6, "ok"),
            "/dir (inode 13)": (1024, "not-read"),
            "/dir/a.png (inode 14)": (991, "ok"),
            "/$OrphanFiles (inode 129)": (0, "not-read"),
            "/$OrphanFiles/OrphanFile-106 (inode 106)": (3456106496, "not-read")})
        self.assertEqual(query(case, "SELECT status FROM runs"),
                         [("complete" if SANITIZED else "complete-with-warnings",)])
        if not SANITIZED:
            # The report names the volume whose listing may be incomplete.
            out = self.path("report")
            r = subprocess.run([VIGIL, "report", "-q", "--case", case, "--out", out,
                                "--case-number", "M-1", "--exhibit", "EX-1", "--examiner", "T"],
                               capture_output=True)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
                html = f.read()
            self.assertIn("Volumes listed incompletely", html)
            self.assertIn("INCOMPLETE: 1 (", html)
        print(f"hostile ext2 orphan: peak RSS {peak / MIB:.0f} MiB; limit {limit / MIB:.0f} MiB")

    def test_stuck_walk_is_stopped_and_its_volume_quarantined(self):
        # The ext2 image evidence_fuzz found whose root folder makes TSK loop without end, and a
        # clean image beside it: the stuck walk is stopped after the stall limit, its volume is
        # quarantined with a stall warning, and the scan goes on to the other evidence.
        image = self.path("hostile_stall.ext2")
        out = subprocess.run([sys.executable,
                              os.path.join(SOURCE, "testdata", "make_hostile_ext2_stall.py"),
                              image], capture_output=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        other = os.path.join(TESTDATA, "mbr.raw")
        clean, case = self.path("clean"), self.path("stalled")
        out = self.scan(clean, [other], ["--no-verify"])
        self.assertIn(out.returncode, (0, 1), out.stderr)
        out = subprocess.run([VIGIL, "scan", "-q", "--no-verify", "--walk-stall-limit", "2",
                              "--case", case, image, other], capture_output=True, timeout=300)
        err = out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 1, err)
        self.assertIn("made no progress for 2 s", err)
        stall = [w for w in warnings(case) if w[1] == "stall"]
        self.assertEqual(len(stall), 1, warnings(case))
        self.assertIn("the walk of this volume made no progress for 2 s", stall[0][2])
        self.assertIn("--walk-stall-limit", stall[0][2])
        vols = query(case, "SELECT idx FROM volumes WHERE provenance = ?", stall[0][0])
        self.assertEqual(len(vols), 1, stall[0][0])
        # Nothing of that volume was listed (its unallocated space may still be carved).
        listed = "SELECT count(*) FROM items WHERE provenance LIKE ? AND provenance NOT LIKE ?"
        self.assertEqual(query(case, listed, stall[0][0] + " > %", stall[0][0] + " > carve:%"),
                         [(0,)])
        actions = [a for (a,) in query(case, "SELECT action FROM audit")]
        self.assertIn("walk-stalled", actions)
        self.assertEqual(query(case, "SELECT status FROM runs"), [("complete-with-warnings",)])
        (settings,), = query(case, "SELECT settings FROM runs")
        self.assertEqual(json.loads(settings)["walk_stall_limit"], 2)
        # The other evidence is recorded as in a scan of it alone.
        a = rows_by_provenance(clean)
        b = {p: r for p, r in rows_by_provenance(case).items() if p.startswith("mbr.raw")}
        self.assertEqual(a, b)

    def test_memory_limit_is_in_the_run_settings_and_the_report(self):
        # The run record says which bound the scan ran under: --max-memory, and the worker's
        # RLIMIT_DATA (or why there is none); the report's settings section prints both.
        folder = self.path("evidence")
        make_folder(folder, [])
        expected = {
            "supervised": ("off under sanitizers: RLIMIT_DATA is not set (they reserve terabytes "
                           "of address space)") if SANITIZED
            else 64 * MIB + OVERHEAD_FIXED + OVERHEAD_PER_THREAD,
            "in-process": "in-process: no worker process, no memory limit"}
        for name, extra in (("supervised", []), ("in-process", ["--in-process"])):
            case = self.path("case-" + name)
            r = subprocess.run([VIGIL, "scan", "-q", "-j", "1", "--max-memory", "64M", *extra,
                                "--case", case, folder], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            (settings,), = query(case, "SELECT settings FROM runs")
            settings = json.loads(settings)
            self.assertEqual(settings["max_memory"], 64 * MIB)
            self.assertEqual(settings["worker_memory_limit"], expected[name])
            out = self.path("report-" + name)
            r = subprocess.run([VIGIL, "report", "-q", "--case", case, "--out", out,
                                "--case-number", "M-1", "--exhibit", "EX-1", "--examiner", "T"],
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
                html = f.read()
            self.assertIn("Setting worker_memory_limit", html)
            self.assertIn(str(expected[name]), html)

    def test_killing_the_worker_loses_nothing(self):
        images = [os.path.join(TESTDATA, n)
                  for n in ("ext4.raw", "fat32.raw", "ntfs.raw", "exfat.raw", "gpt.raw")]
        clean, killed = self.path("clean"), self.path("killed")
        args = ["--threads", "1", "--digests", "all", "--no-verify"]
        out = self.scan(clean, images, args)
        self.assertIn(out.returncode, (0, 1), out.stderr)
        proc = subprocess.Popen([VIGIL, "scan", "-q", "--case", killed, *args, *images],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        db = os.path.join(killed, "case.sqlite")
        worker = None
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                    kids = f.read().split()
            except OSError:
                kids = []
            if kids and os.path.exists(db):
                try:
                    n = query(killed, "SELECT count(*) FROM items")[0][0]
                except sqlite3.Error:
                    n = 0
                if n >= 20:
                    worker = int(kids[0])
                    break
            time.sleep(0.02)
        self.assertIsNotNone(worker, "the worker never committed 20 items")
        os.kill(worker, signal.SIGKILL)
        _, err = proc.communicate(timeout=600)
        self.assertEqual(proc.returncode, 0 if out.returncode == 0 else 1, err)
        self.assertIn(b"signal 9 (SIGKILL)", err)
        self.assertEqual(rows_by_provenance(clean), rows_by_provenance(killed))
        self.assertEqual(warnings(clean), warnings(killed))
        died = query(killed, "SELECT details FROM audit WHERE action = 'worker-died'")
        self.assertEqual(len(died), 1)
        self.assertEqual(json.loads(died[0][0])["signal"], int(signal.SIGKILL))


class Units(unittest.TestCase):
    """A unit of a plan (vigil scan --plan P --unit K, issue 16) runs under the same supervisor
    as a scan: the same memory limit on its worker, the same crash recovery."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def plan(self, case, folder, *args):
        out = subprocess.run([VIGIL, "plan", "-q", "--case", case, *args, folder],
                             capture_output=True, timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(case, "plan.json"), encoding="utf-8") as f:
            return json.load(f)

    def test_crashing_unit_is_recovered_and_merges_as_a_scan(self):
        folder = self.path("evidence")
        make_folder(folder, ["crash_a.zip", "crash_b.zip"])
        env = shim_env(VIGIL_TEST_CRASH_MARKER=MARKER, VIGIL_TEST_CRASH_MODE="segv")
        single, case = self.path("single"), self.path("units")
        out = subprocess.run([VIGIL, "scan", "-q", "--threads", "1", "--case", single, folder],
                             capture_output=True, env=env, timeout=600)
        self.assertEqual(out.returncode, 1, out.stderr)
        plan = self.plan(case, folder, "--units", "3", "--threads", "1")
        self.assertGreaterEqual(len(plan["units"]), 2, plan["units"])
        deaths = 0
        for k in range(len(plan["units"])):
            out = subprocess.run([VIGIL, "scan", "-q", "--plan", os.path.join(case, "plan.json"),
                                  "--unit", str(k)], capture_output=True, env=env, timeout=600)
            err = out.stderr.decode(errors="replace")
            self.assertIn(out.returncode, (0, 1), err)
            store = os.path.join(case, "units", str(k))
            died = query(store, "SELECT details FROM audit WHERE action = 'worker-died'")
            self.assertTrue(all(json.loads(d[0])["signal"] == int(signal.SIGSEGV)
                                for d in died), died)
            if died:
                self.assertEqual(out.returncode, 1, err)
                self.assertIn("quarantined", err)
            deaths += len(died)
        # Both crashes happened in a unit's worker and were recovered there.
        self.assertEqual(deaths, 2)
        out = subprocess.run([VIGIL, "merge", "-q", "--case", case], capture_output=True,
                             timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(rows_by_provenance(single), rows_by_provenance(case))
        self.assertEqual(warnings(single), warnings(case))
        crash = [w for w in warnings(case) if w[1] == "crash"]
        self.assertEqual(len(crash), 2, warnings(case))

    def test_runaway_allocation_in_a_unit_stops_at_the_limit(self):
        folder = self.path("evidence")
        make_folder(folder, ["runaway.zip"])
        case = self.path("units")
        plan = self.plan(case, folder, "--units", "2", "--threads", "1", "--max-memory", "64M")
        limit = 64 * MIB + OVERHEAD_FIXED + OVERHEAD_PER_THREAD
        env = shim_env(VIGIL_TEST_CRASH_MARKER=MARKER, VIGIL_TEST_CRASH_MODE="alloc",
                       VIGIL_TEST_ALLOC_CAP_MIB="256" if SANITIZED else "4096")
        hits = 0
        for k in range(len(plan["units"])):
            rc, peak, err = scan_measured(
                ["-q", "--plan", os.path.join(case, "plan.json"), "--unit", str(k)], env)
            self.assertIn(rc, (0, 1), err)
            if "crash_lib:" not in err:
                continue
            hits += 1
            if SANITIZED:
                self.assertIn(f"crash_lib: no limit after {256 * MIB}", err)
            else:
                self.assertIn("crash_lib: malloc failed after", err)
                got = int(err.split("crash_lib: malloc failed after ")[1].split()[0])
                self.assertGreater(got, limit // 2)
                self.assertLess(got, limit)
                self.assertLess(peak, limit)
                print(f"runaway allocation in unit {k}: library got {got / MIB:.0f} MiB; peak "
                      f"RSS {peak / MIB:.0f} MiB; limit {limit / MIB:.0f} MiB")
            self.assertEqual(rc, 1, err)
        self.assertEqual(hits, 1)


class CrashLoop(unittest.TestCase):
    """The supervisor's bound on restarts: a worker that keeps dying ends the scan, exit 2."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_loop(self, crashing, mode):
        folder = os.path.join(self.tmp.name, "evidence")
        make_folder(folder, crashing)
        case = os.path.join(self.tmp.name, "case")
        out = subprocess.run([VIGIL, "scan", "-q", "--threads", "1", "--case", case, folder],
                             capture_output=True, timeout=1800,
                             env=shim_env(VIGIL_TEST_CRASH_MARKER=MARKER,
                                          VIGIL_TEST_CRASH_MODE=mode))
        err = out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 2, err)
        # One clear message: the fatal line, the last line, once.
        fatal = [line for line in err.splitlines() if "the worker process died" in line]
        self.assertEqual(len(fatal), 1, err)
        self.assertEqual(err.splitlines()[-1], fatal[0])
        self.assertTrue(fatal[0].startswith("vigil: scan: "), fatal[0])
        self.assertIn("what was committed stays in the case", fatal[0])
        # The store still opens, whole, and says the run failed.
        self.assertEqual(query(case, "PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(query(case, "SELECT status FROM runs"), [("failed",)])
        failed = query(case, "SELECT details FROM audit WHERE action = 'scan-failed'")
        self.assertEqual(len(failed), 1)
        return case, fatal[0], failed[0][0]

    def test_a_worker_dying_64_times_ends_the_scan(self):
        # Every death names its item (SIGSEGV in one item, one thread): each is quarantined and
        # the scan resumes, until the 64th death.
        crashing = [f"crash{i:02}.zip" for i in range(MAX_WORKER_RESTARTS + 2)]
        case, fatal, details = self.run_loop(crashing, "segv")
        self.assertIn(f"died {MAX_WORKER_RESTARTS} times (last: signal {int(signal.SIGSEGV)}, "
                      "SIGSEGV)", fatal)
        self.assertEqual(json.loads(details)["signal"], int(signal.SIGSEGV))
        # Each death before the last named and quarantined a different item (its crash warning
        # is written by the next worker, in a batch that a later death may take with it).
        died = query(case, "SELECT details FROM audit WHERE action = 'worker-died'")
        self.assertEqual(len(died), MAX_WORKER_RESTARTS - 1)
        items = {json.loads(d[0])["item_index"] for d in died}
        self.assertEqual(len(items), MAX_WORKER_RESTARTS - 1, died)
        # What was committed stays: the evidence and its run.
        self.assertEqual(len(query(case, "SELECT id FROM evidence")), 1)

    def test_deaths_without_a_culprit_end_the_scan(self):
        # SIGKILL (as from the OOM killer) is not a fault: nothing is quarantined. The item in
        # flight is retried alone; each further death on it is unexplained, and the third ends
        # the scan instead of restarting forever.
        case, fatal, details = self.run_loop(["killer.zip"], "kill")
        self.assertIn(f"died {MAX_UNATTRIBUTED_DEATHS + 1} times (last: signal "
                      f"{int(signal.SIGKILL)}, SIGKILL)", fatal)
        self.assertEqual(json.loads(details), {"signal": int(signal.SIGKILL), "in_flight": 1})
        died = query(case, "SELECT count(*) FROM audit WHERE action = 'worker-died'")
        self.assertEqual(died, [(MAX_UNATTRIBUTED_DEATHS,)])
        self.assertEqual(query(case, "SELECT count(*) FROM warnings WHERE code = 'crash'"),
                         [(0,)])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[5:], verbosity=2)
