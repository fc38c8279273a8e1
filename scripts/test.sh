#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite (unit, end-to-end, man pages,
# format check, all as CTest tests). Exit status is non-zero when anything fails. This is what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release
# The pinned npm packages of the CASE/UCO validator (tests/case-validator/package-lock.json).
./scripts/setup-node-validators.sh build/node-validators
ctest --preset release -j "$(nproc)" --timeout 900
