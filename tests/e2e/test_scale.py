#!/usr/bin/env python3
"""Work units and merge (issue 16): vigil plan, vigil scan --plan --unit, vigil merge.

- a case of three testdata images (an E01 with damaged chunks, NTFS, FAT32) planned into at least
  4 units, run, merged: the content tables are identical to a single `vigil scan` of the same
  images with the same settings, ids included, and so is the report, byte for byte, once the two
  cases hold the same run record and audit log (a merged case's honestly name the merge);
- a unit killed by SIGKILL mid-run is refused by the merge (nothing merged), runs again alone,
  and the merge is then identical; a unit run twice gives the same unit store;
- merging again changes nothing (the whole store, audit log included, is unchanged);
- a merge killed after its units' transaction committed (before the thumbnail links, the run's
  end and `merge-finished` were recorded) is finished by the next merge, with nothing merged
  twice: the case is then identical to an uninterrupted merge (fault shim, kill -9 at the write
  of `merge-finished`);
- a unit store of another plan, of other settings, and evidence changed since planning are
  refused with a clear message, exit 2, and the case store unchanged.
Usage: test_scale.py VIGIL TESTDATA_DIR FAULT_SHIM_SO
"""
import glob
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA, FAULT_SHIM = sys.argv[1], sys.argv[2], sys.argv[3]
IMAGES = ["gpt_corrupt.E01", "ntfs.raw", "fat32.raw"]
CONTENT_TABLES = ["evidence", "volumes", "items", "perceptual", "hash_sets", "matches", "records",
                  "warnings", "run_extractors"]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", TZ="UTC")
REPORT_TIME = "2026-01-02T03:04:05Z"


def run(args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=ENV, **kw)


def content(db_path):
    """Every content table, every column, in row order (ids included)."""
    db = sqlite3.connect(db_path)
    try:
        out = {t: list(db.execute(f"SELECT * FROM {t} ORDER BY rowid")) for t in CONTENT_TABLES}
        out["runs"] = list(db.execute(
            "SELECT status, tool_version, git_commit, settings, summary FROM runs ORDER BY id"))
        return out
    finally:
        db.close()


def whole(db_path):
    db = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: list(db.execute(f"SELECT * FROM {t} ORDER BY rowid")) for t in tables}
    finally:
        db.close()


def file_digests(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def report(case, out):
    """The report names the case folder as given (its re-run command): the same relative name."""
    work = tempfile.mkdtemp(dir=os.path.dirname(out))
    os.symlink(os.path.abspath(case), os.path.join(work, "case"))
    r = run([VIGIL, "report", "--case", "case", "--out", "report", "--case-number", "SCALE/1",
             "--exhibit", "E1", "--report-time", REPORT_TIME, "-q"], cwd=work)
    assert r.returncode in (0, 1), r.stderr
    os.rename(os.path.join(work, "report"), out)
    return file_digests(out)


def plan(case, images, *extra, units=5):
    r = run([VIGIL, "plan", *images, "--case", case, "--units", units, "-q", *extra])
    assert r.returncode == 0, r.stderr
    import json
    with open(os.path.join(case, "plan.json"), encoding="utf-8") as f:
        return json.load(f)


def run_units(plan_path, ids, parallel=2):
    """Runs the units, `parallel` at a time, as a scheduler would; returns their exit statuses."""
    status = {}
    pending = list(ids)
    running = []
    while pending or running:
        while pending and len(running) < parallel:
            k = pending.pop(0)
            running.append((k, subprocess.Popen(
                [VIGIL, "scan", "--plan", plan_path, "--unit", str(k), "-q"], env=ENV,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        k, p = running.pop(0)
        out, err = p.communicate(timeout=600)
        status[k] = (p.returncode, err)
    return status


class Scale(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vigil_scale_")
        cls.images = [os.path.join(TESTDATA, i) for i in IMAGES]
        for i in cls.images:
            assert os.path.exists(i), f"{i} is missing (the testdata fixture builds it)"
        cls.single = os.path.join(cls.tmp, "single")
        r = run([VIGIL, "scan", *cls.images, "--case", cls.single, "-q"])
        assert r.returncode in (0, 1), r.stderr
        cls.single_content = content(os.path.join(cls.single, "case.sqlite"))
        # The merged case, made once and used by several tests.
        cls.case = os.path.join(cls.tmp, "units")
        cls.plan = plan(cls.case, cls.images)
        cls.plan_path = os.path.join(cls.case, "plan.json")
        status = run_units(cls.plan_path, range(len(cls.plan["units"])))
        for k, (rc, err) in status.items():
            assert rc in (0, 1), f"unit {k}: exit {rc}: {err}"
        r = run([VIGIL, "merge", "--case", cls.case])
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assert_same_as_single(self, case):
        merged = content(os.path.join(case, "case.sqlite"))
        for t in self.single_content:
            self.assertEqual(len(merged[t]), len(self.single_content[t]), t)
            self.assertEqual(merged[t], self.single_content[t], f"table {t} differs")

    def test_plan_units(self):
        units = self.plan["units"]
        self.assertGreaterEqual(len(units), 4)
        kinds = {u["kind"] for u in units}
        self.assertIn("verify", kinds)  # the E01 is verified by a unit of its own
        self.assertTrue(kinds & {"slice", "volume"}, kinds)  # the GPT image is split
        for u in units:
            for key in ("id", "kind", "evidence", "first_entry", "end_entry", "bytes"):
                self.assertIn(key, u)
        for ev in self.plan["evidence"]:
            self.assertTrue(ev["files"] and all(f["size"] > 0 and len(f["head_tail_sha256"]) == 64
                                                for f in ev["files"]), ev)
        # A plan is deterministic: the same evidence and settings give the same plan id.
        again = plan(os.path.join(self.tmp, "again"), self.images)
        self.assertEqual(again["id"], self.plan["id"])
        self.assertEqual(again["units"], units)
        # ... and other settings another.
        other = plan(os.path.join(self.tmp, "other_id"), self.images, "--digests", "all")
        self.assertNotEqual(other["id"], self.plan["id"])

    def test_merged_equals_single(self):
        self.assert_same_as_single(self.case)
        # Damaged items (the E01's damaged chunks) are marked in the merged case as in the scan.
        db = sqlite3.connect(os.path.join(self.case, "case.sqlite"))
        damaged = db.execute("SELECT count(*) FROM items WHERE status='damaged'").fetchone()[0]
        merges = db.execute("SELECT count(*) FROM audit WHERE action='unit-merged'").fetchone()[0]
        db.close()
        self.assertGreater(damaged, 0)
        self.assertEqual(merges, len(self.plan["units"]))

    def test_report_identical(self):
        # The run record and the audit log honestly differ (a merge, not one scan command): with
        # the single case's replaced by the merged case's, every report file is the same bytes.
        same = os.path.join(self.tmp, "single_with_merge_history")
        shutil.copytree(self.single, same)
        db = sqlite3.connect(os.path.join(same, "case.sqlite"))
        db.execute("ATTACH DATABASE ? AS m", (os.path.join(self.case, "case.sqlite"),))
        for t in ("runs", "audit", "run_extractors"):
            db.execute(f"DELETE FROM main.{t}")
            db.execute(f"INSERT INTO main.{t} SELECT * FROM m.{t}")
        db.commit()
        db.close()
        merged = report(self.case, os.path.join(self.tmp, "report_merged"))
        single = report(same, os.path.join(self.tmp, "report_single"))
        self.assertGreaterEqual(len(merged), 8, merged)
        self.assertEqual(merged, single)
        # And without the transplant, only what the history feeds differs: the content files do
        # not depend on it at all.
        plain = report(self.single, os.path.join(self.tmp, "report_plain"))
        for name in ("items.csv", "matches.csv"):
            self.assertEqual(plain[name], merged[name], name)

    def test_merge_twice_changes_nothing(self):
        db_path = os.path.join(self.case, "case.sqlite")
        before = whole(db_path)
        r = run([VIGIL, "merge", "--case", self.case])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already merged", r.stderr)
        self.assertEqual(whole(db_path), before)
        # A unit run again after the merge is still not merged twice.
        st = run_units(self.plan_path, [1])
        self.assertIn(st[1][0], (0, 1), st[1][1])
        r = run([VIGIL, "merge", "--case", self.case])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(whole(db_path), before)

    def test_merge_killed_after_commit_is_finished(self):
        assert os.path.exists(FAULT_SHIM), f"{FAULT_SHIM} is missing (the fault shim target)"
        case = self.finished_copy("killed_merge")
        db_path = os.path.join(case, "case.sqlite")
        # kill -9 of the merge at the write that would record `merge-finished`: the units'
        # transaction (and the thumbnail links' own) committed, the run's end did not.
        env = e2e.preload_env(ENV, FAULT_SHIM, VIGIL_FAULT_KILL_WRITE=db_path,
                              VIGIL_FAULT_KILL_DATA="merge-finished", VIGIL_FAULT_KILL_SELF="1")
        r = subprocess.run([VIGIL, "merge", "--case", case], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        db = sqlite3.connect(db_path)
        try:
            actions = [a for (a,) in db.execute("SELECT action FROM audit ORDER BY id")]
            status = db.execute("SELECT status FROM runs").fetchall()
        finally:
            db.close()
        self.assertIn("units-merged", actions)
        self.assertNotIn("merge-finished", actions)
        self.assertEqual(status, [("running",)])
        r = run([VIGIL, "merge", "--case", case])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("now recorded", r.stderr)
        self.assert_same_as_single(case)

        def log(path):
            db = sqlite3.connect(path)
            try:
                return list(db.execute("SELECT run_id, action FROM audit ORDER BY id"))
            finally:
                db.close()
        # The same audit log (one merge run, nothing merged twice) as the uninterrupted merge.
        self.assertEqual(log(db_path), log(os.path.join(self.case, "case.sqlite")))
        self.assertEqual(content(db_path), content(os.path.join(self.case, "case.sqlite")))
        before = whole(db_path)
        r = run([VIGIL, "merge", "--case", case])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already merged", r.stderr)
        self.assertEqual(whole(db_path), before)

    def test_unit_twice_same_store(self):
        case = os.path.join(self.tmp, "twice")
        p = plan(case, self.images)
        k = max(range(len(p["units"])), key=lambda i: p["units"][i]["entries"])
        store = os.path.join(case, "units", str(k), "case.sqlite")
        st = run_units(os.path.join(case, "plan.json"), [k])
        self.assertIn(st[k][0], (0, 1), st[k][1])
        first = content(store)
        st = run_units(os.path.join(case, "plan.json"), [k])
        self.assertIn(st[k][0], (0, 1), st[k][1])
        self.assertEqual(content(store), first)
        self.assertGreater(len(first["items"]), 0)

    def test_killed_unit_rerun(self):
        case = os.path.join(self.tmp, "killed")
        p = plan(case, self.images)
        plan_path = os.path.join(case, "plan.json")
        k = max(range(len(p["units"])),
                key=lambda i: (p["units"][i]["kind"] != "verify", p["units"][i]["bytes"]))
        partial = os.path.join(case, "units", f"{k}.partial", "case.sqlite")
        # Every write to the unit's store slowed by the fault shim, so that the unit is surely
        # still running when it is killed (a fast machine finished it before the poll saw it).
        assert os.path.exists(FAULT_SHIM), f"{FAULT_SHIM} is missing (the fault shim target)"
        slow = e2e.preload_env(ENV, FAULT_SHIM, VIGIL_FAULT_SLOW_PATH=f"units/{k}.partial",
                               VIGIL_FAULT_SLOW_MS="50")
        proc = subprocess.Popen([VIGIL, "scan", "--plan", plan_path, "--unit", str(k)], env=slow,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        # Killed once its store is being written (the largest unit may carve nothing: its
        # pictures can all be deleted files already listed, which carving does not store twice).
        while time.monotonic() < deadline and proc.poll() is None:
            if os.path.exists(partial + "-wal") or e2e_items(partial) > 0:
                time.sleep(0.5)
                break
            time.sleep(0.005)
        self.assertIsNone(proc.poll(), "the unit finished before it could be killed")
        proc.kill()
        proc.wait(timeout=60)
        proc.stderr.close()
        # The supervisor's worker (a forked child) dies with it or soon after: wait for both.
        for _ in range(200):
            if not e2e_workers_alive(plan_path):
                break
            time.sleep(0.05)
        self.assertFalse(os.path.exists(os.path.join(case, "units", str(k))),
                         "a killed unit must not look finished")
        others = [i for i in range(len(p["units"])) if i != k]
        for i, (rc, err) in run_units(plan_path, others).items():
            self.assertIn(rc, (0, 1), f"unit {i}: {err}")
        r = run([VIGIL, "merge", "--case", case])
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"unit {k} has not finished", r.stderr)
        self.assertIn("nothing was merged", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(case, "case.sqlite")) and
                         whole(os.path.join(case, "case.sqlite")).get("items"))
        st = run_units(plan_path, [k])
        self.assertIn(st[k][0], (0, 1), st[k][1])
        r = run([VIGIL, "merge", "--case", case])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same_as_single(case)

    def refused(self, case, *needles):
        db_path = os.path.join(case, "case.sqlite")
        before = whole(db_path) if os.path.exists(db_path) else None
        r = run([VIGIL, "merge", "--case", case])
        self.assertEqual(r.returncode, 2, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        after = whole(db_path) if os.path.exists(db_path) else None
        self.assertEqual(after, before, "a refused merge changed the case store")
        return r.stderr

    def finished_copy(self, name):
        """A copy of the planned case with every unit finished and nothing merged."""
        case = os.path.join(self.tmp, name)
        os.makedirs(case)
        shutil.copy(self.plan_path, case)
        shutil.copytree(os.path.join(self.case, "units"), os.path.join(case, "units"))
        return case

    def test_refuses_unit_of_other_settings(self):
        other = os.path.join(self.tmp, "other_settings")
        p = plan(other, self.images, "--digests", "all")
        st = run_units(os.path.join(other, "plan.json"), [0])
        self.assertIn(st[0][0], (0, 1), st[0][1])
        case = self.finished_copy("mixed_settings")
        shutil.rmtree(os.path.join(case, "units", "0"))
        shutil.copytree(os.path.join(other, "units", "0"), os.path.join(case, "units", "0"))
        err = self.refused(case, "unit 0", "other settings", "--digests")
        self.assertNotEqual(p["id"], self.plan["id"])
        # Put right: the unit run again from this case's plan, the merge goes through.
        st = run_units(os.path.join(case, "plan.json"), [0])
        self.assertIn(st[0][0], (0, 1), st[0][1])
        r = run([VIGIL, "merge", "--case", case])
        self.assertEqual(r.returncode, 0, r.stderr + err)
        self.assert_same_as_single(case)

    def test_refuses_unit_of_other_plan(self):
        other = os.path.join(self.tmp, "other_plan")
        p = plan(other, self.images, units=3)
        self.assertNotEqual(p["id"], self.plan["id"])
        st = run_units(os.path.join(other, "plan.json"), [0])
        self.assertIn(st[0][0], (0, 1), st[0][1])
        case = self.finished_copy("mixed_plans")
        shutil.rmtree(os.path.join(case, "units", "0"))
        shutil.copytree(os.path.join(other, "units", "0"), os.path.join(case, "units", "0"))
        self.refused(case, "unit 0", "belongs to another plan", p["id"][:12])

    def test_refuses_unfinished_and_edited_plan(self):
        case = self.finished_copy("unfinished")
        shutil.rmtree(os.path.join(case, "units", "2"))
        self.refused(case, "unit 2 has not finished", "vigil scan --plan")
        case = self.finished_copy("edited_plan")
        path = os.path.join(case, "plan.json")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace('"end_entry": ', '"end_entry": 1', 1))
        self.refused(case, "was changed after vigil plan wrote it")

    def test_refuses_changed_evidence(self):
        ev_dir = os.path.join(self.tmp, "evidence")
        os.makedirs(ev_dir)
        image = os.path.join(ev_dir, "fat32.raw")
        shutil.copy(os.path.join(TESTDATA, "fat32.raw"), image)
        case = os.path.join(self.tmp, "changed")
        p = plan(case, [image], units=2)
        plan_path = os.path.join(case, "plan.json")
        for i, (rc, err) in run_units(plan_path, range(len(p["units"]))).items():
            self.assertIn(rc, (0, 1), f"unit {i}: {err}")
        # Grown by one sector since planning: refused by the merge and by a unit.
        with open(image, "ab") as f:
            f.write(b"\0" * 512)
        self.refused(case, "changed since it was planned", "fat32.raw", "bytes")
        r = run([VIGIL, "scan", "--plan", plan_path, "--unit", "0", "-q"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("changed since it was planned", r.stderr)
        # Same size, other bytes in the last MiB.
        os.truncate(image, os.path.getsize(image) - 512)
        with open(image, "r+b") as f:
            f.seek(os.path.getsize(image) - 4096)
            f.write(b"\xff" * 16)
        self.refused(case, "changed since it was planned", "first or last MiB")

    def test_help_and_bad_arguments(self):
        r = run([VIGIL, "scan", "--plan", self.plan_path, "--unit", "0", "--digests", "all"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("plan", r.stderr)
        r = run([VIGIL, "scan", "--plan", self.plan_path, "--unit", "999"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("there is no unit 999", r.stderr)
        r = run([VIGIL, "scan"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("EVIDENCE", r.stderr)


def e2e_items(db_path):
    try:
        db = sqlite3.connect(db_path, timeout=0.05)
        try:
            return db.execute("SELECT count(*) FROM items").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def e2e_workers_alive(plan_path):
    r = subprocess.run(["pgrep", "-f", plan_path], capture_output=True, text=True)
    return bool(r.stdout.strip())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
