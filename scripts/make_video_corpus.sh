#!/usr/bin/env bash
# Usage: scripts/make_video_corpus.sh [DIR]
#
# Writes the seed clips of the video fuzz target (tests/fuzz/targets/fuzz_video.c) into
# DIR (default tests/fuzz/corpus/video): tiny clips (3-5 frames of videotestsrc at
# 32x24 .. 64x48, 10 fps, a few kB each) in every container and codec that Debian's
# GStreamer 1.22 plugin sets can write here (-base, -good, -bad, -ugly, gst-libav), some
# with an audio track (a few hundred ms of audiotestsrc at 8 kHz mono). A clip whose
# encoder or muxer is missing is left out with a message. Needs gst-launch-1.0
# (gstreamer1.0-tools); scripts/install-deps.sh installs the plugin sets.
#
# The output is not byte-identical from run to run (the muxers write the current date),
# which does not matter for seeds. Run it, then check `git status tests/fuzz/corpus/video`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="${1:-$root/tests/fuzz/corpus/video}"
command -v gst-launch-1.0 >/dev/null || { echo "make_video_corpus: no gst-launch-1.0" >&2; exit 1; }
mkdir -p "$out"

failed=0
have() { gst-inspect-1.0 "$1" >/dev/null 2>&1; }

# clip NAME "ELEMENTS..." PIPELINE: writes $out/NAME when every element exists.
clip() {
    local name=$1 need=$2 e
    shift 2
    for e in $need; do
        have "$e" || { echo "make_video_corpus: no $e: $name left out" >&2; return 0; }
    done
    rm -f "$out/$name"
    if ! timeout 60 gst-launch-1.0 -q "$@" >/dev/null 2>&1; then
        echo "make_video_corpus: FAILED: $name" >&2
        rm -f "$out/$name"
        failed=1
        return 0
    fi
    echo "make_video_corpus: $name ($(stat -c %s "$out/$name") bytes)" >&2
}

# vsrc FRAMES WxH [PATTERN]: the video source and its caps (gst-launch words).
vsrc() {
    local w=${2%x*} h=${2#*x}
    echo "videotestsrc num-buffers=$1 pattern=${3:-ball} ! video/x-raw,format=I420,width=$w,height=$h,framerate=10/1"
}
# asrc: 0.4 s of a sine at 8 kHz mono, converted for the encoder that follows.
asrc="audiotestsrc num-buffers=4 samplesperbuffer=800 ! audio/x-raw,rate=8000,channels=1 ! audioconvert"

# shellcheck disable=SC2046,SC2086 # the pipelines are word lists on purpose
{
clip vp8_32x24.webm "vp8enc webmmux" \
    $(vsrc 3 32x24) ! vp8enc deadline=1 ! webmmux ! filesink location="$out/vp8_32x24.webm"
clip vp8_vorbis_48x32.webm "vp8enc vorbisenc webmmux" \
    $(vsrc 4 48x32 smpte) ! vp8enc deadline=1 ! webmmux name=m ! filesink location="$out/vp8_vorbis_48x32.webm" \
    $asrc ! vorbisenc ! m.
clip vp9_32x24.webm "vp9enc webmmux" \
    $(vsrc 3 32x24) ! vp9enc deadline=1 cpu-used=8 ! webmmux ! filesink location="$out/vp9_32x24.webm"
clip h264_opus_64x48.mkv "x264enc opusenc matroskamux" \
    $(vsrc 5 64x48) ! x264enc threads=1 speed-preset=ultrafast key-int-max=2 ! matroskamux name=m ! \
    filesink location="$out/h264_opus_64x48.mkv" $asrc ! opusenc ! m.
clip h264_32x24.mp4 "x264enc mp4mux" \
    $(vsrc 4 32x24) ! x264enc threads=1 speed-preset=ultrafast bframes=2 ! mp4mux ! \
    filesink location="$out/h264_32x24.mp4"
clip h264_faststart_48x32.mp4 "x264enc mp4mux" \
    $(vsrc 3 48x32 snow) ! x264enc threads=1 speed-preset=ultrafast ! mp4mux faststart=true ! \
    filesink location="$out/h264_faststart_48x32.mp4"
clip mpeg4_48x32.mp4 "avenc_mpeg4 mp4mux" \
    $(vsrc 4 48x32) ! avenc_mpeg4 ! mp4mux ! filesink location="$out/mpeg4_48x32.mp4"
clip h264_aac_48x32.mp4 "x264enc avenc_aac mp4mux" \
    $(vsrc 4 48x32 smpte) ! x264enc threads=1 speed-preset=ultrafast ! mp4mux name=m ! \
    filesink location="$out/h264_aac_48x32.mp4" $asrc ! avenc_aac ! m.
clip h264_fragmented_32x24.mp4 "x264enc mp4mux" \
    $(vsrc 4 32x24 gradient) ! x264enc threads=1 speed-preset=ultrafast key-int-max=2 ! \
    mp4mux fragment-duration=200 ! filesink location="$out/h264_fragmented_32x24.mp4"
clip mjpeg_pcm_32x24.avi "jpegenc avimux" \
    $(vsrc 3 32x24) ! jpegenc quality=30 ! avimux name=m ! filesink location="$out/mjpeg_pcm_32x24.avi" \
    audiotestsrc num-buffers=2 samplesperbuffer=400 ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! m.
clip theora_vorbis_32x24.ogg "theoraenc vorbisenc oggmux" \
    $(vsrc 3 32x24) ! theoraenc ! oggmux name=m ! filesink location="$out/theora_vorbis_32x24.ogg" \
    $asrc ! vorbisenc ! m.
clip theora_32x24.ogv "theoraenc oggmux" \
    $(vsrc 4 32x24 circular) ! theoraenc ! oggmux ! filesink location="$out/theora_32x24.ogv"
clip h264_mp3_32x24.ts "x264enc lamemp3enc mpegaudioparse mpegtsmux" \
    $(vsrc 3 32x24) ! x264enc threads=1 speed-preset=ultrafast ! mpegtsmux name=m ! \
    filesink location="$out/h264_mp3_32x24.ts" $asrc ! audioresample ! audio/x-raw,rate=16000 ! \
    lamemp3enc ! mpegaudioparse ! m.
clip flv1_32x24.flv "avenc_flv flvmux" \
    $(vsrc 3 32x24) ! avenc_flv ! flvmux ! filesink location="$out/flv1_32x24.flv"
clip h263_128x96.mov "avenc_h263 qtmux" \
    videotestsrc num-buffers=3 ! video/x-raw,format=I420,width=128,height=96,framerate=10/1 ! \
    avenc_h263 ! qtmux ! filesink location="$out/h263_128x96.mov"
clip raw_32x24.y4m "y4menc" \
    $(vsrc 3 32x24) ! y4menc ! filesink location="$out/raw_32x24.y4m"
clip mjpeg_32x24.mkv "jpegenc matroskamux" \
    $(vsrc 3 32x24 smpte) ! jpegenc quality=30 ! matroskamux ! filesink location="$out/mjpeg_32x24.mkv"
}
ls -l "$out" >&2
exit "$failed"
