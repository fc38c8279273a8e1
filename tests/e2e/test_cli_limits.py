#!/usr/bin/env python3
"""Small promises of the command line (issue 10, point 9).

- Sizes that overflow 64 bits (--max-memory 17179869200G, -1G, ...) are refused with exit 2 and
  one clear line, never wrapped into another size; so is hashset import --memory-mb.
- `vigil hashset lookup` exits as grep(1) does: 0 when something is listed, 1 when nothing is,
  2 on errors.
- A video whose stream declares frames over the pixel cap is refused from its header, before a
  frame is decoded, with a `limit` warning. The videos are synthetic AVIs written here (as in
  test_video.py); one declares 4000 x 4000 frames but holds 16 bytes of frame data, so only a
  check of the declared size can tell that it is over the cap.
- `vigil hash` hashes on every core and prints the same output, in the same order, for any
  --threads.
Usage: test_cli_limits.py VIGIL
"""
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_thresholds import write_bmp  # noqa: E402
from test_video import chunk, riff_list, write_avi  # noqa: E402

VIGIL = sys.argv[1]


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True)


def write_declared_avi(path, width, height, frame_bytes):
    """An AVI whose headers declare width x height 24-bit frames, holding one short frame."""
    size = width * height * 3
    avih = struct.pack("<IIIIIIIIII4I", 100_000, size * 10, 0, 0x10, 1, 0, 1, size, width, height,
                       0, 0, 0, 0)
    strh = struct.pack("<4s4sIHHIIIIIIIIhhhh", b"vids", b"DIB ", 0, 0, 0, 0, 1, 10, 0, 1, size,
                       0xFFFFFFFF, 0, 0, 0, width, height)
    strf = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, size, 0, 0, 0, 0)
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"avih", avih) +
                     riff_list(b"LIST", b"strl", chunk(b"strh", strh) + chunk(b"strf", strf)))
    movi = chunk(b"00db", frame_bytes)
    index = struct.pack("<4sIII", b"00db", 0x10, 4, len(frame_bytes))
    body = hdrl + riff_list(b"LIST", b"movi", movi) + chunk(b"idx1", index)
    with open(path, "wb") as f:
        f.write(riff_list(b"RIFF", b"AVI ", body))


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.folder = os.path.join(d, "evidence")
        os.makedirs(cls.folder)
        with open(os.path.join(cls.folder, "note.txt"), "w") as f:
            f.write("nothing to see\n")
        with open(os.path.join(d, "list.sha256"), "w") as f:
            f.write("ab" * 32 + "  listed.bin\n")
        with open(os.path.join(d, "list.pdq"), "w") as f:
            f.write("f0" * 16 + "0f" * 16 + ",100,listed-picture\n")
        cls.set_dir = os.path.join(d, "set")
        out = run([VIGIL, "hashset", "import", os.path.join(d, "list.sha256"),
                   os.path.join(d, "list.pdq"), "--out", cls.set_dir, "--name", "Limits",
                   "--version", "1"])
        assert out.returncode == 0, out.stderr.decode()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def one_fatal_line(self, out, *needles):
        self.assertEqual(out.returncode, 2, out.stderr.decode())
        lines = out.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        for n in needles:
            self.assertIn(n, lines[0])

    def test_max_memory_that_overflows_is_refused(self):
        overflow = ["99999999999999999999G", "17179869184G", "17179869200G",
                    "18014398509481985M", "18446744073709551616", "9223372036854775808"]
        malformed = ["1e30", "-1G", "-1", "1.5G", " 5G", "5GB", ""]
        for n, value in enumerate(overflow + malformed):
            case = os.path.join(self.tmp.name, f"case-{n}")
            out = run([VIGIL, "scan", "--quiet", "--case", case, "--max-memory", value,
                       self.folder])
            self.one_fatal_line(out, "--max-memory",
                                "too large" if value in overflow else "not a size")
            self.assertFalse(os.path.exists(case), f"{value}: nothing is written")
        # The largest size that fits is accepted, and so are the ordinary ones.
        for n, value in enumerate(["8388607T", "64M", "1G"]):
            case = os.path.join(self.tmp.name, f"ok-{n}")
            out = run([VIGIL, "scan", "--quiet", "--case", case, "--max-memory", value,
                       self.folder])
            self.assertEqual(out.returncode, 0, f"{value}: {out.stderr.decode()}")

    def test_other_sizes_that_overflow_are_refused(self):
        d = self.tmp.name
        # 2^44 MiB is 2^64 bytes: once wrapped to a sorting budget of 0.
        out = run([VIGIL, "hashset", "import", os.path.join(d, "list.sha256"),
                   "--out", os.path.join(d, "set-mb"), "--memory-mb", str(1 << 44)])
        self.assertEqual(out.returncode, 2, out.stderr.decode())
        self.assertIn("--memory-mb", out.stderr.decode())
        self.assertIn("too large", out.stderr.decode())
        self.assertFalse(os.path.exists(os.path.join(d, "set-mb")))
        for value in ("99999999999999999999", "18446744073709551616", "-1"):
            out = run([VIGIL, "hash", "--max-pixels", value, self.folder])
            self.assertEqual(out.returncode, 2, f"hash --max-pixels {value}")
            self.assertIn("--max-pixels", out.stderr.decode())
            self.assertEqual(out.stdout, b"")
            out = run([VIGIL, "scan", "--quiet", "--case", os.path.join(d, "px"), "--max-pixels",
                       value, self.folder])
            self.assertEqual(out.returncode, 2, f"scan --max-pixels {value}")
            self.assertIn("--max-pixels", out.stderr.decode())

    def test_hashset_lookup_exits_as_grep_does(self):
        listed, unlisted = "ab" * 32, "cd" * 32
        near = "f0" * 16 + "0f" * 15 + "0e"  # 1 bit from the listed PDQ hash
        far = "0f" * 16 + "f0" * 16  # 256 bits away
        cases = [
            ([listed], 0), ([unlisted], 1), ([unlisted, listed], 0), ([unlisted, "ef" * 16], 1),
            (["--pdq", near], 0), (["--pdq", far], 1), ([unlisted, "--pdq", near], 0),
            (["--pdq", far, "--threshold", "128"], 1), (["--pdq", near, "--threshold", "0"], 1),
        ]
        for args, want in cases:
            out = run([VIGIL, "hashset", "lookup", self.set_dir, *args])
            self.assertEqual(out.returncode, want, f"lookup {args}: {out.stderr.decode()}")
            self.assertTrue(out.stdout, "every query gets a line")
        errors = [
            [self.set_dir, "xyz"],  # not a digest
            [self.set_dir, listed, "--pdq", "12"],  # not a PDQ hash
            [self.set_dir],  # nothing to look up
            [self.set_dir, listed, "--threshold", "129"],
            [os.path.join(self.tmp.name, "no-such-set"), listed],
        ]
        for args in errors:
            out = run([VIGIL, "hashset", "lookup", *args])
            self.assertEqual(out.returncode, 2, f"lookup {args}")
            self.assertEqual(out.stdout, b"", f"lookup {args}: nothing printed before the error")

    def scan_warnings(self, name, folder, *args):
        case = os.path.join(self.tmp.name, name)
        out = run([VIGIL, "scan", "--quiet", "--case", case, *args, folder])
        self.assertEqual(out.returncode, 1, out.stderr.decode())  # done, with item warnings
        db = sqlite3.connect(os.path.join(case, "case.sqlite"))
        warns = list(db.execute("SELECT provenance, code, message FROM warnings"))
        frames = db.execute("SELECT COUNT(*) FROM perceptual WHERE pipeline LIKE 'vpdq-frame@%'"
                            ).fetchone()[0]
        db.close()
        return warns, frames

    def test_video_frames_over_the_cap_are_refused_before_decoding(self):
        d = os.path.join(self.tmp.name, "videos")
        os.makedirs(d)
        write_avi(os.path.join(d, "small.avi"), [1] * 10 + [2] * 10)  # 96 x 64 = 6144 px
        warns, frames = self.scan_warnings("video-cap", d, "--max-pixels", "5000")
        self.assertEqual(frames, 0)
        self.assertEqual(len(warns), 1, warns)
        prov, code, msg = warns[0]
        self.assertTrue(prov.endswith("small.avi"), prov)
        self.assertEqual(code, "limit")
        self.assertIn("declares frames of 96 x 64 pixels, over the cap of 5000", msg)
        # A header that claims 4000 x 4000 frames over 16 bytes of data: refused by its header.
        os.remove(os.path.join(d, "small.avi"))
        write_declared_avi(os.path.join(d, "claims.avi"), 4000, 4000, b"\x80" * 16)
        warns, frames = self.scan_warnings("video-claim", d, "--max-pixels", "1000000")
        self.assertEqual(frames, 0)
        self.assertEqual([(w[1], w[2]) for w in warns],
                         [("limit", "video stream declares frames of 4000 x 4000 pixels, over "
                                    "the cap of 1000000: not decoded")])

    def test_hash_output_is_the_same_for_any_threads(self):
        d = os.path.join(self.tmp.name, "pictures")
        os.makedirs(os.path.join(d, "sub"))
        for i in range(12):
            write_bmp(os.path.join(d, "sub" if i % 3 else "", f"p{i:02}.bmp"), 300 + i)
        with open(os.path.join(d, "broken.bmp"), "wb") as f:
            f.write(b"BM" + b"\0" * 60)  # a BMP header with nothing behind it: a counted error
        with open(os.path.join(d, "text.txt"), "w") as f:
            f.write("not a picture\n")
        outs = {}
        for threads in ("1", "2", "5", "0"):
            out = run([VIGIL, "hash", "--dihedral", "--threads", threads, d])
            self.assertEqual(out.returncode, 1, out.stderr.decode())  # the broken picture
            outs[threads] = out.stdout
            self.assertIn(b"14 files, 12 pictures hashed", out.stderr)
        self.assertEqual(len(outs["1"].splitlines()), 15)  # header and one line per file
        for threads, stdout in outs.items():
            self.assertEqual(stdout, outs["1"], f"--threads {threads}")
        for value in ("-1", "1025", "x"):
            self.assertEqual(run([VIGIL, "hash", "--threads", value, d]).returncode, 2, value)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
