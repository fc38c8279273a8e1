#!/usr/bin/env python3
"""Items inside items (issue 12), end to end over the real extractors: every picture planted in a
container (nested ZIPs, a ZIP named .boo, tar.gz/bz2/xz, 7z, gzip, an encrypted ZIP, a truncated
ZIP) is found with its full chain and status; the limits give their warnings; ids do not depend on
--threads; a listed picture that exists only inside a container is matched and reported with its
chain in every export; the same bytes are decoded once per case.

The containers are built by testdata/make_containers.sh (its MANIFEST names every planted
picture's chain, status and digests).
Usage: test_extract.py VIGIL VIGIL_TESTPIX SOURCE_DIR"""
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTPIX, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
sys.argv[1:] = []
ENV = dict(os.environ, TZ="UTC", SOURCE_DATE_EPOCH="1709294400")
# Every registered extractor, in registry order: the default selection is all of them.
ALL_EXTRACTORS = ["archive", "carve", "documents", "exif", "searchindex", "thumbcache", "thumbsdb"]


def scan(case, evidence, *args):
    return e2e.run([VIGIL, "scan", "--quiet", "--case", case, *args, *evidence], env=ENV)


def rows(case, sql, params=()):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql, params)]
    finally:
        db.close()


def read(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        return f.read()


def chain_matches(provenance, chain):
    """True when the provenance's links end with the manifest chain's names, in order:
    'Archive/nested.zip > inner.zip > IMG_0201.JPG' against '... fat16:/Archive/nested.zip (inode
    N) > zip:inner.zip > zip:IMG_0201.JPG'."""
    names = chain.split(" > ")
    links = provenance.split(" > ")
    if len(links) < len(names):
        return False
    tail = links[len(links) - len(names):]
    if "/" + names[0] not in tail[0]:
        return False
    return all(link.split(":", 1)[-1] == name for link, name in zip(tail[1:], names[1:]))


class ExtractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vigil-e2e-extract-")
        data = os.path.join(cls.tmp, "data")
        r = subprocess.run(["bash", os.path.join(SOURCE, "testdata", "make_containers.sh"), data,
                            TESTPIX], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("make_containers.sh failed: " + r.stderr)
        cls.image = os.path.join(data, "containers.raw")
        cls.containers = os.path.join(data, "containers")
        cls.pictures = []
        with open(os.path.join(data, "containers.MANIFEST"), encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "picture":
                    status, chain, size, sha256, md5 = parts[1:]
                    cls.pictures.append({"status": status, "chain": chain, "size": int(size),
                                         "sha256": sha256, "md5": md5})
        cls.case = os.path.join(cls.tmp, "case")
        r = scan(cls.case, [cls.image], "--threads", "4")
        if r.returncode not in (0, 1):
            raise AssertionError("scan failed: " + r.stderr.decode(errors="replace"))
        cls.items = rows(cls.case, "SELECT * FROM items ORDER BY id")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def find(self, chain):
        return [it for it in self.items if chain_matches(it["provenance"], chain)]

    def test_every_planted_picture_with_its_chain(self):
        deep = [p for p in self.pictures if p["chain"].count(" > ") > 8]
        self.assertEqual(len(deep), 1)  # deep.zip: 21 levels, past the default --max-depth
        for p in self.pictures:
            if p in deep:
                continue
            found = self.find(p["chain"])
            self.assertEqual(len(found), 1, p["chain"])
            it = found[0]
            self.assertEqual(it["child_status"], p["status"], p["chain"])
            self.assertIsNotNone(it["parent_id"], p["chain"])
            self.assertEqual(it["depth"], p["chain"].count(" > "), p["chain"])
            parent = [x for x in self.items if x["id"] == it["parent_id"]][0]
            self.assertTrue(it["provenance"].startswith(parent["provenance"] + " > "))
            self.assertLess(parent["id"], it["id"])  # a parent is stored before its children
            if p["status"] == "ok":
                self.assertEqual(it["sha256"], p["sha256"], p["chain"])
                self.assertEqual(it["md5"], p["md5"], p["chain"])
                self.assertEqual(it["size"], p["size"], p["chain"])
                self.assertIn(it["category"], ("image",), p["chain"])
                self.assertEqual(it["extractor"], "archive", p["chain"])
            elif p["status"] == "encrypted":
                self.assertIsNone(it["sha256"])  # never guessed
                self.assertEqual(it["status"], "not-read")
                self.assertEqual(it["size"], p["size"])
            else:  # partial: the bytes that were there
                self.assertLess(it["bytes_read"], p["size"])
        # Pictures found inside containers were hashed perceptually like entries.
        pdq = rows(self.case, "SELECT count(*) AS n FROM perceptual p JOIN items i ON i.id = "
                              "p.item_id WHERE i.parent_id IS NOT NULL AND p.algorithm = 'pdq'")
        self.assertGreaterEqual(pdq[0]["n"], len(self.pictures) - 3)

    def test_limits_are_counted_warnings(self):
        warnings = rows(self.case, "SELECT provenance, message FROM warnings WHERE code = 'limit'")
        depth = [w for w in warnings if "max-depth=8" in w["message"]]
        self.assertEqual(len(depth), 1, warnings)
        # deep.zip is the entry (depth 0): level09.zip is at depth 8, recorded but not opened.
        self.assertTrue(depth[0]["provenance"].endswith("zip:level09.zip"), depth[0])
        bomb = [w for w in warnings if "bomb.zip" in w["provenance"]]
        self.assertTrue(bomb, warnings)
        # The run records the extractors with their versions and every limit.
        run = rows(self.case, "SELECT settings FROM runs ORDER BY id LIMIT 1")[0]
        settings = json.loads(run["settings"])
        self.assertEqual(settings["extraction"]["max_depth"], 8)
        self.assertEqual([e["name"] for e in settings["extractors"]], ALL_EXTRACTORS)
        used = rows(self.case, "SELECT name, version FROM run_extractors ORDER BY name")
        self.assertEqual([u["name"] for u in used], ALL_EXTRACTORS)

    def test_depth_limit_is_configurable(self):
        folder = os.path.join(self.tmp, "deep-only")
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(self.containers, "deep.zip"), folder)
        case = os.path.join(self.tmp, "case-deep")
        r = scan(case, [folder], "--max-depth", "25")
        self.assertIn(r.returncode, (0, 1), r.stderr)
        deep = [p for p in self.pictures if p["chain"].count(" > ") > 8][0]
        pics = rows(case, "SELECT * FROM items WHERE sha256 = ?", (deep["sha256"],))
        self.assertEqual(len(pics), 1)
        self.assertEqual(pics[0]["depth"], 20)
        self.assertEqual(json.loads(rows(case, "SELECT settings FROM runs")[0]["settings"])
                         ["extraction"]["max_depth"], 25)

    def test_same_ids_for_any_thread_count(self):
        case1 = os.path.join(self.tmp, "case-t1")
        r = scan(case1, [self.image], "--threads", "1")
        self.assertIn(r.returncode, (0, 1), r.stderr)
        cols = "id, provenance, parent_id, depth, extractor, child_status, size, sha256, xxh3_128"
        self.assertEqual(rows(case1, f"SELECT {cols} FROM items ORDER BY id"),
                         rows(self.case, f"SELECT {cols} FROM items ORDER BY id"))
        self.assertEqual(rows(case1, "SELECT * FROM warnings ORDER BY id"),
                         rows(self.case, "SELECT * FROM warnings ORDER BY id"))

    def test_extractors_option(self):
        case = os.path.join(self.tmp, "case-none")
        r = scan(case, [self.containers], "--extractors", "none")
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(rows(case, "SELECT count(*) AS n FROM items WHERE parent_id IS NOT NULL")
                         [0]["n"], 0)
        r = scan(os.path.join(self.tmp, "case-bad"), [self.containers], "--extractors", "archiv")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"unknown extractor", r.stderr)
        out = e2e.run([VIGIL, "list", "extractors", "--json"])
        self.assertEqual(out.returncode, 0, out.stderr)
        listed = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertEqual([x["name"] for x in listed], ALL_EXTRACTORS)
        for x in listed:
            self.assertTrue(x["version"] and x["input_types"] and x["outputs"] and x["limits"])

    def test_same_bytes_decoded_once(self):
        folder = os.path.join(self.tmp, "copies")
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(self.containers, "nested.zip"), os.path.join(folder, "a.zip"))
        shutil.copy(os.path.join(self.containers, "nested.zip"), os.path.join(folder, "b.zip"))
        case = os.path.join(self.tmp, "case-copies")
        r = e2e.run([VIGIL, "scan", "--case", case, "--threads", "2", folder], env=ENV)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertIn(b"perceptual results reused for 1 item", r.stderr)
        hashes = rows(case, "SELECT i.provenance, p.algorithm, p.hash FROM perceptual p JOIN items "
                            "i ON i.id = p.item_id ORDER BY p.algorithm, i.id")
        pdq = [h for h in hashes if h["algorithm"] == "pdq"]
        self.assertEqual(len(pdq), 2)
        self.assertEqual(pdq[0]["hash"], pdq[1]["hash"])
        # A later run in the same case decodes nothing again (seeded from the case store).
        shutil.copy(os.path.join(self.containers, "nested.zip"), os.path.join(folder, "c.zip"))
        r = e2e.run([VIGIL, "scan", "--case", case, folder], env=ENV)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertIn(b"perceptual results reused for 1 item", r.stderr)

    def test_two_hundred_thousand_members_in_bounded_memory(self):
        # One ZIP holding 200,000 empty members: their records wait for the ZIP to be stored, and
        # past 512 rows in one list they wait in a spool file, not in memory (the scan's
        # "evidence-scanned" audit records the most rows held at once).
        folder = os.path.join(self.tmp, "many")
        os.makedirs(folder, exist_ok=True)
        members = 200_000
        with zipfile.ZipFile(os.path.join(folder, "many.zip"), "w", zipfile.ZIP_STORED) as z:
            for i in range(members):
                z.writestr(zipfile.ZipInfo(f"m/{i:06d}", (2024, 3, 1, 12, 0, 0)), b"")
        case = os.path.join(self.tmp, "case-many")
        p = subprocess.Popen([VIGIL, "scan", "--quiet", "--case", case, "--threads", "2", folder],
                             env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, err)
        print(f"200,000 empty members: peak RSS {usage.ru_maxrss // 1024} MiB", file=sys.stderr)
        n = rows(case, "SELECT count(*) AS n FROM items WHERE parent_id IS NOT NULL AND "
                       "parent_id != 0")[0]["n"]
        self.assertEqual(n, members)
        last = rows(case, "SELECT provenance FROM items ORDER BY id DESC LIMIT 1")[0]
        self.assertTrue(last["provenance"].endswith("zip:m/199999"), last)
        audit = rows(case, "SELECT details FROM audit WHERE action = 'evidence-scanned'")
        self.assertEqual(len(audit), 1)
        peak = json.loads(audit[0]["details"])["child_rows_peak"]
        self.assertGreater(peak, 0)
        self.assertLessEqual(peak, 2 * 512)  # 1.5 KB a row: 300 MB if all were kept

    def test_match_inside_a_container_reported_with_its_chain(self):
        target = [p for p in self.pictures if p["chain"].endswith("inner.zip > IMG_0201.JPG")][0]
        lists = os.path.join(self.tmp, "lists")
        os.makedirs(lists, exist_ok=True)
        with open(os.path.join(lists, "list.sha256"), "w", encoding="utf-8") as f:
            f.write(target["sha256"] + "  planted.jpg\n")
        set_dir = os.path.join(self.tmp, "set")
        r = e2e.run([VIGIL, "hashset", "import", "--out", set_dir, "--format", "sha256sum",
                     "--name", "synthetic", "--imported-at", "2024-03-01T12:00:00Z",
                     os.path.join(lists, "list.sha256")], env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        case = os.path.join(self.tmp, "case-match")
        r = scan(case, [self.image], "--hashset", set_dir)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        matched = rows(case, "SELECT i.* FROM matches m JOIN items i ON i.id = m.item_id")
        self.assertEqual(len(matched), 1)
        self.assertTrue(chain_matches(matched[0]["provenance"], target["chain"]))
        out = os.path.join(self.tmp, "report")
        r = e2e.run([VIGIL, "report", "--case", case, "--out", out, "--case-number", "X-12",
                     "--exhibit", "E-1", "--format", "jsonl,csv,dfxml,case,html",
                     "--report-time", "2024-03-01T12:00:00Z"], env=ENV)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        # JSONL: the item names its parent; the extractors are listed with versions.
        lines = [json.loads(x) for x in read(out, "report.jsonl").splitlines()]
        item = [x for x in lines if x["type"] == "item" and x["matches"]][0]
        self.assertTrue(item["parent_provenance"].endswith("zip:inner.zip"))
        self.assertEqual(item["depth"], 2)
        self.assertEqual(item["extractor"], "archive")
        self.assertEqual(sorted(x["name"] for x in lines if x["type"] == "extractor"),
                         ALL_EXTRACTORS)
        summary = [x for x in lines if x["type"] == "summary"][0]
        self.assertGreater(summary["child_items"], 15)
        self.assertGreater(summary["limit_warnings"], 0)
        # CSV: parent columns.
        with open(os.path.join(out, "items.csv"), encoding="utf-8", newline="") as f:
            csv_rows = list(csv.DictReader(io.StringIO(f.read())))
        row = [x for x in csv_rows if x["provenance"] == item["provenance"]][0]
        self.assertEqual(row["parent_provenance"], item["parent_provenance"])
        self.assertEqual(row["extractor"], "archive")
        # DFXML: parent_object; CASE: Contained_Within.
        dfxml = read(out, "report.dfxml")
        self.assertIn("<parent_object vigil:item_id=\"%d\"" % item["parent_item_id"], dfxml)
        case_doc = json.loads(read(out, "report.case.jsonld"))
        rels = [n for n in case_doc["@graph"]
                if n.get("uco-core:kindOfRelationship") == "Contained_Within"]
        self.assertGreater(len(rels), 15)
        html = read(out, "report.html")
        self.assertIn("Found inside", html)
        self.assertIn("Extractors", html)


if __name__ == "__main__":
    unittest.main(verbosity=2)
