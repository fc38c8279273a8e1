#!/usr/bin/env python3
"""Thumbnails with their original paths (issue 13), end to end: an NTFS image
(testdata/make_thumbnail_image.sh) holds a user profile's thumbcache_256.db, a Thumbs.db and a
Windows 11 Windows.db at ProgramData/Microsoft/Search/Data/Applications/Windows/. A listed
picture that exists only as a thumbnail is found, matched against a synthetic known list and
shown with the original path the index recorded for its cache id, in the case store's records
and in the HTML report; a second scan of the same case (resume) gives the same links, never
duplicates.

Usage: test_thumbnails.py VIGIL BUILD_DIR SOURCE_DIR"""
import hashlib
import html
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unittest

VIGIL, BUILD, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
sys.argv[1:] = []
ENV = dict(os.environ, TZ="UTC", SOURCE_DATE_EPOCH="1709294400")
# The SHA-256 of thumbs.ntfs as make_thumbnail_image.sh builds it (deterministic: a change in a
# generator shows here first).
IMAGE_SHA256 = "b9d207330b089a803edda12acd4bffe9a8243b805024dee6f3e41f2a6d892dd1"
RED = "C:\\Users\\alice\\Pictures\\holiday\\red square.jpg"
ICON = "C:\\Users\\alice\\Pictures\\icon.png"


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=ENV)


def rows(case, sql, params=()):
    db = sqlite3.connect(os.path.join(case, "case.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql, params)]
    finally:
        db.close()


def thumbcache_pictures(path):
    """(cache id, SHA-256 of the picture) of each entry with data, read here from the bytes by the
    published layout of format 32 (56-byte entry header), independently of vigil."""
    with open(path, "rb") as f:
        b = f.read()
    first = struct.unpack_from("<I", b, 12)[0]
    pos, out = (first if first >= 24 else 24), []
    while pos + 56 <= len(b) and b[pos:pos + 4] == b"CMMM":
        size, cache_id, id_size, pad, data_size = struct.unpack_from("<IQIII", b, pos + 4)
        if data_size:
            at = pos + 56 + id_size + pad
            out.append((cache_id, hashlib.sha256(b[at:at + data_size]).hexdigest()))
        if size == 0:
            break
        pos += size
    return out


def links(case):
    return rows(case, "SELECT r.item_id, r.seq, r.name, r.value, i.path FROM records r JOIN items i "
                      "ON i.id = r.item_id WHERE r.extractor = 'thumbnail_links' "
                      "ORDER BY r.item_id, r.seq")


class ThumbnailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vigil-e2e-thumbs-")
        cls.image = os.path.join(cls.tmp, "thumbs.ntfs")
        r = run(["bash", os.path.join(SOURCE, "testdata", "make_thumbnail_image.sh"), cls.image,
                 BUILD])
        if r.returncode != 0:
            raise AssertionError("make_thumbnail_image.sh failed: " + r.stderr)
        # The listed picture: entry 0 of the cache (id 0x1122334455667788), read from the
        # generator's own output, not through vigil.
        gen = os.path.join(cls.tmp, "gen")
        os.mkdir(gen)
        r = run([os.path.join(BUILD, "plugins", "thumbcache", "vigil_thumbcache_fixtures"), gen])
        assert r.returncode == 0, r.stderr
        pictures = dict(thumbcache_pictures(os.path.join(gen, "thumbcache_32.db")))
        cls.listed = pictures[0x1122334455667788]
        cls.unlisted = pictures[0xABCDEF]
        with open(os.path.join(cls.tmp, "list.txt"), "w", encoding="utf-8") as f:
            f.write(cls.listed + "  red square.jpg\n")
        cls.set = os.path.join(cls.tmp, "set")
        r = run([VIGIL, "hashset", "import", "--out", cls.set, "--format", "sha256sum", "--name",
                 "synthetic", "--status", "alert", "--imported-at", "2024-03-01T12:00:00Z",
                 os.path.join(cls.tmp, "list.txt")])
        assert r.returncode == 0, r.stderr
        cls.case = os.path.join(cls.tmp, "case")
        cls.scan = run([VIGIL, "scan", cls.image, "--case", cls.case, "--hashset", cls.set,
                        "--threads", "2"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_image_is_deterministic(self):
        with open(self.image, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), IMAGE_SHA256)

    def test_scan_finds_the_three_files_by_content(self):
        self.assertIn(self.scan.returncode, (0, 1), self.scan.stderr)
        types = {r["name"]: r["content_type"] for r in rows(
            self.case, "SELECT name, content_type FROM items WHERE parent_id IS NULL")}
        self.assertEqual(types["thumbcache_256.db"], "thumbcache")
        self.assertEqual(types["Thumbs.db"], "thumbsdb")
        self.assertEqual(types["Windows.db"], "sqlite")
        index = rows(self.case, "SELECT r.name, r.value FROM records r JOIN items i ON "
                                "i.id = r.item_id WHERE r.extractor = 'searchindex' AND "
                                "i.name = 'Windows.db' ORDER BY r.seq")
        values = {r["name"]: r["value"] for r in index}
        self.assertEqual(values["index_table"], "SystemIndex_1_PropertyStore")
        self.assertEqual(values["items_with_thumbnail_cache_id"], "3")
        self.assertEqual(values["item_0_thumbnail_cache_id"], "0x1122334455667788")
        self.assertEqual(values["item_0_path"], RED)
        # The Thumbs.db catalog names are records of it (plugins/thumbsdb).
        self.assertTrue(rows(self.case, "SELECT 1 FROM records WHERE extractor = 'thumbsdb' AND "
                                        "name LIKE 'entry_%_name'"))
        self.assertEqual(rows(self.case, "SELECT count(*) AS n FROM warnings")[0]["n"], 0)

    def test_listed_picture_exists_only_as_a_thumbnail_and_is_matched(self):
        on_disk = rows(self.case, "SELECT 1 FROM items WHERE parent_id IS NULL AND "
                                  "(name = 'red square.jpg' OR sha256 = ?)", (self.listed,))
        self.assertEqual(on_disk, [])
        found = rows(self.case, "SELECT * FROM items WHERE sha256 = ?", (self.listed,))
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["extractor"], "thumbcache")
        self.assertEqual(found[0]["path"], "entry 0 (id 0x1122334455667788)")
        m = rows(self.case, "SELECT kind, status FROM matches WHERE item_id = ?", (found[0]["id"],))
        self.assertEqual(m, [{"kind": "exact", "status": "alert"}])

    def test_original_paths_recovered_for_every_indexed_thumbnail(self):
        got = links(self.case)
        self.assertEqual([(r["path"], r["name"]) for r in got],
                         [("entry 0 (id 0x1122334455667788)", "original_file"),
                          ("entry 2 (id 0x0000000000abcdef)", "original_file")])
        self.assertTrue(got[0]["value"].startswith(
            RED + " (size 31337 bytes, modified 2024-03-01T12:00:00.0000000Z"), got[0]["value"])
        self.assertIn("; Windows Search index ", got[0]["value"])
        self.assertIn("ProgramData/Microsoft/Search/Data/Applications/Windows/Windows.db",
                      got[0]["value"])
        self.assertIn("item 100)", got[0]["value"])
        self.assertTrue(got[1]["value"].startswith(ICON + " (size 2048 bytes"))
        audit = rows(self.case, "SELECT details FROM audit WHERE action = 'thumbnails-linked'")
        self.assertEqual(len(audit), 1)
        self.assertIn('"links":2', audit[0]["details"])

    def test_rescan_and_resume_do_not_duplicate(self):
        case = os.path.join(self.tmp, "case-again")
        shutil.copytree(self.case, case)
        before = links(case)
        r = run([VIGIL, "scan", self.image, "--case", case, "--hashset", self.set])
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(links(case), before)

    def test_html_report_shows_the_original_file_and_what_a_match_means(self):
        out = os.path.join(self.tmp, "report")
        r = run([VIGIL, "report", "--case", self.case, "--out", out, "--format", "html",
                 "--case-number", "TEST/13", "--exhibit", "E1", "--report-time",
                 "2024-03-01T12:00:00Z"])
        self.assertIn(r.returncode, (0, 1), r.stderr)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
            text = html.unescape(re.sub(r"<[^>]+>", " ", f.read()))
        text = re.sub(r"\s+", " ", text)
        self.assertIn("Original file (Windows Search index) " + RED + " (size 31337 bytes", text)
        self.assertIn("Some matched items are thumbnails", text)
        self.assertIn("The report does not state whether that file still exists", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
