#!/usr/bin/env bash
# Benchmark: `reelpack thumbs -n 1` against `ffmpeg -i X -vf thumbnail=300 -frames:v 1`.
#
# Generates a 1080p 16:9 clip (default 40 s; shots of 5 s alternating a busy test pattern
# and a set with a drawn face, light grain) in two encodings, the two cases:
#   rich  H.264 CRF 18 with a 2-second GOP, as a delivered master usually has: a keyframe
#         every 2 s
#   few   the same with x264's default GOP (-g 250, keyframes at scene cuts): keyframes
#         only at most cuts and every 250 frames, about ten in 40 s
# and times, alternating, RUNS times each:
#   ffmpeg:   ffmpeg -i SRC -vf thumbnail=300 -frames:v 1 ffmpeg.jpg
#             (decodes every frame and keeps 300 of them to pick the most representative)
#   reelpack: reelpack thumbs SRC -o DIR -n 1
#             (keyframes only to choose, a second after the pick to check it, then the
#             cover's frame again at full size; dense sampling when the keyframes are too
#             few, see docs/thumbs.md)
# and reports, per case, the median wall time of each and their ratio (goal <= 0.20), the
# median CPU time (user + sys), and the median peak memory (max RSS) and its ratio (goal
# <= 0.50). Also `thumbs -n 1 -p tiktok` (a 1080x1920 cover) for information.
#
# A benchmark, not a test: exits 0 whether or not the goals are met; non-zero only when
# something fails to run.
#
# Environment:
#   REELPACK    reelpack binary          (default: <repo>/build/reelpack)
#   DURATION    clip length in seconds   (default: 40; the issue asks for at least 30)
#   RUNS        timed runs of each tool  (default: 5)
#   CASES       which cases              (default: "rich few")
#   BENCH_JSON  also write the results as JSON to this file (optional)
#   KEEP_WORK=1 keep the temporary folder
#
# Needs: ffmpeg (5.1, libx264), python3, GNU time at /usr/bin/time.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
DURATION="${DURATION:-40}"
RUNS="${RUNS:-5}"
CASES="${CASES:-rich few}"
BENCH_JSON="${BENCH_JSON:-}"
KEEP_WORK="${KEEP_WORK:-0}"

die() { echo "bench_thumbs: $*" >&2; exit 2; }
for tool in ffmpeg python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian: apt-get install $tool)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing; install it with: apt-get install time"
[[ -x "$REELPACK" ]] || die "no reelpack binary at $REELPACK; build it (scripts/test.sh builds build/) or set REELPACK"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 10 ]] || die "DURATION must be a whole number of seconds, at least 10 (got '$DURATION')"
for c in $CASES; do [[ "$c" == rich || "$c" == few ]] || die "CASES takes rich and few (got '$c')"; done
REELPACK="$(cd "$(dirname "$REELPACK")" && pwd)/$(basename "$REELPACK")"
if [[ -n "$BENCH_JSON" && "$BENCH_JSON" != /* ]]; then BENCH_JSON="$PWD/$BENCH_JSON"; fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench-thumbs.XXXXXX")"
cleanup() {
  if [[ "$KEEP_WORK" == 1 ]]; then echo "bench_thumbs: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

echo "== reelpack thumbs benchmark"
echo "reelpack:  $REELPACK"
echo "machine:   $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# --- source clips: 5-s shots, a test pattern and a set with a face, alternating ---------------
bench_face_pam "$WORK/face.pam"
gop_options() {
  case "$1" in
    rich) echo "-g 60 -keyint_min 60" ;;
    few) echo "-g 250" ;;  # x264's default GOP: scene-cut keyframes, at most 250 frames apart
  esac
}
: >"$WORK/runs.txt"
for case in $CASES; do
  SRC="$WORK/src-$case.mp4"
  echo "generating a ${DURATION} s 1920x1080 30 fps clip (5-s shots, case $case: $(gop_options "$case")) ..."
  # shellcheck disable=SC2046
  ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$DURATION" \
    -f lavfi -i "color=c=0x806040:size=1920x1080:rate=30:duration=$DURATION,drawgrid=w=96:h=96:t=3:c=0x302010" \
    -loop 1 -framerate 30 -i "$WORK/face.pam" \
    -filter_complex "[1:v][2:v]overlay=x='700+80*sin(t)':y=300:shortest=1[set];\
[0:v][set]overlay=enable='lt(mod(t,10),5)':shortest=1,noise=alls=4:allf=t,format=yuv420p[v]" \
    -map '[v]' -t "$DURATION" -c:v libx264 -preset veryfast -crf 18 $(gop_options "$case") \
    -movflags +faststart "$SRC"
  keys="$(ffprobe -v error -select_streams v:0 -skip_frame nokey -show_entries frame=pts_time -of csv=p=0 "$SRC" | wc -l)"
  echo "source: $(du -h "$SRC" | cut -f1), $keys keyframes"
  echo "$keys" >"$WORK/keyframes-$case.txt"

  FF_CMD=(ffmpeg -nostdin -hide_banner -loglevel error -y -i "$SRC" -vf thumbnail=300 -frames:v 1 "$WORK/ffmpeg.jpg")
  RP_CMD=("$REELPACK" thumbs "$SRC" -o "$WORK/rp" -n 1 --json)
  RP_PRESET_CMD=("$REELPACK" thumbs "$SRC" -o "$WORK/rp-tiktok" -n 1 -p tiktok --json)
  echo "ffmpeg:   $(printf '%q ' "${FF_CMD[@]}")"
  echo "reelpack: $(printf '%q ' "${RP_CMD[@]}")"
  echo

  for ((i = 1; i <= RUNS; i++)); do
    f="$(bench_timed bench_thumbs "$WORK/ffmpeg.log" "${FF_CMD[@]}")"
    echo "$case ffmpeg $i $f $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/runs.txt"
    echo "$case run $i/$RUNS ffmpeg:          $f (wall s, KiB, CPU s)"
    rm -rf "$WORK/rp"
    r="$(bench_timed bench_thumbs "$WORK/rp-$case.json" "${RP_CMD[@]}")"
    echo "$case reelpack $i $r $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/runs.txt"
    echo "$case run $i/$RUNS reelpack:        $r"
    rm -rf "$WORK/rp-tiktok"
    p="$(bench_timed bench_thumbs "$WORK/rp-tiktok.json" "${RP_PRESET_CMD[@]}")"
    echo "$case tiktok $i $p $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/runs.txt"
    echo "$case run $i/$RUNS reelpack tiktok: $p"
  done
  echo
  rm -f "$SRC"
done

python3 - "$WORK" "$DURATION" "$RUNS" "$BENCH_JSON" $CASES <<'PY'
import json, statistics, sys
work, duration, runs, bench_json, cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
wall, rss, cpu, loads = {}, {}, {}, {}
for line in open(f"{work}/runs.txt"):
    case, tool, _i, w, kib, c, load = line.split()
    key = (case, tool)
    wall.setdefault(key, []).append(float(w)); rss.setdefault(key, []).append(int(kib))
    cpu.setdefault(key, []).append(float(c)); loads.setdefault(case, []).append(float(load))
med = lambda d: {k: statistics.median(v) for k, v in d.items()}
mw, mr, mc = med(wall), med(rss), med(cpu)
ok = lambda v, g: "met" if v <= g else "NOT met"
results = {"duration_s": duration, "runs": runs, "cases": {}}
for case in cases:
    report = json.load(open(f"{work}/rp-{case}.json"))
    search = report["search"]
    cover = search["picked"][0]
    f, r, t = (case, "ffmpeg"), (case, "reelpack"), (case, "tiktok")
    res = {
        "keyframes_in_clip": int(open(f"{work}/keyframes-{case}.txt").read()),
        "ffmpeg_s": mw[f], "reelpack_s": mw[r], "reelpack_tiktok_s": mw[t],
        "ratio": mw[r] / mw[f], "goal_ratio": 0.20,
        "ffmpeg_cpu_s": mc[f], "reelpack_cpu_s": mc[r], "cpu_ratio": mc[r] / mc[f],
        "ffmpeg_max_rss_kib": mr[f], "reelpack_max_rss_kib": mr[r],
        "rss_ratio": mr[r] / mr[f], "goal_rss_ratio": 0.50,
        "sampling": search.get("sampling"), "frames_decoded": search["frames_decoded"],
        "frames_in_clip": duration * 30, "candidates": len(search["candidates"]),
        "cover_seconds": cover.get("cover_seconds"),
        "runs_s": {"ffmpeg": wall[f], "reelpack": wall[r], "tiktok": wall[t]},
        "load_average_1min": loads[case],
    }
    results["cases"][case] = res
    print(f"== case {case}: {res['keyframes_in_clip']} keyframes in {duration} s; reelpack sampling: {res['sampling']}")
    print(f"wall     ffmpeg {mw[f]:.2f} s   reelpack {mw[r]:.2f} s   ratio {res['ratio']:.3f} (goal <= 0.20: {ok(res['ratio'], 0.20)})")
    print(f"         reelpack -p tiktok (1080x1920 cover) {mw[t]:.2f} s")
    print(f"CPU      ffmpeg {mc[f]:.2f} s   reelpack {mc[r]:.2f} s   ratio {res['cpu_ratio']:.3f}")
    print(f"max RSS  ffmpeg {mr[f]/1024:.0f} MiB   reelpack {mr[r]/1024:.0f} MiB   ratio {res['rss_ratio']:.3f} (goal <= 0.50: {ok(res['rss_ratio'], 0.50)})")
    print(f"reelpack decoded {search['frames_decoded']} of {duration * 30} frames; {len(search['candidates'])} candidates; cover at {cover.get('cover_seconds')} s")
    print(f"1-min load during the runs: {loads[case]}")
    print()
if bench_json:
    json.dump(results, open(bench_json, "w"), indent=2)
    print(f"wrote {bench_json}")
PY
