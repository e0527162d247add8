#!/bin/bash
# yanxiu report import (批量历史导入, SubmitBatch) against the real daemon:
#   - a manifest of 3 units x 3 months (CSV directories and empty months) is
#     written in batches, each report imported with its submission time;
#   - run again, every report answers as replayed and nothing is written;
#   - a bad cell in one report: its batch writes nothing, the problem is named
#     at the file, row and column, the batches before it stay written;
#     mended, the same command writes the rest;
#   - a manifest with a missing column or a bad month sends nothing;
#   - --check writes nothing; a school account is refused.
set -uo pipefail

T=$YX_DIR/cli_bulk
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
F=$T/files
mkdir -p "$F"

written() {
    $YX_PSQL -Atc "select (select count(*) from report_versions where imported) || '/' ||
                          (select count(*) from attendance) || '/' ||
                          (select count(*) from audit_log)"
}

"$YX_YANXIUD" -c "$YX_CONF" district add 411424 虞城县 >/dev/null || die "district add"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser dist --role district --district 411424
adduser school --role school --district 411424 --unit 4114240001
for who in dist school; do
    YANXIU_PASSWORD=pw-$who-secret run "$who" --server "$YX_SERVER" login --user "$who"
    [ "$rc" = 0 ] || die "login $who: $err"
done
cat >"$F/units.csv" <<'EOF'
学校代码,学校名称,类型,所属中心校
4114240001,虞城县第一中学,初中,
4114240002,虞城县第二中学,初中,
4114240003,虞城县第三中学,初中,
EOF
run dist units import "$F/units.csv"
[ "$rc" = 0 ] || die "units import: $err"
{
    echo "教师编号,姓名,学校代码,学科,教研组"
    for u in 1 2 3; do
        for k in 1 2 3; do echo "Y$u$k,教师$u$k,411424000$u,语文,语文"; done
    done
} >"$F/teachers.csv"
run dist roster import "$F/teachers.csv"
[ "$rc" = 0 ] || die "roster import: $err"

# The months 4, 5 and 6 before this one (Asia/Shanghai).
month_ago() { TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-15) -$1 month" +%Y-%m; }
M4=$(month_ago 4) M5=$(month_ago 5) M6=$(month_ago 6)
report() { # DIR UNIT(1-3) MONTH
    local d=$F/$1 u=$2 m=$3
    mkdir -p "$d"
    cat >"$d/activities.csv" <<EOF
编号,日期,开始,结束,主题,内容类别,形式,级别,方式,地点,主持人,主讲人,学时
A01,$m-09,14:30,16:30,师德专题讲座,师德,专题培训,校级,集中,会议室,校长,王老师,2
A02,$m-16,08:00,11:30,课例研究,学科专业知识,课例研究,校级,集中,教室,教导主任,李老师,3
EOF
    {
        echo "活动编号,教师编号,姓名,签到,学时"
        for k in 1 2 3; do echo "A01,Y$u$k,教师$u$k,出席,"; done
        for k in 1 2; do echo "A02,Y$u$k,教师$u$k,出席,"; done
    } >"$d/attendance.csv"
    printf '本月开展师德专题讲座和课例研究各一次。\n' >"$d/summary.txt"
}
{
    echo "单位代码,月份,上报时间,文件,无活动原因"
    for m in "$M6" "$M5" "$M4"; do
        for u in 1 2 3; do
            if [ "$u" = 3 ] && [ "$m" = "$M6" ]; then
                echo "411424000$u,$m,$m-28 10:00,,寒假"
            else
                report "$u/$m" "$u" "$m"
                echo "411424000$u,$m,$m-28 10:00,$u/$m,"
            fi
        done
    done
} >"$F/manifest.csv"

before=$(written)
run school report import "$F/manifest.csv"
expect "a school may not import history in bulk" '[ $rc = 1 ] && [[ $err == *"PERMISSION_DENIED"* || $err == *"may not"* ]]'
run dist report import "$F/manifest.csv" --check --batch 4
expect "--check checks every batch and writes nothing" \
    '[ $rc = 0 ] && [[ $err == *"batch 3 (manifest rows 10-10): checked, no problems"* ]] && [ "$(written)" = "$before" ]'

# A bad hour in unit 2's month M5 (manifest row 6, in the second batch of 4).
sed -i 's/^A02,\(.*\),3$/A02,\1,3.25/' "$F/2/$M5/activities.csv"
run dist report import "$F/manifest.csv" --batch 4
expect "a bad cell: the batch is not written, the problem named at its file and cell" \
    '[ $rc = 1 ] && [[ $err == *"2/$M5/activities.csv"*"M3"*"3.25"* ]] && [[ $err == *"batch 1 (manifest rows 2-5): 4 written, 0 replayed"* ]] &&
     [[ $out == *"stopped: 4 reports written"* ]]'
expect "the batch before it stays written, nothing of the bad one" \
    '[ "$($YX_PSQL -Atc "select count(*) from report_versions where imported")" = 4 ]'
sed -i 's/,3.25$/,3/' "$F/2/$M5/activities.csv"
run dist report import "$F/manifest.csv" --batch 4
expect "mended, the same command writes the rest; the first batch answers as replayed" \
    '[ $rc = 0 ] && [[ $err == *"batch 1 (manifest rows 2-5): 0 written, 4 replayed"* ]] &&
     [[ $out == *"9 reports: 5 written, 4 replayed"* ]]'
expect "9 imported versions, the empty month among them" \
    '[ "$($YX_PSQL -Atc "select count(*) || '"'"'/'"'"'  || count(*) filter (where empty) from report_versions where imported")" = "9/1" ]'
expect "each version dated when it really arrived" \
    '[ "$($YX_PSQL -Atc "select to_char(submitted_at at time zone '"'"'Asia/Shanghai'"'"', '"'"'YYYY-MM-DD HH24:MI'"'"') from report_versions where unit_code = '"'"'4114240001'"'"' and imported order by submitted_at limit 1")" = "$M6-28 10:00" ]'
before=$(written)
run dist report import "$F/manifest.csv"
expect "run again: every report replayed, nothing written" \
    '[ $rc = 0 ] && [[ $out == *"9 reports: 0 written, 9 replayed"* ]] && [ "$(written)" = "$before" ]'

printf '单位代码,月份,文件\n4114240001,2026-13,1/x\n' >"$F/bad.csv"
run dist report import "$F/bad.csv"
expect "a manifest without submitted_at is refused before anything is sent" \
    '[ $rc = 1 ] && [[ $err == *"submitted_at (上报时间) is missing"* ]]'
printf '单位代码,月份,上报时间,文件\n4114240001,2026-13,2026-01-02 10:00,1/x\n' >"$F/bad.csv"
run dist report import "$F/bad.csv"
expect "a bad month is named at its manifest row" \
    '[ $rc = 1 ] && [[ $err == *"bad.csv row 2 (month): \"2026-13\" is not a month"* ]]'
finish
