#!/usr/bin/env bash
# Relay benchmark: Karavel relays to a sink on 127.0.0.1, driven by S sessions sending M messages.
# Prints messages/s until the sink has them all, p50/p99 end-of-DATA-to-250 latency, peak RSS and heap.
#   bench/run.sh [sessions=20] [messages=5000] [size=5120]
# Everything stays on loopback. Not a test: it never fails a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${1:-20}
messages=${2:-5000}
size=${3:-5120}
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
archive="$root/karaf-assembly/target/karavel-$version.tar.gz"
[[ -f "$archive" && -f bench/target/classpath.txt ]] || mvn -B -q install -DskipTests

work="$root/bench/target/run"
pkill -9 -f "karaf.base=$work/karavel" 2>/dev/null || true
rm -rf "$work" && mkdir -p "$work/karavel"
tar xzf "$archive" -C "$work/karavel" --strip-components=1
home="$work/karavel"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
smtp_port=$(free_port)
set_cfg() { # file key value
  local f="$home/etc/$1"; sed -i "/^$2 *=/d" "$f"; echo "$2 = $3" >> "$f"; }
set_cfg org.karavel.smtp.listener-mx.cfg address 127.0.0.1
set_cfg org.karavel.smtp.listener-mx.cfg port "$smtp_port"
set_cfg org.karavel.smtp.listener-mx.cfg hostname bench.karavel.test
# every session of the load comes from 127.0.0.1
set_cfg org.karavel.smtp.listener-mx.cfg max_connections_per_ip 200
for l in submission submissions; do
  set_cfg org.karavel.smtp.listener-$l.cfg address 127.0.0.1
  set_cfg org.karavel.smtp.listener-$l.cfg port "$(free_port)"
done
set_cfg org.karavel.dns.cfg servers "127.0.0.1:$(free_port)"
set_cfg org.apache.karaf.shell.cfg sshPort "$(free_port)"
set_cfg org.apache.karaf.management.cfg rmiRegistryPort "$(free_port)"
set_cfg org.apache.karaf.management.cfg rmiRegistryHost 127.0.0.1
set_cfg org.apache.karaf.management.cfg rmiServerPort "$(free_port)"
set_cfg org.apache.karaf.management.cfg rmiServerHost 127.0.0.1

cp="$root/bench/target/karavel-bench-$version.jar:$(cat bench/target/classpath.txt)"
java -cp "$cp" org.karavel.bench.RelayLoad "$smtp_port" "$work/sink.port" "$sessions" "$messages" "$size" > "$work/load.log" 2>&1 &
load=$!
for _ in $(seq 100); do [[ -s "$work/sink.port" ]] && break; sleep 0.1; done
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$(cat "$work/sink.port")"

t0=$(date +%s.%N)
EXTRA_JAVA_OPTS="-Djava.rmi.server.hostname=127.0.0.1 ${KARAVEL_BENCH_JAVA_OPTS:-}" "$home/bin/karaf" server > "$work/karaf.out" 2>&1 &
karaf=$!
# bin/karaf is a script: stop the JVM it started too, or it outlives the benchmark
trap 'pkill -9 -f "karaf.base=$home" 2>/dev/null; kill -9 $karaf $load 2>/dev/null || true' EXIT
until (exec 3<>/dev/tcp/127.0.0.1/$smtp_port) 2>/dev/null; do
  kill -0 $karaf 2>/dev/null || { echo "Karavel did not start; see $work/karaf.out" >&2; exit 1; }
  sleep 0.1
done
t1=$(date +%s.%N)
printf "distribution start to SMTP ready: %.1f s\n" "$(echo "$t1 - $t0" | bc)"
touch "$work/sink.port.go"
wait $load || true
cat "$work/load.log"
jpid=$(pgrep -f "karaf.base=$home" | head -1 || true)
if [[ -n "$jpid" ]]; then
  echo "peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$jpid/status)"
  jcmd "$jpid" GC.heap_info 2>/dev/null | sed -n '2p' | sed 's/^ */heap: /'
fi
