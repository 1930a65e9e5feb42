#!/usr/bin/env bash
# Builds media/sample.mp4, the synthetic test clip for reelpack.
#
# 6 s, 1280x720 (16:9), 30 fps, H.264 (libx264 CRF 28, yuv420p) + AAC stereo 48 kHz.
# Made only from FFmpeg lavfi sources, drawn shapes/text and espeak-ng speech, so it is
# reproducible and free of third-party footage.
#
#   shot A  0-3 s  warm room, character 1 (red jacket) at about 25% of the width,
#                  drifting slowly right; line "Where were you last night?"
#   shot B  3-6 s  blurred blue night scene, character 2 (teal coat) at about 74% of the
#                  width, drifting slowly left; line "You don't want to know."
#
# One hard cut at exactly 3.0 s (frame 90) for shot detection; the subjects are off-centre
# so a centre crop to 9:16 visibly misses them.
#
# Needs: ffmpeg (lavfi, libx264, libfreetype), espeak-ng, fonts-dejavu-core.
# Usage: bash media/make_sample.sh   (any working directory; writes next to this script)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/sample.mp4"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

for tool in ffmpeg espeak-ng; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make_sample.sh: $tool not found" >&2; exit 1; }
done
[[ -r "$font" ]] || { echo "make_sample.sh: font $font missing (install fonts-dejavu-core)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- speech ------------------------------------------------------------------------------
espeak-ng -v en-us+m3 -s 150 -w "$tmp/line1.wav" "Where were you last night?"
espeak-ng -v en-us+f3 -s 150 -w "$tmp/line2.wav" "You don't want to know."

# --- character sprite ----------------------------------------------------------------------
# A 220x520 RGBA figure drawn with geq: hair, oval head with eyes and mouth, neck, rounded
# shoulders and torso. Arguments: skin, hair, coat as "R G B"; long hair (0|1).
sprite() {
    local -a skin hair coat
    read -ra skin <<<"$1"
    read -ra hair <<<"$2"
    read -ra coat <<<"$3"
    local long=$4
    local head='lte(pow((X-110)/56,2)+pow((Y-100)/70,2),1)'
    local cap='lte(pow((X-110)/62,2)+pow((Y-82)/62,2),1)*lt(Y,76)'
    local longhair="$long*lt(abs(X-110),66)*between(Y,60,215)"
    local eyew='lte(pow((X-88)/11,2)+pow((Y-104)/7,2),1)+lte(pow((X-132)/11,2)+pow((Y-104)/7,2),1)'
    local pupil='lte(pow(X-90,2)+pow(Y-105,2),25)+lte(pow(X-134,2)+pow(Y-105,2),25)'
    local brow='between(Y,88,91)*(between(X,77,99)+between(X,121,143))'
    local mouth='between(X,97,123)*between(Y,138,142)'
    local neck='between(X,92,128)*between(Y,160,195)'
    local body='lte(pow((X-110)/105,2)+pow((Y-275)/95,2),1)*lt(Y,275)+between(X,5,215)*gte(Y,275)'
    local expr=() c
    for c in 0 1 2; do
        expr[c]="if($pupil,20,if($eyew,245,if($brow+$mouth,${hair[c]}*0.7+30,if($cap,${hair[c]},if($head,${skin[c]},if($longhair,${hair[c]},if($neck,${skin[c]}*0.85,if($body,${coat[c]},0))))))))"
    done
    printf "format=rgba,geq=r='%s':g='%s':b='%s':a='if(%s,255,0)'" \
        "${expr[0]}" "${expr[1]}" "${expr[2]}" "$head+$cap+$longhair+$neck+$body"
}

char1="$(sprite '224 172 132' '55 38 28' '150 32 45' 0)"
char2="$(sprite '196 140 106' '28 22 22' '28 118 128' 1)"

# --- filter graph: picture and sound ---------------------------------------------------------
# Sprites are computed at 1 fps (geq is slow) and repeated to 30 fps. The sine sources start
# at 1/8 full scale, so the background tone sits near -40 dBFS, about 15 dB under the speech.
sub="fontfile=$font:fontcolor=white:borderw=3:bordercolor=black@0.8:x=(w-text_w)/2"
graph="
gradients=s=1280x720:r=30:d=3:c0=0x3a4a6b:c1=0xb08850:x0=0:y0=0:x1=1280:y1=720:nb_colors=2:speed=0.01:seed=7,
 drawbox=x=0:y=540:w=1280:h=180:color=0x4a3322:t=fill,
 drawbox=x=860:y=110:w=300:h=300:color=0xefe4c4:t=fill,
 drawbox=x=860:y=110:w=300:h=300:color=0x5a4030:t=12,
 drawbox=x=1004:y=110:w=12:h=300:color=0x5a4030:t=fill,
 drawbox=x=860:y=254:w=300:h=12:color=0x5a4030:t=fill,
 drawbox=x=560:y=180:w=150:h=360:color=0x6b4a30:t=fill,
 drawbox=x=1060:y=430:w=160:h=150:color=0x2e3b30:t=fill,
 gblur=sigma=7,eq=brightness=-0.04:saturation=0.9[bgA];
color=c=black@0:s=220x520:r=1:d=3,$char1,fps=30[c1];
[bgA][c1]overlay=x='210+12*t':y='235+3*sin(2*PI*0.7*t)':shortest=1,setsar=1[shotA];

testsrc2=s=1280x720:r=30:d=3,
 drawbox=x=0:y=0:w=1280:h=720:color=0x0a1430@0.55:t=fill,
 drawbox=x=60:y=120:w=260:h=600:color=0x101828:t=fill,
 drawbox=x=380:y=220:w=200:h=500:color=0x141c30:t=fill,
 drawbox=x=100:y=170:w=40:h=50:color=0xf3d27a:t=fill,
 drawbox=x=200:y=260:w=40:h=50:color=0xf3d27a:t=fill,
 drawbox=x=430:y=300:w=40:h=50:color=0xe9b95c:t=fill,
 drawbox=x=0:y=620:w=1280:h=100:color=0x202530:t=fill,
 gblur=sigma=14,eq=brightness=-0.12:saturation=0.6,colorbalance=bs=0.25:bm=0.12[bgB];
color=c=black@0:s=220x520:r=1:d=3,$char2,fps=30[c2];
[bgB][c2]overlay=x='840-10*t':y='230+3*sin(2*PI*0.6*t+1)':shortest=1,setsar=1[shotB];

[shotA][shotB]concat=n=2:v=1:a=0,
 drawtext=$sub:fontsize=38:y=h-118:text='Where were you last night?':enable='between(t,0.3,2.8)',
 drawtext=$sub:fontsize=38:y=h-118:text='You don’t want to know.':enable='between(t,3.3,5.8)',
 drawtext=fontfile=$font:fontcolor=white@0.75:fontsize=22:x=(w-text_w)/2:y=h-52:text='reelpack sample',
 format=yuv420p[v];

sine=f=110:r=48000:d=6,volume=0.15[t1];
sine=f=164.81:r=48000:d=6,volume=0.09[t2];
[0:a]aresample=48000,adelay=300:all=1,volume=0.8[s1];
[1:a]aresample=48000,adelay=3300:all=1,volume=0.8[s2];
[t1][t2][s1][s2]amix=inputs=4:duration=first:normalize=0,
 aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo[a]
"

ffmpeg -hide_banner -loglevel error -y \
    -i "$tmp/line1.wav" -i "$tmp/line2.wav" \
    -filter_complex "$graph" -map '[v]' -map '[a]' \
    -c:v libx264 -preset medium -crf 28 -pix_fmt yuv420p -r 30 \
    -c:a aac -b:a 128k -ar 48000 -ac 2 \
    -t 6 -movflags +faststart -fflags +bitexact \
    -metadata title="reelpack sample" \
    "$tmp/sample.mp4"

mv "$tmp/sample.mp4" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
