#!/usr/bin/env bash
# Writes the archive fuzz target's seed corpus: one tiny archive of every kind the extractor reads.
#   plugins/archive/fuzz/make_corpus.sh [OUTDIR]   (default: the corpus/ folder beside this script)
# Times, owners and order are fixed, so the seeds are byte-identical between runs, except the
# encrypted ones: ZipCrypto's 12-byte header (APPNOTE §6.1.3) and 7z's AES salt and IV are random
# by design.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mkdir -p "${1:-$here/corpus}" && cd "${1:-$here/corpus}" && pwd)"
for t in zip:zip 7z:p7zip-full tar:tar gzip:gzip bzip2:bzip2 xz:xz-utils python3:python3; do
  command -v "${t%%:*}" >/dev/null || { echo "missing ${t%%:*} (Debian package ${t#*:})" >&2; exit 1; }
done
export TZ=UTC LC_ALL=C
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p d/sub
printf '\xFF\xD8\xFF\xE0 not a real jpeg, a seed\n' >d/a.jpg
printf 'hello hello hello hello\n' >d/sub/b.txt
ln -s a.jpg d/link.jpg
find d -exec touch -h -d @1709294400 {} +
rm -f "$out"/seed.*
zip -q -X -r -y seed.zip d && mv seed.zip "$out/seed.zip"
zip -q -X -0 -r seed.zip d && mv seed.zip "$out/seed.stored.zip"
zip -q -X -P secret -r seed.zip d/a.jpg && mv seed.zip "$out/seed.encrypted.zip"
cp "$out/seed.zip" inner.zip && touch -d @1709294400 inner.zip
zip -q -X -r seed.zip d/a.jpg inner.zip && mv seed.zip "$out/seed.nested.zip"
sz() { 7z a -bd -bso0 -mtm=on -mtc=off -mta=off "$@" >/dev/null; }
sz seed.7z d && mv seed.7z "$out/seed.7z"
sz -psecret seed.7z d/a.jpg && mv seed.7z "$out/seed.encrypted.7z"
sz -psecret -mhe=on seed.7z d/a.jpg && mv seed.7z "$out/seed.encrypted-headers.7z"
tar_() {
  local pax=()
  [ "$1" = pax ] && pax=(--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
  tar --format="$1" -b 1 --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1709294400 \
    "${pax[@]}" -cf - d
}
tar_ ustar >"$out/seed.tar"
tar_ pax | gzip -n -9 >"$out/seed.tar.gz"
tar_ gnu | bzip2 -9 >"$out/seed.tar.bz2"
tar_ ustar | xz -9 --check=crc32 >"$out/seed.tar.xz"
gzip -N -9 -c d/a.jpg >"$out/seed.jpg.gz"
bzip2 -9 -c d/sub/b.txt >"$out/seed.txt.bz2"
xz -c d/sub/b.txt >"$out/seed.txt.xz"
# RAR 4 and RAR 5 with one stored member, built from RARLAB's format descriptions (no free tool
# writes RAR; the unit test builds the same way).
python3 - "$out" <<'PY'
import struct, sys, zlib
out, data, name, mtime = sys.argv[1], b"hello hello hello hello\n", b"d/b.txt", 1709294400
def vint(v):
    b = bytearray()
    while True:
        low, v = v & 0x7F, v >> 7
        b.append(low | (0x80 if v else 0))
        if not v:
            return bytes(b)
def block5(fields, payload=b""):
    h = vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(h)) + h + payload
rar5 = b"Rar!\x1a\x07\x01\x00" + block5(vint(1) + vint(0) + vint(0))
rar5 += block5(vint(2) + vint(2) + vint(len(data)) + vint(6) + vint(len(data)) + vint(0o644) +
               struct.pack("<II", mtime, zlib.crc32(data)) + vint(0) + vint(1) + vint(len(name)) +
               name, data)
rar5 += block5(vint(5) + vint(0) + vint(0))
def block4(kind, flags, fields, payload=b""):
    h = struct.pack("<BHH", kind, flags, 7 + len(fields)) + fields
    return struct.pack("<H", zlib.crc32(h) & 0xFFFF) + h + payload
dos = ((2024 - 1980) << 25) | (3 << 21) | (1 << 16) | (12 << 11)
rar4 = b"Rar!\x1a\x07\x00" + block4(0x73, 0, bytes(6))
rar4 += block4(0x74, 0x8000, struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data),
                                         dos, 20, 0x30, len(name), 0o100644) + name, data)
rar4 += block4(0x7B, 0, b"")
open(out + "/seed.rar5.rar", "wb").write(rar5)
open(out + "/seed.rar4.rar", "wb").write(rar4)
PY
ls -l "$out"
