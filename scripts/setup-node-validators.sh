#!/usr/bin/env bash
# Installs the offline CASE/UCO validator (tests/case-validator: our runner validate_case.mjs and
# the npm packages pinned by its package-lock.json) into DIR, with `npm ci`: exactly the locked
# versions, checked against their integrity hashes. The only network access is the npm registry,
# through npm itself. Safe to run twice: it does nothing when DIR already holds this lock's install.
# Usage: scripts/setup-node-validators.sh [DIR]   (default: build/node-validators in the checkout)
# Exit 2, naming the Debian package, when node or npm is missing.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$here/build/node-validators}"
src="$here/tests/case-validator"

command -v node >/dev/null || { echo "setup-node-validators: node is missing: install Debian's nodejs (scripts/install-deps.sh)" >&2; exit 2; }
command -v npm >/dev/null || { echo "setup-node-validators: npm is missing: install Debian's npm (scripts/install-deps.sh)" >&2; exit 2; }

mkdir -p "$dir"
cp -f "$src/validate_case.mjs" "$dir/validate_case.mjs"
# npm ci leaves node_modules/.package-lock.json; the stamp says which lock the install came from.
stamp="$dir/node_modules/.vigil-lock.sha256"
want="$(sha256sum "$src/package-lock.json" "$src/package.json" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup-node-validators: present in $dir"
  exit 0
fi
cp -f "$src/package.json" "$src/package-lock.json" "$dir/"
# --no-audit/--no-fund: no calls beyond fetching the packages themselves.
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
echo "setup-node-validators: installed in $dir ($(node --version))"
