#!/usr/bin/env python3
"""vigil scan --hashset: exact and near matches are exactly the planted ones (issues: perceptual
hashing, known lists).

A synthetic list names two planted pictures by SHA-256 and one by MD5; a PDQ list holds the
rotate90 variant of a planted picture's PDQ with 4 bits changed (a rotated copy, near), the exact
PDQ of another planted picture at quality 40 (below the gate: rejected at import, so never matched) and a decoy far
from everything. Usage: test_match.py VIGIL TESTDATA_DIR
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA = sys.argv[1], sys.argv[2]
PICTURES = ("jpeg", "png", "gif", "bmp", "webp", "tiff")


def flip_bits(hex_hash, n):
    value = int(hex_hash, 16)
    for bit in range(0, 8 * n, 8):  # n distinct bits
        value ^= 1 << bit
    return f"{value:064x}"


class Match(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        entries = [r for r in e2e.manifest(TESTDATA)["entry"]
                   if r[0] == "ext4.raw" and r[1] == "keep" and r[2] in ("jpeg", "png")]
        cls.exact_sha256 = {entries[0][4], entries[1][4]}
        cls.exact_md5_path = entries[2][5]
        # Extract three planted pictures with TSK to hash them independently of vigil.
        listing = subprocess.run(["fls", "-r", "-p", os.path.join(TESTDATA, "ext4.raw")],
                                 capture_output=True, check=True).stdout.decode(errors="replace")
        inodes = {}
        for line in listing.splitlines():
            head, path = line.split(":\t", 1)
            inodes[path] = head.split()[-1]

        def extract(path):
            return subprocess.run(["icat", os.path.join(TESTDATA, "ext4.raw"), inodes[path]],
                                  capture_output=True, check=True).stdout

        import hashlib
        cls.exact_md5 = hashlib.md5(extract(cls.exact_md5_path)).hexdigest()
        near_path, low_path = entries[3][5], entries[4][5]
        cls.near_sha256, cls.low_sha256 = entries[3][4], entries[4][4]
        pdq = {}
        for name, path in (("near", near_path), ("low", low_path)):
            f = os.path.join(d, name + ".img")
            with open(f, "wb") as out:
                out.write(extract(path))
            h = json.loads(e2e.run([VIGIL, "hash", "--json", "--dihedral", f]).stdout
                           .splitlines()[0])
            pdq[name] = h["pdq"]
        with open(os.path.join(d, "list.sha256"), "w") as f:
            for s in sorted(cls.exact_sha256):
                f.write(f"{s}  planted.img\n")
            f.write("00" * 31 + "01  decoy.bin\n")
        with open(os.path.join(d, "list.md5"), "w") as f:
            f.write(f"{cls.exact_md5}  renamed.img\n")
        with open(os.path.join(d, "list.pdq"), "w") as f:
            f.write(f"{flip_bits(pdq['near']['dihedral']['rotate90'], 4)},100,rotated-copy\n")
            f.write(f"{pdq['low']['hash']},40,low-quality\n")
            f.write(f"{'5a' * 32},100,decoy\n")
        cls.set_dir = os.path.join(d, "set")
        out = e2e.run([VIGIL, "hashset", "import", os.path.join(d, "list.sha256"),
                       os.path.join(d, "list.md5"), os.path.join(d, "list.pdq"),
                       "--out", cls.set_dir, "--name", "Synthetic planted list", "--version", "1"])
        # The list's quality-40 line is rejected at import (counted, with its line number).
        assert out.returncode == 1, out.stderr.decode()
        assert b"list.pdq:2: rejected: PDQ quality 40" in out.stderr, out.stderr.decode()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, name, *args):
        case = os.path.join(self.tmp.name, name)
        out = e2e.run([VIGIL, "scan", "--quiet", "--case", case, "--hashset", self.set_dir, *args,
                       os.path.join(TESTDATA, "gpt.raw")])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        db = sqlite3.connect(os.path.join(case, "case.sqlite"))
        rows = list(db.execute(
            "SELECT i.provenance, i.sha256, i.md5, m.kind, m.algorithm, m.distance, m.threshold, "
            "m.variant, m.item_quality, m.list_quality, m.status, hs.name, hs.version "
            "FROM matches m JOIN items i ON i.id = m.item_id JOIN hash_sets hs ON hs.id = m.set_id "
            "ORDER BY m.id"))
        db.close()
        return rows

    def test_matches_are_exactly_the_planted_ones(self):
        rows = self.scan("case")
        exact = [r for r in rows if r[3] == "exact"]
        near = [r for r in rows if r[3] == "near"]
        # gpt.raw holds the ext4 image once: each planted picture appears once there, and
        # the same pictures may be planted on the FAT32 and NTFS partitions too.
        self.assertTrue(exact)
        for r in exact:
            if r[4] == "sha256":
                self.assertIn(r[1], self.exact_sha256)
            else:
                self.assertEqual((r[4], r[2]), ("md5", self.exact_md5))
        self.assertEqual({r[1] for r in exact if r[4] == "sha256"}, self.exact_sha256)
        self.assertIn(self.exact_md5, {r[2] for r in exact})
        self.assertTrue(near)
        for r in near:
            self.assertEqual(r[1], self.near_sha256, "only the rotated copy's source is near")
            self.assertEqual((r[4], r[5], r[6], r[7]), ("pdq", 4, 31, "rotate90"))
            self.assertGreaterEqual(r[8], 50)
            self.assertEqual(r[9], 100)
        self.assertNotIn(self.low_sha256, {r[1] for r in rows}, "quality gate")
        self.assertTrue(all(r[11] == "Synthetic planted list" and r[12] == "1" for r in rows))

    def test_threshold_is_a_setting(self):
        rows = self.scan("tight", "--pdq-threshold", "3")
        self.assertFalse([r for r in rows if r[3] == "near"])
        self.assertTrue([r for r in rows if r[3] == "exact"])
        # The run records every effective setting, the matching ones included.
        db = sqlite3.connect(os.path.join(self.tmp.name, "tight", "case.sqlite"))
        settings = json.loads(db.execute("SELECT settings FROM runs").fetchone()[0])
        db.close()
        self.assertEqual(settings["analysis"]["pdq_threshold"], 3)
        self.assertEqual(settings["analysis"]["pdq_pipeline"], "pdq-fullres")
        self.assertEqual(settings["hash_sets"], [self.set_dir])

    def test_status_alert_for_a_list_without_categories(self):
        alert_set = os.path.join(self.tmp.name, "alert-set")
        out = e2e.run([VIGIL, "hashset", "import", os.path.join(self.tmp.name, "list.sha256"),
                       "--out", alert_set, "--status", "alert"])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        case = os.path.join(self.tmp.name, "alert-case")
        # --hashset before the evidence: the option takes one value and leaves EVIDENCE alone.
        out = e2e.run([VIGIL, "scan", "--quiet", "--case", case, "--hashset", alert_set,
                       os.path.join(TESTDATA, "ext4.raw")])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        db = sqlite3.connect(os.path.join(case, "case.sqlite"))
        statuses = {r[0] for r in db.execute("SELECT status FROM matches")}
        db.close()
        self.assertEqual(statuses, {"alert"})

    def test_report_thumbnails_only_blurred_and_only_on_request(self):
        import base64
        import re
        case = os.path.join(self.tmp.name, "case")
        if not os.path.exists(case):
            self.scan("case")
        plain, thumbs = os.path.join(self.tmp.name, "rep-plain"), os.path.join(self.tmp.name, "rep-t")
        common = ["--case", case, "--format", "html,pdf", "--case-number", "T-1", "--exhibit", "E-1",
                  "--report-time", "2024-03-01T12:00:00Z", "--quiet"]
        self.assertEqual(e2e.run([VIGIL, "report", "--out", plain, *common]).returncode, 0)
        out = e2e.run([VIGIL, "report", "--out", thumbs, "--thumbnails", "blurred", *common])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        with open(os.path.join(plain, "report.html"), encoding="utf-8") as f:
            self.assertNotIn("data:image", f.read(), "no pixels by default")
        with open(os.path.join(thumbs, "report.html"), encoding="utf-8") as f:
            pngs = [base64.b64decode(m) for m in
                    re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", f.read())]
        self.assertTrue(pngs)
        for png in pngs:
            width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
            self.assertLessEqual(max(width, height), 160)
            self.assertEqual(png[25], 0, "greyscale PNG (colour type 0)")
        # Nothing but the report's own files is written.
        self.assertEqual(sorted(os.listdir(thumbs)), sorted(os.listdir(plain)))

    def test_threads_give_the_same_matches(self):
        self.assertEqual(self.scan("t1", "--threads", "1"), self.scan("t2", "--threads", "2"))

    def test_a_list_naming_a_non_media_file_matches_it(self):
        """Issue 10, point 6: with a list loaded, every item with content is digested with every
        algorithm the lists hold, so a list naming a DLL or a document matches it (under the
        default --digests media, which leaves non-media items with XXH3-128 alone without lists)."""
        import hashlib
        rows = e2e.manifest(TESTDATA)["entry"]
        wanted = {"Windows/System32/kernel32.dll", "Documents/notes.txt"}
        listed = {r[5]: r[4] for r in rows if r[0] == "ext4.raw" and r[5] in wanted}
        self.assertEqual(set(listed), wanted)
        listing = subprocess.run(["fls", "-r", "-p", os.path.join(TESTDATA, "ext4.raw")],
                                 capture_output=True, check=True).stdout.decode(errors="replace")
        inode = {line.split(":\t", 1)[1]: line.split(":\t", 1)[0].split()[-1]
                 for line in listing.splitlines()}
        csv = subprocess.run(["icat", os.path.join(TESTDATA, "ext4.raw"),
                              inode["Documents/budget.csv"]], capture_output=True, check=True).stdout
        csv_md5 = hashlib.md5(csv).hexdigest()
        d = self.tmp.name
        with open(os.path.join(d, "files.sha256"), "w") as f:
            for path, sha in sorted(listed.items()):
                f.write(f"{sha}  {os.path.basename(path)}\n")
        with open(os.path.join(d, "files.md5"), "w") as f:
            f.write(f"{csv_md5}  budget.csv\n")
        files_set = os.path.join(d, "files-set")
        out = e2e.run([VIGIL, "hashset", "import", os.path.join(d, "files.sha256"),
                       os.path.join(d, "files.md5"), "--out", files_set, "--name", "Synthetic files"])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        case = os.path.join(d, "files-case")
        out = e2e.run([VIGIL, "scan", "--quiet", "--case", case, "--hashset", files_set,
                       os.path.join(TESTDATA, "ext4.raw")])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        db = sqlite3.connect(os.path.join(case, "case.sqlite"))
        matched = sorted(db.execute(
            "SELECT i.path, i.category, m.kind, m.algorithm, m.item_value FROM matches m "
            "JOIN items i ON i.id = m.item_id ORDER BY i.path"))
        # Every item with content got every digest a loaded list holds (MD5 and SHA-256 here).
        undigested = db.execute("SELECT count(*) FROM items WHERE status = 'ok' AND "
                                "(md5 IS NULL OR sha256 IS NULL)").fetchone()[0]
        db.close()
        self.assertEqual(matched, [
            ("/Documents/budget.csv", "unknown", "exact", "md5", csv_md5),
            ("/Documents/notes.txt", "unknown", "exact", "sha256",
             listed["Documents/notes.txt"]),
            ("/Windows/System32/kernel32.dll", "unknown", "exact", "sha256",
             listed["Windows/System32/kernel32.dll"])])
        self.assertEqual(undigested, 0)
        # Without a list the default stays media-only: the DLL gets XXH3-128 alone.
        plain = os.path.join(d, "files-plain")
        out = e2e.run([VIGIL, "scan", "--quiet", "--case", plain, os.path.join(TESTDATA, "ext4.raw")])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        db = sqlite3.connect(os.path.join(plain, "case.sqlite"))
        dll = db.execute("SELECT status, xxh3_128, md5, sha1, sha256 FROM items "
                         "WHERE path = '/Windows/System32/kernel32.dll'").fetchone()
        db.close()
        self.assertEqual(dll[0], "ok")
        self.assertTrue(dll[1])
        self.assertEqual(dll[2:], (None, None, None))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
