#!/bin/bash
# accept_emfile: a daemon out of file descriptors (EMFILE) pauses accepting
# and retries on a timer instead of spinning on a listening socket that stays
# readable: its CPU stays low, its log stays small, and it serves again once
# descriptors are free. Starts its own daemon with a low RLIMIT_NOFILE.
# Runs under tests/harness/with-server --no-daemon.
#   YX_EMFILE_CONNS   connections to open (default 150)
#   YX_EMFILE_SECONDS seconds to measure (default 4)
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    [ -n "${log:-}" ] && [ -s "$log" ] && { echo "--- first and last lines of $log ---" >&2; head -n 5 "$log" >&2; tail -n 10 "$log" >&2; }
    exit 1
}

nofile=40
conns=${YX_EMFILE_CONNS:-150}
seconds=${YX_EMFILE_SECONDS:-4}
port=${YX_SERVER##*:}
log=$YX_DIR/emfile.log
hz=$(getconf CLK_TCK)

command -v prlimit >/dev/null || fail "prlimit (util-linux) is not installed"
prlimit --nofile=$nofile:$nofile "$YX_YANXIUD" -c "$YX_CONF" serve </dev/null >"$log" 2>&1 &
pid=$!
echo "$pid" >"$YX_DIR/yanxiud.pid"

serving() { # seconds: a ping through the database within that time
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || fail "yanxiud exited"
        timeout 3 "$YX_YANXIU" --server "$YX_SERVER" --timeout 2 ping --db >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
serving 20 || fail "yanxiud with RLIMIT_NOFILE=$nofile did not answer a ping within 20 s"
used=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
echo "yanxiud $pid serving with RLIMIT_NOFILE=$nofile, $used descriptors in use"

# More connections than the daemon has descriptors: the kernel completes the
# handshakes and queues them on the listening socket, which stays readable.
fds=()
for ((i = 0; i < conns; i++)); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "connection $i could not be opened"
    fds+=("$fd")
done
sleep 1
open=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
[ "$open" -ge $((nofile - 2)) ] || fail "the daemon holds only $open of $nofile descriptors: the test did not exhaust them"

cpu_ticks() { # utime + stime of the daemon (fields 14 and 15; the name may hold spaces)
    local stat
    stat=$(cat "/proc/$pid/stat")
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo $((${12} + ${13}))
}
lines0=$(wc -l <"$log")
t0=$(cpu_ticks)
ms0=$(date +%s%3N)
sleep "$seconds"
t1=$(cpu_ticks)
ms1=$(date +%s%3N)
lines1=$(wc -l <"$log")
elapsed_ms=$((ms1 - ms0))
cpu_pct=$(((t1 - t0) * 100000 / hz / elapsed_ms))
lines=$((lines1 - lines0))
lines_per_s=$((lines * 1000 / elapsed_ms))
echo "out of descriptors for ${elapsed_ms} ms: CPU ${cpu_pct}% ($((t1 - t0)) ticks of 1/${hz} s), $lines log lines ($(awk "BEGIN { printf \"%.1f\", $lines * 1000 / $elapsed_ms }")/s)"
grep -m 3 -i "accept" "$log" || true

[ "$cpu_pct" -lt 20 ] || fail "yanxiud used ${cpu_pct}% CPU while out of descriptors (limit 20%)"
[ "$lines_per_s" -lt 5 ] || fail "yanxiud logged $lines lines in ${elapsed_ms} ms while out of descriptors (limit 5/s)"
grep -q "too many open files\|EMFILE\|descriptors" "$log" || fail "the log does not say that accept ran out of descriptors"

for fd in "${fds[@]}"; do
    exec {fd}>&-
done
serving 15 || fail "yanxiud does not serve again within 15 s after the connections closed"
echo "serving again after the connections closed"
kill -TERM "$pid"
wait "$pid" || fail "yanxiud did not exit 0 on SIGTERM"
rm -f "$YX_DIR/yanxiud.pid"
echo "ok - accept_pauses_on_emfile_and_recovers"
