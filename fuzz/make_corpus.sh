#!/usr/bin/env bash
# Writes the committed seed corpora of the fuzz/ targets (fuzz/corpus/<target>/), small files that
# the replay tests (fuzz/README.md) and the libFuzzer runs start from.
#   fuzz/make_corpus.sh VIGIL_TESTPIX [OUTDIR]
# VIGIL_TESTPIX is the synthetic picture generator the build makes (build/<dir>/testdata/
# vigil_testpix); OUTDIR defaults to fuzz/corpus beside this script. Every seed is drawn or written
# here: pictures by vigil_testpix, known lists by testdata/hashsets/make_samples.py, file-system
# images by mkfs on an empty file (only their first 64 KiB are kept, so that each seed stays
# small while it still holds the boot sector, superblock and first metadata blocks).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testpix="$(realpath "${1:?usage: make_corpus.sh VIGIL_TESTPIX [OUTDIR]}")"
out="$(mkdir -p "${2:-$here/corpus}" && cd "${2:-$here/corpus}" && pwd)"
for t in python3:python3 mkfs.fat:dosfstools mke2fs:e2fsprogs mcopy:mtools sfdisk:fdisk hfind:sleuthkit; do
  command -v "${t%%:*}" >/dev/null || PATH="$PATH:/usr/sbin:/sbin"
  command -v "${t%%:*}" >/dev/null || { echo "missing ${t%%:*} (Debian package ${t#*:})" >&2; exit 1; }
done
export TZ=UTC LC_ALL=C
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
targets="sniff_fuzz phash_header_fuzz phash_decode_fuzz hashset_import_fuzz hashset_vics_fuzz evidence_fuzz video_fuzz"
for t in $targets; do rm -rf "${out:?}/$t" && mkdir -p "$out/$t"; done

# Pictures: one small synthetic picture per format the decoders read.
for ext in jpg png gif bmp webp tif; do
  "$testpix" one "$work/seed.$ext" --seed 7 --size 24x16 --scene geometric
  cp "$work/seed.$ext" "$out/phash_header_fuzz/seed.$ext"
  cp "$work/seed.$ext" "$out/phash_decode_fuzz/seed.$ext"
  cp "$work/seed.$ext" "$out/sniff_fuzz/seed.$ext"
done

# Known lists. hashset_import_fuzz takes the format from the first byte (index into kFormats in
# hashset_import_fuzz.cpp), so each sample is prefixed with its format's index.
python3 "$here/../testdata/hashsets/make_samples.py" "$work/lists" >/dev/null
prefixed() {  # INDEX SAMPLE
  { printf "\\x$(printf %02x "$1")"; cat "$work/lists/$2"; } >"$out/hashset_import_fuzz/$1-${2##*/}"
}
for f in "$work"/lists/vics-*.json; do
  cp "$f" "$out/hashset_vics_fuzz/"
  prefixed 0 "${f##*/}"
done
prefixed 1 NSRLFile-rds2-synthetic.txt
prefixed 2 hashdeep.txt
for f in md5sum.txt sha1sum.txt sha256sum.txt md5-bsd.txt; do prefixed 3 "$f"; done
prefixed 4 hashkeeper-synthetic.hsh
prefixed 5 icse-style-synthetic.csv
prefixed 6 xways-import-md5.txt
prefixed 7 pdq/needles.txt
prefixed 8 pdq/vpdq-sample-40-frames.txt
prefixed 9 md5sum.txt-md5.idx
prefixed 10 hashlookup-response-illustrative.json
prefixed 11 NSRLProd-rds2-synthetic.txt

# Sniffing: the pictures above, the head of a few list files, and a handful of magic numbers.
cp "$work/lists/vics-2.0-hashset-synthetic.json" "$out/sniff_fuzz/seed.json"
cp "$work/lists/md5sum.txt" "$out/sniff_fuzz/seed.txt"
head -c 4096 "$work/lists/rdsv3-minimal-synthetic.db" >"$out/sniff_fuzz/seed.sqlite"
printf 'PK\003\004\024\000\000\000\010\000' >"$out/sniff_fuzz/seed.zip"
printf '7z\274\257\047\034\000\004' >"$out/sniff_fuzz/seed.7z"
printf '%%PDF-1.7\n%%\342\343\317\323\n' >"$out/sniff_fuzz/seed.pdf"
printf '\320\317\021\340\241\261\032\341\000\000' >"$out/sniff_fuzz/seed.db"
printf '\000\000\000\030ftypheic\000\000\000\000mif1heic' >"$out/sniff_fuzz/seed.heic"
printf '\000\000\000\030ftypisom\000\000\002\000isomiso2' >"$out/sniff_fuzz/seed.mp4"
printf 'RIFF\044\000\000\000AVI LIST' >"$out/sniff_fuzz/seed.avi"

# A few files for the walk to find: a folder, a picture, a text file.
mkdir -p "$work/tree/dir"
cp "$work/seed.png" "$work/tree/dir/a.png"
printf 'hello\n' >"$work/tree/b.txt"
touch -d @1709294400 "$work/tree/dir" "$work/tree/dir/a.png" "$work/tree/b.txt" "$work/tree"
# File systems: the first 64 KiB of small images, fixed volume ids and times.
mk() {  # NAME SIZE then the mkfs command with the image as its last argument
  local name="$1" size="$2"; shift 2
  truncate -s "$size" "$work/$name.img"
  "$@" "$work/$name.img" >/dev/null || { echo "mkfs failed for $name" >&2; exit 1; }
  if [[ "$name" == fat* ]]; then
    mcopy -m -s -i "$work/$name.img" "$work/tree/dir" "$work/tree/b.txt" ::
  fi
  head -c 65536 "$work/$name.img" >"$out/evidence_fuzz/$name.img"
}
mk fat12 1M mkfs.fat -F 12 -i 12345678 -n SEED
mk fat16 4M mkfs.fat -F 16 -s 1 -i 12345678 -n SEED
export E2FSPROGS_FAKE_TIME=1709294400
mk ext2 1M mke2fs -q -F -t ext2 -d "$work/tree" -U 00000000-0000-0000-0000-000000000001 -E root_owner=0:0
mk ext4 1M mke2fs -q -F -t ext4 -d "$work/tree" -O ^has_journal -U 00000000-0000-0000-0000-000000000002 -E root_owner=0:0
# An MBR with one FAT16 partition at sector 1 (the partition's own first sectors follow).
truncate -s 2M "$work/mbr.img"
printf 'label: dos\nstart=1, size=4000, type=6\n' | sfdisk -q "$work/mbr.img" >/dev/null 2>&1 ||
  { echo "sfdisk failed (Debian package fdisk)" >&2; exit 1; }
head -c 512 "$work/mbr.img" >"$out/evidence_fuzz/mbr_fat16.img"
head -c $((65536 - 512)) "$out/evidence_fuzz/fat16.img" >>"$out/evidence_fuzz/mbr_fat16.img"

# Videos: two small AVI files (RIFF AVI, written here): 16 x 16 uncompressed frames, and the seed
# JPEG above as Motion JPEG frames, three frames each.
python3 - "$work/seed.jpg" "$out/video_fuzz" <<'PY'
import struct, sys
jpeg, out = open(sys.argv[1], "rb").read(), sys.argv[2]
def chunk(fourcc, data):
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
def riff_list(kind, fourcc, body):
    return kind + struct.pack("<I", len(body) + 4) + fourcc + body
def avi(path, w, h, handler, compression, frames, tag):
    size = max(len(f) for f in frames)
    avih = struct.pack("<IIIIIIIIII4I", 100000, size * 10, 0, 0x10, len(frames), 0, 1, size, w, h,
                       0, 0, 0, 0)
    strh = struct.pack("<4s4sIHHIIIIIIIIhhhh", b"vids", handler, 0, 0, 0, 0, 1, 10, 0,
                       len(frames), size, 0xFFFFFFFF, 0, 0, 0, w, h)
    strf = struct.pack("<IiiHH4sIiiII", 40, w, h, 1, 24, compression, w * h * 3, 0, 0, 0, 0)
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"avih", avih) +
                     riff_list(b"LIST", b"strl", chunk(b"strh", strh) + chunk(b"strf", strf)))
    movi, index, offset = b"", b"", 4
    for f in frames:
        index += struct.pack("<4sIII", tag, 0x10, offset, len(f))
        c = chunk(tag, f)
        offset += len(c)
        movi += c
    body = hdrl + riff_list(b"LIST", b"movi", movi) + chunk(b"idx1", index)
    with open(path, "wb") as f:
        f.write(riff_list(b"RIFF", b"AVI ", body))
grey = [bytes((v * 40 + x * 8) % 256 for _ in range(16) for x in range(16) for _ in range(3))
        for v in range(3)]
avi(out + "/dib.avi", 16, 16, b"DIB ", b"\0\0\0\0", grey, b"00db")
avi(out + "/mjpg.avi", 24, 16, b"MJPG", b"MJPG", [jpeg] * 3, b"00dc")
PY
du -sh "$out"
