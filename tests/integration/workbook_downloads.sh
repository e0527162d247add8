#!/bin/bash
# workbook_downloads: the Workbook request (the web console's downloads) answers the same
# workbook the CLI writes. A small county with a month of hours; the CLI writes each workbook
# (report and roster templates, compliance teachers and units, reporting rates, a teacher's
# 登记手册) as the school and as the district, in Chinese and in English; then
# workbook_downloads.py asks the daemon for each over the TCP protocol and compares them sheet
# by sheet, cell by cell (values and number formats), with the file's name and type, and checks
# that a school asking for another unit's workbook is refused as the view refuses it. With
# YX_WORKBOOK_LIMIT=BYTES (a daemon of a small max_frame): a workbook larger is refused.
# Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU, YX_YANXIUD, YX_CONF, YX_DIR,
# YX_PSQL).
# shellcheck disable=SC2016
set -uo pipefail

T=$YX_DIR/workbook_downloads
F=$T/files
W=$T/cli
mkdir -p "$F" "$W"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/tap.sh
source "$here/tap.sh"
# shellcheck source=tests/integration/small_county.sh
source "$here/small_county.sh"

# --- district, units, roster, accounts, policy, one month of hours -----------------
D=411423
"$YX_YANXIUD" -c "$YX_CONF" district add $D 宁陵县 >/dev/null || die "district add"
small_county_accounts $D dist:district school:school:4114230001 junior:school:4114230010
small_county_files "$F"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
cat >"$F/teachers.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组,状态
C001,张丽,4114230001,语文,语文,
C002,王强,4114230002,数学,数学,
C003,李华,4114230002,英语,英语,
C004,赵敏,4114230002,语文,语文,
C005,孙悦,4114230002,音乐,综合,离职
J001,刘洋,4114230010,数学,数学,
J002,陈静,4114230010,语文,语文,
EOF
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"
run dist policy set "$F/policy.ini" --effective 2020-01-01
[ "$rc" = 0 ] || die "policy set: $err"
mkdir -p "$F/oct"
cat >"$F/oct/activities.csv" <<'EOF'
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,主持人,学时
A01,2026-10-09,14:00,17:00,师德专题讲座,师德,专题培训,校级,集中,张丽,3
A02,2026-10-16,14:00,16:00,课例研究：分数的意义,学科专业知识,课例研究,镇级,集中,王强,2
EOF
cat >"$F/oct/attendance.csv" <<'EOF'
活动编号,教师编号,签到
A01,C001,出席
A01,C002,出席
A01,C003,出席
A01,C004,出席
A02,C001,出席
A02,C003,缺席
EOF
run school report submit "$F/oct" --month 2026-10
[ "$rc" = 0 ] || die "report submit: $err"
ASOF=2027-09-01

# Under a small max_frame (ctest's workbook_too_large), only the bound is tried.
if [ "${YX_WORKBOOK_LIMIT:-}" ]; then
    /usr/bin/python3 "$here/workbook_downloads.py" "$W" "$YX_DIR/workbook_pb" ASOF=$ASOF \
        "LIMIT=$YX_WORKBOOK_LIMIT"
    py=$?
    finish && [ $py = 0 ]
    exit
fi

# --- what the CLI writes: NAME.zh.xlsx (Chinese, the default), NAME.en.xlsx (English) --------
# cli WHO NAME ARGS...: the workbook ARGS write to -o (or --xlsx) $W/NAME.<lang>.xlsx.
cli() {
    local who=$1 name=$2
    shift 2
    local args=("$@")
    run_default "$who" "${args[@]//@OUT@/$W/$name.zh.xlsx}"
    [ "$rc" = 0 ] || die "$who ${args[*]} (zh): $err"
    run "$who" "${args[@]//@OUT@/$W/$name.en.xlsx}"
    [ "$rc" = 0 ] || die "$who ${args[*]} (en): $err"
}
cli school school-report-template report template --xlsx @OUT@
cli dist dist-report-template report template --xlsx @OUT@ --unit 4114230001
cli school roster-template roster template --xlsx @OUT@
cli school school-history teacher history C001 -o @OUT@
cli dist dist-history teacher history C003 -o @OUT@
cli school school-teachers compliance teachers --year 2026 --as-of $ASOF -o @OUT@
cli dist dist-teachers compliance teachers --year 2026 --cycle --as-of $ASOF -o @OUT@
cli school school-units compliance units --year 2026 --as-of $ASOF -o @OUT@
cli dist dist-units compliance units --year 2026 --as-of $ASOF -o @OUT@
cli school school-rates reporting-rates --year 2026 --as-of $ASOF -o @OUT@
cli dist dist-rates reporting-rates --year 2026 --as-of $ASOF -o @OUT@
cli dist dist-rates-month reporting-rates --month 2026-10 --as-of $ASOF -o @OUT@
t "the CLI wrote its workbooks"

# --- the daemon's, compared --------------------------------------------------------------------
/usr/bin/python3 "$here/workbook_downloads.py" "$W" "$YX_DIR/workbook_pb" ASOF=$ASOF
py=$?
finish && [ $py = 0 ]
