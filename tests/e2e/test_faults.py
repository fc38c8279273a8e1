#!/usr/bin/env python3
"""Fault tests of vigil scan (issue 15).

- SIGINT and SIGTERM during a scan: the open batch is committed, the run is marked "interrupted"
  in the case store (runs.status, audit "scan-interrupted"), the exit status is 130, and the same
  command run again resumes and ends with the item rows of an uninterrupted scan;
- the same for five testdata images scanned by one command, interrupted in a later image;
- evidence is never opened for writing: vigil scan (images, E01 segments, a folder), verify and
  ls run under the LD_PRELOAD shim tests/shims/open_guard.c, which logs every open of a path under
  the evidence folders; the log must show reads of the evidence and no write open.
Usage: test_faults.py VIGIL TESTDATA_DIR OPEN_GUARD_SO
"""
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA, OPEN_GUARD = sys.argv[1], sys.argv[2], sys.argv[3]
CONTENT_COLUMNS = ("provenance, path, name, size, inode_str, deleted, orphan, ads, content_type, "
                   "extension_mismatch, status, bytes_read, mtime, xxh3_128, md5, sha1, sha256")


def content(case):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    try:
        rows = list(db.execute(f"SELECT id, {CONTENT_COLUMNS} FROM items ORDER BY id"))
        warnings = sorted(db.execute("SELECT provenance, code, message FROM warnings"))
    finally:
        db.close()
    return rows, warnings


def query(case, sql):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    try:
        return list(db.execute(sql))
    finally:
        db.close()


def items_committed(db_path):
    try:
        db = sqlite3.connect(db_path, timeout=0.1)
        try:
            return db.execute("SELECT count(*) FROM items").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


class Interrupt(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def case(self, name):
        return os.path.join(self.tmp.name, name)

    def interrupt_and_resume(self, evidence, args, sig, min_items):
        evidence = evidence if isinstance(evidence, list) else [evidence]
        full, stopped = self.case("full"), self.case("stopped")
        done = e2e.run([VIGIL, "scan", "--quiet", "--case", full, *args, *evidence])
        self.assertIn(done.returncode, (0, 1), done.stderr.decode(errors="replace"))
        total = len(content(full)[0])
        proc = subprocess.Popen([VIGIL, "scan", "--case", stopped, *args, *evidence],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        db_path = os.path.join(stopped, "case.sqlite")
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if items_committed(db_path) >= min_items:
                break
            time.sleep(0.005)
        self.assertIsNone(proc.poll(), "the scan ended before it could be interrupted")
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 130, err.decode(errors="replace"))
        self.assertIn(b"scan interrupted", err)
        partial = len(content(stopped)[0])
        self.assertGreaterEqual(partial, min_items)
        self.assertLess(partial, total, "the interrupted scan recorded everything")
        self.assertEqual(query(stopped, "SELECT status FROM runs ORDER BY id"), [("interrupted",)])
        self.assertEqual(query(stopped, "SELECT finished_utc IS NOT NULL FROM runs"), [(1,)])
        self.assertIn(("scan-interrupted",), query(stopped, "SELECT action FROM audit"))
        # Every committed item is whole (a child is committed with its parent): the resumed scan
        # skips exactly the top-level items stored.
        top = query(stopped, "SELECT count(*) FROM items WHERE parent_id IS NULL")[0][0]
        resumed = e2e.run([VIGIL, "scan", "--case", stopped, *args, *evidence])
        self.assertEqual(resumed.returncode, done.returncode, resumed.stderr.decode())
        self.assertIn(f"{top} already in the case".encode(), resumed.stderr)
        self.assertEqual(content(full), content(stopped))
        statuses = [s for (s,) in query(stopped, "SELECT status FROM runs ORDER BY id")]
        self.assertEqual(statuses[0], "interrupted")
        self.assertIn(statuses[1], ("complete", "complete-with-warnings"))

    def folder(self):
        ev = self.case("evidence")
        # Enough content that a single-threaded scan with every digest takes seconds.
        block = os.urandom(1 << 16)
        for i in range(3000):
            d = os.path.join(ev, f"d{i % 30:02}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, f"f{i:04}.bin"), "wb") as f:
                f.write(i.to_bytes(4, "little") + block)
        return ev

    def test_sigint_folder(self):
        self.interrupt_and_resume(self.folder(), ["--threads", "1", "--digests", "all"],
                                  signal.SIGINT, 200)

    def test_sigterm_folder(self):
        self.interrupt_and_resume(self.folder(), ["--threads", "1", "--digests", "all"],
                                  signal.SIGTERM, 200)

    def test_sigint_images(self):
        # One image scans in well under a second on an idle machine, about as long as one batch:
        # five in one command, so that the signal, sent once the first items are committed, finds
        # the scan in a later image whatever the machine's speed.
        images = [os.path.join(TESTDATA, name)
                  for name in ("mbr.raw", "gpt.raw", "fat32.raw", "ntfs.raw", "ext4.raw")]
        self.interrupt_and_resume(images, ["--threads", "1", "--digests", "all"], signal.SIGINT, 1)


class EvidenceReadOnly(unittest.TestCase):
    def test_no_write_open_of_evidence(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "folder-evidence")
            os.makedirs(os.path.join(folder, "sub"))
            for name, data in (("a.txt", b"hello\n"), ("sub/b.bin", os.urandom(5000))):
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(data)
            log = os.path.join(tmp, "opens.log")
            testdata = os.path.realpath(TESTDATA)
            case = os.path.join(os.path.realpath(tmp), "case")
            env = dict(os.environ, LD_PRELOAD=OPEN_GUARD, VIGIL_OPEN_GUARD_LOG=log,
                       # The case folder too, as the control: its writes must be seen.
                       VIGIL_OPEN_GUARD_DIRS=f"{os.path.realpath(TESTDATA)}:{folder}:{case}",
                       # An AddressSanitizer build wants its runtime first; the shim comes first.
                       ASAN_OPTIONS="verify_asan_link_order=0:" + os.environ.get("ASAN_OPTIONS", ""))
            split = hashlib.sha256()
            for part in ("001", "002", "003"):
                with open(os.path.join(testdata, "gpt_split.raw." + part), "rb") as f:
                    split.update(f.read())
            split_sha256 = split.hexdigest()
            runs = [
                ["scan", "--quiet", "--case", case, "--digests", "all", "--verify",
                 os.path.join(testdata, "gpt.raw"), os.path.join(testdata, "gpt.E01"),
                 os.path.join(testdata, "ext4.raw"), folder],
                ["verify", "--quiet", os.path.join(testdata, "gpt.E01")],
                ["verify", "--quiet", "--expect", "sha256:" + split_sha256,
                 os.path.join(testdata, "gpt_split.raw.001")],
                ["ls", "--json", os.path.join(testdata, "ntfs.raw")],
                ["ls", "--json", folder],
            ]
            for args in runs:
                out = e2e.run([VIGIL, *args], env=env)
                self.assertIn(out.returncode, (0, 1), (args, out.stderr.decode(errors="replace")))
            with open(log, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
            # The control: the shim sees vigil write its case store.
            self.assertTrue(any(line.startswith("W ") and line.endswith("/case.sqlite")
                                for line in lines), lines[:20])
            lines = [line for line in lines
                     if not (line.split(" ", 2)[2] + "/").startswith(case + "/")]
            reads = [line for line in lines if line.startswith("R ")]
            writes = [line for line in lines if not line.startswith("R ")]
            # The shim saw the evidence being read (else it proves nothing) ...
            for name in ("gpt.raw", "gpt.E01", "gpt.E02", "ext4.raw", "ntfs.raw",
                         "gpt_split.raw.002", "a.txt", "b.bin"):
                self.assertTrue(any(line.endswith("/" + name) for line in reads),
                                f"no open of {name} was seen: {lines[:20]}")
            # ... and never an open that could write it.
            self.assertEqual(writes, [])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
