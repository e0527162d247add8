#!/bin/bash
# Monthly reports (月报) from the CLI with real files, as a school and the
# district office meet them: a report in GB18030 with Chinese headers and
# Chinese names of the values, UTF-8 with a BOM and CRLF, files refused with
# every problem named by file, line and column (titles that earn no hours,
# teachers not in the roster, names that do not match, sign-ins of no
# activity, dates outside the month, more hours than the activity lasts,
# external training of another unit's teacher) and nothing written, an empty
# month, a new version and its diff, idempotency keys, approve / reopen /
# return / void, JSON that parses, and what a school account may not do.
# Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU, YX_YANXIUD,
# YX_CONF, YX_DIR, YX_PSQL).
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/cli_report
mkdir -p "$T/files"
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

# What a submission writes: versions, sign-in rows, ledger rows and their hours,
# as one string.
written() {
    $YX_PSQL -Atc "select (select count(*) from report_versions) || '/' ||
                          (select count(*) from attendance) || '/' ||
                          (select count(*) || '/' || coalesce(sum(hours), 0) from ledger)"
}
# json PYTHON: runs PYTHON with d = the JSON on stdout of the last run.
json() { printf '%s' "$out" | python3 -c "import json, sys; d = json.load(sys.stdin); $1"; }

# --- district, units, roster, accounts ------------------------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add 411423 宁陵县 >/dev/null || die "district add 411423"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser dist --role district --district 411423
adduser school --role school --district 411423 --unit 4114230001
for who in dist school; do
    YANXIU_PASSWORD=pw-$who-secret run "$who" --server "$YX_SERVER" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done

CENTRAL=4114230001 # 城关镇中心校, reports for its two primaries
JUNIOR=4114230010  # 第二初级中学, reports by itself
cat >"$F/units.csv" <<'EOF'
学校代码,学校名称,类型,所属中心校
4114230001,宁陵县城关镇中心校,中心校,
4114230002,城关镇第一小学,小学,4114230001
4114230003,城关镇东街小学,小学,4114230001
4114230010,宁陵县第二初级中学,初中,
EOF
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"

cat >"$F/teachers.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组
C001,张丽,4114230001,语文,语文
C002,王强,4114230002,数学,数学
C003,李华,4114230003,英语,英语
C004,赵敏,4114230002,语文,语文
J001,刘洋,4114230010,数学,数学
J002,陈静,4114230010,语文,语文
EOF
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"

# report DIR MONTH: writes a good report of the central school for MONTH (YYYY-MM)
# into DIR, in UTF-8 with Chinese headers and Chinese names of the values.
# activities.csv: A01 on line 2, A02 line 3, A03 line 4. attendance.csv: line 2
# is A01 C001, line 3 A01 C002, ..., line 9 A03 C004. external.csv: line 2.
report() {
    local d=$1 m=$2
    mkdir -p "$d"
    cat >"$d/activities.csv" <<EOF
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,地点,主持人,主讲人,学时
A01,$m-09,14:30,16:30,师德专题讲座,师德,专题培训,校级,集中,中心校会议室,张丽,王校长,2
A02,$m-16,08:00,11:30,课例研究：分数的意义,学科专业知识,课例研究,镇级,集中,城关镇第一小学,王强,王强,3
A03,$m-23,15:00,17:00,集体备课：第三单元,教学技能,集体备课,校级,集中,,赵敏,,1.5
EOF
    cat >"$d/attendance.csv" <<EOF
活动编号,教师编号,姓名,签到,学时
A01,C001,张丽,出席,
A01,C002,王强,出席,
A01,C003,李华,迟到,1.5
A01,C004,赵敏,请假,
A02,C001,张丽,出席,
A02,C002,王强,出席,
A02,C003,李华,缺席,
A03,C004,赵敏,出席,
EOF
    cat >"$d/external.csv" <<EOF
教师编号,日期,名称,内容类别,级别,方式,学时,学分,证书编号
C001,$m-20,国家智慧教育平台专题研修,信息技术,国家级,远程,10,,
EOF
    printf '本月开展师德专题讲座、课例研究和集体备课各一次。\n' >"$d/summary.txt"
}

# --- GB18030 with Chinese headers and values: accepted ---------------------------
report "$F/oct-utf8" 2026-10
mkdir -p "$F/oct-gb"
for f in activities.csv attendance.csv external.csv summary.txt; do
    iconv -f UTF-8 -t GB18030 "$F/oct-utf8/$f" >"$F/oct-gb/$f" || die "iconv $f"
done
cmp -s "$F/oct-utf8/activities.csv" "$F/oct-gb/activities.csv" && die "iconv produced the same bytes"
before=$(written)
run school report submit "$F/oct-gb" --month 2026-10
expect submit_gb18030_chinese_headers_and_values_accepted \
    '[ $rc = 0 ] && [[ $out == *"version:"*1* ]] && [[ $out == *submitted* ]] && [ "$(written)" != "$before" ]'
run school report show $CENTRAL 2026-10 --format json
expect submit_gb18030_reads_the_chinese_text \
    '[ $rc = 0 ] && json "
a = {x[\"ref\"]: x for x in d[\"activities\"]}
assert a[\"A02\"][\"title\"] == \"课例研究：分数的意义\", a
assert a[\"A01\"][\"category\"] == \"ethics\" and a[\"A02\"][\"form\"] == \"lesson_study\", a
assert a[\"A02\"][\"level\"] == \"town\" and a[\"A01\"][\"mode\"] == \"centralized\", a
assert (a[\"A01\"][\"present\"], a[\"A01\"][\"late\"], a[\"A01\"][\"excused\"]) == (2, 1, 1), a
assert d[\"external\"][0][\"title\"] == \"国家智慧教育平台专题研修\", d
assert d[\"summary\"].startswith(\"本月开展师德专题讲座\"), d
assert d[\"version\"] == 1 and d[\"activity_count\"] == 3 and d[\"attendance_count\"] == 8, d
# 2 + 2 + 1.5 (A01) + 3 + 3 (A02) + 1.5 (A03) + 10 external
assert float(d[\"teacher_hours\"]) == 23, d
"'

# --- UTF-8 with a BOM and CRLF line ends, English headers: accepted ---------------
mkdir -p "$F/junior-bom"
{
    printf '\xEF\xBB\xBF'
    printf 'ref,date,start,end,title,category,form,level,mode,place,host,speaker,hours\r\n'
    printf 'J-01,2026/10/14,9:00,11:00,"初中数学听评课：一次函数",skills,observation,school,centralized,初二(3)班,刘洋,刘洋,2\r\n'
    printf 'J-02,2026-10-28,15:00,16:30,心理健康教育专题,mental_health,lecture,county,remote,,陈静,,1.5\r\n'
} >"$F/junior-bom/activities.csv"
{
    printf '\xEF\xBB\xBF'
    printf 'ref,teacher_code,name,status,hours\r\n'
    printf 'J-01,J001,刘洋,present,\r\nJ-01,J002,陈静,late,1\r\nJ-02,J001,,present,\r\nJ-02,J002,陈静,absent,\r\n'
} >"$F/junior-bom/attendance.csv"
before=$(written)
run dist report submit "$F/junior-bom" --month 2026-10 --unit $JUNIOR --format json
expect submit_utf8_bom_crlf_english_headers_accepted \
    '[ $rc = 0 ] && json "
assert d[\"unit_code\"] == \"$JUNIOR\" and d[\"version\"] == 1 and d[\"status\"] == \"submitted\", d
assert d[\"activity_count\"] == 2 and d[\"attendance_count\"] == 4, d
assert float(d[\"teacher_hours\"]) == 4.5 and d[\"replayed\"] is False, d
" && [ "$(written)" != "$before" ]'

# --- the Excel template: written with the roster, filled as in Excel, submitted as it is --
FILL=$(dirname "${BASH_SOURCE[0]}")/fill_report_template.py
LANGUAGE=en run school report template --xlsx "$F/模板.xlsx"
expect template_xlsx_written_with_the_units_roster \
    '[ $rc = 0 ] && [[ $out == *"wrote $F/模板.xlsx"*"4 teachers of unit $CENTRAL"* ]] && [ -s "$F/模板.xlsx" ]'
LANGUAGE=en run school report template --xlsx "$F/模板.xlsx"
expect template_xlsx_never_replaces_a_file \
    '[ $rc = 1 ] && [[ $err == *"模板.xlsx exists already"* ]]'
run dist report template --xlsx "$F/模板-dist.xlsx"
expect template_xlsx_district_must_name_the_unit \
    '[ $rc = 2 ] && [[ $err == *--unit* ]] && ! [ -e "$F/模板-dist.xlsx" ]'
expect template_xlsx_has_sheets_lists_checks_and_the_roster \
    '/usr/bin/python3 - "$F/模板.xlsx" <<"PY"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
names = re.findall(r"<sheet name=\"([^\"]+)\" sheetId=\"\d+\"( state=\"hidden\")?", wb)
assert [n for n, _ in names] == ["研修活动", "签到表", "校外培训", "填写说明", "选项"], names
assert names[4][1] and not any(h for _, h in names[:4]), names
ss = z.read("xl/sharedStrings.xml").decode()
def dv(n):
    x = z.read("xl/worksheets/sheet%d.xml" % n).decode()
    assert "<pane ySplit=\"1\"" in x and "state=\"frozen\"" in x, x[:600]
    return {m.group(2)[:1]: (m.group(1), m.group(3))
            for m in re.finditer(r"<dataValidation type=\"(\w+)\"[^>]*sqref=\"([A-Z]+)2:[A-Z]+\d+\">"
                                 r"<formula1>([^<]*)</formula1>", x)}
a = dv(1)  # 研修活动: 日期 B, 开始 C, 结束 D, 内容类别 F, 形式 G, 级别 H, 方式 I, 学时 M
assert a["B"][0] == "date" and a["C"][0] == a["D"][0] == "time", a
assert all(a[c][0] == "list" and a[c][1].startswith("\x27选项\x27!$") for c in "FGHI"), a
assert a["M"][0] == "decimal" and a["M"][1] == "0.5", a
s = dv(2)  # 签到表: 签到 D
assert s["D"][0] == "list" and "B" not in s, s
e = dv(3)  # 校外培训: 内容类别 D, 级别 E, 方式 F
assert all(e[c][0] == "list" for c in "DEF") and e["D"][1] == a["F"][1], e
for v in ("师德", "学科专业知识", "心理健康", "专题培训", "课例研究", "校级", "国家级", "集中", "自修",
          "出席", "迟到", "请假", "无故缺席", "内容类别", "学时"):
    assert "<t>%s</t>" % v in ss, v
sheet2 = z.read("xl/worksheets/sheet2.xml").decode()
assert sheet2.count("<row ") == 5, sheet2   # the header and the 4 teachers of the unit
for v in ("C001", "张丽", "C002", "王强", "C003", "李华", "C004", "赵敏"):
    assert "<t>%s</t>" % v in ss, v
assert "<t>J001</t>" not in ss, "a teacher of another unit"
PY'
[ -s "$F/模板.xlsx" ] && /usr/bin/python3 "$FILL" "$F/模板.xlsx" "$F/2026-05月报.xlsx" 2026-05 >/dev/null ||
    die "filling the template with openpyxl"
before=$(written)
LANGUAGE=en run school report submit "$F/2026-05月报.xlsx" --month 2026-05 --check
expect submit_filled_template_check_passes_writing_nothing \
    '[ $rc = 0 ] && [[ $out == *"2026-05月报.xlsx: checked: no problems; nothing was written"* ]] &&
     [ "$(written)" = "$before" ]'
run school report submit "$F/2026-05月报.xlsx" --month 2026-05 --format json
expect submit_filled_template_accepted_as_it_is \
    '[ $rc = 0 ] && json "
assert d[\"version\"] == 1 and d[\"activity_count\"] == 2 and d[\"attendance_count\"] == 8, d
# M01: 4 x 2 h; M02: 1 h (late) + 3 x 1.5 h
assert float(d[\"teacher_hours\"]) == 13.5, d
" && [ "$(written)" != "$before" ]'
run school report show $CENTRAL 2026-05 --format json
expect submit_filled_template_reads_dates_times_and_values \
    '[ $rc = 0 ] && json "
a = {x[\"ref\"]: x for x in d[\"activities\"]}
assert a[\"M01\"][\"date\"] == \"2026-05-12\" and a[\"M01\"][\"start\"] == \"08:30\", a
assert a[\"M02\"][\"end\"] == \"15:30\" and a[\"M02\"][\"category\"] == \"skills\", a
assert a[\"M01\"][\"form\"] == \"lecture\" and a[\"M01\"][\"level\"] == \"school\", a
"'

# The CSV template: the three files, headers only, UTF-8 with a BOM; filled and submitted.
LANGUAGE=en run school report template "$F/tpl-dir"
expect template_dir_writes_three_csv_files_with_bom_and_chinese_headers \
    '[ $rc = 0 ] && [[ $out == "wrote $F/tpl-dir/activities.csv, $F/tpl-dir/attendance.csv, $F/tpl-dir/external.csv"* ]] &&
     [ "$(head -c 3 "$F/tpl-dir/activities.csv" | od -An -tx1 | tr -d " ")" = efbbbf ] &&
     [ "$(tail -c +4 "$F/tpl-dir/attendance.csv")" = "$(printf "活动编号,教师编号,姓名,签到,学时\r")" ] &&
     [ "$(tail -c +4 "$F/tpl-dir/external.csv")" = "$(printf "教师编号,日期,名称,内容类别,级别,方式,学时,学分,证书编号\r")" ]'
LANGUAGE=en run school report template "$F/tpl-dir"
expect template_dir_never_replaces_a_file \
    '[ $rc = 1 ] && [[ $err == *"tpl-dir/activities.csv exists already: it is not replaced"* ]] &&
     [ "$(wc -l <"$F/tpl-dir/activities.csv")" = 1 ]'
LANGUAGE=en run school report template "$F/tpl-en" --english
expect template_dir_english_headers \
    '[ $rc = 0 ] && [ "$(tail -c +4 "$F/tpl-en/activities.csv")" = "$(printf "ref,date,start,end,title,category,form,level,mode,place,host,speaker,hours\r")" ]'
printf 'D01,2026-06-10,14:00,16:00,心理健康教育专题讲座,心理健康,专题培训,校级,集中,,张丽,,2\r\n' >>"$F/tpl-dir/activities.csv"
printf 'D01,C001,张丽,出席,\r\nD01,C002,王强,迟到,1.5\r\n' >>"$F/tpl-dir/attendance.csv"
run school report submit "$F/tpl-dir" --month 2026-06 --format json
expect template_dir_filled_is_submitted_as_it_is \
    '[ $rc = 0 ] && json "
assert d[\"activity_count\"] == 1 and d[\"attendance_count\"] == 2 and d[\"external_count\"] == 0, d
assert float(d[\"teacher_hours\"]) == 3.5, d
"'

# A wrong workbook: every problem in one answer, at its sheet, row and column, in the
# CLI's language; nothing written.
/usr/bin/python3 "$FILL" "$F/模板.xlsx" "$F/2026-04错.xlsx" 2026-04 wrong >/dev/null ||
    die "filling the wrong workbook"
before=$(written)
LANGUAGE=en run school report submit "$F/2026-04错.xlsx" --month 2026-04
expect submit_wrong_workbook_every_problem_at_its_cell \
    '[ $rc = 1 ] &&
     [[ $err == *"2026-04错.xlsx 研修活动!F2 (内容类别) \"师德教育\": "* ]] &&
     [[ $err == *"2026-04错.xlsx 研修活动!B3 (日期) \"2026-03-28\": "* ]] &&
     [[ $err == *"2026-04错.xlsx 研修活动!M3 (学时) \"1.3\": "* ]] &&
     [[ $err == *"2026-04错.xlsx 签到表!B3 (教师编号) \"X999\": "* ]] &&
     [[ $err =~ [0-9]+\ problems\;\ nothing\ was\ written ]]'
expect submit_wrong_workbook_problems_in_sheet_and_row_order \
    'printf "%s\n" "$err" | grep -o "研修活动![A-Z]*[0-9]*\|签到表![A-Z]*[0-9]*" | tr "\n" " " |
     grep -q "研修活动!F2 .*研修活动!B3 .*研修活动!M3 .*签到表!B3"'
expect submit_wrong_workbook_writes_nothing '[ "$(written)" = "$before" ]'
LANGUAGE=zh_CN run school report submit "$F/2026-04错.xlsx" --month 2026-04 --check
expect submit_wrong_workbook_problems_in_chinese \
    '[ $rc = 1 ] && [[ $err == *"研修活动!M3「学时」\"1.3\"："* ]] &&
     [[ $err =~ 共\ [0-9]+\ 个问题，未写入任何数据 ]] && [ "$(written)" = "$before" ]'

# --- files the server refuses: file, cell, header, value and reason; nothing written -----
# Every case starts from a good report of 2026-09, a month with no report yet. A CSV file's
# cell is its column letter and line, as Excel shows the file.
# submit_bad NAME DIR: submits DIR for 2026-09 as the school (in English); records before.
submit_bad() {
    before=$(written)
    LANGUAGE=en run school report submit "$2" --month 2026-09
}
nothing_written='[ "$(written)" = "$before" ]'

report "$F/title" 2026-09
sed -i 's/^A02,\(.*\),课例研究：分数的意义,/A02,\1,数学教研组例会,/' "$F/title/activities.csv"
submit_bad title "$F/title"
expect submit_non_creditable_title_names_file_cell_and_reason \
    '[ $rc = 1 ] && [[ $err == *"activities.csv E3 (主题) \"数学教研组例会\": "*例会*"not creditable"* ]]'
expect submit_non_creditable_title_writes_nothing "$nothing_written"

report "$F/roster" 2026-09
sed -i 's/^A02,C002,王强,/A02,X999,王强,/' "$F/roster/attendance.csv"
submit_bad roster "$F/roster"
expect submit_teacher_not_in_roster_names_attendance_line \
    '[ $rc = 1 ] && [[ $err == *"attendance.csv B7 (教师编号) \"X999\": teacher X999 is not in the roster"* ]]'
expect submit_teacher_not_in_roster_writes_nothing "$nothing_written"

report "$F/name" 2026-09
sed -i 's/^A01,C002,王强,/A01,C002,王刚,/' "$F/name/attendance.csv"
submit_bad name "$F/name"
expect submit_name_mismatch_names_attendance_line_and_both_names \
    '[ $rc = 1 ] && [[ $err == *"attendance.csv C3 (姓名) \"王刚\": "*C002*王强*王刚* ]]'
expect submit_name_mismatch_writes_nothing "$nothing_written"

report "$F/ref" 2026-09
sed -i 's/^A03,C004,/A09,C004,/' "$F/ref/attendance.csv"
submit_bad ref "$F/ref"
expect submit_signin_of_unknown_activity_names_attendance_line \
    '[ $rc = 1 ] && [[ $err == *"attendance.csv A9 (活动编号) \"A09\": activity A09 is not in the activities (研修活动)"* ]]'
expect submit_signin_of_unknown_activity_writes_nothing "$nothing_written"

report "$F/date" 2026-09
sed -i 's/^A03,2026-09-23,/A03,2026-10-02,/' "$F/date/activities.csv"
submit_bad date "$F/date"
expect submit_date_outside_month_names_activities_line \
    '[ $rc = 1 ] && [[ $err == *"activities.csv B4 (日期) \"2026-10-02\": 2026-10-02 is not in the report'\''s month 2026-09"* ]]'
expect submit_date_outside_month_writes_nothing "$nothing_written"

report "$F/hours" 2026-09
sed -i 's/^\(A01,.*\),2$/\1,3/' "$F/hours/activities.csv"
submit_bad hours "$F/hours"
expect submit_hours_above_duration_names_activities_line \
    '[ $rc = 1 ] && [[ $err == *"activities.csv M2 (学时) \"3\": "*"more than the activity lasts (14:30-16:30)"* ]]'
expect submit_hours_above_duration_writes_nothing "$nothing_written"

report "$F/signin-hours" 2026-09
sed -i 's/^A01,C003,李华,迟到,1.5$/A01,C003,李华,迟到,2.5/' "$F/signin-hours/attendance.csv"
submit_bad signin-hours "$F/signin-hours"
expect submit_signin_hours_above_activity_names_attendance_line \
    '[ $rc = 1 ] && [[ $err == *"attendance.csv E4 (学时) \"2.5\": 2.5 hours is more than the activity'\''s 2"* ]]'
expect submit_signin_hours_above_activity_writes_nothing "$nothing_written"

report "$F/external" 2026-09
printf 'J001,2026-09-21,河南省中小学教师网络研修,学科专业知识,省级,远程,6,,\n' >>"$F/external/external.csv"
submit_bad external "$F/external"
expect submit_external_of_another_units_teacher_names_external_line \
    '[ $rc = 1 ] && [[ $err == *"external.csv A3 (教师编号) \"J001\": teacher J001 belongs to another reporting unit"* ]]'
expect submit_external_of_another_units_teacher_writes_nothing "$nothing_written"

# Several problems of the server's: every one listed, each at its line.
report "$F/many" 2026-09
sed -i -e 's/^A02,\(.*\),课例研究：分数的意义,/A02,\1,全体教师例会,/' \
    -e 's/^A03,2026-09-23,/A03,2026-08-31,/' -e 's/^\(A01,.*\),2$/\1,2.5/' "$F/many/activities.csv"
sed -i -e 's/^A02,C002,王强,/A02,X998,王强,/' -e 's/^A01,C001,张丽,/A01,C001,张莉,/' \
    "$F/many/attendance.csv"
printf 'J002,2026-09-05,初中语文线上研修,学科专业知识,县级,远程,4,,\n' >>"$F/many/external.csv"
submit_bad many "$F/many"
expect submit_several_problems_all_listed_at_their_cells \
    '[ $rc = 1 ] &&
     [[ $err == *"activities.csv E3 (主题) \"全体教师例会\": "*例会* ]] &&
     [[ $err == *"activities.csv B4 (日期) \"2026-08-31\": 2026-08-31 is not in the report'\''s month"* ]] &&
     [[ $err == *"activities.csv M2 (学时) \"2.5\": 2.5 hours is more than the activity lasts"* ]] &&
     [[ $err == *"attendance.csv C2 (姓名) \"张莉\": "*张丽*张莉* ]] &&
     [[ $err == *"attendance.csv B7 (教师编号) \"X998\": teacher X998 is not in the roster"* ]] &&
     [[ $err == *"external.csv A3 (教师编号) \"J002\": teacher J002 belongs to another"* ]] &&
     [[ $err == *"6 problems; nothing was written"* ]]'
expect submit_several_problems_writes_nothing "$nothing_written"
expect submit_several_problems_grouped_by_file_in_row_order \
    'printf "%s\n" "$err" | grep -o "^[a-z]*\.csv [A-Z]*[0-9]*" | tr "\n" " " |
     grep -qx "activities.csv M2 activities.csv E3 activities.csv B4 attendance.csv C2 attendance.csv B7 external.csv A3 "'

# Problems of the files' format and of the records, in one answer (yanxiu once found the
# first kind itself and sent nothing): all listed, nothing written.
report "$F/local" 2026-09
sed -i -e 's/^A03,C004,/A07,C004,/' -e 's/^A02,C003,李华,缺席,$/A02,C003,李华,缺席,两小时/' \
    "$F/local/attendance.csv"
submit_bad local "$F/local"
expect submit_format_and_record_problems_all_listed_in_one_answer \
    '[ $rc = 1 ] && [[ $err == *"attendance.csv A9 (活动编号) \"A07\": activity A07 is not in the activities"* ]] &&
     [[ $err == *"attendance.csv E8 (学时) \"两小时\": "*"not a number"* ]] &&
     [[ $err == *"2 problems; nothing was written"* ]]'
expect submit_format_and_record_problems_writes_nothing "$nothing_written"
# The same files one by one, and a file the server cannot read: named, nothing written.
LANGUAGE=en run school report submit "$F/local/activities.csv" "$F/local/attendance.csv" --month 2026-09
expect submit_csv_files_one_by_one_read_as_the_directory \
    '[ $rc = 1 ] && [[ $err == *"attendance.csv A9 (活动编号) \"A07\": "* ]] && [[ $err == *"2 problems; nothing was written"* ]] &&
     [ "$(written)" = "$before" ]'
printf '编号,日期,开始\r\nA01,2026-09-09\r\n' >"$F/local/activities.csv"
submit_bad local "$F/local"
expect submit_missing_columns_named_with_the_sheets_columns \
    '[ $rc = 1 ] && [[ $err == *"activities.csv"*"结束"* ]] && [[ $err == *"nothing was written"* ]] &&
     [ "$(written)" = "$before" ]'
printf 'PK\003\004 not really a zip' >"$F/broken.xlsx"
LANGUAGE=en run school report submit "$F/broken.xlsx" --month 2026-09
expect submit_unreadable_workbook_named_nothing_written \
    '[ $rc = 1 ] && [[ $err == *"broken.xlsx"* ]] && [[ $err == *"nothing was written"* ]] && [ "$(written)" = "$before" ]'
run school report submit "$F/no-such-dir" --month 2026-09
expect submit_missing_file_said_before_sending \
    '[ $rc = 1 ] && [[ $err == *no-such-dir* ]] && [ "$(written)" = "$before" ]'


run school report list --month 2026-09 --format json
expect refused_submissions_left_no_report \
    '[ $rc = 0 ] && json "assert d == [], d"'

# --- historical import (历史导入): a past month with its true submission time ---------------
report "$F/mar" 2026-03
before=$(written)
run school report submit "$F/mar" --month 2026-03 --submitted-at "2026-04-03 10:00"
expect submit_historical_import_school_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]] && [ "$(written)" = "$before" ]'
run dist report submit "$F/mar" --month 2026-03 --unit $CENTRAL --submitted-at "2026-04-08 16:30" --format json
expect submit_historical_import_keeps_the_true_time_and_is_marked \
    '[ $rc = 0 ] && json "
assert d[\"imported\"] is True and d[\"version\"] == 1, d
assert d[\"submitted_at\"].startswith(\"2026-04-08T16:30\") and d[\"submitted_at\"].endswith(\"+08:00\"), d
assert d[\"on_time\"] is False, d   # the deadline was 2026-04-05 23:59
"'
report "$F/feb" 2026-02
LANGUAGE=en run dist report submit "$F/feb" --month 2026-02 --unit $CENTRAL --submitted-at "2026-03-04 09:00"
expect submit_historical_import_on_time_table_says_imported \
    '[ $rc = 0 ] && [[ $out == *"on time:     yes"* ]] && [[ $out == *"submitted:   2026-03-04 09:00"* ]] &&
     [[ $out == *"imported:    yes, a historical import (历史导入)"* ]]'
# Chinese by default: the status as its label, whether on time as a sentence.
run_default dist report show $CENTRAL 2026-02
expect show_says_status_and_on_time_in_chinese_by_default \
    '[ $rc = 0 ] && [[ $out == *"状态：已提交"* ]] && [[ $out == *"是否按时：按时上报（截止时间 2026-03-05 23:59）"* ]] &&
     [[ $out != *"on time"* ]] && [[ $out != *submitted* ]]'
run_default dist report show $CENTRAL 2026-03
expect show_says_late_in_chinese_by_default \
    '[ $rc = 0 ] && [[ $out == *"是否按时：逾期上报（截止时间 2026-04-05 23:59）"* ]]'
run_default dist report list --unit $CENTRAL --from 2026-02 --to 2026-03
expect list_says_status_and_on_time_in_chinese_by_default \
    '[ $rc = 0 ] && [[ $(head -1 <<<"$out") == *状态*按时* ]] &&
     [[ $(grep " 2026-02 " <<<"$out") == *已提交*是* ]] && [[ $(grep " 2026-03 " <<<"$out") == *已提交*否* ]]'

# --- an empty month ----------------------------------------------------------------
before=$(written)
run school report submit --month 2026-08 --empty --reason 暑假 --format json
expect submit_empty_month_with_reason \
    '[ $rc = 0 ] && json "
assert d[\"empty\"] is True and d[\"version\"] == 1 and d[\"activity_count\"] == 0, d
assert d[\"on_time\"] is False, d
"'
run school report show $CENTRAL 2026-08 --format json
expect show_empty_month_has_the_reason \
    '[ $rc = 0 ] && json "assert d[\"reason\"] == \"暑假\" and d[\"activities\"] == [], d"'
run school report submit --month 2026-07 --empty
expect submit_empty_without_reason_is_a_usage_error \
    '[ $rc = 2 ] && [[ $err == *--reason* ]]'

# --- a new version and what it changed -----------------------------------------
report "$F/oct-v2" 2026-10
printf 'A04,2026-10-30,14:00,16:00,信息技术应用能力提升,信息技术,网络研修,县级,远程,,李华,,2\n' \
    >>"$F/oct-v2/activities.csv"
printf 'A04,C003,李华,出席,\nA04,C004,赵敏,出席,\n' >>"$F/oct-v2/attendance.csv"
run school report submit "$F/oct-v2" --month 2026-10 --format json
expect resubmit_makes_version_2 \
    '[ $rc = 0 ] && json "assert d[\"version\"] == 2 and d[\"activity_count\"] == 4, d"'
run dist report show $CENTRAL 2026-10 --format json
expect show_version_2_has_a_diff_against_version_1 \
    '[ $rc = 0 ] && json "
x = d[\"diff\"]
assert x[\"against_version\"] == 1, x
assert x[\"activities_added\"] == [\"A04\"] and x[\"activities_removed\"] == [], x
assert x[\"attendance_added\"] == 2 and x[\"attendance_removed\"] == 0, x
assert float(x[\"hours_delta\"]) == 4, x
assert [h[\"action\"] for h in d[\"history\"]][:2] == [\"submit\", \"submit\"], d[\"history\"]
"'
run dist report show $CENTRAL 2026-10 --version 1 --format json
expect show_version_1_has_no_diff \
    '[ $rc = 0 ] && json "assert d[\"version\"] == 1 and d[\"diff\"] is None, d"'

# --- idempotency keys ----------------------------------------------------------------
KEY=cli-report-key-0001
report "$F/sep" 2026-09
run school report submit "$F/sep" --month 2026-09 --idempotency-key $KEY
expect submit_with_key_first_time \
    '[ $rc = 0 ] && [[ $out != *retry* ]]'
before=$(written)
run school report submit "$F/sep" --month 2026-09 --idempotency-key $KEY
expect submit_same_key_same_files_is_a_retry_writing_nothing \
    '[ $rc = 0 ] && [[ $out == *"a retry"*"nothing new was written"* ]] && [ "$(written)" = "$before" ]'
run school report list --unit $CENTRAL --month 2026-09 --format json
expect submit_same_key_left_one_version \
    '[ $rc = 0 ] && json "assert len(d) == 1 and d[0][\"version\"] == 1, d"'
sed -i 's/^A01,C004,赵敏,请假,$/A01,C004,赵敏,出席,/' "$F/sep/attendance.csv"
run school report submit "$F/sep" --month 2026-09 --idempotency-key $KEY
expect submit_same_key_changed_files_refused \
    '[ $rc = 1 ] && [[ $err == *"idempotency key $KEY was already used for a different report"* ]] &&
     [ "$(written)" = "$before" ]'

# --- approve, then the unit cannot resubmit until the district reopens ------------
run dist report approve $CENTRAL 2026-10
expect approve_by_district \
    '[ $rc = 0 ] && [[ $out == *"$CENTRAL"*2026-10*"version 2"*approved* ]]'
before=$(written)
run school report submit "$F/oct-v2" --month 2026-10
expect resubmit_of_approved_report_refused_naming_who_approved \
    '[ $rc = 1 ] && [[ $err == *"approved by dist on "* ]] && [[ $err == *reopen* ]] &&
     [ "$(written)" = "$before" ]'
run dist report reopen $CENTRAL 2026-10 --reason 补录外出培训
expect reopen_by_district \
    '[ $rc = 0 ] && [[ $out == *"version 2"*reopened* ]]'
run school report submit "$F/oct-v2" --month 2026-10 --format json
expect resubmit_after_reopen_makes_version_3 \
    '[ $rc = 0 ] && json "assert d[\"version\"] == 3 and d[\"status\"] == \"submitted\", d"'
run dist report show $CENTRAL 2026-10 --format json
expect history_has_approve_and_reopen_with_reason \
    '[ $rc = 0 ] && json "
h = [(x[\"action\"], x[\"user\"], x[\"reason\"]) for x in d[\"history\"]]
assert (\"approve\", \"dist\", \"\") in h and (\"reopen\", \"dist\", \"补录外出培训\") in h, h
"'

# --- return with a reason; void --------------------------------------------------------
run dist report return $CENTRAL 2026-09 --reason "A03 缺少签到表"
expect return_by_district \
    '[ $rc = 0 ] && [[ $out == *2026-09*returned* ]]'
run dist report return $CENTRAL 2026-09
expect return_without_reason_is_a_usage_error \
    '[ $rc = 2 ] && [[ $err == *--reason* ]]'
run school report show $CENTRAL 2026-09 --format json
expect returned_report_shows_the_reason_to_the_school \
    '[ $rc = 0 ] && json "
assert d[\"status\"] == \"returned\", d
assert any(x[\"action\"] == \"return\" and x[\"reason\"] == \"A03 缺少签到表\" for x in d[\"history\"]), d
"'
# The hours the ledger counts for the junior school's teachers in 2026-10.
junior_hours() {
    $YX_PSQL -Atc "select coalesce(sum(hours), 0)::float8 from ledger
                   where teacher_code in ('J001', 'J002') and month = '2026-10-01'"
}
[ "$(junior_hours)" = 4.5 ] || die "the junior school's hours before the void: $(junior_hours)"
run dist report void $JUNIOR 2026-10 --reason 签到表与实际不符
expect void_by_district_and_its_hours_stop_counting \
    '[ $rc = 0 ] && [[ $out == *"$JUNIOR"*voided* ]] && [ "$(junior_hours)" = 0 ]'
before=$(written)
run dist report submit "$F/junior-bom" --month 2026-10 --unit $JUNIOR
expect resubmit_of_voided_report_refused \
    '[ $rc = 1 ] && [[ $err == *voided* ]] && [ "$(written)" = "$before" ]'

# --- report list as JSON -------------------------------------------------------------
run dist report list --format json
expect list_json_parses_with_the_columns \
    '[ $rc = 0 ] && json "
keys = [\"unit_code\", \"month\", \"version\", \"status\", \"on_time\", \"activity_count\",
        \"attendance_count\", \"teacher_hours\", \"flags\"]
assert len(d) == 8 and all(k in r for r in d for k in keys), d
r = {(x[\"unit_code\"], x[\"month\"]): x for x in d}
assert r[(\"$CENTRAL\", \"2026-10\")][\"version\"] == 3, r
assert r[(\"$CENTRAL\", \"2026-09\")][\"status\"] == \"returned\", r
assert r[(\"$JUNIOR\", \"2026-10\")][\"status\"] == \"voided\", r
assert r[(\"$CENTRAL\", \"2026-08\")][\"status\"] == \"submitted\", r
assert isinstance(r[(\"$CENTRAL\", \"2026-10\")][\"on_time\"], bool), r
assert isinstance(r[(\"$CENTRAL\", \"2026-10\")][\"flags\"], list), r
"'
run school report list --format csv
expect list_csv_school_sees_its_own_unit_only \
    '[ $rc = 0 ] && [ "$(printf "%s\n" "$out" | sed 1d | grep -c .)" = 7 ] && ! [[ $out == *$JUNIOR* ]]'

# --- report list in every format: CSV and JSON agree, and a real workbook -------------------
run dist report list --format json
list_json=$out
run dist report list --format csv
expect list_csv_and_json_agree_on_every_column \
    '[ $rc = 0 ] && printf "%s" "$out" | LIST_JSON="$list_json" python3 -c "
import csv, json, os, sys
rows = list(csv.DictReader(sys.stdin))
d = json.loads(os.environ[\"LIST_JSON\"])
assert len(rows) == len(d) == 8, (rows, d)
for c, j in zip(rows, d):
    for k, v in c.items():
        w = j[k]
        w = (\"yes\" if w else \"no\") if isinstance(w, bool) else str(w)
        assert v == w, (k, v, w)
"'
# A workbook is for people: Chinese headings under the CLI's default language.
run_default dist report list -o "$F/reports.xlsx"
expect list_to_xlsx_writes_a_workbook \
    '[ $rc = 0 ] && [[ $out == "已写入 $F/reports.xlsx：8 "* ]] && python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert \"月报\" in z.read(\"xl/workbook.xml\").decode(), z.namelist()
sheet = z.read(\"xl/worksheets/sheet1.xml\").decode()
for s in (\"上报单位\", \"教师学时\", \"$CENTRAL\", \"$JUNIOR\", \"已作废\", \"<autoFilter ref=\\\"A1:M9\\\"/>\"):
    assert s in sheet, s
" "$F/reports.xlsx"'
run dist report list --format xlsx -o "$F/reports.xlsx"
expect list_to_an_existing_xlsx_needs_force \
    '[ $rc = 1 ] && [[ $err == *"reports.xlsx already exists"* ]]'

# The audit log is a listing too: RFC 3339 times in JSON, a workbook with -o FILE.xlsx.
run dist audit --format json
expect audit_json_has_rfc3339_times \
    '[ $rc = 0 ] && json "
assert len(d) > 0 and all(k in d[-1] for k in (\"at\", \"user\", \"action\", \"outcome\")), d
assert d[-1][\"at\"][10] == \"T\" and d[-1][\"at\"].endswith(\"+08:00\"), d
"'
run_default dist audit -o "$F/audit.xlsx"
expect audit_to_xlsx_writes_a_workbook \
    '[ $rc = 0 ] && [[ $out == "已写入 $F/audit.xlsx："*" 条记录" ]] && python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert \"审计日志\" in z.read(\"xl/workbook.xml\").decode(), z.namelist()
sheet = z.read(\"xl/worksheets/sheet1.xml\").decode()
assert \"时间\" in sheet and \"结果\" in sheet and \"<autoFilter ref=\\\"A1:H\" in sheet, sheet[:400]
" "$F/audit.xlsx"'

# --- what a school account may not do -------------------------------------------------
before=$(written)
run school report submit "$F/junior-bom" --month 2026-09 --unit $JUNIOR
expect submit_school_for_another_unit_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]] && [ "$(written)" = "$before" ]'
run school report approve $CENTRAL 2026-10
expect approve_school_role_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run school report void $CENTRAL 2026-10 --reason 自行作废
expect void_school_role_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run school report show $JUNIOR 2026-10
expect show_school_other_unit_is_refused \
    '[ $rc = 1 ] && [[ -z $out ]]'
run dist report list --unit $CENTRAL --month 2026-10 --format json
expect school_attempts_changed_nothing \
    '[ $rc = 0 ] && json "assert d[0][\"status\"] == \"submitted\" and d[0][\"version\"] == 3, d"'

finish
