#!/usr/bin/env bash
# Injection benchmark: POST /api/v1/inject to the running distribution, R recipients in calls of N
# (each recipient with its own substitutions), relayed to a sink on 127.0.0.1. Prints recipients/s
# queued (first call to last 202) and until the sink has every message.
#   [WARMUP=recipients] [SUSPEND=true] bench/inject.sh [recipients=10000] [per call=1000] [concurrent calls=1]
# SUSPEND=true: delivery to the recipients' domain is suspended while the calls run (then resumed), so
# the first figure is the injection API's alone; by default Karavel relays while the calls run.
# KARAVEL_NICE=-10: on a machine shared with other work, Karavel and the load generator get that
# scheduling priority (every thread, after start-up), to see what the box does for Karavel alone.
# Everything stays on loopback. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
recipients=${1:-10000}
per_call=${2:-1000}
concurrent=${3:-1}
work="$root/bench/target/inject"
. bench/lib.sh
karavel_unpack
admin_port=$(free_port)
set_cfg org.karavel.admin.cfg port "$admin_port"

java -cp "$cp" org.karavel.bench.InjectLoad "$admin_port" "$work/sink.port" "$recipients" "$per_call" \
  "$concurrent" "${WARMUP:-0}" "${SUSPEND:-false}" > "$work/load.log" 2>&1 &
load=$!
for _ in $(seq 100); do [[ -s "$work/sink.port" ]] && break; sleep 0.1; done
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$(cat "$work/sink.port")"

trap 'karavel_stop $load' EXIT
karavel_start "${KARAVEL_BENCH_JAVA_OPTS:-}"
echo "${jpid:-}" > "$work/karavel.pid"
if [[ -n "${KARAVEL_NICE:-}" ]]; then
  for task in /proc/${jpid:-none}/task/* /proc/$load/task/*; do
    renice -n "$KARAVEL_NICE" -p "${task##*/}" > /dev/null 2>&1 || true
  done
fi
touch "$work/sink.port.go"
wait $load || true
cat "$work/load.log"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores${KARAVEL_NICE:+; Karavel and the load at nice $KARAVEL_NICE}"
if [[ -n "$jpid" ]]; then echo "peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$jpid/status)"; fi
