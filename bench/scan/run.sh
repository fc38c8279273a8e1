#!/usr/bin/env bash
# bench/scan: `vigil scan` side by side with fiwalk (MD5 + SHA-1 of every file) and tsk_recover +
# hashdeep (MD5, SHA-1, SHA-256), on the raw and E01 forms of the >= 1 GiB, 5,000-file image that
# bench/make_scan_image.sh builds; and on the E01 against ewfverify (the cost of decompressing it).
# An E01 scan verifies the image beside the workers by default (issue 10); the --no-verify rows
# give the cost of that verification.
# Each command runs 3 times; the median wall time is reported. The page cache is warm for all.
# Usage: bench/scan/run.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build/release}" && pwd)"
work="${2:-$here/../../build/bench}"
vigil="$build/cli/vigil"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
"$here/../make_scan_image.sh" "$work" "$build/testdata/vigil_testpix" >/dev/null
raw="$work/scan.raw"
e01="$work/scan.E01"

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
recover_hash() {
  rm -rf "$work/recovered"
  tsk_recover -e "$1" "$work/recovered" && hashdeep -c md5,sha1,sha256 -r "$work/recovered"
}

cat "$raw" "$e01" "${e01%.E01}".E0? >/dev/null  # warm the page cache
files=$(fls -r -p -o 0 "$raw" 2>/dev/null | grep -c '^r/r' || true)
echo "image: $(du -b "$raw" | cut -f1) bytes raw, $(cat "${e01%.E01}".E0? | wc -c) bytes E01, ${files} regular files; $(nproc) cores"

t_vm=$(median vigil_scan "$raw")
t_va=$(median vigil_scan "$raw" --digests all)
t_vn=$(median vigil_scan "$raw" --digests all --no-perceptual)
t_fi=$(median fiwalk -x "$raw")
t_rh=$(median recover_hash "$raw")
t_ve=$(median vigil_scan "$e01" --digests all)
t_ven=$(median vigil_scan "$e01" --digests all --no-perceptual)
t_vem=$(median vigil_scan "$e01")
t_vemn=$(median vigil_scan "$e01" --no-verify)
t_venn=$(median vigil_scan "$e01" --digests all --no-perceptual --no-verify)
t_fe=$(median fiwalk -x "$e01")
t_ew=$(median ewfverify -q "$e01")

r() { echo "$1 / $2" | bc -l; }
printf '\n| command | image | seconds |\n| --- | --- | ---: |\n'
printf '| vigil scan (XXH3-128 all, 4 digests on media, PDQ+pHash of pictures) | raw | %.2f |\n' "$t_vm"
printf '| vigil scan --digests all (PDQ+pHash of pictures) | raw | %.2f |\n' "$t_va"
printf '| vigil scan --digests all --no-perceptual | raw | %.2f |\n' "$t_vn"
printf '| fiwalk (MD5+SHA-1 every file) | raw | %.2f |\n' "$t_fi"
printf '| tsk_recover + hashdeep md5,sha1,sha256 | raw | %.2f |\n' "$t_rh"
printf '| vigil scan (verifies the E01 beside the workers, the default) | E01 | %.2f |\n' "$t_vem"
printf '| vigil scan --no-verify | E01 | %.2f |\n' "$t_vemn"
printf '| vigil scan --digests all | E01 | %.2f |\n' "$t_ve"
printf '| vigil scan --digests all --no-perceptual | E01 | %.2f |\n' "$t_ven"
printf '| vigil scan --digests all --no-perceptual --no-verify | E01 | %.2f |\n' "$t_venn"
printf '| fiwalk | E01 | %.2f |\n' "$t_fe"
printf '| ewfverify | E01 | %.2f |\n' "$t_ew"
printf '\nfiwalk / vigil scan --digests all --no-perceptual (raw): %.2f x  (target >= 2)\n' "$(r "$t_fi" "$t_vn")"
printf 'fiwalk / vigil scan --digests all, with PDQ (raw): %.2f x\n' "$(r "$t_fi" "$t_va")"
printf 'tsk_recover+hashdeep / vigil scan --digests all (raw): %.2f x\n' "$(r "$t_rh" "$t_va")"
printf 'vigil scan --digests all --no-perceptual (E01) / ewfverify: %.2f  (target <= 1.3)\n' "$(r "$t_ven" "$t_ew")"
printf 'vigil scan --digests all, with PDQ (E01) / ewfverify: %.2f\n' "$(r "$t_ve" "$t_ew")"
printf 'vigil scan (E01) / ewfverify: %.2f\n' "$(r "$t_vem" "$t_ew")"
printf 'cost of verification: vigil scan (E01) / vigil scan --no-verify (E01): %.2f\n' "$(r "$t_vem" "$t_vemn")"
printf 'cost of verification, --digests all --no-perceptual: %.2f\n' "$(r "$t_ven" "$t_venn")"
