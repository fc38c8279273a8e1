#!/usr/bin/env bash
# Installs the offline CASE/UCO SHACL validator (npm packages shacl-engine and @zazuko/env-node,
# pinned as in /work/shared/formats/README.md) into DIR, next to a copy of validate_case_shacl.mjs,
# so that `node DIR/validate_case_shacl.mjs case-1.4.0.ttl FILE.json` works without PyPI.
# The only network access is the npm registry, through npm itself; nothing is fetched at build or
# run time. Safe to run twice (skips when the packages are present).
# Usage: scripts/setup-node-validators.sh [DIR]   (default: build/node-validators in the checkout)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$here/build/node-validators}"
shared="${VIGIL_SHARED_DIR:-$here/../shared}"
validator="$shared/formats/case/validate_case_shacl.mjs"

command -v node >/dev/null || { echo "setup-node-validators: node is not installed (apt-get install nodejs npm)" >&2; exit 2; }
command -v npm >/dev/null || { echo "setup-node-validators: npm is not installed (apt-get install npm)" >&2; exit 2; }
[ -f "$validator" ] || { echo "setup-node-validators: $validator is missing" >&2; exit 2; }

mkdir -p "$dir"
cp -f "$validator" "$dir/validate_case_shacl.mjs"
if [ -d "$dir/node_modules/shacl-engine" ] && [ -d "$dir/node_modules/@zazuko/env-node" ]; then
  echo "setup-node-validators: present in $dir"
  exit 0
fi
[ -f "$dir/package.json" ] || echo '{"name":"vigil-node-validators","private":true,"type":"module"}' > "$dir/package.json"
# --no-audit/--no-fund: no calls beyond fetching the packages themselves.
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error shacl-engine@1.1.2 @zazuko/env-node@3.0.0)
echo "setup-node-validators: installed in $dir"
