#!/usr/bin/env bash
# Builds the hostile corpus into OUTDIR, rootless and deterministically (issue 15):
#
#   testdata/make_hostile.sh OUTDIR
#
#   hostile.ext4       ext4 (mkfs.ext4 -d, then debugfs) holding, under /h:
#     names/           names with HTML/JS, CSV formulas, control characters, invalid UTF-8
#     long/            a file whose path is 4,000 bytes (16 folders of 248-byte names)
#     sparse.bin       a sparse file of 2^31 + 4096 bytes (one 4 KiB block of data at its end)
#     huge.png         a PNG whose header declares 100,000 x 100,000 pixels (61 bytes)
#     bomb.zip         a zip bomb: one entry of 512 MiB of zeros in about 512 KiB
#     loop/a/b/up      a directory entry that points back to /h/loop (written by debugfs: a
#                      directory loop that no mkfs tree can hold)
#   hostile_wide/      a folder (folder evidence) of 100,000 empty files. Not an ext4 image:
#                      libext2fs adds each name by scanning the folder's blocks from the start,
#                      so mkfs.ext4 -d and debugfs take minutes for one folder this wide.
#
# testdata/README.md says what vigil does with each (docs/VALIDATION.md, "Hostile input").
# Every clock, UUID and hash seed is fixed, so two runs give byte-identical images; build.sh
# records their SHA-256 in MANIFEST (image rows) and calls this script.
set -euo pipefail

readonly kEpoch=1709294400
die() { echo "testdata/make_hostile.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: make_hostile.sh OUTDIR"
export PATH="$PATH:/usr/sbin:/sbin" TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=$kEpoch
for t in mkfs.ext4:e2fsprogs debugfs:e2fsprogs python3:python3 truncate:coreutils; do
  command -v "${t%%:*}" >/dev/null 2>&1 || die "missing tool '${t%%:*}' (Debian package ${t#*:})"
done
umask 022
OUT="$(cd "$1" && pwd)"
WORK="$OUT/.hostile-work"
rm -rf "$WORK" "$OUT/hostile.ext4" "$OUT/hostile_wide"
mkdir -p "$WORK/stage/h" "$OUT/hostile_wide"

# 1. Files, written by Python (exact bytes in names; zlib for the bomb; PNG CRCs).
python3 - "$WORK/stage/h" "$OUT/hostile_wide" <<'PY'
import os, struct, sys, zlib
root, wide = sys.argv[1].encode(), sys.argv[2].encode()

def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

names = [
    b"<script>alert('names').txt",
    b"\"><svg onload=alert(1)>.txt",
    b"<!-- --><b>bold&amp;.txt",
    b"=HYPERLINK(\"http:\\\\x\",\"y\").csv",
    b"+SUM(1+1).txt",
    b"-2+3.txt",
    b"@SUM(A1).txt",
    b"tab\there.txt",
    b"cr\rhere.txt",
    b"esc\x1b[31mred.txt",
    b"bell\x07del\x7f.txt",
    b"c1\xc2\x85next-line.txt",          # U+0085, a C1 control, valid UTF-8
    b"bidi\xe2\x80\xaetxt.exe",          # U+202E right-to-left override
    b"invalid\xff\xfe.txt",
    b"lone\xc3.txt",
    b"overlong\xc0\xaf.txt",
    b"surrogate\xed\xa0\x80.txt",
]
for i, n in enumerate(names):
    put(os.path.join(root, b"names", n), b"hostile name %d\n" % i)

# 4,000 bytes of path: "/h/long" and 16 folders of 248-byte names, then "/leaf.txt". Made one
# folder at a time with dir_fd, since the staging path is longer than PATH_MAX (4,096).
fd = os.open(root, os.O_RDONLY)
for name in (b"long",) + tuple((b"%02d" % i) + b"d" * 246 for i in range(16)):
    os.mkdir(name, dir_fd=fd)
    sub = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = sub
leaf = os.open(b"leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(leaf, b"at the end of a 4,000-byte path\n")
os.close(leaf)
os.close(fd)

# Sparse: 2^31 + 4096 bytes, one block of data at the end.
with open(os.path.join(root, b"sparse.bin"), "wb") as f:
    f.seek((1 << 31))
    f.write(b"end of the sparse file\n".ljust(4096, b"."))

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
put(os.path.join(root, b"huge.png"),
    b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) +
    chunk(b"IEND", b""))

# Zip bomb: 512 MiB of zeros deflated (about 1 MiB), written by hand so that the clock is fixed.
size = 1 << 29
c = zlib.compressobj(9, zlib.DEFLATED, -15)
crc, parts, block = 0, [], b"\0" * (1 << 20)
for _ in range(size >> 20):
    crc = zlib.crc32(block, crc)
    parts.append(c.compress(block))
parts.append(c.flush())
data = b"".join(parts)
name = b"zeros.bin"
dos_time, dos_date = (12 << 11), ((2024 - 1980) << 9) | (3 << 5) | 1
local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, crc, len(data),
                    size, len(name), 0) + name
central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, dos_time, dos_date, crc,
                      len(data), size, len(name), 0, 0, 0, 0, 0, 0) + name
end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
put(os.path.join(root, b"bomb.zip"), local + data + central + end)

os.makedirs(os.path.join(root, b"loop", b"a", b"b"))

# 100,000 empty files in one folder.
for i in range(100000):
    open(os.path.join(wide, b"f%06d" % i), "wb").close()
PY

find "$WORK/stage" "$OUT/hostile_wide" -depth -exec touch -h -d "@$kEpoch" {} +

# 2. The image. mkfs.ext4 -d keeps the sparse file's holes; debugfs adds the loop and pins the
# change times that mkfs copies from the staging tree.
mk() {  # image size inodes uuid-suffix stage
  truncate -s "$2" "$1"
  E2FSPROGS_FAKE_TIME=$kEpoch mkfs.ext4 -q -F -t ext4 -b 4096 -N "$3" -m 0 -L VIGIL_HOSTILE \
    -U "5eed0e40-0000-4000-8000-000000$4" \
    -E hash_seed=5eed0e40-2222-4222-8222-222222222222,root_owner=0:0,lazy_itable_init=0 \
    -d "$5" "$1"
}
mk "$OUT/hostile.ext4" 48M 512 "0bad01" "$WORK/stage"
# ln makes a second name for a folder's inode (no mkfs tree can hold one): /h/loop/a/b/up is the
# folder /h/loop itself, so a walk that follows it never ends. The link count is left as it is.
{
  echo 'ln /h/loop /h/loop/a/b/up'
  used=$(( $(find "$WORK/stage" -mindepth 1 -printf . | wc -c) + 11 ))
  for ino in 2 $(seq 11 "$used"); do printf 'sif <%d> ctime @%d\n' "$ino" "$kEpoch"; done
} >"$WORK/hostile.cmds"
E2FSPROGS_FAKE_TIME=$kEpoch debugfs -w -f "$WORK/hostile.cmds" "$OUT/hostile.ext4" \
  >/dev/null 2>"$WORK/debugfs.err"
if grep -v '^debugfs ' "$WORK/debugfs.err" | grep -q .; then
  cat "$WORK/debugfs.err" >&2; die "debugfs reported errors on hostile.ext4"
fi
rm -rf "$WORK"
