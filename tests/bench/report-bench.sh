#!/bin/bash
# tests/bench/report-bench.sh: how fast yanxiud takes monthly reports, against
# PostgreSQL running the same submit path directly, and against PostgreSQL
# writing the same rows as plainly as it can (the floor). Runs under
#   tests/harness/with-server --no-daemon tests/bench/report-bench.sh
# (ctest's bench_reports does, briefly; README.md "Benchmarks").
#
# Three sides write the same generated reports (8 activities x 30 teachers,
# 240 sign-in rows; report_load.c): two districts get the same schools and
# rosters (UNITS junior schools of 30 teachers each), and
#   daemon  report_load submits the reports to a yanxiud of POOL database
#           connections over CONNECTIONS client connections, one request in
#           flight on each, as a district account of the first district;
#   direct  pgbench runs, over CONNECTIONS connections as the daemon's role
#           yanxiud, the statements of the daemon's job for each of the same
#           reports in the second district: session_begin (a real session of
#           a district account), report_submit with the same arrays, the
#           answer query, pipelined with one Sync like the daemon's pool;
#   raw     pgbench, the same connections as the same role, writes each
#           report's activities and sign-in rows in ONE statement (unnest of
#           the same arrays) into yx_raw.activities and yx_raw.attendance,
#           made LIKE activities and attendance INCLUDING ALL (the same
#           columns, checks, primary keys and indexes; no foreign keys, no
#           row-level security, no triggers): the floor.
# Same cluster, fsync, full_page_writes and synchronous_commit on (the daemon
# sets synchronous_commit = on on its own sessions; here every session gets
# it), shared_buffers of 1GB, no autovacuum; each run starts after VACUUM
# ANALYZE and a CHECKPOINT.
#
# Two phases, in one invocation:
#   empty   after an untimed warm-up of each side, REPORTS reports per side in
#           SEGMENTS segments ordered daemon, direct, raw | raw, direct,
#           daemon | ... (so that no side gets only the emptier database or
#           only the quieter moments of the machine);
#   grown   GROW more reports per side are loaded untimed (other units and
#           months: the same numbering goes on), through report_submit for
#           both districts (pgbench of the direct script, the fastest honest
#           way) and by the raw statement for the raw tables, in chunks of a
#           month's reports each followed by VACUUM ANALYZE (as autovacuum
#           would); then REPORTS more per side, timed and interleaved as before.
# For each phase and side it prints reports/s, latency p50/p99 and p99/p50,
# the CPU per report (PostgreSQL, yanxiud, the client), and the ratios
# direct/raw and daemon/direct. It fails only when something errs (a
# submission refused, the two districts holding different reports, rows or
# ledgers, the raw tables holding other row counts), never on the figures.
#
# Settings (environment):
#   YX_BENCH_REPORTS      timed reports per side and phase (default 96;
#                         rounded up to a multiple of the connections)
#   YX_BENCH_CONNECTIONS  client connections (default 8)
#   YX_BENCH_WARMUP       reports of the untimed warm-up (default reports/5,
#                         at least 2 per connection)
#   YX_BENCH_GROW         reports per side loaded before the grown phase
#                         (default 160; 0 skips that phase)
#   YX_BENCH_UNITS        schools per district (default all the reports of a
#                         side / 8, at most 500)
#   YX_BENCH_POOL         the daemon's pool_size (default: the connections)
#   YX_BENCH_SEGMENTS     segments per side and phase (default 2). Each
#                         pgbench run starts new backends, whose first
#                         transactions plan every statement: short segments
#                         favour the daemon, whose pool stays connected.
#   YX_BENCH_ORDER        daemon-first (default) or raw-first
#   YX_BENCH_SHARED_BUFFERS  PostgreSQL's shared_buffers (default 1GB)
#   YX_BENCH_STATEMENTS=1 load pg_stat_statements and print, after each timed
#                         run, where PostgreSQL spent its time (per report;
#                         YX_BENCH_STATEMENTS_ROWS statements, default 12)
#   YX_BENCH_EXPLAIN=MS   load auto_explain (log_analyze, nested statements,
#                         every backend: the daemon's pool too) and print,
#                         after each timed run, how many statements took MS ms
#                         or more and the plan of the slowest
#   YX_BENCH_PERF=1       profile this cluster's PostgreSQL with perf (its postmaster and
#                         the backends it forks, 999 Hz) during each timed pgbench run
#                         (direct, raw) and print, after it, the functions that took
#                         1 % or more of the samples (perf: the linux-perf package)
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
reports=${YX_BENCH_REPORTS:-96}
if ((reports % conns)); then
    reports=$(((reports / conns + 1) * conns))
fi
warmup=${YX_BENCH_WARMUP:-$((reports / 5 > 2 * conns ? reports / 5 : 2 * conns))}
if ((warmup % conns)); then
    warmup=$(((warmup / conns + 1) * conns))
fi
grow=${YX_BENCH_GROW:-160}
((grow >= 0)) || grow=0
if ((grow % conns)); then
    grow=$(((grow / conns + 1) * conns))
fi
total=$((warmup + reports)) # reports per side, all phases
((grow > 0)) && total=$((total + grow + reports))
units=${YX_BENCH_UNITS:-$(((total + 7) / 8))}
((units > 500)) && [ -z "${YX_BENCH_UNITS:-}" ] && units=500
((units >= 1)) || units=1
pool=${YX_BENCH_POOL:-$conns}
shared_buffers=${YX_BENCH_SHARED_BUFFERS:-1GB}
statements=${YX_BENCH_STATEMENTS:-0}
explain=${YX_BENCH_EXPLAIN:-0}
perf=${YX_BENCH_PERF:-0}
if [ "$perf" = 1 ]; then
    command -v perf >/dev/null || die "YX_BENCH_PERF=1 needs perf (apt-get install linux-perf)"
fi
segments=${YX_BENCH_SEGMENTS:-2}
((segments >= 1)) || segments=1
order=${YX_BENCH_ORDER:-daemon-first}
case $order in
daemon-first | raw-first) ;;
*) die "YX_BENCH_ORDER: daemon-first or raw-first, not $order" ;;
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
raw=yx_raw # the schema of the raw side's tables
password=bench-Pa55word-not-secret

psql() { $YX_PSQL -At "$@"; }

# The harness's cluster has 32 MB of shared_buffers: the two districts would
# evict each other's pages, and a run would pay for the other side's. A
# server-sized buffer pool instead, holding both. No autovacuum: the work it
# does for one side's writes would land in the other side's time; each timed
# run starts instead on vacuumed, analyzed tables after a checkpoint.
# Durable commits for every side, as a deployment has them (the harness turns
# fsync off for speed; yanxiud sets synchronous_commit = on on its sessions).
psql -c "ALTER SYSTEM SET shared_buffers = '$shared_buffers'" \
    -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c 'ALTER SYSTEM SET autovacuum = off' \
    -c 'ALTER SYSTEM SET fsync = on' -c 'ALTER SYSTEM SET full_page_writes = on' \
    -c 'ALTER SYSTEM SET synchronous_commit = on' >/dev/null
# (ALTER SYSTEM knows no pg_stat_statements.* or auto_explain.* before the
# library is loaded)
libs=()
[ "$statements" != 1 ] || libs+=(pg_stat_statements)
((explain == 0)) || libs+=(auto_explain)
if ((${#libs[@]})); then
    echo "shared_preload_libraries = '$(IFS=,; echo "${libs[*]}")'" >>"$YX_DIR/pg/postgresql.conf"
fi
if [ "$statements" = 1 ]; then
    echo "pg_stat_statements.track = all" >>"$YX_DIR/pg/postgresql.conf"
fi
if ((explain > 0)); then
    printf '%s\n' "auto_explain.log_min_duration = '${explain}ms'" "auto_explain.log_analyze = on" \
        "auto_explain.log_nested_statements = on" >>"$YX_DIR/pg/postgresql.conf"
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
                      ORDER BY total_exec_time DESC LIMIT ${YX_BENCH_STATEMENTS_ROWS:-12}" | sed 's/^/    /'
}
# With YX_BENCH_EXPLAIN=MS: how many statements (nested ones too, in every
# backend: the daemon's pool as well as pgbench's) took MS ms or more since
# line $1 of PostgreSQL's log, and the five slowest nested ones (statements
# of a function: their log entries have a CONTEXT line; the top-level call
# is always the slowest and says nothing) with the plan of the slowest, from
# auto_explain.
explained() {
    ((explain > 0)) || return 0
    tail -n +$(($1 + 1)) "$YX_DIR/postgres.log" | awk -v ms="$explain" '
        function done(nested, q) {
            if (blk == "") return
            q = blk; sub(/^[^\n]*\n[ \t]*/, "", q); sub(/\n.*/, "", q)
            n++
            if (nested) { nn++; dur[nn] = d; text[nn] = substr(q, 1, 110) }
            if (nested && d > maxd) { maxd = d; best = blk }
            if (d > maxall) { maxall = d; bestall = blk }
            blk = ""
        }
        /^[0-9][0-9][0-9][0-9]-/ {
            if ($0 ~ /CONTEXT:/) { done(1); next }
            done(0)
            if ($0 ~ /duration: [0-9.]+ ms  plan:/) {
                match($0, /duration: [0-9.]+/)
                d = substr($0, RSTART + 10, RLENGTH - 10) + 0
                blk = $0
            }
            next
        }
        blk != "" { blk = blk "\n" $0 }
        END {
            done(0)
            printf "    auto_explain: %d statements of %d ms or more, %d of them nested%s\n",
                n, ms, nn, nn ? "; the slowest nested:" : ""
            for (j = 1; j <= 5 && j <= nn; j++) {
                m = 0
                for (i = 1; i <= nn; i++) if (!(i in shown) && (!m || dur[i] > dur[m])) m = i
                shown[m] = 1
                printf "      %.1f ms %s\n", dur[m], text[m]
            }
            if (best == "") best = bestall
            k = split(best, L, "\n")
            for (i = 1; i <= k && i <= 40; i++) print "    " L[i]
        }'
}
loglines() { wc -l <"$YX_DIR/postgres.log"; }

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

# The raw side's tables: the columns, checks, primary keys and indexes of the
# real ones (whatever the migrations made them), nothing else.
psql -c "CREATE SCHEMA $raw" \
    -c "CREATE TABLE $raw.activities (LIKE activities INCLUDING ALL)" \
    -c "CREATE TABLE $raw.attendance (LIKE attendance INCLUDING ALL)" \
    -c "GRANT USAGE ON SCHEMA $raw TO yanxiud" \
    -c "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA $raw TO yanxiud" >/dev/null ||
    die "creating the raw side's tables"
# Since migration 017 a sign-in row holds its activity's date: the raw side
# writes it too when the table has it.
raw_date=()
if [ "$(psql -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = '$raw'
                 AND table_name = 'attendance' AND column_name = 'date'")" = 1 ]; then
    raw_date=(--attendance-date)
fi
say "raw side: $raw.activities and $raw.attendance${raw_date:+ (sign-in rows with their date)}, with the indexes" \
    "$(psql -c "SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes
                WHERE schemaname = '$raw'")"
say "$reports timed reports per side and phase, warm-up $warmup, grow $grow," \
    "$conns connections, daemon pool_size $pool, $(nproc) CPUs;" \
    "$(psql -c "SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
                WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
                               'shared_buffers', 'autovacuum')")"

# --- CPU time -----------------------------------------------------------------------
# Seconds of CPU used so far by the cluster (the postmaster, the children it
# has reaped, e.g. pgbench's backends, and those alive: the daemon's backends,
# autovacuum, the checkpointer...) and by a process.
TIMEFORMAT='CPU %U %S' # of bash's time
clk=$(getconf CLK_TCK)
pg_pid=$(head -n 1 "$YX_DIR/pg/postmaster.pid")
# shellcheck source=tests/bench/cluster-cpu.sh
. "$here/cluster-cpu.sh"
pg_cpu() {
    awk -v t="$(cluster_ticks "$pg_pid")" -v hz="$clk" 'BEGIN { printf "%.3f", t / hz }'
}
proc_cpu() {
    awk -v hz="$clk" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"
}
# A + B and A - B
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", (n > 0 ? t * 1000 / n : 0) }'; }

# The P-th percentile (nearest rank) of a file of numbers, or "-".
pct() {
    sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 }
        END { if (!NR) { print "-"; exit }
              i = int(NR * p / 100); if (i < NR * p / 100) i++
              printf "%.1f\n", v[i] }'
}
# "p50 X ms, p99 Y ms" of a file of numbers.
percentiles() {
    [ -s "$1" ] || {
        echo "no samples"
        return
    }
    echo "p50 $(pct "$1" 50) ms, p99 $(pct "$1" 99) ms"
}

# --- the runs -------------------------------------------------------------------------
# Each run adds its seconds, reports and CPU seconds (the cluster's, yanxiud's,
# the client's) to the totals of its side, and its latencies (ms, one a line)
# to $B/<side>-latencies.
sides=(daemon direct raw)
declare -A secs count pgc dmc clc
reset_totals() {
    local s
    for s in "${sides[@]}"; do
        secs[$s]=0 count[$s]=0 pgc[$s]=0 dmc[$s]=0 clc[$s]=0
        : >"$B/$s-latencies"
    done
    : >"$B/daemon-durations"
}
reset_totals

# run_daemon FIRST COUNT LABEL: reports FIRST.. through the daemon (district $d_daemon).
run_daemon() {
    local first=$1 n=$2 label=$3 out lines s pg0 d0 status=0 ll
    settle
    ll=$(loglines)
    lines=$(wc -l <"$log")
    pg0=$(pg_cpu)
    d0=$(proc_cpu "$daemon_pid")
    { time YANXIU_PASSWORD=$password "$load" run --district "$d_daemon" --units "$units" \
        --first "$first" --reports "$n" --connections "$conns" --user "bench$d_daemon" \
        --key-prefix bench-daemon --label "$label" --latencies "$B/daemon-latencies" \
        --token-file "$B/token-daemon" \
        >"$B/out" 2>&1; } 2>"$B/time" || status=$?
    out=$(cat "$B/out")
    if [ "$status" != 0 ]; then
        printf '%s\n' "$out" >&2
        die "report_load run: some submissions failed (above)"
    fi
    printf '%s\n' "$out" | { grep -v '^RESULT' || true; }
    s=$(printf '%s\n' "$out" | sed -n 's/^RESULT .* seconds=\([0-9.]*\) .*/\1/p')
    [ -n "$s" ] || die "report_load printed no RESULT line"
    pgc[daemon]=$(sum "${pgc[daemon]}" "$(sub "$(pg_cpu)" "$pg0")")
    dmc[daemon]=$(sum "${dmc[daemon]}" "$(sub "$(proc_cpu "$daemon_pid")" "$d0")")
    clc[daemon]=$(sum "${clc[daemon]}" "$(awk '/^CPU/ { print $2 + $3 }' "$B/time")")
    secs[daemon]=$(sum "${secs[daemon]}" "$s")
    count[daemon]=$((count[daemon] + n))
    statements "$n"
    explained "$ll"
    # The same requests as yanxiud timed them (frame received to answer queued).
    # (none when the log level is above info)
    tail -n +$((lines + 1)) "$log" | { grep 'method=SubmitReport code=OK' || true; } |
        sed 's/.* duration=\([0-9.]*\)ms.*/\1/' >>"$B/daemon-durations"
}

# The session token of district $1's account, for session_begin (it hashes
# the token itself, sql/010): the daemon side's from report_load's token file,
# the direct side's from the CLI's session file.
token_of() {
    local t
    if [ "$1" = "$d_daemon" ]; then
        t=$(cat "$B/token-daemon" 2>/dev/null || true)
    else
        t=$(sed -n 's/^token *= *\([0-9a-f]\{64\}\).*/\1/p' "$B/home-$1/.config/yanxiu/session")
    fi
    [ ${#t} = 64 ] || die "no session of bench$1"
    echo "$t"
}

# pgbench_script SIDE DISTRICT FIRST KEYPREFIX: writes $B/SIDE.pgbench and
# $B/SIDE.defs, the script of reports FIRST.. (direct: report_submit in
# DISTRICT; raw: the raw statement).
pgbench_script() {
    local side=$1 d=$2 first=$3 prefix=$4 how
    if [ "$side" = raw ]; then
        how=(--raw "$raw" "${raw_date[@]}")
    else
        how=(--token "$(token_of "$d")" --key-prefix "$prefix")
    fi
    "$load" pgbench "${how[@]}" --district "$d" --units "$units" --first "$first" \
        --connections "$conns" --script "$B/$side.pgbench" --defs "$B/$side.defs" ||
        die "report_load pgbench"
}

# pgbench_run SIDE COUNT: runs $B/SIDE.pgbench for COUNT reports over $conns
# connections; sets pb_secs, and pb_cpu (pgbench's CPU seconds); the
# latencies (ms) are in $B/pgbench-run.
pgbench_run() {
    local side=$1 n=$2 defs=() line out status=0 tps
    while IFS= read -r line; do
        defs+=(-D "$line")
    done <"$B/$side.defs"
    rm -f "$B"/pgbench_log*
    # (time inside the subshell: `time (cd ...; exec pgbench) >out` prints nothing)
    (cd "$B" && { time "$pgbench" -h "$YX_PGHOST" -p "$YX_PGPORT" -U yanxiud -n \
        -M prepared -c "$conns" -j "$conns" -t $((n / conns)) -l --log-prefix=pgbench_log \
        -f "$B/$side.pgbench" "${defs[@]}" "$YX_DBNAME" >"$B/out" 2>&1; } 2>"$B/time") ||
        status=$?
    out=$(cat "$B/out")
    if [ "$status" != 0 ]; then
        printf '%s\n' "$out" | tail -n 20 >&2
        die "pgbench ($side) exited with status $status"
    fi
    tps=$(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial.*/\1/p')
    [ -n "$tps" ] || {
        printf '%s\n' "$out" >&2
        die "pgbench ($side) printed no tps"
    }
    pb_secs=$(awk -v n="$n" -v r="$tps" 'BEGIN { printf "%.3f", n / r }')
    pb_cpu=$(awk '/^CPU/ { print $2 + $3 }' "$B/time")
    [ -n "$pb_cpu" ] || die "no CPU time of pgbench in $B/time"
    cat "$B"/pgbench_log* | awk '{ printf "%.3f\n", $3 / 1000 }' >"$B/pgbench-run"
    rm -f "$B"/pgbench_log*
}

# run_pgbench SIDE FIRST COUNT LABEL: the same reports by pgbench, direct
# (district $d_direct) or raw.
run_pgbench() {
    local side=$1 first=$2 n=$3 label=$4 pg0 ll
    pgbench_script "$side" "$d_direct" "$first" bench-direct
    settle
    ll=$(loglines)
    pg0=$(pg_cpu)
    local prof=
    if [ "$perf" = 1 ]; then
        prof=$B/perf.data
        # the postmaster of this cluster: the backends it forks inherit the counters
        perf record -q -F 999 -p "$(head -n 1 "$YX_DIR/pg/postmaster.pid")" -o "$prof" \
            >/dev/null 2>&1 &
        prof_pid=$!
        sleep 0.5
    fi
    pgbench_run "$side" "$n"
    if [ -n "$prof" ]; then
        kill -INT "$prof_pid" && wait "$prof_pid" || true
    fi
    cat "$B/pgbench-run" >>"$B/$side-latencies"
    echo "$label: $n reports over $conns connections in $pb_secs s:" \
        "$(rate "$n" "$pb_secs") reports/s, latency $(percentiles "$B/pgbench-run")"
    pgc[$side]=$(sum "${pgc[$side]}" "$(sub "$(pg_cpu)" "$pg0")")
    clc[$side]=$(sum "${clc[$side]}" "$pb_cpu")
    secs[$side]=$(sum "${secs[$side]}" "$pb_secs")
    count[$side]=$((count[$side] + n))
    statements "$n"
    explained "$ll"
    if [ -n "$prof" ]; then
        # the postgres processes' functions, by share of their samples
        perf report -i "$prof" --comm postgres --sort symbol --stdio --percent-limit 1 \
            2>/dev/null | grep '%' | head -n 30 | sed 's/^/    perf /'
        rm -f "$prof"
    fi
}

# run SIDE FIRST COUNT LABEL
run() {
    case $1 in
    daemon) run_daemon "$2" "$3" "$4" ;;
    *) run_pgbench "$@" ;;
    esac
}

# What the database holds: reports (versions) and sign-in rows, all districts.
holding() {
    psql -c "SELECT (SELECT count(*) FROM report_versions) || ' report versions, ' ||
                    (SELECT count(*) FROM attendance) || ' sign-in rows (+ ' ||
                    (SELECT count(*) FROM $raw.attendance) || ' raw)'"
}

# phase NAME FIRST: REPORTS reports per side from number FIRST, in segments
# ordered daemon, direct, raw | raw, direct, daemon | ...; then its figures.
phase() {
    local name=$1 first=$2 seg k i n s o flip=0
    [ "$order" = daemon-first ] || flip=1
    reset_totals
    say "--- $name database: $(holding)"
    seg=$((reports / segments / conns * conns))
    ((seg > 0)) || seg=$conns
    k=$first
    for ((i = 1; k < first + reports; i++)); do
        n=$seg
        if ((k + n > first + reports || i == segments)); then
            n=$((first + reports - k))
        fi
        o=(daemon direct raw)
        if (((i + flip) % 2 == 0)); then
            o=(raw direct daemon)
        fi
        for s in "${o[@]}"; do
            run "$s" "$k" "$n" "$s, $name (segment $i)"
        done
        k=$((k + n))
    done
    figures "$name"
}

# figures NAME: prints the phase's figures and keeps its line for the end.
figures() {
    local name=$1 s r p50 p99 line cpu
    declare -gA rates
    for s in "${sides[@]}"; do
        r=$(rate "${count[$s]}" "${secs[$s]}")
        rates[$s]=$r
        p50=$(pct "$B/$s-latencies" 50)
        p99=$(pct "$B/$s-latencies" 99)
        cpu="PostgreSQL $(per "${pgc[$s]}" "${count[$s]}") ms"
        case $s in
        daemon)
            cpu="$cpu, yanxiud $(per "${dmc[$s]}" "${count[$s]}") ms"
            cpu="$cpu, report_load $(per "${clc[$s]}" "${count[$s]}") ms"
            ;;
        *) cpu="$cpu, pgbench $(per "${clc[$s]}" "${count[$s]}") ms" ;;
        esac
        line="$s: ${count[$s]} reports in ${secs[$s]} s: $r reports/s, latency p50 $p50 ms,"
        line="$line p99 $p99 ms, p99/p50 $(div "$p99" "$p50"); CPU per report: $cpu"
        if [ "$s" = daemon ] && [ -s "$B/daemon-durations" ]; then
            line="$line (latency as yanxiud timed it: $(percentiles "$B/daemon-durations"))"
        fi
        say "$name: $line"
        results+=("$name: $line")
    done
    line="$name: ratios at $conns connections: direct/raw $(div "${rates[direct]}" "${rates[raw]}")"
    line="$line (target at least 0.5), daemon/direct $(div "${rates[daemon]}" "${rates[direct]}")"
    line="$line (target at least 0.9); PostgreSQL CPU per report direct/raw"
    line="$line $(div "$(per "${pgc[direct]}" "${count[direct]}")" "$(per "${pgc[raw]}" "${count[raw]}")")"
    say "$line"
    results+=("$line")
}
results=()

# The empty database: an untimed warm-up of each side first, so that no run
# meets cold caches and plans made for empty tables.
run daemon 0 "$warmup" "daemon warm-up" >/dev/null
run direct 0 "$warmup" "direct warm-up" >/dev/null
run raw 0 "$warmup" "raw warm-up" >/dev/null
say "warmed up with $warmup reports per side, untimed"
phase empty "$warmup"
next=$((warmup + reports))

# The grown database: GROW more reports per side, untimed, through
# report_submit for both districts (pgbench of the direct script) and by the
# raw statement, then the timed runs again. They go in chunks of a month's
# reports (one per school), each followed by VACUUM ANALYZE, as autovacuum
# keeps the statistics of a live database. (report_submit's rate here depends
# on the plans its statistics give: 7 to 34 reports/s without the ANALYZEs,
# 13 with them, on main before issue 14.)
if ((grow > 0)); then
    chunk=$(((units + conns - 1) / conns * conns))
    declare -A grow_secs=([daemon]=0 [direct]=0 [raw]=0)
    t0=$SECONDS
    for ((k = next; k < next + grow; k += chunk)); do
        n=$((next + grow - k < chunk ? next + grow - k : chunk))
        for s in daemon direct raw; do
            case $s in
            daemon) pgbench_script direct "$d_daemon" "$k" bench-grow ;;
            direct) pgbench_script direct "$d_direct" "$k" bench-grow ;;
            raw) pgbench_script raw "$d_direct" "$k" - ;;
            esac
            pgbench_run "$([ $s = raw ] && echo raw || echo direct)" "$n"
            grow_secs[$s]=$(sum "${grow_secs[$s]}" "$pb_secs")
        done
        psql -c 'VACUUM ANALYZE' >/dev/null
    done
    say "grew each side by $grow reports in chunks of $chunk in $((SECONDS - t0)) s:" \
        "daemon's district $(rate "$grow" "${grow_secs[daemon]}") reports/s," \
        "direct's $(rate "$grow" "${grow_secs[direct]}"), raw $(rate "$grow" "${grow_secs[raw]}")"
    next=$((next + grow))
    phase grown "$next"
    next=$((next + reports))
fi

# --- all wrote the same: the reports, their rows, the ledger ----------------------------
summary() {
    psql -c "SELECT count(*), sum(activity_count), sum(attendance_count), sum(teacher_hours),
                    sum(flag_count)
             FROM report_versions WHERE district_code = '$1'"
}
# (the fine-grained ledger, a view since 017, and the two the rules read)
ledger() {
    local t
    for t in ledger ledger_months ledger_years; do
        psql -c "SELECT '$t', count(*), sum(hours), sum(absences) FROM $t WHERE district_code = '$1'"
    done
}
s_daemon=$(summary "$d_daemon")
s_direct=$(summary "$d_direct")
l_daemon=$(ledger "$d_daemon")
l_direct=$(ledger "$d_direct")
s_raw=$(psql -c "SELECT (SELECT count(DISTINCT report_id) FROM $raw.activities) || '|' ||
                        (SELECT count(*) FROM $raw.activities) || '|' ||
                        (SELECT count(*) FROM $raw.attendance)")
say "written (reports|activities|sign-ins|teacher-hours|flags): daemon $s_daemon," \
    "direct $s_direct; raw (reports|activities|sign-ins) $s_raw"
[ "${s_daemon%%|*}" = "$next" ] ||
    die "the daemon's district holds ${s_daemon%%|*} reports, not $next"
[ "$s_daemon" = "$s_direct" ] || die "the two districts hold different reports"
[ "$l_daemon" = "$l_direct" ] || die "the two districts hold different ledgers: $l_daemon / $l_direct"
[ "${s_daemon##*|}" = 0 ] || die "the reports raised flags"
IFS='|' read -r _ n_act n_att _ <<<"$s_direct"
[ "$s_raw" = "$next|$n_act|$n_att" ] ||
    die "the raw tables hold $s_raw (reports|activities|sign-ins), not $next|$n_act|$n_att"

say "=== figures (load average $(cut -d' ' -f1-3 /proc/loadavg) now):"
printf '  %s\n' "${results[@]}"

stop_daemon
trap - EXIT
