#!/usr/bin/env python3
"""Hostile pictures in a scan (issue: perceptual hashing, "bad input"): a truncated JPEG, a PNG with
a corrupt body, a PNG header claiming 100,000 x 100,000 pixels, a 1 x 1 picture, a GIF with no
colour table, an animated GIF of 10,000 frames. Each is a counted warning with its reason, never
a crash and never a hash; the item's digests are still recorded. All bytes are made here.
Usage: test_bad_pictures.py VIGIL TESTDATA_DIR
"""
import os
import sqlite3
import struct
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA = sys.argv[1], sys.argv[2]


def png(width, height, rows=None, corrupt=False):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    raw = rows if rows is not None else b"".join(b"\0" + bytes([(x * 7) & 255 for x in range(width)])
                                                 for _ in range(height))
    data = zlib.compress(raw)
    if corrupt:
        data = data[:4] + bytes(len(data) - 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def gif(frames, colour_table=True):
    flags = 0x80 if colour_table else 0x00  # global colour table of 2 entries, or none
    out = b"GIF89a" + struct.pack("<HHBBB", 1, 1, flags, 0, 0)
    if colour_table:
        out += b"\x00\x00\x00\xff\xff\xff"
    # One 1x1 frame: LZW minimum code size 2; codes clear(4), 0, end(5) in 3 bits = 0x44 0x01.
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return out + frame * frames + b"\x3b"


class BadPictures(unittest.TestCase):
    def test_each_is_a_warning_and_keeps_its_digests(self):
        with tempfile.TemporaryDirectory() as d:
            ev = os.path.join(d, "evidence")
            os.makedirs(ev)
            good = png(64, 48)
            files = {
                "truncated.jpg": None,
                "corrupt.png": png(64, 48, corrupt=True),
                "huge.png": png(100000, 100000, rows=b"\0"),
                "tiny.png": png(1, 1),
                "nocolours.gif": gif(1, colour_table=False),
                "animated.gif": gif(10000),
                "good.png": good,
            }
            # A real JPEG from the testdata, cut in half.
            entry = [r for r in e2e.manifest(TESTDATA)["entry"]
                     if r[0] == "ext4.raw" and r[2] == "jpeg" and r[1] == "keep"][0]
            listing = e2e.run(["fls", "-r", "-p", os.path.join(TESTDATA, "ext4.raw")]).stdout
            inode = [l.split(b":\t")[0].split()[-1] for l in listing.splitlines()
                     if l.split(b":\t")[1] == entry[5].encode()][0]
            jpeg = e2e.run(["icat", os.path.join(TESTDATA, "ext4.raw"), inode.decode()]).stdout
            files["truncated.jpg"] = jpeg[: len(jpeg) // 2]
            for name, data in files.items():
                with open(os.path.join(ev, name), "wb") as f:
                    f.write(data)
            case = os.path.join(d, "case")
            out = e2e.run([VIGIL, "scan", "--quiet", "--case", case, ev])
            self.assertEqual(out.returncode, 1, out.stderr.decode())  # done, with item warnings
            db = sqlite3.connect(os.path.join(case, "case.sqlite"))
            warnings = {}
            for prov, code, msg in db.execute("SELECT provenance, code, message FROM warnings"):
                warnings.setdefault(prov.rsplit("/", 1)[-1], []).append((code, msg))
            items = {r[0].rsplit("/", 1)[-1]: r[1:] for r in db.execute(
                "SELECT provenance, status, md5, sha256, id FROM items")}
            hashes = {r[0]: r[1] for r in db.execute(
                "SELECT item_id, hash FROM perceptual WHERE algorithm='pdq'")}
            db.close()
            for name in files:
                with self.subTest(name=name):
                    status, md5, sha256, item_id = items[name]
                    self.assertEqual(status, "ok")
                    self.assertTrue(md5 and sha256, "digests recorded")
                    if name == "good.png":
                        self.assertNotIn(name, warnings)
                        self.assertTrue(hashes.get(item_id))
                    elif name == "animated.gif":
                        # Only the first frame is ever decoded: 1 x 1, so no PDQ, with a warning.
                        self.assertIn("pdq", [c for c, _ in warnings.get(name, [])])
                    else:
                        self.assertIn(name, warnings, "a counted warning with the reason")
                        self.assertFalse(hashes.get(item_id), "never a hash")
            self.assertIn("limit", [c for c, _ in warnings["huge.png"]])
            self.assertIn("under 5 px", warnings["tiny.png"][0][1])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
