#!/usr/bin/env bash
# Builds the carving test data (issue 14) into OUTDIR, rootless and deterministically: synthetic
# pictures (drawn by vigil_testpix) left where only carving finds them.
#
#   testdata/make_carve_images.sh OUTDIR [VIGIL_TESTPIX]   (or VIGIL_TESTPIX=... in the environment)
#
# Outputs (OUTDIR/):
#   carve_disk.raw   32 MiB MBR disk. Partition 1 (sector 2048, 16 MiB) is FAT16 with 4 KiB
#                    clusters, quick-formatted (mformat again) after pictures and decoys were
#                    copied in: their clusters are unallocated, no directory entry names them.
#                    Sectors after the partition (17 MiB on) are covered by no partition and hold
#                    pictures written straight into them: one at an odd offset, one after 1,573
#                    random bytes, a GIF and a WebP, and a JPEG split in two 4 KiB-aligned
#                    fragments by 8 KiB of random bytes.
#   carve_slack.raw  16 MiB FAT16 with 32 KiB clusters: a file holding text and a small JPEG was
#                    deleted and a shorter file written: it reuses the cluster, and the JPEG is
#                    left in the new file's slack only.
#   carve_deleted.raw 16 MiB FAT16 with 4 KiB clusters: two JPEGs deleted (mdel) whose directory
#                    entries survive: DELETED.JPG is exactly a picture (carving finds the listed
#                    deleted file again: not stored twice), PADDED.JPG a picture with 3,000 bytes
#                    of text after its end (the carve is shorter than the file: kept).
#   carve_nofs.raw   4 MiB of random bytes (no partition table, no file system) holding a BMP,
#                    a JPEG and a PNG at odd offsets.
#   carve.sha256     a synthetic known list (sha256sum format) of the planted pictures.
#   carve.MANIFEST   TAB-separated: picture NAME ROLE IMAGE SIZE SHA256 RANGES, RANGES being
#                    OFFSET+LENGTH[,OFFSET+LENGTH] in bytes of the image (two for the split JPEG);
#                    image NAME SIZE SHA256.
# Every clock, serial, order and "random" byte is fixed: two runs give byte-identical files.
set -euo pipefail

readonly kEpoch=1709294400                      # 2024-03-01 12:00:00 UTC, testdata's one clock
readonly kFakeTime="2024-03-01 12:00:00"

die() { echo "testdata/make_carve_images.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: make_carve_images.sh OUTDIR [VIGIL_TESTPIX]"
OUT="$1"
TESTPIX="${2:-${VIGIL_TESTPIX:-}}"
[ -n "$TESTPIX" ] || die "give the vigil_testpix binary as second argument or in VIGIL_TESTPIX"
[ -x "$TESTPIX" ] || die "vigil_testpix not executable: $TESTPIX"

check_tool() {
  command -v "$1" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1 ||
    die "missing tool '$1' (Debian package $2; run scripts/install-deps.sh)"
}
export PATH="$PATH:/usr/sbin:/sbin"
check_tool python3 python3;  check_tool mformat mtools;   check_tool mcopy mtools
check_tool mdel mtools;      check_tool sfdisk fdisk;     check_tool faketime faketime
check_tool sha256sum coreutils; check_tool truncate coreutils

export TZ=UTC LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=$kEpoch MTOOLS_SKIP_CHECK=1
umask 022
frozen() { faketime -f "$kFakeTime" "$@"; }

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$OUT/.carve-work"
rm -rf "$WORK" "$OUT"/carve_disk.raw "$OUT"/carve_slack.raw "$OUT"/carve_nofs.raw \
  "$OUT"/carve_deleted.raw \
  "$OUT"/carve.sha256 "$OUT"/carve.MANIFEST
mkdir -p "$WORK/pix"

# Pictures: SEED SIZE SCENE NAME. Seeds 301+ are used nowhere else in testdata.
read -r -d '' PICTURES <<'EOF' || true
301 640x480 landscape unalloc.jpg
302 320x240 geometric unalloc.png
303 160x120 seascape slack.jpg
304 320x240 city unpartitioned.jpg
305 640x480 landscape fragmented.jpg
306 320x240 texture unpartitioned.gif
307 200x150 poster nofs.bmp
308 320x240 seascape unpartitioned.webp
309 320x240 geometric badcrc.png
310 320x240 seascape appended.jpg
311 480x360 city nofs.jpg
312 160x120 texture nofs.png
313 320x240 landscape deleted.jpg
314 320x240 city padded.jpg
EOF
while read -r seed size scene name; do
  "$TESTPIX" one "$WORK/pix/$name" --seed "$seed" --size "$size" --scene "$scene"
done <<<"$PICTURES"

# Decoys: a text file that starts with a JPEG SOI and APP0 marker, and a PNG whose first IDAT
# has one data byte changed (its CRC-32 no longer holds).
python3 - "$WORK/pix" <<'PY'
import struct, sys
d = sys.argv[1]
with open(f"{d}/decoy_ffd8.jpg", "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + b"not a picture: a text file that starts like a JPEG.\n" * 80)
png = bytearray(open(f"{d}/badcrc.png", "rb").read())
p = 8
while p + 8 <= len(png):
    n, kind = struct.unpack(">I4s", png[p:p + 8])
    if kind == b"IDAT":
        png[p + 8 + n // 2] ^= 0x55
        break
    p += 12 + n
open(f"{d}/badcrc.png", "wb").write(png)
PY

# --- carve_disk.raw -----------------------------------------------------------------------------
FAT="$WORK/fat16.img"
truncate -s 16M "$FAT"
# FAT16 (not -F): 16 MiB with 4 KiB clusters.
frozen mformat -i "$FAT" -c 8 -N 14140001 -v CARVED -h 64 -s 32 -H 2048 ::
python3 -c "import sys; sys.stdout.buffer.write(b'first file, 4 KiB\n' * 227)" >"$WORK/first.txt"
for f in first.txt; do frozen mcopy -i "$FAT" -m "$WORK/$f" ::/FIRST.TXT; done
frozen mcopy -i "$FAT" -m "$WORK/pix/unalloc.jpg" ::/UNALLOC.JPG
frozen mcopy -i "$FAT" -m "$WORK/pix/unalloc.png" ::/UNALLOC.PNG
frozen mcopy -i "$FAT" -m "$WORK/pix/decoy_ffd8.jpg" ::/DECOY.JPG
frozen mcopy -i "$FAT" -m "$WORK/pix/badcrc.png" ::/BADCRC.PNG
# Quick format: a new boot sector, empty FATs and root directory; the data area is untouched.
frozen mformat -i "$FAT" -c 8 -N 14140002 -v FORMATTED -h 64 -s 32 -H 2048 ::
python3 -c "import sys; sys.stdout.buffer.write(b'written after the format\n' * 100)" >"$WORK/after.txt"
frozen mcopy -i "$FAT" -m "$WORK/after.txt" ::/AFTER.TXT

DISK="$OUT/carve_disk.raw"
truncate -s 32M "$DISK"
printf 'label: dos\nlabel-id: 0x14140014\nunit: sectors\n\nstart=2048, size=32768, type=6\n' |
  sfdisk --no-reread --no-tell-kernel -q "$DISK" >/dev/null
dd if="$FAT" of="$DISK" bs=512 seek=2048 conv=notrunc status=none

# --- carve_slack.raw ----------------------------------------------------------------------------
SLACK="$OUT/carve_slack.raw"
truncate -s 16M "$SLACK"
frozen mformat -i "$SLACK" -c 64 -N 14140003 -v SLACK -h 64 -s 32 ::
python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
jpeg = open(f"{w}/pix/slack.jpg", "rb").read()
head = b"carrier text before the picture\n" * 187  # 5,984 bytes
tail = b"\n" * 16
assert len(head) + len(jpeg) + len(tail) < 32768
open(f"{w}/carrier.bin", "wb").write(head + jpeg + tail)
open(f"{w}/note.txt", "wb").write(b"a short note that reuses the cluster\n" * 40)  # 1,480 bytes
PY
frozen mcopy -i "$SLACK" -m "$WORK/carrier.bin" ::/CARRIER.BIN
frozen mdel -i "$SLACK" ::/CARRIER.BIN
frozen mcopy -i "$SLACK" -m "$WORK/note.txt" ::/NOTE.TXT

# --- carve_deleted.raw: deleted files whose entries survive --------------------------------------
DELETED="$OUT/carve_deleted.raw"
truncate -s 16M "$DELETED"
frozen mformat -i "$DELETED" -c 8 -N 14140004 -v DELETED -h 64 -s 32 ::
python3 -c "import sys; sys.stdout.buffer.write(b'kept file\n' * 300)" >"$WORK/keep.txt"
cat "$WORK/pix/padded.jpg" >"$WORK/padded.bin"
python3 -c "import sys; sys.stdout.buffer.write(b'trailing text after the picture\n' * 93 + b'end.')" \
  >>"$WORK/padded.bin"  # 3,000 bytes
frozen mcopy -i "$DELETED" -m "$WORK/keep.txt" ::/KEEP.TXT
frozen mcopy -i "$DELETED" -m "$WORK/pix/deleted.jpg" ::/DELETED.JPG
frozen mcopy -i "$DELETED" -m "$WORK/padded.bin" ::/PADDED.JPG
frozen mdel -i "$DELETED" ::/DELETED.JPG
frozen mdel -i "$DELETED" ::/PADDED.JPG

# --- pictures straight into the disk's unpartitioned space, and the image with no file system --
python3 - "$WORK" "$OUT" <<'PY'
import hashlib, random, sys
w, out = sys.argv[1], sys.argv[2]
pix = lambda n: open(f"{w}/pix/{n}", "rb").read()
rng = random.Random(14)
rand = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
MiB = 1 << 20
planted = []  # (name, role, image, [(offset, length), ...])

def put(img, off, data):
    img[off:off + len(data)] = data

disk = bytearray(open(f"{out}/carve_disk.raw", "rb").read())
# 1. at an odd offset (not on a sector start)
put(disk, 17 * MiB + 12345, pix("unpartitioned.jpg"))
planted.append(("unpartitioned.jpg", "unpartitioned", "carve_disk.raw",
                [(17 * MiB + 12345, len(pix("unpartitioned.jpg")))]))
# 2. a JPEG appended to 1,573 random bytes
junk = rand(1573)
put(disk, 18 * MiB, junk + pix("appended.jpg"))
planted.append(("appended.jpg", "appended", "carve_disk.raw",
                [(18 * MiB + 1573, len(pix("appended.jpg")))]))
# 3. a JPEG in two 4 KiB-aligned fragments with 8 KiB of random bytes between them
frag = pix("fragmented.jpg")
a, cut, gap = 20 * MiB, 16384, 8192
put(disk, a, frag[:cut])
put(disk, a + cut, rand(gap))
put(disk, a + cut + gap, frag[cut:])
planted.append(("fragmented.jpg", "fragmented", "carve_disk.raw",
                [(a, cut), (a + cut + gap, len(frag) - cut)]))
# 4. a GIF and a WebP, not sector-aligned either
put(disk, 21 * MiB + 3, pix("unpartitioned.gif"))
planted.append(("unpartitioned.gif", "unpartitioned", "carve_disk.raw",
                [(21 * MiB + 3, len(pix("unpartitioned.gif")))]))
put(disk, 22 * MiB + 101, pix("unpartitioned.webp"))
planted.append(("unpartitioned.webp", "unpartitioned", "carve_disk.raw",
                [(22 * MiB + 101, len(pix("unpartitioned.webp")))]))
open(f"{out}/carve_disk.raw", "wb").write(disk)

# Pictures left in the quick-formatted file system and in slack: found where they lie.
for name, role, image in [("unalloc.jpg", "unalloc", "carve_disk.raw"),
                          ("unalloc.png", "unalloc", "carve_disk.raw"),
                          ("slack.jpg", "slack", "carve_slack.raw"),
                          ("deleted.jpg", "deleted", "carve_deleted.raw"),
                          ("padded.jpg", "padded", "carve_deleted.raw")]:
    data = open(f"{out}/{image}", "rb").read()
    p = pix(name)
    at = data.find(p)
    assert at >= 0 and data.find(p, at + 1) < 0, name
    planted.append((name, role, image, [(at, len(p))]))
for name in ("decoy_ffd8.jpg", "badcrc.png"):
    data = open(f"{out}/carve_disk.raw", "rb").read()
    at = data.find(pix(name))
    assert at >= 0, name
    planted.append((name, "decoy", "carve_disk.raw", [(at, len(pix(name)))]))

# No file system: random bytes with three pictures at odd offsets.
nofs = bytearray(rand(4 * MiB))
nofs[510:512] = b"\0\0"  # never a boot-sector signature by chance
for name, off in (("nofs.bmp", 4096 + 7), ("nofs.jpg", MiB + 333), ("nofs.png", 2 * MiB + 1)):
    put(nofs, off, pix(name))
    planted.append((name, "nofs", "carve_nofs.raw", [(off, len(pix(name)))]))
open(f"{out}/carve_nofs.raw", "wb").write(nofs)

with open(f"{out}/carve.sha256", "w") as known, open(f"{out}/carve.MANIFEST", "w") as m:
    m.write("# vigil carving testdata, written by testdata/make_carve_images.sh\n")
    m.write("# picture NAME ROLE IMAGE SIZE SHA256 RANGES (OFFSET+LENGTH, comma-separated)\n")
    m.write("# image NAME SIZE SHA256\n")
    for name, role, image, ranges in planted:
        p = pix(name)
        sha = hashlib.sha256(p).hexdigest()
        rs = ",".join(f"{o}+{n}" for o, n in ranges)
        m.write(f"picture\t{name}\t{role}\t{image}\t{len(p)}\t{sha}\t{rs}\n")
        if role != "decoy":
            known.write(f"{sha}  {name}\n")
    for image in ("carve_disk.raw", "carve_slack.raw", "carve_nofs.raw", "carve_deleted.raw"):
        data = open(f"{out}/{image}", "rb").read()
        m.write(f"image\t{image}\t{len(data)}\t{hashlib.sha256(data).hexdigest()}\n")
PY
rm -rf "$WORK"
echo "carve testdata: $(grep -c '^picture' "$OUT/carve.MANIFEST") pictures in 3 images in $OUT"
