#!/usr/bin/env python3
"""Compares `vigil ls --json` with TSK's own `fls -r -p -l` on every file-system volume.

Each row is reduced to (type, deleted, inode, path, size); the two multisets must be equal.
fls prints names through tsk_print_sanitized (control characters become '^'), so vigil's raw
names are sanitized the same way before comparing. Usage: compare_ls_fls.py VIGIL IMAGE [FLS_IMAGE...]
(FLS_IMAGE: the files to give fls, default IMAGE).
"""
import base64
import collections
import json
import subprocess
import sys


def sanitize(raw: bytes) -> bytes:
    return bytes(b if b >= 0x20 else ord('^') for b in raw)


def text_field(obj, key) -> bytes:
    if key + "_b64" in obj:
        return base64.b64decode(obj[key + "_b64"])
    return obj[key].encode("utf-8")


def vigil_rows(vigil, image):
    out = subprocess.run([vigil, "ls", "--json", image], capture_output=True, check=False)
    if out.returncode not in (0, 1):
        sys.exit(f"vigil ls failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    volumes, rows = [], collections.defaultdict(collections.Counter)
    for line in out.stdout.splitlines():
        obj = json.loads(line)
        if obj["type"] == "volume" and obj["kind"] == "filesystem":
            volumes.append(obj)
        elif obj["type"] == "entry":
            # fls prints the path relative to the root, without the leading '/'.
            path = sanitize(text_field(obj, "path"))[1:]
            key = (obj["name_type"] + "/" + obj["meta_type"], obj["deleted"], obj["inode_str"],
                   path, obj["size"])
            rows[obj["volume"]][key] += 1
    return volumes, rows


def fls_rows(fls_images, sector_offset):
    cmd = ["fls", "-r", "-p", "-l", "-o", str(sector_offset)] + fls_images
    out = subprocess.run(cmd, capture_output=True, check=True)
    rows = collections.Counter()
    for line in out.stdout.split(b"\n"):
        if not line:
            continue
        head, rest = line.split(b":\t", 1)
        fields = rest.split(b"\t")
        path, size = fields[0], int(fields[5])
        parts = head.decode().split(" ")
        kind, deleted = parts[0], parts[1] == "*"
        inode = parts[-1].replace("(realloc)", "")
        rows[(kind, deleted, inode, path, size)] += 1
    return rows


def main():
    vigil, image = sys.argv[1], sys.argv[2]
    fls_images = sys.argv[3:] or [image]
    volumes, ours = vigil_rows(vigil, image)
    if not volumes:
        sys.exit(f"{image}: vigil found no file-system volume")
    failed = False
    for vol in volumes:
        theirs = fls_rows(fls_images, vol["offset"] // 512)
        mine = ours[vol["index"]]
        if mine != theirs:
            failed = True
            print(f"{image} volume {vol['index']} ({vol['fs_type']} at {vol['offset']}): differs")
            for k in sorted((mine - theirs).keys())[:20]:
                print("  only vigil:", k)
            for k in sorted((theirs - mine).keys())[:20]:
                print("  only fls:  ", k)
        else:
            print(f"{image} volume {vol['index']} ({vol['fs_type']}): {sum(mine.values())} rows equal")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
