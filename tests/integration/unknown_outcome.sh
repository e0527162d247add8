#!/bin/bash
# Unknown outcomes: the database connection is lost between the COMMIT of a
# report submission and its answer (or just before the Sync that commits).
# The daemon must call the outcome unknown (never "not committed"), the CLI
# must send the same submission again with the same idempotency key by
# itself, and when it gives up print the key and the command to run again;
# a user who runs that command ends with exactly one version of the report.
# Also: the daemon's sessions run with synchronous_commit = on although the
# cluster and the daemon's role default to off.
#
# The daemon reaches PostgreSQL through pg_fault_proxy (YX_PG_FAULT_PROXY),
# which cuts the connection at that moment. Runs under
# tests/harness/with-server --no-daemon: it starts its own yanxiud.
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/unknown_outcome
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
mkdir -p "$F"
proxy_pid=

cleanup() {
    if [ -n "$proxy_pid" ]; then
        kill "$proxy_pid" 2>/dev/null
        wait "$proxy_pid" 2>/dev/null
    fi
}
trap cleanup EXIT

# versions UNIT MONTH: how many versions of the report the database holds.
versions() {
    $YX_PSQL -Atc "select count(*) from report_versions v join reports r on r.id = v.report_id
                   where r.unit_code = '$1' and r.month = '$2-01'"
}
# faults: how many faults the proxy has caused so far.
faults() { grep -c '^fault:' "$T/proxy.log"; }
control() { echo "$*" >"$T/control"; }

[ -x "${YX_PG_FAULT_PROXY:-}" ] || die "YX_PG_FAULT_PROXY is not set to the built pg_fault_proxy"

# --- a DBA's synchronous_commit = off: the cluster's (with-server) and the role's ---------
$YX_PSQL -c "ALTER ROLE yanxiud SET synchronous_commit = off" || die "alter role"
[ "$($YX_PSQL_APP -Atc 'show synchronous_commit')" = off ] ||
    die "a plain session of yanxiud should run with synchronous_commit = off here"
# What the daemon's own transactions see, noted by a trigger on each new version.
$YX_PSQL <<'EOF' || die "installing the synchronous_commit probe"
CREATE TABLE test_sync_seen (setting text NOT NULL);
CREATE FUNCTION test_note_sync() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public AS $$
BEGIN
    INSERT INTO test_sync_seen VALUES (current_setting('synchronous_commit'));
    RETURN NULL;
END $$;
CREATE TRIGGER test_note_sync AFTER INSERT ON report_versions
    FOR EACH ROW EXECUTE FUNCTION test_note_sync();
EOF

# --- the proxy and a daemon behind it ------------------------------------------------------
control off
"$YX_PG_FAULT_PROXY" "$T/proxy.port" "$YX_PGHOST/.s.PGSQL.$YX_PGPORT" "$T/control" \
    >"$T/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do
    [ -s "$T/proxy.port" ] && break
    sleep 0.1
done
[ -s "$T/proxy.port" ] || die "pg_fault_proxy did not start: $(cat "$T/proxy.log")"
pport=$(cat "$T/proxy.port")
sed "s|^conninfo = .*|conninfo = host=127.0.0.1 port=$pport dbname=$YX_DBNAME user=yanxiud sslmode=disable gssencmode=disable|" \
    "$YX_CONF" >"$T/yanxiud.conf"
grep -q "^conninfo = host=127.0.0.1 port=$pport " "$T/yanxiud.conf" || die "conninfo not rewritten"
"$YX_YANXIUD" -c "$T/yanxiud.conf" serve </dev/null >>"$YX_DAEMON_LOG" 2>&1 &
echo $! >"$YX_DIR/yanxiud.pid"
for _ in $(seq 150); do
    timeout 3 "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 && break
    sleep 0.1
done
timeout 3 "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 ||
    die "yanxiud behind the proxy does not answer ping --db"

# --- district, units, roster, accounts -----------------------------------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add 411423 宁陵县 >/dev/null || die "district add"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser dist --role district --district 411423
adduser school --role school --district 411423 --unit 4114230001
for who in dist school; do
    YANXIU_PASSWORD=pw-$who-secret run "$who" --server "$YX_SERVER" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done
CENTRAL=4114230001
printf '学校代码,学校名称,类型,所属中心校\n4114230001,宁陵县城关镇中心校,中心校,\n4114230002,城关镇第一小学,小学,4114230001\n' \
    >"$F/units.csv"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
printf '教师编号,姓名,学校代码\nC001,张丽,4114230001\nC002,王强,4114230002\nC003,李华,4114230002\n' \
    >"$F/teachers.csv"
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"

# report DIR MONTH: a good report of the central school for MONTH (YYYY-MM).
report() {
    local d=$1 m=$2
    mkdir -p "$d"
    cat >"$d/activities.csv" <<EOF
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,地点,主持人,主讲人,学时
A01,$m-09,14:30,16:30,师德专题讲座,师德,专题培训,校级,集中,中心校会议室,张丽,王校长,2
A02,$m-16,08:00,11:30,课例研究：分数的意义,学科专业知识,课例研究,镇级,集中,城关镇第一小学,王强,王强,3
EOF
    cat >"$d/attendance.csv" <<EOF
活动编号,教师编号,姓名,签到,学时
A01,C001,张丽,出席,
A01,C002,王强,出席,
A02,C002,王强,出席,
A02,C003,李华,迟到,2
EOF
}

# --- 1. committed, answer lost once: the CLI's own retry gets the first answer ------------
report "$F/sep" 2026-09
control after_commit report_submit 1
f0=$(faults)
run school report submit "$F/sep" --month 2026-09
expect commit_answer_lost_the_proxy_cut_it '[ "$(faults)" = $((f0 + 1)) ]'
expect commit_answer_lost_is_called_unknown_never_not_committed \
    '[[ $err == *"UNAVAILABLE"*"whether it was written is unknown"*"same idempotency key is safe"* ]] &&
     [[ $err != *"not committed"* ]] && [[ $err != *"nothing was written"* ]]'
expect commit_answer_lost_cli_retries_with_the_same_key_by_itself \
    '[ $rc = 0 ] && [[ $err == *"sending the report again in 1 s with the same idempotency key"* ]] &&
     [[ $out == *"version:"*1* ]] && [[ $out == *"a retry: the report was already received"* ]]'
expect commit_answer_lost_leaves_exactly_one_version '[ "$(versions $CENTRAL 2026-09)" = 1 ]'

# --- 2. committed, every answer lost: the CLI gives up and says what to run ----------------
report "$F/oct dir" 2026-10 # a space in the path: the printed command must quote it
control after_commit report_submit 100
f0=$(faults)
t0=$SECONDS
run school report submit "$F/oct dir" --month 2026-10
echo "--- what a user sees when every answer to the COMMIT is lost (exit status $rc):"
echo "$err"
echo "---"
expect persistent_loss_tries_four_times '[ "$(faults)" = $((f0 + 4)) ]'
expect persistent_loss_retries_are_bounded_with_backoff \
    '[ $rc = 1 ] && (( SECONDS - t0 >= 7 && SECONDS - t0 < 60 )) &&
     [[ $err == *"retry 3 of 3"* ]] && [[ $err != *"retry 4"* ]]'
expect persistent_loss_says_unknown_and_prints_the_key_and_command \
    '[[ $err == *"gave up after 3 retries: whether the server has the report is unknown"* ]] &&
     [[ $err == *"the idempotency key is "* ]] && [[ $err == *" --idempotency-key "* ]] &&
     [[ $err != *"not committed"* ]]'
again=$(printf '%s\n' "$err" | grep -E '^  .* report submit ' | tail -n 1)
key=$(printf '%s\n' "$err" | sed -n 's/.*the idempotency key is \([A-Za-z0-9_-]*\)\..*/\1/p' | head -n 1)
expect persistent_loss_command_carries_the_key '[ -n "$key" ] && [[ $again == *"--idempotency-key $key"* ]]'
expect persistent_loss_wrote_one_version_already '[ "$(versions $CENTRAL 2026-10)" = 1 ]'
control off
# The user runs the printed command as it stands, once the server is back.
home=$T/home/school
(export HOME=$home XDG_CONFIG_HOME=$home/.config && eval "timeout 120 $again") >"$T/out" 2>"$T/err"
rc=$?
out=$(cat "$T/out")
err=$(cat "$T/err")
expect printed_command_finishes_with_the_first_answer \
    '[ $rc = 0 ] && [[ $out == *"version:"*1* ]] && [[ $out == *"a retry: the report was already received"* ]]'
expect printed_command_leaves_exactly_one_version '[ "$(versions $CENTRAL 2026-10)" = 1 ]'
run school report show $CENTRAL 2026-10 --format json
expect printed_command_report_is_complete \
    '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "
import json, sys; d = json.load(sys.stdin)
assert d[\"version\"] == 1 and d[\"activity_count\"] == 2 and d[\"attendance_count\"] == 4, d"'

# --- 3. lost before the Sync left: the daemon cannot tell either; the retry writes it ------
report "$F/nov" 2026-11
control before_sync report_submit 1
f0=$(faults)
run school report submit "$F/nov" --month 2026-11 --idempotency-key uo-test-key-nov-0001
expect lost_before_sync_the_proxy_cut_it '[ "$(faults)" = $((f0 + 1)) ]'
expect lost_before_sync_is_not_claimed_committed_or_not \
    '[[ $err == *"is unknown"* ]] && [[ $err != *"not committed"* ]]'
expect lost_before_sync_retry_writes_the_report_once \
    '[ $rc = 0 ] && [[ $out == *"version:"*1* ]] && [[ $out != *"a retry"* ]] &&
     [ "$(versions $CENTRAL 2026-11)" = 1 ]'

# --- 4. the daemon dies while the CLI waits: the CLI retries on a new connection -----------
# The proxy holds the answer to the COMMIT back, so the report is committed while the
# daemon still waits; then the daemon is killed and a new one started.
start_daemon() {
    "$YX_YANXIUD" -c "$T/yanxiud.conf" serve </dev/null >>"$YX_DAEMON_LOG" 2>&1 &
    echo $! >"$YX_DIR/yanxiud.pid"
}
report "$F/dec" 2026-08
control hold_answer report_submit 1
f0=$(faults)
home=$T/home/school
HOME=$home XDG_CONFIG_HOME=$home/.config timeout 120 "$YX_YANXIU" report submit "$F/dec" \
    --month 2026-08 >"$T/out4" 2>"$T/err4" &
cli_pid=$!
for _ in $(seq 100); do
    [ "$(faults)" -gt "$f0" ] && break
    sleep 0.1
done
[ "$(faults)" -gt "$f0" ] || die "the proxy never held an answer back"
kill -KILL "$(cat "$YX_DIR/yanxiud.pid")"
control off
start_daemon
wait "$cli_pid"
rc=$?
out=$(cat "$T/out4")
err=$(cat "$T/err4")
echo "--- what a user sees when the daemon dies while the report's answer is awaited (exit status $rc):"
echo "$err"
echo "---"
expect daemon_killed_mid_request_cli_retries_on_a_new_connection \
    '[ $rc = 0 ] && [[ $err == *"sending the report again"*"same idempotency key"* ]] &&
     [[ $out == *"version:"*1* ]] && [[ $out == *"a retry: the report was already received"* ]]'
expect daemon_killed_mid_request_leaves_exactly_one_version '[ "$(versions $CENTRAL 2026-08)" = 1 ]'

# --- synchronous_commit in the daemon's transactions ----------------------------------------
seen=$($YX_PSQL -Atc "select string_agg(distinct setting, ',') from test_sync_seen")
rc=0 out=$seen err=
expect daemon_sessions_commit_synchronously_despite_cluster_and_role_off '[ "$seen" = on ]'

control off
"$YX_YANXIUD" -c "$YX_CONF" verify-ledger >"$T/out" 2>"$T/err"
rc=$?
out=$(cat "$T/out")
err=$(cat "$T/err")
expect verify_ledger_agrees '[ $rc = 0 ]'

finish
