#!/usr/bin/env bash
# bench/carve/run.sh BUILD_DIR [WORK_DIR]: carving throughput and recall of vigil beside PhotoRec
# (package testdisk) and foremost, on the same images in one run (bench/carve/README.md).
#
# Image 1 (disk.img, 1,100 MiB): a FAT32 file system (4 KiB clusters) holding some text files;
# 20 pictures copied in and deleted (their clusters unallocated, contiguous, cluster aligned);
# the free space filled with random bytes, text and zeros; 20 pictures written at offsets that
# are no sector multiple (1,572 + i bytes into a cluster: appended to other bytes); 10 JPEGs
# written in two fragments split at a cluster boundary with 3 clusters of random bytes or text
# between them. Image 2 (random.img): the issue's case, 1 GiB of random bytes with 20 JPEGs at
# odd offsets.
#
# Recall is counted by MD5: a planted picture counts as found when a tool wrote a file with its
# exact bytes. Wall times include each tool's own reading of the image and writing of its
# output. Needs: mkfs.fat (dosfstools), mcopy/mdel (mtools), photorec (testdisk), foremost,
# md5sum, sqlite3, and the bench program (cmake --build BUILD_DIR --target
# vigil_carve_bench). When BUILD_DIR/cli/vigil carves (its scan has --no-carve), the whole
# `vigil scan` runs too ("scan"), its recall read from the MD5s in its case store.
set -euo pipefail

build=${1:?usage: bench/carve/run.sh BUILD_DIR [WORK_DIR]}
work=${2:-$build/bench-carve}
bench=$build/bench/carve/vigil_carve_bench
vigil=$build/cli/vigil
for tool in mkfs.fat mcopy mdel photorec foremost md5sum sqlite3; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool (Debian packages dosfstools, mtools, testdisk, foremost, coreutils," \
      "sqlite3)" >&2
    exit 2
  }
done
cmake --build "$build" --target vigil_carve_bench >/dev/null
[ -x "$bench" ] || { echo "missing $bench" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work/pics"
work=$(cd "$work" && pwd)  # absolute: PhotoRec runs inside it (below)
img=$work/disk.img
mib=$((1024 * 1024))

# --- pictures: 60 synthetic pictures (JPEG, PNG, BMP) drawn by the bench program
"$bench" draw "$work/pics" 60 1000
mapfile -t pics < <(ls "$work/pics" | sort)
jpegs=()
for p in "${pics[@]}"; do [[ $p == *.jpg ]] && jpegs+=("$p"); done

# --- image 1: a FAT32 file system, deleted pictures, filler, planted pictures
truncate -s $((1100 * mib)) "$img"
mkfs.fat -F 32 -S 512 -s 8 -n VIGILBENCH "$img" >/dev/null
text() {  # text LINE BYTES: LINE repeated (yes ends on SIGPIPE: not a failure here)
  (yes "$1" || true) | head -c "$2"
}
for i in 1 2 3 4 5; do
  text "vigil bench text file $i: nothing to carve here." $((200 * 1024)) >"$work/text$i.txt"
  mcopy -i "$img" "$work/text$i.txt" "::/text$i.txt"
done
: >"$work/planted.txt"  # md5 category name
for i in $(seq 0 19); do  # set A: copied, then deleted
  p=${pics[$i]}
  mcopy -i "$img" "$work/pics/$p" "::/$p"
  echo "$(md5sum <"$work/pics/$p" | cut -d' ' -f1) deleted $p" >>"$work/planted.txt"
done
for i in $(seq 0 19); do mdel -i "$img" "::/${pics[$i]}"; done
# Filler in the free space (the data area starts within the first few MiB; the pictures above
# lie in the first MiBs after the text files): random 100-500 MiB, text 500-750 MiB, zeros after.
head -c $((400 * mib)) /dev/urandom | dd of="$img" bs=1M seek=100 conv=notrunc status=none
text "Minutes of the meeting: the budget stands, the report is due on Friday." $((250 * mib)) | dd of="$img" bs=1M seek=500 conv=notrunc status=none
# set B: 20 pictures not on a sector (inside random bytes and text)
for i in $(seq 20 39); do
  p=${pics[$i]}
  at=$(((120 + (i - 20) * 15) * mib + 1572 + i))                   # 120-255 MiB: random
  [ "$i" -ge 30 ] && at=$(((520 + (i - 30) * 15) * mib + 1572 + i))  # 520-655 MiB: text
  dd if="$work/pics/$p" of="$img" oflag=seek_bytes seek=$at conv=notrunc status=none
  echo "$(md5sum <"$work/pics/$p" | cut -d' ' -f1) unaligned $p" >>"$work/planted.txt"
done
# set C: 10 JPEGs in two fragments, split at a cluster boundary, 3 clusters of gap between
n=0
for p in "${jpegs[@]}"; do
  [[ $p < pic040 ]] && continue  # pictures of their own, not copies of sets A and B
  [ "$n" -ge 10 ] && break
  size=$(stat -c %s "$work/pics/$p")
  [ "$size" -lt 12288 ] && continue
  first=$(((size / 2) / 4096 * 4096))
  base=$(((300 + n * 10) * mib))                        # 300-340 MiB: random
  [ "$n" -ge 5 ] && base=$(((680 + (n - 5) * 10) * mib))  # 680-720 MiB: text
  dd if="$work/pics/$p" of="$img" oflag=seek_bytes seek=$base bs=$first count=1 conv=notrunc \
    status=none
  tail -c +$((first + 1)) "$work/pics/$p" |
    dd of="$img" oflag=seek_bytes seek=$((base + first + 3 * 4096)) conv=notrunc status=none
  echo "$(md5sum <"$work/pics/$p" | cut -d' ' -f1) fragmented $p" >>"$work/planted.txt"
  n=$((n + 1))
done

# --- image 2: the issue's case
"$bench" random 1024 20 7 "$work/random.img" >"$work/random_bench.txt"
# The 20 JPEGs of image 2 are re-drawn by the bench program with seeds 107..126.
mkdir -p "$work/random_pics"
for i in $(seq 0 19); do
  "$bench" draw "$work/random_pics" 1 $((7 + 100 + i)) >/dev/null
  mv "$work/random_pics/pic000.jpg" "$work/random_pics/r$i.jpg"
done
for f in "$work"/random_pics/*.jpg; do
  echo "$(md5sum <"$f" | cut -d' ' -f1) random $(basename "$f")"
done >"$work/planted_random.txt"

# --- the carvers
timed() {  # timed LABEL CMD...: wall seconds into $work/time_LABEL
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/log_$label.txt" 2>&1 || echo "$label exited $?" >>"$work/log_$label.txt"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >"$work/time_$label"
}
recall() {  # recall PLANTED OUTDIR: "found/total" per category
  local planted=$1 out=$2
  if [ -f "$out/md5s.txt" ]; then  # vigil scan: the case store's MD5s
    cut -d' ' -f1 "$out/md5s.txt" | sort -u >"$work/found.md5"
  else
    find "$out" -type f -exec md5sum {} + 2>/dev/null | cut -d' ' -f1 | sort -u >"$work/found.md5"
  fi
  awk 'NR == FNR { found[$1] = 1; next }
       { total[$2]++; if ($1 in found) hit[$2]++ }
       END { for (c in total) printf "%s %d/%d  ", c, hit[c], total[c]; print "" }' \
    "$work/found.md5" "$planted"
}
run_all() {  # run_all IMAGE PLANTED TAG
  local image=$1 planted=$2 tag=$3 bytes
  bytes=$(stat -c %s "$image")
  cat "$image" >/dev/null  # the page cache holds the image for every tool alike
  mkdir -p "$work/vigil_$tag" "$work/photorec_$tag"
  timed "vigil_$tag" "$bench" image "$image" "$work/vigil_$tag" 2
  # (in the work folder: /log writes photorec.log into the current folder)
  timed "photorec_$tag" env -C "$work" photorec /log /d "$work/photorec_$tag/out" /cmd "$image" \
    wholespace,fileopt,everything,enable,search
  timed "foremost_q_$tag" foremost -q -t jpg,png,gif,bmp -i "$image" -o "$work/foremost_q_$tag"
  timed "foremost_$tag" foremost -t jpg,png,gif,bmp -i "$image" -o "$work/foremost_$tag"
  local tools="vigil photorec foremost_q foremost"
  # The whole scan (file system walk, carving of unallocated space, digests, perceptual hashes,
  # the case store), when this vigil carves: recall from the MD5s in its case store.
  # (The help is read whole before grep: with pipefail, grep -q's early exit made the pipeline
  # fail now and then, when vigil was still writing, and the scan rows went missing.)
  if [ -x "$vigil" ] && grep -q -- "--no-carve" <<<"$("$vigil" scan --help 2>&1)"; then
    timed "scan_$tag" "$vigil" scan --case "$work/case_$tag" -q "$image"
    mkdir -p "$work/scan_$tag"
    sqlite3 "$work/case_$tag/case.sqlite" "select md5 from items where md5 is not null" |
      sed 's/$/  carved/' >"$work/scan_$tag/md5s.txt"
    tools="scan $tools"
  fi
  for t in $tools; do
    local s
    s=$(cat "$work/time_${t}_$tag")
    printf "%-12s %-10s %7.2f s %8.0f MB/s  %s\n" "$tag" "$t" "$s" \
      "$(awk -v b="$bytes" -v s="$s" 'BEGIN { print b / s / 1e6 }')" \
      "$(recall "$planted" "$work/${t}_$tag"*)"
  done
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run_all "$img" "$work/planted.txt" disk
run_all "$work/random.img" "$work/planted_random.txt" random
cat "$work/random_bench.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
