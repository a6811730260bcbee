#!/usr/bin/env bash
# cam.sh -- `backdrop cam` up to the device boundary (this machine has no camera and
# no v4l2loopback): the live path with --source/--sink fragments instead of the v4l2
# ends. Checked:
#   - videotestsrc (live) -> fakevideosink with --frames 30 --stats: exit 0, exactly
#     30 frames out, per-second stats lines and a total line with the latency figures;
#   - the default pipeline names a missing --device (exit 1) and a missing --output
#     loopback device (exit 1);
#   - a --sink fragment that does not parse, and a --source without a free source
#     pad, are usage errors (2) with a message; unknown --format too;
#   - a source that runs dry ends the command (end-of-stream, exit 0);
#   - SIGINT drains the pipeline and exits 0;
#   - a frame rate the source cannot do is a pipeline error (exit 1, one line).
#
# Skips (77) without a model or when the CLI was built without GStreamer.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
require_model

run cam --help
if grep -q "built without GStreamer" "$TMP/stderr"; then
    echo "skipped: this backdrop was built without GStreamer"
    exit 77
fi

SRC='videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1'

expect 0 "cam --frames 30 --stats" cam --source "$SRC" --sink fakevideosink --frames 30 --stats \
    --model "$MODEL"
n=$(grep -c '^backdrop: stats: ' "$TMP/stderr")
[ "$n" -ge 1 ]
check $? "--stats printed per-second lines ($n)"
grep -E '^backdrop: stats: [0-9]+ in, [0-9]+ out, [0-9]+ dropped .*latency [0-9.]+ ms median, [0-9.]+ ms p99.*cpu [0-9]+%' \
    "$TMP/stderr" >/dev/null
check $? "a stats line has frames in/out/dropped, latency median/p99 and CPU"
grep -E '^backdrop: stats total: [0-9]+ in, 30 out, .*latency [0-9.]+ ms median, [0-9.]+ ms p99 \(30 frames\)' \
    "$TMP/stderr" >/dev/null
check $? "the total line counts exactly 30 frames out, with latency over all 30"

# The v4l2 ends, named when missing (checked before GStreamer is asked).
expect 1 "missing --device" cam --device /dev/backdrop-no-such-camera --sink fakevideosink \
    --model "$MODEL"
stderr_has "/dev/backdrop-no-such-camera" "the message names the device"
stderr_one_line "missing --device"
expect 1 "missing --output" cam --source "$SRC" --output /dev/backdrop-no-such-loopback \
    --model "$MODEL"
stderr_has "/dev/backdrop-no-such-loopback" "the message names the output device"
stderr_has "v4l2loopback" "... and says how to create it"
if [ -e /dev/null ]; then
    expect 1 "a --device that is no camera" cam --device /dev/null --sink fakevideosink \
        --model "$MODEL"
    stderr_has "/dev/null" "GStreamer's error names the device"
fi

# Fragments.
expect 2 "a --sink that does not parse" cam --source "$SRC" --sink 'no_such_sink_element' \
    --model "$MODEL"
stderr_has "no_such_sink_element" "the message names the bad element"
expect 2 "a --source with no free source pad" cam --source 'videotestsrc ! fakesink' \
    --sink fakevideosink --model "$MODEL"
stderr_has "no unlinked source pad" "the message says what is missing"
expect 2 "--format nonsense" cam --source "$SRC" --sink fakevideosink --format nonsense \
    --model "$MODEL"
expect 2 "-b transparent into YUY2" cam --source "$SRC" -b transparent --model "$MODEL"
expect 0 "-b transparent with --format BGRA" cam --source "$SRC" --sink fakevideosink \
    -b transparent --format BGRA --frames 5 --model "$MODEL"

# A source that ends by itself ends the command.
expect 0 "a source that runs dry (num-buffers=10)" cam \
    --source 'videotestsrc is-live=true num-buffers=10' --sink fakevideosink --model "$MODEL"

# The size and rate options reach the source.
expect 0 "--size 160x120 --fps 15" cam --source 'videotestsrc is-live=true' \
    --sink fakevideosink --size 160x120 --fps 15 --frames 5 -v --model "$MODEL"
stderr_has "width=(int)160, height=(int)120, framerate=(fraction)15/1" "-v shows the caps asked for"
expect 2 "--size 12x" cam --source "$SRC" --sink fakevideosink --size 12x --model "$MODEL"

expect 1 "a rate the source cannot do" cam --source "$SRC" --sink fakevideosink --fps 7 \
    --model "$MODEL"
stderr_one_line "a rate the source cannot do"

# SIGINT: end-of-stream, drained, exit 0.
"$BD_CLI" cam --source "$SRC" --sink fakevideosink --stats --model "$MODEL" \
    >"$TMP/stdout" 2>"$TMP/stderr" &
pid=$!
# Signal only once frames flow (the first per-second stats line): a fixed sleep
# raced with start-up under the sanitizers on a loaded machine.
for _ in $(seq 1 600); do
    grep -q "stats: " "$TMP/stderr" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -INT "$pid"
# The CLI gives the drain a few seconds; if it is still running after 60, it hung.
for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
    fail "SIGINT: still running 60 s after the signal"
    kill -KILL "$pid"
fi
wait "$pid"
rc=$?
[ "$rc" -eq 0 ]
check $? "SIGINT stops cleanly (exit $rc)"
stderr_has "stats total:" "... after draining (the total line is printed)"

finish
