#!/usr/bin/env bash
# Builds (if needed) and runs the whole test suite with ctest. Extra arguments go to ctest,
# e.g. scripts/test.sh -R presets
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null || ! pkg-config --exists libavformat catch2 2>/dev/null; then
  scripts/setup.sh --no-build
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
cd build
ctest --output-on-failure -j2 "$@"
