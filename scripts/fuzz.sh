#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer) in
# build-fuzz/ and runs each for a bounded time on a copy of its seed corpus
# (tests/fuzz/corpus/NAME, plus small media seeds made here with ffmpeg for demux).
#   scripts/fuzz.sh              every target, 60 s each
#   scripts/fuzz.sh 10 ranges    only `ranges`, 10 s
# Prints executions, coverage and corpus size per target; exits 1 when a target crashed
# (its reproducer is left in build-fuzz/crashes/NAME/).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
# A fixed seed makes a run repeatable (the same mutations in the same order, so a crash CI
# saw is found again here); REELPACK_FUZZ_SEED=0 lets libFuzzer pick one.
seed=${REELPACK_FUZZ_SEED:-1}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(ranges manifest crop_path presets subtitles demux)

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DREELPACK_FUZZ=ON -DREELPACK_SANITIZE=address,undefined \
  -DREELPACK_BUILD_TESTS=OFF >/dev/null || exit 1
cmake --build build-fuzz --target "${targets[@]/#/fuzz_}" || exit 1

work=build-fuzz/corpus
rm -rf "$work" && mkdir -p "$work"
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "build-fuzz/crashes/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t/" 2>/dev/null || true
done
if [[ " ${targets[*]} " == *" demux "* ]]; then
  # Tiny media of each container reelpack meets (a few kB each), made rather than committed.
  seed() { ffmpeg -nostdin -v error -y "$@" || exit 1; }
  src=(-f lavfi -i testsrc2=s=64x36:r=24000/1001:d=0.3 -f lavfi -i sine=r=8000:d=0.3)
  seed "${src[@]}" -c:v libx264 -preset ultrafast -bf 2 -c:a aac -b:a 16k "$work/demux/a.mp4"
  seed "${src[@]}" -c:v libx264 -preset ultrafast -c:a aac -b:a 16k "$work/demux/b.ts"
  seed "${src[@]}" -c:v libx264 -preset ultrafast -c:a aac -b:a 16k "$work/demux/c.mkv"
  seed "${src[@]}" -c:v mpeg4 -c:a pcm_s16le "$work/demux/d.mov"
  seed -f lavfi -i sine=r=8000:d=0.2 "$work/demux/e.wav"
fi

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export ASAN_OPTIONS
failed=()
printf '%-10s %10s %8s %8s %8s  %s\n' target execs cov ft corpus result
for t in "${targets[@]}"; do
  log="build-fuzz/fuzz_$t.log"
  build-fuzz/tests/fuzz/fuzz_"$t" "$work/$t" -max_total_time="$seconds" -timeout=20 -seed="$seed" \
    -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/$t/" >"$log" 2>&1
  rc=$?
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K\d+' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -oP 'cov: \K\d+' <<<"$last")
  ft=$(grep -oP 'ft: \K\d+' <<<"$last")
  corpus=$(ls "$work/$t" | wc -l)
  result=ok
  if ((rc != 0)); then
    result="CRASH (exit $rc; see $log)"
    failed+=("$t")
  fi
  printf '%-10s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$result"
done
if ((${#failed[@]})); then
  echo "fuzz: crashed: ${failed[*]}" >&2
  for t in "${failed[@]}"; do grep -m1 -A12 -E 'ERROR|runtime error|uncaught|deadly' "build-fuzz/fuzz_$t.log" >&2; done
  exit 1
fi
