"""Shared helpers for vigil's end-to-end tests (run by CTest with the testdata fixture)."""
import base64
import json
import os
import sqlite3
import subprocess


def preload_env(base, shim, **extra):
    """`base` with `shim` preloaded. An AddressSanitizer build wants its runtime first in the
    library list and aborts otherwise; the shim must come first, so that check is turned off."""
    env = dict(base, LD_PRELOAD=shim, **extra)
    env["ASAN_OPTIONS"] = "verify_asan_link_order=0:" + base.get("ASAN_OPTIONS", "")
    return env


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, **kw)


def text_field(obj, key):
    if key + "_b64" in obj:
        return base64.b64decode(obj[key + "_b64"])
    return obj[key].encode("utf-8")


def ls_json(vigil, image):
    out = run([vigil, "ls", "--json", image])
    assert out.returncode in (0, 1), out.stderr.decode(errors="replace")
    return [json.loads(line) for line in out.stdout.splitlines()]


def manifest(testdata):
    """MANIFEST rows by kind: {'entry': [[fs_image, keep|del, type, size, sha256, path]], ...}."""
    rows = {}
    with open(os.path.join(testdata, "MANIFEST"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            rows.setdefault(parts[0], []).append(parts[1:])
    return rows


def items(case_dir, where="1=1"):
    db = sqlite3.connect(os.path.join(case_dir, "case.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(f"SELECT * FROM items WHERE {where} ORDER BY id")]
    finally:
        db.close()
