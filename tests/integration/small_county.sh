# small_county.sh: sourced by the CLI tests that need a small county (backup_restore.sh,
# cli_assess.sh, cli_defects.sh, migrate_forward.sh). Gives small_county_accounts (below) and
# small_county_files DIR, which writes there the
# county's three units (units.csv: a central school with one village primary, and a junior
# middle school) and a small policy (policy.ini: 3 hours a year, nothing else asked, one
# unexcused absence fails). Each test writes its own teachers.csv: they differ.
# shellcheck shell=bash

small_county_files() {
    cat >"$1/units.csv" <<'CSV'
学校代码,学校名称,类型,所属中心校
4114230001,宁陵县城关镇中心校,中心校,
4114230002,城关镇第一小学,小学,4114230001
4114230010,宁陵县第二初级中学,初中,
CSV
    cat >"$1/policy.ini" <<'INI'
[policy]
hours_year = 3
school_hours_year = 0
hours_cycle = 0
ethics_hours_cycle = 0
centralized_hours_cycle = 0
homeroom_hours_cycle = 0
absence_limit = 1
INI
}

# small_county_accounts DISTRICT NAME:ROLE[:UNIT]...: adds each account (password pw-NAME-secret)
# to DISTRICT and logs it in (tap.sh's run NAME).
small_county_accounts() {
    local d=$1 spec name role unit
    shift
    for spec in "$@"; do
        IFS=: read -r name role unit <<<"$spec"
        YANXIU_PASSWORD=pw-$name-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$name" \
            --role "$role" --district "$d" ${unit:+--unit "$unit"} >/dev/null ||
            die "user add $spec"
        YANXIU_PASSWORD=pw-$name-secret run "$name" --server "$YX_SERVER" login --user "$name"
        [ "$rc" = 0 ] || die "login $name: $err"
    done
}
