#!/usr/bin/env bash
# Builds (if needed) and runs the whole test suite with ctest. Extra arguments go to ctest:
#   scripts/test.sh -R presets     tests whose name matches
#   scripts/test.sh -L unit        the fast ones only (no media, no binary; builds only them)
# The other labels are media (clips made with ffmpeg, the binary run) and docs.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null || ! pkg-config --exists libavformat catch2 2>/dev/null; then
  scripts/setup.sh --no-build
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# `-L unit` alone needs only the unit tests: build those, not the binary or media tests.
target=()
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  case ${args[i]} in
    -L | --label-regex) [[ ${args[i + 1]:-} == unit ]] && target=(--target unit_tests) ;;
    -Lunit | --label-regex=unit) target=(--target unit_tests) ;;
  esac
done
cmake --build build "${target[@]}"
cd build
ctest --output-on-failure -j2 "$@"
