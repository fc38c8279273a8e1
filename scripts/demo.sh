#!/usr/bin/env bash
# Installs dependencies, builds, and runs `vigil demo` (the embedded default) into ./out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release
./build/release/cli/vigil demo --out "${1:-out/demo}"
