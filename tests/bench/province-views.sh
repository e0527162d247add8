#!/bin/bash
# The compliance views at province scale (issues 5 and 14): a province
# deployment serves every county of the province, so its tables hold ~500 000
# teachers while each view asks about one district. This builds such a data
# set through the real path — the schools and rosters written with SQL, then
# every report of MONTHS months of every district loaded through the
# historical import in bulk (SubmitBatch: report_submit with its checks,
# flags and ledgers, tests/bench/bulk_load) — and times at the client,
# through yanxiud, the views of one district: `compliance units`,
# `compliance teachers` for the district and for one unit, and
# `reporting-rates`. It prints the load time, the rate, the database's size
# and the rows, and fails only when something errs.
#
#   tests/harness/with-server tests/bench/province-views.sh
#
# Settings: YX_BENCH_DISTRICTS, how many districts of 267 units x 30 teachers
# (default 63: 504 630 teachers; each district-year is 3 204 reports of 8
# activities x 30 sign-ins, 769 000 sign-in rows: the whole province is
# ~200 000 reports and ~48 million sign-in rows, hours on a small machine);
# YX_BENCH_MONTHS, the months loaded (default 12); YX_BENCH_UNITS, units a
# district (default 267); YX_BENCH_BATCH, reports a request (default 100);
# YX_BENCH_CONNECTIONS (default 2); YX_BULK_LOAD, the loader.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
die() {
    echo "province-views: $*" >&2
    exit 1
}
for v in YX_DIR YX_CONF YX_SERVER YX_YANXIUD YX_YANXIU YX_PSQL; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server"
done
build=${YX_BUILD_DIR:-$root/build-tests}
timer=${YX_COMPLIANCE_TIME:-$build/tests/compliance_time}
[ -x "$timer" ] || die "compliance_time not built"
n=${YX_BENCH_DISTRICTS:-63}
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 99 ] || die "YX_BENCH_DISTRICTS is 1 to 99"
months=${YX_BENCH_MONTHS:-12}
units=${YX_BENCH_UNITS:-267}
batch=${YX_BENCH_BATCH:-100}
conns=${YX_BENCH_CONNECTIONS:-2}
bulk=${YX_BULK_LOAD:-$build/tests/bulk_load}
[ -x "$bulk" ] || die "bulk_load not built"

B=$YX_DIR/pbench
mkdir -p "$B/home"
export HOME=$B/home XDG_CONFIG_HOME=$B/home YANXIU_PASSWORD=bench-password-1234
# Districts 4301NN (NN = 01 .. n); the views are timed on the first.
for i in $(seq 1 "$n"); do
    "$YX_YANXIUD" -c "$YX_CONF" district add "$(printf '4301%02d' "$i")" "省基准县$i" >/dev/null ||
        die "district add"
done
d=430101
"$YX_YANXIUD" -c "$YX_CONF" user add pbench --role district --district $d >/dev/null ||
    die "user add"
"$YX_YANXIU" --server "$YX_SERVER" login --user pbench >/dev/null || die "login"
"$YX_YANXIUD" -c "$YX_CONF" user add pload --role admin >/dev/null || die "user add pload"
token=$(find "$B/home" -name session -type f | head -1)
[ -n "$token" ] || die "no session file after login"

echo "province-views: $n districts x $units units x 30 teachers; $months months of reports through the bulk path"
db_size() { $YX_PSQL -Atc "SELECT pg_database_size(current_database())"; }
size0=$(db_size)
$YX_PSQL -v ON_ERROR_STOP=1 -q <<SQL || die "writing the schools and rosters failed"
INSERT INTO schools (code, district_code, name, kind, unit_code)
SELECT '4301' || lpad(d::text, 2, '0') || lpad(u::text, 4, '0'), '4301' || lpad(d::text, 2, '0'),
       format('基准学校%s-%s', d, u), 'junior', '4301' || lpad(d::text, 2, '0') || lpad(u::text, 4, '0')
FROM generate_series(1, $n) d, generate_series(1, $units) u;
-- the teachers as tests/bench/report_load files names them (T<unit>-01 .. 30)
INSERT INTO teachers (district_code, code, name, school_code, subject, research_group)
SELECT s.district_code, 'T' || s.code || '-' || lpad(k::text, 2, '0'),
       format('教师%s', k), s.code, '语文', (ARRAY['语文', '数学', '综合'])[1 + k % 3]
FROM schools s, generate_series(1, 30) k
WHERE s.district_code LIKE '4301%';
VACUUM ANALYZE schools, teachers;
SQL
start=$(date +%s.%N)
for i in $(seq 1 "$n"); do
    dc=$(printf '4301%02d' "$i")
    YANXIU_PASSWORD=bench-password-1234 "$bulk" --district "$dc" --units "$units" \
        --months "$months" --batch "$batch" --connections "$conns" --user pload \
        --token-file "$B/load-token" --key-prefix "prov$dc" --label "load $dc" |
        grep -v '^RESULT' || die "loading district $dc through the bulk path failed"
done
end=$(date +%s.%N)
$YX_PSQL -qc 'VACUUM ANALYZE' >/dev/null
size1=$(db_size)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
reports=$((n * units * months))
counts=$($YX_PSQL -Atc "SELECT (SELECT count(*) FROM teachers WHERE district_code LIKE '4301%') || ' teachers, ' ||
    (SELECT count(*) FROM report_versions WHERE district_code LIKE '4301%') || ' reports, ' ||
    (SELECT count(*) FROM attendance WHERE district_code LIKE '4301%') || ' sign-in rows, ' ||
    (SELECT count(*) FROM ledger_months WHERE district_code LIKE '4301%') || ' ledger_months rows'")
echo "province-views: $counts, loaded through the bulk path in $secs s ($(awk -v r="$reports" -v s="$secs" 'BEGIN { printf "%.1f", r / (s > 0 ? s : 1) }') reports/s, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "province-views: database $((size0 / 1048576)) MB before, $((size1 / 1048576)) MB after ($(((size1 - size0) / reports)) bytes a report)"
$YX_PSQL -F ' ' -Atc "SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid))
    FROM pg_class c WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
    ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6" | sed 's/^/    /'

# The token of the session (token = 64 hex digits), as compliance_time reads it.
sed -n 's/^token *= *\([0-9a-f]\{64\}\).*/\1/p' "$token" >"$B/token"
[ -s "$B/token" ] || die "no token in $token"
"$timer" --server "$YX_SERVER" --token-file "$B/token" --year 2025 --unit "${d}0001" --repeat 5
