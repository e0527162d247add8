# sql_expect.sh: sourced by the bash tests that try SQL as the daemon's roles
# (role_forgery.sh, role_walls.sh). Set T (a scratch directory) first. Gives
# expect, die, sql_as and super, and the counters passed and failed.
# shellcheck shell=bash
passed=0
failed=0
mkdir -p "$T"
rc=0
out=

# expect NAME CONDITION: CONDITION is evaluated by bash against rc and out.
expect() {
    if eval "$2"; then
        passed=$((passed + 1))
        echo "ok - $1"
    else
        failed=$((failed + 1))
        echo "FAIL - $1" >&2
        echo "  condition: $2" >&2
        echo "  exit status: $rc" >&2
        echo "  output: $out" >&2
    fi
}

die() {
    echo "FAIL - $*" >&2
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
}

# sql_as PREFIX_VAR SQL: runs SQL through psql (-At) as the role of $PREFIX_VAR; sets rc, out.
sql_as() {
    local prefix=${!1}
    printf '%s\n' "$2" >"$T/q.sql"
    # shellcheck disable=SC2086 # the prefix is a command and its arguments
    out=$(timeout 60 $prefix -At -v ON_ERROR_STOP=1 -f "$T/q.sql" 2>&1)
    rc=$?
}
super() { sql_as YX_PSQL "$1"; }
