#!/bin/bash
# A database built by the layout before sql/migrations + sql/functions (commit
# 0289249, where sql/001..011 held every function body), with data, migrates
# forward to this yanxiud with nothing lost: the old yanxiud (built here from
# `git archive` of that commit, or YX_OLD_YANXIUD) migrates a database and
# serves while the CLI loads a district, its roster, reports submitted,
# approved, returned and resubmitted; then this yanxiud migrates it and serves
# the same answers (reports, compliance, the ledger tables, a report's
# content), `yanxiud verify-ledger` agrees, a session of before still works,
# and the functions are exactly those of a fresh database. Then the checks:
# migrate refuses a landed migration whose text changed, serve refuses
# functions changed by hand or another function set, and migrate mends both.
# Runs under tests/harness/with-server --no-daemon (its database yanxiu is a
# fresh one migrated by this yanxiud: the reference).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OLD_COMMIT=0289249
T=$YX_DIR/fwd
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
export YANXIU_SERVER=$YX_SERVER # run's yanxiu talks to the harness's daemon
# shellcheck source=tests/integration/small_county.sh
source "$(dirname "${BASH_SOURCE[0]}")/small_county.sh"
mkdir -p "$F"
pid=

stop_daemon() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    pid=
}
trap stop_daemon EXIT

# --- the old yanxiud, and its yanxiu: protocol v2 is a breaking change, so the data goes in
# through the CLI of that commit (v1), and comes out through this one (v2) -----------------
old=${YX_OLD_YANXIUD:-}
old_cli=${YX_OLD_YANXIU:-}
if [ -n "$old" ] && [ -z "$old_cli" ]; then
    die "YX_OLD_YANXIUD is set: set YX_OLD_YANXIU to the yanxiu built with it (protocol v1)"
fi
if [ -z "$old" ]; then
    git -C "$root" cat-file -e "$OLD_COMMIT^{commit}" 2>/dev/null ||
        die "commit $OLD_COMMIT is not in $root's git history (a shallow clone?): fetch it, or set YX_OLD_YANXIUD to a yanxiud built from it"
    mkdir -p "$T/old"
    git -C "$root" archive "$OLD_COMMIT" | tar -x -C "$T/old" || die "git archive $OLD_COMMIT"
    if ! { cmake -S "$T/old" -B "$T/old/build" -DCMAKE_BUILD_TYPE=Debug &&
        cmake --build "$T/old/build" --target yanxiud yanxiu -j2; } >"$T/old-build.log" 2>&1; then
        tail -n 30 "$T/old-build.log" >&2
        die "building yanxiud and yanxiu of $OLD_COMMIT failed"
    fi
    old=$T/old/build/yanxiud
    old_cli=$T/old/build/yanxiu
fi
[ -x "$old" ] || die "no old yanxiud at $old"
[ -x "$old_cli" ] || die "no old yanxiu at $old_cli"
new_cli=$YX_YANXIU

# --- a database of its own, with the old schema ----------------------------------------------
$YX_PSQL -qc "CREATE DATABASE fwd OWNER yanxiu_owner" >/dev/null || die "create database fwd"
conf=$T/yanxiud.conf
sed -e 's/dbname=yanxiu /dbname=fwd /g' "$YX_CONF" >"$conf"
psql_fwd=${YX_PSQL/-d yanxiu/-d fwd}
[ "$psql_fwd" != "$YX_PSQL" ] || die "cannot point YX_PSQL at database fwd: $YX_PSQL"
q() { $psql_fwd -Atc "$1"; }

out=$("$old" -c "$conf" migrate 2>&1) || die "old migrate: $out"
[ "$(q "select string_agg(name, ' ' order by version) from schema_migrations")" = \
    "001_foundation 002_accounts 003_units_roster 004_tenancy_fixes 005_reports 006_compliance 007_assessment 008_report_speed 009_compliance_speed 010_security 011_role_walls" ] ||
    die "the old yanxiud did not build the old schema: $(q "select name from schema_migrations")"

serve() { # serve BINARY: starts it on $conf, waits for ping --db
    "$1" -c "$conf" serve </dev/null >>"$T/daemon.log" 2>&1 &
    pid=$!
    echo "$pid" >"$YX_DIR/yanxiud.pid"
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || die "$1 serve exited: $(tail -n 5 "$T/daemon.log")"
        timeout 3 "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 && return
        sleep 0.1
    done
    die "$1 did not answer ping --db: $(tail -n 5 "$T/daemon.log")"
}

# --- data, through the old daemon ------------------------------------------------------------
YX_YANXIU=$old_cli # run's yanxiu, until the new daemon serves
serve "$old"
D=411423
CENTRAL=4114230001
JUNIOR=4114230010
"$old" -c "$conf" district add $D 宁陵县 >/dev/null || die "district add"
for who in dist school junior; do
    role=district
    unit=()
    [ "$who" = school ] && role=school && unit=(--unit "$CENTRAL")
    [ "$who" = junior ] && role=school && unit=(--unit "$JUNIOR")
    YANXIU_PASSWORD=pw-$who-secret "$old" -c "$conf" user add "$who" --role $role \
        --district $D "${unit[@]}" >/dev/null || die "user add $who"
    YANXIU_PASSWORD=pw-$who-secret run "$who" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done
small_county_files "$F"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
cat >"$F/teachers.csv" <<'CSV'
教师编号,姓名,学校代码,学科,教研组
C001,张丽,4114230001,语文,语文
C002,王强,4114230002,数学,数学
C003,李华,4114230002,英语,英语
J001,刘洋,4114230010,数学,数学
J002,陈静,4114230010,语文,语文
CSV
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"
run dist policy set "$F/policy.ini" --effective 2020-01-01
[ "$rc" = 0 ] || die "policy set: $err"
# report WHO MONTH HOURS TEACHERS...: WHO's report of MONTH, two activities.
report() {
    local who=$1 month=$2 hours=$3 d=$F/$1-$2
    shift 3
    mkdir -p "$d"
    cat >"$d/activities.csv" <<CSV
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,主持人,学时
A01,$month-09,14:00,17:00,师德专题讲座,师德,专题培训,校级,集中,张丽,3
A02,$month-16,14:00,16:00,课例研究：分数的意义,学科专业知识,课例研究,镇级,集中,王强,$hours
CSV
    {
        echo "活动编号,教师编号,签到"
        for tc in "$@"; do echo "A01,$tc,出席"; done
        for tc in "$@"; do echo "A02,$tc,出席"; done
    } >"$d/attendance.csv"
    run "$who" report submit "$d" --month "$month"
    [ "$rc" = 0 ] || die "report submit $who $month: $err"
}
report school 2026-09 2 C001 C002 C003
report school 2026-10 1.5 C001 C002
report school 2026-11 2 C001 C003
report junior 2026-09 1 J001 J002
report junior 2026-10 1.5 J001
run dist report approve $CENTRAL 2026-09
[ "$rc" = 0 ] || die "report approve: $err"
run dist report approve $JUNIOR 2026-09
[ "$rc" = 0 ] || die "report approve junior: $err"
run dist report return $JUNIOR 2026-10 --reason "A02 缺少签到表"
[ "$rc" = 0 ] || die "report return: $err"
report junior 2026-10 2 J001 J002

# answers DIR: what the district office reads (through the CLI: the old one before the
# migration, this one after, which may word and label it differently) and what the ledger
# holds (through psql: the same bytes before and after), into DIR and DIR/cli.
answers() {
    mkdir -p "$1/cli"
    mkdir -p "$1"
    run dist report list --format csv
    [ "$rc" = 0 ] || die "report list: $err"
    echo "$out" >"$1/cli/reports.csv"
    run dist compliance units --year 2026 --as-of 2026-12-01 --format csv
    [ "$rc" = 0 ] || die "compliance units: $err"
    echo "$out" >"$1/cli/units.csv"
    run dist compliance teachers --year 2026 --as-of 2026-12-01 --format csv
    [ "$rc" = 0 ] || die "compliance teachers: $err"
    echo "$out" >"$1/cli/teachers.csv"
    run dist report show $JUNIOR 2026-10 --format json
    [ "$rc" = 0 ] || die "report show: $err"
    echo "$out" >"$1/cli/show.json"
    run school whoami
    [ "$rc" = 0 ] || die "the school's session does not work: $err"
    echo "$out" >"$1/cli/whoami"
    for tab in ledger ledger_months ledger_years report_flags report_versions reports; do
        # the columns the old layout has (014 adds report_versions.imported, false for these);
        # the fine-grained ledger, a view of the raw rows since 017, by its rows that count
        # (the table of before kept rows a resubmission or a review brought back to nothing)
        local only=
        # (ledger_years, the view of compliance_years since 019, likewise)
        [ "$tab" = ledger ] || [ "$tab" = ledger_years ] &&
            only="where hours <> 0 or credit_hours <> 0 or credits <> 0 or absences <> 0"
        # of the school year only: the basis of policy.ini (the defaults'), the one kept since
        # 021 (the old layout kept the calendar year's too)
        [ "$tab" = ledger_years ] && only="where basis = 'school' and (${only#where })"
        q "select (to_jsonb(x) - 'imported')::text from $tab x $only order by 1" >"$1/$tab" ||
            die "reading $tab"
    done
}
answers "$T/before"
grep -q 2026-11 "$T/before/cli/reports.csv" || die "the loaded reports are not listed: $(cat "$T/before/cli/reports.csv")"
[ -s "$T/before/ledger_years" ] || die "the old ledger is empty"
out=$("$old" -c "$conf" verify-ledger 2>&1) || die "old verify-ledger: $out"
stop_daemon

# --- this yanxiud: migrate forward ---------------------------------------------------------------
new=$YX_YANXIUD

# A run that fails at its last step (the function set) is rolled back whole: an object in the
# way of report_deadline() (new in this layout; report_answer(), used before, is dropped by
# migration 014) makes CREATE OR REPLACE fail after the early function pass, 012 and the hash
# backfill have run in the same transaction (each of which used to commit on its own).
q "CREATE FUNCTION public.report_deadline(text, date) RETURNS int LANGUAGE sql AS 'SELECT 1'; ALTER FUNCTION public.report_deadline(text, date) OWNER TO yanxiu_owner" >/dev/null ||
    die "cannot put an object in report_deadline's way"
out=$("$new" -c "$conf" migrate 2>&1) && die "migrate went through with report_deadline() in its way: $out"
echo "$out" | grep -q "rolled back: the database is as it was before this run" ||
    die "a failed migrate does not say it rolled back: $out"
[ "$(q "select max(version) from schema_migrations")" = 11 ] || die "a failed migrate left a migration recorded"
[ "$(q "select count(*) from information_schema.columns where table_name = 'schema_migrations' and column_name = 'sha256'")" = 0 ] ||
    die "a failed migrate left schema_migrations.sha256"
[ "$(q "select to_regclass('schema_functions') is null")" = t ] || die "a failed migrate left schema_functions"
q "DROP FUNCTION public.report_deadline(text, date)" >/dev/null || die "cannot drop the object in the way"
t "migrate_that_fails_at_the_function_set_is_rolled_back_whole"

out=$("$new" -c "$conf" migrate 2>&1) || die "migrate forward failed: $out"
echo "$out" | grep -q "applied 012_function_set" || die "migrate forward did not apply 012: $out"
echo "$out" | grep -q "applied 00[1-9]\|applied 01[01]" && die "migrate forward applied a landed migration: $out"
[ "$(q "select count(*) from schema_migrations where sha256 is null")" = 0 ] ||
    die "landed migrations left without their SHA-256"
[ "$(q "select string_agg(sha256, ' ' order by version) from schema_migrations")" = \
    "$($YX_PSQL -Atc "select string_agg(sha256, ' ' order by version) from schema_migrations")" ] ||
    die "the recorded SHA-256s differ from a fresh database's"
t "migrate_forward_applies_012_only_and_records_the_landed_hashes"

# The functions (definitions, owners, grants) and the whole schema are a fresh database's.
[ "$(q "select catalog_sha256 from schema_functions")" = \
    "$($YX_PSQL -Atc "select catalog_sha256 from schema_functions")" ] ||
    die "the functions of the migrated database are not those of a fresh one"
pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin/pg_dump | sort -V | tail -n 1)
dump() { "$pgbin" -h "$YX_PGHOST" -p "$YX_PGPORT" -U postgres -s "$1" | grep -v '^\\\(un\)\?restrict '; }
if ! dump fwd >"$T/fwd.schema" || ! dump yanxiu >"$T/fresh.schema"; then die "pg_dump -s"; fi
diff "$T/fresh.schema" "$T/fwd.schema" >"$T/schema.diff" ||
    die "the migrated schema differs from a fresh one: $(head -n 40 "$T/schema.diff")"
t "migrated_functions_and_schema_are_those_of_a_fresh_database"

YX_YANXIU=$new_cli
serve "$new"
answers "$T/after"
for f in "$T"/before/*; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$T/after/${f##*/}" ||
        die "${f##*/} differs after the migration: $(diff "$f" "$T/after/${f##*/}" | head -n 20)"
done
# The CLI answers: the same reports (unit and month) and teachers, as this CLI shows them.
unit_months() { grep -o '^[0-9]\{10\},[^,]*,[0-9]\{4\}-[0-9][0-9]' "$1" | sed 's/,[^,]*,/ /' | sort; }
[ -n "$(unit_months "$T/before/cli/reports.csv")" ] || die "no report listed before: $(cat "$T/before/cli/reports.csv")"
[ "$(unit_months "$T/after/cli/reports.csv")" = "$(unit_months "$T/before/cli/reports.csv")" ] ||
    die "other reports are listed after the migration: $(cat "$T/after/cli/reports.csv")"
for code in J001 J002 C001; do
    grep -q "$code" "$T/after/cli/teachers.csv" ||
        die "teacher $code is not in the compliance after the migration: $(cat "$T/after/cli/teachers.csv")"
done
[ "$(wc -l <"$T/after/cli/teachers.csv")" = "$(wc -l <"$T/before/cli/teachers.csv")" ] ||
    die "the compliance lists another number of teachers after the migration"
[ "$(wc -l <"$T/after/cli/reports.csv")" = "$(wc -l <"$T/before/cli/reports.csv")" ] ||
    die "the report list has another number of reports after the migration"
out=$("$new" -c "$conf" verify-ledger 2>&1) || die "verify-ledger after the migration: $out"
echo "$out" | grep -q "the ledger agrees with the reports' rows" || die "verify-ledger: $out"
t "the_migrated_database_answers_the_same_and_verify_ledger_agrees"

# Still writable: a new report through this yanxiud, the ledger follows.
report school 2026-12 1 C001
out=$("$new" -c "$conf" verify-ledger 2>&1) || die "verify-ledger after a new report: $out"
stop_daemon
t "the_migrated_database_takes_a_new_report"

# --- a landed migration that changed: migrate refuses, names the file -------------------------------
good=$(q "select sha256 from schema_migrations where version = 5")
q "update schema_migrations set sha256 = repeat('0', 64) where version = 5" >/dev/null
n=$(q "select count(*) from schema_migrations")
msg=$("$new" -c "$conf" migrate 2>&1)
rc=$?
[ "$rc" != 0 ] || die "migrate accepted a changed landed migration: $msg"
echo "$msg" | grep -q "sql/migrations/005_reports.sql has changed since it was applied" &&
    echo "$msg" | grep -q "never edited" || die "migrate's refusal does not name the file and the rule: $msg"
[ "$(q "select count(*) from schema_migrations")" = "$n" ] || die "a refused migrate changed schema_migrations"
q "update schema_migrations set sha256 = '$good' where version = 5" >/dev/null
out=$("$new" -c "$conf" migrate 2>&1) || die "migrate with the hash restored: $out"
t "migrate_refuses_a_landed_migration_that_changed"

# --- functions changed in the database: serve refuses until migrate -----------------------------------
refused() { # refused WHY: serve must exit, saying run `yanxiud migrate`
    local msg rc
    msg=$(timeout 20 "$new" -c "$conf" serve 2>&1 </dev/null)
    rc=$?
    [ "$rc" != 0 ] && [ "$rc" != 124 ] || die "serve started with $1 (exit $rc)"
    echo "$msg" | grep -q "SQL functions are not the ones this yanxiud was built with" &&
        echo "$msg" | grep -q 'run `yanxiud migrate' || die "serve's refusal ($1) does not say why and what to run: $msg"
}
q "DO \$\$ BEGIN EXECUTE replace(pg_get_functiondef('yx_reason(text,numeric,numeric)'::regprocedure),
     'AS \$function\$', 'AS \$function\$ -- changed by hand' || chr(10)); END \$\$" >/dev/null ||
    die "changing yx_reason by hand"
[ "$(q "select prosrc like '%changed by hand%' from pg_proc where proname = 'yx_reason'")" = t ] ||
    die "the hand change did not land"
refused "a function changed by hand"
out=$("$new" -c "$conf" migrate 2>&1) || die "migrate after a hand change: $out"
[ "$(q "select prosrc like '%changed by hand%' from pg_proc where proname = 'yx_reason'")" = f ] ||
    die "migrate did not put yx_reason back"
q "update schema_functions set sha256 = repeat('1', 64)" >/dev/null
refused "another function set recorded"
out=$("$new" -c "$conf" migrate 2>&1) || die "migrate after another set: $out"
serve "$new"
stop_daemon
t "serve_refuses_functions_that_are_not_its_own_until_migrate"

finish
