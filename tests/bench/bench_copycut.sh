#!/usr/bin/env bash
# Benchmark: the frame-exact copy cut (`reelpack cut --copy --exact`) against a full
# re-encode of the same range, by reelpack (`reelpack cut`) and by the ffmpeg command line
# (`ffmpeg -ss START -to END -i SRC -c:v libx264 ...` with reelpack's settings), in the
# same run.
#
# Generates a 1080p30 H.264 clip (default 70 s; test pattern with a moving Mandelbrot
# overlay, CRF 18 veryfast, x264's default GOP of 250 frames with B-frames and scene-cut
# detection, AAC 192k), then times, alternating, RUNS times each:
#   exact:    reelpack cut SRC -o OUT --range START-END --copy --exact
#   reelpack: reelpack cut SRC -o OUT --range START-END            (CRF 18, the source's size)
#   ffmpeg:   ffmpeg -ss START -to END -i SRC -c:v libx264 ... -c:a aac ...
# The default range, 3.5-63.5, starts 4.8 s before the next IDR: a little over half a GOP
# to re-encode at the start, as a cut at a random time costs on average.
#
# Reports the median wall time, CPU time and peak memory (max RSS) of each, the ratios
# reelpack / exact and ffmpeg / exact (goal: reelpack / exact >= 5), how many frames the
# exact cut re-encoded, the frame counts of the three outputs (the exact cut's must equal
# reelpack's), whether the exact cut decodes without an error, and the PSNR of its
# re-encoded frames against the source.
#
# A benchmark, not a test: exits 0 whether or not the goal is met; non-zero only when
# something fails to run.
#
# Environment:
#   REELPACK    reelpack binary              (default: <repo>/build/reelpack)
#   DURATION    source clip length in s      (default: 70)
#   START, END  the range, seconds           (default: 3.5 and 63.5)
#   RUNS        timed runs of each command   (default: 3)
#   BENCH_JSON  also write the results as JSON to this file (optional)
#   KEEP_WORK=1 keep the temporary folder
#
# Needs: ffmpeg and ffprobe (5.1, with libx264), python3, GNU time at /usr/bin/time.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
DURATION="${DURATION:-70}"
START="${START:-3.5}"
END="${END:-63.5}"
RUNS="${RUNS:-3}"
BENCH_JSON="${BENCH_JSON:-}"
KEEP_WORK="${KEEP_WORK:-0}"

die() { echo "bench_copycut: $*" >&2; exit 2; }
for tool in ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian: apt-get install ${tool/ffprobe/ffmpeg})"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing; install it with: apt-get install time"
[[ -x "$REELPACK" ]] || die "no reelpack binary at $REELPACK; build it (scripts/test.sh builds build/) or set REELPACK"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ "$DURATION" =~ ^[0-9]+$ ]] || die "DURATION must be a whole number of seconds (got '$DURATION')"
for t in "$START" "$END"; do
  [[ "$t" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "START and END must be seconds (got '$t')"
done
python3 -c "import sys; sys.exit(0 if 0 <= $START < $END <= $DURATION else 1)" ||
  die "need 0 <= START < END <= DURATION (got $START, $END, $DURATION)"
REELPACK="$(cd "$(dirname "$REELPACK")" && pwd)/$(basename "$REELPACK")"
if [[ -n "$BENCH_JSON" && "$BENCH_JSON" != /* ]]; then BENCH_JSON="$PWD/$BENCH_JSON"; fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench-copycut.XXXXXX")"
cleanup() {
  if [[ "$KEEP_WORK" == 1 ]]; then echo "bench_copycut: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

echo "== reelpack cut --copy --exact benchmark"
echo "reelpack:  $REELPACK"
echo "ffmpeg:    $(ffmpeg -hide_banner -version | head -n 1)"
echo "machine:   $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir:  $WORK"
echo

# --- source clip -------------------------------------------------------------------------
SRC="$WORK/src.mp4"
echo "generating a ${DURATION} s 1920x1080 30 fps source clip (this takes a while) ..."
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$DURATION" \
  -f lavfi -i "mandelbrot=size=640x360:rate=30" \
  -f lavfi -i "aevalsrc=0.25*sin(2*PI*440*t)|0.25*sin(2*PI*554*t):sample_rate=48000:duration=$DURATION" \
  -filter_complex "[0:v][1:v]overlay=x='(W-w)/2+500*sin(t/2)':y='(H-h)/2+250*cos(t/3)':shortest=1,format=yuv420p[v]" \
  -map '[v]' -map 2:a -t "$DURATION" \
  -c:v libx264 -preset veryfast -crf 18 -g 250 -pix_fmt yuv420p \
  -colorspace bt709 -color_primaries bt709 -color_trc bt709 \
  -c:a aac -b:a 192k -ar 48000 -ac 2 "$SRC"
echo "source: $(ffprobe -v error -show_entries format=size,bit_rate -of default=nw=1:nk=0 "$SRC" | tr '\n' ' ')"
echo "source IDRs at: $(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 "$SRC" |
  awk -F, '$2 ~ /K/ { printf "%.3f ", $1 }')"

# --- the full re-encode's settings, for the ffmpeg command -------------------------------
RANGE="$START-$END"
"$REELPACK" cut "$SRC" -o "$WORK/plan.mp4" --range "$RANGE" --dry-run --json >"$WORK/plan.json"
PLAN_VARS="$(python3 - "$WORK/plan.json" <<'PY'
import json, shlex, sys
o = json.load(open(sys.argv[1]))["outputs"][0]
v, a = o["video"], o["audio"]
if v["codec"] != "libx264" or a.get("codec") != "aac":
    sys.exit("bench_copycut: reelpack's cut encodes with " + v["codec"] + "/" + str(a.get("codec")))
vals = {"V_PRESET": v["preset"], "V_PROFILE": v["profile"], "V_CRF": f"{v['crf']:g}",
        "V_GOP": v["gop_frames"], "V_BF": v["bframes"], "A_BITRATE": a["bitrate"],
        "A_RATE": a["sample_rate"], "A_CH": a["channels"]}
for k, x in vals.items():
    print(f"{k}={shlex.quote(str(x))}")
PY
)"
eval "$PLAN_VARS"

EXACT_OUT="$WORK/exact.mp4"
FULL_OUT="$WORK/reelpack.mp4"
FF_OUT="$WORK/ffmpeg.mp4"
EXACT_CMD=("$REELPACK" cut "$SRC" -o "$EXACT_OUT" --range "$RANGE" --copy --exact --json)
FULL_CMD=("$REELPACK" cut "$SRC" -o "$FULL_OUT" --range "$RANGE")
FF_CMD=(ffmpeg -nostdin -hide_banner -loglevel error -y -ss "$START" -to "$END" -i "$SRC"
  -c:v libx264 -preset "$V_PRESET" -profile:v "$V_PROFILE" -crf "$V_CRF" -g "$V_GOP"
  -bf "$V_BF" -flags +cgop -pix_fmt yuv420p
  -color_primaries bt709 -color_trc bt709 -colorspace bt709
  -c:a aac -b:a "$A_BITRATE" -ar "$A_RATE" -ac "$A_CH" -movflags +faststart "$FF_OUT")
echo
for name in EXACT FULL FF; do
  declare -n cmd="${name}_CMD"
  printf '%-8s' "$name:"; printf ' %q' "${cmd[@]}"; echo
done
echo

# --- timed runs, alternating -------------------------------------------------------------
: >"$WORK/runs.txt"
for ((i = 1; i <= RUNS; i++)); do
  rm -f "$EXACT_OUT" "$FULL_OUT" "$FF_OUT"
  r="$(bench_timed bench_copycut "$WORK/exact.log" "${EXACT_CMD[@]}")"
  echo "exact $r" >>"$WORK/runs.txt"; echo "run $i/$RUNS exact:    $r (wall s, max RSS KiB, CPU s)"
  r="$(bench_timed bench_copycut "$WORK/reelpack.log" "${FULL_CMD[@]}")"
  echo "reelpack $r" >>"$WORK/runs.txt"; echo "run $i/$RUNS reelpack: $r"
  r="$(bench_timed bench_copycut "$WORK/ffmpeg.log" "${FF_CMD[@]}")"
  echo "ffmpeg $r" >>"$WORK/runs.txt"; echo "run $i/$RUNS ffmpeg:   $r"
done

# --- checks (untimed) --------------------------------------------------------------------
ffmpeg -nostdin -v error -i "$EXACT_OUT" -f null - >"$WORK/decode.txt" 2>&1 || echo "exit $?" >>"$WORK/decode.txt"
for f in "$EXACT_OUT" "$FULL_OUT" "$FF_OUT"; do
  ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets \
    -of csv=p=0 "$f" >"$f.frames"
done
# The exact cut's re-encoded frames against the source frames they stand for (the first
# part when the range starts off an IDR; 0 frames otherwise).
python3 - "$WORK/exact.log" >"$WORK/head.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["ranges"][0]
first = r["parts"][0]
print(first["start_frame"], first["frames"] if first["kind"] == "reencoded" else 0)
PY
read -r HEAD_FIRST HEAD_FRAMES <"$WORK/head.txt"
HEAD_PSNR=n/a
if ((HEAD_FRAMES > 0)); then
  HEAD_PSNR="$(ffmpeg -nostdin -i "$EXACT_OUT" -i "$SRC" -lavfi \
    "[0:v]trim=end_frame=$HEAD_FRAMES,setpts=N/TB[a];[1:v]trim=start_frame=$HEAD_FIRST:end_frame=$((HEAD_FIRST + HEAD_FRAMES)),setpts=N/TB[b];[a][b]psnr" \
    -f null - 2>&1 | grep -o 'average:[0-9.inf]*' | tail -1 | cut -d: -f2)"
fi

# --- report ------------------------------------------------------------------------------
python3 - "$WORK" "$EXACT_OUT" "$FULL_OUT" "$FF_OUT" "$HEAD_PSNR" "$RANGE" "$BENCH_JSON" <<'PY'
import json, statistics, sys
work, exact_out, full_out, ff_out, head_psnr, rng, bench_json = sys.argv[1:]
rows = [l.split() for l in open(f"{work}/runs.txt")]
tools = ["exact", "reelpack", "ffmpeg"]
def col(tool, k): return [float(r[k]) for r in rows if r[0] == tool]
wall = {t: col(t, 1) for t in tools}
rss = {t: [x / 1024 for x in col(t, 2)] for t in tools}
cpu = {t: col(t, 3) for t in tools}
med = {t: statistics.median(wall[t]) for t in tools}
med_rss = {t: statistics.median(rss[t]) for t in tools}
med_cpu = {t: statistics.median(cpu[t]) for t in tools}
frames = {t: int(open(f + ".frames").read().strip() or 0)
          for t, f in zip(tools, [exact_out, full_out, ff_out])}
report = json.load(open(f"{work}/exact.log"))
decode = open(f"{work}/decode.txt").read().strip()
ratio_full = med["reelpack"] / med["exact"]
ratio_ff = med["ffmpeg"] / med["exact"]

print()
print(f"{'':10} {'median wall s':>14} {'runs (s)':>26} {'CPU s':>8} {'max RSS MiB':>12} {'frames':>7}")
for t in tools:
    runs = " ".join(f"{x:.2f}" for x in wall[t])
    print(f"{t:10} {med[t]:14.2f} {runs:>26} {med_cpu[t]:8.1f} {med_rss[t]:12.0f} {frames[t]:7}")
print(f"ratio reelpack / exact: {ratio_full:.1f}x   ffmpeg / exact: {ratio_ff:.1f}x   (goal: reelpack / exact >= 5)")
print(f"exact cut: {report['frames']} frames, {report['reencoded_frames']} re-encoded "
      f"({', '.join(p['kind'] + ' f' + str(p['start_frame']) + '-f' + str(p['end_frame']) for p in report['ranges'][0]['parts'])}); "
      f"re-encoded head vs source PSNR {head_psnr} dB; decodes {'cleanly' if not decode else 'WITH ERRORS: ' + decode[:200]}")
same = frames["exact"] == frames["reelpack"]
print(f"frame counts: exact {frames['exact']}, reelpack {frames['reelpack']}, ffmpeg {frames['ffmpeg']} "
      f"({'exact = reelpack' if same else 'exact != reelpack'})")
goal = ratio_full >= 5 and same and not decode
summary = (f"copy cut --exact of {rng} s of 1080p30: {med['exact']:.1f} s vs reelpack re-encode "
           f"{med['reelpack']:.1f} s ({ratio_full:.1f}x) and ffmpeg {med['ffmpeg']:.1f} s ({ratio_ff:.1f}x); "
           f"peak RSS {med_rss['exact']:.0f} / {med_rss['reelpack']:.0f} / {med_rss['ffmpeg']:.0f} MiB; "
           f"{report['reencoded_frames']} of {report['frames']} frames re-encoded")
print()
print(summary + ("" if goal else "  [goal NOT met]"))
if bench_json:
    json.dump({"range": rng, "runs": len(wall["exact"]), "wall_s": wall, "median_wall_s": med,
               "median_cpu_s": med_cpu, "median_max_rss_mib": med_rss, "frames": frames,
               "ratio_reelpack_over_exact": ratio_full, "ratio_ffmpeg_over_exact": ratio_ff,
               "reencoded_frames": report["reencoded_frames"], "head_psnr_db": head_psnr,
               "decodes_cleanly": not decode, "goal_met": goal, "summary": summary},
              open(bench_json, "w"), indent=2)
    print(f"wrote {bench_json}")
PY
