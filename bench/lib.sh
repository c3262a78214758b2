# Sourced by the bench scripts: unpacks the Karavel distribution into a work folder, configures it
# for loopback only (free ports, relay to a sink), starts it and waits for SMTP.
# Needs: root (the repository), work (a folder under bench/target). Sets: version, home, smtp_port, cp.
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -1)
archive="$root/karaf-assembly/target/karavel-$version.tar.gz"
[[ -f "$archive" && -f "$root/bench/target/classpath.txt" ]] || (cd "$root" && mvn -B -q install -DskipTests)
jar="$root/bench/target/karavel-bench-$version.jar"
# the load generators are rebuilt when their sources changed since the last build
if [[ ! -f "$jar" || -n "$(find "$root/bench/src" -type f -newer "$jar" | head -1)" ]]; then
  (cd "$root" && mvn -B -q -pl bench package -DskipTests)
fi
cp="$jar:$(cat "$root/bench/target/classpath.txt")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
set_cfg() { # file key value
  local f="$home/etc/$1"; sed -i "/^$2 *=/d" "$f"; echo "$2 = $3" >> "$f"; }

# Unpacks a fresh distribution into $work/karavel, every port on 127.0.0.1 and free.
karavel_unpack() {
  home="$work/karavel"
  pkill -9 -f "karaf.base=$home" 2>/dev/null || true
  rm -rf "$work" && mkdir -p "$home"
  tar xzf "$archive" -C "$home" --strip-components=1
  smtp_port=$(free_port)
  set_cfg org.karavel.smtp.listener-mx.cfg address 127.0.0.1
  set_cfg org.karavel.smtp.listener-mx.cfg port "$smtp_port"
  set_cfg org.karavel.smtp.listener-mx.cfg hostname bench.karavel.test
  # every session of the load comes from 127.0.0.1
  set_cfg org.karavel.smtp.listener-mx.cfg max_connections_per_ip 200
  local l
  for l in submission submissions; do
    set_cfg org.karavel.smtp.listener-$l.cfg address 127.0.0.1
    set_cfg org.karavel.smtp.listener-$l.cfg port "$(free_port)"
  done
  set_cfg org.karavel.dns.cfg servers "127.0.0.1:$(free_port)"
  set_cfg org.apache.karaf.shell.cfg sshPort "$(free_port)"
  # not the admin API's default 8000: the .deb's install test needs it free on the same machine
  set_cfg org.karavel.admin.cfg port "$(free_port)"
  # KARAVEL_SET="file.cfg:key=value ...": settings to try, e.g. org.karavel.delivery.cfg:max_connections=100
  local kv
  for kv in ${KARAVEL_SET:-}; do
    local key=${kv#*:}
    set_cfg "${kv%%:*}" "${key%%=*}" "${key#*=}"
  done
}

# Starts the unpacked distribution (extra JVM options in $1), waits until its SMTP port answers and
# prints the start-up time. Sets karaf (the script's pid) and jpid (the JVM's).
karavel_start() {
  local t0 t1
  t0=$(date +%s.%N)
  EXTRA_JAVA_OPTS="-Djava.rmi.server.hostname=127.0.0.1 ${1:-}" "$home/bin/karaf" server > "$work/karaf.out" 2>&1 &
  karaf=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null; do
    kill -0 $karaf 2>/dev/null || { echo "Karavel did not start; see $work/karaf.out" >&2; exit 1; }
    sleep 0.1
  done
  t1=$(date +%s.%N)
  printf "distribution start to SMTP ready: %.1f s\n" "$(echo "$t1 - $t0" | bc)"
  jpid=$(pgrep -f "karaf.base=$home" | head -1 || true)
  # the first phase of the memory figures: idle once the start-up work (bundle starts, JIT) has settled
  sleep "${IDLE_SETTLE:-5}"
  karavel_rss "idle after start"
}

# Prints the JVM's memory now, for the phases of a run: "RSS <phase>: now MB (peak so far MB)", heap
# committed and used. VmHWM is the peak resident set of the process's whole life.
karavel_rss() {
  [[ -n "${jpid:-}" && -r "/proc/$jpid/status" ]] || return 0
  printf "RSS %s: %s MB (peak so far %s MB)  %s\n" "$1" \
    "$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$jpid/status")" \
    "$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$jpid/status")" \
    "$(jcmd "$jpid" GC.heap_info 2>/dev/null | sed -n '2p' | sed 's/^ *//')"
}

# bin/karaf is a script: stop the JVM it started too, or it outlives the benchmark
karavel_stop() { pkill -9 -f "karaf.base=$home" 2>/dev/null; kill -9 ${karaf:-} "$@" 2>/dev/null || true; }

# CPU seconds a process has used (user + system, all its threads), from /proc/<pid>/stat.
proc_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# CPU seconds of a process and all its descendants, the exited ones included: each live process's own
# time plus what it collected from the children it reaped (cutime, cstime), so that Postfix's smtpd and
# smtp processes that end during a run still count.
tree_cpu() {
  local pids
  pids=$(pstree -p "$1" 2>/dev/null | grep -o '([0-9]*)' | tr -d '()' || echo "$1")
  # shellcheck disable=SC2086
  # a process may end meanwhile: its stat is gone, which must not end a script that runs with set -e
  for p in $pids; do cat "/proc/$p/stat" 2>/dev/null || true; done |
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { printf "%.2f\n", t / hz }'
}

# CPU seconds of a JVM's JIT compiler threads (C1, C2): a JVM started for a run still compiles during it,
# which is no cost of the mail (compiler threads that ended meanwhile are not counted)
jit_cpu() {
  local t
  for t in /proc/"$1"/task/*; do
    if grep -q 'Compiler' "$t/comm" 2>/dev/null; then cat "$t/stat" 2>/dev/null || true; fi
  done | awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f\n", s / hz }'
}

# "CPU: s for n messages, s per 1,000 messages; without the JIT compiler threads: s per 1,000"
cpu_line() { # cpu_before cpu_after messages [jit_before jit_after]
  python3 -c "print('CPU: %.2f s for %d messages, %.3f CPU-s per 1,000 messages; without the JIT compiler threads: %.3f' % ($2 - $1, $3, ($2 - $1) * 1000 / $3, ($2 - $1 - (${5:-0} - ${4:-0})) * 1000 / $3))"
}
