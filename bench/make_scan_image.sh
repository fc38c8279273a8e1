#!/usr/bin/env bash
# Builds (or reuses) the scan benchmark image: an ext4 file system in a 1.5 GiB raw image holding
# 5,000 files, 1,250 of them pictures drawn by vigil_testpix (400 unique pictures; the other 850
# are copies with a unique trailer after the picture data, so every file has its own exact hash
# while perceptual hashes repeat, as with re-saved near-duplicates), plus the same image as E01.
# Rootless; not run by ctest.
#
#   bench/make_scan_image.sh OUTDIR [VIGIL_TESTPIX]   -> OUTDIR/scan.raw, OUTDIR/scan.E01 ...
set -euo pipefail
die() { echo "bench/make_scan_image.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: make_scan_image.sh OUTDIR [VIGIL_TESTPIX]"
testpix="${2:-${VIGIL_TESTPIX:-}}"
[ -x "$testpix" ] || die "give the vigil_testpix binary as second argument or in VIGIL_TESTPIX"
export PATH="$PATH:/usr/sbin:/sbin" TZ=UTC LC_ALL=C
for t in mkfs.ext4:e2fsprogs ewfacquire:ewf-tools faketime:faketime; do
  command -v "${t%%:*}" >/dev/null || die "missing tool '${t%%:*}' (Debian package ${t#*:})"
done
readonly kEpoch=1709294400 kFiles=5000 kPictures=1250 kUnique=400 kBig=8

mkdir -p "$1"
out="$(cd "$1" && pwd)"
img="$out/scan.raw"
stamp=$( (sha256sum <"${BASH_SOURCE[0]}"; sha256sum <"$testpix") | sha256sum | cut -d' ' -f1)
if [ -f "$img" ] && [ -f "$out/scan.E01" ] && [ "$(cat "$out/scan.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "reusing $img and $out/scan.E01"; exit 0
fi
rm -f "$img" "$out"/scan.E?? "$out/scan.stamp"
work="$out/.scan.work"
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
find "$work/root" -depth -exec touch -h -d "@$kEpoch" {} +

truncate -s 1536M "$img"
E2FSPROGS_FAKE_TIME=$kEpoch mkfs.ext4 -q -F -t ext4 -b 4096 -m 0 -L VIGIL_SCAN \
  -U 5eed5ca0-0000-4000-8000-000000005000 \
  -E hash_seed=5eed5ca0-1111-4111-8111-111111111111,root_owner=0:0,lazy_itable_init=0 \
  -d "$work/root" "$img"
faketime -f "2024-03-01 12:00:00" ewfacquire -u -q -t "$out/scan" -f encase6 -c deflate:fast \
  -S 640MiB -C VIGIL-BENCH -D "vigil scan benchmark" -E SCAN-1 -e "vigil bench" -N "bench" \
  -m fixed -M physical "$img" >"$work/ewf.log" 2>&1 || { cat "$work/ewf.log" >&2; die "ewfacquire failed"; }
echo "$stamp" >"$out/scan.stamp"
echo "built $img ($n files, $kPictures pictures) and scan.E01 in $(( $(date +%s) - start )) s"
