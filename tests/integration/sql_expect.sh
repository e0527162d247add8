# sql_expect.sh: sourced by the bash tests that try SQL as the daemon's roles
# (role_forgery.sh, role_walls.sh). Set T (a scratch directory) first. Gives what
# tap.sh gives (expect, die, the counters), and sql_as and super.
# shellcheck shell=bash
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

# sql_as PREFIX_VAR SQL: runs SQL through psql (-At) as the role of $PREFIX_VAR; sets rc, out.
sql_as() {
    local prefix=${!1}
    printf '%s\n' "$2" >"$T/q.sql"
    # shellcheck disable=SC2086 # the prefix is a command and its arguments
    out=$(timeout 60 $prefix -At -v ON_ERROR_STOP=1 -f "$T/q.sql" 2>&1)
    rc=$?
}
super() { sql_as YX_PSQL "$1"; }
