#!/bin/bash
# A big monthly report through the real path (issue 14: "a 40-activity x
# 60-teacher report under 100 ms"). Sets up a district, one reporting unit (a
# junior school) with a roster of 60 teachers (`yanxiu units import` and
# `yanxiu roster import` as the district) and a school account of that unit,
# then writes the report directory as a school would (README.md "Report
# files": activities.csv, attendance.csv and summary.txt, UTF-8, Chinese
# headers and values): 40 activities over the days of the last month that
# has ended in Asia/Shanghai, at most two a day (morning and afternoon, none
# overlapping), each with the 60 teachers on its sign-in sheet, present
# mostly, some late (with fewer hours), excused or absent: 2 400 sign-in
# rows. The school submits it with `yanxiu report submit DIR`, then submits
# it again REPEAT times, each time with a small real change (one activity
# half an hour longer and its hours 0.5 more, one teacher late instead of
# present or back to present), so that each is a new version; then the
# district submits it DISTRICT more times for the unit (`--unit`).
#
# For each request it prints the duration yanxiud logged for it (the request
# log line `method=SubmitReport code=OK duration=...ms`) and the CLI's wall
# time (the whole `yanxiu report submit`: reading the files, connecting,
# logging the session in, sending, waiting, printing); then min / median /
# max of each and how many took under 100 ms in the daemon, the first
# submission apart (the first SubmitReport on its pool connection: the
# connection plans report_submit's statements for the first time). At the end
# it checks every version with `yanxiud verify-ledger`. It fails only when
# something errs (a submission refused, a version missing or holding other
# rows, the ledgers disagreeing), never on the figures.
#
#   tests/harness/with-server tests/bench/big-report.sh
#
# Settings (environment):
#   YX_BENCH_REPEAT     resubmissions by the school (default 10)
#   YX_BENCH_DISTRICT   resubmissions by the district after them (default 2;
#                       0: none)
#   YX_BENCH_STATEMENTS=1  restart PostgreSQL with pg_stat_statements (nested
#                       statements too) and print at the end where its time went
#                       per resubmission: the 12 statements of most total time
# The harness's YX_PG_FSYNC=1 runs PostgreSQL with fsync on (the script
# prints which). ctest's bench_big_report runs it briefly (README.md
# "Benchmarks").
set -euo pipefail

die() {
    echo "big-report: $*" >&2
    exit 1
}
say() { echo "big-report: $*"; }
for v in YX_DIR YX_CONF YX_SERVER YX_YANXIUD YX_YANXIU YX_PSQL YX_DAEMON_LOG YX_DAEMON_PID; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server"
done
repeat=${YX_BENCH_REPEAT:-10}
if ! [[ $repeat =~ ^[0-9]+$ ]] || [ "$repeat" -lt 1 ] || [ "$repeat" -gt 1000 ]; then
    die "YX_BENCH_REPEAT is 1 to 1000"
fi
dist_repeat=${YX_BENCH_DISTRICT:-2}
if ! [[ $dist_repeat =~ ^[0-9]+$ ]] || [ "$dist_repeat" -gt 1000 ]; then
    die "YX_BENCH_DISTRICT is 0 to 1000"
fi

statements=${YX_BENCH_STATEMENTS:-0}

d=419902
unit=${d}0001
B=$YX_DIR/bigreport
mkdir -p "$B/school" "$B/district"
export YANXIU_PASSWORD=bench-password-1234
# yanxiu as ACCOUNT (school or district): its own HOME, so its own session
as() {
    local who=$1
    shift
    HOME=$B/$who XDG_CONFIG_HOME=$B/$who "$YX_YANXIU" --server "$YX_SERVER" "$@"
}

if [ "$statements" = 1 ]; then
    printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" \
        "pg_stat_statements.track = all" >>"$YX_DIR/pg/postgresql.conf"
    if ! eval "$YX_PG_STOP" || ! eval "$YX_PG_START" >/dev/null; then
        die "restarting PostgreSQL with pg_stat_statements failed"
    fi
    $YX_PSQL -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null ||
        die "CREATE EXTENSION pg_stat_statements"
    # the daemon's pool finds its connections closed and connects again
    for ((i = 0; i < 50; i++)); do
        "$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null 2>&1 && break
        sleep 0.2
    done
fi

# --- the district, the unit, its roster, the accounts -----------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add $d 大报告基准县 >/dev/null || die "district add"
"$YX_YANXIUD" -c "$YX_CONF" user add bigdist --role district --district $d >/dev/null ||
    die "user add bigdist"
"$YX_YANXIUD" -c "$YX_CONF" user add bigschool --role school --district $d --unit $unit \
    >/dev/null || die "user add bigschool"
as district login --user bigdist >/dev/null || die "login bigdist"
as school login --user bigschool >/dev/null || die "login bigschool"

printf '学校代码,学校名称,类型,所属中心校\n%s,基准县第一初级中学,初中,\n' $unit >"$B/units.csv"
as district units import "$B/units.csv" >/dev/null || die "units import"
# 60 teachers, T01 .. T60, names as a Chinese roster has them
awk -v unit=$unit 'BEGIN {
    split("王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗", sn, " ")
    split("丽 强 华 敏 洋 静 军 芳 伟 娟 磊 艳 勇 霞 杰 萍 涛 燕 明 婷", gn, " ")
    split("语文 数学 英语 物理 化学 生物 历史 地理 政治 音乐 体育 美术", subj, " ")
    print "教师编号,姓名,学校代码,学科,教研组,班主任,骨干教师,新任教师"
    for (j = 0; j < 60; j++) {
        s = subj[1 + j % 12]
        printf "T%02d,%s%s%s,%s,%s,%s,%s,%s,%s\n", j + 1, sn[1 + j % 20], gn[1 + (j * 7) % 20],
            (j < 20 ? "" : gn[1 + (j * 3) % 20]), unit, s, (j % 12 < 3 ? s : "综合"),
            (j % 4 == 0 ? "是" : "否"), (j % 10 == 0 ? "是" : "否"), (j % 15 == 7 ? "是" : "否")
    }
}' >"$B/teachers.csv"
as district roster import "$B/teachers.csv" >/dev/null || die "roster import"
n=$($YX_PSQL -Atc "SELECT count(*) FROM teachers WHERE school_code = '$unit'")
[ "$n" = 60 ] || die "the roster holds $n teachers, not 60"

# The last month that has ended in Asia/Shanghai, as the server counts it
read -r month ndays < <($YX_PSQL -AtF ' ' -c "
    SELECT to_char(m, 'YYYY-MM'), extract(day FROM m + interval '1 month' - interval '1 day')
    FROM (SELECT date_trunc('month', (now() AT TIME ZONE 'Asia/Shanghai')::date) - interval '1 month' AS m) x")
[ -n "$month" ] || die "no month"

# write_report DIR K: the report with change K (0: none) in DIR. Change K makes
# activity (7K mod 40) half an hour longer with 0.5 more hours, and teacher
# T(13K mod 60 + 1) of activity (3K + 1 mod 40) late (one hour fewer, at
# least 0.5 credited) when present, present when not.
write_report() {
    mkdir -p "$1"
    awk -v month="$month" -v ndays="$ndays" -v k="$2" -v out="$1" 'BEGIN {
        split("师德专题讲座：依法执教与关爱学生|课例研究：一次函数的图像|集体备课：第三单元|" \
              "听评课：初二英语阅读课|示范观摩：物理实验教学|教育科研：课题开题论证|" \
              "信息技术：智慧课堂平台应用|心理健康：青春期学生的情绪辅导|" \
              "班主任工作：家校沟通的方法|学科专业知识：新课标解读", title, "|")
        split("师德|学科专业知识|教学技能|教学技能|教学技能|教育科研|信息技术|心理健康|班主任工作|学科专业知识", cat, "|")
        split("专题培训|课例研究|集体备课|听评课|示范观摩|课题研究|网络研修|专题培训|专题培训|专题培训", form, "|")
        split("校级 校级 校级 校级 镇级 县级 校级 县级 校级 镇级", level, " ")
        split("集中 集中 集中 集中 集中 集中 远程 集中 集中 远程", mode, " ")
        split("1.5 2 2 3", hrs, " ")
        split("王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗", sn, " ")
        split("丽 强 华 敏 洋 静 军 芳 伟 娟 磊 艳 勇 霞 杰 萍 涛 燕 明 婷", gn, " ")
        for (j = 0; j < 60; j++)
            name[j] = sn[1 + j % 20] gn[1 + (j * 7) % 20] (j < 20 ? "" : gn[1 + (j * 3) % 20])
        af = out "/activities.csv"
        tf = out "/attendance.csv"
        print "编号,日期,开始,结束,主题,内容类别,形式,级别,方式,地点,主持人,主讲人,学时" > af
        print "活动编号,教师编号,姓名,签到,学时" > tf
        longer = k > 0 ? (7 * k) % 40 : -1
        ta = k > 0 ? (3 * k + 1) % 40 : -1
        tt = k > 0 ? (13 * k) % 60 : -1
        prev = -1
        for (i = 0; i < 40; i++) {
            day = 1 + int(i * ndays / 40)  # at most two a day
            start = day == prev ? 14 * 60 + 30 : 8 * 60 + 30
            prev = day
            h = hrs[1 + i % 4] + (i == longer ? 0.5 : 0)
            end = start + h * 60
            t = 1 + i % 10
            ref = sprintf("%s-A%02d", month, i + 1)
            printf "%s,%s-%02d,%02d:%02d,%02d:%02d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", ref, month, day,
                start / 60, start % 60, end / 60, end % 60, title[t], cat[t], form[t], level[t],
                mode[t], (mode[t] == "远程" ? "" : (i % 2 ? "录播教室" : "会议室")),
                name[i % 60], (i % 3 ? name[(i * 7 + 3) % 60] : ""), h > af
            for (j = 0; j < 60; j++) {
                u = (i * 37 + j * 53 + i * j * 7) % 100
                st = u < 88 ? "出席" : u < 94 ? "迟到" : u < 97 ? "请假" : "缺席"
                if (i == ta && j == tt)
                    st = st == "出席" ? "迟到" : "出席"
                less = ""
                if (st == "迟到")
                    less = h > 1 ? h - 1 : 0.5
                printf "%s,T%02d,%s,%s,%s\n", ref, j + 1, name[j], st, less > tf
            }
        }
    }' || die "writing the report"
    printf '本月开展师德、课例研究、集体备课、听评课等校本研修活动共40次，全体教师参加。\n' >"$1/summary.txt"
}

# --- CPU time -----------------------------------------------------------------------
# Milliseconds of CPU used so far by the cluster (the postmaster, the children
# it has reaped and those alive: the daemon's backends, autovacuum, the
# checkpointer...) and by yanxiud (all its threads), in clock ticks (10 ms).
clk=$(getconf CLK_TCK)
pg_pid=$(head -n 1 "$YX_DIR/pg/postmaster.pid")
# shellcheck source=tests/bench/cluster-cpu.sh
. "$(dirname "${BASH_SOURCE[0]}")/cluster-cpu.sh"
pg_cpu() {
    awk -v t="$(cluster_ticks "$pg_pid")" -v hz="$clk" 'BEGIN { printf "%.0f", t * 1000 / hz }'
}
daemon_cpu() {
    awk -v hz="$clk" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / hz }' \
        "/proc/$YX_DAEMON_PID/stat"
}

# --- submissions --------------------------------------------------------------------
daemon_ms=()
cli_ms=()
pg_cpu_ms=()
daemon_cpu_ms=()
cli_cpu_ms=()
TIMEFORMAT='CPU %U %S' # of bash's time
logged() { grep -c 'method=SubmitReport code=' "$YX_DAEMON_LOG" || true; }
# submit ACCOUNT K VERSION [ARGS]: submits the report with change K as ACCOUNT;
# it must become VERSION of the unit's month, holding all its rows.
submit() {
    local who=$1 k=$2 v=$3 dir=$B/v$3
    shift 3
    write_report "$dir" "$k"
    local before t0 t1 p0 d0 out line i
    before=$(logged)
    p0=$(pg_cpu)
    d0=$(daemon_cpu)
    t0=$(date +%s%N)
    # (time's report goes to $B/time, the CLI's own stderr to $B/err)
    { time as "$who" report submit "$dir" --month "$month" --format json "$@" >"$B/out" \
        2>"$B/err"; } 2>"$B/time" || die "version $v as the $who refused: $(cat "$B/err" "$B/out")"
    t1=$(date +%s%N)
    out=$(cat "$B/out")
    local want="\"version\": *${v}[,}]"
    [[ $out =~ $want ]] || die "version $v as the $who: the answer is $out"
    # the daemon logs the request once it has answered: wait for the line
    for ((i = 0; i < 100; i++)); do
        [ "$(logged)" -gt "$before" ] && break
        sleep 0.05
    done
    pg_cpu_ms+=($(($(pg_cpu) - p0)))
    daemon_cpu_ms+=($(($(daemon_cpu) - d0)))
    cli_cpu_ms+=("$(awk '/^CPU/ { printf "%.0f", ($2 + $3) * 1000 }' "$B/time")")
    [ -n "${cli_cpu_ms[-1]}" ] || die "no CPU time of the CLI in $B/time"
    [ "$(logged)" = $((before + 1)) ] ||
        die "version $v: $(($(logged) - before)) SubmitReport lines in the daemon's log, not 1"
    line=$(grep 'method=SubmitReport code=' "$YX_DAEMON_LOG" | tail -n 1)
    [[ $line =~ code=OK\ duration=([0-9.]+)ms ]] || die "version $v: the daemon logged $line"
    daemon_ms+=("${BASH_REMATCH[1]}")
    cli_ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')")
    local got
    got=$($YX_PSQL -AtF ' ' -c "
        SELECT r.current_version,
               (SELECT count(*) FROM activities a WHERE a.report_id = r.id AND a.version = $v),
               (SELECT count(*) FROM attendance t WHERE t.report_id = r.id AND t.version = $v),
               (SELECT count(*) FROM report_flags f WHERE f.report_id = r.id AND f.version = $v)
        FROM reports r WHERE r.unit_code = '$unit' AND r.month = '$month-01'")
    read -r cur acts rows flags <<<"$got"
    if [ "$cur" != "$v" ] || [ "$acts" != 40 ] || [ "$rows" != 2400 ]; then
        die "version $v: current version $cur, $acts activities, $rows sign-in rows (want $v, 40, 2400)"
    fi
    printf 'big-report: version %3d as the %-8s  yanxiud %6.1f ms  CLI %6.1f ms  CPU: PostgreSQL %3d ms, yanxiud %3d ms, CLI %3d ms  flags %s\n' \
        "$v" "$who" "${daemon_ms[-1]}" "${cli_ms[-1]}" "${pg_cpu_ms[-1]}" "${daemon_cpu_ms[-1]}" \
        "${cli_cpu_ms[-1]}" "$flags"
}

fsync=$($YX_PSQL -Atc "SHOW fsync")
build=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$YX_YANXIUD")/CMakeCache.txt" 2>/dev/null || true)
say "a report of $month: 40 activities x 60 teachers, 2 400 sign-in rows; yanxiud ${build:-(build type unknown)}, fsync $fsync"
say "load average$(uptime | sed 's/.*load average//')"
v=0
submit school 0 $((++v))
if [ "$statements" = 1 ]; then
    $YX_PSQL -c 'SELECT pg_stat_statements_reset()' >/dev/null
fi
for ((k = 1; k <= repeat; k++)); do
    submit school "$k" $((++v))
done
for ((k = repeat + 1; k <= repeat + dist_repeat; k++)); do
    submit district "$k" $((++v)) --unit $unit
done
say "load average$(uptime | sed 's/.*load average//')"

n=$($YX_PSQL -Atc "SELECT count(*) FROM report_versions rv JOIN reports r ON r.id = rv.report_id
                   WHERE r.unit_code = '$unit' AND r.month = '$month-01'")
[ "$n" = "$v" ] || die "$n versions kept, not $v"

# stats LABEL VALUES...: min / median / max, the mean and how many under 100 ms
stats() {
    local label=$1
    shift
    printf '%s\n' "$@" | sort -n | awk -v label="$label" '
        { x[NR] = $1; sum += $1; if ($1 < 100) under++ }
        END {
            med = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
            printf "big-report: %s: min %.1f / median %.1f / max %.1f ms (mean %.1f); %d of %d under 100 ms\n",
                label, x[1], med, x[NR], sum / NR, under, NR
        }'
}
printf 'big-report: first submission (the first SubmitReport on its pool connection): yanxiud %.1f ms, CLI %.1f ms; CPU: PostgreSQL %d ms, yanxiud %d ms, CLI %d ms\n' \
    "${daemon_ms[0]}" "${cli_ms[0]}" "${pg_cpu_ms[0]}" "${daemon_cpu_ms[0]}" "${cli_cpu_ms[0]}"
stats "resubmissions, as yanxiud timed them" "${daemon_ms[@]:1}"
stats "resubmissions, the CLI's wall time  " "${cli_ms[@]:1}"
stats "resubmissions, PostgreSQL's CPU     " "${pg_cpu_ms[@]:1}"
stats "resubmissions, yanxiud's CPU        " "${daemon_cpu_ms[@]:1}"
stats "resubmissions, the CLI's CPU        " "${cli_cpu_ms[@]:1}"
if [ "$dist_repeat" -gt 0 ]; then
    stats "as the school only,   yanxiud timed " "${daemon_ms[@]:1:repeat}"
    stats "as the district only, yanxiud timed " "${daemon_ms[@]:repeat+1}"
fi

if [ "$statements" = 1 ]; then
    say "PostgreSQL's time per resubmission by statement (pg_stat_statements, nested too: a"
    say "function's statements are inside its own time; the psql checks between them too):"
    $YX_PSQL -F ' | ' -Atc "
        SELECT to_char(total_exec_time / $((v - 1)), 'FM99990.00') || ' ms',
               round(calls::numeric / $((v - 1)), 1) || ' calls',
               left(regexp_replace(query, '\s+', ' ', 'g'), 100)
        FROM pg_stat_statements WHERE total_exec_time > 0
        ORDER BY total_exec_time DESC LIMIT 12" | sed 's/^/    /'
fi

"$YX_YANXIUD" -c "$YX_CONF" verify-ledger >"$B/verify.out" 2>&1 ||
    die "verify-ledger found differences: $(tail -5 "$B/verify.out")"
say "verify-ledger: the ledgers agree with the rows ($v versions)"
