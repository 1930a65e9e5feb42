#!/usr/bin/env bash
# Benchmark: `reelpack shots` on a 1080p clip against decoding alone with the ffmpeg
# command line (`ffmpeg -i X -f null -`), in the same run. Goal: detection costs at most
# 1.3x the time of decoding alone. Reports frames per second, the ratio of median wall
# times and the median peak memory (max RSS) of both, and checks the shots found.
#
# Environment: REELPACK (default <repo>/build/reelpack), RUNS (default 3),
# SHOT_SECONDS (length of each of the 6 shots, default 5), BENCH_JSON (optional output).
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
REELPACK="${REELPACK:-$REPO/build/reelpack}"
RUNS="${RUNS:-3}"
SHOT_SECONDS="${SHOT_SECONDS:-5}"
BENCH_JSON="${BENCH_JSON:-}"
[[ -x /usr/bin/time ]] || { echo "bench_shots: install GNU time (apt-get install time)" >&2; exit 2; }
[[ -x "$REELPACK" ]] || { echo "bench_shots: build reelpack first (no $REELPACK)" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reelpack-bench-shots.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Six 1080p shots from different lavfi sources, hard cuts between them, with audio.
S=$SHOT_SECONDS
SRC="$WORK/shots.mp4"
echo "generating 6 x ${S} s 1920x1080 30 fps shots ..."
ffmpeg -nostdin -v error -y \
  -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$S" \
  -f lavfi -i "mandelbrot=s=1920x1080:r=30,trim=duration=$S" \
  -f lavfi -i "smptehdbars=s=1920x1080:r=30:d=$S" \
  -f lavfi -i "life=s=1920x1080:r=30:mold=10:ratio=0.1:life_color=#40e080:death_color=#301060:mold_color=#a06020,trim=duration=$S" \
  -f lavfi -i "cellauto=s=1920x1080:r=30:rule=110,trim=duration=$S" \
  -f lavfi -i "gradients=s=1920x1080:r=30:speed=0.05,trim=duration=$S" \
  -f lavfi -i "sine=f=330:d=$((6 * S)):sample_rate=48000" \
  -filter_complex "[0:v][1:v][2:v][3:v][4:v][5:v]concat=n=6:v=1:a=0,format=yuv420p[v]" \
  -map '[v]' -map 6:a -c:v libx264 -preset veryfast -crf 20 -c:a aac "$SRC"
FRAMES=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$SRC")

timed() {  # prints "<wall s> <max RSS KiB>"
  /usr/bin/time -f '%e %M' -o "$WORK/t" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  cat "$WORK/t"
}
: >"$WORK/r.txt"
for i in $(seq "$RUNS"); do
  echo "reelpack $(timed "$REELPACK" shots "$SRC" --format csv)" >>"$WORK/r.txt"
  cp "$WORK/out" "$WORK/shots.csv"
  echo "ffmpeg $(timed ffmpeg -nostdin -v error -i "$SRC" -f null -)" >>"$WORK/r.txt"
done

python3 - "$WORK/r.txt" "$WORK/shots.csv" "$FRAMES" "$S" "$BENCH_JSON" <<'PY'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
frames, shot_s, out = int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
def med(tool, k): return statistics.median(float(r[k]) for r in rows if r[0] == tool)
rp, ff = med("reelpack", 1), med("ffmpeg", 1)
rm, fm = med("reelpack", 2) / 1024, med("ffmpeg", 2) / 1024
shots = [l.split(",") for l in open(sys.argv[2]).read().splitlines()[1:]]
starts = [float(s[1]) for s in shots]
want = [i * shot_s for i in range(6)]
found = len(starts) == 6 and all(abs(a - b) < 0.05 for a, b in zip(starts, want))
print(f"{'tool':10} {'wall s':>8} {'fps':>8} {'max RSS MiB':>12}")
print(f"{'reelpack':10} {rp:8.2f} {frames / rp:8.1f} {rm:12.0f}")
print(f"{'ffmpeg':10} {ff:8.2f} {frames / ff:8.1f} {fm:12.0f}")
ratio = rp / ff
print(f"shots 1080p ({frames} frames, {len(rows)//2} runs, medians): reelpack {rp:.2f} s vs ffmpeg decode {ff:.2f} s, "
      f"ratio {ratio:.2f} (goal <= 1.30: {'met' if ratio <= 1.3 else 'NOT met'}); peak RSS {rm:.0f} vs {fm:.0f} MiB; "
      f"shots found {len(shots)}, boundaries {'correct' if found else 'WRONG: ' + str(starts)}")
if out:
    json.dump({"frames": frames, "reelpack_s": rp, "ffmpeg_decode_s": ff, "ratio": ratio,
               "reelpack_rss_mib": rm, "ffmpeg_rss_mib": fm, "shots": len(shots), "correct": found},
              open(out, "w"), indent=2)
PY
