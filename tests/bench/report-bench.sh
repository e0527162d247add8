#!/bin/bash
# tests/bench/report-bench.sh: how fast yanxiud takes monthly reports, against
# PostgreSQL doing the same writes directly. Runs under
#   tests/harness/with-server --no-daemon tests/bench/report-bench.sh
# (ctest's bench_reports does; README.md "Benchmarks").
#
# Two districts get the same schools and rosters (UNITS junior schools of 30
# teachers each). Then, on the same database, after an untimed warm-up of
# both, in SEGMENTS segments ordered daemon, direct | direct, daemon | daemon,
# direct | ... (so that neither side gets only the emptier database or only
# the quieter moments of the machine):
#   daemon  report_load submits REPORTS generated reports (8 activities x 30
#           teachers, 240 sign-in rows) to a yanxiud of POOL database
#           connections over CONNECTIONS client connections, one request in
#           flight on each, as a district account of the first district;
#   direct  pgbench runs, over CONNECTIONS connections as the daemon's role
#           yanxiud, the statements of the daemon's job for each of the same
#           reports in the second district: session_begin (a real session of
#           a district account), report_submit with the same arrays, the
#           answer query, pipelined with one Sync like the daemon's pool.
# PostgreSQL gets shared_buffers of 1GB and no autovacuum; each run starts
# after VACUUM ANALYZE and a CHECKPOINT.
# It prints reports/s and latency p50/p99 of both and the ratio, and the CPU
# each side used per report (PostgreSQL, yanxiud, the client); it fails only
# when something errs (a submission refused, rows that differ between the two
# districts), never on the figures.
#
# Settings (environment):
#   YX_BENCH_REPORTS      reports per run (default 200; rounded up to a
#                         multiple of the connections)
#   YX_BENCH_CONNECTIONS  client connections (default 8)
#   YX_BENCH_WARMUP       reports of the untimed warm-up before (default
#                         reports/5, at least 2 per connection)
#   YX_BENCH_UNITS        schools per district (default (warm-up + reports)/8,
#                         at most 500)
#   YX_BENCH_POOL         the daemon's pool_size (default: the connections)
#   YX_BENCH_SEGMENTS     segments per side (default 2). Each pgbench run
#                         starts new backends, whose first transactions plan
#                         every statement: short segments favour the daemon,
#                         whose pool stays connected.
#   YX_BENCH_ORDER        daemon-first (default) or direct-first
#   YX_BENCH_SHARED_BUFFERS  PostgreSQL's shared_buffers (default 1GB)
#   YX_BENCH_STATEMENTS=1 load pg_stat_statements and print, after each timed
#                         run, where PostgreSQL spent its time (per report)
#   YX_REPORT_LOAD        the report_load binary (default: the build dir's)
set -euo pipefail

say() { echo "report-bench: $*"; }
die() {
    echo "report-bench: FAILED: $*" >&2
    exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
for v in YX_DIR YX_CONF YX_SERVER YX_YANXIUD YX_YANXIU YX_PSQL YX_PGHOST YX_PGPORT YX_DBNAME \
    YX_PG_STOP YX_PG_START; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server --no-daemon"
done

conns=${YX_BENCH_CONNECTIONS:-8}
reports=${YX_BENCH_REPORTS:-200}
if ((reports % conns)); then
    reports=$(((reports / conns + 1) * conns))
fi
warmup=${YX_BENCH_WARMUP:-$((reports / 5 > 2 * conns ? reports / 5 : 2 * conns))}
if ((warmup % conns)); then
    warmup=$(((warmup / conns + 1) * conns))
fi
units=${YX_BENCH_UNITS:-$(((warmup + reports + 7) / 8))}
((units > 500)) && [ -z "${YX_BENCH_UNITS:-}" ] && units=500
((units >= 1)) || units=1
pool=${YX_BENCH_POOL:-$conns}
shared_buffers=${YX_BENCH_SHARED_BUFFERS:-1GB}
statements=${YX_BENCH_STATEMENTS:-0}
segments=${YX_BENCH_SEGMENTS:-2}
((segments >= 1)) || segments=1
order=${YX_BENCH_ORDER:-daemon-first}
case $order in
daemon-first | direct-first) ;;
*) die "YX_BENCH_ORDER: daemon-first or direct-first, not $order" ;;
esac
load=${YX_REPORT_LOAD:-${YX_BUILD_DIR:-$root/build-tests}/tests/report_load}
[ -x "$load" ] || die "$load not built (cmake --build build-tests)"

pgbench=$(printf '%s\n' /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)
[ -x "$pgbench" ] || pgbench=$(command -v pgbench || true)
[ -n "$pgbench" ] || die "pgbench not found (it comes with the postgresql package: deploy/install-deps)"

B=$YX_DIR/bench
mkdir -p "$B"
chmod 755 "$B"
d_daemon=330101
d_direct=330102
password=bench-Pa55word-not-secret

psql() { $YX_PSQL -At "$@"; }

# The harness's cluster has 32 MB of shared_buffers: the two districts would
# evict each other's pages, and a run would pay for the other side's. A
# server-sized buffer pool instead, holding both. No autovacuum: the work it
# does for one side's writes would land in the other side's time; each timed
# run starts instead on vacuumed, analyzed tables after a checkpoint.
psql -c "ALTER SYSTEM SET shared_buffers = '$shared_buffers'" \
    -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c 'ALTER SYSTEM SET autovacuum = off' >/dev/null
if [ "$statements" = 1 ]; then
    # (ALTER SYSTEM knows no pg_stat_statements.* before the library is loaded)
    printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" \
        "pg_stat_statements.track = all" >>"$YX_DIR/pg/postgresql.conf"
fi
if ! eval "$YX_PG_STOP" || ! eval "$YX_PG_START" >/dev/null; then
    die "restarting PostgreSQL with shared_buffers = $shared_buffers failed"
fi
settle() {
    psql -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
    if [ "$statements" = 1 ]; then
        psql -c 'SELECT pg_stat_statements_reset()' >/dev/null
    fi
}
if [ "$statements" = 1 ]; then
    psql -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
fi
# With YX_BENCH_STATEMENTS=1: the statements (nested ones too) that took the
# most time in the run just done (wall time: with several connections, it
# includes waiting for a CPU).
statements() {
    [ "$statements" = 1 ] || return 0
    psql -F ' | ' -c "SELECT round(total_exec_time::numeric / $1, 2) || ' ms/report',
                             round(calls::numeric / $1, 1) || ' calls/report',
                             left(regexp_replace(query, '\s+', ' ', 'g'), 100)
                      FROM pg_stat_statements WHERE total_exec_time > 0
                      ORDER BY total_exec_time DESC LIMIT 12" | sed 's/^/    /'
}

# --- accounts, and the daemon with a pool of $pool ------------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add "$d_daemon" 测试甲区 >/dev/null || die "district add"
"$YX_YANXIUD" -c "$YX_CONF" district add "$d_direct" 测试乙区 >/dev/null || die "district add"
for d in "$d_daemon" "$d_direct"; do
    YANXIU_PASSWORD=$password "$YX_YANXIUD" -c "$YX_CONF" user add "bench$d" --role district \
        --district "$d" >/dev/null || die "user add bench$d"
done

conf=$B/yanxiud.conf
if grep -q '^pool_size' "$YX_CONF"; then
    cp "$YX_CONF" "$conf"
else
    sed "/^\[database\]/a pool_size = $pool" "$YX_CONF" >"$conf"
fi
log=${YX_DAEMON_LOG:-$B/yanxiud.log}
"$YX_YANXIUD" -c "$conf" serve </dev/null >>"$log" 2>&1 &
daemon_pid=$!
echo "$daemon_pid" >"$YX_DIR/yanxiud.pid" # the harness stops it too
stop_daemon() {
    if kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid"
        wait "$daemon_pid" || die "yanxiud exited with status $? on SIGTERM"
    fi
}
trap 'kill -TERM "$daemon_pid" 2>/dev/null || true' EXIT
for ((i = 0; i < 150; i++)); do
    kill -0 "$daemon_pid" 2>/dev/null || die "yanxiud exited; see $log"
    timeout 3 "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 && break
    sleep 0.1
done
((i < 150)) || die "yanxiud did not answer ping within 15 s"

# yanxiu as the district account of district $1, with its own session file.
cli() {
    local d=$1 home=$B/home-$1
    shift
    mkdir -p "$home/.config"
    HOME=$home XDG_CONFIG_HOME=$home/.config YANXIU_PASSWORD=$password \
        "$YX_YANXIU" --server "$YX_SERVER" "$@"
}

# --- schools and rosters --------------------------------------------------------
t0=$SECONDS
for d in "$d_daemon" "$d_direct"; do
    "$load" files --district "$d" --units "$units" --units-csv "$B/units-$d.csv" \
        --roster-csv "$B/roster-$d.csv" || die "report_load files"
    cli "$d" login --user "bench$d" >/dev/null || die "login bench$d"
    cli "$d" units import "$B/units-$d.csv" >/dev/null || die "units import ($d)"
    cli "$d" roster import "$B/roster-$d.csv" >/dev/null || die "roster import ($d)"
done
say "set up 2 districts of $units schools and $((units * 30)) teachers each in $((SECONDS - t0)) s"
say "$reports reports per run, $conns connections, daemon pool_size $pool, $(nproc) CPUs"

# --- CPU time -----------------------------------------------------------------------
# Seconds of CPU used so far by the cluster (the postmaster, the children it
# has reaped, e.g. pgbench's backends, and those alive: the daemon's backends,
# autovacuum, the checkpointer...) and by a process.
TIMEFORMAT='CPU %U %S' # of bash's time
clk=$(getconf CLK_TCK)
pg_pid=$(head -n 1 "$YX_DIR/pg/postmaster.pid")
pg_cpu() {
    # (a process may end between the glob and the read)
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pg="$pg_pid" -v hz="$clk" '
        { pid = $1; sub(/^.*\) /, "") }  # fields from the state on: ppid is $2, utime $12
        pid == pg { t += $12 + $13 + $14 + $15 }
        $2 == pg { t += $12 + $13 }
        END { printf "%.3f", t / hz }'
}
proc_cpu() {
    awk -v hz="$clk" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"
}
# A + B and A - B
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# --- the runs -------------------------------------------------------------------------
# Each run adds its seconds, reports and CPU seconds (the cluster's, yanxiud's,
# the client's) to the totals of its side, and its latencies (ms, one a line)
# to $B/<side>-latencies.
daemon_secs=0 daemon_count=0 direct_secs=0 direct_count=0
daemon_pg=0 daemon_d=0 daemon_client=0 direct_pg=0 direct_client=0
: >"$B/daemon-latencies"
: >"$B/direct-latencies"
: >"$B/daemon-durations"

# run_daemon FIRST COUNT LABEL: reports FIRST.. through the daemon (district $d_daemon).
run_daemon() {
    local first=$1 count=$2 label=$3 out lines secs pg0 d0
    settle
    lines=$(wc -l <"$log")
    pg0=$(pg_cpu)
    d0=$(proc_cpu "$daemon_pid")
    local status=0
    { time YANXIU_PASSWORD=$password "$load" run --district "$d_daemon" --units "$units" \
        --first "$first" --reports "$count" --connections "$conns" --user "bench$d_daemon" \
        --key-prefix bench-daemon --label "$label" --latencies "$B/daemon-latencies" \
        --token-file "$B/token-daemon" \
        >"$B/out" 2>&1; } 2>"$B/time" || status=$?
    out=$(cat "$B/out")
    if [ "$status" != 0 ]; then
        printf '%s\n' "$out" >&2
        die "report_load run: some submissions failed (above)"
    fi
    printf '%s\n' "$out" | { grep -v '^RESULT' || true; }
    secs=$(printf '%s\n' "$out" | sed -n 's/^RESULT .* seconds=\([0-9.]*\) .*/\1/p')
    [ -n "$secs" ] || die "report_load printed no RESULT line"
    daemon_pg=$(sum "$daemon_pg" "$(sub "$(pg_cpu)" "$pg0")")
    daemon_d=$(sum "$daemon_d" "$(sub "$(proc_cpu "$daemon_pid")" "$d0")")
    daemon_client=$(sum "$daemon_client" "$(awk '/^CPU/ { print $2 + $3 }' "$B/time")")
    daemon_secs=$(sum "$daemon_secs" "$secs")
    daemon_count=$((daemon_count + count))
    statements "$count"
    # The same requests as yanxiud timed them (frame received to answer queued).
    # (none when the log level is above info)
    tail -n +$((lines + 1)) "$log" | { grep 'method=SubmitReport code=OK' || true; } |
        sed 's/.* duration=\([0-9.]*\)ms.*/\1/' >>"$B/daemon-durations"
}

# run_direct FIRST COUNT LABEL: the same reports by pgbench (district $d_direct).
run_direct() {
    local first=$1 count=$2 label=$3 token
    # the token itself, from the CLI's session file: session_begin hashes it (sql/010)
    token=$(sed -n 's/^token *= *\([0-9a-f]\{64\}\).*/\1/p' "$B/home-$d_direct/.config/yanxiu/session")
    [ -n "$token" ] || die "no session of bench$d_direct"
    "$load" pgbench --district "$d_direct" --units "$units" --first "$first" \
        --connections "$conns" --token "$token" --key-prefix bench-direct \
        --script "$B/submit.pgbench" --defs "$B/submit.defs" || die "report_load pgbench"
    local defs=() line
    while IFS= read -r line; do
        defs+=(-D "$line")
    done <"$B/submit.defs"
    rm -f "$B"/pgbench_log*
    local out status=0 tps secs pg0
    settle
    pg0=$(pg_cpu)
    { time (cd "$B" && exec "$pgbench" -h "$YX_PGHOST" -p "$YX_PGPORT" -U yanxiud -n \
        -M prepared -c "$conns" -j "$conns" -t $((count / conns)) -l --log-prefix=pgbench_log \
        -f "$B/submit.pgbench" "${defs[@]}" "$YX_DBNAME" >"$B/out" 2>&1); } 2>"$B/time" ||
        status=$?
    out=$(cat "$B/out")
    if [ "$status" != 0 ]; then
        printf '%s\n' "$out" | tail -n 20 >&2
        die "pgbench exited with status $status"
    fi
    tps=$(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial.*/\1/p')
    [ -n "$tps" ] || {
        printf '%s\n' "$out" >&2
        die "pgbench printed no tps"
    }
    secs=$(awk -v n="$count" -v r="$tps" 'BEGIN { printf "%.3f", n / r }')
    cat "$B"/pgbench_log* | awk '{ printf "%.3f\n", $3 / 1000 }' >"$B/direct-run"
    cat "$B/direct-run" >>"$B/direct-latencies"
    echo "$label: $count reports over $conns connections in $secs s: $(rate "$count" "$secs")" \
        "reports/s, latency $(percentiles "$B/direct-run")"
    direct_pg=$(sum "$direct_pg" "$(sub "$(pg_cpu)" "$pg0")")
    direct_client=$(sum "$direct_client" "$(awk '/^CPU/ { print $2 + $3 }' "$B/time")")
    direct_secs=$(sum "$direct_secs" "$secs")
    direct_count=$((direct_count + count))
    statements "$count"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }

# "p50 X ms, p99 Y ms" of a file of numbers (nearest rank).
percentiles() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END { if (!NR) { print "no samples"; exit }
              i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
              i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
              printf "p50 %.1f ms, p99 %.1f ms\n", v[i50], v[i99] }'
}

# A warm-up of both, untimed, so that neither run meets empty tables, cold
# caches and plans made for them.
run_daemon 0 "$warmup" "daemon warm-up" >/dev/null
run_direct 0 "$warmup" "direct warm-up" >/dev/null
daemon_secs=0 daemon_count=0 direct_secs=0 direct_count=0
daemon_pg=0 daemon_d=0 daemon_client=0 direct_pg=0 direct_client=0
: >"$B/daemon-latencies"
: >"$B/direct-latencies"
: >"$B/daemon-durations"
say "warmed up with $warmup reports each, untimed"

# The timed runs, in segments ordered daemon, direct | direct, daemon | daemon,
# direct | ...: the database grows as they go and the machine may be busier at
# one moment than at another, and each side gets as much of both.
seg=$((reports / segments / conns * conns))
((seg > 0)) || seg=$conns
k=$warmup
for ((i = 1; k < warmup + reports; i++)); do
    n=$seg
    if ((k + n > warmup + reports || i == segments)); then
        n=$((warmup + reports - k))
    fi
    daemon_first=$((i % 2))
    [ "$order" = daemon-first ] || daemon_first=$((1 - daemon_first))
    if ((daemon_first)); then
        run_daemon "$k" "$n" "daemon (segment $i)"
        run_direct "$k" "$n" "direct (segment $i)"
    else
        run_direct "$k" "$n" "direct (segment $i)"
        run_daemon "$k" "$n" "daemon (segment $i)"
    fi
    k=$((k + n))
done

daemon_rate=$(rate "$daemon_count" "$daemon_secs")
direct_rate=$(rate "$direct_count" "$direct_secs")
say "daemon: $daemon_count reports in $daemon_secs s: $daemon_rate reports/s," \
    "latency $(percentiles "$B/daemon-latencies") (as yanxiud timed them:" \
    "$(percentiles "$B/daemon-durations"))"
say "direct: $direct_count reports in $direct_secs s: $direct_rate reports/s," \
    "latency $(percentiles "$B/direct-latencies")"
per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.1f", t * 1000 / n }'; }
say "CPU per report: daemon side: PostgreSQL $(per "$daemon_pg" "$daemon_count") ms," \
    "yanxiud $(per "$daemon_d" "$daemon_count") ms, report_load $(per "$daemon_client" "$daemon_count") ms;" \
    "direct side: PostgreSQL $(per "$direct_pg" "$direct_count") ms," \
    "pgbench $(per "$direct_client" "$direct_count") ms"

# --- both wrote the same: the reports, their rows, the ledger ----------------------------
summary() {
    psql -c "SELECT count(*), sum(activity_count), sum(attendance_count), sum(teacher_hours),
                    sum(flag_count)
             FROM report_versions WHERE district_code = '$1'"
}
ledger() {
    psql -c "SELECT count(*), sum(hours), sum(absences) FROM ledger WHERE district_code = '$1'"
}
s_daemon=$(summary "$d_daemon")
s_direct=$(summary "$d_direct")
l_daemon=$(ledger "$d_daemon")
l_direct=$(ledger "$d_direct")
say "written (reports|activities|sign-ins|teacher-hours|flags): daemon $s_daemon, direct $s_direct"
[ "${s_daemon%%|*}" = $((warmup + reports)) ] ||
    die "the daemon's district holds ${s_daemon%%|*} reports, not $((warmup + reports))"
[ "$s_daemon" = "$s_direct" ] || die "the two runs wrote different reports"
[ "$l_daemon" = "$l_direct" ] || die "the two runs wrote different ledgers: $l_daemon / $l_direct"
[ "${s_daemon##*|}" = 0 ] || die "the reports raised flags"

ratio=$(awk -v a="$daemon_rate" -v b="$direct_rate" 'BEGIN { printf "%.2f", a / b }')
say "ratio daemon/direct: $ratio at $conns connections (the target is at least 0.8 at 8)"

stop_daemon
trap - EXIT
