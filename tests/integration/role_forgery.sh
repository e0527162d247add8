#!/bin/bash
# The daemon's database roles cannot act as anyone else (issue 10, item 1;
# README "Security model"). With plain SQL, as the runtime role yanxiud and
# as the login role yanxiud_login, this tries every forgery the audit found:
# forged yanxiu.* settings (admin, another district) then reading and
# updating another district's report; a token hash (as a backup holds it)
# instead of the token; reading password hashes and minting sessions through
# the login functions; reading sessions and users.pw_hash; writing audit rows
# directly or through audit() without a session; the login role reading data.
# Each must fail. Then the same role with a real session token sees its own
# district only, audit() stamps that session's user, and logins and requests
# through the daemon still work. Last, `yanxiud serve` refuses to start when
# conninfo or login_conninfo names a superuser, a role with BYPASSRLS, the
# owner, or a member of the owner.
# Runs under tests/harness/with-server (YX_PSQL, YX_PSQL_APP, YX_PSQL_LOGIN, ...).
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016
set -uo pipefail

T=$YX_DIR/role_forgery
# shellcheck source=tests/integration/sql_expect.sh
source "$(dirname "${BASH_SOURCE[0]}")/sql_expect.sh"
app() { sql_as YX_PSQL_APP "$1"; }
login_role() { sql_as YX_PSQL_LOGIN "$1"; }

for v in YX_PSQL YX_PSQL_APP YX_PSQL_LOGIN YX_CONF YX_SERVER YX_YANXIU YX_YANXIUD YX_DIR; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server (with migration 010)"
done

X=110101
Y=120101
UX=1101010001
UY=1201010001

# --- data: two districts, a school and a report in each, accounts ------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add $X 东城区 >/dev/null || die "district add $X"
"$YX_YANXIUD" -c "$YX_CONF" district add $Y 和平区 >/dev/null || die "district add $Y"
super "INSERT INTO schools (code, district_code, name, kind, unit_code)
       VALUES ('$UX', '$X', '东城中心校', 'central', '$UX'), ('$UY', '$Y', '和平中心校', 'central', '$UY');
       INSERT INTO teachers (district_code, code, name, school_code)
       VALUES ('$X', 'T1', '张三', '$UX'), ('$Y', 'T1', '李四', '$UY');
       INSERT INTO reports (district_code, unit_code, month, status, current_version, deadline,
                            first_submitted_at, on_time)
       VALUES ('$X', '$UX', '2026-01-01', 'submitted', 1, now(), now(), true),
              ('$Y', '$UY', '2026-01-01', 'submitted', 1, now(), now(), true);"
[ "$rc" = 0 ] || die "seeding as the superuser: $out"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser rf.dx --role district --district $X
adduser rf.admin --role admin
# a session of rf.dx through the daemon (the login pool), its token from the CLI's file
home=$T/home
mkdir -p "$home/.config"
cli() { HOME=$home XDG_CONFIG_HOME=$home/.config timeout 60 "$YX_YANXIU" --server "$YX_SERVER" "$@"; }
out=$(YANXIU_PASSWORD=pw-rf.dx-secret cli login --user rf.dx 2>&1)
rc=$?
expect "a district account logs in through the daemon (login pool as yanxiud_login)" '[ "$rc" = 0 ]'
token=$(sed -n 's/^token *= *\([0-9a-f]*\)$/\1/p' "$home/.config/yanxiu/session")
[ ${#token} = 64 ] || die "no token in the CLI's session file"
super "SELECT encode(token_hash, 'hex') FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE u.name = 'rf.dx'"
hash=$out
[ ${#hash} = 64 ] || die "no session of rf.dx in the database: $out"
audit_rows() { super "SELECT count(*) FROM audit_log"; echo "$out"; }
audit_before=$(audit_rows)

# --- the runtime role, forging its scope -----------------------------------------------------
count_y="SELECT count(*) FROM reports WHERE district_code = '$Y';
         SELECT count(*) FROM reports;
         SELECT count(*) FROM schools; SELECT count(*) FROM teachers;
         SELECT count(*) FROM users; SELECT count(*) FROM districts;"
approve_y="WITH u AS (UPDATE reports SET status = 'approved' WHERE district_code = '$Y' RETURNING 1)
           SELECT count(*) FROM u;"
zeros=$'0\n0\n0\n0\n0\n0'
for forged in "yanxiu.role=admin" "yanxiu.role=district yanxiu.district=$Y" \
    "yanxiu.role=school yanxiu.district=$Y yanxiu.unit=$UY" "yanxiu.user=rf.admin yanxiu.role=admin"; do
    sets=
    for kv in $forged; do
        sets+="SELECT set_config('${kv%%=*}', '${kv#*=}', false) \\g /dev/null
"
    done
    app "$sets$count_y"
    expect "yanxiud with $forged (session-wide) sees no report, school, teacher, user or district" \
        '[ "$rc" = 0 ] && [ "$out" = "$zeros" ]'
    app "BEGIN;
${sets//false/true}$approve_y
SELECT yx_role() || '|' || yx_district() || '|' || yx_user();
COMMIT;"
    expect "yanxiud with $forged (in a transaction) approves 0 reports of $Y; yx_role/yx_district/yx_user are empty" \
        '[ "$rc" = 0 ] && [ "$out" = $'"'"'0\n||'"'"' ]'
done
super "SELECT status FROM reports WHERE district_code = '$Y'"
expect "$Y's report is still submitted" '[ "$out" = submitted ]'

# a token hash, as a backup or a leaked sessions table holds it
app "SELECT set_config('yanxiu.token', '$hash', false) \\g /dev/null
$count_y"
expect "yanxiud with yanxiu.token set to a session's hash sees nothing" '[ "$rc" = 0 ] && [ "$out" = "$zeros" ]'
app "SELECT session_begin('\\x$hash'::bytea);"
expect "session_begin with a session's hash instead of its token is refused" \
    '[ "$rc" != 0 ] && [[ $out == *"ERROR:  session_expired"* ]]'
app "SELECT coalesce(name, '(none)') FROM session_lookup('\\x$hash'::bytea);"
expect "session_lookup with a session's hash finds nobody" '[ "$rc" = 0 ] && [ "$out" = "(none)" ]'

# the functions that check the caller's scope themselves and read as the owner
super "SELECT id FROM reports WHERE district_code = '$Y'"
yid=$out
for call in "SELECT count(*) FROM compliance_teachers('$Y', 2025, '2026-06-30', false, '', '')" \
    "SELECT count(*) FROM compliance_teacher_rows('$Y', 2025, '2026-06-30', false, '', '', true)" \
    "SELECT count(*) FROM teacher_records('$Y', 'T1')" \
    "SELECT report_compute_flags($yid, 1)"; do
    for forged in "" "SELECT set_config('yanxiu.role', 'admin', false) \\g /dev/null
" "SELECT set_config('yanxiu.token', '$hash', false) \\g /dev/null
"; do
        app "$forged$call;"
        expect "yanxiud without a session${forged:+ (forged)}: $call -> refused or nothing" \
            '[[ $out == *"_not_yours"* ]] || [ "$out" = 0 ]'
    done
done

# the login functions: password hashes and sessions
app "SELECT * FROM auth_login_begin('rf.admin', 10, 900);"
expect "yanxiud cannot call auth_login_begin (password hashes)" \
    '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
app "SELECT * FROM auth_login_ok((SELECT id FROM users WHERE name = 'rf.admin'),
        sha256('\\x00'::bytea), 3600, '', NULL);"
expect "yanxiud cannot call auth_login_ok (mint a session)" \
    '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
app "SELECT * FROM auth_login_ok(1, sha256('\\x00'::bytea), 3600, '', NULL);"
expect "yanxiud cannot call auth_login_ok with a guessed user id" \
    '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
app "SELECT auth_login_failed('rf.admin', '', 'x');"
expect "yanxiud cannot call auth_login_failed" '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
for q in "SELECT * FROM sessions" "SELECT token_hash FROM sessions" "SELECT pw_hash FROM users" \
    "SELECT * FROM login_failures" "UPDATE sessions SET expires_at = now() + interval '1 year'" \
    "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('\\x00'::bytea), 1, now() + interval '1 day')"; do
    app "SELECT set_config('yanxiu.role', 'admin', false) \\g /dev/null
$q;"
    expect "yanxiud: $q -> permission denied" '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
done
super "SELECT count(*) FROM sessions"
expect "no session was minted" '[ "$out" = 1 ]'

# the audit log: only audit(), only with a session
app "SELECT set_config('yanxiu.role', 'admin', false), set_config('yanxiu.user', 'rf.admin', false) \\g /dev/null
INSERT INTO audit_log (user_name, role, district_code, action, outcome)
VALUES ('rf.admin', 'admin', NULL, 'user add', 'ok');"
expect "yanxiud cannot insert into audit_log" '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
app "SELECT audit('10.0.0.1', 'report approve', '$UY 2026-01', 'ok');"
expect "audit() without a session is refused" \
    '[ "$rc" != 0 ] && [[ $out == *"audit_no_session"* ]]'
app "BEGIN;
SELECT set_config('yanxiu.user', 'rf.admin', true), set_config('yanxiu.role', 'admin', true) \\g /dev/null
SELECT set_config('yanxiu.token', '$hash', true) \\g /dev/null
SELECT audit('10.0.0.1', 'report approve', '$UY 2026-01', 'ok');
COMMIT;"
expect "audit() with forged settings and a token hash is refused" \
    '[ "$rc" != 0 ] && [[ $out == *"audit_no_session"* ]]'
expect "the audit log has no row more" '[ "$(audit_rows)" = "$audit_before" ]'

# --- temporary tables in front of the owner's -------------------------------------------------
# yanxiu_app may create temporary tables (the imports use them): a SECURITY DEFINER
# function that searched pg_temp before public would read the attacker's users and
# sessions as the owner. Every one must search pg_temp last.
shadow="CREATE TEMP TABLE users (id bigint, name text, role text, district_code text,
                                unit_code text, disabled boolean, pw_hash text);
        CREATE TEMP TABLE sessions (token_hash bytea, user_id bigint, revoked_at timestamptz,
                                   expires_at timestamptz, last_used_at timestamptz);
        INSERT INTO pg_temp.users VALUES (1, 'mallory', 'admin', NULL, NULL, false, '');
        INSERT INTO pg_temp.sessions VALUES (sha256(decode(repeat('00', 32), 'hex')), 1, NULL,
                                             'infinity', now());
        GRANT SELECT, UPDATE ON pg_temp.users, pg_temp.sessions TO PUBLIC;
        SELECT set_config('yanxiu.token', repeat('00', 32), false) \g /dev/null
"
app "$shadow
SELECT count(*) FROM yx_caller() WHERE name IS NOT NULL;
SELECT count(*) FROM public.districts; SELECT count(*) FROM public.users;
SELECT count(*) FROM public.reports;"
expect "yanxiud's temporary users and sessions are not read by yx_caller: no caller, nothing visible" \
    '[ "$rc" = 0 ] && [ "$out" = $'"'"'0\n0\n0\n0'"'"' ]'
app "$shadow
SELECT session_begin(decode(repeat('00', 32), 'hex'));"
expect "session_begin with a token of yanxiud's temporary sessions is refused" \
    '[ "$rc" != 0 ] && [[ $out == *"ERROR:  session_expired"* ]]'
app "$shadow
SELECT audit('203.0.113.9', 'forged', 'x', 'ok');"
expect "audit() with a session of yanxiud's temporary tables is refused" '[ "$rc" != 0 ]'
expect "the audit log has no row more after the temporary tables" '[ "$(audit_rows)" = "$audit_before" ]'
super "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.prosecdef
         AND NOT coalesce('search_path=public, pg_temp' = ANY (p.proconfig), false)"
expect "every SECURITY DEFINER function searches public, then pg_temp (none other)" \
    '[ "$rc" = 0 ] && [ -z "$out" ]'

# --- the login role reads no data -------------------------------------------------------------
for q in "SELECT count(*) FROM reports" "SELECT count(*) FROM users" "SELECT count(*) FROM teachers" \
    "SELECT count(*) FROM audit_log" "SELECT count(*) FROM sessions" \
    "SELECT session_begin('\\x$token'::bytea)" "SELECT audit('', 'x', 'y', 'ok')" \
    "INSERT INTO audit_log (user_name, action, outcome) VALUES ('rf.admin', 'x', 'ok')"; do
    login_role "$q;"
    expect "yanxiud_login: $q -> permission denied" '[ "$rc" != 0 ] && [[ $out == *"permission denied"* ]]'
done
login_role "SELECT count(*) FROM auth_login_begin('nobody.at.all', 10, 900);"
expect "yanxiud_login may call auth_login_begin (its one job)" '[ "$rc" = 0 ] && [ "$out" = 1 ]'

# --- with the real token: the session's own scope, and nothing more ---------------------------------
app "BEGIN;
SELECT session_begin('\\x$token'::bytea) \\g /dev/null
SELECT yx_user() || '|' || yx_role() || '|' || yx_district() || '|' || yx_unit();
SELECT count(*) FROM reports WHERE district_code = '$X';
$approve_y
SELECT count(*) FROM reports;
SELECT set_config('yanxiu.role', 'admin', true) \\g /dev/null
SELECT set_config('yanxiu.district', '$Y', true) \\g /dev/null
SELECT count(*) FROM reports;
SELECT audit('10.0.0.1', 'forgery probe', 'x', 'ok');
SELECT user_name || '|' || role || '|' || district_code FROM audit_log WHERE action = 'forgery probe';
ROLLBACK;"
expect "with rf.dx's token: user rf.dx, district $X; sees its report, approves none of $Y; forged settings add nothing; audit() stamps rf.dx" \
    '[ "$rc" = 0 ] && [ "$out" = $'"'"'rf.dx|district|110101|\n1\n0\n1\n1\n\nrf.dx|district|110101'"'"' ]'
app "BEGIN;
SELECT session_begin('\\x$token'::bytea) \\g /dev/null
SELECT set_config('yanxiu.user', 'rf.admin', true) \\g /dev/null
UPDATE reports SET status_by = 'rf.admin' WHERE district_code = '$X' RETURNING status_by;
ROLLBACK;"
expect "a forged yanxiu.user does not name who changed a report: the session's user is stamped" \
    '[ "$rc" = 0 ] && [ "$out" = rf.dx ]'
app "SELECT count(*) FROM reports;"
expect "the token is kept for its transaction only" '[ "$rc" = 0 ] && [ "$out" = 0 ]'

# --- through the daemon -----------------------------------------------------------------------------
out=$(cli whoami 2>&1)
rc=$?
expect "whoami through the daemon still works" '[ "$rc" = 0 ] && [[ $out == *rf.dx* ]]'
out=$(cli audit 2>&1)
rc=$?
expect "the district sees its login in the audit log" '[ "$rc" = 0 ] && [[ $out == *rf.dx* ]]'
out=$(cli logout 2>&1)
rc=$?
expect "logout through the daemon works" '[ "$rc" = 0 ]'
super "SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL"
expect "logout revoked the session (session_revoke with the token)" '[ "$out" = 1 ]'

# --- serve refuses a role that would bypass the wall ---------------------------------------------------
super "CREATE ROLE rf_bypass LOGIN BYPASSRLS IN ROLE yanxiu_app;
       CREATE ROLE rf_member LOGIN IN ROLE yanxiu_app, yanxiu_owner;
       CREATE ROLE rf_createrole LOGIN CREATEROLE IN ROLE yanxiu_app;
       GRANT CONNECT ON DATABASE yanxiu TO rf_bypass, rf_member, rf_createrole;"
[ "$rc" = 0 ] || die "creating the test roles: $out"
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        python3 -c 'import socket,sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' \
            "$p" 2>/dev/null || continue
        echo "$p"
        return
    done
    return 1
}
# refused KEY USER WORD: serve with KEY's user replaced by USER must exit non-zero within 20 s,
# saying the key, the role and WORD.
refused() {
    local key=$1 user=$2 word=$3 port conf=$T/refuse.conf log=$T/refuse.log
    port=$(free_port) || die "no free port"
    sed -e "s/^port = .*/port = $port/" \
        -e "/^$key = /s/user=[a-z_]*/user=$user/" "$YX_CONF" >"$conf"
    timeout 20 "$YX_YANXIUD" -c "$conf" serve >"$log" 2>&1 &
    echo $! >"$YX_DIR/yanxiud.pid"
    wait $!
    rc=$?
    : >"$YX_DIR/yanxiud.pid"
    out=$(cat "$log")
    expect "serve with $key as $user is refused: $word" \
        '[ "$rc" != 0 ] && [ "$rc" != 124 ] && [[ $out == *"$key"* ]] && [[ $out == *"\"$user\""* ]] && [[ $out == *"$word"* ]]'
}
refused conninfo yanxiu_owner "objects of the database"
refused conninfo postgres "superuser"
refused conninfo rf_bypass "BYPASSRLS"
refused conninfo rf_member "objects of the database"
refused conninfo rf_createrole "CREATEROLE"
refused login_conninfo yanxiu_owner "objects of the database"
refused login_conninfo postgres "superuser"
# no login_conninfo at all
port=$(free_port) || die "no free port"
sed -e "s/^port = .*/port = $port/" -e "/^login_conninfo = /d" "$YX_CONF" >"$T/nologin.conf"
out=$(timeout 20 "$YX_YANXIUD" -c "$T/nologin.conf" serve 2>&1)
rc=$?
expect "serve without login_conninfo is refused, naming the key" \
    '[ "$rc" != 0 ] && [ "$rc" != 124 ] && [[ $out == *"login_conninfo is not set"* ]]'

finish
