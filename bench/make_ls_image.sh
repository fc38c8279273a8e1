#!/usr/bin/env bash
# Builds (or reuses) the image for the `vigil ls` vs `fls -r -p` benchmark: an ext4 file system
# with 100,000 small files in 1,100 nested folders, 1,000 of them deleted afterwards. Rootless
# (mkfs.ext4 -d, debugfs) and deterministic like testdata/build.sh. Not run by ctest.
#
#   bench/make_ls_image.sh OUTDIR      -> OUTDIR/ls100k.raw
set -euo pipefail
die() { echo "bench/make_ls_image.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: make_ls_image.sh OUTDIR"
export PATH="$PATH:/usr/sbin:/sbin" TZ=UTC LC_ALL=C
for t in mkfs.ext4 debugfs; do
  command -v "$t" >/dev/null || die "missing tool '$t' (Debian package e2fsprogs)"
done
readonly kEpoch=1709294400
readonly kTop=100 kSub=10 kFiles=100 kDeleted=1000

mkdir -p "$1"
out="$(cd "$1" && pwd)"
img="$out/ls100k.raw"
stamp=$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)
if [ -f "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "reusing $img"; exit 0
fi
rm -f "$img" "$img.stamp"
work="$out/.ls100k.work"
rm -rf "$work"; mkdir -p "$work/root"
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
# Folders d000..d099/s0..s9, each with 100 files f000.txt..f099.txt of 20..120 bytes.
for ((t = 0; t < kTop; t++)); do
  for ((s = 0; s < kSub; s++)); do
    dir=$(printf '%s/root/d%03d/s%d' "$work" "$t" "$s")
    mkdir -p "$dir"
    for ((f = 0; f < kFiles; f++)); do
      printf -v name '%s/f%03d.txt' "$dir" "$f"
      printf -v body 'file %d/%d/%d\n%*s\n' "$t" "$s" "$f" $(( (t * 7 + s * 13 + f * 31) % 100 )) ''
      printf '%s' "$body" >"$name"
    done
  done
done
find "$work/root" -depth -exec touch -h -d "@$kEpoch" {} +

truncate -s 320M "$img"
E2FSPROGS_FAKE_TIME=$kEpoch mkfs.ext4 -q -F -t ext4 -b 1024 -N 110000 -m 0 -L VIGIL_LS100K \
  -U 5eed0b0c-0000-4000-8000-000000100000 \
  -E hash_seed=5eed0b0c-1111-4111-8111-111111111111,root_owner=0:0,lazy_itable_init=0 \
  -d "$work/root" "$img"
# Every 100th file deleted (metadata stays, fls shows it with *).
for ((i = 0; i < kDeleted; i++)); do
  printf 'rm /d%03d/s%d/f%03d.txt\n' $((i / 10)) $((i % 10)) $(( (i * 37) % kFiles ))
done >"$work/rm.cmds"
E2FSPROGS_FAKE_TIME=$kEpoch debugfs -w -f "$work/rm.cmds" "$img" >/dev/null 2>"$work/rm.err"
grep -v '^debugfs ' "$work/rm.err" | grep -q . && { cat "$work/rm.err" >&2; die "debugfs failed"; }
echo "$stamp" >"$img.stamp"
echo "built $img in $(( $(date +%s) - start )) s"
