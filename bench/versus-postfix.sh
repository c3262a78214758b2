#!/usr/bin/env bash
# Karavel beside Postfix on this machine: the same relay load against both, alternating, each relaying
# everything to a sink on 127.0.0.1 with fsync before every 250 (Postfix's default, Karavel's spool).
#   sudo bench/versus-postfix.sh [rounds=2]
# Shapes: 20,000 messages of 5 KB and 10,000 of 100 KB, 20 sessions, each after an uncounted warm-up
# (SHAPES="messages:size:warm-up ..." and SESSIONS=20 to change; default "20000:5120:20000
# 10000:102400:12000": about half a minute of load, until the JIT has compiled Karavel's hot path).
# Each shape is driven twice: by RelayLoad (Java; also times end-of-DATA to 250) and by Postfix's
# smtp-source into smtp-sink (C; much lighter on the two cores, no latency). Prints per run:
# messages/s until the sink has them all, p50/p99 end-of-DATA-to-250 where measured, peak RSS, CPU
# seconds per 1,000 messages (user + system over the measured messages: Karavel's JVM; Postfix's master
# and all its processes, those that exited meanwhile included), and the Karavel/Postfix ratio per shape
# and load. Karavel runs with the distribution's configuration as unpacked (bench/lib.sh): loopback
# addresses and ports, the smarthost to the sink, and only the per-client limit raised for the load. On a fresh Debian machine it installs the postfix package (without
# configuring or starting the system's own instance) and runs a private Postfix instance from
# bench/target/versus/postfix on a free loopback port. Needs root (Postfix's master runs as root).
# Not a test: it never fails a build, and everything stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-2}
sessions=${SESSIONS:-20}
# Both servers first get messages of the shape that are not counted: a long-running MTA is measured
# warm (Karavel's JIT compiles its hot path in the first half minute); a warm-up of 0 measures it cold.
[[ $(id -u) -eq 0 ]] || { echo "run as root: it starts a private Postfix instance" >&2; exit 2; }
if ! command -v postfix >/dev/null || ! command -v smtp-source >/dev/null; then
  # "No configuration": the package's own instance stays unconfigured and stopped
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y postfix
fi
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
[[ -f "karaf-assembly/target/karavel-$version.tar.gz" && -f bench/target/classpath.txt ]] || mvn -B -q install -DskipTests
work="$root/bench/target/versus"
rm -rf "$work" && mkdir -p "$work"
cp="$root/bench/target/karavel-bench-$version.jar:$(cat bench/target/classpath.txt)"
. bench/lib.sh # proc_cpu, tree_cpu
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The memory of a process and its descendants, in kB: the sum of their proportional set sizes, so
# that pages Postfix's processes share are counted once.
tree_rss() {
  local pids
  pids=$(pstree -p "$1" 2>/dev/null | grep -o '([0-9]*)' | tr -d '()' || echo "$1")
  local total=0
  for p in $pids; do
    total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# Samples tree_rss of $1 until the file $2 exists; writes the peak into $3.
sample_peak() {
  local peak=0 now
  while [[ ! -e "$2" ]]; do
    now=$(tree_rss "$1"); (( now > peak )) && peak=$now
    sleep 0.2
  done
  echo "$peak" > "$3"
}

# the CPU-s per 1,000 messages that bench/run.sh and bench/run-smtp-source.sh print for Karavel's JVM
cpu_per_1000() { awk '/^CPU: / {print $7}' "$1"; }
# the same without the JVM's JIT compiler threads (Postfix has none)
cpu_no_jit() { awk '/^CPU: / {print $NF}' "$1"; }

run_karavel() { # messages size -> "msgs p50 p99 rss_mb cpu_per_1000"
  local out="$work/karavel-$1-$2.log"
  WARMUP=$warmup bench/run.sh "$sessions" "$1" "$2" > "$out" 2>&1 || true
  local r rss cpu
  r=$(grep '^RESULT' "$out" | sed 's/.*relay_msgs_per_s=\([0-9]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\).*/\1 \2 \3/')
  rss=$(awk '/^peak RSS:/ {print $3}' "$out")
  cpu=$(cpu_per_1000 "$out")/$(cpu_no_jit "$out")
  echo "${r:-0 0 0} ${rss:-0} ${cpu:-0}"
}

start_postfix() { # dir smtp_port sink_port
  local w=$1 conf=$1/etc
  rm -rf "$w" && mkdir -p "$conf" "$w/queue" "$w/data"
  chown postfix "$w/data"
  cat > "$conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $w/queue
data_directory = $w/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.karavel.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$3
smtp_host_lookup = native
disable_dns_lookups = yes
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 100
default_destination_concurrency_limit = 20
maillog_file_prefixes = $w
maillog_file = $w/maillog
biff = no
EOF
  # no chroot, so that the instance needs nothing copied into its queue directory
  cat > "$conf/master.cf" <<EOF
127.0.0.1:$2 inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
  # postfix logs its own start-up errors to syslog, or to a terminal: give it one
  script -qc "postfix -c $conf start" /dev/null > "$w/start.log" 2>&1 || { cat "$w/start.log" >&2; return 1; }
}

run_postfix() { # messages size -> "msgs p50 p99 rss_mb cpu_per_1000"
  local w="$work/postfix" port out="$work/postfix-$1-$2.log"
  port=$(free_port)
  rm -f "$work/sink.port" "$work/sink.port.go" "$work/done"
  java -cp "$cp" org.karavel.bench.RelayLoad "$port" "$work/sink.port" "$sessions" "$1" "$2" 0 "$warmup" > "$out" 2>&1 &
  local load=$!
  for _ in $(seq 100); do [[ -s "$work/sink.port" ]] && break; sleep 0.1; done
  start_postfix "$w" "$port" "$(cat "$work/sink.port")"
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
  local master
  master=$(tr -d ' ' < "$w/queue/pid/master.pid")
  sample_peak "$master" "$work/done" "$work/peak" &
  local sampler=$!
  touch "$work/sink.port.go"
  # Postfix's CPU (all its processes) over the measured messages only, from the end of the warm-up
  (
    if (( warmup > 0 )); then
      until grep -q 'measuring' "$out" 2>/dev/null || ! kill -0 $load 2>/dev/null; do sleep 0.05; done
    fi
    tree_cpu "$master" > "$work/cpu.start"
  ) &
  local watcher=$!
  wait $load || true
  wait $watcher || true
  local cpu_end
  cpu_end=$(tree_cpu "$master")
  touch "$work/done"; wait $sampler || true
  postfix -c "$w/etc" stop > /dev/null 2>&1 || true
  local r
  r=$(grep '^RESULT' "$out" | sed 's/.*relay_msgs_per_s=\([0-9]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\).*/\1 \2 \3/')
  echo "${r:-0 0 0} $(( $(cat "$work/peak") / 1024 )) $(per_1000 "$(cat "$work/cpu.start")" "$cpu_end" "$1")"
}

run_karavel_source() { # messages size -> "msgs - - rss_mb cpu_per_1000"
  local out="$work/karavel-source-$1-$2.log"
  WARMUP=$warmup bench/run-smtp-source.sh "$sessions" "$1" "$2" > "$out" 2>&1 || true
  local r rss cpu
  r=$(grep '^RESULT' "$out" | sed 's/.*relay_msgs_per_s=\([0-9]*\).*/\1/')
  rss=$(awk '/^peak RSS:/ {print $3}' "$out")
  cpu=$(cpu_per_1000 "$out")/$(cpu_no_jit "$out")
  echo "${r:-0} - - ${rss:-0} ${cpu:-0}"
}

per_1000() { python3 -c "print('%.3f' % (($2 - $1) * 1000 / $3))"; }

run_postfix_source() { # messages size -> "msgs - - rss_mb cpu_per_1000"
  local w="$work/postfix" port sink_port
  port=$(free_port); sink_port=$(free_port)
  rm -f "$work/done"
  smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 > "$work/smtp-sink.out" 2>&1 &
  local sink=$!
  start_postfix "$w" "$port" "$sink_port"
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
  local master
  master=$(tr -d ' ' < "$w/queue/pid/master.pid")
  sample_peak "$master" "$work/done" "$work/peak" &
  local sampler=$!
  sent() { grep -c 'status=sent' "$w/maillog" 2>/dev/null || true; }
  if (( warmup > 0 )); then
    smtp-source -s "$sessions" -l "$2" -m "$warmup" -f bench@localhost -t user@bench.test "127.0.0.1:$port"
    until [ "$(sent)" -ge "$warmup" ]; do sleep 0.05; done
  fi
  local t0 t2 cpu0 cpu2
  t0=$(date +%s.%N)
  cpu0=$(tree_cpu "$master")
  smtp-source -s "$sessions" -l "$2" -m "$1" -f bench@localhost -t user@bench.test "127.0.0.1:$port"
  until [ "$(sent)" -ge $((warmup + $1)) ]; do sleep 0.05; done
  t2=$(date +%s.%N)
  cpu2=$(tree_cpu "$master")
  touch "$work/done"; wait $sampler || true
  postfix -c "$w/etc" stop > /dev/null 2>&1 || true
  kill $sink 2>/dev/null || true
  echo "$(python3 -c "print('%.0f' % ($1/($t2-$t0)))") - - $(( $(cat "$work/peak") / 1024 )) $(per_1000 "$cpu0" "$cpu2" "$1")"
}

# memory: Karavel's JVM peak RSS; Postfix's peak sum of PSS over its processes
# Two loads: RelayLoad (Java, times end-of-DATA to 250) and Postfix's smtp-source/smtp-sink (C, far
# lighter on the two cores, no latency figures). LOADS="relayload smtp-source" to choose.
# CPU-s/1,000: for Karavel "in all/without the JIT compiler threads"
printf "%-10s %-12s %-14s %10s %9s %9s %10s %14s\n" MTA load shape "msg/s" "p50 ms" "p99 ms" "peak MB" "CPU-s/1,000"
declare -A sum cpus
for shape in ${SHAPES:-20000:5120:20000 10000:102400:12000}; do
  set -- ${shape//:/ }
  warmup=${3:-$1}
  for load in ${LOADS:-relayload smtp-source}; do
    suffix=""; [[ $load == smtp-source ]] && suffix=_source
    for r in $(seq "$rounds"); do
      for mta in karavel postfix; do
        read -r msgs p50 p99 rss cpu < <(run_$mta$suffix "$1" "$2")
        printf "%-10s %-12s %-14s %10s %9s %9s %10s %14s\n" "$mta" "$load" "$1x$(( $2 / 1024 ))KB" "$msgs" "$p50" "$p99" "$rss" "$cpu"
        sum["$mta $load $2"]=$(( ${sum["$mta $load $2"]:-0} + msgs ))
        cpus["$mta $load $2"]="${cpus["$mta $load $2"]:-} ${cpu%%/*}"
      done
    done
    k=${sum["karavel $load $2"]}; p=${sum["postfix $load $2"]}
    python3 -c "print('%s, %s: Karavel/Postfix throughput ratio %.2f (mean of %d rounds each)' % ('$1 x $(( $2 / 1024 )) KB', '$load', $k / max($p, 1), $rounds))"
    kc=${cpus["karavel $load $2"]}; pc=${cpus["postfix $load $2"]}
    python3 -c "k = [float(x) for x in '$kc'.split()]; p = [float(x) for x in '$pc'.split()]; print('%s, %s: CPU-s per 1,000 messages: Karavel %.3f, Postfix %.3f (mean of %d rounds each)' % ('$1 x $(( $2 / 1024 )) KB', '$load', sum(k) / len(k), sum(p) / len(p), $rounds))"
  done
done
