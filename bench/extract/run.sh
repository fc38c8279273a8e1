#!/usr/bin/env bash
# bench/extract (issue 12): what extraction costs on the scan bench, and what the reuse of
# perceptual results saves when pictures repeat.
#  1. The scan bench's files plus /Containers (bench/make_scan_image.sh --containers: archives
#     and documents holding 300 more pictures): `vigil scan` with every extractor against
#     `--extractors none`, with and without perceptual hashing.
#  2. An ext4 image of 2,000 pictures that are 20 exact copies each of 100 (plus a ZIP holding
#     the 100 once more): `vigil scan` against `vigil scan --no-perceptual-reuse` (a hidden option
#     that decodes every copy again), with the number of pictures decoded.
# Each command runs 3 times (a fresh case each time); the median wall time is reported, with the
# load average before and after, since only rows measured together compare.
# Usage: bench/extract/run.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build/release}" && pwd)"
work="${2:-$here/../../build/bench}"
vigil="$build/cli/vigil"
testpix="$build/testdata/vigil_testpix"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
export PATH="$PATH:/usr/sbin:/sbin" TZ=UTC LC_ALL=C
"$here/../make_scan_image.sh" "$work" "$testpix" --containers >/dev/null
big="$work/scan-containers.raw"

# The copies image: rebuilt when this script or vigil_testpix changes.
copies="$work/copies.raw"
stamp=$( (sha256sum <"${BASH_SOURCE[0]}"; sha256sum <"$testpix") | sha256sum | cut -d' ' -f1)
if [ ! -f "$copies" ] || [ "$(cat "$work/copies.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$work/.copies" "$copies"
  mkdir -p "$work/.copies/pool" "$work/.copies/root"
  "$testpix" set "$work/.copies/pool" --seed 9 --count 100 --prefix r >/dev/null
  for ((k = 0; k < 20; k++)); do
    mkdir -p "$work/.copies/root/copy$k"
    cp "$work/.copies/pool"/* "$work/.copies/root/copy$k/"
  done
  (cd "$work/.copies/pool" && zip -q -X -D "$work/.copies/root/all.zip" ./*)
  find "$work/.copies/root" -depth -exec touch -h -d "@1709294400" {} +
  # The pictures' size and half again, for the file system's own structures.
  truncate -s $(( $(du -sb "$work/.copies/root" | cut -f1) * 3 / 2 + (64 << 20) )) "$copies"
  E2FSPROGS_FAKE_TIME=1709294400 mkfs.ext4 -q -F -t ext4 -b 4096 -m 0 -L VIGIL_COPIES \
    -U 5eed5ca0-0000-4000-8000-000000006000 \
    -E hash_seed=5eed5ca0-1111-4111-8111-111111111111,root_owner=0:0,lazy_itable_init=0 \
    -d "$work/.copies/root" "$copies"
  rm -rf "$work/.copies"
  echo "$stamp" >"$work/copies.stamp"
fi

median() {  # median wall time of 3 runs of "$@", in seconds
  local t=()
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}
vigil_scan() {  # vigil_scan IMAGE ARGS...: a fresh case each time
  local image=$1
  shift
  rm -rf "$work/case"
  "$vigil" scan --quiet --case "$work/case" "$@" "$image"
}
summary() {  # summary IMAGE ARGS...: vigil's own summary lines of one more run
  local image=$1
  shift
  rm -rf "$work/case"
  "$vigil" scan --case "$work/case" "$@" "$image" 2>&1 >/dev/null | tr '\r' '\n' |
    grep -E '^(scanned|perceptual)' || true
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

cat "$big" "$copies" >/dev/null  # warm the page cache
echo "$(nproc) cores; load average before: $(load)"
t_all=$(median vigil_scan "$big")
t_none=$(median vigil_scan "$big" --extractors none)
t_alln=$(median vigil_scan "$big" --no-perceptual)
t_nonen=$(median vigil_scan "$big" --extractors none --no-perceptual)
t_reuse=$(median vigil_scan "$copies")
t_noreuse=$(median vigil_scan "$copies" --no-perceptual-reuse)
echo "load average after: $(load)"

r() { echo "$1 / $2" | bc -l; }
printf '\n| command | image | seconds |\n| --- | --- | ---: |\n'
printf '| vigil scan (every extractor, the default) | scan-containers | %.2f |\n' "$t_all"
printf '| vigil scan --extractors none | scan-containers | %.2f |\n' "$t_none"
printf '| vigil scan --no-perceptual | scan-containers | %.2f |\n' "$t_alln"
printf '| vigil scan --extractors none --no-perceptual | scan-containers | %.2f |\n' "$t_nonen"
printf '| vigil scan (reuse by content, the default) | copies | %.2f |\n' "$t_reuse"
printf '| vigil scan --no-perceptual-reuse | copies | %.2f |\n' "$t_noreuse"
printf '\ncost of extraction, with PDQ: %.2f x\n' "$(r "$t_all" "$t_none")"
printf 'cost of extraction, --no-perceptual: %.2f x\n' "$(r "$t_alln" "$t_nonen")"
printf 'time reuse saves on the copies image: %.2f s (%.2f x)\n' \
  "$(echo "$t_noreuse - $t_reuse" | bc -l)" "$(r "$t_noreuse" "$t_reuse")"
echo
echo "scan-containers, every extractor: $(summary "$big" | paste -sd' ')"
echo "scan-containers, --extractors none: $(summary "$big" --extractors none | paste -sd' ')"
echo "copies, reuse: $(summary "$copies" | paste -sd' ')"
echo "copies, --no-perceptual-reuse: $(summary "$copies" --no-perceptual-reuse | paste -sd' ')"
rm -rf "$work/case"
