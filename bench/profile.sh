#!/usr/bin/env bash
# Where Karavel's CPU goes under the relay load, warm: runs bench/run.sh, attaches async-profiler
# (from Maven Central, unpacked by the bench module's build) to the Karaf JVM once the warm-up is
# over, samples CPU for a while and prints the hottest frames; the collapsed stacks are kept for a
# flame graph. The profile that found the wins of issue 7 (the spool's read path, MapDB's log, boot).
#   [SECONDS_TO_PROFILE=12] bench/profile.sh [sessions=20] [messages=40000] [size=5120]
# Not a test; everything stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${1:-20}; messages=${2:-40000}; size=${3:-5120}; seconds=${SECONDS_TO_PROFILE:-12}
[[ -f bench/target/classpath.txt ]] || mvn -B -q install -DskipTests
lib=$(ls "$root"/bench/target/async-profiler/linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')/libasyncProfiler.so)
out="$root/bench/target/profile"
rm -rf "$out" "$root/bench/target/run" && mkdir -p "$out"
WARMUP=${WARMUP:-10000} bench/run.sh "$sessions" "$messages" "$size" > "$out/run.log" 2>&1 &
run=$!
# the measured part starts when the warm-up is over
until grep -q "^warm-up done" "$root/bench/target/run/load.log" 2>/dev/null; do
  kill -0 $run 2>/dev/null || { cat "$out/run.log"; exit 1; }
  sleep 0.5
done
jpid=$(pgrep -f "karaf.base=$root/bench/target/run/karavel" | head -1 || true)
[[ -n "$jpid" ]] || { echo "no Karaf JVM found; see $out/run.log" >&2; exit 1; }
jcmd "$jpid" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=1ms,timeout=$seconds,file=$out/cpu.collapsed,collapsed\"" > /dev/null
wait $run || true
grep RESULT "$out/run.log"
python3 bench/hot-frames.py "$out/cpu.collapsed"
