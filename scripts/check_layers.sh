#!/usr/bin/env bash
# Checks that no source includes a header from a layer above its own (docs/architecture.md).
# Each line below: a folder of src/ and the folders it may include from (besides itself).
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [core]=""
  [presets]="core"
  [media]="core presets"
  [analysis]="core"
  [edit]="core presets media analysis"
  [subtitles]="core presets media edit"
  [reframe]="core presets media analysis edit"
  [stills]="core presets media analysis edit"
  [check]="core presets media"
  [package]="core presets media analysis edit subtitles reframe stills"
  [batch]="core presets media analysis edit subtitles reframe stills check package"
  [cli]="core presets media analysis edit subtitles reframe stills check package batch"
)
status=0
for dir in src/*/; do
  layer=$(basename "$dir")
  if [[ -z ${allowed[$layer]+set} ]]; then
    echo "check_layers: src/$layer is not a known layer; add it to scripts/check_layers.sh" >&2
    status=1
    continue
  fi
  while IFS=: read -r file line include; do
    target=${include%%/*}
    [[ $target == "$layer" ]] && continue
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "check_layers: $file:$line includes $include ($layer may not include $target)" >&2
      status=1
    fi
  done < <(grep -Hno '^#include "[a-z_]*/[a-z_0-9]*\.h"' "$dir"*.{h,cpp} 2>/dev/null |
           sed 's/#include "\(.*\)"/\1/')
done
# Analysis code works on cv::Mat and plain structs: no libav anywhere in it, nor in core.
if grep -Hn '#include <lib\(av\|sw\)' src/analysis/* src/core/*; then
  echo "check_layers: src/analysis and src/core must not include libav headers" >&2
  status=1
fi
((status == 0)) && echo "check_layers: every include points down the layers"
exit $status
