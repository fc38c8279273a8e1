#!/usr/bin/env python3
"""vigil demo ends with a verified report (issue 10, point 3): the scan verifies the E01 it
builds (stored MD5/SHA-1 and every chunk's checksum), and the report says so.
Usage: test_demo.py VIGIL
"""
import html
import os
import re
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL = sys.argv[1]


class Demo(unittest.TestCase):
    def test_demo_report_is_verified(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "demo")
            r = e2e.run([VIGIL, "demo", "--out", out])
            self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace")[-3000:])
            db = sqlite3.connect(os.path.join(out, "case", "case.sqlite"))
            verification = db.execute("SELECT verification FROM evidence").fetchone()[0]
            self.assertEqual(verification, "verified")
            chunk_check = db.execute("SELECT chunk_check FROM evidence").fetchone()[0]
            db.close()
            self.assertIn('"damaged_chunks":0', chunk_check)
            with open(os.path.join(out, "report", "report.html"), encoding="utf-8") as f:
                text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", f.read())))
            self.assertNotIn("NOT VERIFIED", text)
            self.assertIn("Result verified", text)
            self.assertIn("every chunk passed its checksum", text)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
