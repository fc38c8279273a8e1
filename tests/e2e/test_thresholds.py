#!/usr/bin/env python3
"""Every accepted PDQ threshold gives the exact answer (issue 10, point 4).

`--pdq-threshold` accepts 0..128. At 0, 31, 63, 64, 96 and 128 the near matches of `vigil scan`,
the hits of `vigil hashset lookup --pdq` and the vPDQ video matches must equal a brute-force
comparison written here, over every list hash.

Pictures: 24-bit BMPs of random grey blocks, written here. Their PDQ hashes (all eight dihedral
variants) come from `vigil hash --json --dihedral`; the list holds hashes planted at chosen
distances from each picture (0 .. 129 bits), so every threshold has hits just inside and just
outside it. Videos: the synthetic AVIs of test_video.py; each listed vPDQ video is the original's
keyframes with k bits flipped in every frame, one list file per k.
Usage: test_thresholds.py VIGIL
"""
import json
import os
import random
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_video import FPS, write_avi  # noqa: E402

VIGIL = sys.argv[1]
THRESHOLDS = (0, 31, 63, 64, 96, 128)
DISTANCES = (0, 1, 20, 31, 32, 50, 63, 64, 65, 80, 96, 97, 110, 127, 128, 129)
MIN_QUALITY = 50  # scan's default --pdq-min-quality
VPDQ_FRACTION = 0.8  # scan's default --vpdq-fraction


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True)


def write_bmp(path, seed, size=96, block=8):
    """A bottom-up 24-bit BI_RGB BMP of random grey blocks (Microsoft BITMAPINFOHEADER)."""
    rng = random.Random(seed)
    n = size // block
    blocks = [[rng.randrange(0, 256) for _ in range(n)] for _ in range(n)]
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            v = blocks[y // block][x // block]
            row += bytes((v, v, v))
        rows.append(bytes(row))  # 96 * 3 is a multiple of 4: no row padding
    pixels = b"".join(reversed(rows))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, size, size, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(header + info + pixels)


def distance(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def flip(hex_hash, bits, rng):
    value = int(hex_hash, 16)
    for b in rng.sample(range(256), bits):
        value ^= 1 << b
    return f"{value:064x}"


def valid(hex_hash):
    """PDQ's validity rule, as vigil applies it: 1..128 bits set."""
    return 1 <= bin(int(hex_hash, 16)).count("1") <= 128


class Thresholds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        rng = random.Random(10)
        pics = os.path.join(d, "pictures")
        os.makedirs(pics)
        for i in range(5):
            write_bmp(os.path.join(pics, f"p{i}.bmp"), 100 + i)
        out = run([VIGIL, "hash", "--json", "--dihedral", pics])
        assert out.returncode == 0, out.stderr.decode()
        cls.pictures = {}  # name -> {"hash", "quality", "variants"}
        for line in out.stdout.splitlines():
            o = json.loads(line)
            p = o["pdq"]
            cls.pictures[os.path.basename(o["path"])] = {
                "hash": p["hash"], "quality": p["quality"],
                "variants": list(p["dihedral"].values())}
        assert len(cls.pictures) == 5 and all(p["quality"] >= MIN_QUALITY
                                             for p in cls.pictures.values()), cls.pictures
        # The list: hashes planted at each distance from each picture, plus random decoys.
        cls.list_hashes = []
        for name in sorted(cls.pictures):
            for k in DISTANCES:
                cls.list_hashes.append(flip(cls.pictures[name]["hash"], k, rng))
        for _ in range(40):
            cls.list_hashes.append(f"{rng.getrandbits(256):064x}")
        cls.list_hashes = [h for h in cls.list_hashes if int(h, 16) != 0]
        list_path = os.path.join(d, "planted.pdq")
        with open(list_path, "w") as f:
            for n, h in enumerate(cls.list_hashes):
                f.write(f"{h},90,planted-{n}\n")
        cls.set_dir = os.path.join(d, "set")
        out = run([VIGIL, "hashset", "import", list_path, "--out", cls.set_dir,
                   "--name", "Planted distances", "--version", "1"])
        assert out.returncode == 0, out.stderr.decode()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, case, folder, *args):
        case = os.path.join(self.tmp.name, case)
        out = run([VIGIL, "scan", "--quiet", "--case", case, *args, folder])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        return sqlite3.connect(os.path.join(case, "case.sqlite"))

    def test_scan_near_matches_equal_brute_force(self):
        pics = os.path.join(self.tmp.name, "pictures")
        for t in THRESHOLDS:
            db = self.scan(f"pics-{t}", pics, "--hashset", self.set_dir, "--pdq-threshold", str(t))
            got = sorted(db.execute(
                "SELECT i.name, m.list_value, m.distance, m.threshold FROM matches m "
                "JOIN items i ON i.id = m.item_id WHERE m.kind = 'near' AND m.algorithm = 'pdq'"))
            db.close()
            want = []
            for name, p in self.pictures.items():
                if not valid(p["hash"]):
                    continue
                for h in sorted(set(self.list_hashes)):
                    best = min(distance(v, h) for v in p["variants"])
                    if best <= t:
                        want.append((name, h, best, t))
            want.sort()
            self.assertTrue(want, f"threshold {t}: the planted list must give hits")
            self.assertEqual(got, want, f"scan --pdq-threshold {t}")
            print(f"scan --pdq-threshold {t}: {len(got)} near matches, as brute force",
                  file=sys.stderr)

    def test_hashset_lookup_equals_brute_force(self):
        for t in THRESHOLDS:
            args = [VIGIL, "hashset", "lookup", self.set_dir, "--threshold", str(t)]
            for p in self.pictures.values():
                args += ["--pdq", p["hash"]]
            out = run(args)
            self.assertEqual(out.returncode, 0, f"threshold {t}: {out.stderr.decode()}")
            got = []
            for line in out.stdout.decode().splitlines():
                f = line.split("\t")
                if f[2] != "near match":
                    continue
                self.assertEqual(f[4], f"threshold={t}")
                line_no = int(f[-1].rsplit(":", 1)[1])
                got.append((f[0], self.list_hashes[line_no - 1], int(f[3].split("=")[1])))
            want = sorted((p["hash"], h, distance(p["hash"], h))
                          for p in self.pictures.values() for h in self.list_hashes
                          if distance(p["hash"], h) <= t)
            self.assertTrue(want)
            self.assertEqual(sorted(got), want, f"hashset lookup --threshold {t}")
            print(f"hashset lookup --threshold {t}: {len(got)} hits, as brute force",
                  file=sys.stderr)

    def test_vpdq_matches_equal_brute_force(self):
        d = self.tmp.name
        videos = os.path.join(d, "videos")
        os.makedirs(videos)
        write_avi(os.path.join(videos, "original.avi"), [1] * 15 + [2] * 12 + [3] * 13)
        write_avi(os.path.join(videos, "other.avi"), [7] * 20 + [8] * 20)
        db = self.scan("videos-plain", videos)
        query = {}
        for name, pipeline, h, q in db.execute(
                "SELECT i.name, p.pipeline, p.hash, p.quality FROM perceptual p "
                "JOIN items i ON i.id = p.item_id WHERE p.algorithm = 'pdq' "
                "AND p.pipeline LIKE 'vpdq-frame@%' ORDER BY p.rowid"):
            query.setdefault(name, []).append((h, q, float(pipeline.split("@", 1)[1])))
        db.close()
        self.assertEqual(sorted(query), ["original.avi", "other.avi"])
        rng = random.Random(11)
        listed, files = {}, []
        for k in (0, 31, 32, 63, 64, 65, 96, 97, 128):
            frames = [(flip(h, k, rng), q, ts) for h, q, ts in query["original.avi"]]
            frames = [f for f in frames if int(f[0], 16) != 0]
            name = f"flip{k}.vpdq"
            listed[name] = frames
            files.append(os.path.join(d, name))
            with open(files[-1], "w") as f:
                for h, q, ts in frames:
                    f.write(f"{round(ts * FPS)},{q},{h},{ts:.3f}\n")
        set_dir = os.path.join(d, "vset")
        out = run([VIGIL, "hashset", "import", "--format", "vpdq", *files, "--out", set_dir,
                   "--name", "Flipped videos", "--version", "1"])
        self.assertEqual(out.returncode, 0, out.stderr.decode())

        def usable(h, q):
            return q >= MIN_QUALITY and valid(h)

        for t in THRESHOLDS:
            want = []
            for name, frames in query.items():
                qs = [f for f in frames if usable(f[0], f[1])]
                for lname, lframes in listed.items():
                    ls = [f for f in lframes if usable(f[0], f[1])]
                    bests = [min((distance(q[0], l[0]) for l in ls), default=257) for q in qs]
                    matched = [b for b in bests if b <= t]
                    if qs and len(matched) / len(qs) >= VPDQ_FRACTION - 1e-12:
                        want.append((name, lname, max(matched), round(len(matched) / len(qs), 4)))
            db = self.scan(f"videos-{t}", videos, "--hashset", set_dir, "--pdq-threshold", str(t))
            got = []
            for name, dist, thr, record in db.execute(
                    "SELECT i.name, m.distance, m.threshold, m.record FROM matches m "
                    "JOIN items i ON i.id = m.item_id WHERE m.algorithm = 'vpdq'"):
                rec = json.loads(record)
                self.assertEqual(thr, t)
                got.append((name, os.path.basename(rec["source"]), dist,
                            round(rec["matched_fraction"], 4)))
            db.close()
            self.assertTrue(want, f"threshold {t}: the flipped videos must give matches")
            self.assertEqual(sorted(got), sorted(want), f"vPDQ at --pdq-threshold {t}")
            print(f"vPDQ at --pdq-threshold {t}: {len(got)} video matches, as brute force",
                  file=sys.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
