#!/usr/bin/env python3
"""PostgreSQL as a shared case store (issue 16): vigil scan/merge/report --store postgresql://...

The test starts its own PostgreSQL 15 server (initdb + pg_ctl, unix socket in a temporary
folder, as the `postgres` user when run as root: PostgreSQL refuses to run as root). A server
that cannot start fails the test with its log.
- a testdata case planned into >= 4 units, run, merged into PostgreSQL, reported from it: the
  case content (snapshot, table by table, ids included) is identical to a single-process SQLite
  scan, and the report's content files are identical to the SQLite case's;
- merging (and publishing) again changes nothing;
- two scans of different evidence publishing into one case at the same moment: every row of
  both present exactly once;
- the server stopped (immediate) while a merge publishes: exit 2, a clear message, none of its
  rows in the case after a restart; the merge run again completes, identical to an
  uninterrupted one.
Usage: test_pg_store.py VIGIL TESTDATA_DIR
"""
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
# test_scale reads its own arguments when imported; its fault shim is not used here.
sys.argv += [""] * (4 - len(sys.argv))
import test_scale as scale  # noqa: E402  (the content comparison and unit runner)

VIGIL, TESTDATA = scale.VIGIL, scale.TESTDATA
PGBIN = "/usr/lib/postgresql/15/bin"
ENV = scale.ENV
run = scale.run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "data")
        self.log = os.path.join(root, "server.log")
        self.port = free_port()
        self.as_user = []
        os.makedirs(root)
        if os.getuid() == 0:
            pw = pwd.getpwnam("postgres")  # made by Debian's postgresql package
            os.chown(root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, args, check=True):
        r = subprocess.run(self.as_user + args, capture_output=True, text=True)
        if check and r.returncode != 0:
            log = open(self.log).read() if os.path.exists(self.log) else "(no log)"
            raise AssertionError(f"{args[0]} failed: {r.stdout}{r.stderr}\nserver log:\n{log}")
        return r

    def init(self):
        self._run([f"{PGBIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                   "--no-sync", "-E", "UTF8", "--locale=C"])

    def start(self):
        self._run([f"{PGBIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o",
                   f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync=off", "start"])

    def stop(self, mode="fast"):
        return self._run([f"{PGBIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"],
                         check=False)

    def conninfo(self):
        return f"postgresql:///postgres?host={self.root}&port={self.port}&user=postgres"

    def uri(self, case):
        return self.conninfo() + f"&case={case}"

    def psql(self, sql):
        r = subprocess.run(["psql", self.conninfo(), "-XAtq", "-c", sql], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()


class PgStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vigil_pg_")
        os.chmod(cls.tmp, 0o755)
        cls.server = Server(os.path.join(cls.tmp, "pg"))
        cls.server.init()
        cls.server.start()
        cls.images = [os.path.join(TESTDATA, i) for i in scale.IMAGES]
        for i in cls.images:
            assert os.path.exists(i), f"{i} is missing (the testdata fixture builds it)"
        cls.single = os.path.join(cls.tmp, "single")
        r = run([VIGIL, "scan", *cls.images, "--case", cls.single, "-q"])
        assert r.returncode in (0, 1), r.stderr
        cls.single_content = scale.content(os.path.join(cls.single, "case.sqlite"))
        # The units, run once; every merge below works on a copy of them.
        cls.units = os.path.join(cls.tmp, "units")
        cls.plan = scale.plan(cls.units, cls.images)
        assert len(cls.plan["units"]) >= 4, cls.plan["units"]
        status = scale.run_units(os.path.join(cls.units, "plan.json"),
                                 range(len(cls.plan["units"])))
        for k, (rc, err) in status.items():
            assert rc in (0, 1), f"unit {k}: exit {rc}: {err}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop("immediate")
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy_units(self, name):
        case = os.path.join(self.tmp, name)
        os.makedirs(case)
        shutil.copy(os.path.join(self.units, "plan.json"), case)
        shutil.copytree(os.path.join(self.units, "units"), os.path.join(case, "units"))
        return case

    def snapshot(self, case, name):
        """The PostgreSQL case, as `vigil report --store --snapshot` copies it (and its report)."""
        snap = os.path.join(self.tmp, name + "_snapshot")
        out = os.path.join(self.tmp, name + "_report")
        r = run([VIGIL, "report", "--store", self.server.uri(case), "--snapshot", snap,
                 "--out", out, "--case-number", "SCALE/1", "--exhibit", "E1",
                 "--report-time", scale.REPORT_TIME, "-q"])
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return os.path.join(snap, "case.sqlite"), scale.file_digests(out)

    def test_a_merge_into_pg_equals_single(self):
        case = self.copy_units("merged_a")
        r = run([VIGIL, "merge", "--case", case, "--store", self.server.uri("a")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("published into PostgreSQL case a", r.stderr)
        db, report = self.snapshot("a", "a")
        got = scale.content(db)
        for t in self.single_content:
            self.assertEqual(len(got[t]), len(self.single_content[t]), t)
            self.assertEqual(got[t], self.single_content[t], f"table {t} differs")
        # The PostgreSQL case holds what the merged SQLite case holds, audit log and run included.
        self.assertEqual(scale.whole(db), scale.whole(os.path.join(case, "case.sqlite")))
        # Counted in PostgreSQL itself, not through the snapshot.
        for t in ("items", "perceptual", "matches", "warnings", "records"):
            self.assertEqual(int(self.server.psql(f"SELECT count(*) FROM a.{t}")),
                             len(self.single_content[t]), t)
        # The report's content files are those of the SQLite case's report.
        plain = scale.report(self.single, os.path.join(self.tmp, "report_single"))
        for name in ("items.csv", "matches.csv"):
            self.assertEqual(report[name], plain[name], name)
        merged = scale.report(case, os.path.join(self.tmp, "report_merged_sqlite"))
        differ = sorted(n for n in merged if merged[n] != report.get(n))
        # Only the files that show how the report is made again (--store, not --case) differ,
        # and in the JSON Lines only that line.
        self.assertLessEqual(set(differ), {"MANIFEST.sha256", "machine.sha256", "report.html",
                                           "report.jsonl", "report.pdf"}, differ)
        with open(os.path.join(self.tmp, "a_report", "report.jsonl"), encoding="utf-8") as f:
            pg_lines = f.read().splitlines()
        with open(os.path.join(self.tmp, "report_merged_sqlite", "report.jsonl"),
                  encoding="utf-8") as f:
            sqlite_lines = f.read().splitlines()
        self.assertEqual(len(pg_lines), len(sqlite_lines))
        changed = [a for a, b in zip(pg_lines, sqlite_lines) if a != b]
        self.assertTrue(changed and all("vigil report --store" in a for a in changed), changed)
        # (d) Merging again changes nothing, in the folder or in PostgreSQL.
        before = scale.whole(db)
        r = run([VIGIL, "merge", "--case", case, "--store", self.server.uri("a")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already published, nothing changed", r.stderr)
        db2, _ = self.snapshot("a", "a_again")
        self.assertEqual(scale.whole(db2), before)

    def test_b_concurrent_scans(self):
        # Both publishers are held at the case's lock until both wait there, then let go
        # together: they publish at the same moment and must not lose or repeat a row.
        holder = subprocess.Popen(["psql", self.server.conninfo(), "-XAtq"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        holder.stdin.write("SELECT pg_advisory_lock(hashtextextended('vigil case b', 0));\n"
                           "SELECT 'locked';\n")
        holder.stdin.flush()
        self.assertEqual(holder.stdout.readline().strip(), "")
        self.assertEqual(holder.stdout.readline().strip(), "locked")
        scans = {}
        for name, image in (("b1", "ntfs.raw"), ("b2", "fat32.raw")):
            scans[name] = subprocess.Popen(
                [VIGIL, "scan", os.path.join(TESTDATA, image), "--case",
                 os.path.join(self.tmp, name), "--store", self.server.uri("b"), "-q"],
                env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            waiting = int(self.server.psql(
                "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND NOT granted"))
            if waiting == 2 or any(p.poll() is not None for p in scans.values()):
                break
            time.sleep(0.05)
        self.assertEqual(waiting, 2, "both scans should wait at the case's lock")
        holder.stdin.write("SELECT pg_advisory_unlock_all();\n\\q\n")
        holder.stdin.close()
        holder.wait(timeout=60)
        for name, p in scans.items():
            out, err = p.communicate(timeout=300)
            self.assertIn(p.returncode, (0, 1), f"{name}: {err}")
        db, _ = self.snapshot("b", "b")
        got = sqlite3.connect(db)
        key = ("SELECT provenance, size, status, xxh3_128, md5, sha1, sha256, depth, "
               "extractor FROM items")
        expected = []
        for name in ("b1", "b2"):
            local = sqlite3.connect(os.path.join(self.tmp, name, "case.sqlite"))
            expected += list(local.execute(key))
            for t, q in (("perceptual", "SELECT i.provenance, p.algorithm, p.pipeline, p.hash "
                                        "FROM perceptual p JOIN items i ON i.id = p.item_id"),
                         ("warnings", "SELECT provenance, code, message FROM warnings")):
                rows = set(local.execute(q))
                self.assertTrue(rows <= set(got.execute(q)), f"{name}: rows of {t} lost")
            local.close()
        rows = list(got.execute(key))
        self.assertGreater(len(expected), 0)
        self.assertEqual(sorted(rows), sorted(expected), "items lost or repeated")
        self.assertEqual(int(self.server.psql(
            "SELECT count(*) - count(DISTINCT provenance) FROM b.items")), 0)
        self.assertEqual(got.execute("SELECT count(*) FROM evidence").fetchone()[0], 2)
        # Children point at their parents of the same evidence item.
        self.assertEqual(got.execute(
            "SELECT count(*) FROM items c JOIN items p ON p.id = c.parent_id "
            "WHERE p.evidence_id <> c.evidence_id").fetchone()[0], 0)
        got.close()

    def test_c_server_gone_mid_merge(self):
        # A case that holds a scan already, so that its tables exist and the merge adds to them.
        pre = os.path.join(self.tmp, "c_pre")
        for name in ("c", "c_ref"):
            r = run([VIGIL, "scan", os.path.join(TESTDATA, "exfat.raw"), "--case",
                     pre + name, "--store", self.server.uri(name), "-q"])
            self.assertIn(r.returncode, (0, 1), r.stderr)
        items_before = self.server.psql("SELECT count(*) FROM c.items")
        runs_before = self.server.psql("SELECT count(*) FROM c.runs")
        # The merge's publishing is held at the items table (its runs are written by then) and
        # the server is stopped at that moment.
        holder = subprocess.Popen(["psql", self.server.conninfo(), "-XAtq"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        holder.stdin.write("BEGIN; LOCK TABLE c.items IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
        holder.stdin.flush()
        self.assertEqual(holder.stdout.readline().strip(), "locked")
        case = self.copy_units("merged_c")
        merge = subprocess.Popen([VIGIL, "merge", "--case", case, "--store", self.server.uri("c")],
                                 env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        deadline = time.monotonic() + 300
        waiting = 0
        while time.monotonic() < deadline and merge.poll() is None:
            waiting = int(self.server.psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'items' AND NOT l.granted"))
            if waiting:
                break
            time.sleep(0.05)
        self.assertEqual(waiting, 1, "the merge should be publishing, held at the items table")
        self.server.stop("immediate")
        out, err = merge.communicate(timeout=120)
        holder.communicate(timeout=60)
        self.assertEqual(merge.returncode, 2, err)
        self.assertIn("PostgreSQL case store", err)
        self.assertIn("server closed the connection", err)
        self.assertIn("nothing of this merge is in the PostgreSQL case", err)
        self.assertNotIn("password", err)
        self.server.start()
        self.assertEqual(self.server.psql("SELECT count(*) FROM c.items"), items_before)
        self.assertEqual(self.server.psql("SELECT count(*) FROM c.runs"), runs_before)
        # Run again: it completes, identical to the same merge uninterrupted.
        r = run([VIGIL, "merge", "--case", case, "--store", self.server.uri("c")])
        self.assertEqual(r.returncode, 0, r.stderr)
        ref = self.copy_units("merged_c_ref")
        r = run([VIGIL, "merge", "--case", ref, "--store", self.server.uri("c_ref")])
        self.assertEqual(r.returncode, 0, r.stderr)
        got, _ = self.snapshot("c", "c")
        want, _ = self.snapshot("c_ref", "c_ref")
        self.assertEqual(scale.content(got), scale.content(want))

    def test_errors(self):
        # No server there: one clear line, exit 2, the password never shown.
        uri = f"postgresql://vigil:s3cret@localhost:{free_port()}/postgres?case=x"
        r = run([VIGIL, "report", "--store", uri, "--out", os.path.join(self.tmp, "none"),
                 "--case-number", "X", "--exhibit", "E1"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("PostgreSQL case store", r.stderr)
        self.assertNotIn("s3cret", r.stderr)
        r = run([VIGIL, "report", "--store", self.server.uri("no_such_case"), "--out",
                 os.path.join(self.tmp, "none"), "--case-number", "X", "--exhibit", "E1"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("holds no case no_such_case", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
