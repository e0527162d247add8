#!/bin/bash
# A school's session cannot do, through plain SQL, what only the district may
# (migration 011, README "Security model"). As the runtime role yanxiud with a
# school account's real token (session_begin), this tries: approving,
# returning, voiding its own report by UPDATE and through report_review;
# unlocking a voided report; changing its report's on-time flag or deadline;
# creating a report already approved; writing the district's schools and
# policies directly and through units_import and policy_set; moving another
# unit's teacher to itself by UPDATE, roster_transfer and roster_import
# without its unit; rewriting who submitted a version, or its hours. Each must
# fail. Then what a school does legitimately still works: submitting,
# resubmitting a returned report (through the daemon), importing its own
# roster; and the district still reviews. A historical import (p_submitted_at) is refused too.
# Runs under tests/harness/with-server (YX_PSQL, YX_PSQL_APP, ...).
# The conditions given to expect are single-quoted on purpose: expect evaluates them (and
# read the variables they name).
# shellcheck disable=SC2016,SC2034
set -uo pipefail

T=$YX_DIR/role_walls
# shellcheck source=tests/integration/sql_expect.sh
source "$(dirname "${BASH_SOURCE[0]}")/sql_expect.sh"

for v in YX_PSQL YX_PSQL_APP YX_CONF YX_SERVER YX_YANXIU YX_YANXIUD YX_DIR; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server (with migration 011)"
done

D=110101
U=1101010001  # the school's unit (a central school)
P=1101010002  # a primary of that unit
O=1101010010  # another unit of the same district

# --- data: one district, two units, a teacher in each, reports of U ------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add $D 东城区 >/dev/null || die "district add $D"
super "INSERT INTO schools (code, district_code, name, kind, central_code, unit_code)
       VALUES ('$U', '$D', '东城中心校', 'central', NULL, '$U'),
              ('$P', '$D', '东城一小', 'primary', '$U', '$U'),
              ('$O', '$D', '东城二中', 'junior', NULL, '$O');
       INSERT INTO teachers (district_code, code, name, school_code)
       VALUES ('$D', 'T1', '张三', '$U'), ('$D', 'T2', '李四', '$O');
       INSERT INTO reports (district_code, unit_code, month, status, current_version, deadline,
                            first_submitted_at, on_time)
       VALUES ('$D', '$U', '2026-01-01', 'submitted', 1, '2026-02-05', '2026-02-20', false),
              ('$D', '$U', '2026-02-01', 'voided', 1, '2026-03-05', '2026-03-01', true),
              ('$D', '$O', '2026-01-01', 'submitted', 1, '2026-02-05', '2026-02-01', true);
       INSERT INTO report_versions (report_id, version, district_code, unit_code, idem_key,
                                    payload_hash, submitted_by, empty, teacher_hours)
       SELECT id, 1, '$D', unit_code, 'seed-' || id, '\\x00', 'rw.school', false, 2
       FROM reports;
       INSERT INTO activities (report_id, version, idx, district_code, unit_code, ref, date,
                               start_time, end_time, title, category, form, level, mode, host, hours)
       SELECT id, 1, 0, '$D', unit_code, 'A01', '2026-01-15', '14:00', '16:00', '教研', 'subject',
              'lecture', 'school', 'centralized', '教研组', 2
       FROM reports WHERE month = '2026-01-01';
       INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                               teacher_code, status, date)
       SELECT id, 1, 0, 0, '$D', unit_code, CASE unit_code WHEN '$U' THEN 'T1' ELSE 'T2' END,
              'present', '2026-01-15'
       FROM reports WHERE month = '2026-01-01';
       INSERT INTO ledger_months SELECT * FROM ledger_months_expected;
       INSERT INTO compliance_years SELECT * FROM compliance_years_expected;
       INSERT INTO compliance_cycles SELECT * FROM compliance_cycles_expected;
       SELECT id FROM reports WHERE unit_code = '$O';"
[ "$rc" = 0 ] || die "seeding as the superuser: $out"
other_report=$out
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser rw.school --role school --district $D --unit $U
adduser rw.dist --role district --district $D

# cli ACCOUNT ARGS...: yanxiu as ACCOUNT (its own HOME and session); sets rc, out.
cli() {
    local who=$1 home=$T/home/$1
    shift
    mkdir -p "$home/.config"
    out=$(HOME=$home XDG_CONFIG_HOME=$home/.config timeout 60 "$YX_YANXIU" --server "$YX_SERVER" \
        "$@" 2>&1)
    rc=$?
}
for who in rw.school rw.dist; do
    YANXIU_PASSWORD=pw-$who-secret cli $who login --user $who
    [ "$rc" = 0 ] || die "login $who: $out"
done
token=$(sed -n 's/^token *= *\([0-9a-f]*\)$/\1/p' "$T/home/rw.school/.config/yanxiu/session")
[ ${#token} = 64 ] || die "no token in the school's session file"

# as_school SQL: SQL as yanxiud in one transaction of the school's session (committed).
as_school() {
    sql_as YX_PSQL_APP "BEGIN;
SELECT session_begin('\\x$token'::bytea) \\g /dev/null
$1
COMMIT;"
}
state() {
    super "SELECT string_agg(concat_ws(' ', to_char(month, 'YYYY-MM'), status, current_version,
                                       on_time, deadline::date), ', ' ORDER BY month)
           FROM reports;
           SELECT string_agg(code || ' ' || name || ' ' || unit_code, ', ' ORDER BY code) FROM schools;
           SELECT count(*) FROM policies;
           SELECT string_agg(code || ' ' || school_code, ', ' ORDER BY code) FROM teachers;
           SELECT string_agg(concat_ws(' ', report_id, version, submitted_by, teacher_hours), ', '
                             ORDER BY report_id, version) FROM report_versions;
           SELECT count(*) FROM activities; SELECT count(*) FROM attendance;
           SELECT count(*) || ' ' || sum(hours) FROM ledger;
           SELECT count(*) || ' ' || sum(hours) FROM ledger_months;
           SELECT count(*) || ' ' || sum(hours) FROM ledger_years;"
    echo "$out"
}
as_school "SELECT yx_role() || '|' || yx_unit();"
expect "the school's token gives yanxiud the school's session" \
    '[ "$rc" = 0 ] && [ "$out" = "school|$U" ]'
before=$(state)

# refused NAME SQL: SQL in the school's session fails, with a permission error or the
# row-level wall, and changes nothing.
refused() {
    as_school "$2"
    expect "school session: $1 -> refused" \
        '[ "$rc" != 0 ] && [[ $out == *"ERROR:  school_report_"* || $out == *"row-level security"* ||
                             $out == *"ERROR:  teacher_other_unit"* ||
                             $out == *"ERROR:  school_outside_unit"* ||
                             $out == *"ERROR:  report_version_"* || $out == *"permission denied"* ||
                             $out == *"ERROR:  version_rows_fixed"* ||
                             $out == *"ERROR:  attendance_activity"* ||
                             $out == *"cannot insert into "*"view \"ledger\""* ]]'
    local now
    now=$(state)
    expect "school session: $1 -> nothing changed" '[ "$now" = "$before" ]'
}

# --- reports: the review is the district's ---------------------------------------------
refused "approve its own report through report_review" \
    "SELECT report_review('$D', '$U', '2026-01-01', 'approve', '', '10.0.0.1');"
refused "void its own report through report_review" \
    "SELECT report_review('$D', '$U', '2026-01-01', 'void', 'x', '10.0.0.1');"
for st in approved returned reopened voided; do
    refused "UPDATE its own report SET status = '$st'" \
        "UPDATE reports SET status = '$st' WHERE month = '2026-01-01';"
done
refused "unlock its voided report (status submitted, next version)" \
    "UPDATE reports SET status = 'submitted', current_version = 2 WHERE month = '2026-02-01';"
refused "mark its late report on time" \
    "UPDATE reports SET on_time = true WHERE month = '2026-01-01';"
refused "move its report's deadline" \
    "UPDATE reports SET deadline = deadline + interval '30 days' WHERE month = '2026-01-01';"
refused "create a report already approved" \
    "INSERT INTO reports (district_code, unit_code, month, status, current_version, deadline,
                          first_submitted_at, on_time)
     VALUES ('$D', '$U', '2025-12-01', 'approved', 1, now(), now(), true);"

# --- schools and policies: the district's ----------------------------------------------
refused "rename another unit's school" "UPDATE schools SET name = '改名' WHERE code = '$O';"
refused "rename its own school" "UPDATE schools SET name = '改名' WHERE code = '$U';"
refused "insert a school" \
    "INSERT INTO schools (code, district_code, name, kind, unit_code)
     VALUES ('1101010099', '$D', '新校', 'junior', '1101010099');"
refused "import units (units_import)" \
    "SELECT * FROM units_import('$D', '', ARRAY['$O'], ARRAY['改名'], ARRAY['junior'],
                                ARRAY[''], ARRAY[NULL]::date[], ARRAY[NULL]::date[], '{}', false);"
refused "insert a policy" \
    "INSERT INTO policies (district_code, version, effective, cycle_years, cycle_first_year,
         hours_cycle, hours_year, school_hours_year, ethics_hours_cycle, centralized_hours_cycle,
         homeroom_hours_cycle, absence_limit, group_short_percent, credits_enabled, credits_year,
         credit_factor, year_basis, deadline_day, non_creditable)
     VALUES ('$D', 1, '2020-01-01', 5, 2026, 1, 1, 1, 1, 1, 1, 3, 15, false, 0, 1, 'school', 28,
             '{}');"
refused "set the policy (policy_set: deadline day 28, hours 1)" \
    "SELECT * FROM policy_set('$D', '2020-01-01', '', NULL, NULL, 1, 1, 1, NULL, NULL, NULL,
                              NULL, NULL, NULL, NULL, NULL, NULL, 28, NULL);"

# --- teachers: its own unit's only --------------------------------------------------------
refused "take another unit's teacher (roster_transfer)" \
    "SELECT * FROM roster_transfer('$D', 'T2', '$U', '');"
refused "take another unit's teacher by UPDATE" \
    "UPDATE teachers SET school_code = '$U' WHERE code = 'T2';"
refused "rename another unit's teacher" "UPDATE teachers SET name = '改名' WHERE code = 'T2';"
refused "move its own teacher to another unit" \
    "UPDATE teachers SET school_code = '$O' WHERE code = 'T1';"
refused "take another unit's teacher (roster_import without its unit)" \
    "SELECT * FROM roster_import('$D', '', '', ARRAY['T2'], ARRAY['李四'], ARRAY['$U'],
         ARRAY[''], ARRAY[''], ARRAY[false], ARRAY[false], ARRAY[false], ARRAY['active'], '{}',
         false);"
refused "add a teacher to another unit" \
    "INSERT INTO teachers (district_code, code, name, school_code) VALUES ('$D', 'T9', '王五', '$O');"

# --- versions: written once ----------------------------------------------------------------
refused "rewrite who submitted a version" \
    "UPDATE report_versions SET submitted_by = 'rw.dist';"
refused "rewrite a submitted version's hours" \
    "UPDATE report_versions SET teacher_hours = 999;"
refused "rewrite a version's summary" \
    "UPDATE report_versions SET summary = '改写';"

# --- the rows of a version: written once, by its own unit -----------------------------------
refused "append a sign-in row to its submitted version" \
    "INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                             teacher_code, status, date)
     SELECT id, 1, 0, 1, '$D', '$U', 'T1', 'present', '2026-01-15'
     FROM reports WHERE month = '2026-01-01';"
refused "append an activity to its submitted version" \
    "INSERT INTO activities (report_id, version, idx, district_code, unit_code, ref, date,
                             start_time, end_time, title, category, form, level, mode, host, hours)
     SELECT id, 1, 1, '$D', '$U', 'A02', '2026-01-16', '14:00', '18:00', '补录', 'subject',
            'lecture', 'school', 'centralized', '教研组', 4
     FROM reports WHERE month = '2026-01-01';"
refused "add a sign-in row whose activity does not exist" \
    "INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                             teacher_code, status, date)
     SELECT id, 1, 7, 0, '$D', '$U', 'T1', 'present', '2026-01-15'
     FROM reports WHERE month = '2026-01-01' AND unit_code = '$U';"
refused "add a sign-in row dated another day than its activity" \
    "INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                             teacher_code, status, date)
     SELECT id, 1, 0, 5, '$D', '$U', 'T1', 'present', '2026-01-16'
     FROM reports WHERE month = '2026-01-01' AND unit_code = '$U';"
refused "add a sign-in row, under its own unit, to another unit's report" \
    "INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                             teacher_code, status, date)
     VALUES ($other_report, 1, 0, 1, '$D', '$U', 'T1', 'present', '2026-01-15');"

# --- the ledger: the owner's, following the reports -------------------------------------------
refused "insert approved hours into the ledger" \
    "INSERT INTO ledger (district_code, teacher_code, month, category, level, mode, approved, hours)
     VALUES ('$D', 'T1', '2026-01-01', 'subject', 'school', 'centralized', true, 100);"
refused "raise another unit's teacher's hours in ledger_months" \
    "UPDATE ledger_months SET hours = hours + 100 WHERE teacher_code = 'T2';"
refused "raise its teacher's hours in compliance_years" \
    "UPDATE compliance_years SET hours = hours + 100, a_hours = a_hours + 100
     WHERE teacher_code = 'T1';"
refused "insert a year of hours into compliance_years" \
    "INSERT INTO compliance_years (district_code, basis, year, teacher_code, hours, a_hours)
     VALUES ('$D', 'calendar', 2025, 'T1', 100, 100);"
refused "raise its teacher's cycle in compliance_cycles" \
    "UPDATE compliance_cycles SET hours = hours + 100 WHERE teacher_code = 'T1';"
refused "count its own report's version as approved through the kept years' function" \
    "SELECT compliance_apply(ARRAY[('$D', 'T1', 'calendar', 2026, true, 100, 0, 0, 0, 0, 100, 0,
                                    0)::ledger_years]);"
refused "count its own report's version as approved through the ledgers' function" \
    "SELECT ledger_move(ARRAY[id], ARRAY[NULL::int], ARRAY[NULL::boolean], ARRAY[1], ARRAY[true])
     FROM reports WHERE month = '2026-01-01';"
# a batch's queue of ledger changes (023) is the owner's: one of the runtime role's making, in
# the session's temporary schema, holding another unit's report (or a trigger our INSERT would
# run as the owner) is refused, and so is the batch's setting without the owner's queue
batch_refused() {
    as_school "$2"
    local now
    now=$(state)
    expect "school session: $1 -> refused as not the owner's queue" \
        '[ "$rc" != 0 ] && [[ $out == *"ERROR:  ledger_batch_not_ours"* ]] && [ "$now" = "$before" ]'
}
batch_refused "queue another unit's report in a ledger batch of its own making" \
    "SELECT set_config('yanxiu.ledger_batch', 'on', true);
     CREATE TEMP TABLE ledger_batch (report_id bigint, old_version int, old_approved boolean,
                                     new_version int, new_approved boolean);
     GRANT ALL ON ledger_batch TO PUBLIC;
     INSERT INTO ledger_batch VALUES ($other_report, NULL, NULL, 1, true);
     SELECT * FROM report_submit('$D', '$U', '', '2026-04-01', 'rw-batch-key-0001', '\\x00',
               false, true, '寒假', '',
               '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
               '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');"
batch_refused "defer its report's ledger change without the owner's queue" \
    "SELECT set_config('yanxiu.ledger_batch', 'on', true);
     SELECT * FROM report_submit('$D', '$U', '', '2026-04-01', 'rw-batch-key-0002', '\\x00',
               false, true, '寒假', '',
               '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
               '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');"

# a historical import (历史导入, issue 12) is the district's: not by calling report_submit with
# p_submitted_at either
as_school "SELECT * FROM report_submit('$D', '$U', '', '2026-03-01', 'rw-import-key-0001', '\\x00',
               false, true, '寒假', '',
               '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
               '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
               p_submitted_at => '2026-04-01 10:00+08');"
now=$(state)
expect "school session: report_submit with a past submission time -> refused" \
    '[ "$rc" != 0 ] && [[ $out == *report_import_district_only* ]] && [ "$now" = "$before" ]'

# --- what a school may do still works ------------------------------------------------------
as_school "SELECT idx FROM roster_import('$D', '$U', '', ARRAY['T1', 'T3'], ARRAY['张三', '赵六'],
               ARRAY['$U', '$P'], ARRAY['', ''], ARRAY['', ''], ARRAY[false, false],
               ARRAY[false, false], ARRAY[false, false], ARRAY['active', 'active'], '{}', false);"
expect "the school imports its own unit's roster (roster_import with its unit)" \
    '[ "$rc" = 0 ] && [ "$out" = -1 ]'
as_school "UPDATE teachers SET school_code = '$P' WHERE code = 'T1' RETURNING school_code;"
expect "the school moves its teacher between the schools of its unit" \
    '[ "$rc" = 0 ] && [ "$out" = "$P" ]'
cli rw.school report submit --month 2026-03 --empty --reason 寒假
expect "the school submits a new report through the daemon" '[ "$rc" = 0 ]'
super "SELECT status || ' ' || current_version || ' ' || on_time || ' ' || (deadline > month)
       FROM reports WHERE month = '2026-03-01'"
expect "the new report is submitted, version 1, with its deadline computed" \
    '[[ $out == "submitted 1 "*" true" ]]'
cli rw.school report submit --month 2026-03 --empty --reason 寒假补交 --format json
expect "the school resubmits a submitted report (version 2)" '[ "$rc" = 0 ]'
cli rw.dist report return $U 2026-03 --reason 缺少说明
expect "the district returns it" '[ "$rc" = 0 ] && [[ $out == *returned* ]]'
cli rw.school report submit --month 2026-03 --empty --reason 寒假说明
expect "the school resubmits the returned report" '[ "$rc" = 0 ]'
super "SELECT status || ' ' || current_version FROM reports WHERE month = '2026-03-01'"
expect "the returned report is submitted again, version 3" '[ "$out" = "submitted 3" ]'
cli rw.dist report approve $U 2026-03
expect "the district approves it" '[ "$rc" = 0 ] && [[ $out == *approved* ]]'
cli rw.dist report reopen $U 2026-03 --reason 补录
expect "the district reopens it" '[ "$rc" = 0 ] && [[ $out == *reopened* ]]'
cli rw.school report submit --month 2026-03 --empty --reason 寒假补录
expect "the school resubmits the reopened report" '[ "$rc" = 0 ]'
super "SELECT status || ' ' || current_version FROM reports WHERE month = '2026-03-01';
       SELECT string_agg(submitted_by, ',' ORDER BY version) FROM report_versions v
       JOIN reports r ON r.id = v.report_id WHERE r.month = '2026-03-01'"
expect "version 4 is submitted, every version by the school" \
    '[ "$out" = $'"'"'submitted 4\nrw.school,rw.school,rw.school,rw.school'"'"' ]'
"$YX_YANXIUD" -c "$YX_CONF" verify-ledger >/dev/null
rc=$?
expect "the ledger agrees with the reports" '[ "$rc" = 0 ]'

finish
