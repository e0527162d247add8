#!/bin/bash
# -o FILE of the views never replaces what FILE points at: a new or existing
# regular file is written under a temporary name and moved into place (an
# existing one only with --force); a FIFO, /dev/null, /dev/stdout and a
# symbolic link's target are written in place or through the link, never
# replaced; "-o -" is the standard output; a failed write says why, exits 1
# and leaves neither a partial file nor a temporary one.
# The CLI runs as an unprivileged user (nobody, when the test runs as root) in
# a directory of its own, so that nothing here can replace a path it did not
# create. Runs under tests/harness/with-server (YX_SERVER, YX_YANXIU,
# YX_YANXIUD, YX_CONF, YX_DIR).
# The conditions given to expect are single-quoted on purpose: expect evaluates them.
# shellcheck disable=SC2016,SC2034
set -uo pipefail

skipped=0
T=$YX_DIR/cli_output
W=$T/work # the user's working directory: every -o FILE of the test is in here
H=$T/home
mkdir -p "$T" "$W" "$H/.config"
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

# The user the CLI runs as: nobody when we are root, else ourselves. $T/yx runs
# the CLI as that user, in W, with umask 027 (a new file: mode 0640).
as_user=""
if [ "$(id -u)" = 0 ]; then
    if ! uid=$(id -u nobody) || ! gid=$(id -g nobody); then
        echo "FAIL - no user nobody to run the CLI as" >&2
        exit 1
    fi
    chown "$uid:$gid" "$W" "$H" "$H/.config"
    as_user="setpriv --reuid=$uid --regid=$gid --clear-groups --"
fi
chmod 700 "$W"
cat >"$T/yx" <<EOF
#!/bin/bash
cd $(printf %q "$W") && umask 027 &&
    exec $as_user env HOME=$(printf %q "$H") XDG_CONFIG_HOME=$(printf %q "$H/.config") \\
        timeout 60 $(printf %q "$YX_YANXIU") "\$@"
EOF
chmod 755 "$T/yx"
yanxiu() { "$T/yx" "$@"; }
# owned FILE...: give files the test made in W to the user (as root)
owned() { [ -z "$as_user" ] || chown -h "$uid:$gid" "$@"; }

# run ARGS...: yanxiu ARGS as the one user of this test (in place of tap.sh's run); sets rc,
# out, err (stdout is also kept as bytes in $T/out).
run() {
    yanxiu "$@" >"$T/out" 2>"$T/err"
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}

# same FILE: FILE holds exactly the CSV view (compared byte for byte).
same() { cmp -s "$T/expected.csv" "$1"; }
mode_of() { stat -c %a "$1"; }
# the names in W, sorted, on one line
# xlsx_units FILE: the workbook's first sheet name and how many of the district's schools
# its first sheet names
xlsx_units() {
    python3 - "$1" <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
book = z.read("xl/workbook.xml").decode()
text = z.read("xl/worksheets/sheet1.xml").decode()
if "xl/sharedStrings.xml" in z.namelist():
    text += z.read("xl/sharedStrings.xml").decode()
print(re.search(r'<sheet name="([^"]*)"', book).group(1), len(set(re.findall("东城区[^<]*", text))))
EOF
}
listing() { (cd "$W" && LC_ALL=C ls -A | tr '\n' ' '); }

# --- an account and some data: two schools of district 110101 ----------------------------
"$YX_YANXIUD" -c "$YX_CONF" district add 110101 东城区 >/dev/null || die "district add"
YANXIU_PASSWORD=pw-dist1-secret "$YX_YANXIUD" -c "$YX_CONF" \
    user add dist1 --role district --district 110101 >/dev/null || die "user add dist1"
YANXIU_PASSWORD=pw-dist1-secret run --server "$YX_SERVER" login --user dist1
[ "$rc" = 0 ] || die "login: $err"
cat >"$T/units.csv" <<'EOF'
学校代码,学校名称,类型,所属中心校,开办日期,撤并日期
1101010001,东城区第一中心校,中心校,,,
1101010002,东城区实验小学,小学,1101010001,2001/9/1,
1101010004,东城区第二初级中学,初中,,,
EOF
chmod 644 "$T/units.csv"
run units import "$T/units.csv"
[ "$rc" = 0 ] || die "units import: $err"

VIEW=(compliance units --year 2026)
run "${VIEW[@]}" --format csv
[ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | grep -c 东城区)" = 2 ] || die "the view: $out $err"
cp "$T/out" "$T/expected.csv"

# --- a new regular file --------------------------------------------------------------------
run "${VIEW[@]}" --format csv -o new.csv
expect new_file_is_written_with_a_mode_from_the_umask \
    '[ $rc = 0 ] && [ "$out" = "wrote new.csv: 2 units" ] && [ -f "$W/new.csv" ] &&
     [ ! -L "$W/new.csv" ] && same "$W/new.csv" && [ "$(mode_of "$W/new.csv")" = 640 ]'

# --- an existing regular file: refused without --force, replaced with it -------------------
printf 'old\n' >"$W/old.csv"
chmod 600 "$W/old.csv"
owned "$W/old.csv"
run "${VIEW[@]}" --format csv -o old.csv
expect existing_file_is_not_replaced_without_force \
    '[ $rc = 1 ] && [ -z "$out" ] &&
     [ "$err" = "yanxiu: old.csv already exists and is not replaced: choose another name, or give --force to replace it" ] &&
     [ "$(cat "$W/old.csv")" = old ]'
run "${VIEW[@]}" --format csv -o old.csv --force
expect existing_file_is_replaced_with_force_and_keeps_its_mode \
    '[ $rc = 0 ] && [ "$out" = "wrote old.csv: 2 units" ] && same "$W/old.csv" &&
     [ "$(mode_of "$W/old.csv")" = 600 ]'

# --- a symbolic link: the file it points at gets the content, the link stays ---------------
mkdir "$W/sub"
printf 'old\n' >"$W/sub/target.csv"
ln -s sub/target.csv "$W/link.csv"
ln -s sub/new-target.csv "$W/dangling.csv"
owned "$W/sub" "$W/sub/target.csv" "$W/link.csv" "$W/dangling.csv"
run "${VIEW[@]}" --format csv -o link.csv
expect symlink_to_an_existing_file_needs_force \
    '[ $rc = 1 ] && [[ $err == "yanxiu: link.csv already exists and is not replaced"* ]] &&
     [ "$(cat "$W/sub/target.csv")" = old ]'
run "${VIEW[@]}" --format csv -o link.csv --force
expect symlink_with_force_writes_the_target_and_stays_a_link \
    '[ $rc = 0 ] && [ -L "$W/link.csv" ] && [ "$(readlink "$W/link.csv")" = sub/target.csv ] &&
     same "$W/sub/target.csv"'
run "${VIEW[@]}" --format csv -o dangling.csv
expect dangling_symlink_creates_its_target_and_stays_a_link \
    '[ $rc = 0 ] && [ -L "$W/dangling.csv" ] &&
     [ "$(readlink "$W/dangling.csv")" = sub/new-target.csv ] && same "$W/sub/new-target.csv"'

# --- a FIFO: written in place, no --force needed -------------------------------------------
mkfifo "$W/fifo"
owned "$W/fifo"
timeout 30 cat "$W/fifo" >"$T/fifo.out" &
reader=$!
run "${VIEW[@]}" --format csv -o fifo
[ "$rc" = 0 ] || timeout 5 sh -c ': >"$1"' sh "$W/fifo" # let the reader go on failure
wait "$reader"
expect fifo_is_written_in_place_and_stays_a_fifo \
    '[ $rc = 0 ] && [ -z "$out" ] && [ -p "$W/fifo" ] && same "$T/fifo.out"'

# --- the standard output: -o -, -o /dev/stdout ---------------------------------------------
run "${VIEW[@]}" --format csv -o -
expect dash_is_the_standard_output \
    '[ $rc = 0 ] && same "$T/out" && [ ! -e "$W/-" ]'
run "${VIEW[@]}" --format json -o -
expect dash_is_the_standard_output_for_json \
    '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "import json,sys; assert len(json.load(sys.stdin)) == 2"'
run "${VIEW[@]}" --format table -o -
expect dash_is_the_standard_output_for_a_table \
    '[ $rc = 0 ] && [[ $out == "unit_code "*东城区第二初级中学* ]] && [ ! -e "$W/-" ]'
run "${VIEW[@]}" --format xlsx -o -
cp "$T/out" "$T/dash.xlsx"
expect dash_is_the_standard_output_for_xlsx_into_a_pipe \
    '[ $rc = 0 ] && [ ! -e "$W/-" ] && [ "$(xlsx_units "$T/dash.xlsx")" = "单位汇总 2" ]'
# xlsx to a terminal: script(1) gives the CLI a pseudo-terminal as its standard output.
printf -v cmd '%q ' "$T/yx" "${VIEW[@]}" --format xlsx -o -
out=$(timeout 90 script -qec "$cmd" /dev/null 2>&1 </dev/null)
rc=$? out=${out//$'\r'/} err=$out
expect xlsx_to_a_terminal_is_refused \
    '[ $rc = 1 ] && [ "$out" = "yanxiu: -o -: the standard output is a terminal, and an .xlsx workbook is binary: redirect it (> FILE.xlsx) or name the file with -o FILE.xlsx" ]'

run "${VIEW[@]}" --format csv -o /dev/stdout
expect dev_stdout_is_the_standard_output \
    '[ $rc = 0 ] && same "$T/out" && [ -L /dev/stdout ]'
# the standard output redirected to a file: written there, after what is already in it
{
    echo "before"
    yanxiu "${VIEW[@]}" --format csv -o /dev/stdout
    rc=$?
} >"$T/redirected" 2>"$T/err"
err=$(cat "$T/err") out=$(cat "$T/redirected")
expect dev_stdout_redirected_to_a_file_appends_to_it \
    '[ $rc = 0 ] && [ "$(head -n 1 "$T/redirected")" = before ] &&
     tail -n +2 "$T/redirected" | cmp -s "$T/expected.csv" -'

# --- devices: /dev/null written in place, /dev/full fails with a clear error ---------------
run "${VIEW[@]}" --format csv -o /dev/null --force
nobody_null_ok=0
[ "$rc" = 0 ] && [ -c /dev/null ] && nobody_null_ok=1
expect dev_null_with_force_is_written_and_stays_a_device \
    '[ $rc = 0 ] && [ -z "$out" ] && [ -z "$err" ] && [ -c /dev/null ]'
run "${VIEW[@]}" --format csv -o /dev/full
expect dev_full_fails_with_a_clear_error \
    '[ $rc = 1 ] && [ -z "$out" ] && [ -c /dev/full ] &&
     [ "$err" = "yanxiu: cannot write /dev/full: No space left on device; the output is incomplete" ]'
run "${VIEW[@]}" --format xlsx -o /dev/full
expect dev_full_fails_with_a_clear_error_for_xlsx \
    '[ $rc = 1 ] && [ -z "$out" ] && [ -c /dev/full ] &&
     [ "$err" = "yanxiu: cannot write /dev/full: No space left on device; the output is incomplete" ]'

# --- a failed write leaves the file as it was and no temporary file ------------------------
# RLIMIT_FSIZE 0 (with SIGXFSZ ignored) makes every write to a regular file fail (EFBIG);
# what the CLI says goes through a pipe, which the limit does not touch.
limited() { (trap '' XFSZ && ulimit -f 0 && exec "$T/yx" "$@"); }
before=$(listing)
cp "$W/old.csv" "$T/old.before"
err=$(limited "${VIEW[@]}" --format csv -o old.csv --force 2>&1 >/dev/null)
rc=$? out=""
expect failed_write_keeps_the_file_and_removes_the_temporary \
    '[ $rc = 1 ] && cmp -s "$T/old.before" "$W/old.csv" && [ "$(listing)" = "$before" ] &&
     [ "$err" = "yanxiu: cannot write old.csv: File too large; old.csv is left as it was" ]'
err=$(limited "${VIEW[@]}" --format csv -o new2.csv 2>&1 >/dev/null)
rc=$?
expect failed_write_creates_nothing \
    '[ $rc = 1 ] && [ "$(listing)" = "$before" ] &&
     [ "$err" = "yanxiu: cannot write new2.csv: File too large; new2.csv was not created" ]'
err=$(limited "${VIEW[@]}" --format xlsx -o new2.xlsx 2>&1 >/dev/null)
rc=$?
expect failed_xlsx_write_creates_nothing \
    '[ $rc = 1 ] && [ "$(listing)" = "$before" ] &&
     [ "$(printf "%s\n" "$err" | tail -n 1)" = "yanxiu: new2.xlsx: cannot write the workbook: File too large" ]'

# --- what is not a file to write ------------------------------------------------------------
run "${VIEW[@]}" --format csv -o sub --force
expect directory_is_refused \
    '[ $rc = 1 ] && [ "$err" = "yanxiu: -o sub: '\''sub'\'' is a directory: name a file in it (-o sub/FILE)" ]'

# --- as root (when the test runs as root): /dev/null and /dev/stdout stay what they are -----
# Only after the same case passed as nobody, so that a regression cannot replace /dev/null.
if [ "$(id -u)" = 0 ] && [ "$nobody_null_ok" = 1 ]; then
    R=$T/root # root's own session
    mkdir -p "$R/.config"
    rootrun() {
        (cd "$R" && HOME=$R XDG_CONFIG_HOME=$R/.config timeout 60 "$YX_YANXIU" "$@") \
            >"$T/out" 2>"$T/err"
        rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
    }
    YANXIU_PASSWORD=pw-dist1-secret rootrun --server "$YX_SERVER" login --user dist1
    [ "$rc" = 0 ] || die "login as root: $err"
    rootrun "${VIEW[@]}" --format csv -o /dev/null --force
    expect root_dev_null_with_force_stays_a_device '[ $rc = 0 ] && [ -c /dev/null ]'
    rootrun "${VIEW[@]}" --format csv -o /dev/stdout --force
    expect root_dev_stdout_with_force_stays_a_link '[ $rc = 0 ] && [ -L /dev/stdout ] && same "$T/out"'
elif [ "$(id -u)" = 0 ]; then
    skipped=$((skipped + 2))
    echo "skip - root_dev_null_with_force_stays_a_device, root_dev_stdout_with_force_stays_a_link:" \
        "-o /dev/null failed as nobody, and could replace /dev/null as root" >&2
fi

# --- nothing left behind: W holds only what the test made ----------------------------------
out=$(listing) err="" rc=0
expect no_temporary_file_is_left \
    '[ "$out" = "dangling.csv fifo link.csv new.csv old.csv sub " ] &&
     [ "$(cd "$W/sub" && LC_ALL=C ls -A | tr "\n" " ")" = "new-target.csv target.csv " ]'

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
