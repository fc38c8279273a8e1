#!/usr/bin/env bash
# Thumbnails per second (issue 13): vigil scan of a folder holding one thumbcache_256.db of N
# entries and a Windows.db listing all their cache ids (make_evidence.py), so the time covers
# the thumbcache extractor, each thumbnail's digests (and PDQ/pHash unless --no-perceptual), the
# search index and the thumbnail-links stage.
#   bench/thumbnails/run.sh VIGIL VIGIL_TESTPIX [N=5000] [THREADS=2]
set -euo pipefail
vigil="$1"; testpix="$2"; n="${3:-5000}"; threads="${4:-2}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$testpix" one "$work/base.jpg" --seed 13 --size 96x96 --scene geometric
python3 "$(dirname "$0")/make_evidence.py" "$work/evidence" "$n" "$work/base.jpg"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for mode in "--no-perceptual" ""; do
  rm -rf "$work/case"
  start=$(date +%s.%N)
  "$vigil" scan "$work/evidence" --case "$work/case" -j "$threads" -q $mode || [ $? -eq 1 ]
  end=$(date +%s.%N)
  linked=$(sqlite3 "$work/case/case.sqlite" \
    "SELECT count(*) FROM records WHERE extractor = 'thumbnail_links'")
  thumbs=$(sqlite3 "$work/case/case.sqlite" "SELECT count(*) FROM items WHERE extractor = 'thumbcache'")
  awk -v n="$thumbs" -v l="$linked" -v s="$start" -v e="$end" -v m="${mode:-with PDQ+pHash}" \
    'BEGIN { printf "%s: %d thumbnails (%d linked) in %.2f s = %.0f thumbnails/s\n", m, n, l, e - s, n / (e - s) }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
