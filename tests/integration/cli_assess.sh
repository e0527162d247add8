#!/bin/bash
# Annual assessment (考核, issue 5) from the CLI with real files: a scheme file
# refused line by line and nothing stored, a good one stored and shown back;
# scores in GB18030 with Chinese headers, refused row by row (unknown item,
# points above the maximum, an item scored twice, another unit's teacher, not a
# number) with nothing written; grade thresholds at their edges (half-open
# ranges: 90 is 优秀, 89.5 合格, 60 合格, 59.5 不合格); the grade lowered to
# 不合格 when the hours or the absence rule fails, with the consequences;
# approved-only results; a scheme with scores keeps its items and maxima; the
# wide form (a row per teacher, a column per item) giving the long form's
# results, its mistakes named by line and column; a unit scheme; what a school
# account sees and may do; XLSX read back.
# Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU, YX_YANXIUD,
# YX_CONF, YX_DIR, YX_PSQL).
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/cli_assess
mkdir -p "$T/files"
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
# shellcheck source=tests/integration/small_county.sh
source "$(dirname "${BASH_SOURCE[0]}")/small_county.sh"

# json PYTHON: runs PYTHON with d = the JSON on stdout of the last run.
json() { printf '%s' "$out" | python3 -c "import json, sys; d = json.load(sys.stdin); $1"; }
# What assessment tables hold, as one string.
stored() {
    $YX_PSQL -Atc "select (select count(*) from assessment_schemes) || '/' ||
                          (select count(*) from assessment_items) || '/' ||
                          (select count(*) || '/' || coalesce(sum(points), 0)
                           from assessment_scores)"
}

# --- district, units, roster, accounts, policy, one month of hours -----------------
D=411423
"$YX_YANXIUD" -c "$YX_CONF" district add $D 宁陵县 >/dev/null || die "district add"
small_county_accounts $D dist:district school:school:4114230001 junior:school:4114230010
CENTRAL=4114230001
JUNIOR=4114230010
small_county_files "$F"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
cat >"$F/teachers.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组
C001,张丽,4114230001,语文,语文
C002,王强,4114230002,数学,数学
C003,李华,4114230002,英语,英语
C004,赵敏,4114230002,语文,语文
J001,刘洋,4114230010,数学,数学
J002,陈静,4114230010,语文,语文
EOF
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"
run dist policy set "$F/policy.ini" --effective 2020-01-01
[ "$rc" = 0 ] || die "policy set: $err"
# October 2026 (school year 2026): C001 5 h, C002 3 h, C003 3 h but absent once,
# C004 3 h; J001 and J002 none.
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
ASOF=2027-09-01 # the school year 2026 is over

# --- a scheme file with mistakes: every line named, nothing stored ------------------
cat >"$F/bad.ini" <<'EOF'
; 有错的考核方案
[scheme]
name = 教师考核
target = 老师
colour = red

[items]
心得体会 = 10
质量检测 = 三十
心得体会 = 5

[grades]
优秀 = 90
合格 = 60
良好 = 60
[other]
x = 1
EOF
before=$(stored)
run dist assessment scheme set "$F/bad.ini"
expect scheme_bad_target_names_its_line \
    '[ $rc = 1 ] && [[ $err == *"bad.ini line 4: target: teacher (教师) or unit (单位)"* ]]'
expect scheme_unknown_key_names_its_line '[[ $err == *"bad.ini line 5: colour: not a key of [scheme]"* ]]'
expect scheme_bad_maximum_names_its_line '[[ $err == *"bad.ini line 9: 质量检测: the maximum points"* ]]'
expect scheme_item_twice_names_both_lines '[[ $err == *"bad.ini line 10: item 心得体会 is listed twice (also line 8)"* ]]'
expect scheme_grades_at_one_score_named '[[ $err == *"bad.ini line 15: grade 良好 starts at 60 like grade 合格 (line 14)"* ]]'
expect scheme_unknown_section_named '[[ $err == *"bad.ini line 17: [other]"* ]]'
expect scheme_grade_above_total_named '[[ $err == *"bad.ini line 13: grade 优秀 starts at 90, above the 10 points"* ]]'
expect scheme_without_zero_grade_named '[[ $err == *"no grade starts at 0"* ]]'
expect scheme_bad_file_stores_nothing '[ "$(stored)" = "$before" ] && [[ $err == *"nothing was written"* ]]'

# A line too long for the INI parser is named, and the lines after it keep their numbers.
long=$(printf '很长的标题%.0s' $(seq 1 20))
printf '[scheme]\nname = 长行\ntitle = %s\ntarget = teacher\n[items]\n心得体会 = x\n[grades]\n不合格 = 0\n' \
    "$long" >"$F/long.ini"
run dist assessment scheme set "$F/long.ini"
expect scheme_long_line_named_and_lines_kept \
    '[ $rc = 1 ] && [[ $err == *"long.ini line 3: longer than 198 bytes"* ]] && [[ $err == *"long.ini line 6: 心得体会: the maximum points"* ]]'

# --- a good scheme (seed 002 §七: 满分100, 60分以上合格) ----------------------------
cat >"$F/teachers.ini" <<'EOF'
# 2026学年教师培训考核方案
[方案]
名称 = 教师考核
对象 = 教师
标题 = 2026学年教师培训考核
[项目]
心得体会 = 10
质量检测 = 30
听课材料 = 60
[等级]
优秀 = 90
合格 = 60
不合格 = 0
EOF
run school assessment scheme set "$F/teachers.ini"
expect scheme_set_school_role_is_permission_denied '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run dist assessment scheme set "$F/teachers.ini"
expect scheme_set_stores_it \
    '[ $rc = 0 ] && [[ $out == *"stored scheme 教师考核 (teacher 教师): 3 items, 100 points"* ]]'
run school assessment scheme show 教师考核
expect scheme_show_gives_the_file_back '[ $rc = 0 ] && [ "$out" = "$(cat "$F/teachers.ini")" ]'
run school assessment scheme list --format json
expect scheme_list_json \
    '[ $rc = 0 ] && json "
s = d[0]
assert s[\"name\"] == \"教师考核\" and s[\"target\"] == \"teacher\" and float(s[\"total\"]) == 100, s
assert s[\"items\"] == [\"心得体会 10\", \"质量检测 30\", \"听课材料 60\"], s
assert s[\"grades\"] == [\"优秀 ≥ 90\", \"合格 ≥ 60\", \"不合格 ≥ 0\"], s
"'

# --- scores with mistakes, in GB18030: every cell named, nothing written -------------
cat >"$F/bad-scores.utf8.csv" <<'EOF'
教师编号,姓名,考核项目,得分
C001,张丽,心得体会,10
C001,张丽,读书笔记,5
C002,王强,质量检测,31
C002,王强,心得体会,9
C002,王强,心得体会,8
J001,刘洋,心得体会,10
EOF
iconv -f UTF-8 -t GB18030 "$F/bad-scores.utf8.csv" >"$F/bad-scores.csv" || die iconv
before=$(stored)
run school assessment scores import "$F/bad-scores.csv" --scheme 教师考核 --year 2026
expect scores_unknown_item_names_its_cell \
    '[ $rc = 1 ] && [[ $err == *"bad-scores.csv C3 (考核项目) \"读书笔记\": scheme 教师考核 has no item 读书笔记; its items are 心得体会、质量检测、听课材料"* ]]'
expect scores_above_maximum_names_its_cell \
    '[[ $err == *"bad-scores.csv D4 (得分) \"31\": 31.0 points are above the maximum of item 质量检测 (30.0)"* ]]'
expect scores_item_twice_names_both_rows '[[ $err == *"bad-scores.csv C6 (考核项目) \"心得体会\": "*"twice (first on row 5)"* ]]'
expect scores_school_scoring_another_unit_named \
    '[[ $err == *"bad-scores.csv A7 (教师编号) \"J001\": teacher J001 is not a teacher of your unit 4114230001"* ]] &&
     [[ $err == *"4 problems; nothing was written"* ]]'
expect scores_refused_write_nothing '[ "$(stored)" = "$before" ]'
printf '教师编号,考核项目,得分\nC001,心得体会,九\nC001,质量检测,1e1\n' >"$F/nan.csv"
run school assessment scores import "$F/nan.csv" --year 2026
expect scores_not_numbers_named_at_their_cells \
    '[ $rc = 1 ] && [[ $err == *"nan.csv C2 (得分) \"九\": "*"not a number"* ]] && [[ $err == *"nan.csv C3 (得分) \"1e1\": "* ]] &&
     [[ $err == *"2 problems; nothing was written"* ]] && [ "$(stored)" = "$before" ]'

# --- scores at the grade edges --------------------------------------------------------
# C001 90 (优秀 exactly), C002 89.5 (合格), C003 95 (优秀, but absent once),
# C004 60 (合格 exactly); J001 95 without hours, J002 59.5 (不合格).
cat >"$F/scores.utf8.csv" <<'EOF'
教师编号,姓名,考核项目,得分
C001,张丽,心得体会,10
C001,张丽,质量检测,30
C001,张丽,听课材料,50
C002,王强,心得体会,10
C002,王强,质量检测,29.5
C002,王强,听课材料,50
C003,李华,心得体会,10
C003,李华,质量检测,30
C003,李华,听课材料,55
C004,赵敏,心得体会,10
C004,赵敏,质量检测,20
C004,赵敏,听课材料,30
EOF
iconv -f UTF-8 -t GB18030 "$F/scores.utf8.csv" >"$F/scores.csv" || die iconv
run school assessment scores import "$F/scores.csv" --year 2026
expect scores_import_school_own_teachers \
    '[ $rc = 0 ] && [[ $out == *"scores.csv: 12 created, 0 updated, 0 unchanged"* ]]'
printf 'teacher_code,item,points\r\nJ001,心得体会,10\r\nJ001,质量检测,30\r\nJ001,听课材料,55\r\nJ002,心得体会,10\r\nJ002,质量检测,20\r\nJ002,听课材料,29.5\r\n' >"$F/junior.csv"
run dist assessment scores import "$F/junior.csv" --scheme 教师考核 --year 2026
expect scores_import_district_any_teacher '[ $rc = 0 ] && [[ $out == *"6 created"* ]]'
run dist assessment scores import "$F/junior.csv" --scheme 教师考核 --year 2026
expect scores_import_again_changes_nothing '[ $rc = 0 ] && [[ $out == *"0 created, 0 updated, 6 unchanged"* ]]'

run dist assessment results --year 2026 --as-of $ASOF --format json
expect results_grades_at_edges_and_lowered \
    '[ $rc = 0 ] && json "
r = {x[\"subject_code\"]: x for x in d}
assert sorted(r) == [\"C001\", \"C002\", \"C003\", \"C004\", \"J001\", \"J002\"], sorted(r)
def want(code, score, grade, final, hours, absences, cons):
    x = r[code]
    assert float(x[\"score\"]) == score, x
    assert x[\"grade\"] == grade and x[\"final_grade\"] == final, x
    assert x[\"hours_ok\"] is hours and x[\"absences_ok\"] is absences, x
    assert x[\"consequences\"] == cons, x
want(\"C001\", 90, \"优秀\", \"优秀\", True, True, [])
want(\"C002\", 89.5, \"合格\", \"合格\", True, True, [])
want(\"C003\", 95, \"优秀\", \"不合格\", True, False, [\"no_excellence\"])
want(\"C004\", 60, \"合格\", \"合格\", True, True, [])
want(\"J001\", 95, \"优秀\", \"不合格\", False, True, [\"no_promotion\", \"no_excellence\"])
want(\"J002\", 59.5, \"不合格\", \"不合格\", False, True, [\"no_promotion\", \"no_excellence\"])
assert r[\"J001\"][\"status\"] == \"non_compliant\" and r[\"J001\"][\"reasons\"][0][\"rule\"] == \"hours_year\", r[\"J001\"]
assert r[\"C001\"][\"items_scored\"] == 3, r[\"C001\"]
"'
run dist assessment results --year 2026 --as-of $ASOF --approved-only --format json
expect results_approved_only_counts_approved_hours_only \
    '[ $rc = 0 ] && json "
r = {x[\"subject_code\"]: x for x in d}
assert r[\"C001\"][\"hours_ok\"] is False and r[\"C001\"][\"final_grade\"] == \"不合格\", r[\"C001\"]
"'
run dist report approve $CENTRAL 2026-10
[ "$rc" = 0 ] || die "approve: $err"
run dist assessment results --year 2026 --as-of $ASOF --approved-only --format json
expect results_approved_only_after_approval \
    '[ $rc = 0 ] && json "
r = {x[\"subject_code\"]: x for x in d}
assert r[\"C001\"][\"final_grade\"] == \"优秀\", r[\"C001\"]
"'
run_default dist assessment results --year 2026 --as-of $ASOF
expect results_table_in_chinese \
    '[ $rc = 0 ] && [[ $out == *"教师年度考核 2026（方案 教师考核：3 个项目，满分 100；"* ]] &&
     [[ $out == *不得晋职* ]] && [[ $out == *最终等级* ]]'
run dist assessment results --year 2026 --as-of $ASOF
expect results_table_in_english_with_lang_en \
    '[ $rc = 0 ] && [[ $out == *"scheme 教师考核: 3 items, 100 points"* ]] && [[ $out == *no_promotion* ]]'

# --- the school's view ------------------------------------------------------------------
run school assessment results --year 2026 --as-of $ASOF --format csv
expect results_school_sees_its_unit_only \
    '[ $rc = 0 ] && [[ $out == *C001* ]] && [[ $out == *C004* ]] && [[ $out != *J001* ]]'
run school assessment results --year 2026 --unit $JUNIOR
expect results_school_other_unit_is_permission_denied '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'

# --- a scheme with scores keeps its items and maxima -----------------------------------
sed 's/^质量检测 = 30$/质量检测 = 25/; /^心得体会/d; s/^优秀 = 90$/优秀 = 80/' "$F/teachers.ini" >"$F/shrunk.ini"
before=$(stored)
run dist assessment scheme set "$F/shrunk.ini"
expect scheme_with_scores_keeps_its_items \
    '[ $rc = 1 ] && [[ $err == *"item 心得体会 has 6 scores"* ]] && [[ $err == *"item 质量检测: 4 scores are above the new maximum 25"* ]] && [ "$(stored)" = "$before" ]'
sed 's/^听课材料 = 60$/听课材料 = 70/' "$F/teachers.ini" >"$F/grown.ini"
run dist assessment scheme set "$F/grown.ini"
expect scheme_raised_maximum_is_stored '[ $rc = 0 ] && [[ $out == *"3 items, 110 points"* ]]'

# --- the wide form (宽表): a row per teacher, a column per item --------------------------
# The same scores as scores.csv, for 2027, as a coordinator keeps them in Excel: GB18030,
# Chinese headers, the items in another order than the scheme's. C004's 心得体会 is left
# empty (no score), then entered alone from a file with that one item column.
cat >"$F/wide.utf8.csv" <<'EOF'
教师编号,姓名,听课材料,心得体会,质量检测
C001,张丽,50,10,30
C002,王强,50,10,29.5
C003,李华,55,10,30
C004,赵敏,30,,20
EOF
iconv -f UTF-8 -t GB18030 "$F/wide.utf8.csv" >"$F/wide.csv" || die iconv
run school assessment scores import "$F/wide.csv" --year 2027
expect wide_scores_import_one_per_filled_cell \
    '[ $rc = 0 ] && [[ $out == *"wide.csv: 11 created, 0 updated, 0 unchanged"* ]]'
printf '教师编号,心得体会\nC004,10\n' >"$F/wide-one.csv"
run school assessment scores import "$F/wide-one.csv" --year 2027
expect wide_scores_import_items_left_out '[ $rc = 0 ] && [[ $out == *"1 created, 0 updated, 0 unchanged"* ]]'
run school assessment scores import "$F/wide.csv" --year 2027
expect wide_scores_import_again_changes_nothing '[ $rc = 0 ] && [[ $out == *"0 created, 0 updated, 11 unchanged"* ]]'
# The same wide form as an Excel workbook, as a coordinator keeps it: a merged title row
# above the header, the points as numbers, one left empty; checked first, then entered.
/usr/bin/python3 - "$F/宽表.xlsx" <<"PY" || die "writing the scores workbook"
import sys
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "得分"
ws.append(["城关镇中心校2028年度教师培训考核得分"])
ws.merge_cells("A1:E1")
ws.append(["教师编号", "姓名", "听课材料", "心得体会", "质量检测"])
for row in (["C001", "张丽", 50, 10, 30], ["C002", "王强", 50, 10, 29.5],
            ["C003", "李华", 55, 10, 30], ["C004", "赵敏", 30, None, 20]):
    ws.append(row)
wb.save(sys.argv[1])
PY
before=$(stored)
LANGUAGE=en run school assessment scores import "$F/宽表.xlsx" --year 2028 --check
expect wide_workbook_check_writes_nothing \
    '[ $rc = 0 ] && [ "$out" = "$F/宽表.xlsx: checked: no problems; nothing was written" ] && [ "$(stored)" = "$before" ]'
LANGUAGE=en run school assessment scores import "$F/宽表.xlsx" --year 2028
expect wide_workbook_import_one_per_filled_cell \
    '[ $rc = 0 ] && [ "$out" = "$F/宽表.xlsx: 11 created, 0 updated, 0 unchanged" ]'
run dist assessment results --year 2026 --as-of $ASOF --format json
long_results=$out
run dist assessment results --year 2027 --as-of $ASOF --format json
expect wide_results_equal_the_long_forms \
    '[ $rc = 0 ] && LONG=$long_results json "
import os
def grades(rows):
    return {x[\"subject_code\"]: (float(x[\"score\"]), x[\"grade\"], x[\"items_scored\"])
            for x in rows if x[\"subject_code\"].startswith(\"C\")}
want, got = grades(json.loads(os.environ[\"LONG\"])), grades(d)
assert sorted(got) == [\"C001\", \"C002\", \"C003\", \"C004\"] and got == want, (got, want)
"'

# --- wide files with mistakes: each cell named by line and column, nothing written ---------
before=$(stored)
printf '教师编号,姓名,心得体会,质量检测\nC001,张丽,10,30\nC002,王强,九,20\n' >"$F/wide-nan.csv"
run school assessment scores import "$F/wide-nan.csv" --year 2027
expect wide_not_a_number_names_its_cell \
    '[ $rc = 1 ] && [[ $err == *"wide-nan.csv C3 (心得体会) \"九\": "*"not a number"* ]] && [[ $err == *"nothing was written"* ]] && [ "$(stored)" = "$before" ]'
cat >"$F/wide-bad.utf8.csv" <<'EOF'
教师编号,姓名,心得体会,质量检测,听课材料
C001,张丽,10,31,50
J001,刘洋,10,30,55
EOF
iconv -f UTF-8 -t GB18030 "$F/wide-bad.utf8.csv" >"$F/wide-bad.csv" || die iconv
run school assessment scores import "$F/wide-bad.csv" --year 2027
expect wide_above_maximum_names_its_cell \
    '[ $rc = 1 ] && [[ $err == *"wide-bad.csv D2 (质量检测) \"31\": 31.0 points are above the maximum of item 质量检测 (30.0)"* ]] && [ "$(stored)" = "$before" ]'
expect wide_other_units_teacher_named_once_at_the_code \
    '[ "$(grep -c "wide-bad.csv A3 (教师编号) \"J001\": teacher J001 is not a teacher of your unit" <<<"$err")" = 1 ] && [[ $err == *"nothing was written"* ]]'
printf '教师编号,姓名,心得体会,质量检测,总分\nC001,张丽,10,30,40\n' >"$F/wide-unknown.csv"
run school assessment scores import "$F/wide-unknown.csv" --year 2027
expect wide_unknown_column_named_with_the_items \
    '[ $rc = 1 ] && [[ $err == *"wide-unknown.csv E2 (总分) \"40\": scheme 教师考核 has no item 总分; its items are 心得体会、质量检测、听课材料"* ]] && [ "$(stored)" = "$before" ]'
printf '教师编号,心得体会\nC001,10\nC002,9\nC001,8\n' >"$F/wide-twice.csv"
run school assessment scores import "$F/wide-twice.csv" --year 2027
expect wide_teacher_twice_names_both_rows \
    '[ $rc = 1 ] && [[ $err == *"wide-twice.csv B4 (心得体会) \"8\": "*"C001"*"twice (first on row 2)"* ]] && [ "$(stored)" = "$before" ]'
printf '教师编号,姓名\nC001,张丽\n' >"$F/no-scores.csv"
run school assessment scores import "$F/no-scores.csv" --year 2027
expect scores_header_without_scores_names_both_forms \
    '[ $rc = 1 ] && [[ $err == *"no-scores.csv"*"考核项目"*"得分"*"a column per assessment item"* ]] && [ "$(stored)" = "$before" ]'
printf '教师编号,考核项目,得分,心得体会\nC001,质量检测,20,10\n' >"$F/mixed.csv"
run school assessment scores import "$F/mixed.csv" --year 2027
expect scores_header_of_both_forms_refused \
    '[ $rc = 1 ] && [[ $err == *"mixed.csv"*"心得体会"* ]] && [ "$(stored)" = "$before" ]'

# --- a teacher who moves: the new unit re-scores what the old one entered -------------
run dist roster transfer C004 --to $JUNIOR
[ "$rc" = 0 ] || die "roster transfer: $err"
printf '教师编号,考核项目,得分\nC004,听课材料,40\n' >"$F/moved.csv"
run junior assessment scores import "$F/moved.csv" --year 2026
expect scores_new_unit_rescores_a_moved_teacher '[ $rc = 0 ] && [[ $out == *"0 created, 1 updated"* ]]'
run school assessment scores import "$F/moved.csv" --year 2026
expect scores_old_unit_no_longer_scores_a_moved_teacher \
    '[ $rc = 1 ] && [[ $err == *"teacher C004 is not a teacher of your unit 4114230001"* ]]'
run junior assessment results --year 2026 --as-of $ASOF --format json
expect results_follow_the_moved_teacher \
    '[ $rc = 0 ] && json "
r = {x[\"subject_code\"]: x for x in d}
assert sorted(r) == [\"C004\", \"J001\", \"J002\"], sorted(r)
assert float(r[\"C004\"][\"score\"]) == 70 and r[\"C004\"][\"items_scored\"] == 3, r[\"C004\"]
"'

# --- a unit scheme: the district scores the units ---------------------------------------
cat >"$F/units.ini" <<'EOF'
[scheme]
name = 单位考核
target = unit
[items]
按时加入班级 = 10
参与集中培训 = 10
线上学习 = 60
[grades]
优秀 = 70
合格 = 48
不合格 = 0
EOF
run dist assessment scheme set "$F/units.ini"
[ "$rc" = 0 ] || die "unit scheme: $err"
run dist assessment results --year 2026 --as-of $ASOF
expect results_two_schemes_need_scheme '[ $rc = 1 ] && [[ $err == *"2 assessment schemes"*"name the one meant"* ]]'
run dist assessment scores import "$F/junior.csv" --year 2026
expect scores_two_schemes_need_scheme \
    '[ $rc = 2 ] && [[ $err == *"the district has 2 assessment schemes (单位考核, 教师考核): name one with --scheme"* ]]'
printf '单位代码,考核项目,得分\n%s,按时加入班级,10\n%s,参与集中培训,10\n%s,线上学习,50\n%s,线上学习,48\n' \
    $CENTRAL $CENTRAL $CENTRAL $JUNIOR >"$F/unit-scores.csv"
run school assessment scores import "$F/unit-scores.csv" --scheme 单位考核 --year 2026
expect unit_scores_school_is_permission_denied '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run dist assessment scores import "$F/unit-scores.csv" --scheme 单位考核 --year 2026
expect unit_scores_district_imports '[ $rc = 0 ] && [[ $out == *"4 created"* ]]'
run dist assessment results --year 2026 --scheme 单位考核 --format json
expect unit_results_graded \
    '[ $rc = 0 ] && json "
r = {x[\"subject_code\"]: x for x in d}
assert r[\"$CENTRAL\"][\"grade\"] == \"优秀\" and float(r[\"$CENTRAL\"][\"score\"]) == 70, r
assert r[\"$JUNIOR\"][\"grade\"] == \"合格\" and r[\"$JUNIOR\"][\"items_scored\"] == 1, r
"'
run dist assessment scores import "$F/junior.csv" --scheme 单位考核 --year 2026
expect unit_scheme_refuses_teacher_file_rows \
    '[ $rc = 1 ] && [[ $err == *"junior.csv A2 (teacher_code) \"J001\": J001 is not a reporting unit"* ]]'

# --- XLSX, read back ---------------------------------------------------------------------
run_default dist assessment results --year 2026 --scheme 教师考核 --as-of $ASOF --format xlsx -o "$T/results.xlsx"
expect results_xlsx_written '[ $rc = 0 ] && [ -s "$T/results.xlsx" ]'
got=$(python3 - "$T/results.xlsx" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
# the strings are inline (constant memory mode) or shared
strings = z.read("xl/worksheets/sheet1.xml").decode()
if "xl/sharedStrings.xml" in names:
    strings += z.read("xl/sharedStrings.xml").decode()
book = z.read("xl/workbook.xml").decode()
print("sheet" if "教师考核" in book else "nosheet",
      "headers" if "最终等级" in strings and "教师编号" in strings else "noheaders",
      "values" if "不得晋职" in strings and "优秀" in strings else "novalues")
EOF
)
expect results_xlsx_reads_back '[ "$got" = "sheet headers values" ]'

# --- the CLI's language: Chinese by default, English with --lang en or LANG=en* ---------
run_default dist compliance teachers --year 2026 --as-of $ASOF
expect compliance_table_in_chinese_by_default \
    '[ $rc = 0 ] && [[ $out == *教师编号*状态*未达标原因* ]] && [[ $out == *J001*不达标*"年度学时不足 0/3"* ]] &&
     [[ $out == *C001*达标* ]]'
run_default dist compliance teachers --year 2026 --as-of $ASOF --format json
expect compliance_json_keeps_codes_with_labels \
    '[ $rc = 0 ] && json "
r = {x[\"teacher_code\"]: x for x in d}
j = r[\"J001\"]
assert j[\"status\"] == \"non_compliant\" and j[\"status_label\"] == \"不达标\", j
assert j[\"reasons\"][0][\"rule\"] == \"hours_year\" and j[\"reasons\"][0][\"rule_label\"] == \"年度学时\", j
"'
run_default dist compliance teachers --year 2026 --as-of $ASOF --format csv
expect compliance_csv_keeps_english_keys_and_codes \
    '[ $rc = 0 ] && [[ $out == teacher_code,name,* ]] && [[ $out == *non_compliant,hours_year\ 0/3* ]] &&
     [[ $out != *不达标* ]]'
run_default dist teacher history C001
expect history_table_shows_statuses_and_categories_in_chinese \
    '[ $rc = 0 ] && [[ $out == *月报状态*内容类别* ]] && [[ $out == *已通过*师德*校级*集中* ]] &&
     [[ $out != *approved* ]]'
run_default dist teacher history C001 --format json
expect history_json_keeps_the_status_code_with_its_label \
    '[ $rc = 0 ] && json "
r = d[\"records\"][0]
assert r[\"report_status\"] == \"approved\" and r[\"report_status_label\"] == \"已通过\", r
assert r[\"category\"] in (\"ethics\", \"subject\") and r[\"category_label\"] in (\"师德\", \"学科专业知识\"), r
"'
run_default dist teacher history C001 -o "$T/history.xlsx"
expect history_xlsx_has_chinese_headers_and_values \
    '[ $rc = 0 ] && [[ $out == "已写入 $T/history.xlsx："*" 条记录" ]] && /usr/bin/python3 -c "
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
rows = list(ws.iter_rows(values_only=True))
h = [i for i, r in enumerate(rows) if \"月报状态\" in r][0]  # below the titles
assert rows[0][0].startswith(\"姓名：\") and \"内容类别\" in rows[h], rows[:h + 1]
assert any(\"已通过\" in r and \"师德\" in r for r in rows[h + 1:]), rows
" "$T/history.xlsx"'
run_default dist --lang en teacher history C001
expect lang_en_gives_english_headings_and_values \
    '[ $rc = 0 ] && [[ $out == *report_status*category* ]] && [[ $out == *approved*ethics* ]] && [[ $out != *已通过* ]]'
LANGUAGE='' LC_ALL='' LC_MESSAGES='' LANG=en_US.UTF-8 run dist compliance teachers --year 2026 --as-of $ASOF
expect lang_from_the_environment '[ $rc = 0 ] && [[ $out == *teacher_code* ]] && [[ $out == *"hours_year short: 0/3"* ]]'
run_default dist compliance teachers --year 2026 --status 不达标 --as-of $ASOF --format csv
expect status_option_takes_the_chinese_label '[ $rc = 0 ] && [[ $out == *J001* ]] && [[ $out != *C001* ]]'
run_default dist compliance teachers --year nineteen
expect usage_errors_in_chinese \
    '[ $rc = 2 ] && [[ $err == *"--year "?nineteen?" 不是"* ]] && [[ $err == *"请看 yanxiu compliance teachers --help"* ]]'
run_default dist --lang fr whoami
expect an_unknown_language_is_refused '[ $rc = 2 ] && [[ $err == *"--lang "?fr?"："*zh-CN* ]]'
# Hello carries the language: the server's refusal comes in Chinese too, in English with --lang en.
has_chinese() { python3 -c 'import sys; sys.exit(0 if any("\u4e00" <= c <= "\u9fff" for c in sys.argv[1]) else 1)' "$1"; }
run_default school assessment results --year 2026 --unit $JUNIOR
expect server_messages_in_chinese_by_default \
    '[ $rc = 1 ] && [[ $err == "yanxiu："*PERMISSION_DENIED* ]] && has_chinese "${err#*PERMISSION_DENIED}"'
run_default school --lang en assessment results --year 2026 --unit $JUNIOR
expect server_messages_in_english_with_lang_en \
    '[ $rc = 1 ] && [[ $err == "yanxiu: "*PERMISSION_DENIED* ]] && ! has_chinese "$err"'
run_default dist reporting-rates --year 2026 --as-of $ASOF
expect reporting_rates_legend_in_chinese '[ $rc = 0 ] && [[ $out == *"按时：截止日前上报"* ]]'

finish
