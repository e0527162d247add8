# tap.sh: sourced by the bash tests (set T, their scratch directory, first). Gives
#   the counters passed and failed;
#   expect NAME CONDITION   CONDITION is evaluated by bash against rc, out and err;
#   t NAME                  a step that passed;
#   die WHY                 a setup failure: nothing after it could mean anything;
#   run ACCOUNT ARGS...     yanxiu as ACCOUNT (its own HOME, so its own saved session);
#                           sets rc, out, err ($T/out keeps stdout as bytes); in the
#                           language of the environment: ctest sets LANGUAGE=en;
#   run_default ACCOUNT ARGS...  the same with no language in the environment: the
#                           CLI's default, Chinese;
#   finish                  the summary line; its status is 0 only when nothing failed.
# shellcheck shell=bash
passed=0
failed=0
rc=0
out=
err=
mkdir -p "$T"

expect() {
    if eval "$2"; then
        passed=$((passed + 1))
        echo "ok - $1"
    else
        failed=$((failed + 1))
        echo "FAIL - $1" >&2
        echo "  condition: $2" >&2
        echo "  exit status: $rc" >&2
        echo "  stdout: $out" >&2
        echo "  stderr: $err" >&2
    fi
}

t() {
    passed=$((passed + 1))
    echo "ok - $*"
}

die() {
    echo "FAIL - $*" >&2
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
}

run() {
    local home=$T/home/$1
    shift
    mkdir -p "$home/.config"
    HOME=$home XDG_CONFIG_HOME=$home/.config timeout 120 "$YX_YANXIU" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}

run_default() {
    LANGUAGE='' LC_ALL='' LC_MESSAGES='' LANG='' run "$@"
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
