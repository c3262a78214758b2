#!/usr/bin/env bash
# Shaping benchmark: M messages to D domains on S sites (MX hosts under siteK.bench.test, one sink on
# 127.0.0.1), once with a shaping rule per site (max_message_rate such that site k's share takes
# SECONDS_PER_RUN / (0.5 + 0.25 k)) and once without rules. Prints the rate each site achieved at the sink
# against its limit, and Karavel's CPU time per 1,000 messages in both runs, in all and without the JIT
# compiler threads (a fresh JVM compiles throughout, longer in the longer shaped run). After each load the
# idle JVM is measured for IDLE_SECONDS: the summary gives the shaped figure raw and with the idle CPU of
# its extra duration subtracted.
#   [SECONDS_PER_RUN=60] [IDLE_SECONDS=60] [PROFILE=shaped|free] bench/shaping.sh [messages=50000] [domains=100] [sites=5]
# The issue's own test (600 messages to five domains of one site at 120/min, arrivals printed, another site
# without a rule alongside; about 5 minutes): bench/shaping.sh issue. A smaller run: bench/shaping.sh 5000. PROFILE samples that run's CPU with async-profiler from the start
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
if [[ "$messages" == issue ]]; then
  # the issue's test: 600 messages to five domains of one site at 120/min, 600 to five of another without a rule
  messages=1200 domains=10 sites=2
  run issue
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
run shaped
run free
# the shaped run lasts longer: its extra seconds at the idle JVM's CPU are shown apart (raw stays the figure)
awk '/^RESULT/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$2, kv[1]] = kv[2] } }
  END {
    m = v["shaped", "messages"]; if (m == "" || v["free", "messages"] == "") exit
    idle = (v["shaped", "idle_per_second"] + v["free", "idle_per_second"]) / 2
    s = v["shaped", "cpu"] / m * 1000; f = v["free", "cpu"] / v["free", "messages"] * 1000
    extra = v["shaped", "seconds"] - v["free", "seconds"]
    a = (v["shaped", "cpu"] - idle * extra) / m * 1000
    printf "CPU per 1,000 messages, raw: shaped %.3f s, free %.3f s: shaping costs %+.1f%%\n", s, f, (s / f - 1) * 100
    printf "idle JVM: %.4f CPU-s per second; the shaped run lasted %.1f s longer (%.2f CPU-s of idleness)\n", idle, extra, idle * extra
    printf "CPU per 1,000 messages, shaped with that idleness subtracted: %.3f s: shaping costs %+.1f%%\n", a, (a / f - 1) * 100
  }' "$root"/bench/target/shaping-shaped/load.log "$root"/bench/target/shaping-free/load.log
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
