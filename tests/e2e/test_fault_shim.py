#!/usr/bin/env python3
"""Fault tests of vigil scan and vigil report at deterministic points (issue 15).

The LD_PRELOAD shim tests/shims/fault.c injects each fault at a chosen call, not after a sleep:

Kill: kill -9 of the whole process group
  - mid-walk (the Nth read of the image, before any item is stored),
  - mid-extraction of a big archive (the read that reaches the middle of the archive's bytes),
  - while the archive's 6,000 children are being committed (the write of a page holding one
    child's row), and during the final commit (the write of the "scan-finished" audit row);
  then the same command again: the case holds exactly the content of an uninterrupted scan
  (every content table compared, run times and audit rows aside), and the store is intact;
  - the scan's worker process alone, once (the scan supervisor resumes; without a supervisor the
  command is run again): the same content.
DiskFull: the case's disk fills (ENOSPC) during the scan, and (RLIMIT_FSIZE with SIGXFSZ
  ignored) during the report: exit 2 with one clear message, the store passes integrity_check,
  and the next run (with room) finishes the work: the content of an uninterrupted scan, a report
  that verifies.
EvidenceFaults: evidence returning EIO after N bytes, shrinking (end of file after N bytes),
  vanishing between the walk and the read; a raw image whose reads fail beyond an offset; a
  truncated segment of a split raw: every affected item is "error" with a warning naming it,
  no item is dropped, no item read from a failed range is "ok", and vigil never crashes.

Usage: test_fault_shim.py VIGIL TESTDATA_DIR FAULT_SO [CLASS]
"""
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA, SHIM = sys.argv[1], sys.argv[2], sys.argv[3]
ARGS = ["--threads", "1", "--digests", "all"]

# Content tables and the columns compared: everything but run times and audit rows (which
# record when things happened, not what the evidence holds). Warning ids depend on when each
# warning was committed, so warnings are compared as a set.
CONTENT = {
    "evidence": "*",
    "volumes": "*",
    "items": "*",
    "warnings": "provenance, code, message",
    "perceptual": "*",
    "matches": "*",
    "records": "*",
}


def db_rows(case, sql):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    try:
        return list(db.execute(sql))
    finally:
        db.close()


def content(case):
    out = {}
    for table, cols in CONTENT.items():
        out[table] = sorted(db_rows(case, f"SELECT {cols} FROM {table}"), key=repr)
    return out


def as_bytes(v):
    return v.encode() if isinstance(v, str) else v


def integrity(case):
    return db_rows(case, "PRAGMA integrity_check")


def shim_env(**faults):
    env = dict(os.environ, LD_PRELOAD=SHIM,
               ASAN_OPTIONS="verify_asan_link_order=0:" + os.environ.get("ASAN_OPTIONS", ""))
    env.update({"VIGIL_FAULT_" + k: str(v) for k, v in faults.items()})
    return env


def scan(case, evidence, env=None, preexec=None):
    evidence = evidence if isinstance(evidence, list) else [evidence]
    # A session of its own: the shim's kill(0, SIGKILL) kills vigil's process group (vigil and
    # any process it starts), never the test runner.
    return subprocess.run([VIGIL, "scan", "--quiet", "--case", case, *ARGS, *evidence],
                          capture_output=True, env=env, start_new_session=True,
                          preexec_fn=preexec)


def make_archive_folder(root, children=6000):
    """A folder with files before and after a zip of `children` small files (about 3 MB)."""
    ev = os.path.join(root, "evidence")
    os.makedirs(os.path.join(ev, "a"))
    os.makedirs(os.path.join(ev, "z"))
    for i in range(40):
        with open(os.path.join(ev, "a", f"before{i:02}.bin"), "wb") as f:
            f.write(bytes([i]) * 5000 + i.to_bytes(4, "little"))
        with open(os.path.join(ev, "z", f"after{i:02}.bin"), "wb") as f:
            f.write(bytes([255 - i]) * 5000 + i.to_bytes(4, "little"))
    big = os.path.join(ev, "m", "big.zip")
    os.makedirs(os.path.dirname(big))
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as z:
        for i in range(children):
            info = zipfile.ZipInfo(f"dir{i // 500:02}/child-{i:05}.txt", (2024, 3, 1, 12, 0, 0))
            z.writestr(info, f"child {i} ".encode() * 40)
    return ev, big


class Kill(unittest.TestCase):
    """kill -9 of the process group at deterministic points, then resume."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ev, cls.big = make_archive_folder(cls.tmp.name)
        cls.full = os.path.join(cls.tmp.name, "full")
        done = scan(cls.full, cls.ev)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        cls.full_content = content(cls.full)
        cls.children = db_rows(cls.full, "SELECT count(*) FROM items WHERE parent_id IS NOT NULL")[0][0]
        cls.image_full = os.path.join(cls.tmp.name, "image-full")
        done = scan(cls.image_full, os.path.join(TESTDATA, "gpt.raw"))
        assert done.returncode in (0, 1), done.stderr.decode(errors="replace")
        cls.image_content = content(cls.image_full)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def kill_and_resume(self, name, evidence, want, status_at_kill="running", **faults):
        case = os.path.join(self.tmp.name, name)
        killed = scan(case, evidence, env=shim_env(KILL_SESSION=1, **faults))
        self.assertEqual(killed.returncode, -signal.SIGKILL,
                         f"not killed at the fault point: {killed.stderr.decode(errors='replace')}")
        self.assertEqual(integrity(case), [("ok",)])
        self.assertEqual(db_rows(case, "SELECT status FROM runs"), [(status_at_kill,)])
        at_kill = content(case)
        resumed = scan(case, evidence)
        self.assertIn(resumed.returncode, (0, 1), resumed.stderr.decode(errors="replace"))
        self.assertEqual(content(case), want)
        self.assertEqual(integrity(case), [("ok",)])
        statuses = [s for (s,) in db_rows(case, "SELECT status FROM runs ORDER BY id")]
        self.assertIn(statuses[1], ("complete", "complete-with-warnings"))
        found = db_rows(case, "SELECT run_id, details FROM audit WHERE action='run-found-unfinished'")
        if status_at_kill == "running":
            # No process holds the case any more: the next scan closes the killed run as
            # interrupted (never finished), with an audit row saying it was found unfinished.
            self.assertEqual(statuses[0], "interrupted")
            self.assertEqual(db_rows(case, "SELECT finished_utc FROM runs WHERE id=1"), [(None,)])
            self.assertEqual([r for (r, _) in found], [1], found)
        else:
            self.assertEqual(statuses[0], status_at_kill)  # a run that recorded its end stays so
            self.assertEqual(found, [])
        return at_kill

    def report_jsonl(self, case, name):
        out = os.path.join(self.tmp.name, name)
        r = e2e.run([VIGIL, "report", "--case", case, "--out", out, "--case-number", "K-1",
                     "--exhibit", "EX-1", "--examiner", "Test", "--report-time",
                     "2026-01-01T00:00:00Z", "-q"])
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        with open(os.path.join(out, "report.jsonl"), encoding="utf-8") as f:
            recs = [json.loads(line) for line in f if line.strip()]
        with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
            return recs, f.read()

    def test_killed_run_is_never_reported_running(self):
        # Killed mid-walk, the run stays "running" in the store; the report of that case (no
        # process holds it) shows it as unfinished and the case as incomplete, never running.
        case = os.path.join(self.tmp.name, "reported")
        image = os.path.join(TESTDATA, "gpt.raw")
        killed = scan(case, image, env=shim_env(KILL_SESSION=1, KILL_READ="/gpt.raw",
                                                KILL_READS=200))
        self.assertEqual(killed.returncode, -signal.SIGKILL, killed.stderr.decode(errors="replace"))
        self.assertEqual(db_rows(case, "SELECT status FROM runs"), [("running",)])
        recs, html = self.report_jsonl(case, "report-killed")
        head = recs[0]
        self.assertFalse(head["runs_complete"], head)
        runs = [r for r in recs if r["type"] == "run"]
        self.assertEqual([r["status"] for r in runs],
                         ["unfinished (killed or stopped before its end)"], runs)
        self.assertIn("Run 1 (unfinished (killed or stopped before its end))", html)
        self.assertNotIn("(running)", html)
        # The next scan closes it in the store, with its audit row; the report says so.
        again = scan(case, image)
        self.assertIn(again.returncode, (0, 1), again.stderr.decode(errors="replace"))
        self.assertEqual([s for (s,) in db_rows(case, "SELECT status FROM runs ORDER BY id")][0],
                         "interrupted")
        recs, html = self.report_jsonl(case, "report-resumed")
        self.assertEqual([r["status"] for r in recs if r["type"] == "run"][0], "interrupted")
        self.assertIn("Summary found_unfinished_utc", html)

    def test_kill_of_the_worker_alone(self):
        # Only the process that reaches the fault dies, once. Under the scan supervisor (a worker
        # process per scan) the supervisor resumes the scan and it ends complete; without one,
        # vigil itself is that process, and running the command again resumes it. Either way
        # the case ends with the content of an uninterrupted scan.
        case = os.path.join(self.tmp.name, "worker")
        once = os.path.join(self.tmp.name, "worker.once")
        first = scan(case, self.ev, env=shim_env(KILL_SELF=1, ONCE=once, KILL_WRITE="/case.sqlite",
                                                 KILL_DATA="child-03000.txt"))
        self.assertTrue(os.path.exists(once), "the fault point was never reached")
        if first.returncode == -signal.SIGKILL:
            again = scan(case, self.ev)
            self.assertIn(again.returncode, (0, 1), again.stderr.decode(errors="replace"))
        else:
            self.assertIn(first.returncode, (0, 1), first.stderr.decode(errors="replace"))
        self.assertEqual(content(case), self.full_content)
        self.assertEqual(integrity(case), [("ok",)])

    def test_kill_mid_walk(self):
        image = os.path.join(TESTDATA, "gpt.raw")
        at_kill = self.kill_and_resume("walk", image, self.image_content,
                                       KILL_READ="/gpt.raw", KILL_READS=200)
        self.assertEqual(at_kill["items"], [], "the walk was over when the kill came")

    def test_kill_mid_extraction_of_big_archive(self):
        size = os.path.getsize(self.big)
        at_kill = self.kill_and_resume("extract", self.ev, self.full_content,
                                       KILL_READ="/m/big.zip", KILL_OFFSET=size // 2)
        # Killed before the archive's bytes were all read: none of its children is stored.
        names = [r[0] for r in db_rows_items(at_kill)]
        self.assertFalse(any(n.startswith(b"child-") for n in names))

    def test_kill_while_committing_the_archive_children(self):
        at_kill = self.kill_and_resume("children", self.ev, self.full_content,
                                       KILL_WRITE="/case.sqlite", KILL_DATA="child-03000.txt")
        # A child is committed with its parent in one transaction: none or all of them.
        names = [r[0] for r in db_rows_items(at_kill)]
        self.assertIn(sum(n.startswith(b"child-") for n in names), (0, self.children))
        self.assertFalse(any(n.startswith(b"after") for n in names))

    def test_kill_during_final_commit(self):
        # The run's end (status, summary) is committed before its audit row: killed while the
        # "scan-finished" row is written, the run is complete and the audit row is not there.
        case = os.path.join(self.tmp.name, "final")
        at_kill = self.kill_and_resume("final", self.ev, self.full_content, "complete",
                                       KILL_WRITE="/case.sqlite", KILL_DATA="scan-finished")
        self.assertEqual(len(at_kill["items"]), len(self.full_content["items"]))
        actions = [a for (a,) in db_rows(case, "SELECT action FROM audit ORDER BY id")]
        self.assertEqual(actions.count("scan-finished"), 1, actions)  # the resumed run's only


def db_rows_items(snapshot):
    """(name,) of every item row of a content() snapshot (items: SELECT *; name is column 8)."""
    return [(as_bytes(row[8]),) for row in snapshot["items"]]


class DiskFull(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_disk_full_during_scan_then_next_run_finishes(self):
        image = os.path.join(TESTDATA, "gpt.raw")
        full = os.path.join(self.tmp.name, "full")
        self.assertIn(scan(full, image).returncode, (0, 1))
        case = os.path.join(self.tmp.name, "case")
        os.makedirs(case)
        out = scan(case, image, env=shim_env(FULL_DIR=os.path.realpath(case), FULL_AFTER=400000))
        err = out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("disk holding the case is full", err)
        self.assertEqual(integrity(case), [("ok",)])
        stored = len(db_rows(case, "SELECT id FROM items"))
        self.assertLess(stored, len(content(full)["items"]), "the disk never filled")
        # The full disk stopped the run before it could record its end.
        left = db_rows(case, "SELECT status FROM runs")
        self.assertIn(left, ([("running",)], [("failed",)]), left)
        again = scan(case, image)
        self.assertIn(again.returncode, (0, 1), again.stderr.decode(errors="replace"))
        self.assertEqual(content(case), content(full))
        self.assertEqual(integrity(case), [("ok",)])
        statuses = [s for (s,) in db_rows(case, "SELECT status FROM runs ORDER BY id")]
        self.assertNotIn("running", statuses)
        self.assertIn(statuses[0], ("interrupted", "failed"))
        if left == [("running",)]:
            self.assertEqual(statuses[0], "interrupted")
            self.assertEqual(
                len(db_rows(case, "SELECT id FROM audit WHERE action='run-found-unfinished'")), 1)

    def test_disk_full_during_report_then_next_run_writes_it(self):
        case = os.path.join(self.tmp.name, "case")
        self.assertIn(scan(case, os.path.join(TESTDATA, "fat32.raw")).returncode, (0, 1))
        out_dir = os.path.join(self.tmp.name, "report")
        cmd = [VIGIL, "report", "--case", case, "--out", out_dir, "--case-number", "FAULT-1",
               "--exhibit", "EX-1", "--examiner", "Test Examiner"]

        def small_files():
            # Every file vigil writes may hold 64 KiB: the disk is full for larger ones. An
            # ignored SIGXFSZ makes the write fail with EFBIG instead of killing.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

        full = subprocess.run(cmd, capture_output=True, preexec_fn=small_files)
        err = full.stderr.decode(errors="replace")
        self.assertEqual(full.returncode, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertRegex(err, r"^vigil: .*(File too large|file size limit|disk)", err)
        # No report that looks finished is left: no manifest.
        self.assertFalse(os.path.exists(os.path.join(out_dir, "MANIFEST.sha256")))
        self.assertEqual([n for n in os.listdir(self.tmp.name) if ".partial" in n], [],
                         "the staging folder was left behind")
        self.assertEqual(integrity(case), [("ok",)])
        again = subprocess.run(cmd, capture_output=True)
        self.assertEqual(again.returncode, 0, again.stderr.decode(errors="replace"))
        verified = e2e.run([VIGIL, "report", "--verify", out_dir])
        self.assertEqual(verified.returncode, 0, verified.stderr.decode(errors="replace"))


class EvidenceFaults(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.ev = os.path.join(self.tmp.name, "evidence")
        os.makedirs(self.ev)
        for i in range(20):
            with open(os.path.join(self.ev, f"f{i:02}.bin"), "wb") as f:
                f.write(os.urandom(3 << 20 if i == 7 else 9000))

    def faulty(self, name, **faults):
        case = os.path.join(self.tmp.name, name)
        out = scan(case, self.ev, env=shim_env(**faults))
        return case, out

    def check_one_failed(self, name, code, message, **faults):
        case, out = self.faulty(name, **faults)
        err = out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 1, err)  # item errors: exit 1, never a crash
        rows = [(as_bytes(r[0]), *r[1:]) for r in
                db_rows(case, "SELECT name, status, md5, sha256, provenance FROM items ORDER BY name")]
        self.assertEqual(len([r for r in rows if r[0].startswith(b"f")]), 20, "an item was dropped")
        bad = [r for r in rows if r[1] != "ok" and r[0].startswith(b"f")]
        self.assertEqual([r[0] for r in bad], [b"f07.bin"])
        self.assertEqual(bad[0][1], "error")
        self.assertEqual(bad[0][2:4], (None, None), "digests of a partial read")
        warnings = db_rows(case, "SELECT provenance, code, message FROM warnings")
        self.assertEqual(len(warnings), 1, warnings)
        self.assertEqual(warnings[0][0], bad[0][4])  # the warning names the item
        self.assertEqual(warnings[0][1], code)
        self.assertIn(message, warnings[0][2])
        self.assertIn(db_rows(case, "SELECT status FROM runs")[0][0], ("complete-with-warnings",))

    def test_read_error_mid_file(self):
        self.check_one_failed("eio", "read", "Input/output error",
                              READ_PATH="/f07.bin", READ_AFTER=1 << 20)

    def test_file_shrinks_mid_scan(self):
        self.check_one_failed("eof", "read", f"content ends after {1 << 20} of {3 << 20} bytes",
                              READ_PATH="/f07.bin", READ_AFTER=1 << 20, READ_MODE="eof")

    def test_file_disappears_after_the_walk(self):
        self.check_one_failed("gone", "open", "No such file or directory", GONE_PATH="/f07.bin")

    def test_image_read_errors_beyond_an_offset(self):
        image = os.path.join(TESTDATA, "gpt.raw")
        full = os.path.join(self.tmp.name, "full")
        self.assertIn(scan(full, image).returncode, (0, 1))
        good = {r[0]: r[1:] for r in db_rows(full, "SELECT provenance, status, sha256 FROM items")}
        # Reads fail from 70 MiB on: inside the ext4 partition (66 MiB to 90 MiB), across the
        # data of /DCIM/100VIGIL/IMG_0003.PNG (blocks 4039-4187 of 1 KiB; 70 MiB is block 4096).
        case = os.path.join(self.tmp.name, "case")
        out = scan(case, image, env=shim_env(READ_PATH="/gpt.raw", READ_AFTER=70 << 20))
        self.assertIn(out.returncode, (1, 2), out.stderr.decode(errors="replace"))
        self.assertNotEqual(out.returncode, -signal.SIGSEGV)
        if out.returncode == 2:
            self.assertEqual(len(out.stderr.decode().strip().splitlines()), 1)
            return
        got = {r[0]: r[1:] for r in db_rows(case, "SELECT provenance, status, sha256 FROM items")}
        warned = {p for (p,) in db_rows(case, "SELECT provenance FROM warnings")}
        errors = [p for p, (status, _) in got.items() if status == "error"]
        self.assertTrue(errors, "no item was read from the failed range")
        for p in errors:
            self.assertIn(p, warned, f"error item without a warning: {p}")
        for p, (status, sha) in got.items():
            if status == "ok" and p in good:
                self.assertEqual(sha, good[p][1], f"an ok item with other digests: {p}")
        # Nothing dropped: every item of the clean scan is there, or its volume has a warning.
        for p in good:
            if p not in got:
                self.assertTrue(any(p.startswith(w) for w in warned), f"dropped silently: {p}")

    def test_folder_access_times_unchanged(self):
        # Access times older than the modification times: the kernel's relatime would update
        # them on the first read or listing, unless vigil opens with O_NOATIME.
        paths = [self.ev] + [os.path.join(self.ev, n) for n in os.listdir(self.ev)]
        for p in paths:
            st = os.stat(p)
            os.utime(p, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns))
        before = {p: os.stat(p).st_atime_ns for p in paths}
        out = scan(os.path.join(self.tmp.name, "atime"), self.ev)
        self.assertEqual(out.returncode, 0, out.stderr.decode(errors="replace"))
        self.assertEqual({p: os.stat(p).st_atime_ns for p in paths}, before)

    def test_truncated_split_segment(self):
        parts = []
        for part in ("001", "002", "003"):
            dst = os.path.join(self.tmp.name, "gpt_split.raw." + part)
            shutil.copyfile(os.path.join(TESTDATA, "gpt_split.raw." + part), dst)
            parts.append(dst)
        os.truncate(parts[1], os.path.getsize(parts[1]) // 2)
        case = os.path.join(self.tmp.name, "case")
        out = scan(case, parts[0])
        err = out.stderr.decode(errors="replace")
        self.assertIn(out.returncode, (1, 2), err)
        if out.returncode == 2:
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn("gpt_split.raw", err)
            return
        self.assertTrue(db_rows(case, "SELECT count(*) FROM warnings")[0][0] > 0)


if __name__ == "__main__":
    names = sys.argv[4:] or None
    unittest.main(argv=sys.argv[:1] + (names or []), verbosity=2)
