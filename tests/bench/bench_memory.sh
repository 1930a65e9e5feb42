#!/usr/bin/env bash
# Benchmark: does memory grow with the input's length? Peak RSS of reelpack's media verbs on
# a short and a long input (default 1 and 10 minutes) of the same picture, side by side with
# `ffmpeg` doing the nearest job on the same inputs for scale.
#
# Generates a 1280x720 30 fps clip of LONG seconds (testsrc2 with a moving drawn face over it,
# light grain, cuts to a flat set every 20 s, stereo tones), H.264 CRF 23 (2-second GOP) + AAC,
# and cuts its first SHORT seconds losslessly (stream copy) for the short input. Then runs,
# once per input (peak memory hardly varies between runs; wall times are for information):
#   package centre   reelpack package SRC -p tiktok --reframe center
#   package smart    reelpack package SRC -p tiktok --reframe smart
#   thumbs sprite    reelpack thumbs SRC -n 3 --sprite
#   shots            reelpack shots SRC --format json
#   ffmpeg centre    ffmpeg -i SRC -vf crop,scale to 1080x1920 with libx264 + AAC (for scale)
# and reports each one's max RSS on both inputs and the growth long/short (goal: at most
# 1.10, which is to say memory is bounded by the picture size and the encoder's look-ahead,
# not by the input's length).
#
# The package runs use `--video.encoder-preset veryfast` (set ENCODER_PRESET to change it) so the
# 10-minute runs take minutes, not an hour: the x264 preset changes the encoder's own
# buffers (look-ahead, reference frames) but not whether reelpack's memory grows.
#
# A benchmark, not a test: exits 0 whether or not the goal is met; non-zero only when
# something fails to run.
#
# Environment:
#   REELPACK        reelpack binary                 (default: <repo>/build/reelpack)
#   SHORT, LONG     input lengths in seconds         (default: 60 and 600)
#   ENCODER_PRESET  x264 preset of the package runs  (default: veryfast)
#   BENCH_JSON      also write the results as JSON to this file (optional)
#   KEEP_WORK=1     keep the temporary folder
#
# Needs: ffmpeg (5.1, libx264), python3, GNU time at /usr/bin/time.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
SHORT="${SHORT:-60}"
LONG="${LONG:-600}"
ENCODER_PRESET="${ENCODER_PRESET:-veryfast}"
BENCH_JSON="${BENCH_JSON:-}"
KEEP_WORK="${KEEP_WORK:-0}"

die() { echo "bench_memory: $*" >&2; exit 2; }
for tool in ffmpeg python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian: apt-get install $tool)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing; install it with: apt-get install time"
[[ -x "$REELPACK" ]] || die "no reelpack binary at $REELPACK; build it (scripts/test.sh builds build/) or set REELPACK"
[[ "$SHORT" =~ ^[0-9]+$ && "$LONG" =~ ^[0-9]+$ && "$SHORT" -ge 10 && "$LONG" -gt "$SHORT" ]] ||
  die "SHORT and LONG must be whole seconds, SHORT >= 10 and LONG > SHORT (got '$SHORT', '$LONG')"
REELPACK="$(cd "$(dirname "$REELPACK")" && pwd)/$(basename "$REELPACK")"
if [[ -n "$BENCH_JSON" && "$BENCH_JSON" != /* ]]; then BENCH_JSON="$PWD/$BENCH_JSON"; fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench-memory.XXXXXX")"
cleanup() {
  if [[ "$KEEP_WORK" == 1 ]]; then echo "bench_memory: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

echo "== reelpack memory benchmark: ${SHORT} s against ${LONG} s"
echo "reelpack:  $REELPACK"
echo "machine:   $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

bench_face_pam "$WORK/face.pam"
echo "generating a ${LONG} s 1280x720 30 fps clip ..."
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$LONG" \
  -f lavfi -i "color=c=0x302820:size=1280x720:rate=30:duration=$LONG" \
  -loop 1 -framerate 30 -i "$WORK/face.pam" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$LONG" \
  -filter_complex "[0:v][1:v]overlay=enable='lt(mod(t,40),20)':shortest=1[bg];\
[bg][2:v]overlay=x='500+200*sin(t/3)':y=200:shortest=1,noise=alls=4:allf=t,format=yuv420p[v];\
[3:a]pan=stereo|c0=c0|c1=c0[a]" \
  -map '[v]' -map '[a]' -t "$LONG" -c:v libx264 -preset veryfast -crf 23 -g 60 \
  -c:a aac -b:a 128k -movflags +faststart "$WORK/long.mp4"
ffmpeg -nostdin -hide_banner -loglevel error -y -i "$WORK/long.mp4" -t "$SHORT" -c copy \
  -movflags +faststart "$WORK/short.mp4"
echo "inputs: short $(du -h "$WORK/short.mp4" | cut -f1), long $(du -h "$WORK/long.mp4" | cut -f1)"
echo

job_cmd() { # job input outdir: sets the array cmd
  local job="$1" src="$2" out="$3"
  case "$job" in
    package-centre) cmd=("$REELPACK" package "$src" -p tiktok --reframe center -o "$out"
      --video.encoder-preset "$ENCODER_PRESET") ;;
    package-smart) cmd=("$REELPACK" package "$src" -p tiktok --reframe smart -o "$out"
      --video.encoder-preset "$ENCODER_PRESET") ;;
    thumbs-sprite) cmd=("$REELPACK" thumbs "$src" -o "$out" -n 3 --sprite) ;;
    shots) cmd=("$REELPACK" shots "$src" --format json) ;;
    ffmpeg-centre) cmd=(ffmpeg -nostdin -hide_banner -loglevel error -y -i "$src"
      -vf "crop=ih*9/16:ih,scale=1080:1920" -c:v libx264 -preset "$ENCODER_PRESET" -crf 23
      -c:a aac -b:a 128k "$out/ffmpeg.mp4") ;;
  esac
}
JOBS="${JOBS:-package-centre package-smart thumbs-sprite shots ffmpeg-centre}"
: >"$WORK/runs.txt"
for job in $JOBS; do
  for len in short long; do
    out="$WORK/out-$job-$len"
    mkdir -p "$out"
    job_cmd "$job" "$WORK/$len.mp4" "$out"
    r="$(bench_timed bench_memory "$WORK/$job-$len.log" "${cmd[@]}")"
    echo "$job $len $r" >>"$WORK/runs.txt"
    echo "$job on $len: $r (wall s, max RSS KiB, CPU s)"
    rm -rf "$out"
  done
done
echo

python3 - "$WORK/runs.txt" "$SHORT" "$LONG" "$BENCH_JSON" <<'PY'
import json, sys
runs, short, long_, bench_json = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
res = {}
for line in open(runs):
    job, length, wall, kib, cpu = line.split()
    res.setdefault(job, {})[length] = {"wall_s": float(wall), "max_rss_kib": int(kib), "cpu_s": float(cpu)}
print(f"{'job':16} {'short MiB':>10} {'long MiB':>10} {'growth':>7}  wall short/long s")
out = {"short_s": short, "long_s": long_, "goal_growth": 1.10, "jobs": {}}
for job, r in res.items():
    s, l = r["short"], r["long"]
    growth = l["max_rss_kib"] / s["max_rss_kib"]
    verdict = "met" if growth <= 1.10 else "NOT met"
    print(f"{job:16} {s['max_rss_kib']/1024:10.0f} {l['max_rss_kib']/1024:10.0f} {growth:7.3f}  "
          f"{s['wall_s']:.1f}/{l['wall_s']:.1f}  (goal <= 1.10: {verdict})")
    out["jobs"][job] = {"short": s, "long": l, "growth": growth}
if bench_json:
    json.dump(out, open(bench_json, "w"), indent=2)
    print(f"wrote {bench_json}")
PY
