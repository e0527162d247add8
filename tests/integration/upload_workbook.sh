#!/bin/bash
# upload_workbook: a coordinator's workbook through the CLI, as the issue's "Done when" says.
# The workbooks come from tests/fixtures/coordinator_workbook.py (saved as Excel saves them:
# shared strings, date and time cells, a merged title row, a formula with its cached value, a
# hidden sheet, empty bordered rows). The school imports its roster as 名册.xlsx (read as the
# roster already stored); the wrong report workbook (every mistake of the fixture) prints every
# problem in one run, in Chinese by default (no LANG), each at its sheet, row and column with
# the value, exits 1 and writes nothing; the right one goes in with `yanxiu report submit
# FILE.xlsx` at the first attempt, with the expected counts and teacher-hours.
# Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU, YX_YANXIUD, YX_CONF, YX_DIR,
# YX_PSQL).
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/upload_workbook
mkdir -p "$T/files"
F=$T/files
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/tap.sh
source "$here/tap.sh"
# shellcheck source=tests/integration/small_county.sh
source "$here/small_county.sh"
PY=/usr/bin/python3 # Debian's, with python3-openpyxl
FIXTURES=$(cd "$here/../fixtures" && pwd)

# What a submission writes: versions, sign-in rows, external records, as one string.
written() {
    $YX_PSQL -Atc "select (select count(*) from report_versions) || '/' ||
                          (select count(*) from attendance) || '/' ||
                          (select count(*) from external_records)"
}
# The stored roster as one string.
roster() {
    $YX_PSQL -Atc "select string_agg(concat_ws(' ', code, name, school_code, subject,
                                               research_group, homeroom, backbone, new_teacher),
                                     ',' order by code) from teachers"
}
# Without LANG, LANGUAGE or LC_*: the CLI's default language (Chinese).
unset LANG LANGUAGE LC_ALL LC_MESSAGES

# --- district, units, roster (CSV), accounts -------------------------------------------------
D=411423
"$YX_YANXIUD" -c "$YX_CONF" district add $D 宁陵县 >/dev/null || die "district add"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser dist --role district --district $D
adduser school --role school --district $D --unit 4114230001
for who in dist school; do
    YANXIU_PASSWORD=pw-$who-secret run "$who" --server "$YX_SERVER" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done
small_county_files "$F"
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
# The fixture's roster as CSV, so that the workbooks below meet stored teachers.
$PY - "$FIXTURES" "$F/teachers.csv" <<'PY' || die "teachers.csv"
import sys
sys.path.insert(0, sys.argv[1])
import coordinator_workbook as cw
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("教师编号,姓名,学校代码,学科,教研组,班主任,骨干教师,新任教师\n")
    for row in cw.ROSTER:
        f.write(",".join(row) + "\n")
PY
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"

# --- the roster as a workbook ------------------------------------------------------------------
$PY "$FIXTURES/coordinator_workbook.py" roster "$F/名册.xlsx" >/dev/null || die "roster workbook"
roster_before=$(roster)
run school roster import "$F/名册.xlsx"
expect roster_workbook_read_as_the_stored_roster \
    '[ $rc = 0 ] && [ -n "$roster_before" ] && [ "$(roster)" = "$roster_before" ]'

# --- the wrong workbook: every problem in one run, in Chinese, nothing written ---------------
WRONG="$F/城关镇中心校2026年10月研修登记（有错）.xlsx"
$PY "$FIXTURES/coordinator_workbook.py" report "$WRONG" --mistakes all --expect "$T/wrong.json" \
    >/dev/null || die "wrong workbook"
before=$(written)
run school report submit "$WRONG" --month 2026-10
expect wrong_workbook_refused '[ $rc = 1 ]'
expect wrong_workbook_wrote_nothing '[ "$(written)" = "$before" ] && [ "$before" = 0/0/0 ]'
# Each expected problem on exactly one line of stderr naming the cell (研修活动!M5), the value,
# in Chinese.
problems=$($PY - "$T/wrong.json" "$T/err" <<'PY'
import json, re, sys
expect = json.load(open(sys.argv[1], encoding="utf-8"))["problems"]
lines = open(sys.argv[2], encoding="utf-8", errors="replace").read().splitlines()
cjk = re.compile(r"[\u4e00-\u9fff]")
for p in expect:
    def at(line):
        # SHEET!CELL as Excel names it; a problem of no cell (a missing column): its row
        if p["column"]:
            if "%s!%s%d" % (p["sheet"], p["column"], p["row"]) not in line:
                return False
        elif p["sheet"] not in line or not re.search(r"(?<![0-9])%d(?![0-9])" % p["row"], line):
            return False
        if p["mistake"] == "date_outside_month":
            return bool(re.search(r"2026\D0?11\D0?3", line)) and bool(cjk.search(line))
        return all(w in line for w in p["mentions"]) and bool(cjk.search(line))
    found = [l for l in lines if at(l)]
    print("%s %s" % ("ok" if len(found) == 1 else "missing", p["mistake"]))
PY
)
for m in hours_1_3 teacher_not_in_roster unknown_category merged_blank missing_column \
    date_outside_month; do
    expect "wrong_workbook_names_${m}_at_its_cell" '[[ $problems == *"ok $m"* ]]'
done
# English words left in stderr once the file names and the program's name are taken out: none.
english=$($PY - "$T/err" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
text = re.sub(r"\S*\.xlsx|^yanxiu: ", " ", text, flags=re.M)
print(" ".join(sorted(set(re.findall(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])", text)))))
PY
)
expect wrong_workbook_no_english_words '[ -z "$english" ] || ! echo "English: $english" >&2'

# --- the right workbook: in at the first attempt -------------------------------------------------
RIGHT="$F/城关镇中心校2026年10月研修登记.xlsx"
$PY "$FIXTURES/coordinator_workbook.py" report "$RIGHT" --expect "$T/right.json" >/dev/null ||
    die "right workbook"
run school report submit "$RIGHT" --month 2026-10 --format json
# The answer's counts against the fixture's: "ok" when they agree.
counts=$(printf '%s' "$out" | $PY -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit("not JSON")
e = json.load(open(sys.argv[1], encoding="utf-8"))
keys = ("activity_count", "attendance_count", "external_count", "teacher_hours")
print("ok" if d.get("version") == 1 and all(d.get(k) == e[k] for k in keys) else d)' \
    "$T/right.json")
expect right_workbook_in_at_the_first_attempt '[ $rc = 0 ] && [ "$counts" = ok ]'
expect right_workbook_stored_once '[ "$(written)" = 1/13/2 ]'

finish
