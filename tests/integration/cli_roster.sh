#!/bin/bash
# Schools and the roster from the CLI, as a district office and a school meet
# them: units import from Excel files (UTF-8 with Chinese headers, GB18030,
# BOM), re-import unchanged, bad files rejected naming line and column with
# nothing written, roster import by a school for its own unit only, the wall
# between districts, what the school role may not do, transfers, bad
# booleans caught before anything is sent, JSON that parses, a large file.
# Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU, YX_YANXIUD,
# YX_CONF, YX_DIR, YX_PSQL).
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/cli_roster
mkdir -p "$T/files"
F=$T/files
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

teachers_in_db() { $YX_PSQL -Atc "select count(*) from teachers"; }
schools_in_db() { $YX_PSQL -Atc "select count(*) from schools"; }
# rows of a CSV listing on stdout, header not counted
csv_rows() { printf '%s\n' "$out" | sed 1d | grep -c .; }

# --- accounts --------------------------------------------------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add 110101 东城区 >/dev/null || die "district add 110101"
"$YX_YANXIUD" -c "$YX_CONF" district add 120101 和平区 >/dev/null || die "district add 120101"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser dist1 --role district --district 110101
adduser dist2 --role district --district 120101
adduser school1 --role school --district 110101 --unit 1101010001
adduser admin1 --role admin
for who in dist1 dist2 school1 admin1; do
    YANXIU_PASSWORD=pw-$who-secret run "$who" --server "$YX_SERVER" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done

# --- units import: UTF-8 with Chinese headers, GB18030, BOM ----------------------
cat >"$F/units.csv" <<'EOF'
学校代码,学校名称,类型,所属中心校,开办日期,撤并日期
1101010001,东城区第一中心校,中心校,,,
1101010002,东城区实验小学,小学,1101010001,2001/9/1,
1101010003,东城区北街村小,村小,1101010001,1998-03-01,2030-07-31
1101010004,东城区第二初级中学,初中,,,
1101010005,东城区第二中心校,central,,,
1101010006,东城区南关小学,primary,1101010005,,
EOF
run dist1 units import "$F/units.csv"
expect units_import_utf8_chinese_headers_counts_created \
    '[ $rc = 0 ] && [ "$out" = "$F/units.csv: 6 created, 0 updated, 0 unchanged" ]'

run dist1 units import "$F/units.csv"
expect units_import_again_reports_all_unchanged \
    '[ $rc = 0 ] && [ "$out" = "$F/units.csv: 0 created, 0 updated, 6 unchanged" ]'

iconv -f UTF-8 -t GB18030 "$F/units.csv" >"$F/units-gb.csv" || die "iconv"
cmp -s "$F/units.csv" "$F/units-gb.csv" && die "iconv produced the same bytes"
run dist1 units import "$F/units-gb.csv"
expect units_import_gb18030_detected_reads_the_same_names \
    '[ $rc = 0 ] && [[ $out == *": 0 created, 0 updated, 6 unchanged" ]]'
run dist1 units import "$F/units-gb.csv" --encoding gb18030
expect units_import_gb18030_forced_reads_the_same_names \
    '[ $rc = 0 ] && [[ $out == *": 0 created, 0 updated, 6 unchanged" ]]'

{
    printf '\xEF\xBB\xBF'
    printf 'school_code,name,kind,central_code\r\n'
    sed 1d "$F/units.csv" | cut -d, -f1-4 | sed 's/$/\r/'
    printf '1101010007,"东城区""启明""幼儿园",幼儿园,\r\n'
} >"$F/units-bom.csv"
run dist1 units import "$F/units-bom.csv"
# The BOM file has no date columns: the schools keep their dates (unchanged).
expect units_import_bom_crlf_english_headers \
    '[ $rc = 0 ] && [[ $out == *": 1 created, 0 updated, 6 unchanged" ]]'
run dist1 units import "$F/units.csv"
expect units_import_without_date_columns_kept_the_dates \
    '[ $rc = 0 ] && [[ $out == *": 0 created, 0 updated, 6 unchanged" ]]'

run dist1 units list --format csv
expect units_list_csv_has_every_school_and_the_reporting_units \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 7 ] &&
     [ "$(printf "%s\n" "$out" | head -n 1)" = "school_code,name,kind,central_code,unit_code,opened,closed" ] &&
     printf "%s\n" "$out" | grep -qx "1101010002,东城区实验小学,primary,1101010001,1101010001,2001-09-01," &&
     printf "%s\n" "$out" | grep -qx "1101010006,东城区南关小学,primary,1101010005,1101010005,," &&
     printf "%s\n" "$out" | grep -q "^1101010007,\"东城区\"\"启明\"\"幼儿园\",kindergarten,"'

run dist1 units list --format json
expect units_list_json_parses \
    '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); assert len(d)==7 and d[0][\"unit_code\"]"'

# --- a bad units file: every problem named at its cell, nothing written -------------
cat >"$F/bad-units.csv" <<'EOF'
school_code,name,kind,central_code
1101010011,东城区第三初级中学,junior,
1101010012,东城区西街小学,小学,
1101010013,东城区职业学校,大学,
EOF
before=$(schools_in_db)
LANGUAGE=en run dist1 units import "$F/bad-units.csv"
expect units_import_bad_file_names_the_cell_of_each_problem \
    '[ $rc = 1 ] && [[ $err == *"bad-units.csv C4 (kind) \"大学\": "*kind* ]] &&
     [[ $err == *"bad-units.csv D3 (central_code): "*central* ]]'
run dist1 units list --format csv
expect units_import_bad_file_writes_nothing \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 7 ] && ! [[ $out == *1101010011* ]] && [ "$(schools_in_db)" = "$before" ]'

printf '学校代码,学校名称,类型,所属中心校\n1101010021,东城区某小学,小学,1101010099\n' >"$F/bad-central.csv"
LANGUAGE=en run dist1 units import "$F/bad-central.csv"
expect units_import_unknown_central_school_names_the_chinese_header \
    '[ $rc = 1 ] && [[ $err == *"bad-central.csv D2 (所属中心校) \"1101010099\": "*1101010099* ]]'

printf 'school_code,name,kind\n1101010031,甲,junior\n1101010032,乙,junior\n1101010031,丙,senior\n' >"$F/dup-units.csv"
LANGUAGE=en run dist1 units import "$F/dup-units.csv"
expect units_import_duplicate_code_names_both_rows \
    '[ $rc = 1 ] && [[ $err == *"dup-units.csv A4 (school_code) \"1101010031\": "*"twice (first on row 2)"* ]]'

# --- roster import by a school, for its own unit -----------------------------------
cat >"$F/teachers.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组,班主任,骨干教师,新任教师,状态
T0001,张丽,1101010001,语文,语文,是,否,否,在职
T0002,王强,1101010002,数学,数学,否,是,,
T0003,李华,1101010003,"英语,音乐",综合,1,0,TRUE,
EOF
run school1 roster import "$F/teachers.csv"
expect roster_import_school_own_unit_counts_created \
    '[ $rc = 0 ] && [ "$out" = "$F/teachers.csv: 3 created, 0 updated, 0 unchanged" ]'
run school1 roster import "$F/teachers.csv"
expect roster_import_again_reports_all_unchanged \
    '[ $rc = 0 ] && [[ $out == *": 0 created, 0 updated, 3 unchanged" ]]'

run school1 roster list --format csv
expect roster_list_school_sees_its_unit_with_yes_no_flags \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 3 ] &&
     [ "$(printf "%s\n" "$out" | head -n 1)" = "teacher_code,name,school_code,unit_code,subject,group,homeroom,backbone,new_teacher,status" ] &&
     printf "%s\n" "$out" | grep -qx "T0001,张丽,1101010001,1101010001,语文,语文,yes,no,no,active" &&
     printf "%s\n" "$out" | grep -qx "T0003,李华,1101010003,1101010001,\"英语,音乐\",综合,yes,no,yes,active"'

run school1 roster list --format json
expect roster_list_json_parses_with_boolean_flags \
    '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
keys = [\"teacher_code\", \"name\", \"school_code\", \"unit_code\", \"subject\", \"group\",
        \"homeroom\", \"backbone\", \"new_teacher\", \"status\"]
assert len(d) == 3 and all(sorted(r) == sorted(keys) for r in d), d
t = {r[\"teacher_code\"]: r for r in d}
assert t[\"T0001\"][\"homeroom\"] is True and t[\"T0001\"][\"backbone\"] is False, t
assert t[\"T0003\"][\"new_teacher\"] is True and t[\"T0003\"][\"subject\"] == \"英语,音乐\", t
"'
run_default school1 roster list
expect roster_list_table_says_status_by_its_label \
    '[ $rc = 0 ] && [[ $out == *状态* ]] && [[ $out == *在职* ]] && [[ $out != *active* ]]'

# --- the roster template: drop-down lists, filled as in Excel, imported as it is ------------
LANGUAGE=en run school1 roster template --xlsx "$F/名册.xlsx"
expect roster_template_written \
    '[ $rc = 0 ] && [ "$out" = "wrote $F/名册.xlsx" ] && [ -s "$F/名册.xlsx" ]'
expect roster_template_has_headers_and_drop_down_lists \
    '/usr/bin/python3 - "$F/名册.xlsx" <<"PY"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
assert re.findall(r"<sheet name=\"([^\"]+)\"", wb) == ["名册", "填写说明", "选项"], wb
assert re.search(r"<sheet name=\"选项\" sheetId=\"\d+\" state=\"hidden\"", wb), wb
x = z.read("xl/worksheets/sheet1.xml").decode()
lists = dict(re.findall(r"<dataValidation type=\"list\"[^>]*sqref=\"([A-Z])2:[A-Z]+\d+\">"
                        r"<formula1>([^<]*)</formula1>", x))
assert sorted(lists) == ["F", "G", "H", "I"], lists  # 班主任 骨干教师 新任教师 状态
assert lists["F"] == lists["G"] == lists["H"] != lists["I"], lists
ss = z.read("xl/sharedStrings.xml").decode()
for v in ("学校代码", "教师编号", "姓名", "学科", "教研组", "班主任", "骨干教师", "新任教师", "状态",
          "是", "否", "在职", "免训", "离职"):
    assert "<t>%s</t>" % v in ss, v
PY'
fill_roster() { # fill_roster OUT [wrong]: the template filled with two teachers by openpyxl
    /usr/bin/python3 - "$F/名册.xlsx" "$@" <<"PY"
import sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["名册"]
h = [c.value for c in ws[1]]
rows = [{"学校代码": "1101010001", "教师编号": "T0020", "姓名": "孙悦", "学科": "数学",
         "教研组": "数学", "班主任": "是", "骨干教师": "否", "新任教师": "是", "状态": "在职"},
        {"学校代码": "1101010002", "教师编号": "T0021", "姓名": "周平", "学科": "体育",
         "教研组": "综合", "班主任": "否", "骨干教师": "是", "状态": "免训"}]
if len(sys.argv) > 3:  # 名册!A3 学校代码 with a letter O for a zero, 名册!F2 班主任 neither 是 nor 否
    rows[1]["学校代码"] = "11010100O2"
    rows[0]["班主任"] = "也许"
for r, row in enumerate(rows, start=2):
    for k, v in row.items():
        ws.cell(row=r, column=h.index(k) + 1, value=v)
wb.save(sys.argv[2])
PY
}
fill_roster "$F/名册-错.xlsx" wrong || die "filling the roster template"
before=$(teachers_in_db)
LANGUAGE=en run school1 roster import "$F/名册-错.xlsx"
expect roster_import_wrong_workbook_every_problem_at_its_cell \
    '[ $rc = 1 ] && [[ $err == *"名册-错.xlsx 名册!F2 (班主任) \"也许\": "* ]] &&
     [[ $err == *"名册-错.xlsx 名册!A3 (学校代码) \"11010100O2\": "* ]] &&
     [[ $err == *"2 problems; nothing was written"* ]] && [ "$(teachers_in_db)" = "$before" ]'
LANGUAGE=zh_CN run school1 roster import "$F/名册-错.xlsx" --check
expect roster_import_wrong_workbook_in_chinese \
    '[ $rc = 1 ] && [[ $err == *"名册-错.xlsx 名册!A3「学校代码」\"11010100O2\"："* ]] &&
     [[ $err == *"共 2 个问题，未写入任何数据"* ]]'
fill_roster "$F/名册-填好.xlsx" || die "filling the roster template"
LANGUAGE=en run school1 roster import "$F/名册-填好.xlsx" --check
expect roster_import_filled_template_check_writes_nothing \
    '[ $rc = 0 ] && [ "$out" = "$F/名册-填好.xlsx: checked: no problems; nothing was written" ] &&
     [ "$(teachers_in_db)" = "$before" ]'
LANGUAGE=en run school1 roster import "$F/名册-填好.xlsx"
expect roster_import_filled_template_accepted_as_it_is \
    '[ $rc = 0 ] && [ "$out" = "$F/名册-填好.xlsx: 2 created, 0 updated, 0 unchanged" ]'
run school1 roster list --format csv
expect roster_import_filled_template_reads_flags_and_status \
    '[ $rc = 0 ] && printf "%s\n" "$out" | grep -qx "T0020,孙悦,1101010001,1101010001,数学,数学,yes,no,yes,active" &&
     printf "%s\n" "$out" | grep -qx "T0021,周平,1101010002,1101010001,体育,综合,no,yes,no,exempt"'

# A school may not put a teacher at a school of another unit. A blank line comes
# first, so the bad row (the third) is on line 5 of the file.
cat >"$F/teachers-other-unit.csv" <<'EOF'
教师编号,姓名,学校代码,学科,教研组
T0004,赵敏,1101010001,语文,语文

T0005,钱进,1101010002,体育,综合
T0006,孙悦,1101010004,美术,综合
EOF
before=$(teachers_in_db)
LANGUAGE=en run school1 roster import "$F/teachers-other-unit.csv"
expect roster_import_school_into_other_unit_names_the_cell \
    '[ $rc = 1 ] && [[ $err == *"teachers-other-unit.csv C5 (学校代码) \"1101010004\": "*1101010004* ]]'
run school1 roster list --format csv
expect roster_import_school_into_other_unit_writes_nothing \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 5 ] && [ "$(teachers_in_db)" = "$before" ]'

# A line break inside a quoted cell: the file is read, the server refuses the text.
printf 'teacher_code,name,school_code,subject\n"T0012",周明,1101010001,"语文\n数学"\n' >"$F/teachers-newline.csv"
LANGUAGE=en run school1 roster import "$F/teachers-newline.csv"
expect roster_import_text_refused_by_server_names_the_cell \
    '[ $rc = 1 ] && [[ $err == *"teachers-newline.csv D2 (subject) "* ]]'

printf 'teacher_code,name,school_code\nT0007,周明,1101019999\n' >"$F/teachers-unknown-school.csv"
LANGUAGE=en run dist1 roster import "$F/teachers-unknown-school.csv"
expect roster_import_unknown_school_names_the_cell \
    '[ $rc = 1 ] && [[ $err == *"teachers-unknown-school.csv C2 (school_code) \"1101019999\": "*1101019999* ]]'

# --- bad booleans: every one named at its cell, nothing written -------------------
cat >"$F/teachers-bad-flags.csv" <<'EOF'
教师编号,姓名,学校代码,班主任,骨干教师,新任教师
T0008,吴刚,1101010001,是,否,否
T0009,郑爽,1101010001,maybe,否,x
EOF
before=$(teachers_in_db)
LANGUAGE=en run school1 roster import "$F/teachers-bad-flags.csv"
expect roster_import_bad_boolean_names_file_and_cell_of_each \
    '[ $rc = 1 ] && [[ $err == *"teachers-bad-flags.csv D3 (班主任) \"maybe\": "*"neither 是 nor 否"* ]] &&
     [[ $err == *"teachers-bad-flags.csv F3 (新任教师) \"x\": "*"neither 是 nor 否"* ]] &&
     [[ $err == *"2 problems; nothing was written"* ]] && [ "$(teachers_in_db)" = "$before" ]'
# A file above the server's upload limit (16 MB) is refused before anything is sent: the
# account has no session, which a sent request would have needed.
{ printf '教师编号,姓名,学校代码\n'; head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; } >"$F/teachers-huge.csv"
LANGUAGE=en run nobody roster import "$F/teachers-huge.csv" --server "$YX_SERVER"
expect roster_import_file_above_upload_limit_refused_before_sending \
    '[ $rc = 1 ] && [[ $err == *"teachers-huge.csv is 17.0 MB, above the 16.0 MB the server takes in one upload: nothing was sent"* ]] &&
     ! [[ $err == *"logged in"* ]]'
rm -f "$F/teachers-huge.csv"
before=$(teachers_in_db)
run school1 roster import "$F/teachers-bad-flags.csv"
expect roster_import_bad_boolean_writes_nothing \
    '[ $rc = 1 ] && [ "$(teachers_in_db)" = "$before" ]'

printf 'teacher_code,name,school_code\nT0010,甲,1101010001\nT0011,乙,1101010001\nT0010,丙,1101010002\n' >"$F/teachers-dup.csv"
LANGUAGE=en run school1 roster import "$F/teachers-dup.csv"
expect roster_import_duplicate_teacher_names_both_rows \
    '[ $rc = 1 ] && [[ $err == *"teachers-dup.csv A4 (teacher_code) \"T0010\": "*"twice (first on row 2)"* ]]'

# --- the wall between districts --------------------------------------------------
run dist2 units list --district 110101
expect units_list_other_district_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]] && [[ -z $out ]]'
run dist2 roster list --district 110101
expect roster_list_other_district_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]] && [[ -z $out ]]'
before=$(teachers_in_db)
run dist2 roster import "$F/teachers.csv" --district 110101
expect roster_import_other_district_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]] && [ "$(teachers_in_db)" = "$before" ]'
run dist2 units import "$F/units.csv" --district 110101
expect units_import_other_district_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run dist2 units list --format json
expect units_list_own_district_sees_nothing_of_another \
    '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "import json,sys; assert json.load(sys.stdin) == []"'
run dist2 roster list --format json
expect roster_list_own_district_sees_nothing_of_another \
    '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "import json,sys; assert json.load(sys.stdin) == []"'
LANGUAGE=en run dist2 units import "$F/units.csv"
expect units_import_school_code_of_another_district_refused \
    '[ $rc = 1 ] && [[ $err == *"units.csv A2 (学校代码) \"1101010001\": "*1101010001* ]]'

# --- what the school role may not do -----------------------------------------------
run school1 units import "$F/units.csv"
expect units_import_school_role_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run school1 roster transfer T0001 --to 1101010004
expect roster_transfer_school_role_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'
run school1 roster list --unit 1101010005
expect roster_list_school_role_other_unit_is_permission_denied \
    '[ $rc = 1 ] && [[ $err == *PERMISSION_DENIED* ]]'

# --- admin names the district ----------------------------------------------------
run admin1 units list
expect units_list_admin_without_district_is_a_usage_error \
    '[ $rc = 2 ] && [[ $err == *--district* ]]'
run admin1 units list --district 110101 --format csv
expect units_list_admin_with_district \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 7 ]'

# --- transfer ------------------------------------------------------------------------
run dist1 roster transfer T0002 --to 1101010006
expect roster_transfer_district_says_from_to_and_unit \
    '[ $rc = 0 ] && [ "$out" = "teacher T0002 moved from 1101010002 to 1101010006 (unit 1101010005); their hours stay with them" ]'
run dist1 roster list --unit 1101010005 --format csv
expect roster_list_shows_the_new_school_after_transfer \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 1 ] && printf "%s\n" "$out" | grep -q "^T0002,王强,1101010006,1101010005,"'
run school1 roster list --format csv
expect roster_list_old_unit_no_longer_lists_the_teacher \
    '[ $rc = 0 ] && [ "$(csv_rows)" = 4 ] && ! [[ $out == *T0002* ]]'
run dist1 roster transfer T9999 --to 1101010006
expect roster_transfer_unknown_teacher_fails \
    '[ $rc = 1 ] && [[ $err == *T9999* ]]'
run dist2 roster transfer T0001 --to 1101010004
expect roster_transfer_other_district_finds_nothing \
    '[ $rc = 1 ] && [ "$($YX_PSQL -Atc "select school_code from teachers where code = '\''T0001'\''")" = 1101010001 ]'

# --- a large file is one request ------------------------------------------------------
n_large=20000
{
    echo "teacher_code,name,school_code,subject,group,homeroom,backbone,new_teacher,status"
    awk -v n="$n_large" 'BEGIN { for (i = 1; i <= n; i++)
        printf "L%05d,教师%05d,1101010006,语文,语文,%s,否,否,在职\n", i, i, (i % 2 ? "是" : "否") }'
} >"$F/teachers-large.csv"
[ "$(wc -c <"$F/teachers-large.csv")" -gt 1000000 ] || die "the large file is not large"
run dist1 roster import "$F/teachers-large.csv"
expect roster_import_large_file_in_one_request \
    '[ $rc = 0 ] && [[ $out == *": $n_large created, 0 updated, 0 unchanged" ]]'
run dist1 roster list --unit 1101010005 --format csv
expect roster_list_large_unit \
    '[ $rc = 0 ] && [ "$(csv_rows)" = $((n_large + 1)) ]'

# --- help ---------------------------------------------------------------------------
for cmd in "units import" "units list" "roster import" "roster list" "roster transfer"; do
    # shellcheck disable=SC2086
    run nobody $cmd --help
    expect "help_${cmd// /_}_has_an_example" '[ $rc = 0 ] && [[ $out == *Example:* ]]'
done
run nobody roster import --help
expect help_roster_import_lists_columns_in_english_and_chinese \
    '[[ $out == *"teacher_code, 教师编号"* ]] && [[ $out == *"new_teacher, 新任教师"* ]]'

finish
