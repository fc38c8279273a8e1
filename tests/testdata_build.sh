#!/usr/bin/env bash
# CTest fixture `testdata_build`: builds the synthetic evidence images into OUTDIR unless a stamp
# shows that the same build script and the same generator binaries already built them there.
#   tests/testdata_build.sh OUTDIR VIGIL_TESTPIX VIGIL_NTFS_EDIT
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: testdata_build.sh OUTDIR VIGIL_TESTPIX VIGIL_NTFS_EDIT" >&2; exit 2; }
out="$1"; testpix="$2"; ntfs_edit="$3"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../testdata" && pwd)"
mkdir -p "$out"
stamp=$(cat "$src/build.sh" "$src/make_hostile.sh" "$testpix" "$ntfs_edit" | sha256sum | cut -d' ' -f1)
if [ -f "$out/.testdata_stamp" ] && [ "$(cat "$out/.testdata_stamp")" = "$stamp" ] &&
   [ -f "$out/MANIFEST" ]; then
  echo "testdata: up to date in $out (stamp $stamp)"
  exit 0
fi
rm -f "$out/.testdata_stamp"
start=$(date +%s)
VIGIL_NTFS_EDIT="$ntfs_edit" "$src/build.sh" "$out" "$testpix"
echo "testdata: built in $(( $(date +%s) - start )) s"
echo "$stamp" >"$out/.testdata_stamp"
