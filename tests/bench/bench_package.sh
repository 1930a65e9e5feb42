#!/usr/bin/env bash
# Benchmark: `reelpack package` against the equivalent ffmpeg command line.
#
# Packages a generated 1080p 16:9 clip to 1080x1920 (TikTok preset, centre crop) with
# reelpack, and runs ffmpeg with the same filter chains and the same x264 / AAC settings
# (taken from `reelpack package --dry-run --json`). Reports the median wall time of each,
# their ratio (reelpack / ffmpeg), the median peak memory (max RSS) of each and the SSIM of
# the two outputs. Goal: ratio <= 1.00 and SSIM >= 0.97.
#
# This is a benchmark, not a test: it exits 0 whether or not the goal is met, and non-zero
# only when something fails to run.
#
# Environment:
#   REELPACK    reelpack binary            (default: <repo>/build/reelpack)
#   DURATION    source clip length in s    (default: 20)
#   RUNS        timed runs of each tool    (default: 3)
#   BENCH_JSON  also write the results as JSON to this file (optional)
#   KEEP_WORK=1 keep the temporary folder (source and outputs) for inspection
#
# Needs: ffmpeg, ffprobe (5.1, with libx264), python3, GNU time at /usr/bin/time.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
DURATION="${DURATION:-20}"
RUNS="${RUNS:-3}"
BENCH_JSON="${BENCH_JSON:-}"
KEEP_WORK="${KEEP_WORK:-0}"
PRESET=tiktok
REFRAME=center

die() { echo "bench_package: $*" >&2; exit 2; }

# --- prerequisites -----------------------------------------------------------------------
for tool in ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian: apt-get install ${tool/ffprobe/ffmpeg})"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing; install it with: apt-get install time"
[[ -x "$REELPACK" ]] || die "no reelpack binary at $REELPACK; build it (cmake -S $REPO -B $REPO/build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $REPO/build) or set REELPACK"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ "$DURATION" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "DURATION must be a number of seconds (got '$DURATION')"
REELPACK="$(cd "$(dirname "$REELPACK")" && pwd)/$(basename "$REELPACK")"
if [[ -n "$BENCH_JSON" && "$BENCH_JSON" != /* ]]; then BENCH_JSON="$PWD/$BENCH_JSON"; fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench.XXXXXX")"
cleanup() {
  if [[ "$KEEP_WORK" == 1 ]]; then echo "bench_package: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command under GNU time; prints "<wall seconds> <max RSS KiB>". Output goes to $2.
timed() {
  local log="$1"; shift
  if ! /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >"$log" 2>&1; then
    echo "bench_package: command failed: $*" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  tail -n 1 "$WORK/time.txt"
}

# MD5 of a file's video packets (untimed; shows whether repeated encodes are identical).
video_md5() {
  ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -c copy -f md5 - 2>/dev/null | sed 's/^MD5=//' || echo n/a
}

echo "== reelpack package benchmark"
echo "reelpack:  $REELPACK ($("$REELPACK" --version 2>&1 | head -n 1))"
echo "ffmpeg:    $(ffmpeg -hide_banner -version | head -n 1)"
echo "machine:   $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir:  $WORK"
echo

# --- source clip -------------------------------------------------------------------------
# 1920x1080 30 fps with motion and fine detail (test pattern, a moving Mandelbrot zoom and
# light temporal grain) and a stereo tone pair at 48 kHz; H.264 CRF 18 (about 18 Mbit/s,
# like a phone upload) + AAC, so decoding costs what a real upload costs. Stronger grain
# pushes the output against the preset's 8 Mbit/s cap, where x264's threaded VBV makes every
# encode differ a little from the next and the SSIM between two runs drops (see README.md).
SRC="$WORK/src.mp4"
echo "generating a ${DURATION} s 1920x1080 30 fps source clip ..."
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$DURATION" \
  -f lavfi -i "mandelbrot=size=640x360:rate=30" \
  -f lavfi -i "aevalsrc=0.25*sin(2*PI*440*t)+0.1*sin(2*PI*1500*t)|0.25*sin(2*PI*554*t)+0.1*sin(2*PI*2100*t):sample_rate=48000:duration=$DURATION" \
  -filter_complex "[0:v][1:v]overlay=x='(W-w)/2+500*sin(t/2)':y='(H-h)/2+250*cos(t/3)':shortest=1,noise=alls=4:allf=t,format=yuv420p[v]" \
  -map '[v]' -map 2:a -t "$DURATION" \
  -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
  -c:a aac -b:a 192k -ar 48000 -ac 2 -movflags +faststart "$SRC"
echo "source: $(ffprobe -v error -show_entries format=size,bit_rate -of default=nw=1:nk=0 "$SRC" | tr '\n' ' ')"

# --- settings reelpack will use ----------------------------------------------------------
"$REELPACK" package "$SRC" -p "$PRESET" -o "$WORK/plan" --reframe "$REFRAME" --dry-run --json >"$WORK/plan.json"
# Turns the plan into shell assignments (quoted by Python, so eval is safe).
PLAN_VARS="$(python3 - "$WORK/plan.json" <<'PY'
import json, shlex, sys
plan = json.load(open(sys.argv[1]))
o = plan["outputs"][0]
v, a = o["video"], o.get("audio") or {}
pix = (o.get("preset_settings", {}).get("video", {}) or {}).get("pix-fmt", "yuv420p")
if v["codec"] != "libx264":
    sys.exit(f"bench_package: the {o['preset']} preset encodes with {v['codec']}; this benchmark compares libx264 only")
if a and a.get("codec") != "aac":
    sys.exit(f"bench_package: the {o['preset']} preset encodes audio with {a.get('codec')}; this benchmark compares aac only")
def num(x):
    return f"{x:g}" if isinstance(x, float) else str(x)
vals = {
    "VF": o["video_filters"], "AF": o.get("audio_filters") or "",
    "V_WIDTH": v["width"], "V_HEIGHT": v["height"], "V_FPS": v["fps"],
    "V_PRESET": v["preset"], "V_PROFILE": v["profile"], "V_LEVEL": v["level"],
    "V_CRF": num(v["crf"]), "V_MAXRATE": v["maxrate"], "V_BUFSIZE": v["bufsize"],
    "V_GOP": v["gop_frames"], "V_BF": v["bframes"], "V_PIXFMT": pix,
    "A_BITRATE": a.get("bitrate", ""), "A_RATE": a.get("sample_rate", ""),
    "A_CH": a.get("channels", ""), "A_SILENT": "1" if a.get("silent") else "0",
    "PLAN_OUTPUT": o["output"],
}
for k, x in vals.items():
    print(f"{k}={shlex.quote(str(x))}")
PY
)"
eval "$PLAN_VARS"

RP_DIR="$WORK/reelpack"
RP_OUT="$RP_DIR/$(basename "$PLAN_OUTPUT")"
FF_OUT="$WORK/ffmpeg.mp4"

RP_CMD=("$REELPACK" package "$SRC" -p "$PRESET" -o "$RP_DIR" --reframe "$REFRAME")
FF_CMD=(ffmpeg -nostdin -hide_banner -loglevel error -y -i "$SRC"
  -vf "$VF"
  -c:v libx264 -preset "$V_PRESET" -profile:v "$V_PROFILE")
if [[ "$V_LEVEL" != auto ]]; then FF_CMD+=(-level:v "$V_LEVEL"); fi
FF_CMD+=(-crf "$V_CRF" -maxrate "$V_MAXRATE" -bufsize "$V_BUFSIZE" -g "$V_GOP" -bf "$V_BF"
  -flags +cgop -pix_fmt "$V_PIXFMT"
  -color_primaries bt709 -color_trc bt709 -colorspace bt709)
if [[ -n "$AF" && "$A_SILENT" != 1 ]]; then
  FF_CMD+=(-af "$AF" -c:a aac -b:a "$A_BITRATE" -ar "$A_RATE" -ac "$A_CH")
else
  FF_CMD+=(-an)  # reelpack would add silence here; not part of this comparison
fi
FF_CMD+=(-movflags +faststart "$FF_OUT")

echo
echo "reelpack command:"
printf '  %q' "${RP_CMD[@]}"; echo
echo "ffmpeg command:"
printf '  %q' "${FF_CMD[@]}"; echo
echo

# --- timed runs, alternating -------------------------------------------------------------
: >"$WORK/runs.txt"
for ((i = 1; i <= RUNS; i++)); do
  rm -rf "$RP_DIR"
  r="$(timed "$WORK/reelpack.log" "${RP_CMD[@]}")"
  echo "reelpack $i $r $(video_md5 "$RP_OUT")" >>"$WORK/runs.txt"
  echo "run $i/$RUNS reelpack: $r (s, KiB)"
  rm -f "$FF_OUT"
  f="$(timed "$WORK/ffmpeg.log" "${FF_CMD[@]}")"
  echo "ffmpeg $i $f $(video_md5 "$FF_OUT")" >>"$WORK/runs.txt"
  echo "run $i/$RUNS ffmpeg:   $f (s, KiB)"
done
[[ -s "$RP_OUT" ]] || die "reelpack wrote no $RP_OUT"
[[ -s "$FF_OUT" ]] || die "ffmpeg wrote no $FF_OUT"

# --- quality and stream comparison -------------------------------------------------------
echo
echo "comparing outputs (SSIM) ..."
# The headline figure is reelpack's output against ffmpeg's. Each is also compared with an
# uncompressed reference (the source through the same filter chain), which tells a pipeline
# difference (one side far from the reference) from encoder noise (both equally close).
# Start times are normalised so an offset shows up in the frame/start table, not as a shift.
ffmpeg -nostdin -hide_banner -y -i "$RP_OUT" -i "$FF_OUT" -i "$SRC" -filter_complex "\
[0:v]setpts=PTS-STARTPTS,split=2[rp1][rp2];\
[1:v]setpts=PTS-STARTPTS,split=2[ff1][ff2];\
[2:v]$VF,setpts=PTS-STARTPTS,split=2[ref1][ref2];\
[rp1][ff1]ssim@rp_vs_ff=stats_file=$WORK/ssim_frames.log:shortest=1[o1];\
[rp2][ref1]ssim@rp_vs_ref=shortest=1[o2];\
[ff2][ref2]ssim@ff_vs_ref=shortest=1[o3]" \
  -map '[o1]' -f null - -map '[o2]' -f null - -map '[o3]' -f null - 2>"$WORK/ssim.log" ||
  { tail -n 20 "$WORK/ssim.log" >&2; die "the SSIM comparison failed"; }
for f in "$RP_OUT" "$FF_OUT" "$SRC"; do
  ffprobe -v error -count_packets -show_format -show_streams -of json "$f" >"$f.probe.json"
  # Bitstream hashes: identical settings and inputs give identical x264 / AAC output.
  ffmpeg -nostdin -v error -i "$f" -map 0:v:0 -c copy -f md5 - >"$f.vmd5" 2>/dev/null || echo "n/a" >"$f.vmd5"
  ffmpeg -nostdin -v error -i "$f" -map "0:a:0?" -c copy -f md5 - >"$f.amd5" 2>/dev/null || echo "n/a" >"$f.amd5"
done

# --- report ------------------------------------------------------------------------------
python3 - "$WORK" "$RP_OUT" "$FF_OUT" "$SRC" "$BENCH_JSON" "$DURATION" "$RUNS" \
  "$(printf '%q ' "${RP_CMD[@]}")" "$(printf '%q ' "${FF_CMD[@]}")" <<'PY'
import json, re, statistics, sys
work, rp_out, ff_out, src, bench_json, duration, runs, rp_cmd, ff_cmd = sys.argv[1:]

walls = {"reelpack": [], "ffmpeg": []}
rss = {"reelpack": [], "ffmpeg": []}
md5s = {}
for line in open(f"{work}/runs.txt"):
    tool, _i, wall, kib, md5 = line.split()
    md5s.setdefault(tool, []).append(md5)
    walls[tool].append(float(wall))
    rss[tool].append(int(kib) / 1024.0)

med = {t: statistics.median(walls[t]) for t in walls}
med_rss = {t: statistics.median(rss[t]) for t in rss}
ratio = med["reelpack"] / med["ffmpeg"] if med["ffmpeg"] > 0 else float("nan")

log = open(f"{work}/ssim.log").read()
def ssim_of(name):
    m = re.findall(r"ssim@" + name + r" @ [^\]]*\] SSIM Y:([\d.]+).*?U:([\d.]+).*?V:([\d.]+).*?All:([\d.]+)", log)
    if not m:
        sys.exit(f"bench_package: no SSIM line for {name} in the ffmpeg output:\n" + log[-2000:])
    return tuple(float(x) for x in m[-1])
ssim_y, ssim_u, ssim_v, ssim = ssim_of("rp_vs_ff")
ssim_rp_ref = ssim_of("rp_vs_ref")[3]
ssim_ff_ref = ssim_of("ff_vs_ref")[3]
frame_ssim = []
for line in open(f"{work}/ssim_frames.log"):
    fm = re.search(r"n:(\d+).*All:([\d.]+)", line)
    if fm:
        frame_ssim.append((float(fm.group(2)), int(fm.group(1))))
worst = min(frame_ssim) if frame_ssim else (float("nan"), -1)

def info(path):
    p = json.load(open(path + ".probe.json"))
    v = next((s for s in p["streams"] if s["codec_type"] == "video"), {})
    a = next((s for s in p["streams"] if s["codec_type"] == "audio"), {})
    return {
        "size_bytes": int(p["format"].get("size", 0)),
        "duration_s": float(p["format"].get("duration", "nan")),
        "video_frames": int(v.get("nb_read_packets", 0)),
        "video_start_s": float(v.get("start_time", "nan")),
        "video_duration_s": float(v.get("duration", "nan")),
        "video_bit_rate": int(v.get("bit_rate", 0)),
        "size": f"{v.get('width')}x{v.get('height')}",
        "frame_rate": v.get("r_frame_rate"),
        "avg_frame_rate": v.get("avg_frame_rate"),
        "time_base": v.get("time_base"),
        "profile_level": f"{v.get('profile')} {v.get('level')}",
        "pix_fmt": v.get("pix_fmt"),
        "color": "/".join(str(v.get(k)) for k in ("color_range", "color_space", "color_primaries", "color_transfer")),
        "sar": v.get("sample_aspect_ratio"),
        "has_b_frames": v.get("has_b_frames"),
        "audio": f"{a.get('codec_name')} {a.get('sample_rate')} Hz {a.get('channels')} ch" if a else "none",
        "audio_start_s": float(a.get("start_time", "nan")) if a else None,
        "audio_duration_s": float(a.get("duration", "nan")) if a else None,
        "audio_packets": int(a.get("nb_read_packets", 0)) if a else 0,
        "audio_bit_rate": int(a.get("bit_rate", 0)) if a else 0,
        "video_md5": open(path + ".vmd5").read().strip().removeprefix("MD5="),
        "audio_md5": open(path + ".amd5").read().strip().removeprefix("MD5="),
    }

rp, ff, si = info(rp_out), info(ff_out), info(src)

print()
print(f"{'':10} {'median wall s':>14} {'runs (s)':>24} {'median max RSS MiB':>19}")
for t in ("reelpack", "ffmpeg"):
    runs_s = " ".join(f"{x:.2f}" for x in walls[t])
    print(f"{t:10} {med[t]:14.2f} {runs_s:>24} {med_rss[t]:19.0f}")
print(f"{'ratio':10} {ratio:14.2f}   (reelpack / ffmpeg, goal <= 1.00)")
print(f"{'SSIM':10} {ssim:14.4f}   (reelpack vs ffmpeg, All; Y {ssim_y:.4f} U {ssim_u:.4f} V {ssim_v:.4f}; worst frame {worst[1]}: {worst[0]:.4f}; goal >= 0.97)")
print(f"{'':10} {'':14}   vs uncompressed reference: reelpack {ssim_rp_ref:.4f}, ffmpeg {ssim_ff_ref:.4f}")
def same_runs(t):
    xs = md5s.get(t, [])
    return None if len(xs) < 2 else len(set(xs)) == 1
det = {t: same_runs(t) for t in ("reelpack", "ffmpeg")}
print(f"{'':10} {'':14}   repeated runs give identical video: " + ", ".join(
    f"{t} {'n/a (1 run)' if d is None else 'yes' if d else 'no'}" for t, d in det.items()))

print()
keys = ["size", "frame_rate", "avg_frame_rate", "time_base", "video_frames", "video_start_s",
        "video_duration_s", "profile_level", "pix_fmt", "color", "sar", "video_bit_rate", "size_bytes",
        "audio", "audio_packets", "audio_start_s", "audio_duration_s", "audio_bit_rate",
        "video_md5", "audio_md5"]
print(f"{'stream':18} {'source':>34} {'reelpack':>34} {'ffmpeg':>34}")
notes = []
for k in keys:
    cells = []
    for d in (si, rp, ff):
        x = d[k]
        cells.append(f"{x:.3f}" if isinstance(x, float) else str(x))
    mark = "" if cells[1] == cells[2] else "   <- differs"
    if k in ("video_md5", "audio_md5") or k.endswith("bit_rate") or k == "size_bytes":
        mark = mark and "   (differs)"
    print(f"{k:18} {cells[0][:34]:>34} {cells[1][:34]:>34} {cells[2][:34]:>34}{mark}")
    if mark and k not in ("video_md5", "audio_md5", "size_bytes", "video_bit_rate", "audio_bit_rate"):
        notes.append(f"{k}: reelpack {cells[1]}, ffmpeg {cells[2]}")
identical_video = rp["video_md5"] == ff["video_md5"] and rp["video_md5"] != "n/a"
identical_audio = rp["audio_md5"] == ff["audio_md5"] and rp["audio_md5"] != "n/a"
print(f"video bitstreams identical: {'yes' if identical_video else 'no'}; "
      f"audio bitstreams identical: {'yes' if identical_audio else 'no'}")
if notes:
    print("differences: " + "; ".join(notes))

goal = ratio <= 1.0 and ssim >= 0.97
summary = (f"package 1080p->1080x1920 center: reelpack {med['reelpack']:.1f} s, ffmpeg {med['ffmpeg']:.1f} s, "
           f"ratio {ratio:.2f}; peak RSS {med_rss['reelpack']:.0f} MiB vs {med_rss['ffmpeg']:.0f} MiB; "
           f"SSIM {ssim:.3f}")
print()
print(summary + ("" if goal else "  [goal NOT met: ratio <= 1.00 and SSIM >= 0.97]"))

if bench_json:
    out = {
        "benchmark": "package_1080p_to_1080x1920_center",
        "source": {"width": 1920, "height": 1080, "fps": "30/1", "duration_s": float(duration)},
        "runs": int(runs),
        "reelpack": {"wall_s": walls["reelpack"], "median_wall_s": med["reelpack"],
                     "max_rss_mib": rss["reelpack"], "median_max_rss_mib": med_rss["reelpack"],
                     "command": rp_cmd.strip(), "output": rp},
        "ffmpeg": {"wall_s": walls["ffmpeg"], "median_wall_s": med["ffmpeg"],
                   "max_rss_mib": rss["ffmpeg"], "median_max_rss_mib": med_rss["ffmpeg"],
                   "command": ff_cmd.strip(), "output": ff},
        "ratio": ratio,
        "ssim": {"all": ssim, "y": ssim_y, "u": ssim_u, "v": ssim_v,
                 "worst_frame": worst[1], "worst_frame_all": worst[0],
                 "reelpack_vs_reference": ssim_rp_ref, "ffmpeg_vs_reference": ssim_ff_ref},
        "repeat_runs_identical": det,
        "video_bitstream_identical": identical_video,
        "audio_bitstream_identical": identical_audio,
        "goal": {"ratio_max": 1.0, "ssim_min": 0.97, "met": goal},
        "summary": summary,
    }
    with open(bench_json, "w") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    print(f"wrote {bench_json}")
PY
