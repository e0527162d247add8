#!/bin/bash
# The compliance views at province scale (issue 5): a province deployment
# serves every county of the province, so its tables hold ~500 000 teachers
# while each view asks about one district. This writes such a data set
# directly with SQL — districts of 267 units x 30 teachers, each teacher with
# 12 months of ledger rows (ledger_months) and their yearly roll-up
# (ledger_years) — and times at the client, through yanxiud, the views of one
# district: `compliance units`, `compliance teachers` for the district and
# for one unit, and `reporting-rates`.
#
#   tests/harness/with-server tests/bench/province-views.sh
#
# YX_BENCH_DISTRICTS: how many districts (default 63: 504 630 teachers, 6
# million ledger_months rows). Unlike compliance-bench.sh, the data do NOT
# come through the submit path and there are no sign-in rows or reports (the
# ledgers are what the views read; loading 60 million sign-in rows through
# yanxiud would take hours here): reporting-rates shows every month missing.
# It prints the figures and fails only when something errs.
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
token=$(find "$B/home" -name session -type f | head -1)
[ -n "$token" ] || die "no session file after login"

echo "province-views: writing $n districts x 267 units x 30 teachers with 12 months of ledger rows"
start=$(date +%s.%N)
$YX_PSQL -v ON_ERROR_STOP=1 -q <<SQL || die "writing the data set failed"
SET synchronous_commit = off;
INSERT INTO schools (code, district_code, name, kind, unit_code)
SELECT '4301' || lpad(d::text, 2, '0') || lpad(u::text, 4, '0'), '4301' || lpad(d::text, 2, '0'),
       format('基准学校%s-%s', d, u), 'junior', '4301' || lpad(d::text, 2, '0') || lpad(u::text, 4, '0')
FROM generate_series(1, $n) d, generate_series(1, 267) u;
INSERT INTO teachers (district_code, code, name, school_code, subject, research_group)
SELECT s.district_code, 'P' || lpad(((u.n - 1) * 30 + k)::text, 5, '0'),
       format('教师%s', k), s.code, '语文', (ARRAY['语文', '数学', '综合'])[1 + k % 3]
FROM schools s, LATERAL (SELECT right(s.code, 4)::int) u(n), generate_series(1, 30) k
WHERE s.district_code LIKE '4301%';
-- 12 months (2025-12 .. 2026-11) per teacher: 4 to 10 hours, some of them school-based
INSERT INTO ledger_months (district_code, teacher_code, month, approved, hours, school_hours,
    ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits, absences)
SELECT t.district_code, t.code, m::date, false, h, h - 2, 1, 2, 0, h, 0,
       (abs(hashtext(t.code || m::text)) % 40 = 0)::int
FROM teachers t, generate_series('2025-12-01'::date, '2026-11-01'::date, '1 month') m,
     LATERAL (SELECT 4 + abs(hashtext(t.code || m::text)) % 7) x(h)
WHERE t.district_code LIKE '4301%';
INSERT INTO ledger_years (district_code, teacher_code, basis, year, approved, hours, school_hours,
    ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits, absences)
SELECT m.district_code, m.teacher_code, b.basis,
       CASE WHEN b.basis = 'school'
            THEN extract(year FROM m.month)::int - (extract(month FROM m.month) < 9)::int
            ELSE extract(year FROM m.month)::int END,
       m.approved, sum(m.hours), sum(m.school_hours), sum(m.ethics_hours),
       sum(m.centralized_hours), sum(m.homeroom_hours), sum(m.credit_hours), sum(m.credits),
       sum(m.absences)
FROM ledger_months m CROSS JOIN (VALUES ('calendar'), ('school')) AS b(basis)
WHERE m.district_code LIKE '4301%'
GROUP BY 1, 2, 3, 4, 5;
VACUUM ANALYZE schools, teachers, ledger_months, ledger_years;
SQL
end=$(date +%s.%N)
counts=$($YX_PSQL -Atc "SELECT (SELECT count(*) FROM teachers WHERE district_code LIKE '4301%') || ' teachers, ' ||
    (SELECT count(*) FROM ledger_months WHERE district_code LIKE '4301%') || ' ledger_months rows, ' ||
    (SELECT count(*) FROM ledger_years WHERE district_code LIKE '4301%') || ' ledger_years rows'")
echo "province-views: $counts, written in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }') s"

# The token of the session (token = 64 hex digits), as compliance_time reads it.
sed -n 's/^token *= *\([0-9a-f]\{64\}\).*/\1/p' "$token" >"$B/token"
[ -s "$B/token" ] || die "no token in $token"
"$timer" --server "$YX_SERVER" --token-file "$B/token" --year 2025 --unit "${d}0001" --repeat 5
