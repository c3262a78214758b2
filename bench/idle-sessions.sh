#!/usr/bin/env bash
# Idle sessions: Karavel with its default memory settings (bin/java-memory) holds N SMTP sessions
# from 127.0.0.1 that said EHLO and then nothing; while they are open, prints heap used after a full
# GC, RSS, threads, and the time a well-behaved client takes to send one message.
#   [EHLO=false] [HEAP=512m] bench/idle-sessions.sh [sessions=5000]
# HEAP: another heap cap than the default's (-Xmx384m)
# Everything stays on loopback. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${1:-5000}
heap=${HEAP:-}
work="$root/bench/target/idle"
. bench/lib.sh
karavel_unpack
# room for the N, the probe and a margin, all from one address
set_cfg org.karavel.smtp.listener-mx.cfg max_connections $((sessions + 100))
set_cfg org.karavel.smtp.listener-mx.cfg max_connections_per_ip $((sessions + 100))
# a socket per session on both sides, plus the server's own files
need=$((sessions + 2000))
(( $(ulimit -n) >= need )) || ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) >= need )) || echo "warning: ulimit -n is $(ulimit -n), below $need" >&2

java -cp "$cp" org.karavel.bench.IdleSessions "$smtp_port" "$work" "$sessions" "${EHLO:-true}" > "$work/idle.log" 2>&1 &
client=$!
for _ in $(seq 100); do [[ -s "$work/sink.port" ]] && break; sleep 0.1; done
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$(cat "$work/sink.port")"

trap 'karavel_stop $client' EXIT
karavel_start "${heap:+-Xmx$heap} ${KARAVEL_BENCH_JAVA_OPTS:-}"
echo "heap cap: ${heap:+-Xmx$heap (HEAP)}${heap:--Xmx384m (the default, bin/java-memory)}"
touch "$work/sink.port.go"
for _ in $(seq 1200); do [[ -s "$work/open" ]] && break; kill -0 $client 2>/dev/null || break; sleep 0.1; done
[[ -s "$work/open" ]] || { cat "$work/idle.log"; echo "the sessions were not all opened in 120 s" >&2; exit 1; }
held=$(ss -Htn state established "( sport = :$smtp_port )" | wc -l)
jcmd "$jpid" GC.run > /dev/null
# G1 prints one heap line, Serial one per generation (young, tenured): the sum of their "used"
heap_kb=$(jcmd "$jpid" GC.heap_info | sed -n 's/.*total [0-9]*K, used \([0-9]*\)K.*/\1/p' | awk '{s += $1} END {print s}')
jcmd "$jpid" GC.heap_info | grep 'total [0-9]*K, used' | sed 's/^ */heap after a full GC: /'
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$jpid/status")
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$jpid/status")
threads=$(awk '/^Threads/ {print $2}' "/proc/$jpid/status")
# what the heap holds, largest first, for a look at what each session costs
jcmd "$jpid" GC.class_histogram > "$work/histogram.txt" 2>/dev/null || true
echo "server-side established connections on the mx port: $held"
echo "class histogram (top 12, all in $work/histogram.txt):"
sed -n '3,14p' "$work/histogram.txt"
touch "$work/measured"
wait $client || true
cat "$work/idle.log"
probe=$(sed -n 's/^PROBE probe_ms=\([0-9.]*\).*probe_ok=\([a-z]*\).*/\1 \2/p' "$work/idle.log")
set -- ${probe:-0 false}
printf "RESULT idle_sessions=%s held=%s heap_used_mb=%.0f rss_mb=%.0f peak_rss_mb=%.0f threads=%s probe_ms=%s probe_ok=%s\n" \
  "$(cat "$work/open")" "$held" "$(echo "${heap_kb:-0} / 1024" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)" \
  "$(echo "$hwm_kb / 1024" | bc -l)" "$threads" "$1" "$2"
