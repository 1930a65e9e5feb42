#!/usr/bin/env bash
# Benchmark: `reelpack package --reframe smart` against `--reframe center`, same preset.
#
# Packages a generated 1080p 16:9 clip (a drawn face walking left and right across a busy
# test pattern with grain; the face spends most of the clip outside the centre third) to
# 1080x1920 with the TikTok preset, once with the centre crop and once with smart
# reframing. Reports the median wall time of each and their ratio (smart / center; goal
# <= 1.15), the median CPU time (user + sys) of each and their ratio (steadier than wall
# time when other work shares the machine), the median peak memory (max RSS) of each,
# and the face coverage of each: the
# share of frames whose face box lies inside the crop window,
#  - against the detections (`reelpack reframe --detections-out`: the faces the analysis
#    found, sampled five times a second), and
#  - against the true face box (the overlay position is known for every frame).
# The windows come from `--crop-path-out` (smart) and the dry-run plan's crop (center).
#
# This is a benchmark, not a test: it exits 0 whether or not the goal is met, and non-zero
# only when something fails to run. On a shared machine the times move with the load
# (reported); runs alternate so both modes see the same conditions.
#
# Environment:
#   REELPACK    reelpack binary            (default: <repo>/build/reelpack)
#   DURATION    source clip length in s    (default: 10)
#   RUNS        timed runs of each mode    (default: 3)
#   CUT_EVERY   seconds between hard cuts (the background's hue jumps; the face walks on),
#               as drama is cut; default: none, one shot, held whole by one-pass analysis
#   BENCH_JSON  also write the results as JSON to this file (optional)
#   KEEP_WORK=1 keep the temporary folder (source and outputs) for inspection
#
# Needs: ffmpeg (5.1, with libx264), python3, GNU time at /usr/bin/time, opencv-data; the
# BlazeFace model (scripts/setup.sh) for BlazeFace, else the Haar cascades are measured.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
DURATION="${DURATION:-10}"
RUNS="${RUNS:-3}"
CUT_EVERY="${CUT_EVERY:-}"
BENCH_JSON="${BENCH_JSON:-}"
KEEP_WORK="${KEEP_WORK:-0}"
PRESET=tiktok

die() { echo "bench_smart: $*" >&2; exit 2; }

for tool in ffmpeg python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian: apt-get install $tool)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing; install it with: apt-get install time"
[[ -x "$REELPACK" ]] || die "no reelpack binary at $REELPACK; build it (cmake -S $REPO -B $REPO/build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $REPO/build) or set REELPACK"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ "$DURATION" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "DURATION must be a number of seconds (got '$DURATION')"
REELPACK="$(cd "$(dirname "$REELPACK")" && pwd)/$(basename "$REELPACK")"
if [[ -n "$BENCH_JSON" && "$BENCH_JSON" != /* ]]; then BENCH_JSON="$PWD/$BENCH_JSON"; fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench-smart.XXXXXX")"
cleanup() {
  if [[ "$KEEP_WORK" == 1 ]]; then echo "bench_smart: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

# Runs a command under GNU time; prints "<wall s> <max RSS KiB> <CPU s (user + sys)>".
echo "== reelpack smart reframe benchmark"
echo "reelpack:  $REELPACK ($("$REELPACK" --version 2>&1 | head -n 1))"
echo "machine:   $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir:  $WORK"
echo

# --- source clip -------------------------------------------------------------------------
# The face: a 240x330 RGBA drawing (oval 180x240 at (30, 50) in it), written by Python
# as PAM so no image library is needed. It walks x(t) = 300 + 1200 (1 - cos(2 pi t / D)) / 2
# at y = 360 over the background of bench_package.sh.
bench_face_pam "$WORK/face.pam"
CUTS="null"
if [[ -n "$CUT_EVERY" ]]; then
  [[ "$CUT_EVERY" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "CUT_EVERY must be a number of seconds (got '$CUT_EVERY')"
  CUTS="hue=h='97*floor(t/$CUT_EVERY)':s='1+0.4*mod(floor(t/$CUT_EVERY),2)'"
fi
SRC="$WORK/src.mp4"
echo "generating a ${DURATION} s 1920x1080 30 fps source clip with a walking face ..."
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$DURATION" \
  -f lavfi -i "mandelbrot=size=640x360:rate=30" \
  -loop 1 -framerate 30 -i "$WORK/face.pam" \
  -f lavfi -i "aevalsrc=0.25*sin(2*PI*440*t)|0.25*sin(2*PI*554*t):sample_rate=48000:duration=$DURATION" \
  -filter_complex "[0:v][1:v]overlay=x='(W-w)/2+500*sin(t/2)':y='(H-h)/2+250*cos(t/3)':shortest=1[bg];\
[bg]$CUTS[bg2];[bg2][2:v]overlay=x='300+600*(1-cos(2*PI*t/$DURATION))':y=360:shortest=1,noise=alls=4:allf=t,format=yuv420p[v]" \
  -map '[v]' -map 3:a -t "$DURATION" \
  -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
  -c:a aac -b:a 192k -ar 48000 -ac 2 -movflags +faststart "$SRC"

"$REELPACK" package "$SRC" -p "$PRESET" -o "$WORK/plan" --reframe center --dry-run --json >"$WORK/plan.json"

CENTER_CMD=("$REELPACK" package "$SRC" -p "$PRESET" -o "$WORK/center" --reframe center)
SMART_CMD=("$REELPACK" package "$SRC" -p "$PRESET" -o "$WORK/smart" --reframe smart
  --crop-path-out "$WORK/smart.crop.csv" --json)
echo
echo "center: $(printf '%q ' "${CENTER_CMD[@]}")"
echo "smart:  $(printf '%q ' "${SMART_CMD[@]}")"
echo

# --- timed runs, alternating -------------------------------------------------------------
: >"$WORK/runs.txt"
for ((i = 1; i <= RUNS; i++)); do
  rm -rf "$WORK/center" "$WORK/smart"; mkdir -p "$WORK/smart"
  c="$(bench_timed bench_smart "$WORK/center.log" "${CENTER_CMD[@]}")"
  echo "center $i $c $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/runs.txt"
  echo "run $i/$RUNS center: $c (wall s, KiB, CPU s)"
  s="$(bench_timed bench_smart "$WORK/smart.json" "${SMART_CMD[@]}")"
  echo "smart $i $s $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/runs.txt"
  echo "run $i/$RUNS smart:  $s (wall s, KiB, CPU s)"
done

# The analysis alone, with the detections, for coverage (untimed).
"$REELPACK" reframe "$SRC" -p "$PRESET" --detections-out "$WORK/detections.csv" --json >"$WORK/reframe.json"

# --- report ------------------------------------------------------------------------------
python3 - "$WORK" "$DURATION" "$RUNS" "$BENCH_JSON" <<'PY'
import csv, json, math, statistics, sys
work, duration, runs, bench_json = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

times = {"center": [], "smart": []}
cpu = {"center": [], "smart": []}
rss = {"center": [], "smart": []}
loads = []
for line in open(f"{work}/runs.txt"):
    mode, _i, wall, kib, cpu_s, load = line.split()
    times[mode].append(float(wall)); rss[mode].append(int(kib)); cpu[mode].append(float(cpu_s))
    loads.append(float(load))

plan = json.load(open(f"{work}/plan.json"))["outputs"][0]["crop"]
center = (plan["x"], plan["y"], plan["width"], plan["height"])
rows = list(csv.DictReader(open(f"{work}/smart.crop.csv")))
smart = [(int(r["x"]), int(r["y"]), int(r["width"]), int(r["height"])) for r in rows]
report = json.load(open(f"{work}/smart.json"))
shots = report["outputs"][0].get("reframe_shots", [])

def inside(box, win):
    x, y, w, h = box; wx, wy, ww, wh = win
    return x >= wx and y >= wy and x + w <= wx + ww and y + h <= wy + wh

def window_at(t):  # the smart window of the output frame shown at t (30 fps output)
    return smart[min(len(smart) - 1, max(0, round(t * 30)))]

# Detected faces (the analysis's own samples).
det = [r for r in csv.DictReader(open(f"{work}/detections.csv")) if r["kind"] != "motion"]
def det_box(r): return (int(r["x"]), int(r["y"]), int(r["width"]), int(r["height"]))
det_smart = sum(inside(det_box(r), window_at(float(r["pts_seconds"]))) for r in det)
det_center = sum(inside(det_box(r), center) for r in det)

# True face box: the drawing's oval (180x240 at (30, 50)) at the overlay's position.
true_smart = true_center = 0
for n, win in enumerate(smart):
    t = n / 30.0
    x = 300 + 600 * (1 - math.cos(2 * math.pi * t / duration))
    box = (math.floor(x) + 30, 360 + 50, 180, 240)
    true_smart += inside(box, win); true_center += inside(box, center)
frames = len(smart)

med = {m: statistics.median(v) for m, v in times.items()}
ratio = med["smart"] / med["center"]
med_cpu = {m: statistics.median(v) for m, v in cpu.items()}
cpu_ratio = med_cpu["smart"] / med_cpu["center"]
res = {
    "duration_s": duration, "runs": runs,
    "center_s": med["center"], "smart_s": med["smart"], "ratio": ratio, "goal_ratio": 1.15,
    "center_runs_s": times["center"], "smart_runs_s": times["smart"],
    "center_cpu_s": med_cpu["center"], "smart_cpu_s": med_cpu["smart"], "cpu_ratio": cpu_ratio,
    "center_max_rss_kib": statistics.median(rss["center"]),
    "smart_max_rss_kib": statistics.median(rss["smart"]),
    "load_average_1min": loads,
    "detected_faces": len(det),
    "coverage_detected": {"smart": det_smart / max(1, len(det)), "center": det_center / max(1, len(det))},
    "coverage_true": {"smart": true_smart / max(1, frames), "center": true_center / max(1, frames)},
    "shots": [(s["mode"], s["reason"]) for s in shots],
    "face_detector": report.get("face_detector", "?"),
    "analysis_decode": (report.get("analysis") or {}).get("decode", "?"),
}
print()
print(f"time     center {med['center']:.2f} s   smart {med['smart']:.2f} s   ratio {ratio:.3f} (goal <= 1.15: {'met' if ratio <= 1.15 else 'NOT met'})")
print(f"         runs: center {times['center']}  smart {times['smart']}  (1-min load {loads})")
print(f"CPU      center {med_cpu['center']:.2f} s   smart {med_cpu['smart']:.2f} s   ratio {cpu_ratio:.3f} (user + sys: steadier than wall time on a busy machine)")
print(f"max RSS  center {res['center_max_rss_kib']/1024:.0f} MiB   smart {res['smart_max_rss_kib']/1024:.0f} MiB")
print(f"faces detected (sampled 5/s): {len(det)}, by {res['face_detector']}; analysis decode: {res['analysis_decode']}")
print(f"face coverage vs detections:  smart {res['coverage_detected']['smart']*100:.1f}%   center {res['coverage_detected']['center']*100:.1f}%")
print(f"face coverage vs true box:    smart {res['coverage_true']['smart']*100:.1f}%   center {res['coverage_true']['center']*100:.1f}%  ({frames} frames)")
print(f"camera: {res['shots']}")
if bench_json:
    json.dump(res, open(bench_json, "w"), indent=2)
    print(f"wrote {bench_json}")
PY
