#!/usr/bin/env bash
# Fails when a tracked file names a path outside the repository: the sibling folder of design
# notes and reference files on the machines vigil was first built on, or those machines' absolute
# paths. A clone from a public forge has neither, so such a path is a broken link or a test that
# passes only here. Binary files are not searched.
# Usage: no_outside_paths.sh SOURCE_DIR
set -euo pipefail
src="${1:?usage: no_outside_paths.sh SOURCE_DIR}"
cd "$src"
# The patterns are assembled so that this file does not match itself.
up='\.\.'
work='/wor''k/'
notes='shared/(DESIGN|STYLE|REPORTING)\.md|shared/(formats|vectors|hooks)/'
pattern="${up}/shared|${work}|${notes}"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list() { git ls-files -z; }
else
  # An exported tree without .git: every file but the build folders.
  list() { find . -path ./build -prune -o -path ./out -prune -o -type f -print0; }
fi
hits="$(list | xargs -0 -r grep -n -I -E "$pattern" -- 2>/dev/null || true)"
if [ -n "$hits" ]; then
  echo "Tracked files name paths outside the repository (cite a public name or URL instead):"
  echo "$hits"
  echo "no_outside_paths: FAILED ($(printf '%s\n' "$hits" | wc -l) lines)"
  exit 1
fi
echo "no_outside_paths: $(list | tr -cd '\0' | wc -c) files, none names a path outside the repository"
