#!/usr/bin/env bash
# Work units on one machine (issue 16): the same plan's units run one at a time, then P at a time,
# each unit with one scan thread; and the merge. Prints per-unit seconds and bytes, both wall
# times, the speedup (throughput of P units in parallel over one unit at a time), the merge time,
# and whether the merged case equals one `vigil scan` of the image (content tables).
#
#   bench/scale/run.sh VIGIL IMAGE [UNITS] [PARALLEL] [-- SCAN SETTINGS...]
#       IMAGE: e.g. the scan benchmark image (bench/make_scan_image.sh OUTDIR -> OUTDIR/scan.raw)
set -euo pipefail
die() { echo "bench/scale/run.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: run.sh VIGIL IMAGE [UNITS] [PARALLEL] [-- SCAN SETTINGS...]"
vigil=$(realpath "$1"); image=$(realpath "$2"); units=${3:-4}; parallel=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
settings=(--threads 1 "$@")
command -v python3 >/dev/null || die "missing python3 (Debian package python3)"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767225600 TZ=UTC

now() { date +%s.%N; }
"$vigil" plan "$image" --case "$work/case" --units "$units" -q "${settings[@]}" >/dev/null
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["units"]))' "$work/case/plan.json")
echo "image $image, plan of $n units (--units $units), settings: ${settings[*]}"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Exit 1 is a unit that finished with item warnings; the decoders' own messages go to a log.
run_unit() {
  local rc=0
  "$1" scan --plan "$2" --unit "$3" -q 2>>"${2%/plan.json}/units.log" || rc=$?
  [ "$rc" -le 1 ] || { echo "unit $3 failed (exit $rc):" >&2; tail -5 "${2%/plan.json}/units.log" >&2; }
  [ "$rc" -le 1 ]
}
export -f run_unit

# One at a time.
total=0
for k in $(seq 0 $((n - 1))); do
  t0=$(now); run_unit "$vigil" "$work/case/plan.json" "$k"; t1=$(now)
  secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
  bytes=$(python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["units"][int(sys.argv[2])]; print(u["kind"], u["entries"], u["bytes"])' "$work/case/plan.json" "$k")
  echo "unit $k ($bytes): $secs s alone"
  total=$(python3 -c "print($total + $secs)")
done
rm -rf "$work/case/units"/*
# P at a time.
t0=$(now)
seq 0 $((n - 1)) | xargs -P "$parallel" -I{} bash -c 'run_unit "$0" "$1" {}' "$vigil" "$work/case/plan.json"
t1=$(now)
wall=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
t0=$(now); "$vigil" merge --case "$work/case" -q; t1=$(now)
merge=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
echo "one at a time: ${total} s; $parallel at a time: ${wall} s; speedup $(python3 -c "print(f'{$total / $wall:.2f}')")x"
echo "merge: ${merge} s ($(python3 -c "
import sqlite3; db=sqlite3.connect('$work/case/case.sqlite')
print(db.execute('select count(*) from items').fetchone()[0], 'items')"))"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The merged case against one scan with the same settings.
rc=0
"$vigil" scan "$image" --case "$work/single" -q "${settings[@]}" 2>>"$work/single.log" || rc=$?
[ "$rc" -le 1 ] || die "the single scan failed (exit $rc)"
python3 - "$work/case/case.sqlite" "$work/single/case.sqlite" <<'PY'
import sqlite3, sys
tables = ["evidence", "volumes", "items", "perceptual", "matches", "records", "warnings"]
def dump(p):
    db = sqlite3.connect(p)
    return {t: list(db.execute(f"SELECT * FROM {t} ORDER BY rowid")) for t in tables}
a, b = dump(sys.argv[1]), dump(sys.argv[2])
bad = [t for t in tables if a[t] != b[t]]
print("merged case equals one scan:", "yes" if not bad else "NO, differs in " + ", ".join(bad))
sys.exit(1 if bad else 0)
PY
