#!/usr/bin/env bash
# Builds with clang and sanitizers and runs a part of the suite under them (CI runs both):
#   scripts/sanitize.sh address   AddressSanitizer + UndefinedBehaviorSanitizer, in
#                                 build-asan/: the unit tests and the media tests below
#   scripts/sanitize.sh thread    ThreadSanitizer, in build-tsan/: the tests of the package
#                                 fan-out (one decode thread, output workers sharing frames)
#                                 and of batch's parallel rows
# Every report stops the program (-fno-sanitize-recover=all), so a report fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-address}
case $kind in
  address)
    dir=build-asan
    sanitize=address,undefined
    targets=(unit_tests reelpack test_cut test_paths test_errors test_subtitles test_thumbs
      test_package)
    # The media tests most likely to meet bad memory: cuts, joins and exact copies, hostile
    # paths and inputs, errors, subtitles, covers, and the package fan-out.
    tests='cut|partition|exact|colons|protocols|playlists|FIFO|SIGKILL|subtitles|thumbs|cover|error|one decode|share one video encode'
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
    export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  thread)
    dir=build-tsan
    sanitize=thread
    targets=(reelpack test_package test_batch)
    tests='one decode feeds|share one video encode|a season runs|interrupted batch resumes|shards 0'
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp
    ;;
  *)
    echo "usage: scripts/sanitize.sh address|thread" >&2
    exit 2
    ;;
esac
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DREELPACK_SANITIZE="$sanitize" >/dev/null
cmake --build "$dir" --target "${targets[@]}"
cd "$dir"
if [[ $kind == address ]]; then
  ctest --output-on-failure -j2 -L unit
fi
ctest --output-on-failure -j2 -L media -R "$tests"
