#!/bin/bash
# The compliance views at scale (issue 5): builds a district through the real
# submit path (report_load: units of 30 teachers, one report of 8 activities
# x 30 teachers per unit and month, 12 months), then times at the client,
# from request to last row, `compliance units`, `compliance teachers` for the
# whole district and for one unit, and `reporting-rates`; and beside them
# PostgreSQL summing the same year's hours per teacher from the raw sign-in
# rows (what the ledger saves), and reading them kept per teacher
# (compliance_years, what the views read), best of 3.
#
#   tests/harness/with-server tests/bench/compliance-bench.sh
#
# YX_BENCH_SCALE: small (20 units, 600 teachers; the default, what ./tests/run
# runs), county (267 units, 8 010 teachers, ~770 000 sign-in rows) or city
# (1 667 units, 50 010 teachers, ~4.8 million sign-in rows). It prints the
# figures and fails only when something errs, never on the figures.
#
# The cluster runs with a deployment's shared_buffers, not the harness's 32 MB:
# PostgreSQL's default of 128 MB, which deploy/ leaves as it is (neither
# deploy/quickstart nor deploy/setup-db.sql sets it); YX_BENCH_SHARED_BUFFERS
# changes it. Autovacuum stays on, as on a server; after the load one VACUUM
# ANALYZE leaves the tables as autovacuum leaves them once it has caught up
# (the views are timed on that state, not on whatever pass happened to run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
die() {
    echo "compliance-bench: $*" >&2
    exit 1
}
for v in YX_DIR YX_CONF YX_SERVER YX_YANXIUD YX_YANXIU YX_PSQL YX_PG_STOP YX_PG_START; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server"
done
case ${YX_BENCH_SCALE:-small} in
small) units=20 ;;
county) units=267 ;;
city) units=1667 ;;
*) die "YX_BENCH_SCALE is small, county or city" ;;
esac
build=${YX_BUILD_DIR:-$root/build-tests}
load=${YX_REPORT_LOAD:-$build/tests/report_load}
timer=${YX_COMPLIANCE_TIME:-$build/tests/compliance_time}
[ -x "$load" ] && [ -x "$timer" ] || die "report_load or compliance_time not built"

d=419901
B=$YX_DIR/cbench
mkdir -p "$B/home"
export HOME=$B/home XDG_CONFIG_HOME=$B/home YANXIU_PASSWORD=bench-password-1234
sb=${YX_BENCH_SHARED_BUFFERS:-128MB}
$YX_PSQL -c "ALTER SYSTEM SET shared_buffers = '$sb'" >/dev/null || die "ALTER SYSTEM"
{ eval "$YX_PG_STOP" && eval "$YX_PG_START"; } >/dev/null || die "restarting PostgreSQL failed"
for ((i = 0; i < 100; i++)); do # the daemon's pool reconnects
    timeout 3 "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 && break
    sleep 0.2
done
"$YX_YANXIUD" -c "$YX_CONF" district add $d 基准县 >/dev/null || die "district add"
"$YX_YANXIUD" -c "$YX_CONF" user add cbench --role district --district $d >/dev/null ||
    die "user add"
"$YX_YANXIU" --server "$YX_SERVER" login --user cbench >/dev/null || die "login"
"$load" files --district $d --units $units --units-csv "$B/units.csv" \
    --roster-csv "$B/roster.csv" || die "report_load files"
"$YX_YANXIU" units import "$B/units.csv" >/dev/null || die "units import"
"$YX_YANXIU" roster import "$B/roster.csv" >/dev/null || die "roster import"

reports=$((units * 12))
echo "compliance-bench: scale ${YX_BENCH_SCALE:-small}: $units units, $((units * 30)) teachers," \
    "$reports reports of 240 sign-in rows through yanxiud"
start=$(date +%s.%N)
"$load" run --district $d --units $units --reports $reports --connections 8 --user cbench \
    --server "$YX_SERVER" --token-file "$B/token" --key-prefix compliance-bench-key- >"$B/load.out" ||
    die "report_load run: $(tail -3 "$B/load.out")"
end=$(date +%s.%N)
echo "compliance-bench: loaded in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s ($(grep -m1 'reports/s' "$B/load.out" || true))"
$YX_PSQL -Atc "VACUUM ANALYZE" >/dev/null
rows=$($YX_PSQL -Atc "SELECT count(*) FROM attendance WHERE district_code = '$d'")
lrows=$($YX_PSQL -Atc "SELECT count(*) FROM ledger_months WHERE district_code = '$d'")
echo "compliance-bench: $rows sign-in rows, $lrows ledger_months rows;" \
    "shared_buffers $($YX_PSQL -Atc 'SHOW shared_buffers'), autovacuum $($YX_PSQL -Atc 'SHOW autovacuum')," \
    "VACUUM ANALYZE after the load"

# The school year 2025 (2025-09 .. 2026-08) holds 9 of the 12 months loaded.
echo "compliance-bench: load average$(uptime | sed 's/.*load average//')"
"$timer" --server "$YX_SERVER" --token-file "$B/token" --year 2025 --unit "${d}0001" --repeat 5

raw="SELECT t.teacher_code, sum(CASE WHEN t.status IN ('present', 'late')
            THEN coalesce(t.hours, a.hours) ELSE 0 END)
     FROM reports r
     JOIN attendance t ON t.report_id = r.id AND t.version = r.current_version
     JOIN activities a ON a.report_id = t.report_id AND a.version = t.version AND a.idx = t.act_idx
     WHERE r.district_code = '$d' AND r.month BETWEEN '2025-09-01' AND '2026-08-01'
       AND r.status IN ('submitted', 'approved')
     GROUP BY t.teacher_code"
ledger="SELECT teacher_code, sum(hours) FROM ledger_months
        WHERE district_code = '$d' AND month BETWEEN '2025-09-01' AND '2026-08-01'
        GROUP BY teacher_code"
years="SELECT teacher_code, sum(hours) FROM ledger_years
       WHERE district_code = '$d' AND basis = 'school' AND year = 2025
       GROUP BY teacher_code"
kept="SELECT teacher_code, hours FROM compliance_years
      WHERE district_code = '$d' AND basis = 'school' AND year = 2025"
best() { # best of 3 server times of a query, in ms
    for _ in 1 2 3; do
        $YX_PSQL -At -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
    done | sort -n | head -1
}
r=$(best "$raw")
l=$(best "$ledger")
y=$(best "$years")
k=$(best "$kept")
echo "compliance-bench: hours per teacher for the year from the raw sign-in rows: $r ms (PostgreSQL alone)"
echo "compliance-bench: the same from the monthly roll-up (ledger_months):     $l ms ($(awk -v r="$r" -v l="$l" 'BEGIN { printf "%.1f", r / l }')x faster)"
echo "compliance-bench: the same from the yearly roll-up (ledger_years):       $y ms ($(awk -v r="$r" -v l="$y" 'BEGIN { printf "%.1f", r / l }')x faster)"
echo "compliance-bench: the same kept per teacher (compliance_years, 018):     $k ms ($(awk -v r="$r" -v l="$k" 'BEGIN { printf "%.1f", r / l }')x faster; what the views read)"
echo "compliance-bench: load average$(uptime | sed 's/.*load average//')"
"$YX_YANXIUD" -c "$YX_CONF" verify-ledger >/dev/null || die "verify-ledger found differences"
echo "compliance-bench: verify-ledger: the ledger agrees with the rows"
