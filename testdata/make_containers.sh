#!/usr/bin/env bash
# Builds the container test data of the archive extractor (issue 12) into OUTDIR, rootless and
# deterministically: synthetic pictures (drawn by vigil_testpix) inside ZIP, 7z, tar.gz/bz2/xz and
# gzip files, nested and renamed, one encrypted; archives that test the dispatcher's limits; and
# a FAT16 image, containers.raw, that holds them all under /Archive.
#
#   testdata/make_containers.sh OUTDIR [VIGIL_TESTPIX]   (or VIGIL_TESTPIX=... in the environment)
#
# Outputs (OUTDIR/): containers/ (the loose container files), containers.raw, and
# containers.MANIFEST: the SHA-256 of every output and, for every planted picture, the chain of
# names that leads to it, its expected status (ok, encrypted, partial), size, SHA-256 and MD5.
# Every clock, order and "random" byte is fixed: two runs give byte-identical files.
set -euo pipefail

readonly kEpoch=1709294400                      # 2024-03-01 12:00:00 UTC, testdata's one clock
readonly kFakeTime="2024-03-01 12:00:00"
readonly kPassword="vigil-secret"
readonly kScriptDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "testdata/make_containers.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: make_containers.sh OUTDIR [VIGIL_TESTPIX]"
OUT="$1"
TESTPIX="${2:-${VIGIL_TESTPIX:-}}"
[ -n "$TESTPIX" ] || die "give the vigil_testpix binary as second argument or in VIGIL_TESTPIX"
[ -x "$TESTPIX" ] || die "vigil_testpix not executable: $TESTPIX"

check_tool() {
  command -v "$1" >/dev/null 2>&1 || die "missing tool '$1' (Debian package $2; run scripts/install-deps.sh)"
}
check_tool zip zip;         check_tool 7z p7zip-full;     check_tool tar tar
check_tool gzip gzip;       check_tool bzip2 bzip2;       check_tool xz xz-utils
check_tool python3 python3; check_tool mformat mtools;    check_tool mcopy mtools
check_tool mmd mtools;      check_tool faketime faketime; check_tool sha256sum coreutils
check_tool md5sum coreutils; check_tool truncate coreutils

export TZ=UTC LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=$kEpoch MTOOLS_SKIP_CHECK=1
umask 022
frozen() { faketime -f "$kFakeTime" "$@"; }

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
C="$OUT/containers"
WORK="$OUT/.containers-work"
rm -rf "$C" "$WORK" "$OUT/containers.raw" "$OUT/containers.MANIFEST"
mkdir -p "$C" "$WORK/pix"

# Pictures: SEED SIZE SCENE EXT NAME. Seeds 201+ are used nowhere else in testdata.
read -r -d '' PICTURES <<'EOF' || true
201 640x480 landscape jpg IMG_0201.JPG
202 320x240 seascape jpg IMG_0202.JPG
203 320x240 geometric png IMG_0203.PNG
204 640x480 city jpg IMG_0204.JPG
205 320x240 texture png beach.png
206 480x360 poster jpg IMG_0206.JPG
207 320x240 landscape gif IMG_0207.GIF
208 320x240 seascape jpg IMG_0208.JPG
209 320x240 geometric jpg IMG_0209.JPG
210 320x240 city jpg IMG_0210.JPG
211 320x240 texture png IMG_0211.PNG
212 160x120 poster jpg IMG_0212.JPG
213 160x120 landscape jpg IMG_0213.JPG
214 320x240 seascape jpg IMG_0214.JPG
215 640x480 city jpg IMG_0215.JPG
EOF
while read -r seed size scene ext name; do
  [ -n "$seed" ] || continue
  "$TESTPIX" one "$WORK/pix/$name" --seed "$seed" --size "$size" --scene "$scene"
done <<<"$PICTURES"
pix() { echo "$WORK/pix/$1"; }

# Staging: every file gets the one clock, so archives store fixed times.
stage() {  # DIR FILE... (copied into DIR, keeping their base names)
  local d="$1"; shift
  mkdir -p "$d"
  cp "$@" "$d/"
}
pin() { find "$@" -exec touch -h -d "@$kEpoch" {} +; }
zip_() {  # OUT.zip (run inside the staging folder) NAMES...: no extra fields, no directory entries
  local out="$1"; shift
  rm -f "$out"
  zip -q -X -D -9 "$out" "$@"
}
tar_() {  # NAMES... on stdout: ustar, sorted, owners and times fixed
  tar --format=ustar -b 1 --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$kEpoch" \
    -cf - "$@"
}
sevenz() {  # OUT.7z NAMES...: modification times only, one thread (a fixed block layout)
  local out="$1"; shift
  rm -f "$out"
  7z a -bd -bso0 -bsp0 -mtm=on -mtc=off -mta=off -mmt=1 "$out" "$@" >/dev/null
}

# 1. Nested ZIPs: nested.zip > inner.zip > IMG_0201.JPG.
s="$WORK/nested"
stage "$s/in" "$(pix IMG_0201.JPG)"
printf 'The pictures are in inner.zip.\n' >"$s/readme.txt"
pin "$s"
(cd "$s/in" && zip_ ../inner.zip IMG_0201.JPG)
pin "$s/inner.zip"
(cd "$s" && zip_ "$C/nested.zip" inner.zip readme.txt)

# 2. A ZIP under a misleading extension: backup.boo.
s="$WORK/boo"
stage "$s/DCIM" "$(pix IMG_0202.JPG)" "$(pix IMG_0203.PNG)"
pin "$s"
(cd "$s" && zip_ "$C/backup.zip" DCIM/IMG_0202.JPG DCIM/IMG_0203.PNG && mv "$C/backup.zip" "$C/backup.boo")

# 3. tar.gz, tar.bz2, tar.xz.
s="$WORK/tars"
stage "$s/holiday" "$(pix IMG_0204.JPG)" "$(pix beach.png)"
stage "$s/bz" "$(pix IMG_0210.JPG)"
stage "$s/xz" "$(pix IMG_0211.PNG)"
pin "$s"
(cd "$s" && tar_ holiday | gzip -n -9 >"$C/photos.tar.gz")
(cd "$s" && tar_ bz | bzip2 -9 >"$C/photos.tar.bz2")
(cd "$s" && tar_ xz | xz -6 --check=crc64 >"$C/photos.tar.xz")

# 4. 7z.
s="$WORK/7z"
stage "$s" "$(pix IMG_0206.JPG)" "$(pix IMG_0207.GIF)"
pin "$s"
(cd "$s" && sevenz "$C/photos.7z" IMG_0206.JPG IMG_0207.GIF)

# 5. An encrypted ZIP (ZipCrypto, stored): listed with name and size, never read.
s="$WORK/enc"
stage "$s" "$(pix IMG_0208.JPG)"
python3 "$kScriptDir/make_encrypted_zip.py" "$C/secret.zip" "$kPassword" "$s/IMG_0208.JPG"

# 6. A bare gzip stream of a picture; gzip keeps the name and time in its header (RFC 1952).
s="$WORK/gz"
stage "$s" "$(pix IMG_0209.JPG)"
pin "$s"
gzip -9 -c "$s/IMG_0209.JPG" >"$C/IMG_0209.JPG.gz"

# 7. Limits, for the dispatcher: a high-ratio bomb after a picture (read before the bomb spends
#    the item's expansion budget); a 42.zip-style fan-out (4 x 4 x 16 MiB of zeros); a picture
#    20 ZIPs deep; a ZIP cut inside its second member.
s="$WORK/bomb"
mkdir -p "$s"
truncate -s 200M "$s/zeros.bin"
cp "$(pix IMG_0212.JPG)" "$s/"
pin "$s"
(cd "$s" && zip_ "$C/bomb.zip" IMG_0212.JPG zeros.bin)
rm -f "$s/zeros.bin"

s="$WORK/fanout"
mkdir -p "$s/l2" "$s/l1"
truncate -s 16M "$s/l2/zeros.bin"
for i in 1 2 3 4; do cp "$s/l2/zeros.bin" "$s/l2/zeros$i.bin"; done
rm -f "$s/l2/zeros.bin"
pin "$s"
(cd "$s/l2" && zip_ ../l1/part.zip zeros1.bin zeros2.bin zeros3.bin zeros4.bin)
for i in 1 2 3 4; do cp "$s/l1/part.zip" "$s/l1/part$i.zip"; done
pin "$s"
(cd "$s/l1" && zip_ "$C/fanout.zip" part1.zip part2.zip part3.zip part4.zip)
rm -rf "$s/l2"

s="$WORK/deep"
mkdir -p "$s"
cp "$(pix IMG_0213.JPG)" "$s/"
pin "$s"
inner="IMG_0213.JPG"
for level in $(seq 20 -1 1); do
  name=$(printf 'level%02d.zip' "$level")
  (cd "$s" && zip_ "$name" "$inner")
  pin "$s/$name"
  inner="$name"
done
cp "$s/level01.zip" "$C/deep.zip"

s="$WORK/trunc"
stage "$s" "$(pix IMG_0214.JPG)" "$(pix IMG_0215.JPG)"
pin "$s"
(cd "$s" && zip -q -X -D -0 "$s/full.zip" IMG_0214.JPG IMG_0215.JPG)
# Cut in the middle of the second (stored) member: the first stays whole, the central directory
# is gone. Local header 30 bytes + name, then the data (APPNOTE 4.3.7).
size14=$(stat -c %s "$(pix IMG_0214.JPG)")
size15=$(stat -c %s "$(pix IMG_0215.JPG)")
head -c $((30 + 12 + size14 + 30 + 12 + size15 / 2)) "$s/full.zip" >"$C/truncated.zip"

# 8. The image: FAT16, every container under /Archive, clock frozen.
img="$OUT/containers.raw"
truncate -s 16M "$img"
frozen mformat -i "$img" -N 5EED0C0C -v VIGIL_CONT -h 64 -s 32 -H 0 ::
frozen mmd -i "$img" ::/Archive
pin "$C"
for f in $(cd "$C" && LC_ALL=C ls); do frozen mcopy -m -i "$img" "$C/$f" "::/Archive/$f"; done

# 9. MANIFEST.
sha() { sha256sum <"$1" | cut -d' ' -f1; }
md5() { md5sum <"$1" | cut -d' ' -f1; }
picture() {  # STATUS CHAIN FILE
  printf 'picture\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(stat -c %s "$3")" "$(sha "$3")" "$(md5 "$3")"
}
{
  printf '# vigil container testdata, written by testdata/make_containers.sh.\n'
  printf '# TAB-separated.\n'
  printf '# file     NAME SIZE SHA256                       (containers.raw and containers/NAME)\n'
  printf '# picture  STATUS CHAIN SIZE SHA256 MD5          (STATUS: what the archive extractor\n'
  printf '#          must report: ok, encrypted; CHAIN: names from the image root, " > " between\n'
  printf '#          a container and its member; SIZE/SHA256/MD5: the picture as planted)\n'
  printf 'file\tcontainers.raw\t%s\t%s\n' "$(stat -c %s "$img")" "$(sha "$img")"
  for f in $(cd "$C" && LC_ALL=C ls); do
    printf 'file\tcontainers/%s\t%s\t%s\n' "$f" "$(stat -c %s "$C/$f")" "$(sha "$C/$f")"
  done
  picture ok "Archive/nested.zip > inner.zip > IMG_0201.JPG" "$(pix IMG_0201.JPG)"
  picture ok "Archive/backup.boo > DCIM/IMG_0202.JPG" "$(pix IMG_0202.JPG)"
  picture ok "Archive/backup.boo > DCIM/IMG_0203.PNG" "$(pix IMG_0203.PNG)"
  picture ok "Archive/photos.tar.gz > holiday/IMG_0204.JPG" "$(pix IMG_0204.JPG)"
  picture ok "Archive/photos.tar.gz > holiday/beach.png" "$(pix beach.png)"
  picture ok "Archive/photos.7z > IMG_0206.JPG" "$(pix IMG_0206.JPG)"
  picture ok "Archive/photos.7z > IMG_0207.GIF" "$(pix IMG_0207.GIF)"
  picture encrypted "Archive/secret.zip > IMG_0208.JPG" "$(pix IMG_0208.JPG)"
  picture ok "Archive/IMG_0209.JPG.gz > IMG_0209.JPG" "$(pix IMG_0209.JPG)"
  picture ok "Archive/photos.tar.bz2 > bz/IMG_0210.JPG" "$(pix IMG_0210.JPG)"
  picture ok "Archive/photos.tar.xz > xz/IMG_0211.PNG" "$(pix IMG_0211.PNG)"
  picture ok "Archive/bomb.zip > IMG_0212.JPG" "$(pix IMG_0212.JPG)"
  deep="Archive/deep.zip"
  for level in $(seq 2 20); do deep="$deep > $(printf 'level%02d.zip' "$level")"; done
  picture ok "$deep > IMG_0213.JPG" "$(pix IMG_0213.JPG)"
  picture ok "Archive/truncated.zip > IMG_0214.JPG" "$(pix IMG_0214.JPG)"
  picture partial "Archive/truncated.zip > IMG_0215.JPG" "$(pix IMG_0215.JPG)"
} >"$OUT/containers.MANIFEST"
rm -rf "$WORK"
echo "testdata/make_containers.sh: containers, containers.raw and containers.MANIFEST written to $OUT"
