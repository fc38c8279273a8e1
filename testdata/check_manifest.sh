#!/usr/bin/env bash
# Checks a build of testdata/build.sh against testdata/MANIFEST.
#
#   testdata/check_manifest.sh OUTDIR [MANIFEST]
#
# 1. every image file has the recorded size and SHA-256 (byte-identical build);
# 2. every partition of gpt.raw / mbr.raw holds exactly the recorded stand-alone image;
# 3. every planted entry is listed by TSK's fls with the recorded deleted flag, and icat returns
#    the recorded size and SHA-256 (deleted files included: their data is not overwritten);
# 4. ewfverify passes on the good E01 and fails on the corrupted and truncated ones, and the good
#    E01's stored MD5 matches the media hash.
# Prints one line per failure and exits 1 if anything failed.
set -uo pipefail

die() { echo "check_manifest: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: check_manifest.sh OUTDIR [MANIFEST]"
OUT="$1"
MANIFEST="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/MANIFEST}"
[ -d "$OUT" ] || die "no such folder: $OUT"
[ -f "$MANIFEST" ] || die "no manifest: $MANIFEST"
for t in fls icat ewfverify ewfinfo sha256sum; do
  command -v "$t" >/dev/null || die "missing tool '$t' (packages sleuthkit, ewf-tools, coreutils)"
done
export LC_ALL=C TZ=UTC

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
checked=0

# TSK prints control characters as '^', and reads ISO9660 names from the Joliet tree, where
# characters beyond U+FFFF became '_'. A deleted FAT entry whose name had no long-name entry
# shows '_' for its first character. Both sides are normalised the same way before comparing.
normalise() {  # path deleted-on-fat(0|1)
  local p
  p=$(printf '%s' "$1" | sed -z -e 's/[\xF0-\xF4][\x80-\xBF][\x80-\xBF][\x80-\xBF]/_/g' \
                             -e 's/[\x01-\x1F]/^/g')
  if [ "$2" = 1 ]; then p=$(printf '%s' "$p" | sed -z -e 's#\(^\|/\)[^/]#\1_#g'); fi
  printf '%s' "$p"
}

declare -A sizes=() hashes=()
while IFS=$'\t' read -r kind a b c d e f; do
  case "$kind" in
    image)
      sizes[$a]=$b; hashes[$a]=$c
      checked=$((checked + 1))
      if [ ! -f "$OUT/$a" ]; then fail "$a: missing"; continue; fi
      [ "$(stat -c %s "$OUT/$a")" = "$b" ] || fail "$a: size $(stat -c %s "$OUT/$a"), expected $b"
      [ "$(sha256sum <"$OUT/$a" | cut -d' ' -f1)" = "$c" ] || fail "$a: SHA-256 differs from MANIFEST"
      ;;
    partition)
      checked=$((checked + 1))
      got=$(dd if="$OUT/$a" bs=512 skip="$b" count="$c" status=none | sha256sum | cut -d' ' -f1)
      [ "$got" = "${hashes[$d]:-}" ] || fail "$a: partition at sector $b does not hold $d"
      ;;
    media)
      checked=$((checked + 1))
      stored=$(ewfinfo "$OUT/$a" 2>/dev/null | awk '$1 == "MD5:" {print $2; exit}')
      [ "$stored" = "$b" ] || fail "$a: stored MD5 '$stored', expected $b"
      ;;
    folder)
      checked=$((checked + 1))
      if [ ! -d "$OUT/$a" ]; then fail "$a: missing"; continue; fi
      [ "$(find "$OUT/$a" -type f | wc -l)" = "$b" ] || fail "$a: not $b files"
      [ "$(cd "$OUT/$a" && find . -type f -printf '%P\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1)" = "$c" ] ||
        fail "$a: its names differ from MANIFEST"
      ;;
    ewfverify)
      checked=$((checked + 1))
      if ewfverify -q "$OUT/$a" >/dev/null 2>&1; then got=pass; else got=fail; fi
      [ "$got" = "$b" ] || fail "$a: ewfverify says $got, expected $b"
      ;;
  esac
done < <(grep -v '^#' "$MANIFEST")

# Entries: one fls listing per file-system image.
declare -A listed=()
list_image() {  # image -> fills listed[normalised path]="deleted inode"
  local img="$1" meta path del ino fat=0
  [ "$img" = fat32.raw ] && fat=1
  listed=()
  while IFS=$'\t' read -r meta path; do
    del=0
    [[ "$meta" == *" * "* ]] && del=1
    ino=${meta##* }; ino=${ino%:}
    listed["$(normalise "$path" 0)|$del"]=$ino
    [ "$fat" = 1 ] && [ "$del" = 1 ] && listed["$(normalise "$path" 1)|fatdel"]=$ino
  done < <(fls -r -p "$OUT/$img" 2>/dev/null)
}

current=""
while IFS=$'\t' read -r kind img state type size hash path; do
  [ "$kind" = entry ] || continue
  checked=$((checked + 1))
  if [ "$img" != "$current" ]; then list_image "$img"; current=$img; fi
  real=$(printf '%b' "$path")
  want_del=0; [ "$state" = del ] && want_del=1
  key="$(normalise "$real" 0)|$want_del"
  ino=${listed[$key]:-}
  if [ -z "$ino" ] && [ "$img" = fat32.raw ] && [ "$want_del" = 1 ]; then
    ino=${listed["$(normalise "$real" 1)|fatdel"]:-}
  fi
  if [ -z "$ino" ]; then
    other=$((1 - want_del))
    if [ -n "${listed["$(normalise "$real" 0)|$other"]:-}" ]; then
      fail "$img: $path listed with the wrong deleted flag (expected $state)"
    else
      fail "$img: $path not listed by fls"
    fi
    continue
  fi
  [ "$type" = dir ] && continue
  got_size=$(icat "$OUT/$img" "$ino" 2>/dev/null | wc -c)
  got_hash=$(icat "$OUT/$img" "$ino" 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$got_size" = "$size" ] || fail "$img: $path (inode $ino) has $got_size bytes, expected $size"
  [ "$got_hash" = "$hash" ] || fail "$img: $path (inode $ino) content SHA-256 differs"
done < <(grep -v '^#' "$MANIFEST")

if [ "$failures" -gt 0 ]; then
  echo "check_manifest: $failures of $checked checks failed ($OUT against $MANIFEST)"
  exit 1
fi
echo "check_manifest: all $checked checks passed"
