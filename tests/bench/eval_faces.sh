#!/usr/bin/env bash
# Face detector evaluation (tests/bench/eval_faces.cpp): recall per category and time per
# call for the Haar cascades and BlazeFace, on drawn faces and on real photos taken from
# two Debian packages (downloaded with apt-get download into a temporary folder, never
# installed, never committed): python3-skimage (astronaut.png, camera.png) and
# opencv-doc (messi5.jpg, Megamind.avi).
#   tests/bench/eval_faces.sh [BUILD_DIR]      # default build
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
[[ -x "$build/tests/eval_faces" ]] || cmake --build "$build" --target eval_faces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  if apt-get download python3-skimage opencv-doc >/dev/null 2>&1; then
    mkdir x
    dpkg-deb --fsys-tarfile python3-skimage_*.deb |
      tar -x -C x ./usr/lib/python3/dist-packages/skimage/data/astronaut.png \
        ./usr/lib/python3/dist-packages/skimage/data/camera.png
    dpkg-deb --fsys-tarfile opencv-doc_*.deb |
      tar -x -C x ./usr/share/doc/opencv-doc/examples/data/messi5.jpg \
        ./usr/share/doc/opencv-doc/examples/data/Megamind.avi
    find x -type f -exec mv {} . \;
  else
    echo "eval_faces: apt-get download failed; drawn faces only" >&2
  fi
)
"$build/tests/eval_faces" --real "$work" 2> >(grep -v "libpng warning" >&2)
