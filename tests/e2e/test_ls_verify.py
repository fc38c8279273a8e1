#!/usr/bin/env python3
"""vigil ls and vigil verify over the testdata images (issue: foundation).

- every image: vigil ls lists exactly the rows TSK's fls -r -p lists (type, deleted flag, inode,
  path, size), volume by volume;
- the E01, split E01 and split raw give the same listing as the raw disk;
- verify passes on the good E01 and fails with exit 2 on the altered and the truncated one;
- verify and ewfverify agree on every E01 in testdata (pass/fail and the damaged sector ranges),
  the damaged copies included (a byte flipped in compressed chunk data, in a zlib Adler-32 so
  that the MD5 still matches, in a chunk table and in a section header);
- bad input: one clear message and exit 2.
Usage: test_ls_verify.py VIGIL TESTDATA_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))


def td(name):
    return os.path.join(TESTDATA, name)


def listing_without_root(image):
    """Volumes and entries with the evidence name cut from provenance, for cross-format checks."""
    rows = []
    for obj in e2e.ls_json(VIGIL, td(image)):
        if obj["type"] == "evidence":
            continue
        obj = dict(obj)
        if "provenance" in obj:
            obj["provenance"] = obj["provenance"].split(" > ", 1)[-1]
        rows.append(obj)
    return rows


class LsMatchesFls(unittest.TestCase):
    def test_every_image(self):
        for image in ["fat32.raw", "ntfs.raw", "ext4.raw", "exfat.raw", "iso9660.iso", "gpt.raw",
                      "mbr.raw"]:
            with self.subTest(image=image):
                out = e2e.run([sys.executable, os.path.join(HERE, "compare_ls_fls.py"), VIGIL,
                               td(image)])
                self.assertEqual(out.returncode, 0, out.stdout.decode() + out.stderr.decode())

    def test_containers_list_like_raw(self):
        raw = listing_without_root("gpt.raw")
        self.assertGreater(len([r for r in raw if r["type"] == "entry"]), 150)
        for image in ["gpt.E01", "gpt_split.raw.001"]:
            with self.subTest(image=image):
                self.assertEqual(listing_without_root(image), raw)
        # fls itself on the E01 agrees too.
        out = e2e.run([sys.executable, os.path.join(HERE, "compare_ls_fls.py"), VIGIL,
                       td("gpt.E01")])
        self.assertEqual(out.returncode, 0, out.stdout.decode())

    def test_entry_details(self):
        rows = [r for r in e2e.ls_json(VIGIL, td("ntfs.raw")) if r["type"] == "entry"]
        ads = [r for r in rows if r["ads"]]
        self.assertTrue(any(r["path"].endswith("notes.txt:hidden.jpg") for r in ads), ads)
        deleted = [r for r in rows if r["deleted"] and not r["orphan"]]
        self.assertGreaterEqual(len(deleted), 5)
        timed = [r for r in rows if "modified" in r]
        self.assertTrue(all(r["modified"]["precision"] == "100ns" for r in timed))
        fat = [r for r in e2e.ls_json(VIGIL, td("fat32.raw")) if r["type"] == "entry"]
        self.assertTrue(any(r.get("modified", {}).get("precision") == "2s" for r in fat))
        ext = [r for r in e2e.ls_json(VIGIL, td("ext4.raw")) if r["type"] == "entry"]
        newline = [r for r in ext if "\n" in r["path"]]
        self.assertEqual(len(newline), 1, "the ext4 name with a newline is kept exactly")
        self.assertTrue(all(r["modified"]["precision"] == "1ns" for r in ext if "modified" in r))

    def test_table_output_escapes_control_characters(self):
        out = e2e.run([VIGIL, "ls", td("ext4.raw")])
        self.assertEqual(out.returncode, 0)
        self.assertIn(b"new\\x0aline.jpg", out.stdout)


class Verify(unittest.TestCase):
    def test_good_e01(self):
        out = e2e.run([VIGIL, "verify", "--quiet", td("gpt.E01")])
        self.assertEqual(out.returncode, 0, out.stdout.decode() + out.stderr.decode())
        media = e2e.manifest(TESTDATA)["media"][0]
        self.assertIn(media[1].encode(), out.stdout)  # stored MD5 printed
        self.assertIn(media[2].encode(), out.stdout)  # stored SHA-1 printed
        self.assertIn(b"verified", out.stdout)

    def test_altered_and_truncated_e01_fail(self):
        for image in ["gpt_corrupt.E01", "gpt_truncated.E01"]:
            with self.subTest(image=image):
                out = e2e.run([VIGIL, "verify", "--quiet", td(image)])
                self.assertEqual(out.returncode, 2, out.stdout.decode() + out.stderr.decode())
                err = out.stderr.decode().strip().splitlines()
                self.assertEqual(len(err), 1, err)
                self.assertIn("verification failed", err[0])

    def test_raw_with_expect(self):
        sha = [r for r in e2e.manifest(TESTDATA)["image"] if r[0] == "gpt.raw"][0][2]
        ok = e2e.run([VIGIL, "verify", "-q", "--expect", "sha256:" + sha, td("gpt.raw")])
        self.assertEqual(ok.returncode, 0, ok.stderr.decode())
        split = e2e.run([VIGIL, "verify", "-q", "--expect", "sha256:" + sha,
                         td("gpt_split.raw.001")])
        self.assertEqual(split.returncode, 0, split.stderr.decode())
        bad = e2e.run([VIGIL, "verify", "-q", "--expect", "sha256:" + "0" * 64, td("gpt.raw")])
        self.assertEqual(bad.returncode, 2)
        self.assertIn(b"sha256 mismatch", bad.stderr)
        none = e2e.run([VIGIL, "verify", "-q", td("gpt.raw")])
        self.assertEqual(none.returncode, 2)
        self.assertIn(b"no hash to verify against", none.stderr)


def ewfverify(image):
    """(passed, [(first, last) sector ranges], calculated MD5) as ewfverify reports them."""
    tool = shutil.which("ewfverify")
    if tool is None:
        raise AssertionError("ewfverify not found: install Debian package ewf-tools")
    out = e2e.run([tool, "-q", td(image)])
    text = out.stdout.decode(errors="replace") + out.stderr.decode(errors="replace")
    passed = "ewfverify: SUCCESS" in text
    if not passed and "ewfverify: FAILURE" not in text:
        raise AssertionError("ewfverify printed neither SUCCESS nor FAILURE:\n" + text)
    ranges = [(int(a), int(b)) for a, b in re.findall(r"at sector\(s\): (\d+) - (\d+)", text)]
    md5 = re.search(r"MD5 hash calculated over data:\s+([0-9a-f]{32})", text)
    return passed, ranges, md5.group(1) if md5 else None


def vigil_verify(image):
    """(exit code, [(first, last)] damaged ranges, stdout, stderr) of vigil verify."""
    out = e2e.run([VIGIL, "verify", "--quiet", td(image)])
    stdout, stderr = out.stdout.decode(errors="replace"), out.stderr.decode(errors="replace")
    ranges = []
    failed = re.search(r"^result:\s+FAILED: (\d+) chunks? with checksum errors, sectors "
                       r"([0-9, -]+?)(;|$)", stdout, re.M)
    if failed:
        for first, last in re.findall(r"(\d+)-(\d+)", failed.group(2)):
            ranges.append((int(first), int(last)))
    return out.returncode, ranges, stdout, stderr


class VerifyAgreesWithEwfverify(unittest.TestCase):
    """Issue 10, point 1: a damaged E01 never says "verified"; vigil and ewfverify agree."""

    def images(self):
        rows = e2e.manifest(TESTDATA)["ewfverify"]
        names = [r[0] for r in rows]
        for needed in ["gpt.E01", "gpt_corrupt.E01", "gpt_truncated.E01", "gpt_adler.E01",
                       "gpt_table.E01", "gpt_section.E01"]:
            self.assertIn(needed, names)
        return rows

    def test_same_verdict_and_ranges_on_every_e01(self):
        for image, expected in self.images():
            with self.subTest(image=image):
                passed, theirs, _ = ewfverify(image)
                self.assertEqual(passed, expected == "pass", "ewfverify's verdict changed")
                rc, ours, stdout, stderr = vigil_verify(image)
                self.assertEqual(rc, 0 if passed else 2, stdout + stderr)
                self.assertEqual(ours, theirs, stdout)
                if passed:
                    self.assertIn("result:    verified", stdout)
                    continue
                self.assertGreater(len(theirs), 0, "a damaged image names its sectors")
                self.assertNotIn("verified\n", stdout.replace("NOT VERIFIED", ""))
                chunks = sum(b // 64 - a // 64 + 1 for a, b in theirs)  # 64 sectors a chunk
                self.assertRegex(stdout, r"result:\s+FAILED: %d chunks? with checksum errors, "
                                 r"sectors " % chunks)
                err = stderr.strip().splitlines()
                self.assertEqual(len(err), 1, err)
                self.assertIn("FAILED: %d chunk" % chunks, err[0])

    def test_damaged_chunk_fails_even_when_the_md5_matches(self):
        # gpt_adler: the chunk still inflates to the right bytes (ewfverify's MD5 equals the
        # stored one) but fails its own check; only a chunk check can see it.
        stored = e2e.manifest(TESTDATA)["media"][0][1]
        passed, ranges, md5 = ewfverify("gpt_adler.E01")
        self.assertFalse(passed)
        self.assertEqual(md5, stored)
        rc, ours, stdout, _ = vigil_verify("gpt_adler.E01")
        self.assertEqual(rc, 2, stdout)
        self.assertEqual(ours, ranges)
        self.assertEqual(ours, [(133120, 133183)])


class BadInput(unittest.TestCase):
    def assert_fatal(self, args, needle):
        out = e2e.run([VIGIL] + args)
        self.assertEqual(out.returncode, 2, out.stderr.decode())
        err = out.stderr.decode().strip().splitlines()
        self.assertEqual(len(err), 1, err)
        self.assertIn(needle, err[0])

    def test_missing_file(self):
        self.assert_fatal(["ls", "/nonexistent/disk.E01"], "/nonexistent/disk.E01")

    def test_not_an_image(self):
        with tempfile.NamedTemporaryFile(suffix=".raw") as f:
            f.write(os.urandom(1 << 20))
            f.flush()
            self.assert_fatal(["ls", f.name], "no partition table")

    def test_missing_e01_segment(self):
        with tempfile.TemporaryDirectory() as d:
            for ext in ("E01", "E03"):  # E02 is missing
                os.symlink(td("gpt." + ext), os.path.join(d, "gpt." + ext))
            self.assert_fatal(["ls", os.path.join(d, "gpt.E01")], "gpt.E01")

    def test_damaged_partition_is_a_warning(self):
        with tempfile.TemporaryDirectory() as d:
            copy = os.path.join(d, "gpt.raw")
            with open(td("gpt.raw"), "rb") as src, open(copy, "wb") as dst:
                data = bytearray(src.read())
                # Wipe the NTFS boot sector (partition 2 starts at sector 83968).
                start = 83968 * 512
                data[start:start + 512] = bytes(512)
                dst.write(data)
            before = os.stat(copy).st_mtime_ns
            out = e2e.run([VIGIL, "ls", copy])
            self.assertEqual(out.returncode, 1, out.stderr.decode())
            self.assertIn(b"warning: no file system could be opened", out.stderr)
            self.assertIn(b"/DCIM", out.stdout)  # the other partitions are still listed
            self.assertEqual(os.stat(copy).st_mtime_ns, before, "evidence is never written")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
