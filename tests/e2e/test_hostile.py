#!/usr/bin/env python3
"""The hostile corpus (testdata/make_hostile.sh) gets its documented behaviour (issue 15;
docs/VALIDATION.md, "Hostile input"):

- names with HTML/JS, CSV formulas, control characters and invalid UTF-8: stored byte for byte;
  matched by a known list so that they reach every part of the report; escaped in HTML (no raw
  <script), neutralised in CSV (no cell starts with = + - @ tab CR), lossless (base64) in JSON
  Lines and DFXML, well-formed XML and JSON, no raw control character in HTML;
- a 4,000-byte path: listed and read, its path whole;
- a sparse file of 2^31 + 4096 bytes: read to its end, its SHA-256 that of its bytes;
- a PNG declaring 100,000 x 100,000 pixels: not decoded, a warning naming it, digests kept;
- a zip bomb: a limit warning naming the archive, listed in the report's limitations;
- a directory loop: the walk ends, nothing is listed twice (TSK does not follow it), and one
  counted warning names the loop's entry, its inode and the folder it points back to;
- 100,000 files in one folder: 100,000 items;
- every report cites docs/VALIDATION.md by version and SHA-256, the file's.
Usage: test_hostile.py VIGIL TESTDATA_DIR SOURCE_DIR
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import unittest
import xml.dom.minidom

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
IMAGE = os.path.join(TESTDATA, "hostile.ext4")
WIDE = os.path.join(TESTDATA, "hostile_wide")
REPORT_TIME = "2026-01-01T00:00:00Z"

# The names make_hostile.sh writes under /h/names, each file holding b"hostile name %d\n".
NAMES = [
    b"<script>alert('names').txt",
    b"\"><svg onload=alert(1)>.txt",
    b"<!-- --><b>bold&amp;.txt",
    b"=HYPERLINK(\"http:\\\\x\",\"y\").csv",
    b"+SUM(1+1).txt",
    b"-2+3.txt",
    b"@SUM(A1).txt",
    b"tab\there.txt",
    b"cr\rhere.txt",
    b"esc\x1b[31mred.txt",
    b"bell\x07del\x7f.txt",
    b"c1\xc2\x85next-line.txt",
    b"bidi\xe2\x80\xaetxt.exe",
    b"invalid\xff\xfe.txt",
    b"lone\xc3.txt",
    b"overlong\xc0\xaf.txt",
    b"surrogate\xed\xa0\x80.txt",
]
SPARSE_SIZE = (1 << 31) + 4096


def as_bytes(v):
    return v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v


def sparse_sha256():
    h = hashlib.sha256()
    zeros = b"\0" * (1 << 24)
    for _ in range((1 << 31) // len(zeros)):
        h.update(zeros)
    h.update(b"end of the sparse file\n".ljust(4096, b"."))
    return h.hexdigest()


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vigil_hostile_")
        t = cls.tmp
        # A known list naming every hostile name's content, so that each name is a match and
        # reaches every section and format of the report.
        with open(os.path.join(t, "names.sha256"), "w", encoding="utf-8") as f:
            for i in range(len(NAMES)):
                f.write(hashlib.sha256(b"hostile name %d\n" % i).hexdigest() + f"  n{i}.txt\n")
        cls.set_dir = os.path.join(t, "set")
        r = e2e.run([VIGIL, "hashset", "import", "--out", cls.set_dir, "--format", "sha256sum",
                     "--name", "hostile names", "--publisher", "vigil tests",
                     "--imported-at", REPORT_TIME, os.path.join(t, "names.sha256")])
        assert r.returncode == 0, r.stderr
        cls.case = os.path.join(t, "case")
        start = time.monotonic()
        cls.scan = e2e.run([VIGIL, "scan", "--quiet", "--case", cls.case, "--hashset", cls.set_dir,
                            IMAGE], timeout=600)
        cls.scan_seconds = time.monotonic() - start
        db = sqlite3.connect(os.path.join(cls.case, "case.sqlite"))
        db.row_factory = sqlite3.Row
        cls.items = [dict(r) for r in db.execute("SELECT * FROM items ORDER BY id")]
        cls.warnings = [dict(r) for r in db.execute("SELECT * FROM warnings ORDER BY id")]
        db.close()
        cls.out = os.path.join(t, "report")
        cls.report = e2e.run([VIGIL, "report", "--case", cls.case, "--out", cls.out,
                              "--case-number", "HOSTILE/1", "--exhibit", "EX-<script>",
                              "--examiner", "=cmd|'/c calc'!A1", "--report-time", REPORT_TIME,
                              "-q"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def read(self, name, mode="r"):
        kw = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with open(os.path.join(self.out, name), mode, **kw) as f:
            return f.read()

    def item(self, path):
        found = [i for i in self.items if as_bytes(i["path"]) == path and i["parent_id"] is None]
        self.assertEqual(len(found), 1, f"{path!r}: {len(found)} items")
        return found[0]

    def warnings_of(self, item):
        return [w for w in self.warnings if w["provenance"] == item["provenance"]
                or w["provenance"].startswith(item["provenance"] + " > ")]

    def test_scan_and_report_succeed(self):
        self.assertIn(self.scan.returncode, (0, 1), self.scan.stderr.decode(errors="replace"))
        self.assertEqual(self.report.returncode, 0, self.report.stderr.decode(errors="replace"))

    def test_names_stored_byte_for_byte_and_matched(self):
        for i, name in enumerate(NAMES):
            it = self.item(b"/h/names/" + name)
            self.assertEqual(as_bytes(it["name"]), name)
            self.assertEqual(it["status"], "ok")
            self.assertEqual(it["sha256"], hashlib.sha256(b"hostile name %d\n" % i).hexdigest())
        db = sqlite3.connect(os.path.join(self.case, "case.sqlite"))
        matched = db.execute("SELECT count(DISTINCT item_id) FROM matches WHERE kind='exact'")
        self.assertEqual(matched.fetchone()[0], len(NAMES))
        db.close()

    def test_html_escapes_every_name(self):
        html = self.read("report.html")
        self.assertNotIn("<script", html)
        self.assertNotIn("<svg", html)
        self.assertNotIn("<b>", html)
        self.assertNotIn("<!--", html)
        self.assertIn("&lt;script&gt;alert(&#39;names&#39;).txt", html)
        self.assertIn("&quot;&gt;&lt;svg onload=alert(1)&gt;.txt", html)
        self.assertIn("&amp;amp;", html)
        # No raw control character (other than newline and tab in the markup), no U+202E.
        self.assertIsNone(re.search("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202e]", html))
        for shown in ("esc\\x1b[31mred.txt", "invalid\\xff\\xfe.txt", "lone\\xc3.txt",
                      "cr\\x0dhere.txt", "bell\\x07del\\x7f.txt",
                      "c1\\xc2\\x85next-line.txt", "bidi\\xe2\\x80\\xaetxt.exe"):
            self.assertIn(shown, html)

    def test_csv_neutralises_formulas(self):
        for name in ("items.csv", "matches.csv"):
            rows = list(csv.reader(io.StringIO(self.read(name))))
            header, body = rows[0], rows[1:]
            self.assertTrue(body, name)
            for row in body:
                self.assertEqual(len(row), len(header), row)
                for field in row:
                    self.assertNotIn(field[:1], ("=", "+", "-", "@", "\t", "\r"), (name, field))
        names = {r["name"] for r in csv.DictReader(io.StringIO(self.read("items.csv")))}
        for n in ("'=HYPERLINK(\"http:\\\\x\",\"y\").csv", "'+SUM(1+1).txt", "'-2+3.txt",
                  "'@SUM(A1).txt"):
            self.assertIn(n, names)

    def test_jsonl_keeps_every_name_losslessly(self):
        recs = [json.loads(line) for line in self.read("report.jsonl").split("\n") if line]
        names = {e2e.text_field(r, "name") for r in recs if r["type"] == "item"}
        for n in NAMES:
            self.assertIn(n, names)
        raw = self.read("report.jsonl", "rb")
        # JSON escapes every control character: none is raw in a line.
        self.assertIsNone(re.search(rb"[\x00-\x1f]", raw.replace(b"\n", b"")))

    def test_dfxml_is_well_formed_and_lossless(self):
        text = self.read("report.dfxml", "rb")
        xml.dom.minidom.parseString(text)  # raises on malformed XML
        self.assertNotIn(b"<script", text)
        self.assertIsNone(re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", text))

    def test_case_export_is_valid_json_without_raw_controls(self):
        name = [n for n in os.listdir(self.out) if n.endswith(".jsonld")]
        self.assertEqual(len(name), 1, os.listdir(self.out))
        text = self.read(name[0])
        json.loads(text)
        self.assertIsNone(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text))

    def test_long_path_listed_and_read(self):
        long = [i for i in self.items if as_bytes(i["name"]) == b"leaf.txt"]
        self.assertEqual(len(long), 1)
        path = as_bytes(long[0]["path"])
        self.assertEqual(len(path), 4000)
        self.assertTrue(path.startswith(b"/h/long/00d"))
        self.assertEqual(long[0]["status"], "ok")
        self.assertEqual(long[0]["sha256"],
                         hashlib.sha256(b"at the end of a 4,000-byte path\n").hexdigest())

    def test_sparse_file_over_2_gib_read_whole(self):
        it = self.item(b"/h/sparse.bin")
        self.assertEqual(it["size"], SPARSE_SIZE)
        self.assertEqual(it["bytes_read"], SPARSE_SIZE)
        self.assertEqual(it["status"], "ok")
        self.assertEqual(it["sha256"], sparse_sha256())

    def test_huge_png_header_not_decoded_but_digested(self):
        it = self.item(b"/h/huge.png")
        self.assertEqual(it["status"], "ok")
        self.assertTrue(it["sha256"])
        ws = self.warnings_of(it)
        self.assertTrue(ws, "no warning for a 100,000 x 100,000 PNG")
        self.assertTrue(any("10000000000 pixels" in w["message"] and w["code"] == "limit"
                            for w in ws), ws)

    def test_zip_bomb_stops_at_a_limit(self):
        it = self.item(b"/h/bomb.zip")
        self.assertTrue(it["sha256"])
        ws = [w for w in self.warnings_of(it) if w["code"] == "limit"]
        self.assertTrue(ws, f"no limit warning for the zip bomb: {self.warnings_of(it)}")
        self.assertIn("child budget", ws[0]["message"])
        html = self.read("report.html")
        self.assertIn("bomb.zip", html)  # listed under the limitations

    def test_directory_loop_ends_and_nothing_is_listed_twice(self):
        paths = [as_bytes(i["path"]) for i in self.items if i["parent_id"] is None]
        self.assertEqual(len(paths), len(set(paths)))
        self.assertIn(b"/h/loop/a/b/up", paths)
        self.assertFalse([p for p in paths if p.startswith(b"/h/loop/a/b/up/")])

    def test_directory_loop_is_a_warning_naming_it(self):
        loop = self.item(b"/h/loop")
        up = self.item(b"/h/loop/a/b/up")
        self.assertEqual(up["inode"], loop["inode"])
        ws = [w for w in self.warnings if "loop" in w["message"]]
        self.assertEqual(len(ws), 1, ws)
        w = ws[0]
        self.assertEqual(w["code"], "walk")
        # Provenance: the volume, the entry's path and inode.
        self.assertEqual(w["provenance"], up["provenance"])
        self.assertIn(f"/h/loop (inode {loop['inode']})", w["message"])
        self.assertIn("not followed", w["message"])
        # Counted: the run's warning count includes it, and the report lists it.
        db = sqlite3.connect(os.path.join(self.case, "case.sqlite"))
        counted = db.execute("SELECT count(*) FROM warnings").fetchone()[0]
        db.close()
        self.assertEqual(counted, len(self.warnings))
        self.assertIn("directory loop", self.read("report.html"))

    def test_reports_cite_the_validation_record(self):
        with open(os.path.join(SOURCE, "docs", "VALIDATION.md"), "rb") as f:
            record = f.read()
        sha = hashlib.sha256(record).hexdigest()
        version = re.search(rb"^Version: (\S+)", record, re.M).group(1).decode()
        html = self.read("report.html")
        self.assertIn(f"docs/VALIDATION.md, version {version}, SHA-256 {sha}", html)
        first = json.loads(self.read("report.jsonl").split("\n")[0])
        self.assertEqual((first["validation_record"], first["validation_record_version"],
                          first["validation_record_sha256"]),
                         ("docs/VALIDATION.md", version, sha))
        dfxml = self.read("report.dfxml")
        self.assertIn(f'<vigil:validation_record version="{version}" sha256="{sha}">'
                      "docs/VALIDATION.md</vigil:validation_record>", dfxml)
        r = e2e.run(["pdftotext", os.path.join(self.out, "report.pdf"), "-"])
        self.assertEqual(r.returncode, 0, "pdftotext (Debian package poppler-utils)")
        self.assertIn(sha, re.sub(r"\s+", "", r.stdout.decode(errors="replace")))


class Wide(unittest.TestCase):
    def test_100000_files_in_one_folder(self):
        with tempfile.TemporaryDirectory() as t:
            case = os.path.join(t, "case")
            start = time.monotonic()
            out = e2e.run([VIGIL, "scan", "--quiet", "--case", case, WIDE], timeout=600)
            seconds = time.monotonic() - start
            self.assertEqual(out.returncode, 0, out.stderr.decode(errors="replace"))
            db = sqlite3.connect(os.path.join(case, "case.sqlite"))
            n = db.execute("SELECT count(*) FROM items WHERE name LIKE 'f%'").fetchone()[0]
            db.close()
            self.assertEqual(n, 100000)
            print(f"100,000 files in one folder scanned in {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
