#!/usr/bin/env bash
# The same relay benchmark driven by Postfix's own load tools (smtp-source, smtp-sink), which use
# far less CPU than the Java load generator on a 2-core machine. Needs the Debian package postfix
# for the two tools only (no Postfix daemon is started):  apt-get install -y postfix
#   [WARMUP=messages] bench/run-smtp-source.sh [sessions=20] [messages=20000] [size=5120]
# WARMUP: that many messages first, not counted (a long-running MTA is measured warm).
# Prints messages/s accepted and relayed (smtp-source cannot time end-of-DATA to 250; use run.sh) and
# Karavel's CPU-s per 1,000 messages (its JVM's user + system time from the start of the measured load to
# the sink having it all).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
command -v smtp-source >/dev/null || { echo "smtp-source not found: apt-get install -y postfix" >&2; exit 2; }
sessions=${1:-20}; messages=${2:-20000}; size=${3:-5120}; warmup=${WARMUP:-0}
work="$root/bench/target/smtp-source"
. bench/lib.sh
karavel_unpack
smtp=$smtp_port; sink_port=$(free_port)
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$sink_port"

smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 > "$work/sink.out" 2>&1 &
sink=$!
trap 'karavel_stop $sink' EXIT
karavel_start
sent() { grep -c 'status=sent' "$home/data/log/mail.log" || true; }
if (( warmup > 0 )); then
  smtp-source -s "$sessions" -l "$size" -m "$warmup" -f bench@localhost -t user@bench.test "127.0.0.1:$smtp"
  until [ "$(sent)" -ge "$warmup" ]; do sleep 0.05; done
  echo "warm-up done: $warmup messages, not counted"
fi
t0=$(date +%s.%N)
cpu0=$(proc_cpu "$jpid"); jit0=$(jit_cpu "$jpid")
smtp-source -s "$sessions" -l "$size" -m "$messages" -f bench@localhost -t user@bench.test "127.0.0.1:$smtp"
t1=$(date +%s.%N)
until [ "$(sent)" -ge $((warmup + messages)) ]; do sleep 0.05; done
t2=$(date +%s.%N)
cpu2=$(proc_cpu "$jpid"); jit2=$(jit_cpu "$jpid")
python3 -c "print('sessions=$sessions messages=$messages size=$size: accepted %.0f msg/s, relayed %.0f msg/s' % ($messages/($t1-$t0), $messages/($t2-$t0)))"
python3 -c "print('RESULT relay_msgs_per_s=%.0f warmup=$warmup' % ($messages/($t2-$t0)))"
cpu_line "$cpu0" "$cpu2" "$messages" "$jit0" "$jit2"
karavel_rss "after the load"
echo "peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$jpid/status)"
