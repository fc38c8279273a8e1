#!/usr/bin/env bash
# Builds vigil's synthetic evidence images into OUTDIR, rootless and deterministically.
#
#   testdata/build.sh OUTDIR [VIGIL_TESTPIX]      (or VIGIL_TESTPIX=... testdata/build.sh OUTDIR)
#
# No mount, no sudo: every file system is written by a userspace tool (mtools, libntfs-3g through
# vigil_ntfs_edit, mkfs.ext4 -d + debugfs, xorriso). Every clock, UUID, label, serial and seed is
# fixed, so two runs give byte-identical images (testdata/MANIFEST records their SHA-256;
# testdata/check_manifest.sh verifies a build). testdata/README.md describes every image.
set -euo pipefail

readonly kEpoch=1709294400                      # 2024-03-01 12:00:00 UTC, the one clock of the set
readonly kFakeTime="2024-03-01 12:00:00"
readonly kScriptDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "testdata/build.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: build.sh OUTDIR [VIGIL_TESTPIX]"
OUT="$1"
TESTPIX="${2:-${VIGIL_TESTPIX:-}}"
[ -n "$TESTPIX" ] || die "give the vigil_testpix binary as second argument or in VIGIL_TESTPIX"
[ -x "$TESTPIX" ] || die "vigil_testpix not executable: $TESTPIX"
NTFS_EDIT="${VIGIL_NTFS_EDIT:-$(dirname "$TESTPIX")/vigil_ntfs_edit}"
[ -x "$NTFS_EDIT" ] || die "vigil_ntfs_edit not found next to vigil_testpix (or set VIGIL_NTFS_EDIT): $NTFS_EDIT"

# Tools first, each with the Debian package that has it (scripts/install-deps.sh installs them all).
check_tool() {
  command -v "$1" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1 ||
    die "missing tool '$1' (Debian package $2; run scripts/install-deps.sh)"
}
export PATH="$PATH:/usr/sbin:/sbin"
check_tool mformat mtools;     check_tool mcopy mtools;     check_tool mdel mtools
check_tool mrd mtools;         check_tool mmd mtools
check_tool mkntfs ntfs-3g;     check_tool ntfslabel ntfs-3g
check_tool mkfs.ext4 e2fsprogs; check_tool debugfs e2fsprogs
check_tool mkfs.exfat exfatprogs; check_tool exfatlabel exfatprogs
check_tool xorriso xorriso;    check_tool sfdisk fdisk
check_tool ewfacquire ewf-tools
check_tool faketime faketime
check_tool sha256sum coreutils; check_tool split coreutils; check_tool truncate coreutils
check_tool od coreutils

export TZ=UTC LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=$kEpoch MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=0
umask 022
# Runs a tool with the clock frozen at kFakeTime (tools that have no option to pin their time).
frozen() { faketime -f "$kFakeTime" "$@"; }

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
# Every file this script writes into OUT (OUT may hold other things, e.g. a CMake binary folder).
readonly OUTPUTS=(fat32.raw ntfs.raw ext4.raw exfat.raw iso9660.iso gpt.raw mbr.raw
  gpt_split.raw.001 gpt_split.raw.002 gpt_split.raw.003 gpt.E01 gpt.E02 gpt.E03
  gpt_corrupt.E01 gpt_corrupt.E02 gpt_corrupt.E03 gpt_truncated.E01 gpt_truncated.E02
  gpt_truncated.E03 gpt_adler.E01 gpt_adler.E02 gpt_adler.E03 gpt_table.E01 gpt_table.E02
  gpt_table.E03 gpt_section.E01 gpt_section.E02 gpt_section.E03 hostile.ext4)
for f in "${OUTPUTS[@]}" MANIFEST; do rm -f "$OUT/$f"; done
WORK="$OUT/.work"
rm -rf "$WORK"
mkdir -p "$WORK/pix"

# ---------------------------------------------------------------------------------------------
# The plan: every planted file, one per line, TAB-separated:
#   where    all | nofat (FAT forbids < > | " in names; mtools drops characters beyond U+FFFF)
#            | fat | ext4 (newline) | ntfs (streams)
#   state    keep | del (deleted after planting; ISO has no deletions, so del files are left out)
#   type     jpeg png gif bmp webp tiff text binary
#   source   pix:SEED:WxH:SCENE:EXT | text:NAME | blob:NAME
#   path     inside the file system (\n means a newline); for "ntfs" streams FILE:STREAM
# ---------------------------------------------------------------------------------------------
read -r -d '' PLAN <<'EOF' || true
all	keep	jpeg	pix:101:640x480:landscape:jpg	DCIM/100VIGIL/IMG_0001.JPG
all	keep	jpeg	pix:102:1024x768:seascape:jpg	DCIM/100VIGIL/IMG_0002.JPG
all	keep	png	pix:103:320x240:geometric:png	DCIM/100VIGIL/IMG_0003.PNG
all	keep	gif	pix:104:320x240:city:gif	DCIM/100VIGIL/IMG_0004.GIF
all	keep	webp	pix:105:800x600:texture:webp	DCIM/100VIGIL/IMG_0005.WEBP
all	keep	bmp	pix:106:64x48:poster:bmp	DCIM/100VIGIL/IMG_0006.BMP
all	keep	tiff	pix:107:160x120:landscape:tif	DCIM/100VIGIL/IMG_0007.TIF
all	del	jpeg	pix:108:640x480:seascape:jpg	DCIM/100VIGIL/IMG_0008.JPG
all	keep	bmp	pix:109:1200x900:landscape:bmp	Pictures/Holiday/panorama.bmp
all	keep	webp	pix:110:1280x720:seascape:webp	Pictures/Holiday/sunset.webp
all	del	png	pix:111:800x600:city:png	Pictures/Holiday/night_city.png
all	keep	jpeg	pix:112:640x480:landscape:jpg	Pictures/صور/عطلة الصيف.jpg
all	keep	png	pix:113:320x240:geometric:png	Pictures/照片/风景.png
nofat	keep	gif	pix:114:200x300:poster:gif	Pictures/🌄 sunrise 😀.gif
fat	keep	gif	pix:114:200x300:poster:gif	Pictures/☀ sunny ☂.gif
all	keep	png	pix:115:64x48:texture:png	Pictures/thumbs/t_64x48.png
all	keep	jpeg	pix:116:160x120:city:jpg	Pictures/thumbs/t_160x120.jpg
all	keep	text	text:notes	Documents/notes.txt
all	keep	text	text:budget	Documents/budget.csv
all	keep	png	pix:117:320x240:seascape:png	Documents/report.txt
all	del	text	text:secret	Documents/old_notes.txt
all	keep	jpeg	pix:118:640x480:geometric:jpg	Windows/System32/shell32.dll
all	keep	binary	blob:kernel	Windows/System32/kernel32.dll
all	keep	binary	blob:backup	Archive/backup.dat
all	keep	webp	pix:119:320x240:landscape:webp	Archive/photo.zip
all	keep	jpeg	pix:120:320x240:texture:jpg	a/b/c/d/e/f/g/deep.jpg
all	del	jpeg	pix:121:320x240:city:jpg	Trash/old/gone.jpg
all	keep	jpeg	pix:122:160x120:poster:jpg	Hostile/it's 'single'.jpg
all	keep	png	pix:123:160x120:geometric:png	Hostile/=cmd+'calc'!A1.png
nofat	keep	jpeg	pix:124:160x120:landscape:jpg	Hostile/<script>alert(1)</script>.jpg
nofat	keep	jpeg	pix:125:160x120:seascape:jpg	Hostile/<img src=x onerror=alert(1)>.jpg
nofat	keep	png	pix:126:160x120:city:png	Hostile/=cmd|'/c calc'!A1.png
nofat	keep	gif	pix:127:160x120:texture:gif	Hostile/say "cheese".gif
ext4	keep	jpeg	pix:128:160x120:poster:jpg	Hostile/new\nline.jpg
ntfs	keep	jpeg	pix:129:320x240:landscape:jpg	Documents/notes.txt:hidden.jpg
EOF

# Folders deleted after their files (empty by then); deepest first.
readonly DELETED_DIRS=("Trash/old")

text_content() {
  case "$1" in
    notes) printf 'Meeting notes\n=============\n\n- order new lenses\n- back up the card\n- ünïcödé, العربية, 中文\n' ;;
    budget) printf 'item,amount\ntripod,45.00\nmemory card,19.99\nlens cloth,3.50\n' ;;
    secret) printf 'These notes were deleted. Nothing to see here.\n' ;;
  esac
}

# Deterministic non-media bytes: pictures glued together with text, so they are neither
# compressible nor a valid picture at offset 0.
blob_content() {
  case "$1" in
    kernel) printf 'MZ\x90\x00synthetic, not a PE file\n'; cat "$WORK/pix/107.tif" ;;
    backup) printf 'VIGILBAK1\n'; for s in 102 110 109; do cat "$WORK/pix/$s."*; done ;;
  esac
}

# 1. Pictures.
while IFS=$'\t' read -r where state type src path; do
  [[ "$src" == pix:* ]] || continue
  IFS=: read -r _ seed size scene ext <<<"$src"
  "$TESTPIX" one "$WORK/pix/$seed.$ext" --seed "$seed" --size "$size" --scene "$scene"
done <<<"$PLAN"

# 2. One staging tree per file-system kind, holding exactly what that file system gets.
decode_path() { printf '%b' "$1"; }
stage_file() {  # src dest
  mkdir -p "$(dirname "$2")"
  case "$1" in
    pix:*) IFS=: read -r _ seed _ _ ext <<<"$1"; cp "$WORK/pix/$seed.$ext" "$2" ;;
    text:*) text_content "${1#text:}" >"$2" ;;
    blob:*) blob_content "${1#blob:}" >"$2" ;;
  esac
}
wanted() {  # where kind
  case "$1" in
    all) return 0 ;;
    nofat) [ "$2" != fat ] ;;
    *) [ "$1" = "$2" ] ;;
  esac
}
for kind in fat ntfs ext4 iso; do
  mkdir -p "$WORK/stage-$kind"
  while IFS=$'\t' read -r where state type src path; do
    wanted "$where" "$kind" || continue
    [ "$where" = ntfs ] && continue             # streams are added by the NTFS step
    [ "$kind" = iso ] && [ "$state" = del ] && continue
    stage_file "$src" "$WORK/stage-$kind/$(decode_path "$path")"
  done <<<"$PLAN"
  # Every file and folder gets the one clock so that copies carry fixed times.
  find "$WORK/stage-$kind" -depth -exec touch -h -d "@$kEpoch" {} +
done

# Lists staged entries in a stable order (parents before children), NUL-separated, relative.
staged_entries() { (cd "$1" && find . -mindepth 1 -printf '%y %P\0' | LC_ALL=C sort -z); }

# 3. FAT32 (mtools). 40 MiB with 512-byte clusters is above FAT32's 65525-cluster minimum.
build_fat() {
  local img="$OUT/fat32.raw"
  rm -f "$img"; truncate -s 40M "$img"
  frozen mformat -i "$img" -F -c 1 -N 5EED0F32 -v VIGIL_FAT32 -h 64 -s 32 -H 0 ::
  while IFS= read -r -d '' e; do
    local t="${e%% *}" p="${e#* }"
    if [ "$t" = d ]; then frozen mmd -i "$img" "::/$p"
    else frozen mcopy -m -i "$img" "$WORK/stage-fat/$p" "::/$p"; fi
  done < <(staged_entries "$WORK/stage-fat")
  while IFS=$'\t' read -r where state type src path; do
    wanted "$where" fat && [ "$state" = del ] || continue
    frozen mdel -i "$img" "::/$(decode_path "$path")"
  done <<<"$PLAN"
  for d in "${DELETED_DIRS[@]}"; do frozen mrd -i "$img" "::/$d"; done
}

# 4. NTFS (mkntfs + vigil_ntfs_edit over libntfs-3g). mkntfs -T zeroes its own times.
build_ntfs() {
  local img="$OUT/ntfs.raw" cmds="$WORK/ntfs.cmds"
  rm -f "$img"; truncate -s 24M "$img"
  frozen mkntfs -q -F -Q -T -L VIGIL_NTFS -s 512 -c 4096 -p 2048 -H 64 -S 32 "$img" \
    >"$WORK/mkntfs.log" 2>&1 || { cat "$WORK/mkntfs.log" >&2; die "mkntfs failed"; }
  ntfslabel -q --new-serial=5EED0000A7F5C0DE "$img" >/dev/null
  : >"$cmds"
  while IFS= read -r -d '' e; do
    local t="${e%% *}" p="${e#* }"
    if [ "$t" = d ]; then printf 'mkdir\t/%s\n' "$p" >>"$cmds"
    else printf 'put\t%s\t/%s\n' "$WORK/stage-ntfs/$p" "$p" >>"$cmds"; fi
  done < <(staged_entries "$WORK/stage-ntfs")
  while IFS=$'\t' read -r where state type src path; do
    if [ "$where" = ntfs ]; then
      IFS=: read -r _ seed _ _ ext <<<"$src"
      printf 'ads\t%s\t/%s\t%s\n' "$WORK/pix/$seed.$ext" "${path%%:*}" "${path#*:}" >>"$cmds"
    elif wanted "$where" ntfs && [ "$state" = del ]; then
      printf 'rm\t/%s\n' "$path" >>"$cmds"
    fi
  done <<<"$PLAN"
  frozen "$NTFS_EDIT" "$img" <"$cmds"
  # A second session for folders: within one session libntfs-3g still sees the files just
  # deleted from them and refuses with "Directory not empty".
  for d in "${DELETED_DIRS[@]}"; do printf 'rm\t/%s\n' "$d"; done | frozen "$NTFS_EDIT" "$img"
}

# 5. ext4 (mkfs.ext4 -d, then debugfs for deletions and to pin the change times that mkfs copies
# from the staging tree, which the kernel sets and touch cannot).
build_ext4() {
  local img="$OUT/ext4.raw" cmds="$WORK/ext4.cmds"
  rm -f "$img"; truncate -s 24M "$img"
  E2FSPROGS_FAKE_TIME=$kEpoch frozen mkfs.ext4 -q -F -t ext4 -b 1024 -N 256 -m 0 -L VIGIL_EXT4 \
    -U 5eed0e40-0000-4000-8000-00000000e4e4 \
    -E hash_seed=5eed0e40-1111-4111-8111-111111111111,root_owner=0:0,lazy_itable_init=0 \
    -d "$WORK/stage-ext4" "$img"
  local used
  # mkfs -d numbers inodes from 12 in staging order (11 is lost+found); count with -printf so
  # that the name holding a newline counts once.
  used=$(( $(find "$WORK/stage-ext4" -mindepth 1 -printf . | wc -c) + 11 ))
  : >"$cmds"
  for ino in 2 $(seq 11 "$used"); do
    printf 'sif <%d> ctime @%d\n' "$ino" "$kEpoch" >>"$cmds"
  done
  while IFS=$'\t' read -r where state type src path; do
    wanted "$where" ext4 && [ "$state" = del ] || continue
    printf 'rm "/%s"\n' "$path" >>"$cmds"
  done <<<"$PLAN"
  for d in "${DELETED_DIRS[@]}"; do printf 'rmdir "/%s"\n' "$d" >>"$cmds"; done
  E2FSPROGS_FAKE_TIME=$kEpoch frozen debugfs -w -f "$cmds" "$img" >/dev/null 2>"$WORK/ext4.err"
  if grep -v '^debugfs ' "$WORK/ext4.err" | grep -q .; then
    cat "$WORK/ext4.err" >&2; die "debugfs reported errors on ext4.raw"
  fi
}

# 6. exFAT: formatted but empty. exfatprogs has no tool that writes files into an unmounted
# volume (README.md explains), so this image tests detection and an empty root only.
build_exfat() {
  local img="$OUT/exfat.raw"
  rm -f "$img"; truncate -s 8M "$img"
  frozen mkfs.exfat -q -L VIGIL_EXFAT -c 4K "$img" >/dev/null 2>&1 || frozen mkfs.exfat -L VIGIL_EXFAT -c 4K "$img" >/dev/null
  frozen exfatlabel -i "$img" 0x5EEDEFA7 >/dev/null
}

# 7. ISO9660 with Rock Ridge and Joliet; SOURCE_DATE_EPOCH pins every date and the volume UUID.
build_iso() {
  local img="$OUT/iso9660.iso"
  rm -f "$img"
  frozen xorriso -no_rc -report_about SORRY -outdev "$img" -volid VIGIL_ISO -joliet on \
    -rockridge on -compliance no_emul_toc -map "$WORK/stage-iso" / >/dev/null 2>"$WORK/iso.err" ||
    { cat "$WORK/iso.err" >&2; die "xorriso failed"; }
}

# 8. Disks. Partitions start on MiB boundaries; the file-system images above are copied in whole,
# so every partition holds exactly the bytes of the matching stand-alone image.
readonly MiB=$((1024 * 1024))
place() {  # fs-image disk-image offset-in-MiB
  dd if="$1" of="$2" bs=1M seek="$3" conv=notrunc,sparse status=none
}

# GPT: FAT32 at 1 MiB, NTFS at 41 MiB, ext4 at 66 MiB (1 MiB unpartitioned before it, and more
# after it).
build_gpt() {
  local img="$OUT/gpt.raw"
  rm -f "$img"; truncate -s 92M "$img"
  sfdisk -q --no-reread --no-tell-kernel "$img" >/dev/null <<'GPT'
label: gpt
label-id: 5EED6E17-0000-4000-8000-000000000001
unit: sectors
first-lba: 34
start=2048, size=81920, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=5EED6E17-0001-4000-8000-00000000FA32, name="VIGIL_FAT32"
start=83968, size=49152, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=5EED6E17-0002-4000-8000-00000000A7F5, name="VIGIL_NTFS"
start=135168, size=49152, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=5EED6E17-0003-4000-8000-0000000000E4, name="VIGIL_EXT4"
GPT
  place "$OUT/fat32.raw" "$img" 1
  place "$OUT/ntfs.raw" "$img" 41
  place "$OUT/ext4.raw" "$img" 66
}

# MBR: FAT32 primary at 1 MiB; an extended partition from 41 MiB holding logical ext4 (42 MiB),
# NTFS (67 MiB) and exFAT (92 MiB), each after its EBR.
build_mbr() {
  local img="$OUT/mbr.raw"
  rm -f "$img"; truncate -s 101M "$img"
  sfdisk -q --no-reread --no-tell-kernel "$img" >/dev/null <<'MBR'
label: dos
label-id: 0x5eed0d05
unit: sectors
start=2048, size=81920, type=c
start=83968, size=120832, type=5
start=86016, size=49152, type=83
start=137216, size=49152, type=7
start=188416, size=16384, type=7
MBR
  place "$OUT/fat32.raw" "$img" 1
  place "$OUT/ext4.raw" "$img" 42
  place "$OUT/ntfs.raw" "$img" 67
  place "$OUT/exfat.raw" "$img" 92
}

# 9. The GPT disk again as split raw and as E01 (good, corrupted, truncated).
build_split() {
  rm -f "$OUT"/gpt_split.raw.*
  split -a 3 --numeric-suffixes=1 -b 32M "$OUT/gpt.raw" "$OUT/gpt_split.raw."
}

build_e01() {
  rm -f "$OUT"/gpt.E?? "$OUT"/gpt_corrupt.E?? "$OUT"/gpt_truncated.E??
  # deflate "fast" and 8 MiB segments give several segments; every header value is pinned and
  # the clock frozen, so the acquisition date is fixed too.
  frozen ewfacquire -u -q -t "$OUT/gpt" -f encase6 -c deflate:fast -S 8MiB -b 64 -d sha1 \
    -C VIGIL-CASE-0001 -D "vigil synthetic GPT test disk" -E EV-0001 -e "vigil testdata" \
    -N "generated by testdata/build.sh" -m fixed -M physical "$OUT/gpt.raw" \
    >"$WORK/ewfacquire.log" 2>&1 || { cat "$WORK/ewfacquire.log" >&2; die "ewfacquire failed"; }
}

# Offset of the first section of TYPE in an EWF segment file (EWF format: 13-byte file header,
# then 76-byte section descriptors: type[16], next-offset u64 LE, size u64 LE, ...).
ewf_section() {  # file type
  local off=13 t nx
  while :; do
    t=$(dd if="$1" bs=1 skip="$off" count=16 status=none | tr -d '\0')
    [ "$t" = "$2" ] && { echo "$off"; return 0; }
    nx=$(od -An -t u8 -j $((off + 16)) -N 8 "$1" | tr -d ' ')
    { [ -z "$nx" ] || [ "$nx" -le "$off" ]; } && return 1
    off=$nx
  done
}

# Inverts the byte at offset POS of FILE.
flip_byte() {  # file pos
  local byte
  byte=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 0xFF)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# EnCase 6 table section (after its 76-byte descriptor): entry count u32, 4 bytes padding, base
# offset u64, 4 bytes padding, header Adler-32, then one u32 per chunk (bit 31: compressed; the
# rest: offset from the base), then the entries' Adler-32. Prints "FIRST-ENTRY-OFFSET COUNT BASE".
ewf_table() {  # file
  local t n base
  t=$(ewf_section "$1" table) || return 1
  n=$(od -An -t u4 -j $((t + 76)) -N 4 "$1" | tr -d ' ')
  base=$(od -An -t u8 -j $((t + 84)) -N 8 "$1" | tr -d ' ')
  echo "$((t + 100)) $n $base"
}

build_bad_e01() {
  local seg name
  for name in corrupt truncated adler table section; do
    for seg in "$OUT"/gpt.E??; do cp "$seg" "$OUT/gpt_$name.${seg##*.}"; done
  done
  # Corrupted: one byte in the middle of the chunk data of the second segment is inverted, so the
  # chunk's checksum (or its deflate stream) and the media MD5 no longer match.
  local f="$OUT/gpt_corrupt.E02" sec size pos
  sec=$(ewf_section "$f" sectors) || die "no sectors section in $f"
  size=$(od -An -t u8 -j $((sec + 24)) -N 8 "$f" | tr -d ' ')
  pos=$((sec + 76 + (size - 76) / 2))
  flip_byte "$f" "$pos"
  echo "$pos" >"$WORK/corrupt_offset"
  # Adler: the chunk at 65 MiB (sectors 133120-133183, zeros: the gap before the ext4 partition)
  # loses the last byte of its zlib stream (the stream's own Adler-32). It still inflates to the
  # right bytes, and a reader that zero-fills a failed chunk also returns the right bytes, so the
  # media MD5 matches: only the chunk's own check shows the damage.
  local want=$(( 65 * MiB / (64 * 512) )) seg_file entries n base i start next end="" starts
  for seg_file in "$OUT"/gpt_adler.E??; do
    read -r entries n base < <(ewf_table "$seg_file") || die "no table in $seg_file"
    if [ "$want" -lt "$n" ]; then break; fi
    want=$((want - n))
  done
  [ "$want" -lt "$n" ] || die "no segment of gpt_adler holds the chunk at 65 MiB"
  mapfile -t starts < <(od -An -v -t u4 -w4 -j "$entries" -N $((n * 4)) "$seg_file")
  [ $(( ${starts[want]// /} & 0x80000000 )) -ne 0 ] || die "the chunk at 65 MiB is not compressed"
  [ $((want + 1)) -lt "$n" ] || die "the chunk at 65 MiB is the last of its segment"
  end=$(( (${starts[want + 1]// /} & 0x7FFFFFFF) + base - 1 ))
  flip_byte "$seg_file" "$end"
  echo "$(basename "$seg_file") $end" >"$WORK/adler_offset"
  # Table: the low byte of entry 100 of the second segment's chunk table (chunk offsets).
  read -r entries n base < <(ewf_table "$OUT/gpt_table.E02") || die "no table in gpt_table.E02"
  flip_byte "$OUT/gpt_table.E02" $((entries + 4 * 100))
  echo $((entries + 4 * 100)) >"$WORK/table_offset"
  # Section header: a byte of the size field of the second segment's "sectors" section
  # descriptor (whose own Adler-32 then fails).
  flip_byte "$OUT/gpt_section.E02" $((sec + 24))
  echo $((sec + 24)) >"$WORK/section_offset"
  # Truncated: the last segment loses its second half (its table and closing sections).
  local last
  last=$(ls "$OUT"/gpt_truncated.E?? | tail -n 1)
  truncate -s $(( $(stat -c %s "$last") / 2 )) "$last"
}

# 10. MANIFEST: every image's SHA-256, how partitions map to the stand-alone file-system images,
# the E01 media hashes and expected verification results, and every planted entry with its size
# and content SHA-256 (taken from the staged source, i.e. what was written, not what was read).
sha() { sha256sum <"$1" | cut -d" " -f1; }  # stdin: a name with a newline would be escaped
write_manifest() {
  local m="$OUT/MANIFEST" f kind img where state type src path rel
  {
    printf '# vigil testdata MANIFEST, written by testdata/build.sh; checked by testdata/check_manifest.sh.\n'
    printf '# TAB-separated. Paths are relative to the file-system root, with \\n for a newline.\n'
    printf '# image      NAME SIZE SHA256\n'
    printf '# partition  DISK START-SECTOR SECTORS FS-IMAGE   (the partition holds exactly FS-IMAGE)\n'
    printf '# media      EWF-FIRST-SEGMENT MD5 SHA1          (hashes of the media data, = the raw disk)\n'
    printf '# ewfverify  EWF-FIRST-SEGMENT pass|fail\n'
    printf '# damage     FILE WHAT\n'
    printf '# entry      FS-IMAGE keep|del TYPE SIZE SHA256 PATH   (TYPE dir: SIZE and SHA256 are -)\n'
    printf '# folder     NAME FILES SHA256-OF-SORTED-NAMES (folder evidence; every file empty)\n'
    for f in $(printf '%s\n' "${OUTPUTS[@]}" | LC_ALL=C sort); do
      printf 'image\t%s\t%s\t%s\n' "$f" "$(stat -c %s "$OUT/$f")" "$(sha "$OUT/$f")"
    done
    printf 'folder\thostile_wide\t%s\t%s\n' "$(find "$OUT/hostile_wide" -type f | wc -l)" \
      "$(cd "$OUT/hostile_wide" && find . -type f -printf '%P\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1)"
    printf 'partition\tgpt.raw\t2048\t81920\tfat32.raw\n'
    printf 'partition\tgpt.raw\t83968\t49152\tntfs.raw\n'
    printf 'partition\tgpt.raw\t135168\t49152\text4.raw\n'
    printf 'partition\tmbr.raw\t2048\t81920\tfat32.raw\n'
    printf 'partition\tmbr.raw\t86016\t49152\text4.raw\n'
    printf 'partition\tmbr.raw\t137216\t49152\tntfs.raw\n'
    printf 'partition\tmbr.raw\t188416\t16384\texfat.raw\n'
    local md5 sha1
    md5=$(md5sum "$OUT/gpt.raw" | cut -d' ' -f1)
    sha1=$(sha1sum "$OUT/gpt.raw" | cut -d' ' -f1)
    printf 'media\tgpt.E01\t%s\t%s\n' "$md5" "$sha1"
    printf 'ewfverify\tgpt.E01\tpass\n'
    printf 'ewfverify\tgpt_corrupt.E01\tfail\n'
    printf 'ewfverify\tgpt_truncated.E01\tfail\n'
    printf 'ewfverify\tgpt_adler.E01\tfail\n'
    printf 'ewfverify\tgpt_table.E01\tfail\n'
    printf 'ewfverify\tgpt_section.E01\tfail\n'
    printf 'damage\tgpt_corrupt.E02\tbyte at offset %s inverted (chunk data of the sectors section)\n' \
      "$(cat "$WORK/corrupt_offset")"
    printf 'damage\tgpt_truncated.E03\tcut to %s bytes\n' "$(stat -c %s "$OUT/gpt_truncated.E03")"
    read -r f pos <"$WORK/adler_offset"
    printf 'damage\t%s\tbyte at offset %s inverted (last byte of the compressed chunk of zeros at sector 133120: its zlib Adler-32)\n' \
      "$f" "$pos"
    printf 'damage\tgpt_table.E02\tbyte at offset %s inverted (chunk 100 of the table section)\n' \
      "$(cat "$WORK/table_offset")"
    printf 'damage\tgpt_section.E02\tbyte at offset %s inverted (size field of the sectors section descriptor)\n' \
      "$(cat "$WORK/section_offset")"
    for kind in fat ntfs ext4 iso; do
      case "$kind" in
        fat) img=fat32.raw ;; ntfs) img=ntfs.raw ;; ext4) img=ext4.raw ;; iso) img=iso9660.iso ;;
      esac
      while IFS=$'\t' read -r where state type src path; do
        wanted "$where" "$kind" || continue
        [ "$kind" = iso ] && [ "$state" = del ] && continue
        if [ "$where" = ntfs ]; then
          IFS=: read -r _ seed _ _ ext <<<"$src"; f="$WORK/pix/$seed.$ext"
        else
          f="$WORK/stage-$kind/$(decode_path "$path")"
        fi
        printf 'entry\t%s\t%s\t%s\t%s\t%s\t%s\n' "$img" "$state" "$type" "$(stat -c %s "$f")" \
          "$(sha "$f")" "$path"
      done <<<"$PLAN"
      if [ "$kind" != iso ]; then
        for rel in "${DELETED_DIRS[@]}"; do printf 'entry\t%s\tdel\tdir\t-\t-\t%s\n' "$img" "$rel"; done
      fi
    done
  } >"$m"
}

build_fat
build_ntfs
build_ext4
build_exfat
build_iso
build_gpt
build_mbr
build_split
build_e01
build_bad_e01
# The hostile corpus (issue 15): hostile.ext4 and the folder hostile_wide.
"$kScriptDir/make_hostile.sh" "$OUT"
for f in "${OUTPUTS[@]}"; do [ -f "$OUT/$f" ] || die "expected output $f was not written"; done
for f in "$OUT"/gpt.E?? "$OUT"/gpt_split.raw.*; do
  printf '%s\n' "${OUTPUTS[@]}" | grep -qx "$(basename "$f")" ||
    die "unexpected output $(basename "$f"): update OUTPUTS (segment or split count changed)"
done
write_manifest
rm -rf "$WORK"
echo "testdata/build.sh: images and MANIFEST written to $OUT"
