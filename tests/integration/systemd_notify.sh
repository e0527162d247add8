#!/bin/bash
# What systemd hears from yanxiud, through a stand-in notification socket
# (notify_listen): no READY=1 while the database is down, READY=1 once it is
# reachable; on SIGHUP RELOADING=1, then READY=1 only with the database up
# (with it down, STATUS= says why and READY=1 follows when it returns);
# WATCHDOG=1 at half of WATCHDOG_USEC, none while the loop is stopped, none
# for another WATCHDOG_PID; SIGTERM that reaches drain_timeout with a request
# still open exits 1 and logs how many; no READY=1 while the login pool
# (login_conninfo) cannot connect.
# Runs under tests/harness/with-server --no-daemon; YX_NOTIFY_LISTEN is the
# built notify_listen.
set -euo pipefail

notes=$YX_DIR/notify.log
log=$YX_DIR/notify-daemon.log
sock=$YX_DIR/notify.sock
listener=
pid=
stopped_backends=

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$notes" ]; then
        echo "----- notifications -----" >&2
        tail -n 30 "$notes" >&2
    fi
    if [ -s "$log" ]; then
        echo "----- daemon log -----" >&2
        tail -n 30 "$log" >&2
    fi
    exit 1
}
passed=0
t() {
    passed=$((passed + 1))
    echo "ok - $*"
}

cleanup() {
    set +e
    # shellcheck disable=SC2086 # a list of pids
    [ -n "$stopped_backends" ] && kill -CONT $stopped_backends 2>/dev/null
    [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null
    [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
}
trap cleanup EXIT

: >"$notes"
"$YX_NOTIFY_LISTEN" "$sock" "$notes" 280 &
listener=$!
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "notify_listen did not create $sock"

# count FIELD: how many notifications were exactly FIELD.
count() { awk -v f="$1" '{ sub(/^[^ ]* /, "") } $0 == f { n++ } END { print n + 0 }' "$notes"; }
# wait_count FIELD N SECONDS: until FIELD arrived N times; false on timeout.
wait_count() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [ "$(count "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
last_status() { grep ' STATUS=' "$notes" | tail -n 1 | cut -d' ' -f2-; }
# line_of FIELD N: the line number of the Nth notification FIELD.
line_of() { awk -v f="$1" -v want="$2" '{ s = $0; sub(/^[^ ]* /, "", s) } s == f && ++n == want { print NR; exit }' "$notes"; }
ping_db() { "$YX_YANXIU" --server "$YX_SERVER" --timeout "${1:-3}" ping --db >/dev/null 2>&1; }

# serve [WATCHDOG_PID] with extra environment: NOTIFY_SOCKET and a 1 s
# watchdog; WATCHDOG_PID is the daemon's own pid unless given.
serve() {
    local wpid=${1:-self}
    NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000 WPID=$wpid \
        bash -c '[ "$WPID" = self ] && WPID=$$; export WATCHDOG_PID=$WPID; exec "$0" -c "$1" serve' \
        "$YX_YANXIUD" "$conf" 2>>"$log" &
    pid=$!
    echo "$pid" >"$YX_DIR/yanxiud.pid"
}
conf=$YX_CONF

# --- start with the database down ---------------------------------------------------
eval "$YX_PG_STOP"
serve
for _ in $(seq 1 100); do last_status | grep -q "waiting for the database" && break; sleep 0.1; done
last_status | grep -q "database unreachable" ||
    fail "no STATUS= saying the database is unreachable: $(last_status)"
sleep 2
[ "$(count READY=1)" = 0 ] || fail "READY=1 while the database was down"
kill -0 "$pid" 2>/dev/null || fail "the daemon exited while the database was down"
t "no_ready_while_the_database_is_down_at_start_and_status_says_why"

eval "$YX_PG_START"
wait_count READY=1 1 20 || fail "no READY=1 within 20 s of the database starting"
ping_db || fail "READY=1 but ping --db fails"
t "ready_once_the_database_is_reachable"

# --- SIGHUP with the database up: RELOADING=1, then READY=1 ------------------------
kill -HUP "$pid"
wait_count RELOADING=1 1 10 || fail "no RELOADING=1 after SIGHUP"
wait_count READY=1 2 10 || fail "no READY=1 after a reload with the database up"
[ "$(line_of READY=1 2)" -gt "$(line_of RELOADING=1 1)" ] || fail "READY=1 came before RELOADING=1"
grep -q "MONOTONIC_USEC=" "$notes" || fail "RELOADING=1 without MONOTONIC_USEC="
t "sighup_with_the_database_up_sends_reloading_then_ready"

# --- SIGHUP with the database down: RELOADING=1, no READY=1 until it is back ------
eval "$YX_PG_STOP"
for _ in $(seq 1 100); do last_status | grep -q "degraded" && break; sleep 0.1; done
last_status | grep -q "database unreachable" || fail "losing the database left STATUS= at: $(last_status)"
kill -HUP "$pid"
wait_count RELOADING=1 2 10 || fail "no RELOADING=1 after the second SIGHUP"
sleep 2
[ "$(count READY=1)" = 2 ] || fail "READY=1 after a reload while the database is down"
last_status | grep -q "reloaded, waiting for the database" ||
    fail "STATUS= does not say the reload waits for the database: $(last_status)"
t "sighup_with_the_database_down_sends_reloading_and_no_ready"

eval "$YX_PG_START"
wait_count READY=1 3 20 || fail "no READY=1 within 20 s of the database returning after a reload"
ping_db || fail "READY=1 after the reload but ping --db fails"
grep -q "reload of .* complete" "$log" || fail "the log does not say the reload completed"
t "ready_after_the_database_returns"

# --- watchdog ------------------------------------------------------------------------
grep -q "watchdog: WATCHDOG=1 every 0.500 s" "$log" || fail "the daemon does not log its watchdog period"
w0=$(count WATCHDOG=1)
sleep 2.1
w1=$(count WATCHDOG=1)
[ $((w1 - w0)) -ge 3 ] && [ $((w1 - w0)) -le 6 ] ||
    fail "$((w1 - w0)) WATCHDOG=1 in 2.1 s with WATCHDOG_USEC=1000000 (want about 4)"
t "watchdog_pings_at_half_the_period"

kill -STOP "$pid"
sleep 0.3
w0=$(count WATCHDOG=1)
sleep 2
w1=$(count WATCHDOG=1)
kill -CONT "$pid"
[ "$w1" = "$w0" ] || fail "WATCHDOG=1 arrived while the daemon was stopped"
w0=$(count WATCHDOG=1)
wait_count WATCHDOG=1 $((w0 + 1)) 5 || fail "WATCHDOG=1 did not resume after SIGCONT"
t "no_watchdog_while_the_loop_is_stopped"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "SIGTERM with nothing in flight: exit $rc (want 0)"
grep -q "STOPPING=1" "$notes" || fail "no STOPPING=1 on SIGTERM"
t "sigterm_with_nothing_open_sends_stopping_and_exits_zero"

# --- another process's WATCHDOG_PID: no watchdog --------------------------------------
: >"$notes"
serve 1
for _ in $(seq 1 100); do ping_db 1 && break; sleep 0.1; done
wait_count READY=1 1 10 || fail "no READY=1 from the second daemon"
sleep 1.5
[ "$(count WATCHDOG=1)" = 0 ] || fail "WATCHDOG=1 although WATCHDOG_PID names another process"
kill -TERM "$pid"
wait "$pid" || fail "second daemon: exit $? on SIGTERM"
t "no_watchdog_for_another_watchdog_pid"

# --- drain_timeout with a request still open: exit 1, how many logged --------------------
sed 's/^drain_timeout = .*/drain_timeout = 1/' "$YX_CONF" >"$YX_DIR/drain.conf"
conf=$YX_DIR/drain.conf
: >"$log"
serve
for _ in $(seq 1 100); do ping_db 1 && break; sleep 0.1; done
ping_db || fail "the drain daemon did not come up"
# Freeze the daemon's database backends: its next query hangs.
stopped_backends=$($YX_PSQL -Atc "select pid from pg_stat_activity where usename = 'yanxiud'" | tr '\n' ' ')
[ -n "${stopped_backends// /}" ] || fail "no backends of the role yanxiud to stop"
# shellcheck disable=SC2086 # a list of pids
kill -STOP $stopped_backends
"$YX_YANXIU" --server "$YX_SERVER" --timeout 20 ping --db >/dev/null 2>&1 &
client=$!
sleep 1
start=$SECONDS
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
took=$((SECONDS - start))
pid=
# shellcheck disable=SC2086
kill -CONT $stopped_backends
stopped_backends=
wait "$client" || true
[ "$rc" = 1 ] || fail "drain_timeout reached with a request open: exit $rc (want 1)"
[ "$took" -le 5 ] || fail "drain took $took s with drain_timeout = 1"
grep -q "drain_timeout (1 s) reached with 1 request still unanswered" "$log" ||
    fail "the log does not say how many requests were left unanswered"
t "drain_timeout_with_a_request_open_exits_one_and_logs_how_many"

# --- the login pool counts too: no READY=1 until logins can run -------------------------
# login_conninfo names a role that does not exist yet: the daemon serves no login, so
# it must not say READY=1; once the role exists the pool connects and READY=1 follows.
sed 's/^login_conninfo = \(.*\)user=[a-z_]*/login_conninfo = \1user=yx_late_login/' "$YX_CONF" \
    >"$YX_DIR/late.conf"
grep -q "user=yx_late_login" "$YX_DIR/late.conf" || fail "could not point login_conninfo elsewhere"
conf=$YX_DIR/late.conf
: >"$notes"
: >"$log"
serve
ping_plain() { "$YX_YANXIU" --server "$YX_SERVER" --timeout 1 ping >/dev/null 2>&1; }
for _ in $(seq 1 100); do ping_plain && break; sleep 0.1; done
ping_plain || fail "the daemon without its login role does not answer ping"
sleep 2
# Reachable means usable: with no login possible, ping --db says the database is not.
! ping_db 1 || fail "ping --db answered OK while the login pool cannot connect"
[ "$(count READY=1)" = 0 ] || fail "READY=1 while the login pool cannot connect"
last_status | grep -q "database unreachable" ||
    fail "no STATUS= saying why it is not ready: $(last_status)"
kill -0 "$pid" 2>/dev/null || fail "the daemon exited while its login role was missing"
t "no_ready_while_the_login_pool_cannot_connect"
$YX_PSQL -c "CREATE ROLE yx_late_login LOGIN IN ROLE yanxiud_login" >/dev/null ||
    fail "cannot create the login role"
wait_count READY=1 1 45 || fail "no READY=1 within 45 s of the login role appearing"
kill -TERM "$pid"
wait "$pid" || fail "late-login daemon: exit $? on SIGTERM"
pid=
t "ready_once_the_login_pool_connects"

rm -f "$YX_DIR/yanxiud.pid"
echo "$passed passed, 0 failed"
