#!/usr/bin/env bash
# Shaping benchmark: M messages to D domains on S sites (MX hosts under siteK.bench.test, one sink on
# 127.0.0.1), once with a shaping rule per site (max_message_rate such that site k's share takes
# SECONDS_PER_RUN / (0.5 + 0.25 k)) and once without rules. Prints the rate each site achieved at the sink
# against its limit, and Karavel's CPU time per 1,000 messages in both runs, in all and without the JIT
# compiler threads (a fresh JVM compiles throughout, longer in the longer shaped run).
#   [SECONDS_PER_RUN=60] [PROFILE=shaped|free] bench/shaping.sh [messages=50000] [domains=100] [sites=5]
# A smaller run: bench/shaping.sh 5000. PROFILE samples that run's CPU with async-profiler from the start
# of the load to its end and prints the hottest frames (collapsed stacks in bench/target/shaping-<run>/).
# Everything stays on loopback. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
messages=${1:-50000}
domains=${2:-100}
sites=${3:-5}
seconds=${SECONDS_PER_RUN:-60}

run() { # shaped|free
  work="$root/bench/target/shaping-$1"
  . bench/lib.sh
  karavel_unpack
  java -cp "$cp" org.karavel.bench.ShapingLoad "$smtp_port" "$work" "$home/etc" "$messages" "$domains" "$sites" \
    "$seconds" "$1" > "$work/load.log" 2>&1 &
  load=$!
  for _ in $(seq 100); do [[ -s "$work/sink.port" && -s "$work/dns.address" ]] && break; sleep 0.1; done
  set_cfg org.karavel.dns.cfg servers "$(cat "$work/dns.address")"
  set_cfg org.karavel.delivery.cfg remote_port "$(cat "$work/sink.port")"
  trap 'karavel_stop $load' EXIT
  # compiler threads that never exit, so that their CPU can be told apart from Karavel's own
  karavel_start "-XX:-UseDynamicNumberOfCompilerThreads ${KARAVEL_BENCH_JAVA_OPTS:-}"
  if [[ "${PROFILE:-}" == "$1" ]]; then
    lib=$(ls "$root"/bench/target/async-profiler/linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')/libasyncProfiler.so)
    jcmd "$jpid" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=1ms,file=$work/cpu.collapsed,collapsed\"" > /dev/null
  fi
  echo "$jpid" > "$work/go"
  wait $load || true
  cat "$work/load.log"
  if [[ "${PROFILE:-}" == "$1" ]]; then
    jcmd "$jpid" JVMTI.agent_load "$lib" "\"stop,file=$work/cpu.collapsed,collapsed\"" > /dev/null
    python3 bench/hot-frames.py "$work/cpu.collapsed"
  fi
  karavel_stop
  trap - EXIT
}
run shaped
run free
