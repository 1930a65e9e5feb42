# Shared by the benchmarks: source it after setting WORK (the run's temporary folder).
#
#   source "$SCRIPT_DIR/lib.sh"
#   r="$(bench_timed bench_thumbs "$WORK/run.log" reelpack thumbs ...)"   # "wall KiB cpu"
#   bench_face_pam "$WORK/face.pam"

# Runs a command under GNU time, its stdout in LOG (a --json report stays parseable) and
# its stderr in LOG.err; prints "<wall s> <max RSS KiB> <CPU s>" (CPU = user + sys). On
# failure prints the logs' tails and exits 1, naming the benchmark.
bench_timed() {
  local name="$1" log="$2"; shift 2
  if ! /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >"$log" 2>"$log.err"; then
    echo "$name: command failed: $*" >&2
    tail -n 20 "$log" "$log.err" >&2
    exit 1
  fi
  tail -n 1 "$WORK/time.txt" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

# Writes a 240x330 RGBA drawing of a face (hair, oval of 180x240 at (30, 50), eyes, nose,
# mouth, shoulders) as PAM, which ffmpeg reads, so no image library is needed.
bench_face_pam() {
  python3 - "$1" <<'PY'
import sys
W, H = 240, 330
def inside(x, y, cx, cy, rx, ry): return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1
px = bytearray()
for y in range(H):
    for x in range(W):
        c = None
        if inside(x, y, 120, 150, 102, 140) and y < 140: c = (40, 30, 30)         # hair
        if inside(x, y, 120, 170, 90, 120): c = (220, 170, 140)                   # skin
        for ex in (84, 156):
            if inside(x, y, ex, 120, 20, 9) and not inside(x, y, ex, 121, 20, 7): c = (60, 40, 40)
            if inside(x, y, ex, 150, 16, 9): c = (250, 250, 250)
            if inside(x, y, ex, 150, 8, 8): c = (40, 40, 60)
        if 160 < y < 190 and abs(x - (118 - (y - 160) * 0.15)) < 2: c = (180, 130, 100)  # nose
        if inside(x, y, 120, 225, 26, 7): c = (150, 60, 60)                       # mouth
        if y > 290 and inside(x, y, 120, 400, 130, 120): c = (140, 60, 90)        # shoulders
        px += bytes(c + (255,)) if c else bytes((0, 0, 0, 0))
with open(sys.argv[1], "wb") as f:
    f.write(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n" % (W, H) + bytes(px))
PY
}
