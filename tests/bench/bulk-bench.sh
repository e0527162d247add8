#!/bin/bash
# tests/bench/bulk-bench.sh: how fast a district loads its history through the
# historical import in bulk (SubmitBatch, daemon/rpc_bulk.c). Runs under
#   tests/harness/with-server --no-daemon tests/bench/bulk-bench.sh
# (ctest's bench_bulk does, tiny; README.md "Benchmarks" → "Loading history").
#
# One county (UNITS junior schools of 30 teachers, made by report_load files
# and imported with `yanxiu units|roster import`), then bulk_load sends its
# MONTHS months (UNITS x MONTHS reports of 8 activities x 30 sign-in rows,
# each with its submission time) in batches of BATCH reports over CONNECTIONS
# connections to a yanxiud of POOL database connections. Printed: reports/s,
# the batches' p50/p99, the CPU seconds per report of the cluster, of yanxiud
# and of the client, the database's size before and after; and, with
# YX_BENCH_STATEMENTS=1, the statements (nested ones too, pg_stat_statements
# track = all) that took the most time, per report. Then the same batches are
# sent again: every report answers as replayed, nothing is written; and
# `yanxiud verify-ledger` checks the kept sums against the rows.
#
# Settings (environment):
#   YX_BENCH_UNITS        schools (default 267, a county)
#   YX_BENCH_MONTHS       months (default 12)
#   YX_BENCH_BATCH        reports a request (default 100; at most 500)
#   YX_BENCH_CONNECTIONS  client connections, one batch in flight on each (default 2)
#   YX_BENCH_POOL         the daemon's pool_size (default the connections)
#   YX_BENCH_BY_UNIT=1    the reports unit by unit (a unit's months together in a
#                         batch), not month by month (all units' reports of a month)
#   YX_BENCH_STATEMENTS=1 pg_stat_statements, as above
#   YX_BULK_LOAD          the bulk_load binary (default: the build dir's)
#   YX_REPORT_LOAD        the report_load binary (its `files` makes the county)
# It prints the figures and fails only when something errs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
say() { echo "bulk-bench: $*"; }
die() {
    echo "bulk-bench: $*" >&2
    exit 1
}
for v in YX_DIR YX_CONF YX_SERVER YX_YANXIUD YX_YANXIU YX_PSQL YX_PG_STOP YX_PG_START; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server --no-daemon"
done
build=${YX_BUILD_DIR:-$root/build-tests}
bulk=${YX_BULK_LOAD:-$build/tests/bulk_load}
load=${YX_REPORT_LOAD:-$build/tests/report_load}
[ -x "$bulk" ] || die "$bulk not built"
[ -x "$load" ] || die "$load not built"
units=${YX_BENCH_UNITS:-267}
months=${YX_BENCH_MONTHS:-12}
batch=${YX_BENCH_BATCH:-100}
conns=${YX_BENCH_CONNECTIONS:-2}
pool=${YX_BENCH_POOL:-$conns}
statements=${YX_BENCH_STATEMENTS:-0}
order=()
[ "${YX_BENCH_BY_UNIT:-0}" = 1 ] && order=(--by-unit)
d=340101
password=bulk-Pa55word-not-secret
B=$YX_DIR/bulkbench
mkdir -p "$B"
psql() { $YX_PSQL -At "$@"; }

psql -c "ALTER SYSTEM SET shared_buffers = '${YX_BENCH_SHARED_BUFFERS:-1GB}'" \
    -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c 'ALTER SYSTEM SET autovacuum = off' >/dev/null
if [ "$statements" = 1 ]; then
    printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" \
        "pg_stat_statements.track = all" >>"$YX_DIR/pg/postgresql.conf"
fi
eval "$YX_PG_STOP" && eval "$YX_PG_START" >/dev/null || die "restarting PostgreSQL failed"
[ "$statements" = 1 ] && psql -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null

"$YX_YANXIUD" -c "$YX_CONF" district add "$d" 批量导入县 >/dev/null || die "district add"
YANXIU_PASSWORD=$password "$YX_YANXIUD" -c "$YX_CONF" user add "bulk$d" --role district \
    --district "$d" >/dev/null || die "user add"
conf=$B/yanxiud.conf
sed "/^\[database\]/a pool_size = $pool" "$YX_CONF" >"$conf"
log=${YX_DAEMON_LOG:-$B/yanxiud.log}
"$YX_YANXIUD" -c "$conf" serve </dev/null >>"$log" 2>&1 &
daemon_pid=$!
echo "$daemon_pid" >"$YX_DIR/yanxiud.pid" # the harness stops it too
trap 'kill -TERM "$daemon_pid" 2>/dev/null || true' EXIT
for ((i = 0; i < 150; i++)); do
    kill -0 "$daemon_pid" 2>/dev/null || die "yanxiud exited; see $log"
    timeout 3 "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 && break
    sleep 0.1
done
((i < 150)) || die "yanxiud did not answer ping within 15 s"
cli() {
    mkdir -p "$B/home/.config"
    HOME=$B/home XDG_CONFIG_HOME=$B/home/.config YANXIU_PASSWORD=$password \
        "$YX_YANXIU" --server "$YX_SERVER" "$@"
}
"$load" files --district "$d" --units "$units" --units-csv "$B/units.csv" \
    --roster-csv "$B/roster.csv" || die "report_load files"
cli login --user "bulk$d" >/dev/null || die "login"
cli units import "$B/units.csv" >/dev/null || die "units import"
cli roster import "$B/roster.csv" >/dev/null || die "roster import"
psql -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
[ "$statements" = 1 ] && psql -c 'SELECT pg_stat_statements_reset()' >/dev/null

clk=$(getconf CLK_TCK)
pg_pid=$(head -n 1 "$YX_DIR/pg/postmaster.pid")
# shellcheck source=tests/bench/cluster-cpu.sh
. "$here/cluster-cpu.sh"
pg_cpu() { # the cluster's CPU seconds so far (the postmaster, its children alive and reaped)
    awk -v t="$(cluster_ticks "$pg_pid")" -v hz="$clk" 'BEGIN { printf "%.3f", t / hz }'
}
proc_cpu() { awk -v hz="$clk" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"; }
db_size() { psql -c "SELECT pg_database_size(current_database())"; }
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }'; }

say "$units schools x 30 teachers, $months months: $((units * months)) reports ${order:+unit by unit }in batches of $batch over $conns connections (pool $pool), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
size0=$(db_size)
run() { # LABEL: every report, through the bulk path
    local label=$1 pg0 d0 out status=0
    pg0=$(pg_cpu)
    d0=$(proc_cpu "$daemon_pid")
    out=$(YANXIU_PASSWORD=$password "$bulk" --district "$d" --units "$units" --months "$months" \
        --batch "$batch" --connections "$conns" --user "bulk$d" --token-file "$B/token" \
        --label "$label" "${order[@]}" 2>&1) || status=$?
    printf '%s\n' "$out" | { grep -v '^RESULT' || true; }
    [ "$status" = 0 ] || die "bulk_load: some batches failed (above)"
    local n
    n=$(printf '%s\n' "$out" | sed -n 's/^RESULT .* reports=\([0-9]*\) .*/\1/p')
    [ -n "$n" ] && [ "$n" -gt 0 ] || die "bulk_load printed no RESULT line"
    say "$label: CPU per report: cluster $(per "$pg0" "$(pg_cpu)" "$n") ms, yanxiud $(per "$d0" "$(proc_cpu "$daemon_pid")" "$n") ms (load $(cut -d' ' -f1-3 /proc/loadavg))"
}
run load
size1=$(db_size)
say "database $((size0 / 1048576)) MB before, $((size1 / 1048576)) MB after: $(((size1 - size0) / (units * months))) bytes per report"
if [ "$statements" = 1 ]; then
    n=$((units * months))
    psql -F ' | ' -c "SELECT round(total_exec_time::numeric / $n, 3) || ' ms/report',
                             round(calls::numeric / $n, 2) || ' calls/report',
                             left(regexp_replace(query, '\s+', ' ', 'g'), 110)
                      FROM pg_stat_statements WHERE total_exec_time > 0
                      ORDER BY total_exec_time DESC LIMIT 15" | sed 's/^/    /'
    say "the tables most updated: updates (HOT: without a new index entry), dead rows, sizes"
    psql -F ' | ' -c "SELECT relname, n_tup_ins || ' inserted', n_tup_upd || ' updated',
                             n_tup_hot_upd || ' HOT', n_dead_tup || ' dead',
                             pg_size_pretty(pg_relation_size(relid)) || ' heap',
                             pg_size_pretty(pg_indexes_size(relid)) || ' indexes'
                      FROM pg_stat_user_tables WHERE n_tup_upd > 0
                      ORDER BY n_tup_upd DESC LIMIT 8" | sed 's/^/    /'
fi
run replay
written=$(psql -c "SELECT count(*) FROM report_versions WHERE district_code = '$d' AND imported")
[ "$written" = $((units * months)) ] || die "$written imported versions, not $((units * months))"
"$YX_YANXIUD" -c "$YX_CONF" verify-ledger >"$B/verify.out" 2>&1 ||
    die "verify-ledger found differences: $(tail -5 "$B/verify.out")"
say "verify-ledger: the ledgers agree with the rows"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || die "yanxiud exited with status $? on SIGTERM"
trap - EXIT
