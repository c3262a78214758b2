#!/usr/bin/env bash
# Fleet benchmark: the relay rate of one node with its state embedded, then with the state shared in
# Redis (a redis-server started here on a free loopback port, as on the same machine), each run
# through bench/run.sh. Every connection counts against max_connection_rate_per_ip (no exception for
# the sender), so with Redis each connection makes a round trip before its greeting; the suppression
# check of each recipient answers from the node's local copy of the shared list, and heartbeats run.
# Two modes, each embedded then Redis:
#   reuse        each session keeps its connection: Redis is off the per-message path (the commands
#                served are printed), so this shows what a configured Redis costs the relay path;
#   per-message  a new connection per message: one Redis round trip per message (the connection rate).
# Prints both rates and their ratio per mode (target at least 90%), and the load average around each run.
#   [WARMUP=2000] [MODES="reuse per-message"] bench/fleet.sh [sessions=20] [messages=5000] [size=5120]
# Needs redis-server (Debian's redis-server package). Everything stays on loopback. Not a test: it
# never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${1:-20}
messages=${2:-5000}
size=${3:-5120}
work="$root/bench/target/fleet"
rm -rf "$work" && mkdir -p "$work"
command -v redis-server > /dev/null || { echo "redis-server is missing: apt-get install redis-server" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
redis=$!
trap 'kill $redis 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]] && break
  sleep 0.1
done

# the same limits in both runs; the second adds the store
limits="org.karavel.smtp.listener-mx.cfg:client_limit_exceptions= org.karavel.smtp.listener-mx.cfg:max_connection_rate_per_ip=100000000"
export WARMUP=${WARMUP:-2000}

rate() { sed -n 's/^RESULT relay_msgs_per_s=\([0-9]*\).*/\1/p' "$1" | tail -1; }
p99() { sed -n 's/^RESULT .* p99_ms=\([0-9.]*\).*/\1/p' "$1" | tail -1; }
served() { redis-cli -p "$port" info stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p'; }
# the commands Redis served since the last CONFIG RESETSTAT, by name: "evalsha=2512 zadd=3 ..."
by_command() { redis-cli -p "$port" info commandstats | sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\).*/\1=\2/p' | grep -v '^info=' | tr '\n' ' '; }

results=()
for mode in ${MODES:-reuse per-message}; do
  case $mode in
    reuse) export PER_MESSAGE=0 ;;
    per-message) export PER_MESSAGE=1 ;;
    *) echo "unknown mode $mode (reuse, per-message)" >&2; exit 2 ;;
  esac
  echo "== $mode: embedded (no shared store); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  KARAVEL_SET="$limits" bench/run.sh "$sessions" "$messages" "$size" | tee "$work/$mode-embedded.txt"
  redis-cli -p "$port" config resetstat > /dev/null
  before=$(served)
  echo "== $mode: Redis on 127.0.0.1:$port; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  KARAVEL_SET="$limits org.karavel.redis.cfg:uri=redis://127.0.0.1:$port/0 org.karavel.redis.cfg:node_name=bench-node" \
    bench/run.sh "$sessions" "$messages" "$size" | tee "$work/$mode-redis.txt"
  commands=$(( $(served) - before ))
  echo "Redis commands served during the $mode run: $commands ($(by_command)); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  embedded=$(rate "$work/$mode-embedded.txt")
  shared=$(rate "$work/$mode-redis.txt")
  if [[ -z "$embedded" || -z "$shared" || "$embedded" == 0 ]]; then
    echo "a $mode run printed no RESULT line: see $work" >&2
    exit 1
  fi
  ratio=$(echo "100 * $shared / $embedded" | bc -l)
  results+=("$(printf "RESULT mode=%s embedded_msgs_per_s=%s redis_msgs_per_s=%s ratio_percent=%.0f target_percent=90 embedded_p99_ms=%s redis_p99_ms=%s redis_commands=%s load_average=%s" \
    "$mode" "$embedded" "$shared" "$ratio" "$(p99 "$work/$mode-embedded.txt")" "$(p99 "$work/$mode-redis.txt")" \
    "$commands" "$(cut -d' ' -f1 /proc/loadavg)")")
done
printf '%s\n' "${results[@]}"
