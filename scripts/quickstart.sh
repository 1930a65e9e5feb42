#!/usr/bin/env bash
# Quick start: set everything up, then package the bundled sample for every preset, with
# a cover beside each episode. Outputs go to out/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
outdir="${1:-out}"
presets=()
for f in presets/*.ini; do presets+=(-p "$(basename "$f" .ini)"); done
build/reelpack package media/sample.mp4 "${presets[@]}" -o "$outdir" --reframe smart --cover
echo
echo "Done: one vertical episode and its cover per preset in $(cd "$outdir" && pwd)/"
ls -1 "$outdir"
