#!/bin/bash
# Backups as an operator meets them: `yanxiud backup DIR` writes a dated
# pg_dump (mode 0600) and deletes only its own oldest files beyond
# [backup] keep; a pg_dump older than the server is refused with a clear
# message; `yanxiud restore FILE` refuses a database that is not empty and
# restores into a fresh cluster made with deploy/setup-db.sql, ending every
# session and verifying the ledger; a daemon on the restored database serves
# the same answers, and a session token from before the backup is refused.
# Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU, YX_YANXIUD,
# YX_CONF, YX_DIR, YX_PSQL, YX_DAEMON_PID).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$YX_DIR/backup
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
# shellcheck source=tests/integration/small_county.sh
source "$(dirname "${BASH_SOURCE[0]}")/small_county.sh"
mkdir -p "$F"
pg2=
pid2=

if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
pgbin=${pgbin%/initdb}
[ -x "$pgbin/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"

cleanup() {
    if [ -n "$pid2" ] && kill -0 "$pid2" 2>/dev/null; then
        kill -TERM "$pid2"
        for _ in $(seq 1 100); do kill -0 "$pid2" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid2" 2>/dev/null
    fi
    if [ -n "$pg2" ] && [ -f "$pg2/postmaster.pid" ]; then
        "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg2" -m immediate -w stop >/dev/null 2>&1
    fi
}
trap cleanup EXIT

# --- a district with a few reports -----------------------------------------------------
D=411423
CENTRAL=4114230001
"$YX_YANXIUD" -c "$YX_CONF" district add $D 宁陵县 >/dev/null || die "district add"
for who in dist school; do
    role=district
    unit=()
    [ "$who" = school ] && role=school && unit=(--unit $CENTRAL)
    YANXIU_PASSWORD=pw-$who-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$who" --role $role \
        --district $D "${unit[@]}" >/dev/null || die "user add $who"
    YANXIU_PASSWORD=pw-$who-secret run "$who" --server "$YX_SERVER" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done
small_county_files "$F"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
cat >"$F/teachers.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组
C001,张丽,4114230001,语文,语文
C002,王强,4114230002,数学,数学
C003,李华,4114230002,英语,英语
J001,刘洋,4114230010,数学,数学
EOF
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"
run dist policy set "$F/policy.ini" --effective 2020-01-01
[ "$rc" = 0 ] || die "policy set: $err"
# report MONTH HOURS: the central school's report of MONTH.
report() {
    local d=$F/$1
    mkdir -p "$d"
    cat >"$d/activities.csv" <<EOF
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,主持人,学时
A01,$1-09,14:00,17:00,师德专题讲座,师德,专题培训,校级,集中,张丽,3
A02,$1-16,14:00,16:00,课例研究：分数的意义,学科专业知识,课例研究,镇级,集中,王强,$2
EOF
    cat >"$d/attendance.csv" <<'EOF'
活动编号,教师编号,签到
A01,C001,出席
A01,C002,出席
A01,C003,缺席
A02,C001,出席
A02,C002,出席
EOF
    run school report submit "$d" --month "$1"
    [ "$rc" = 0 ] || die "report submit $1: $err"
}
report 2026-09 2
report 2026-10 1.5
report 2026-11 2
run dist report approve $CENTRAL 2026-09
[ "$rc" = 0 ] || die "report approve: $err"

# answers DIR: what the district office reads, into DIR.
answers() {
    mkdir -p "$1"
    run dist report list --format csv
    [ "$rc" = 0 ] || die "report list: $err"
    echo "$out" >"$1/reports.csv"
    run dist compliance units --year 2026 --as-of 2026-12-01 --format csv
    [ "$rc" = 0 ] || die "compliance units: $err"
    echo "$out" >"$1/units.csv"
    run dist compliance teachers --year 2026 --as-of 2026-12-01 --format csv
    [ "$rc" = 0 ] || die "compliance teachers: $err"
    echo "$out" >"$1/teachers.csv"
    run dist report show $CENTRAL 2026-10 --format json
    [ "$rc" = 0 ] || die "report show: $err"
    echo "$out" >"$1/show.json"
}
answers "$T/before"
grep -q 2026-11 "$T/before/reports.csv" || die "the loaded reports are not listed: $(cat "$T/before/reports.csv")"
# The school's session as it is before the backup, to present after the restore.
cp -a "$T/home/school" "$T/home/old"
run old whoami
[ "$rc" = 0 ] || die "the copied session does not work before the backup: $err"

# --- backup: a dated 0600 dump; only our own old files are pruned -------------------------
B=$T/dumps
mkdir -m 700 "$B"
for d in 01 02 03; do echo old >"$B/yanxiu-2020-01-${d}T000000Z.dump"; done
echo notes >"$B/notes.txt"
echo copy >"$B/yanxiu-2020-01-01T000000Z.dump.bak"
mkdir "$B/yanxiu-2019-01-01T000000Z.dump"
ln -s notes.txt "$B/yanxiu-2019-06-01T000000Z.dump"
conf=$T/yanxiud.conf
{
    cat "$YX_CONF"
    printf '\n[backup]\nkeep = 2\n'
} >"$conf"
out=$("$YX_YANXIUD" -c "$conf" backup "$B" 2>&1) || die "backup failed: $out"
name=$(ls -A "$B" | grep -Ev '^yanxiu-20(19|20)-|^notes.txt$')
[ "$(echo "$name" | wc -l)" = 1 ] && [ -n "$name" ] || die "not one new file in $B: $(ls -la "$B")"
[[ $name =~ ^yanxiu-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z\.dump$ ]] ||
    die "backup name $name is not yanxiu-YYYY-MM-DDTHHMMSSZ.dump"
dump=$B/$name
[ -f "$dump" ] && [ ! -L "$dump" ] || die "$dump is not a regular file"
[ "$(stat -c %a "$dump")" = 600 ] || die "backup mode $(stat -c %a "$dump") (want 600)"
echo "$out" | grep -q "backup written: $dump" || die "backup does not say where it wrote: $out"
left=$(cd "$B" && ls -A | sort | tr '\n' ' ')
want=$(printf '%s\n' "$name" notes.txt yanxiu-2019-01-01T000000Z.dump yanxiu-2019-06-01T000000Z.dump \
    yanxiu-2020-01-01T000000Z.dump.bak yanxiu-2020-01-03T000000Z.dump | sort | tr '\n' ' ')
[ "$left" = "$want" ] || die "after the backup with keep = 2 the directory holds: $left (want $want)"
echo "$out" | grep -q "deleted old backup $B/yanxiu-2020-01-01T000000Z.dump" ||
    die "the pruning is not reported: $out"
t "backup_writes_a_dated_0600_dump_and_deletes_only_its_own_oldest_files"

# --- a pg_dump older than the server is refused ------------------------------------------
mkdir -p "$T/oldbin"
printf '#!/bin/sh\necho "pg_dump (PostgreSQL) 11.22"\n' >"$T/oldbin/pg_dump"
chmod +x "$T/oldbin/pg_dump"
sed "s|^keep = 2|keep = 2\npg_bindir = $T/oldbin|" "$conf" >"$T/old.conf"
before=$(ls -A "$B" | sort)
msg=$("$YX_YANXIUD" -c "$T/old.conf" backup "$B" 2>&1)
rc=$?
[ "$rc" = 1 ] || die "backup with pg_dump 11: exit $rc (want 1): $msg"
echo "$msg" | grep -q "$T/oldbin/pg_dump is PostgreSQL 11 but the server is PostgreSQL [0-9]*" &&
    echo "$msg" | grep -q "major version or newer" ||
    die "the refusal of an old pg_dump does not say why: $msg"
[ "$(ls -A "$B" | sort)" = "$before" ] || die "a refused backup changed $B"
t "backup_refuses_a_pg_dump_older_than_the_server"

# --- restore refuses a database that is not empty ------------------------------------------
n=$($YX_PSQL -Atc "select count(*) from report_versions")
msg=$("$YX_YANXIUD" -c "$conf" restore "$dump" 2>&1)
rc=$?
[ "$rc" = 1 ] || die "restore into the live database: exit $rc (want 1): $msg"
echo "$msg" | grep -q "is not empty" && echo "$msg" | grep -q "setup-db.sql" ||
    die "the refusal does not say why and what to do: $msg"
[ "$($YX_PSQL -Atc "select count(*) from report_versions")" = "$n" ] || die "a refused restore changed data"
$YX_PSQL -Atc "select count(*) from sessions where revoked_at is null" | grep -qv '^0$' ||
    die "a refused restore ended the live sessions"
t "restore_refuses_a_database_that_is_not_empty"

# --- restore into a fresh cluster ------------------------------------------------------------
pg2=$YX_DIR/pg2
run2=$YX_DIR/run2
mkdir -m 700 "$pg2"
mkdir -m 755 "$run2"
[ "$(id -u)" -eq 0 ] && chown postgres: "$pg2" "$run2"
"${as_pg[@]}" "$pgbin/initdb" -D "$pg2" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$T/initdb2.log" 2>&1 || die "initdb of the second cluster: $(cat "$T/initdb2.log")"
port2=$((YX_PGPORT + 1))
printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = %d\nfsync = off\n" \
    "$run2" "$port2" >>"$pg2/postgresql.conf"
: >"$T/pg2.log"
[ "$(id -u)" -eq 0 ] && chown postgres: "$T/pg2.log"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg2" -l "$T/pg2.log" -s -w -t 60 start >/dev/null ||
    die "the second cluster did not start: $(tail "$T/pg2.log")"
psql -X -q -v ON_ERROR_STOP=1 -h "$run2" -p "$port2" -U postgres -d postgres -v dbname=yanxiu \
    -f "$root/deploy/setup-db.sql" >"$T/setup2.log" 2>&1 ||
    die "setup-db.sql on the second cluster: $(cat "$T/setup2.log")"
conf2=$T/restored.conf
sed "s|host=$YX_PGHOST port=$YX_PGPORT|host=$run2 port=$port2|g" "$conf" >"$conf2"
grep -q "port=$port2" "$conf2" || die "could not point the config at the second cluster"
out=$("$YX_YANXIUD" -c "$conf2" restore "$dump" 2>&1)
rc=$?
[ "$rc" = 0 ] || die "restore into the fresh cluster: exit $rc: $out"
echo "$out" | grep -q "session.* ended" || die "restore does not say the sessions were ended: $out"
echo "$out" | grep -q "the ledger agrees with the reports' rows" || die "restore did not verify the ledger: $out"
psql2() { psql -X -q -At -h "$run2" -p "$port2" -U postgres -d yanxiu -c "$1"; }
[ "$(psql2 "select count(*) from sessions where revoked_at is null")" = 0 ] ||
    die "sessions left open after the restore"
[ "$(psql2 "select count(*) from report_versions")" = "$n" ] || die "the restored database lacks report versions"
t "restore_into_a_fresh_cluster_ends_sessions_and_verifies_the_ledger"

out=$("$YX_YANXIUD" -c "$conf2" verify-ledger 2>&1) || die "verify-ledger on the restored database: $out"
out1=$("$YX_YANXIUD" -c "$conf" verify-ledger 2>&1) || die "verify-ledger on the original: $out1"
[ "$out" = "$out1" ] || die "verify-ledger differs: original \"$out1\", restored \"$out\""
t "verify_ledger_agrees_on_the_restored_database"

# --- a daemon on the restored database, where the old one was ----------------------------
# Same address, as after a real restore: the saved sessions name this server.
kill -TERM "$YX_DAEMON_PID"
for _ in $(seq 1 100); do kill -0 "$YX_DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$YX_DAEMON_PID" 2>/dev/null && die "the first daemon did not stop"
"$YX_YANXIUD" -c "$conf2" serve 2>"$T/restored-daemon.log" &
pid2=$!
echo "$pid2" >"$YX_DIR/yanxiud.pid"
for _ in $(seq 1 100); do
    "$YX_YANXIU" --server "$YX_SERVER" --timeout 1 ping --db >/dev/null 2>&1 && break
    sleep 0.1
done
"$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null || die "no daemon on the restored database: $(tail "$T/restored-daemon.log")"

run old report list
[ "$rc" != 0 ] || die "a session token from before the backup still works: $out"
[[ $err == *"log in again"* ]] || die "the refused session does not say to log in again: $err"
t "session_token_from_before_the_backup_is_refused_after_restore"

YANXIU_PASSWORD=pw-dist-secret run dist login --user dist
[ "$rc" = 0 ] || die "login on the restored daemon: $err"
answers "$T/after"
diff -r "$T/before" "$T/after" >&2 || die "the restored daemon answers differently (diff above)"
t "restored_daemon_serves_the_same_answers"

kill -TERM "$pid2"
wait "$pid2" || die "the restored daemon exited $? on SIGTERM"
pid2=
rm -f "$YX_DIR/yanxiud.pid"
finish
