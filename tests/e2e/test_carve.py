#!/usr/bin/env python3
"""Carving of the space no file claims (issue 14), end to end: a listed picture that exists only
in the unallocated clusters of a quick-formatted FAT, one only in a file's slack, pictures only in
disk space no partition covers (at an odd offset, after random bytes, a GIF, a WebP) and a JPEG
split in two fragments by other data are found, matched against a synthetic known list and
placed at the byte ranges where testdata/make_carve_images.sh planted them; decoys are not
carved as pictures; an image with no partition table or file system is carved whole with a
warning; the offset-shift test at image level; ids for --threads 1 and 2; resume; the limits and
--no-carve.

Usage: test_carve.py VIGIL VIGIL_TESTPIX SOURCE_DIR"""
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTPIX, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
sys.argv[1:] = []
ENV = dict(os.environ, TZ="UTC", SOURCE_DATE_EPOCH="1709294400")


def rows(case, sql, params=()):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql, params)]
    finally:
        db.close()


def carved(case):
    return rows(case, "SELECT * FROM items WHERE byte_runs IS NOT NULL ORDER BY id")


def ranges_text(byte_runs):
    return ",".join(f"{o}+{n}" for o, n in json.loads(byte_runs))


class Carve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vigil-carve-")
        data = os.path.join(cls.tmp, "data")
        r = e2e.run([os.path.join(SOURCE, "testdata", "make_carve_images.sh"), data, TESTPIX],
                    env=ENV)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        cls.data = data
        cls.pictures = {}
        with open(os.path.join(data, "carve.MANIFEST"), encoding="utf-8") as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if p[0] == "picture":
                    cls.pictures[p[1]] = {"role": p[2], "image": p[3], "size": int(p[4]),
                                          "sha256": p[5], "ranges": p[6]}
        cls.sets = os.path.join(cls.tmp, "set")
        r = e2e.run([VIGIL, "hashset", "import", "--out", cls.sets, "--format", "sha256sum",
                     "--name", "synthetic-carve", "--imported-at", "2024-03-01T12:00:00Z",
                     os.path.join(data, "carve.sha256")], env=ENV)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        cls.cases = {}
        for image in ("carve_disk.raw", "carve_slack.raw", "carve_nofs.raw",
                      "carve_deleted.raw"):
            case = os.path.join(cls.tmp, "case-" + image)
            r = cls.scan(case, [os.path.join(data, image)], "--hashset", cls.sets, "-j", "2")
            assert r.returncode in (0, 1), r.stderr.decode(errors="replace")
            cls.cases[image] = (case, r)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @staticmethod
    def scan(case, evidence, *args):
        return e2e.run([VIGIL, "scan", "--quiet", "--case", case, *args, *evidence], env=ENV)

    def found(self, name, layer, status="ok"):
        """The one carved item holding the planted picture `name`, checked: its bytes (SHA-256),
        its byte ranges, its provenance link, an exact match against the known list, and no
        file-system entry with the same bytes (it exists only where carving finds it)."""
        p = self.pictures[name]
        case = self.cases[p["image"]][0]
        hits = [i for i in carved(case) if i["sha256"] == p["sha256"]]
        self.assertEqual(len(hits), 1, (name, [i["provenance"] for i in carved(case)]))
        item = hits[0]
        self.assertEqual(ranges_text(item["byte_runs"]), p["ranges"], name)
        self.assertTrue(item["provenance"].endswith(f" > carve:{layer}@{p['ranges']}"),
                        item["provenance"])
        self.assertEqual(item["size"], p["size"])
        self.assertEqual(item["status"], "ok")
        self.assertEqual(item["child_status"], status, name)
        self.assertEqual(item["extractor"], "carve")
        others = rows(case, "SELECT provenance FROM items WHERE sha256 = ? AND byte_runs IS NULL",
                      (p["sha256"],))
        self.assertEqual(others, [], f"{name} must exist only where carving finds it")
        m = rows(case, "SELECT kind, algorithm, status FROM matches WHERE item_id = ?",
                 (item["id"],))
        self.assertIn(("exact", "sha256"), [(x["kind"], x["algorithm"]) for x in m], name)
        return item

    def test_unallocated_space_of_a_quick_formatted_file_system(self):
        item = self.found("unalloc.jpg", "unalloc")
        self.assertIn(" > vol:2@1048576 > carve:unalloc@", item["provenance"])
        self.assertEqual(item["content_type"], "jpeg")
        png = self.found("unalloc.png", "unalloc")
        self.assertEqual(png["content_type"], "png")

    def test_slack_of_a_file(self):
        item = self.found("slack.jpg", "slack")
        # The slack link hangs below the file whose last cluster holds it.
        self.assertIn("/NOTE.TXT (inode ", item["provenance"])
        self.assertEqual(item["deleted"], 0)

    def test_unpartitioned_space(self):
        for name in ("unpartitioned.jpg", "appended.jpg", "unpartitioned.gif",
                     "unpartitioned.webp"):
            item = self.found(name, "unpartitioned")
            self.assertIn(" > vol:3@17825792 > carve:unpartitioned@", item["provenance"])
        # Not on a sector start: PhotoRec and foremost -q would miss these.
        for name in ("unpartitioned.jpg", "appended.jpg", "unpartitioned.gif"):
            self.assertNotEqual(int(self.pictures[name]["ranges"].split("+")[0]) % 512, 0)

    def test_fragmented_jpeg_reassembled_with_both_ranges(self):
        # carve-engine's bifragment gap carving (plugins/carve) has landed: the split JPEG is one
        # item, its bytes the original picture's, its two ranges where they were planted.
        # Joined because the join decodes: an inference, stored as "reassembled", never "ok".
        item = self.found("fragmented.jpg", "unpartitioned", "reassembled")
        runs = json.loads(item["byte_runs"])
        self.assertEqual(len(runs), 2)
        self.assertEqual(runs[1][0] - (runs[0][0] + runs[0][1]), 8192)  # the gap
        self.assertEqual(runs[0][0] % 4096, 0)
        self.assertEqual(runs[1][0] % 4096, 0)

    def test_deleted_file_carved_again_is_not_stored_twice(self):
        """A deleted file listed from its surviving entry lies in unallocated clusters: the carve
        that is exactly its content (same first byte, same bytes) is not a second item, and the
        run counts it; a carve that differs (the file has text after the picture) is kept."""
        case = self.cases["carve_deleted.raw"][0]
        p = self.pictures["deleted.jpg"]
        start = int(p["ranges"].split("+")[0])
        self.assertEqual([i["provenance"] for i in carved(case) if i["sha256"] == p["sha256"]],
                         [])
        entry = rows(case, "SELECT * FROM items WHERE sha256 = ? AND byte_runs IS NULL",
                     (p["sha256"],))
        self.assertEqual(len(entry), 1, entry)
        self.assertEqual(entry[0]["deleted"], 1)
        self.assertEqual(entry[0]["size"], p["size"])
        self.assertIn(("exact", "sha256"), [(x["kind"], x["algorithm"]) for x in rows(
            case, "SELECT kind, algorithm FROM matches WHERE item_id = ?", (entry[0]["id"],))])
        # Nothing else carved from inside it either.
        for i in carved(case):
            o, n = json.loads(i["byte_runs"])[0]
            self.assertFalse(start <= o < start + p["size"], i["provenance"])
        summary = json.loads(rows(case, "SELECT summary FROM runs ORDER BY id DESC")[0]["summary"])
        self.assertEqual(summary["carved_deleted_content"], 1)
        # The padded file's picture is shorter than the file: a different item, kept.
        padded = self.found("padded.jpg", "unalloc")
        self.assertEqual(json.loads(padded["byte_runs"])[0][0] % 512, 0)  # a cluster start
        self.assertEqual(summary["carved"], len(carved(case)))
        # The report counts it.
        out = os.path.join(self.tmp, "report-deleted")
        r = e2e.run([VIGIL, "report", "--case", case, "--out", out, "--case-number", "X-14",
                     "--exhibit", "E-2", "--format", "html",
                     "--report-time", "2024-03-01T12:00:00Z"], env=ENV)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertIn("1 carved picture(s) were the content of listed deleted files", html)

    def test_decoys_are_not_carved_as_pictures(self):
        case = self.cases["carve_disk.raw"][0]
        items = carved(case)
        for name in ("decoy_ffd8.jpg", "badcrc.png"):
            p = self.pictures[name]
            start, length = (int(x) for x in p["ranges"].split("+"))
            self.assertEqual([i for i in items if i["sha256"] == p["sha256"]], [], name)
            inside = [i for i in items if any(start <= o < start + length
                                              for o, _ in json.loads(i["byte_runs"]))]
            self.assertEqual([i for i in inside if i["child_status"] == "ok"], [], name)
        # Every picture carved from the disk is one that was planted (no false pictures).
        planted = {p["sha256"] for p in self.pictures.values()
                   if p["image"] == "carve_disk.raw" and p["role"] != "decoy"}
        self.assertEqual({i["sha256"] for i in items}, planted)

    def test_image_with_no_file_system_is_carved_whole_with_a_warning(self):
        case, r = self.cases["carve_nofs.raw"]
        self.assertEqual(r.returncode, 1, r.stderr)  # a warning, not a refusal
        w = rows(case, "SELECT provenance, message FROM warnings")
        self.assertTrue(any("no partition table, file system or pool recognised" in x["message"]
                            and "carved" in x["message"] for x in w), w)
        for name in ("nofs.bmp", "nofs.jpg", "nofs.png"):
            self.found(name, "unpartitioned")
        # Without carving, the same image is refused as before (exit 2, one message).
        r = self.scan(os.path.join(self.tmp, "case-nocarve-nofs"),
                      [os.path.join(self.data, "carve_nofs.raw")], "--no-carve")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"no partition table", r.stderr)

    def test_offset_shift(self):
        # bulk_extractor's test at image level: the same bytes 65 bytes later.
        src = os.path.join(self.data, "carve_nofs.raw")
        shifted = os.path.join(self.tmp, "shifted.raw")
        with open(src, "rb") as f, open(shifted, "wb") as g:
            g.write(bytes((i * 37 + 11) % 256 for i in range(65)) + f.read())
        case = os.path.join(self.tmp, "case-shifted")
        r = self.scan(case, [shifted], "-j", "2")
        self.assertEqual(r.returncode, 1, r.stderr)
        before = [(json.loads(i["byte_runs"]), i["sha256"])
                  for i in carved(self.cases["carve_nofs.raw"][0])]
        after = [(json.loads(i["byte_runs"]), i["sha256"]) for i in carved(case)]
        self.assertEqual(len(before), 3)
        self.assertEqual(len(after), len(before))
        for (b, sb), (a, sa) in zip(before, after):
            self.assertEqual(sa, sb)
            self.assertEqual([[o + 65, n] for o, n in b], a)

    def test_ids_do_not_depend_on_threads_and_resume_adds_nothing(self):
        image = os.path.join(self.data, "carve_disk.raw")
        got = []
        for threads in ("1", "2"):
            case = os.path.join(self.tmp, "case-threads-" + threads)
            r = self.scan(case, [image], "-j", threads)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            got.append(rows(case, "SELECT id, provenance, sha256, byte_runs, parent_id FROM items "
                                  "ORDER BY id"))
        self.assertEqual(got[0], got[1])
        self.assertEqual(len([x for x in got[0] if x["byte_runs"]]), 7)  # every planted picture
        # The same command again: every carved item is already in the case.
        case = os.path.join(self.tmp, "case-threads-2")
        r = self.scan(case, [image], "-j", "2")
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(rows(case, "SELECT id, provenance, sha256, byte_runs, parent_id FROM "
                                    "items ORDER BY id"), got[1])
        summary = json.loads(rows(case, "SELECT summary FROM runs ORDER BY id DESC")[0]["summary"])
        self.assertEqual(summary["carved"], 0)
        self.assertEqual(summary["items_recorded"], 0)

    def test_exports_and_report_show_the_ranges(self):
        case = self.cases["carve_disk.raw"][0]
        out = os.path.join(self.tmp, "report")
        r = e2e.run([VIGIL, "report", "--case", case, "--out", out, "--case-number", "X-14",
                     "--exhibit", "E-1", "--format", "jsonl,csv,dfxml,html,case",
                     "--report-time", "2024-03-01T12:00:00Z"], env=ENV)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        frag = self.pictures["fragmented.jpg"]
        want = [[int(o), int(n)] for o, n in (x.split("+") for x in frag["ranges"].split(","))]

        def read(name):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                return f.read()
        lines = [json.loads(x) for x in read("report.jsonl").splitlines()]
        item = [x for x in lines
                if x["type"] == "item" and x["digests"]["sha256"] == frag["sha256"]]
        self.assertEqual(len(item), 1)
        self.assertEqual(item[0]["byte_runs"], want)
        self.assertEqual(item[0]["child_status"], "reassembled")
        self.assertTrue(item[0]["matches"])
        whole = [x for x in lines if x["type"] == "item" and x.get("byte_runs")
                 and len(x["byte_runs"]) == 1]
        self.assertTrue(whole)
        for x in whole:
            self.assertIn(x["child_status"], ("ok", "partial"), x["provenance"])
        csv_line = [x for x in read("items.csv").splitlines() if frag["sha256"] in x]
        self.assertEqual(len(csv_line), 1)
        self.assertIn(json.dumps(want, separators=(",", ":")), csv_line[0])
        self.assertIn(',"carve","reassembled",', csv_line[0])
        dfxml = read("report.dfxml")
        self.assertIn(f'<byte_run file_offset="0" img_offset="{want[0][0]}" len="{want[0][1]}"/>',
                      dfxml)
        self.assertIn(f'<byte_run file_offset="{want[0][1]}" img_offset="{want[1][0]}" '
                      f'len="{want[1][1]}"/>', dfxml)
        self.assertIn('extractor="carve" child_status="reassembled"', dfxml)
        html = read("report.html")
        self.assertIn("carve:unpartitioned@" + frag["ranges"], html)
        self.assertIn("Setting carving", html)
        # The matched reassembled picture says so, and the limitations say what gap carving is.
        self.assertIn("REASSEMBLED from two fragments by gap carving", html)
        self.assertIn("confirmed by an examiner", html)
        self.assertIn("Gap carving: a JPEG whose decoding stops", html)
        self.assertNotIn("unallocated space and slack are not carved", html)
        # CASE/UCO: every carved item's ranges as DataRangeFacets, in order, and the reassembled
        # one annotated for examiner review.
        with open(os.path.join(out, "report.case.jsonld"), encoding="utf-8") as f:
            graph = json.load(f)["@graph"]
        files = [n for n in graph if n.get("@type") == "uco-observable:File"
                 and "carve:" in n.get("uco-core:description", "")]
        self.assertEqual(len(files), len(carved(case)))
        by_sha = {}
        for n in files:
            facets = n["uco-core:hasFacet"]
            ranges = [[int(fc["uco-observable:rangeOffset"]["@value"]),
                       int(fc["uco-observable:rangeSize"]["@value"])]
                      for fc in facets if fc["@type"] == "uco-observable:DataRangeFacet"]
            self.assertTrue(ranges, n["@id"])
            for fc in facets:
                if fc["@type"] == "uco-observable:DataRangeFacet":
                    self.assertEqual(fc["uco-observable:rangeOffsetType"], "image")
            for fc in facets:
                if fc["@type"] == "uco-observable:ContentDataFacet":
                    for h in fc["uco-observable:hash"]:
                        if h["uco-types:hashMethod"]["@value"] == "SHA256":
                            by_sha[h["uco-types:hashValue"]["@value"].lower()] = (n, ranges)
        node, ranges = by_sha[frag["sha256"]]
        self.assertEqual(ranges, want)
        self.assertIn("child status reassembled", node["uco-core:description"])
        notes = [n for n in graph if n.get("@type") == "uco-core:Annotation"
                 and "reassembled" in n.get("uco-core:tag", [])]
        self.assertEqual([x["@id"] for x in notes[0]["uco-core:object"]], [node["@id"]])
        self.assertIn("requires-examiner-review", notes[0]["uco-core:tag"])

    def test_case_export_of_carved_items_conforms(self):
        """The CASE/UCO export of the carved items (their DataRangeFacets, the reassembled one's
        annotation) conforms to CASE/UCO 1.4.0 with our offline SHACL runner."""
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: install Debian's nodejs and npm "
                                   "(scripts/install-deps.sh)")
        vdir = os.environ.get("VIGIL_NODE_VALIDATORS",
                              os.path.join(SOURCE, "build", "node-validators"))
        r = e2e.run([os.path.join(SOURCE, "scripts", "setup-node-validators.sh"), vdir])
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        out = os.path.join(self.tmp, "report-case")
        r = e2e.run([VIGIL, "report", "--case", self.cases["carve_disk.raw"][0], "--out", out,
                     "--case-number", "X-14", "--exhibit", "E-1", "--format", "case",
                     "--report-time", "2024-03-01T12:00:00Z"], env=ENV)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        with open(os.path.join(out, "report.case.jsonld"), encoding="utf-8") as f:
            export = json.load(f)
        # The carved files and what annotates them (the scan action and relationships are the
        # report test's to check; shacl-engine stalls on some mixes of them, see test_report).
        keep = [n for n in export["@graph"]
                if (n.get("@type") == "uco-observable:File"
                    and "carve:" in n.get("uco-core:description", ""))
                or n.get("@type") == "uco-core:Annotation"]
        ids = {n["@id"] for n in keep}
        keep = [n for n in keep if n.get("@type") != "uco-core:Annotation"
                or all(x["@id"] in ids for x in n["uco-core:object"])]
        self.assertTrue(any(fc["@type"] == "uco-observable:DataRangeFacet"
                            for n in keep for fc in n.get("uco-core:hasFacet", [])))
        part = os.path.join(self.tmp, "carved.case.jsonld")
        with open(part, "w", encoding="utf-8") as f:
            json.dump(dict(export, **{"@graph": keep}), f)
        import subprocess
        r = subprocess.run([node, os.path.join(vdir, "validate_case.mjs"),
                            os.path.join(SOURCE, "testdata", "reference", "case",
                                         "case-1.4.0.ttl"), part],
                           capture_output=True, text=True, cwd=vdir)
        self.assertIn("conforms:", r.stdout, r.stderr[-2000:])
        problems = [x for x in r.stdout.splitlines()
                    if len(x.split("|")) >= 4 and x.split("|")[0].strip() != "Info"]
        self.assertEqual(problems, [], r.stdout[-3000:])

    def test_limits_and_settings(self):
        image = os.path.join(self.data, "carve_disk.raw")
        case = os.path.join(self.tmp, "case-limits")
        r = self.scan(case, [image], "--carve-max-items", "1", "--carve-max-bytes", "jpeg=16K",
                      "--carve-max-seconds", "600")
        self.assertEqual(r.returncode, 1, r.stderr)
        settings = json.loads(rows(case, "SELECT settings FROM runs")[0]["settings"])
        self.assertEqual(settings["carving"]["max_items"], 1)
        self.assertEqual(settings["carving"]["max_bytes"]["jpeg"], 16 << 10)
        self.assertEqual(settings["carving"]["max_seconds"], 600)
        self.assertTrue(settings["carving"]["enabled"])
        w = rows(case, "SELECT provenance, code, message FROM warnings WHERE code = 'limit'")
        items_limit = [x for x in w if "max-carve-items=1" in x["message"]]
        # One per volume with more than one picture: the FAT's unallocated space and the space
        # after the partition; each names its volume.
        self.assertEqual(sorted(x["provenance"] for x in items_limit),
                         ["carve_disk.raw > vol:2@1048576", "carve_disk.raw > vol:3@17825792"])
        # One picture per volume; a JPEG longer than 16 KiB is kept to 16 KiB as partial.
        c = carved(case)
        self.assertEqual(len({i["volume"] for i in c}), len(c))
        cut = [i for i in c if i["content_type"] == "jpeg"]
        self.assertTrue(cut)
        for i in cut:
            self.assertEqual(i["child_status"], "partial")
            self.assertEqual(i["size"], 16 << 10)
        # Turned off: nothing carved.
        case = os.path.join(self.tmp, "case-off")
        r = self.scan(case, [image], "--no-carve")
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(carved(case), [])
        settings = json.loads(rows(case, "SELECT settings FROM runs")[0]["settings"])
        self.assertFalse(settings["carving"]["enabled"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
