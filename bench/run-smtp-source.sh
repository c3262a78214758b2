#!/usr/bin/env bash
# The same relay benchmark driven by Postfix's own load tools (smtp-source, smtp-sink), which use
# far less CPU than the Java load generator on a 2-core machine. Needs the Debian package postfix
# for the two tools only (no Postfix daemon is started):  apt-get install -y postfix
#   bench/run-smtp-source.sh [sessions=20] [messages=20000] [size=5120]
# Prints messages/s accepted and relayed (smtp-source cannot time end-of-DATA to 250; use run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
command -v smtp-source >/dev/null || { echo "smtp-source not found: apt-get install -y postfix" >&2; exit 2; }
sessions=${1:-20}; messages=${2:-20000}; size=${3:-5120}
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
archive="$root/karaf-assembly/target/karavel-$version.tar.gz"
[[ -f "$archive" ]] || mvn -B -q install -DskipTests
work="$root/bench/target/smtp-source"; home="$work/karavel"
pkill -9 -f "karaf.base=$home" 2>/dev/null || true
rm -rf "$work"; mkdir -p "$home"
tar xzf "$archive" -C "$home" --strip-components=1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
set_cfg() { local f="$home/etc/$1"; sed -i "/^$2 *=/d" "$f"; echo "$2 = $3" >> "$f"; }
smtp=$(free_port); sink_port=$(free_port)
set_cfg org.karavel.smtp.listener-mx.cfg address 127.0.0.1
set_cfg org.karavel.smtp.listener-mx.cfg port "$smtp"
set_cfg org.karavel.smtp.listener-mx.cfg max_connections_per_ip 200
for l in submission submissions; do
  set_cfg org.karavel.smtp.listener-$l.cfg address 127.0.0.1
  set_cfg org.karavel.smtp.listener-$l.cfg port "$(free_port)"
done
set_cfg org.karavel.dns.cfg servers "127.0.0.1:$(free_port)"
set_cfg org.karavel.delivery.cfg smarthost "[127.0.0.1]:$sink_port"
set_cfg org.apache.karaf.shell.cfg sshPort "$(free_port)"
set_cfg org.apache.karaf.management.cfg rmiRegistryPort "$(free_port)"
set_cfg org.apache.karaf.management.cfg rmiRegistryHost 127.0.0.1
set_cfg org.apache.karaf.management.cfg rmiServerPort "$(free_port)"
set_cfg org.apache.karaf.management.cfg rmiServerHost 127.0.0.1

smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 > "$work/sink.out" 2>&1 &
sink=$!
EXTRA_JAVA_OPTS="-Djava.rmi.server.hostname=127.0.0.1" "$home/bin/karaf" server > "$work/karaf.out" 2>&1 &
karaf=$!
trap 'pkill -9 -f "karaf.base=$home" 2>/dev/null; kill $karaf $sink 2>/dev/null || true' EXIT
until (exec 3<>/dev/tcp/127.0.0.1/$smtp) 2>/dev/null; do
  kill -0 $karaf 2>/dev/null || { echo "Karavel did not start; see $work/karaf.out" >&2; exit 1; }
  sleep 0.2
done
t0=$(date +%s.%N)
smtp-source -s "$sessions" -l "$size" -m "$messages" -f bench@localhost -t user@bench.test "127.0.0.1:$smtp"
t1=$(date +%s.%N)
until [ "$(grep -c 'status=sent' "$home/data/log/mail.log" || true)" -ge "$messages" ]; do sleep 0.05; done
t2=$(date +%s.%N)
python3 -c "print('sessions=$sessions messages=$messages size=$size: accepted %.0f msg/s, relayed %.0f msg/s' % ($messages/($t1-$t0), $messages/($t2-$t0)))"
