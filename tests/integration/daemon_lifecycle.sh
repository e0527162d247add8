#!/bin/bash
# The daemon's life cycle, as an operator meets it: migrations applied once,
# serve refusing a schema that is behind, config errors that name file, line
# and key, SIGHUP reload (good and bad), SIGTERM drain with exit 0, and the
# daemon's database role holding no power it does not need.
# Runs under tests/harness/with-server --no-daemon.
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
pass() { echo "ok - $*"; }
passed=0
t() { passed=$((passed + 1)); pass "$*"; }

D=$YX_YANXIUD
conf=$YX_CONF
port=${YX_SERVER##*:}

# --- migrations -----------------------------------------------------------
out=$("$D" -c "$conf" migrate)
echo "$out" | grep -q "schema is current at version" || fail "second migrate: $out"
echo "$out" | grep -q "(0 applied now)" || fail "migrate after the harness's migrate applied something: $out"
n1=$($YX_PSQL -Atc "select count(*) from schema_migrations")
"$D" -c "$conf" migrate >/dev/null
n2=$($YX_PSQL -Atc "select count(*) from schema_migrations")
[ "$n1" = "$n2" ] || fail "migrate twice changed schema_migrations ($n1 -> $n2)"
t "migrate_twice_changes_nothing"

# --- serve refuses a schema that is behind -------------------------------
$YX_PSQL -qc "CREATE DATABASE behind OWNER yanxiu_owner" >/dev/null
behind=$YX_DIR/behind.conf
sed -e 's/dbname=yanxiu /dbname=behind /g' -e "s/^port = .*/port = $((port + 1))/" "$conf" >"$behind"
set +e
msg=$(timeout 20 "$D" -c "$behind" serve 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "serve on an unmigrated database exited $rc"
echo "$msg" | grep -q "yanxiud migrate" || fail "serve's refusal does not say what to run: $msg"
t "serve_refuses_unmigrated_schema_and_says_run_migrate"

# --- config errors name file, line and key --------------------------------
bad=$YX_DIR/bad.conf
printf '[server]\nport = 7433\nlisten = 127.0.0.1\nplaintext = yes\nbogus_key = 1\n[database]\nconninfo = x\npool_size = many\n' >"$bad"
set +e
msg=$("$D" -c "$bad" check-config 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "check-config accepted an unknown key"
echo "$msg" | grep -q "$bad:5: \[server\] bogus_key: unknown key" || fail "unknown key not named: $msg"
echo "$msg" | grep -q "$bad:8: \[database\] pool_size: \"many\" is not a whole number" ||
    fail "bad value not named: $msg"
t "check_config_names_file_line_and_key"

printf '[server]\nlisten = 0.0.0.0\nplaintext = yes\n[database]\nconninfo = x\n' >"$bad"
set +e
msg=$("$D" -c "$bad" check-config 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && echo "$msg" | grep -q "loopback" || fail "plaintext on 0.0.0.0 accepted: $msg"
t "check_config_refuses_plaintext_on_a_public_address"

"$D" -c "$conf" check-config | grep -q ": ok" || fail "check-config on the harness config"
t "check_config_accepts_a_good_file"

# --- the daemon's database role ------------------------------------------
[ "$($YX_PSQL -Atc "select rolsuper from pg_roles where rolname = 'yanxiud'")" = f ] ||
    fail "yanxiud is a superuser"
owned=$($YX_PSQL -Atc "select count(*) from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname in ('yanxiud', 'yanxiu_app')")
[ "$owned" = 0 ] || fail "the daemon's roles own $owned relations"
t "daemon_role_is_not_superuser_and_owns_nothing"

# --- serve, reload, drain ------------------------------------------------
log=$YX_DIR/lifecycle.log
"$D" -c "$conf" serve 2>"$log" &
pid=$!
echo "$pid" >"$YX_DIR/yanxiud.pid"
for _ in $(seq 1 100); do
    "$YX_YANXIU" --server "$YX_SERVER" --timeout 1 ping --db >/dev/null 2>&1 && break
    sleep 0.1
done
"$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null || fail "daemon did not come up: $(tail "$log")"

cp "$conf" "$conf.orig"
sed -i 's/^log_level = .*/log_level = debug/' "$conf"
grep -q '^log_level = debug' "$conf" || sed -i 's/^\[server\]$/[server]\nlog_level = debug/' "$conf"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "reloaded .*log_level" "$log" && break; sleep 0.1; done
grep -q "reloaded .*log_level" "$log" || fail "SIGHUP did not reload log_level: $(tail -3 "$log")"
"$YX_YANXIU" --server "$YX_SERVER" ping >/dev/null
for _ in $(seq 1 20); do grep -q "debug: " "$log" && break; sleep 0.1; done
grep -q "debug: " "$log" || fail "log_level debug not in effect after reload"
t "sighup_reloads_log_level"

echo "bogus = 1" >>"$conf"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "reload refused" "$log" && break; sleep 0.1; done
grep -q "reload refused" "$log" || fail "a bad reload was not refused"
"$YX_YANXIU" --server "$YX_SERVER" ping --db >/dev/null || fail "daemon not serving after a bad reload"
cp "$conf.orig" "$conf"
t "bad_reload_keeps_running_config"

# SIGTERM with requests in flight: pings queued behind a slow one are answered.
"$YX_YANXIU" --server "$YX_SERVER" ping --db --count 200 >/dev/null &
client=$!
sleep 0.05
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
wait "$client"
set -e
[ "$rc" = 0 ] || fail "yanxiud exited $rc after SIGTERM: $(tail -5 "$log")"
grep -q "draining" "$log" || fail "no drain logged"
rm -f "$YX_DIR/yanxiud.pid"
t "sigterm_drains_and_exits_zero"

echo "$passed passed, 0 failed"
