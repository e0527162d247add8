#!/bin/bash
# The defects of issue 12 and the historical import (历史导入), from the CLI as
# a school and the district office meet them: a month whose deadline has not
# passed is not_due, not missing; the registration handbook (登记手册) in Excel
# names the teacher, shows Chinese values and the credits compliance counts;
# the review diff names an activity's changed fields and the changed sign-ins;
# the return reason in the school's list, 主讲人/地点 in report show; a record
# dated after its submission is flagged and results as of a future day are
# provisional; a report entered by the district with its true submission time
# is judged by that time, audited and shown as imported, and a school may not.
# The months are counted back from today (Asia/Shanghai), so that the test
# means the same on any day. Runs under tests/harness/with-server.
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/cli_defects
mkdir -p "$T/files"
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
# shellcheck source=tests/integration/small_county.sh
source "$(dirname "${BASH_SOURCE[0]}")/small_county.sh"
PY=/usr/bin/python3 # Debian's, with openpyxl

# json PYTHON: runs PYTHON with d = the JSON on stdout of the last run.
json() { printf '%s' "$out" | $PY -c "import json, sys; d = json.load(sys.stdin); $1"; }
sql() { $YX_PSQL -Atc "$1"; }

# months counted back from today: M0 this month, M2 two months ago, ...
month_back() { TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-15) -$1 month" +%Y-%m; }
M0=$(month_back 0)
M2=$(month_back 2)
M3=$(month_back 3)
M4=$(month_back 4)
M1=$(month_back 1)
TODAY=$(TZ=Asia/Shanghai date +%F)
# the school year (September on) of a month
school_year() { local y=${1%-*} m=${1#*-}; echo $((10#$m >= 9 ? y : y - 1)); }

# --- district, units, roster, accounts ------------------------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add 411423 宁陵县 >/dev/null || die "district add 411423"
small_county_accounts 411423 dist:district school:school:4114230001
CENTRAL=4114230001
JUNIOR=4114230010
small_county_files "$F"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
cat >"$F/teachers.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组
C001,张丽,4114230001,语文,语文
C002,王强,4114230002,数学,数学
J001,刘洋,4114230010,数学,数学
J002,陈静,4114230010,语文,语文
EOF
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"

# report DIR MONTH UNIT-TEACHERS SPEAKER STATUS2 [DAY]: a report of MONTH with two activities
# (A01 on day DAY, default 09, speaker SPEAKER; A02 on the 16th) signed in by the two teachers
# given ("C001 C002"), the second teacher's A02 status STATUS2, and an external record.
report() {
    local d=$1 m=$2 speaker=$4 st2=$5 day=${6:-09}
    read -r t1 t2 <<<"$3"
    mkdir -p "$d"
    cat >"$d/activities.csv" <<EOF
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,地点,主持人,主讲人,学时
A01,$m-$day,14:30,16:30,师德专题讲座,师德,专题培训,校级,集中,中心校会议室,张丽,$speaker,2
A02,$m-16,08:00,11:30,课例研究：分数的意义,学科专业知识,课例研究,镇级,集中,城关镇第一小学,王强,王强,3
EOF
    cat >"$d/attendance.csv" <<EOF
活动编号,教师编号,签到,学时
A01,$t1,出席,
A01,$t2,出席,
A02,$t1,出席,
A02,$t2,$st2,
EOF
    cat >"$d/external.csv" <<EOF
教师编号,日期,名称,内容类别,级别,方式,学时,学分,证书编号
$t1,$m-20,国家智慧教育平台专题研修,信息技术,国家级,远程,10,,
EOF
}

# --- historical import: a district enters past reports with their true times ------
# M2's deadline (day 5 of M1 by default) has passed; M1-03 is before it.
report "$F/j-m2" "$M2" "J001 J002" 县教研室李老师 出席
run dist report submit "$F/j-m2" --month "$M2" --unit $JUNIOR --submitted-at "$M1-03 10:20" \
    --format json
expect import_on_time_keeps_the_given_time \
    '[ $rc = 0 ] && json "
assert d[\"imported\"] is True and d[\"on_time\"] is True, d
assert d[\"submitted_at\"] == \"$M1-03T10:20:00+08:00\", d
assert d[\"first_submitted_at\"] == d[\"submitted_at\"], d
"'
expect import_is_audited_as_such \
    '[ "$(sql "select count(*) from audit_log where action = '"'"'report import'"'"' and outcome like '"'"'%$M1-03 10:20 (历史导入)%'"'"'")" = 1 ]'
run dist report list --format json --unit $JUNIOR --month "$M2"
expect import_list_json_says_imported \
    '[ $rc = 0 ] && json "assert len(d) == 1 and d[0][\"imported\"] is True, d"'
run dist report list --unit $JUNIOR --month "$M2" --format csv
expect import_list_csv_has_imported_column \
    '[ $rc = 0 ] && [[ $out == *imported,return_reason* ]] && [[ $(sed -n 2p <<<"$out") == *,yes,* ]]'
run dist report show $JUNIOR "$M2"
# defect f: not "submitted by dist" as if the school had sent it now
expect show_names_import_and_who_entered_it \
    '[ $rc = 0 ] && [[ $out == *"$M1-03 10:20, entered afterwards by dist (历史导入)"* ]] &&
     [[ $out != *"10:20 by dist"* ]]'
run_default dist report show $JUNIOR "$M2"
expect show_names_import_and_who_entered_it_in_chinese \
    '[ $rc = 0 ] && [[ $out == *"上报时间：已于 $M1-03 10:20 上报（历史导入，由 dist 补录）"* ]]'

# late: M3's deadline is day 5 of M2; it arrived on the 9th
report "$F/j-m3" "$M3" "J001 J002" 县教研室李老师 出席
run dist report submit "$F/j-m3" --month "$M3" --unit $JUNIOR --submitted-at "$M2-09T16:00:00+08:00" \
    --format json
expect import_late_is_judged_by_the_given_time \
    '[ $rc = 0 ] && json "assert d[\"imported\"] is True and d[\"on_time\"] is False, d"'

# refused: by a school, in the future, before the month, malformed; nothing written
versions() { sql "select count(*) from report_versions"; }
before=$(versions)
report "$F/c-m4" "$M4" "C001 C002" 王校长 出席
run school report submit "$F/c-m4" --month "$M4" --submitted-at "$M3-02 09:00"
expect import_by_a_school_is_permission_denied \
    '[ $rc != 0 ] && [[ $err == *PERMISSION_DENIED* ]] && [[ $err == *历史导入* ]] && [ "$(versions)" = "$before" ]'
run dist report submit "$F/c-m4" --month "$M4" --unit $CENTRAL --submitted-at "$(TZ=Asia/Shanghai date -d tomorrow +%F) 09:00"
expect import_in_the_future_is_refused \
    '[ $rc != 0 ] && [[ $err == *submitted_at* ]] && [[ $err == *future* ]] && [ "$(versions)" = "$before" ]'
run dist report submit "$F/c-m4" --month "$M4" --unit $CENTRAL --submitted-at "$(month_back 5)-28 10:00"
expect import_before_the_month_is_refused \
    '[ $rc != 0 ] && [[ $err == *"before the month"* ]] && [ "$(versions)" = "$before" ]'
run dist report submit "$F/c-m4" --month "$M4" --unit $CENTRAL --submitted-at "last tuesday"
expect import_malformed_time_is_refused_with_the_value \
    '[ $rc != 0 ] && [[ $err == *submitted_at* ]] && [[ $err == *"last tuesday"* ]] && [ "$(versions)" = "$before" ]'

# --- defect e: a record dated after the day it was submitted is flagged ----------------
# Imported on the 1st of M4 with its first activity on the 9th: not yet held then.
report "$F/j-m4" "$M4" "J001 J002" 县教研室李老师 出席
run dist report submit "$F/j-m4" --month "$M4" --unit $JUNIOR --submitted-at "$M4-01 08:00" --format json
expect future_dated_activity_is_flagged \
    '[ $rc = 0 ] && json "
k = [f for f in d[\"flags\"] if f[\"kind\"] == \"future_date\"]
assert any(\"A01\" in f[\"detail\"] for f in k), d
assert any(f[\"teacher_code\"] == \"J001\" for f in k), d   # the external record of the 20th
"'
# submitted today by the district for the junior school: an activity dated tomorrow (when
# tomorrow is still this month)
TOMORROW=$(TZ=Asia/Shanghai date -d tomorrow +%F)
junior_m0=""
if [ "${TOMORROW%-*}" = "$M0" ]; then
    report "$F/j-m0" "$M0" "J001 J002" 县教研室李老师 出席 "${TOMORROW##*-}"
    run dist report submit "$F/j-m0" --month "$M0" --unit $JUNIOR --format json
    expect activity_dated_tomorrow_is_flagged \
        '[ $rc = 0 ] && json "
assert d[\"imported\"] is False, d
assert any(f[\"kind\"] == \"future_date\" and \"A01\" in f[\"detail\"] for f in d[\"flags\"]), d
"'
    run_default dist report show $JUNIOR "$M0"
    expect flag_detail_in_chinese '[ $rc = 0 ] && [[ $out == *"活动 A01 的日期晚于上报当天"* ]]'
    junior_m0=on_time
else
    t "activity_dated_tomorrow_is_flagged # skip: today is the month's last day"
fi

# --- defect a: a month not yet due is not_due, not missing, and not expected --------------
# the central school has sent nothing for this month: not_due; the junior school's report
# that came early (when it did) is expected and received
run dist reporting-rates --month "$M0" --format json
expect month_not_yet_due_is_not_due_and_not_expected \
    '[ $rc = 0 ] && json "
early = \"$junior_m0\" != \"\"
assert [(m[\"expected\"], m[\"received\"]) for m in d[\"months\"]] == [(1, 1) if early else (0, 0)], d
assert {c[\"unit_code\"]: c[\"state\"] for c in d[\"matrix\"]} == {\"$CENTRAL\": \"not_due\", \"$JUNIOR\": \"on_time\" if early else \"not_due\"}, d
"'
run dist reporting-rates --month "$M3" --format json
expect month_past_its_deadline_is_missing_and_expected \
    '[ $rc = 0 ] && json "
assert [m[\"expected\"] for m in d[\"months\"]] == [2], d
assert {c[\"unit_code\"]: c[\"state\"] for c in d[\"matrix\"]} == {\"$CENTRAL\": \"missing\", \"$JUNIOR\": \"late\"}, d
"'
run_default dist reporting-rates --month "$M0"
expect not_due_shown_in_chinese '[ $rc = 0 ] && [[ $(grep "^$CENTRAL" <<<"$out") == *未到期* ]]'

# --- defect c: the diff names changed fields and changed sign-ins ----------------------
report "$F/c-m2" "$M2" "C001 C002" 王校长 出席
run school report submit "$F/c-m2" --month "$M2"
[ "$rc" = 0 ] || die "submit $M2 v1: $err"
report "$F/c-m2b" "$M2" "C001 C002" 县教研室赵老师 迟到 # another speaker, C002 late in A02
run school report submit "$F/c-m2b" --month "$M2"
[ "$rc" = 0 ] || die "submit $M2 v2: $err"
run school report show $CENTRAL "$M2" --format json
expect diff_names_changed_activity_fields_and_signins \
    '[ $rc = 0 ] && json "
df = d[\"diff\"]
assert df[\"activities_added\"] == [] and df[\"activities_removed\"] == [], df
assert df[\"activities_changed\"] == [{\"ref\": \"A01\", \"fields\": [\"speaker\"]}], df
assert df[\"attendance_changed\"] == 1 and df[\"attendance_added\"] == 0, df
"'
run school report show $CENTRAL "$M2"
expect diff_table_says_what_changed \
    '[ $rc = 0 ] && [[ $out == *"activities changed:"*"A01: speaker"* ]] && [[ $out == *"1 changed"* ]]'

# --- defect d: 主讲人/地点 in report show; the return reason in the school's list ---------------
expect show_has_speaker_and_place_columns \
    '[[ $out == *place*speaker* ]] && [[ $out == *中心校会议室*县教研室赵老师* ]]'
run dist report return $CENTRAL "$M2" --reason "签到表缺少主持人签字，请补全后重新上报"
[ "$rc" = 0 ] || die "report return: $err"
run school report list --format json
expect return_reason_in_the_schools_list_json \
    '[ $rc = 0 ] && json "
r = [x for x in d if x[\"month\"] == \"$M2\"]
assert r and r[0][\"status\"] == \"returned\", d
assert r[0][\"return_reason\"] == \"签到表缺少主持人签字，请补全后重新上报\", r
"'
run school report list
expect return_reason_in_the_schools_list_table \
    '[ $rc = 0 ] && [[ $out == *return_reason* ]] && [[ $(grep "$M2" <<<"$out") == *签到表缺少主持人签字* ]]'
run school report show $CENTRAL "$M2"
expect return_reason_in_report_show '[ $rc = 0 ] && [[ $out == *"returned:    签到表缺少主持人签字"* ]]'

# --- defect b: the handbook names the teacher, speaks Chinese, counts credits as compliance --
YEAR=$(school_year "$M3")
run dist compliance teachers --year "$YEAR" --format json
[ "$rc" = 0 ] || die "compliance teachers: $err"
want=$(json "print([t for t in d if t[\"teacher_code\"] == \"J001\"][0][\"credits\"])")
run_default dist teacher history J001 --format xlsx -o "$T/J001.xlsx"
expect handbook_xlsx_written '[ $rc = 0 ] && [ -s "$T/J001.xlsx" ]'
check=$(
    LANG=zh_CN.UTF-8 $PY - "$T/J001.xlsx" "$want" "$YEAR" <<'EOF' 2>&1
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["登记手册"]
rows = [[c.value for c in r] for r in ws.iter_rows()]
titles = [r[0] for r in rows[:4]]
assert titles[0] == "姓名：刘洋", titles
assert titles[1] == "教师编号：J001", titles
assert titles[2] == "学校：宁陵县第二初级中学（4114230010）", titles
assert titles[3].startswith("期间："), titles
head = rows[4]
assert head[:4] == ["上报单位", "月份", "版本", "月报状态"], head
recs = [dict(zip(head, r)) for r in rows[5:]]
assert {r["内容类别"] for r in recs} >= {"师德", "学科专业知识", "信息技术"}, recs
assert {r["级别"] for r in recs} >= {"校级", "镇级", "国家级"}, recs
assert {r["方式"] for r in recs} >= {"集中", "远程"}, recs
assert {r["来源"] for r in recs} == {"校本研修", "校外培训"}, recs
assert {r["月报状态"] for r in recs} == {"已提交"}, recs
year = int(sys.argv[3])
def in_year(m):
    y, mo = map(int, m.split("-"))
    return (y if mo >= 9 else y - 1) == year
credits = sum(r["学分"] for r in recs if in_year(r["月份"]))
assert credits > 0 and abs(credits - float(sys.argv[2])) < 1e-9, (credits, sys.argv[2])
print("ok")
EOF
)
expect handbook_names_teacher_chinese_values_and_credits_of_compliance '[ "$check" = ok ] || { echo "$check" >&2; false; }'

# --- defect e: assessment results as of a future day are provisional ------------------------
cat >"$F/scheme.ini" <<'EOF'
[scheme]
name = 教师考核
target = teacher
[items]
心得体会 = 40
听课材料 = 60
[grades]
合格 = 60
不合格 = 0
EOF
run dist assessment scheme set "$F/scheme.ini"
[ "$rc" = 0 ] || die "scheme set: $err"
FUTURE=$(TZ=Asia/Shanghai date -d '+1 month' +%F)
run dist assessment results --year "$YEAR" --as-of "$FUTURE"
expect results_as_of_future_day_say_provisional \
    '[ $rc = 0 ] && [[ $out == "PROVISIONAL "* ]] && [[ $err == *provisional* ]]'
run_default dist assessment results --year "$YEAR" --as-of "$FUTURE"
expect results_as_of_future_day_say_provisional_in_chinese \
    '[ $rc = 0 ] && [[ $out == "【预估】"* ]] && [[ $err == *预估结果* ]]'
run_default dist assessment results --year "$YEAR" --as-of "$TODAY"
expect results_as_of_today_are_not_provisional '[ $rc = 0 ] && [[ $out != *预估* ]] && [[ $err != *预估* ]]'

finish
