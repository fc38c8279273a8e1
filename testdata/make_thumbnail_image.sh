#!/usr/bin/env bash
# Builds thumbs.ntfs (issue 13): an NTFS image holding a Windows user profile's thumbnail cache,
# a Thumbs.db and a Windows 11 search index, all synthetic and written by our own generators:
#   /Users/alice/AppData/Local/Microsoft/Windows/Explorer/thumbcache_256.db
#       (vigil_thumbcache_fixtures' format-32 cache: entry 0, cache id 0x1122334455667788, a
#       32x24 JPEG; entry 1 empty; entry 2, id 0xabcdef, a 16x16 PNG)
#   /Users/alice/AppData/Local/Microsoft/Windows/Explorer/thumbcache_idx.db
#   /Users/alice/Pictures/Thumbs.db                    (vigil_thumbsdb_fixtures' XP kind)
#   /ProgramData/Microsoft/Search/Data/Applications/Windows/Windows.db
#       (vigil_searchindex_fixtures: 0x1122334455667788 -> C:\Users\alice\Pictures\holiday\red
#       square.jpg, 0xabcdef -> C:\Users\alice\Pictures\icon.png, and an id no cache holds)
# The pictures the index names are not in the image: they exist only as thumbnails.
#
#   testdata/make_thumbnail_image.sh OUT.ntfs BUILD_DIR [VIGIL_NTFS_EDIT]
# Deterministic (mkntfs -T, fixed serial, frozen clock): testdata/MANIFEST records its SHA-256.
set -euo pipefail
die() { echo "make_thumbnail_image.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: make_thumbnail_image.sh OUT.ntfs BUILD_DIR [VIGIL_NTFS_EDIT]"
out="$1"; build="$2"; ntfs_edit="${3:-$build/testdata/vigil_ntfs_edit}"
export PATH="$PATH:/usr/sbin:/sbin" TZ=UTC LC_ALL=C.UTF-8
for t in mkntfs ntfslabel faketime; do
  command -v "$t" >/dev/null || die "missing tool '$t' (Debian packages ntfs-3g, faketime)"
done
tc="$build/plugins/thumbcache/vigil_thumbcache_fixtures"
tdb="$build/plugins/thumbsdb/vigil_thumbsdb_fixtures"
si="$build/plugins/searchindex/vigil_searchindex_fixtures"
for b in "$tc" "$tdb" "$si" "$ntfs_edit"; do
  [ -x "$b" ] || die "not built: $b (cmake --build $build)"
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$tc" "$work"
"$tdb" "$work"
# FILETIME of 2024-03-01 12:00:00 UTC, the testdata clock.
ft=133537680000000000
"$si" windows-db "$work/Windows.db" \
  1122334455667788 'C:\Users\alice\Pictures\holiday\red square.jpg' 31337 "$ft" \
  abcdef 'C:\Users\alice\Pictures\icon.png' 2048 "$ft" \
  0badc0ffee000001 'C:\Users\alice\Documents\report.docx' 50000 "$ft"
rm -f "$out"; truncate -s 16M "$out"
faketime -f "2024-03-01 12:00:00" mkntfs -q -F -Q -T -L VIGIL_THUMBS -s 512 -c 4096 -p 0 -H 64 \
  -S 32 "$out" >"$work/mkntfs.log" 2>&1 || { cat "$work/mkntfs.log" >&2; die "mkntfs failed"; }
ntfslabel -q --new-serial=5EED0000A7F5713B "$out" >/dev/null
explorer=/Users/alice/AppData/Local/Microsoft/Windows/Explorer
search=/ProgramData/Microsoft/Search/Data/Applications/Windows
{
  for d in /Users /Users/alice /Users/alice/AppData /Users/alice/AppData/Local \
    /Users/alice/AppData/Local/Microsoft /Users/alice/AppData/Local/Microsoft/Windows "$explorer" \
    /Users/alice/Pictures /ProgramData /ProgramData/Microsoft /ProgramData/Microsoft/Search \
    /ProgramData/Microsoft/Search/Data /ProgramData/Microsoft/Search/Data/Applications "$search"; do
    printf 'mkdir\t%s\n' "$d"
  done
  printf 'put\t%s\t%s\n' "$work/thumbcache_32.db" "$explorer/thumbcache_256.db"
  printf 'put\t%s\t%s\n' "$work/thumbcache_idx.db" "$explorer/thumbcache_idx.db"
  printf 'put\t%s\t%s\n' "$work/Thumbs_xp.db" /Users/alice/Pictures/Thumbs.db
  printf 'put\t%s\t%s\n' "$work/Windows.db" "$search/Windows.db"
} | faketime -f "2024-03-01 12:00:00" "$ntfs_edit" "$out"
echo "make_thumbnail_image.sh: wrote $out"
