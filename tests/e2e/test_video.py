#!/usr/bin/env python3
"""vigil scan: video keyframes are hashed with PDQ and a video near-matches a listed vPDQ video
(issue 5, "Video").

The videos are synthetic: uncompressed 24-bit AVI files written here by hand (RIFF AVI, Microsoft
"AVI RIFF File Reference"), three scenes of random grey blocks. A first scan hashes the original's
keyframes; they are written as a vPDQ list (frameNumber,quality,pdqHex,timestampSeconds) and
imported; a second scan of a brightened copy and of an unrelated video must give exactly one
"vpdq" near match, for the copy. Usage: test_video.py VIGIL
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

VIGIL = sys.argv[1]
W, H, FPS, FRAMES = 96, 64, 10, 40  # 4 s; scenes change at frames 15 and 27


def scene_frame(seed, brighten=0):
    """One frame as bottom-up BGR rows: 8 x 8 px blocks of random greys (PDQ quality 100)."""
    rng = random.Random(seed)
    blocks = [[rng.randrange(0, 200) for _ in range(W // 8)] for _ in range(H // 8)]
    rows = []
    for y in range(H):
        row = bytearray()
        for x in range(W):
            v = min(255, blocks[y // 8][x // 8] + brighten)
            row += bytes((v, v, v))
        rows.append(bytes(row))
    return b"".join(reversed(rows))  # a BI_RGB DIB is stored bottom-up


def chunk(fourcc, data):
    pad = b"\0" if len(data) % 2 else b""
    return fourcc + struct.pack("<I", len(data)) + data + pad


def riff_list(kind, fourcc, body):
    return kind + struct.pack("<I", len(body) + 4) + fourcc + body


def write_avi(path, seeds, brighten=0):
    frames = {s: scene_frame(s, brighten) for s in set(seeds)}
    size = W * H * 3
    avih = struct.pack("<IIIIIIIIII4I", 1_000_000 // FPS, size * FPS, 0, 0x10, len(seeds), 0, 1,
                       size, W, H, 0, 0, 0, 0)
    strh = struct.pack("<4s4sIHHIIIIIIIIhhhh", b"vids", b"DIB ", 0, 0, 0, 0, 1, FPS, 0,
                       len(seeds), size, 0xFFFFFFFF, 0, 0, 0, W, H)
    strf = struct.pack("<IiiHHIIiiII", 40, W, H, 1, 24, 0, size, 0, 0, 0, 0)
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"avih", avih) +
                     riff_list(b"LIST", b"strl", chunk(b"strh", strh) + chunk(b"strf", strf)))
    movi_body, index, offset = b"", b"", 4
    for s in seeds:
        c = chunk(b"00db", frames[s])
        index += struct.pack("<4sIII", b"00db", 0x10, offset, size)
        offset += len(c)
        movi_body += c
    body = hdrl + riff_list(b"LIST", b"movi", movi_body) + chunk(b"idx1", index)
    with open(path, "wb") as f:
        f.write(riff_list(b"RIFF", b"AVI ", body))


def run(cmd):
    return subprocess.run(cmd, capture_output=True)


class Video(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        seeds = [1] * 15 + [2] * 12 + [3] * 13
        for name, s, b in (("original", seeds, 0), ("copy", seeds, 30),
                           ("other", [7] * 20 + [8] * 20, 0)):
            os.makedirs(os.path.join(d, name))
            write_avi(os.path.join(d, name, name + ".avi"), s, b)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, case, folder, *args):
        case = os.path.join(self.tmp.name, case)
        out = run([VIGIL, "scan", "--quiet", "--case", case, *args,
                   os.path.join(self.tmp.name, folder)])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        return sqlite3.connect(os.path.join(case, "case.sqlite"))

    def keyframes(self, db):
        return list(db.execute("SELECT p.pipeline, p.hash, p.quality FROM perceptual p "
                               "WHERE p.algorithm = 'pdq' AND p.pipeline LIKE 'vpdq-frame@%' "
                               "ORDER BY p.rowid"))

    def test_keyframes_and_vpdq_match(self):
        db = self.scan("first", "original")
        frames = self.keyframes(db)
        db.close()
        times = [float(p.split("@", 1)[1]) for p, _, _ in frames]
        # Frames are examined 8 a second (here every other frame) and keyframes are kept at most
        # 4 a second: 0 and 1 s (periodic), the change at 1.5 s seen at 1.6, periodic 2.6, the
        # change at 2.7 s seen at 2.8 but kept at 3.0 (0.25 s after the last keyframe).
        self.assertEqual(times, [0.0, 1.0, 1.6, 2.6, 3.0])
        self.assertTrue(all(q >= 50 for _, _, q in frames))
        d = self.tmp.name
        with open(os.path.join(d, "original.vpdq"), "w") as f:
            for (_, h, q), t in zip(frames, times):
                f.write(f"{round(t * FPS)},{q},{h},{t:.3f}\n")
        set_dir = os.path.join(d, "set")
        out = run([VIGIL, "hashset", "import", "--format", "vpdq",
                   os.path.join(d, "original.vpdq"), "--out", set_dir,
                   "--name", "Synthetic video list", "--version", "1"])
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        for folder in ("copy", "other"):
            os.rename(os.path.join(d, folder, folder + ".avi"),
                      os.path.join(d, "original", folder + ".avi"))
        db = self.scan("second", "original", "--hashset", set_dir)
        rows = list(db.execute(
            "SELECT i.name, m.kind, m.algorithm, m.distance, m.threshold, m.record "
            "FROM matches m JOIN items i ON i.id = m.item_id ORDER BY i.name"))
        db.close()
        self.assertEqual([r[0] for r in rows], ["copy.avi", "original.avi"], rows)
        for name, kind, alg, dist, thr, record in rows:
            self.assertEqual((kind, alg, thr), ("near", "vpdq", 31))
            rec = json.loads(record)
            self.assertEqual(rec["matched_fraction"], 1.0)
            self.assertEqual(rec["frames"], 5)
            self.assertLessEqual(dist, 31)
            if name == "original.avi":
                self.assertEqual(dist, 0)

    def test_video_module_loads_only_for_a_video(self):
        # Keyframe hashing is in a module of its own (libvigil_video.so), loaded when a scan meets
        # its first video: a scan without video never loads it; one with a video and no module
        # to load ends with one message and exit 2, as a missing media module does.
        d = os.path.join(self.tmp.name, "lazy")
        os.makedirs(os.path.join(d, "novideo"))
        os.makedirs(os.path.join(d, "video"))
        with open(os.path.join(d, "novideo", "notes.txt"), "w") as f:
            f.write("no video here\n")
        write_avi(os.path.join(d, "video", "v.avi"), [4] * 10)
        env = dict(os.environ, VIGIL_VIDEO_MODULE=os.path.join(d, "missing.so"))
        for folder, status in (("novideo", 0), ("video", 2)):
            out = subprocess.run([VIGIL, "scan", "--quiet", "--case",
                                  os.path.join(d, "case-" + folder), os.path.join(d, folder)],
                                 capture_output=True, env=env)
            err = out.stderr.decode(errors="replace")
            self.assertEqual(out.returncode, status, err)
            if status == 2:
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn("cannot load the video module", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
