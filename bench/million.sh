#!/usr/bin/env bash
# A million queued messages (issue 18): queues N small messages (about 1 KB, one per recipient) through
# POST /api/v1/inject for a destination that is down (the smarthost is a loopback port where nothing
# listens, so every message is tried once, fails and waits for its retry), then prints: spool size on
# disk, heap used (after a full GC) and RSS with them queued, the time of GET /api/v1/queue/summary and
# of mta:queue-summary, the CPU the delivery scheduler thread (and the whole JVM) used in one minute
# while they wait, the restart time (bin/stop, then start to SMTP ready) with them queued, the heap after
# the restart, and the drain rate once the destination is back (a sink on that port, queue flushed).
#   [DRAIN=false] [HISTO=1] bench/million.sh [messages=1000000] [per call=1000] [concurrent calls=2]
# DRAIN=false stops after the restart (no sink, no drain); DRAIN_SECONDS=n measures the drain rate over
# at most n seconds (default 1800); HISTO=1 prints the heap's top classes.
# Everything stays on loopback. The distribution runs with its defaults. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
messages=${1:-1000000}
per_call=${2:-1000}
concurrent=${3:-2}
work="$root/bench/target/million"
. bench/lib.sh
karavel_unpack
admin_port=$(free_port)
set_cfg org.karavel.admin.cfg port "$admin_port"
dest_port=$(free_port)
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$dest_port"
run() { java -cp "$cp" org.karavel.bench.MillionQueue "$@"; }
sink=
trap 'karavel_stop $sink' EXIT

heap() { # live heap (the class histogram's total, taken after a full GC), heap in use, and RSS
  local live used
  jcmd "$jpid" GC.class_histogram > "$work/histogram.txt"
  if [[ -n "${HISTO:-}" ]]; then head -25 "$work/histogram.txt"; fi
  live=$(tail -1 "$work/histogram.txt" | awk '{print $3}')
  used=$(jcmd "$jpid" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
  printf "live heap (after a full GC): %.0f MB; heap used: %.0f MB; RSS: %s\n" "$(echo "$live / 1048576" | bc -l)" \
    "$(echo "$used / 1024" | bc -l)" \
    "$(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$jpid/status)"
}
cpu_ticks() { awk '{print $14 + $15}' "$1"; } # utime + stime, in clock ticks
scheduler_cpu() { # the scheduler thread's CPU (and the JVM's) over 60 s
  local nid tid t0 t1 j0 j1 hz
  nid=$(jcmd "$jpid" Thread.print | grep '"karavel-delivery-scheduler-' | grep -oE 'nid=0x[0-9a-f]+' | head -1)
  tid=$((16#${nid#nid=0x}))
  hz=$(getconf CLK_TCK)
  t0=$(cpu_ticks "/proc/$jpid/task/$tid/stat"); j0=$(cpu_ticks "/proc/$jpid/stat")
  sleep 60
  t1=$(cpu_ticks "/proc/$jpid/task/$tid/stat"); j1=$(cpu_ticks "/proc/$jpid/stat")
  printf "CPU in 60 s while they wait: scheduler thread %.2f s (%.2f %% of one core); whole JVM %.1f s (retries falling due included)\n" \
    "$(echo "($t1 - $t0) / $hz" | bc -l)" "$(echo "($t1 - $t0) * 100 / $hz / 60" | bc -l)" "$(echo "($j1 - $j0) / $hz" | bc -l)"
}
summaries() {
  run summary "$admin_port"
  local t0 t1
  "$home/bin/client" "echo ok" < /dev/null > /dev/null 2>&1 || true
  t0=$(date +%s.%N); "$home/bin/client" "mta:queue-summary" < /dev/null > "$work/qshape.txt" 2>&1 || true; t1=$(date +%s.%N)
  local e0 e1
  e0=$(date +%s.%N); "$home/bin/client" "echo ok" < /dev/null > /dev/null 2>&1 || true; e1=$(date +%s.%N)
  printf "bin/client mta:queue-summary: %.2f s (bin/client \"echo ok\": %.2f s, so the command itself ~%.2f s)\n" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$e1 - $e0" | bc)" "$(echo "$t1 - $t0 - ($e1 - $e0)" | bc)"
  head -3 "$work/qshape.txt"
}

echo "== start (empty spool)"
karavel_start
echo "== queueing $messages messages for a destination that is down (127.0.0.1:$dest_port, nothing listening)"
run inject "$admin_port" "$messages" "$per_call" "$concurrent"
echo "== with them queued"
spool_bytes=$(du -sb "$home/data/spool" | cut -f1)
reserve=$(stat -c %s "$home/data/spool/spool.reserve" 2>/dev/null || echo 0)
printf "spool on disk: %.0f MB (spool.db %.0f MB; plus the %.0f MB emergency reserve file)\n" \
  "$(echo "($spool_bytes - $reserve) / 1048576" | bc -l)" "$(echo "$(stat -c %s "$home/data/spool/spool.db") / 1048576" | bc -l)" \
  "$(echo "$reserve / 1048576" | bc -l)"
heap
summaries
scheduler_cpu
echo "== restart with them queued (bin/stop, then start)"
"$home/bin/stop" > /dev/null 2>&1 || true
while kill -0 "$jpid" 2>/dev/null; do sleep 0.2; done
wait "$karaf" 2>/dev/null || true
karavel_start
heap
summaries
grep -h "spool opened" "$home"/data/log/karaf.log* 2>/dev/null | tail -1 | sed 's/.*spool opened/spool opened/' || true
if [[ "${DRAIN:-true}" != true ]]; then
  echo "(DRAIN=false: the drain is not measured)"
  exit 0
fi
echo "== the destination comes back: a sink on 127.0.0.1:$dest_port, queue flushed"
rm -f "$work/sink.ready"
run sink "$dest_port" "$messages" "$work/sink.ready" "${DRAIN_SECONDS:-1800}" &
sink=$!
for _ in $(seq 300); do [[ -s "$work/sink.ready" ]] && break; sleep 0.1; done
run flush "$admin_port"
wait $sink || true
sink=
heap
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a machine shared with other work)"
