#!/usr/bin/env bash
# Builds (or reuses) the scan benchmark image: an ext4 file system in a 1.5 GiB raw image holding
# 5,000 files, 1,250 of them pictures drawn by vigil_testpix (400 unique pictures; the other 850
# are copies with a unique trailer after the picture data, so every file has its own exact hash
# while perceptual hashes repeat, as with re-saved near-duplicates), plus the same image as E01.
# With --containers (bench/extract): the same files plus /Containers, archives and documents
# holding 300 more pictures (ZIP, nested ZIP, tar.gz, 7z, docx, OLE .doc, PDF), as a 2 GiB raw
# image scan-containers.raw (no E01). Rootless; not run by ctest.
#
#   bench/make_scan_image.sh OUTDIR [VIGIL_TESTPIX] [--containers]
#       -> OUTDIR/scan.raw, OUTDIR/scan.E01 ...  (or OUTDIR/scan-containers.raw)
set -euo pipefail
die() { echo "bench/make_scan_image.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: make_scan_image.sh OUTDIR [VIGIL_TESTPIX] [--containers]"
testpix="${2:-${VIGIL_TESTPIX:-}}"
containers=0
[ "${3:-}" = "--containers" ] && containers=1
[ -x "$testpix" ] || die "give the vigil_testpix binary as second argument or in VIGIL_TESTPIX"
export PATH="$PATH:/usr/sbin:/sbin" TZ=UTC LC_ALL=C
tools="mkfs.ext4:e2fsprogs ewfacquire:ewf-tools faketime:faketime"
((containers)) && tools+=" zip:zip 7z:p7zip-full gsf:libgsf-bin python3:python3"
for t in $tools; do
  command -v "${t%%:*}" >/dev/null || die "missing tool '${t%%:*}' (Debian package ${t#*:})"
done
readonly kEpoch=1709294400 kFiles=5000 kPictures=1250 kUnique=400 kBig=8

mkdir -p "$1"
out="$(cd "$1" && pwd)"
name=scan
((containers)) && name=scan-containers
img="$out/$name.raw"
stamp=$( (sha256sum <"${BASH_SOURCE[0]}"; sha256sum <"$testpix") | sha256sum | cut -d' ' -f1)
if [ -f "$img" ] && { ((containers)) || [ -f "$out/scan.E01" ]; } &&
   [ "$(cat "$out/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "reusing $img"; exit 0
fi
rm -f "$img" "$out/$name.stamp"
((containers)) || rm -f "$out"/scan.E??
work="$out/.$name.work"
rm -rf "$work"; mkdir -p "$work/pool" "$work/root"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

# Unique pictures, all formats and sizes from 64x48 to 1280x720.
"$testpix" set "$work/pool" --seed 7 --count "$kUnique" --prefix p
mapfile -t pool < <(cd "$work/pool" && ls | sort)

n=0
for ((i = 0; i < kPictures; i++)); do
  p=${pool[$((i % kUnique))]}
  dir=$(printf '%s/root/Users/u%d/Pictures/%03d' "$work" $((i % 5)) $((i / 50)))
  mkdir -p "$dir"
  if ((i < kUnique)); then
    cp "$work/pool/$p" "$dir/$p"
  else
    { cat "$work/pool/$p"; printf 'copy %d' "$i"; } >"$dir/c$i-$p"
  fi
  n=$((n + 1))
done
# Non-media: small text files, mid-size binaries, and kBig files of ~24 MiB so that the data read
# is about 1 GiB in all.
for ((i = 0; n < kFiles - kBig; i++, n++)); do
  dir=$(printf '%s/root/Data/%02d/%02d' "$work" $((i % 40)) $((i / 40 % 25)))
  mkdir -p "$dir"
  if ((i % 10 == 0)); then
    head -c $(( (i * 7919) % 200000 + 1000 )) "$work/pool/${pool[$((i % kUnique))]}" >"$dir/blob$i.bin"
  else
    printf 'log line %d\n%*s\n' "$i" $((i % 4000)) '' >"$dir/log$i.txt"
  fi
done
mkdir -p "$work/root/Archives"
for ((i = 0; i < kBig; i++, n++)); do
  f="$work/root/Archives/archive$i.dat"
  printf 'VIGILARC%d' "$i" >"$f"
  while (( $(stat -c %s "$f") < 24 * 1024 * 1024 )); do
    cat "$work/pool/${pool[$(( (i * 13 + $(stat -c %s "$f") % 97) % kUnique ))]}" >>"$f"
  done
done
if ((containers)); then
  # 300 pictures of their own (seed 8), found only inside containers: 10 ZIPs of 15 (deflate),
  # one ZIP of ZIPs holding 3 of them again, 2 tar.gz and one 7z of 15, 5 docx, 5 .doc (OLE,
  # written by gsf) and 5 PDFs of 6 pictures each (JPEG ones as DCTDecode streams).
  "$testpix" set "$work/cpool" --seed 8 --count 300 --prefix x
  mapfile -t cpool < <(cd "$work/cpool" && ls | sort)
  c="$work/root/Containers"
  mkdir -p "$c" "$work/stage"
  slice() { printf "$work/cpool/%s\n" "${cpool[@]:$1:$2}"; }
  for ((k = 0; k < 10; k++)); do
    (cd "$work/cpool" && zip -q -X -D "$c/photos$k.zip" "${cpool[@]:$((k * 15)):15}")
  done
  (cd "$c" && zip -q -X -D -0 "$work/stage/nested.zip" photos0.zip photos1.zip photos2.zip)
  mv "$work/stage/nested.zip" "$c/backup.zip"
  for ((k = 0; k < 2; k++)); do
    tar -C "$work/cpool" --mtime="@$kEpoch" --owner=0 --group=0 -czf "$c/holiday$k.tar.gz" \
      "${cpool[@]:$((150 + k * 15)):15}"
  done
  (cd "$work/cpool" && 7z a -bd -mx=5 "$c/camera.7z" "${cpool[@]:180:15}" >/dev/null)
  # docx: [Content_Types].xml first, pictures under word/media/; .doc: an OLE file whose streams
  # are the pictures; PDF: one page per JPEG (DCTDecode XObject), PNGs left out.
  python3 - "$work/cpool" "$c" "${cpool[@]:195:105}" <<'PY'
import os, struct, sys, zipfile
src, dst, names = sys.argv[1], sys.argv[2], sys.argv[3:]
types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
         'openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType='
         '"application/xml"/></Types>')
for k in range(5):
    with zipfile.ZipFile(os.path.join(dst, f"report{k}.docx"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2024, 3, 1, 12, 0, 0)), types)
        z.writestr(zipfile.ZipInfo("word/document.xml", (2024, 3, 1, 12, 0, 0)), "<w:document/>")
        for n in names[k * 6:(k + 1) * 6]:
            with open(os.path.join(src, n), "rb") as f:
                z.writestr(zipfile.ZipInfo("word/media/" + n, (2024, 3, 1, 12, 0, 0)), f.read(),
                           zipfile.ZIP_DEFLATED)
def jpeg_size(b):
    i = 2
    while i + 9 < len(b):
        marker, length = b[i + 1], struct.unpack(">H", b[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return struct.unpack(">HH", b[i + 5:i + 9])[::-1]
        i += 2 + length
    return None
jpegs = [n for n in names[60:] if n.lower().endswith((".jpg", ".jpeg"))]
for k in range(5):
    objs, kids = [], []
    for n in jpegs[k * 6:(k + 1) * 6]:
        with open(os.path.join(src, n), "rb") as f:
            data = f.read()
        size = jpeg_size(data)
        if not size:
            continue
        w, h = size
        img = len(objs) + 3
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
                    b"/DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
                    % (w, h, len(data)) + data + b"\nendstream")
        draw = b"q %d 0 0 %d 0 0 cm /I Do Q" % (w, h)
        objs.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject "
                    b"<< /I %d 0 R >> >> /Contents %d 0 R >>" % (w, h, img, img + 1))
        kids.append(img + 2)
    head = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>"
            % (b" ".join(b"%d 0 R" % i for i in kids), len(kids))]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(head + objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    with open(os.path.join(dst, f"scan{k}.pdf"), "wb") as f:
        f.write(out)
PY
  for ((k = 0; k < 5; k++)); do
    (cd "$work/cpool" && gsf createole "$c/minutes$k.doc" "${cpool[@]:$((225 + k * 6)):6}" >/dev/null 2>&1)
  done
fi
find "$work/root" -depth -exec touch -h -d "@$kEpoch" {} +

size=1536M
((containers)) && size=2048M
truncate -s "$size" "$img"
E2FSPROGS_FAKE_TIME=$kEpoch mkfs.ext4 -q -F -t ext4 -b 4096 -m 0 -L VIGIL_SCAN \
  -U 5eed5ca0-0000-4000-8000-000000005000 \
  -E hash_seed=5eed5ca0-1111-4111-8111-111111111111,root_owner=0:0,lazy_itable_init=0 \
  -d "$work/root" "$img"
if ((containers)); then
  echo "$stamp" >"$out/$name.stamp"
  echo "built $img ($n files and /Containers) in $(( $(date +%s) - start )) s"
  exit 0
fi
faketime -f "2024-03-01 12:00:00" ewfacquire -u -q -t "$out/scan" -f encase6 -c deflate:fast \
  -S 640MiB -C VIGIL-BENCH -D "vigil scan benchmark" -E SCAN-1 -e "vigil bench" -N "bench" \
  -m fixed -M physical "$img" >"$work/ewf.log" 2>&1 || { cat "$work/ewf.log" >&2; die "ewfacquire failed"; }
echo "$stamp" >"$out/scan.stamp"
echo "built $img ($n files, $kPictures pictures) and scan.E01 in $(( $(date +%s) - start )) s"
