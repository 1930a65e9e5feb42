#!/usr/bin/env bash
# Benchmark: `reelpack batch` against a plain loop of ffmpeg commands producing the same
# outputs.
#
# Generates CLIPS 16:9 source clips and packages each for four presets: tiktok,
# tiktok-copy (a preset file in the temporary folder that is just `base = tiktok` under
# another name, so it encodes identically), youtube-shorts and instagram-reels. reelpack
# runs them as one batch (one decode per clip, one encode for the two identical presets,
# rows in parallel); the baseline runs one ffmpeg command per output, one after the other,
# with the same filter chains and x264 / AAC settings (taken from `reelpack package
# --dry-run --json`, as bench_package.sh does). Reports wall times, the ratio
# (batch / ffmpeg loop; goal <= 0.60), CPU time (user + sys: on a shared, busy machine the
# wall times are noisy, the CPU times much less so) and peak memory (max RSS) of each.
#
# This is a benchmark, not a test: it exits 0 whether or not the goal is met, and non-zero
# only when something fails to run.
#
# Environment:
#   REELPACK     reelpack binary                  (default: <repo>/build/reelpack)
#   CLIPS        number of source clips           (default: 8)
#   DURATION     length of each clip in s         (default: 6)
#   SOURCE_SIZE  source size                      (default: 1920x1080)
#   OVERRIDES    preset overrides for both tools, e.g. "--video.width 540 --video.height 960"
#                (default: none; the presets' own 1080x1920)
#   JOBS_LIST    batch -j values to time, "default" meaning no -j (default: "default")
#   RUNS         rounds; each times every JOBS_LIST value and the ffmpeg loop (default: 1)
#   BENCH_JSON   also write the results as JSON to this file (optional)
#   KEEP_WORK=1  keep the temporary folder
#
# Needs: ffmpeg, ffprobe (5.1, with libx264), python3, GNU time at /usr/bin/time.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
CLIPS="${CLIPS:-8}"
DURATION="${DURATION:-6}"
SOURCE_SIZE="${SOURCE_SIZE:-1920x1080}"
OVERRIDES="${OVERRIDES:-}"
JOBS_LIST="${JOBS_LIST:-default}"
RUNS="${RUNS:-1}"
BENCH_JSON="${BENCH_JSON:-}"
KEEP_WORK="${KEEP_WORK:-0}"
PRESETS=(tiktok tiktok-copy youtube-shorts instagram-reels)

die() { echo "bench_batch: $*" >&2; exit 2; }

for tool in ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian: apt-get install ${tool/ffprobe/ffmpeg})"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing; install it with: apt-get install time"
[[ -x "$REELPACK" ]] || die "no reelpack binary at $REELPACK; build it or set REELPACK"
[[ "$CLIPS" =~ ^[1-9][0-9]*$ ]] || die "CLIPS must be a positive integer (got '$CLIPS')"
[[ "$DURATION" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "DURATION must be a number of seconds (got '$DURATION')"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ "$SOURCE_SIZE" =~ ^[0-9]+x[0-9]+$ ]] || die "SOURCE_SIZE must be WxH (got '$SOURCE_SIZE')"
for j in $JOBS_LIST; do
  [[ "$j" == default || "$j" =~ ^[1-9][0-9]*$ ]] || die "JOBS_LIST holds 'default' or positive integers (got '$j')"
done
REELPACK="$(cd "$(dirname "$REELPACK")" && pwd)/$(basename "$REELPACK")"
if [[ -n "$BENCH_JSON" && "$BENCH_JSON" != /* ]]; then BENCH_JSON="$PWD/$BENCH_JSON"; fi
read -r -a OVERRIDE_ARGS <<<"$OVERRIDES"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench-batch.XXXXXX")"
cleanup() {
  if [[ "$KEEP_WORK" == 1 ]]; then echo "bench_batch: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command under GNU time; prints "<wall s> <max RSS KiB> <user s> <sys s>".
timed() {
  local log="$1"; shift
  if ! /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >"$log" 2>&1; then
    echo "bench_batch: command failed: $*" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  tail -n 1 "$WORK/time.txt"
}

echo "== reelpack batch benchmark"
echo "reelpack:  $REELPACK ($("$REELPACK" --version 2>&1 | head -n 1))"
echo "ffmpeg:    $(ffmpeg -hide_banner -version | head -n 1)"
echo "machine:   $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work:      $CLIPS clips x ${DURATION} s at $SOURCE_SIZE, presets ${PRESETS[*]}${OVERRIDES:+, overrides: $OVERRIDES}"
echo

# --- presets: tiktok-copy encodes exactly as tiktok ---------------------------------------
mkdir -p "$WORK/presets"
printf 'name = tiktok-copy\nbase = tiktok\n' >"$WORK/presets/tiktok-copy.ini"
export REELPACK_PRESETS="$WORK/presets:$REPO/presets"

# --- sources: test pattern, moving Mandelbrot overlay, grain, stereo tones -----------------
mkdir -p "$WORK/src"
echo "generating $CLIPS source clips ..."
for ((i = 1; i <= CLIPS; i++)); do
  ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=$SOURCE_SIZE:rate=30:duration=$DURATION" \
    -f lavfi -i "mandelbrot=size=640x360:rate=30:start_scale=$((2 + i)).0" \
    -f lavfi -i "aevalsrc=0.25*sin(2*PI*$((300 + 40 * i))*t)|0.25*sin(2*PI*$((500 + 30 * i))*t):sample_rate=48000:duration=$DURATION" \
    -filter_complex "[0:v][1:v]overlay=x='(W-w)/2+(W/4)*sin(t/2+$i)':y='(H-h)/2+(H/4)*cos(t/3+$i)':shortest=1,noise=alls=4:allf=t,format=yuv420p[v]" \
    -map '[v]' -map 2:a -t "$DURATION" \
    -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
    -c:a aac -b:a 192k -ar 48000 -ac 2 -movflags +faststart "$WORK/src/ep$(printf %02d "$i").mp4"
done
{
  echo "input,presets,title,episode"
  for ((i = 1; i <= CLIPS; i++)); do
    echo "src/ep$(printf %02d "$i").mp4,$(IFS=';'; echo "${PRESETS[*]}"),Benchmark,$i"
  done
} >"$WORK/season.csv"

# --- the equivalent ffmpeg commands, one per output ---------------------------------------
PLAN_ARGS=()
for p in "${PRESETS[@]}"; do PLAN_ARGS+=(-p "$p"); done
"$REELPACK" package "$WORK/src/ep01.mp4" "${PLAN_ARGS[@]}" -o "$WORK/plan" --dry-run --json \
  "${OVERRIDE_ARGS[@]}" >"$WORK/plan.json"
python3 - "$WORK" "$CLIPS" >"$WORK/ffmpeg_loop.sh" <<'PY'
import json, shlex, sys
work, clips = sys.argv[1], int(sys.argv[2])
plan = json.load(open(f"{work}/plan.json"))
print("set -e")
for i in range(1, clips + 1):
    src = f"{work}/src/ep{i:02d}.mp4"
    for o in plan["outputs"]:
        v, a = o["video"], o.get("audio") or {}
        if v["codec"] != "libx264" or (a and a.get("codec") != "aac"):
            sys.exit("bench_batch: only libx264/aac presets are compared")
        pix = o["preset_settings"]["video"]["pix-fmt"]
        crf = v["crf"]
        cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", src,
               "-vf", o["video_filters"], "-c:v", "libx264", "-preset", v["preset"],
               "-profile:v", v["profile"]]
        if v["level"] != "auto":
            cmd += ["-level:v", v["level"]]
        cmd += ["-crf", f"{crf:g}" if isinstance(crf, float) else str(crf),
                "-maxrate", str(v["maxrate"]), "-bufsize", str(v["bufsize"]),
                "-g", str(v["gop_frames"]), "-bf", str(v["bframes"]), "-flags", "+cgop",
                "-pix_fmt", pix, "-color_primaries", "bt709", "-color_trc", "bt709",
                "-colorspace", "bt709"]
        if o.get("audio_filters") and not a.get("silent"):
            cmd += ["-af", o["audio_filters"], "-c:a", "aac", "-b:a", str(a["bitrate"]),
                    "-ar", str(a["sample_rate"]), "-ac", str(a["channels"])]
        else:
            cmd += ["-an"]
        cmd += ["-metadata", "title=Benchmark", "-metadata", f"episode_id={i}",
                "-movflags", "+faststart", f"{work}/ffmpeg/ep{i:02d}.{o['preset']}.mp4"]
        print(" ".join(shlex.quote(c) for c in cmd))
PY
echo "ffmpeg loop: $(grep -c '^ffmpeg' "$WORK/ffmpeg_loop.sh") commands, e.g.:"
awk '/^ffmpeg/ { print "  " $0; exit }' "$WORK/ffmpeg_loop.sh"
echo

# --- timed runs, alternating ----------------------------------------------------------------
: >"$WORK/runs.txt"
for ((round = 1; round <= RUNS; round++)); do
  for j in $JOBS_LIST; do
    rm -rf "$WORK/out"
    JOB_ARGS=()
    [[ "$j" != default ]] && JOB_ARGS=(-j "$j")
    r="$(timed "$WORK/batch-$j.log" "$REELPACK" batch "$WORK/season.csv" -o "$WORK/out" "${JOB_ARGS[@]}" "${OVERRIDE_ARGS[@]}")"
    jobs_used="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobs"])' "$WORK/out/report.json")"
    echo "round $round/$RUNS batch -j $j ($jobs_used job(s)): $r (wall s, KiB, user s, sys s)"
    echo "batch-$j $jobs_used $r" >>"$WORK/runs.txt"
    [[ -f "$WORK/report.json" ]] || cp "$WORK/out/report.json" "$WORK/report.json"  # the first run's
  done
  rm -rf "$WORK/ffmpeg" && mkdir -p "$WORK/ffmpeg"
  f="$(timed "$WORK/ffmpeg.log" bash "$WORK/ffmpeg_loop.sh")"
  echo "round $round/$RUNS ffmpeg loop: $f (wall s, KiB, user s, sys s)"
  echo "ffmpeg 0 $f" >>"$WORK/runs.txt"
done
# The resumed run: everything up to date.
r="$(timed "$WORK/batch-rerun.log" "$REELPACK" batch "$WORK/season.csv" -o "$WORK/out" "${OVERRIDE_ARGS[@]}")"
echo "batch rerun (all up to date): $r (wall s, KiB, user s, sys s)"
echo "rerun 0 $r" >>"$WORK/runs.txt"

# Same settings, same frames: compare one pair of video bitstreams (x264 with VBV and frame
# threads is not always deterministic, so "differs" alone is not a fault).
md5() { ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -c copy -f md5 - 2>/dev/null | sed 's/^MD5=//'; }
same="$( [[ "$(md5 "$WORK/out/ep01.youtube-shorts.mp4")" == "$(md5 "$WORK/ffmpeg/ep01.youtube-shorts.mp4")" ]] && echo yes || echo no)"

# --- report --------------------------------------------------------------------------------
python3 - "$WORK" "$BENCH_JSON" "$CLIPS" "$DURATION" "$SOURCE_SIZE" "$OVERRIDES" "$same" <<'PY'
import json, sys
work, bench_json, clips, duration, size, overrides, same = sys.argv[1:]
import statistics
runs = {}  # name -> the median of its runs (a -j value may be listed more than once)
raw = {}
for line in open(f"{work}/runs.txt"):
    name, jobs, wall, kib, user, sys_s = line.split()
    raw.setdefault(name, []).append({"jobs": int(jobs), "wall_s": float(wall),
                                     "max_rss_mib": int(kib) / 1024,
                                     "cpu_s": float(user) + float(sys_s)})
for name, xs in raw.items():
    runs[name] = {"jobs": xs[0]["jobs"],
                  "wall_s": statistics.median(x["wall_s"] for x in xs),
                  "cpu_s": statistics.median(x["cpu_s"] for x in xs),
                  "max_rss_mib": max(x["max_rss_mib"] for x in xs),
                  "all_wall_s": [x["wall_s"] for x in xs]}
report = json.load(open(f"{work}/report.json"))  # the first batch run's (the rerun skips all)
ff = runs["ffmpeg"]
print()
print(f"{'':28} {'wall s':>8} {'ratio':>7} {'CPU s':>8} {'CPU ratio':>10} {'max RSS MiB':>12}")
for name, r in runs.items():
    label = {"ffmpeg": "ffmpeg loop (1 at a time)", "rerun": "batch rerun (up to date)"}.get(
        name, f"batch {name[6:]} ({r['jobs']} job(s))")
    ratio = r["wall_s"] / ff["wall_s"] if ff["wall_s"] > 0 else float("nan")
    cpu_ratio = r["cpu_s"] / ff["cpu_s"] if ff["cpu_s"] > 0 else float("nan")
    extra = "  (runs: " + " ".join(f"{x:.1f}" for x in r["all_wall_s"]) + ")" if len(r["all_wall_s"]) > 1 else ""
    print(f"{label:28} {r['wall_s']:8.2f} {ratio:7.2f} {r['cpu_s']:8.1f} {cpu_ratio:10.2f} {r['max_rss_mib']:12.0f}{extra}")
s = report["summary"]
print(f"batch outputs: {s['outputs_written']} encoded + {s['outputs_shared']} shared of "
      f"{int(clips) * 4}; rows ok {s['ok']}, failed {s['failed']}; nonconforming {s['outputs_nonconforming']}")
for row in report["rows"]:
    for o in row["outputs"]:
        for f in (o.get("conformance") or {}).get("failures", []):
            print(f"  nonconforming: {o['path'].rsplit('/', 1)[-1]}: {f}")
print(f"video bitstream identical to ffmpeg's (ep01.youtube-shorts): {same}")
head = runs.get("batch-default") or next(r for n, r in runs.items() if n.startswith("batch-"))
ratio = head["wall_s"] / ff["wall_s"]
summary = (f"batch {clips} clips x {duration} s {size} x 4 presets{' (' + overrides + ')' if overrides else ''}: "
           f"reelpack {head['wall_s']:.1f} s ({head['jobs']} job(s)), ffmpeg loop {ff['wall_s']:.1f} s, "
           f"ratio {ratio:.2f} (goal <= 0.60); CPU {head['cpu_s']:.0f} s vs {ff['cpu_s']:.0f} s "
           f"(ratio {head['cpu_s'] / ff['cpu_s']:.2f}); peak RSS {head['max_rss_mib']:.0f} MiB vs {ff['max_rss_mib']:.0f} MiB")
print()
print(summary)
if bench_json:
    json.dump({"benchmark": "batch_vs_ffmpeg_loop", "clips": int(clips), "duration_s": float(duration),
               "source_size": size, "overrides": overrides, "runs": runs, "ratio": ratio,
               "goal": {"ratio_max": 0.6, "met": ratio <= 0.6}, "bitstream_identical": same == "yes",
               "summary": summary}, open(bench_json, "w"), indent=2)
    print(f"wrote {bench_json}")
PY
