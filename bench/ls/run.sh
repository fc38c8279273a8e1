#!/usr/bin/env bash
# bench/ls: `vigil ls` against TSK's `fls -r -p` on an ext4 image of 100,000 files
# (bench/make_ls_image.sh). Both write to /dev/null; each is run 5 times, the median is reported.
# Usage: bench/ls/run.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
work="${2:-$here/../../build/bench}"
vigil="$build/cli/vigil"
mkdir -p "$work"
"$here/../make_ls_image.sh" "$work" >/dev/null
image="$work/ls100k.raw"

median() {  # runs "$@" 5 times, prints the median wall time in seconds
  local t=()
  for _ in 1 2 3 4 5; do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
}

rows_fls=$(fls -r -p "$image" | wc -l)
rows_vigil=$(("$(TZ=UTC "$vigil" ls --json "$image" | grep -c '"type":"entry"')"))
t_fls=$(median fls -r -p "$image")
t_table=$(median "$vigil" ls "$image")
t_json=$(median "$vigil" ls --json "$image")
printf 'rows: fls %d, vigil %d\n' "$rows_fls" "$rows_vigil"
printf '%-28s %8.3f s\n' "fls -r -p" "$t_fls" "vigil ls (table)" "$t_table" "vigil ls --json" "$t_json"
printf 'ratio vigil ls / fls -r -p: table %.2f, json %.2f (target <= 1.5)\n' \
  "$(echo "$t_table / $t_fls" | bc -l)" "$(echo "$t_json / $t_fls" | bc -l)"
