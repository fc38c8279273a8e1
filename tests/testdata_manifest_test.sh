#!/usr/bin/env bash
# CTest `testdata_manifest`: a fresh build of the synthetic evidence images must match
# testdata/MANIFEST byte for byte, and TSK must see every planted entry as recorded.
#   tests/testdata_manifest_test.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: testdata_manifest_test.sh OUTDIR" >&2; exit 2; }
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../testdata" && pwd)"
exec "$src/check_manifest.sh" "$1" "$src/MANIFEST"
