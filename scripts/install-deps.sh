#!/usr/bin/env bash
# Installs every Debian package that vigil's build, tests, benchmarks and test-image scripts need.
# Safe to run twice: apt-get install is idempotent. Needs root (or sudo) and Debian 12.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format clang-tidy
  # libFuzzer targets (fuzz/, -DVIGIL_FUZZ=ON) need clang
  clang
  # libraries (docs/ARCHITECTURE.md, "Dependencies")
  libtsk-dev libewf-dev libxxhash-dev libssl-dev libcli11-dev libgtest-dev libgmock-dev
  libtbb-dev libsqlite3-dev nlohmann-json3-dev libfmt-dev
  # PostgreSQL as a shared case store (lib/case/src/pg_store.cpp): libpq; the server for its e2e test
  libpq-dev postgresql
  libopencv-dev libopencv-contrib-dev
  # HEIC/AVIF pictures for perceptual hashing (lib/phash; OpenCV 4.6 reads neither)
  libheif-dev
  # picture decoders of lib/phash (src/codecs.hpp): JPEG, PNG, TIFF and WebP through their own
  # libraries, not OpenCV imgcodecs (libjpeg62-turbo-dev and libwebp-dev are listed below)
  libpng-dev libtiff-dev
  # test-image tools: file systems, partition tables, E01, reference listings (fls, icat)
  sleuthkit ewf-tools mtools dosfstools e2fsprogs ntfs-3g exfatprogs xorriso fdisk
  # pins the clock of tools that have no option for it (ewfacquire), so test images are byte-identical
  faketime
  # libntfs-3g for testdata's NTFS populator (Debian's ntfs-3g has no rootless mkdir/rm tool)
  ntfs-3g-dev
  # GIF writer for the synthetic picture generator (OpenCV 4.6 cannot encode GIF)
  libgif-dev
  # documents extractor (plugins/documents): OLE compound files through libolecf (with libbfio,
  # its I/O layer), PDF through libqpdf (zlib: its stream-size check); exif (plugins/exif): exiv2
  libolecf-dev libbfio-dev libqpdf-dev libexiv2-dev zlib1g-dev
  # reference tools the tests and benchmarks compare against
  hashdeep libxml2-utils sqlite3 xxd python3
  # PDF report (lib/report): cairo PDF surface + pango shaping; fonts with Latin, Arabic
  # (DejaVu) and CJK (WenQuanYi) glyphs to embed; poppler-utils renders it in the e2e test
  libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-wqy-microhei poppler-utils
  # the zone database behind `vigil report --display-tz`
  tzdata
  # the CASE/UCO validator of the report's end-to-end test (tests/case-validator; its npm
  # packages are installed by scripts/setup-node-validators.sh from the committed lock file)
  nodejs npm
  # archive extractor (plugins/archive): libarchive reads ZIP/7z/RAR/tar/gzip/bzip2/xz; zip, 7z
  # (p7zip-full), bzip2 and xz write the container test data (testdata/make_containers.sh) and
  # the fuzz seeds (plugins/archive/fuzz/make_corpus.sh)
  libarchive-dev zip p7zip-full bzip2 xz-utils
  # bench/extract: gsf (libgsf-bin) writes the OLE .doc files of the containers bench image
  libgsf-bin
  # Windows Search index (plugins/searchindex): Windows.edb is an ESE database read through
  # libesedb; esedbexport (libesedb-utils) is the reference reader its tests compare against
  libesedb-dev libesedb-utils
  # carving (plugins/carve): candidates are validated by decoding (libjpeg-turbo's libjpeg API,
  # libjpeg62-turbo-dev, which reports where a decode stops; libwebp; GIF through libgif-dev
  # above); bench/carve runs the peer carvers PhotoRec (testdisk) and foremost beside vigil
  libturbojpeg0-dev libjpeg62-turbo-dev libwebp-dev testdisk foremost
  # scale-out (vigil plan/merge): the Slurm test starts a single-node slurmctld/slurmd with munge
  slurm-wlm munge
)

missing=()
for p in "${packages[@]}"; do
  # A nodejs package from outside Debian (NodeSource) bundles npm and conflicts with Debian's npm
  # package: an npm command that is already there counts.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
