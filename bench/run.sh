#!/usr/bin/env bash
# Relay benchmark: Karavel relays to a sink on 127.0.0.1, driven by S sessions sending M messages.
# Prints messages/s until the sink has them all, p50/p99 end-of-DATA-to-250 latency, Karavel's CPU-s per
# 1,000 messages (its JVM's user + system time over the measured messages), peak RSS and heap.
#   [RATE=msgs/s] [WARMUP=messages] [PER_MESSAGE=1] bench/run.sh [sessions=20] [messages=5000] [size=5120]
# RATE: open loop, message i starts at i/RATE s (default 0: closed loop, as fast as possible).
# WARMUP: that many messages first on the same sessions, not counted, so the JIT has compiled the hot
# path: a long-running MTA is measured warm.
# PER_MESSAGE=1: each message on a new connection (its set-up and connection checks paid per message).
# Everything stays on loopback. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${1:-20}
messages=${2:-5000}
size=${3:-5120}
work="$root/bench/target/run"
. bench/lib.sh
karavel_unpack

java -cp "$cp" org.karavel.bench.RelayLoad "$smtp_port" "$work/sink.port" "$sessions" "$messages" "$size" \
  "${RATE:-0}" "${WARMUP:-0}" "${PER_MESSAGE:-0}" > "$work/load.log" 2>&1 &
load=$!
for _ in $(seq 100); do [[ -s "$work/sink.port" ]] && break; sleep 0.1; done
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$(cat "$work/sink.port")"

jfr_opts=""
[[ -n "${KARAVEL_BENCH_JFR:-}" ]] && jfr_opts="-XX:StartFlightRecording=name=bench,settings=profile"
trap 'karavel_stop $load' EXIT
karavel_start "$jfr_opts ${KARAVEL_BENCH_JAVA_OPTS:-}"
touch "$work/sink.port.go"
# Karavel's CPU over the measured messages only: from the end of the warm-up to the sink having them all
(
  if (( ${WARMUP:-0} > 0 )); then
    until grep -q 'measuring' "$work/load.log" 2>/dev/null || ! kill -0 $load 2>/dev/null; do sleep 0.05; done
  fi
  proc_cpu "$jpid" > "$work/cpu.start"
  jit_cpu "$jpid" > "$work/jit.start"
) &
watcher=$!
wait $load || true
wait $watcher || true
cpu_end=$(proc_cpu "$jpid"); jit_end=$(jit_cpu "$jpid")
cat "$work/load.log"
[[ -n "$jpid" ]] && cpu_line "$(cat "$work/cpu.start")" "$cpu_end" "$messages" "$(cat "$work/jit.start")" "$jit_end"
if [[ -n "$jpid" ]]; then
  karavel_rss "after the load"
  echo "peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$jpid/status)"
  # KARAVEL_BENCH_JFR=file: a flight recording of the run, for `jfr print` or JDK Mission Control
  if [[ -n "${KARAVEL_BENCH_JFR:-}" ]]; then
    jcmd "$jpid" JFR.dump name=bench filename="$KARAVEL_BENCH_JFR" >/dev/null && echo "flight recording: $KARAVEL_BENCH_JFR"
  fi
fi
