#!/usr/bin/env bash
# Start-up: the distribution as unpacked (first boot: features resolved, bundles installed), then
# stopped and started again N times (warm: data/cache kept), each time until the SMTP listener
# greets with 220. Prints seconds from bin/karaf to the greeting, the JVM's CPU seconds until then
# (steadier than wall time on a shared machine) and the JIT's share of them, classes loaded, RSS once
# idle after start, and the load average (wall time means little at a high one).
#   [KARAVEL_BENCH_JAVA_OPTS=...] bench/startup.sh [restarts=5]
# Everything stays on loopback. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
restarts=${1:-5}
work="$root/bench/target/startup"
. bench/lib.sh
karavel_unpack
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$(free_port)"
trap 'karavel_stop' EXIT

greets() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$smtp_port; head -c 3 <&3" 2>/dev/null | grep -q 220; }
# one start: prints wall seconds, CPU seconds, classes, RSS idle 5 s after the greeting
start_once() {
  local label=$1 t0 t1 jvm cpu classes
  t0=$(date +%s.%N)
  EXTRA_JAVA_OPTS="-Djava.rmi.server.hostname=127.0.0.1 ${KARAVEL_BENCH_JAVA_OPTS:-}" "$home/bin/karaf" server > "$work/karaf-$label.out" 2>&1 &
  karaf=$!
  until greets; do
    kill -0 $karaf 2>/dev/null || { echo "Karavel did not start; see $work/karaf-$label.out" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  jvm=$(pgrep -f "karaf.base=$home" | head -1)
  # utime + stime of the JVM, in clock ticks
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$jvm/stat")
  # of which the JIT compiler threads (C1, C2): about a third of a start's CPU
  jit=$(for t in /proc/"$jvm"/task/*; do
          if grep -q 'CompilerThre' "$t/comm" 2>/dev/null; then cat "$t/stat"; fi; done \
        | awk -v hz="$(getconf CLK_TCK)" '{s += $14 + $15} END {printf "%.1f", s / hz}')
  classes=$(jcmd "$jvm" PerfCounter.print 2>/dev/null | sed -n 's/^java.cls.loadedClasses=//p')
  sleep 5
  printf "%-8s start to SMTP 220: %5.2f s  JVM CPU: %5s s (JIT %s)  classes: %s  RSS idle: %s MB  load: %s\n" "$label" \
    "$(echo "$t1 - $t0" | bc)" "$cpu" "$jit" "${classes:-?}" "$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$jvm/status")" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  # stopped as systemd stops it: SIGTERM, then wait for the JVM to be gone
  kill -TERM "$jvm"
  while kill -0 "$jvm" 2>/dev/null; do sleep 0.1; done
  wait $karaf 2>/dev/null || true
}
start_once first
for i in $(seq "$restarts"); do start_once "warm-$i"; done
