#!/bin/bash
# The web console's HTTP side (README "Web console"), as a browser meets it:
# the console's files with their cache headers and the security headers on
# every answer; login over HTTP sets the HttpOnly session cookie and answers
# csrf_token with no token; a call needs cookie, CSRF header and our Origin;
# another site's Origin is refused, also for a login; a stranger's body is
# small; a school's cookie cannot read another unit; logout clears the cookie;
# no path leaves web_root; a client that hangs up mid-request does not hurt
# the daemon; and the same over TLS, with a Secure cookie and HSTS.
# Runs under tests/harness/with-server with YX_CONF_HTTP="plaintext = yes"
# (curl for HTTP, protoc for the Envelopes).
# shellcheck disable=SC2016
set -uo pipefail

T=$YX_DIR/http_console
# shellcheck source=tests/integration/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

for v in YX_HTTP YX_CONF YX_YANXIUD YX_DAEMON_PID YX_DIR; do
    [ -n "${!v:-}" ] || die "$v is not set: run under tests/harness/with-server with YX_CONF_HTTP"
done
command -v curl >/dev/null || die "curl is not installed (deploy/install-deps)"
command -v protoc >/dev/null || die "protoc is not installed (deploy/install-deps)"

BASE=http://$YX_HTTP
ORIGIN=$BASE
D=411423
"$YX_YANXIUD" -c "$YX_CONF" district add $D 宁陵县 >/dev/null || die "district add"
adduser() {
    YANXIU_PASSWORD=pw-$1-secret "$YX_YANXIUD" -c "$YX_CONF" user add "$@" >/dev/null ||
        die "user add $*"
}
adduser school --role school --district $D --unit 4114230001
adduser dist --role district --district $D

# enc TEXT: an Envelope from protobuf text format, into $T/req.bin.
enc() {
    printf '%s' "$1" | protoc -I "$root/proto" --encode=yanxiu.v1.Envelope \
        "$root/proto/yanxiu.proto" >"$T/req.bin" || die "protoc --encode: $1"
}
# post [CURL ARGS...]: POSTs $T/req.bin to the API; sets code (HTTP status),
# hdr (the headers, lower-cased names) and out (the answer: an Envelope as text,
# or the JSON body of a refusal).
post() {
    rm -f "$T/resp.bin" "$T/hdr"
    code=$(curl -s -o "$T/resp.bin" -D "$T/hdr" -w '%{http_code}' -X POST \
        -H "Content-Type: ${CT:-application/x-protobuf}" --data-binary @"$T/req.bin" "$@" \
        "${URL:-$BASE}/api/v2/rpc") || code=000
    touch "$T/resp.bin" "$T/hdr"
    hdr=$(tr -d '\r' <"$T/hdr" | sed 's/^\([^:]*\):/\L\1:/')
    if grep -q '^content-type: application/x-protobuf' <<<"$hdr"; then
        out=$(protoc -I "$root/proto" --decode=yanxiu.v1.Envelope "$root/proto/yanxiu.proto" \
            <"$T/resp.bin")
    else
        out=$(cat "$T/resp.bin")
    fi
}
# get PATH [CURL ARGS...]: sets code, hdr, out for a GET (or what the args ask).
get() {
    local p=$1
    shift
    rm -f "$T/resp.bin" "$T/hdr"
    code=$(curl -s -o "$T/resp.bin" -D "$T/hdr" -w '%{http_code}' "$@" \
        --path-as-is "${URL:-$BASE}$p") || code=000
    touch "$T/resp.bin" "$T/hdr"
    hdr=$(tr -d '\r' <"$T/hdr" | sed 's/^\([^:]*\):/\L\1:/')
    out=$(cat "$T/resp.bin")
}
header() { grep -i "^$1:" <<<"$hdr" | head -1 | sed 's/^[^:]*: *//'; }
CSP="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
secure_headers() {
    [ "$(header content-security-policy)" = "$CSP" ] &&
        [ "$(header x-content-type-options)" = nosniff ] &&
        [ "$(header referrer-policy)" = no-referrer ] &&
        [ "$(header x-frame-options)" = DENY ]
}

# --- no console installed yet: a Chinese page, the API still served -----------------------
get /
expect "root_without_console_says_so_in_chinese" \
    '[ "$code" = 404 ] && grep -q "网页控制台尚未安装" <<<"$out" && secure_headers'
grep -q "has no index.html" "$YX_DAEMON_LOG" || { echo "log lacks the web_root warning" >&2; failed=$((failed + 1)); }

# --- the console's files, read again on SIGHUP ---------------------------------------------
W=$YX_DIR/web
mkdir -p "$W/assets"
printf '<!doctype html><title>研修</title><script type="module" src="/assets/app-1a2b.js"></script>\n' >"$W/index.html"
printf 'console.log("yanxiu");\n' >"$W/assets/app-1a2b.js"
printf 'body{color:#333}\n' >"$W/assets/app-1a2b.css"
# a script large enough to be sent compressed
for i in $(seq 1 400); do printf 'export const label%d = "学时 %d";\n' "$i" "$i"; done >"$W/assets/big-9f9f.js"
printf 'secret\n' >"$YX_DIR/outside.txt"
kill -HUP "$YX_DAEMON_PID"
for _ in $(seq 1 50); do
    grep -q "web console: 4 files" "$YX_DAEMON_LOG" && break
    sleep 0.1
done

get /
expect "root_serves_index_no_cache_with_security_headers" \
    '[ "$code" = 200 ] && grep -q "研修" <<<"$out" && [ "$(header cache-control)" = no-cache ] &&
     [[ "$(header content-type)" == text/html* ]] && secure_headers &&
     [ -z "$(header strict-transport-security)" ]'
etag=$(header etag)
get /assets/app-1a2b.js
expect "asset_is_immutable_javascript" \
    '[ "$code" = 200 ] && [ "$(header cache-control)" = "public, max-age=31536000, immutable" ] &&
     [[ "$(header content-type)" == text/javascript* ]] && secure_headers'
get /assets/big-9f9f.js -H "Accept-Encoding: gzip, deflate, br"
gunzip -c <"$T/resp.bin" >"$T/big.js" 2>/dev/null || true
gz_etag=$(header etag)
expect "text_is_sent_gzip_to_a_browser_that_accepts_it" \
    '[ "$code" = 200 ] && [ "$(header content-encoding)" = gzip ] &&
     [ "$(header vary)" = Accept-Encoding ] && cmp -s "$T/big.js" "$W/assets/big-9f9f.js" &&
     [ "$(stat -c %s "$T/resp.bin")" -lt "$(stat -c %s "$W/assets/big-9f9f.js")" ] &&
     [[ "$gz_etag" == *-gz\" ]] && secure_headers'
get /assets/big-9f9f.js -H "If-None-Match: $gz_etag" -H "Accept-Encoding: gzip"
expect "gzip_etag_answers_304" '[ "$code" = 304 ]'
get /assets/big-9f9f.js
expect "text_is_sent_plain_without_accept_encoding" \
    '[ "$code" = 200 ] && [ -z "$(header content-encoding)" ] &&
     cmp -s "$T/resp.bin" "$W/assets/big-9f9f.js" && [ "$(header vary)" = Accept-Encoding ]'
get /assets/big-9f9f.js -H "Accept-Encoding: gzip;q=0, identity"
expect "gzip_refused_with_q0_is_not_sent" \
    '[ "$code" = 200 ] && [ -z "$(header content-encoding)" ] && cmp -s "$T/resp.bin" "$W/assets/big-9f9f.js"'
get / -H "If-None-Match: $etag"
expect "etag_answers_304" '[ "$code" = 304 ] && [ -z "$out" ] && secure_headers'
get /assets/app-1a2b.css -I
expect "head_has_length_and_no_body" \
    '[ "$code" = 200 ] && [ "$(header content-length)" = 17 ] && ! grep -q "color" <<<"$out" &&
     [[ "$(header content-type)" == text/css* ]]'
for p in /../outside.txt /assets/../../outside.txt /%2e%2e/outside.txt /assets/%2e%2e/%2e%2e/outside.txt /..%2foutside.txt /etc/passwd /../etc/passwd; do
    get "$p"
    expect "path_${p}_is_404" '[ "$code" = 404 ] && ! grep -q secret <<<"$out" && secure_headers &&
        grep -q "\"code\": \"http_not_found\"" <<<"$out"'
done
get / -X DELETE
expect "other_methods_are_405" '[ "$code" = 405 ] && secure_headers && [ "$(header allow)" = "GET, HEAD" ]'

# --- login over HTTP ------------------------------------------------------------------------
enc 'request_id: 1 login { user: "school" password: "pw-school-secret" }'
post -H "Origin: https://evil.example"
expect "cross_origin_login_is_refused" \
    '[ "$code" = 403 ] && grep -q "\"code\": \"origin_refused\"" <<<"$out" && secure_headers &&
     [ -z "$(header set-cookie)" ]'
post -H "Origin: $ORIGIN" -H "X-Yanxiu-Language: en"
cookie=$(header set-cookie)
token=$(sed -n 's/^yanxiu_session=\([^;]*\);.*/\1/p' <<<"$cookie")
csrf=$(sed -n 's/^ *csrf_token: "\(.*\)"/\1/p' <<<"$out")
want=$(printf 'yanxiu-csrf:' | cat - <(printf '%s' "$token" | tr '_-' '/+' | sed 's/$/=/' | base64 -d 2>/dev/null) |
    sha256sum | cut -d' ' -f1)
expect "login_sets_httponly_strict_cookie_and_answers_csrf_without_token" \
    '[ "$code" = 200 ] && [ ${#token} = 43 ] &&
     [[ "$cookie" == *"; HttpOnly; SameSite=Strict; Path=/api; Max-Age=43200" ]] &&
     [[ "$cookie" != *Secure* ]] && ! grep -q "^ *token:" <<<"$out" &&
     [ ${#csrf} = 64 ] && [ "$csrf" = "$want" ] && grep -q "login_reply" <<<"$out" && secure_headers &&
     [ "$(header cache-control)" = no-store ]'
J=(-H "Cookie: yanxiu_session=$token")

# --- calls with the cookie -------------------------------------------------------------------
enc 'request_id: 2 whoami {}'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "cookie_csrf_and_origin_make_a_call" \
    '[ "$code" = 200 ] && grep -q "whoami_reply" <<<"$out" && grep -q "user: \"school\"" <<<"$out" &&
     grep -q "request_id: 2" <<<"$out"'
post "${J[@]}" -H "Origin: $ORIGIN"
expect "cookie_without_csrf_is_403_csrf_missing" \
    '[ "$code" = 403 ] && grep -q "\"code\": \"csrf_missing\"" <<<"$out" && secure_headers'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $(tr '0-9a-f' '1-9a-f0' <<<"$csrf")"
expect "cookie_with_wrong_csrf_is_403_csrf_mismatch" \
    '[ "$code" = 403 ] && grep -q "\"code\": \"csrf_mismatch\"" <<<"$out"'
post "${J[@]}" -H "Origin: http://evil.example" -H "X-Yanxiu-Csrf: $csrf"
expect "cookie_from_another_origin_is_403" \
    '[ "$code" = 403 ] && grep -q "\"code\": \"origin_refused\"" <<<"$out"'
post "${J[@]}" -H "X-Yanxiu-Csrf: $csrf"
expect "cookie_without_origin_is_403" \
    '[ "$code" = 403 ] && grep -q "\"code\": \"origin_refused\"" <<<"$out"'
CT=text/plain post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "wrong_content_type_is_415" \
    '[ "$code" = 415 ] && grep -q "\"code\": \"http_content_type\"" <<<"$out"'
curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' "${J[@]}" "$BASE/api/v2/rpc" >"$T/code"
code=$(cat "$T/code")
expect "get_of_the_api_is_405" '[ "$code" = 405 ]'
get / -H 'X-Yanxiu-Language: zh-CN' -X PUT
expect "refusal_message_in_chinese" '[ "$code" = 405 ] && grep -q "请求方法" <<<"$out"'

# --- tenancy: a school's cookie cannot read another unit --------------------------------------
enc 'request_id: 3 list_roster { unit_code: "4114230010" }'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "school_cookie_cannot_read_another_unit" \
    '[ "$code" = 200 ] && grep -q "code: PERMISSION_DENIED" <<<"$out" && ! grep -q "roster_list" <<<"$out"'

# --- a stranger's body is small ---------------------------------------------------------------
big=$(head -c 100000 /dev/zero | tr '\0' x)
enc "request_id: 4 login { user: \"school\" password: \"$big\" }"
post -H "Origin: $ORIGIN"
expect "prelogin_body_of_100k_is_413" \
    '[ "$code" = 413 ] && grep -q "\"code\": \"http_body_too_large\"" <<<"$out" && secure_headers'
enc 'request_id: 5 whoami {}'
post -H "Origin: $ORIGIN"
expect "no_cookie_no_token_is_unauthenticated" \
    '[ "$code" = 200 ] && grep -q "code: UNAUTHENTICATED" <<<"$out"'
enc 'request_id: 6 ping {}'
post
expect "ping_needs_no_hello" '[ "$code" = 200 ] && grep -q "ping_reply" <<<"$out"'

# lock_sessions SECONDS: holds the sessions table at most that long (in the background, $lockpid),
# returning once the lock is held: requests then wait in the database.
lock_sessions() {
    $YX_PSQL -c "BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT;" \
        >/dev/null 2>&1 &
    lockpid=$!
    for _ in $(seq 1 100); do
        held=$($YX_PSQL -tA -c "SELECT count(*) FROM pg_locks WHERE relation = 'sessions'::regclass
                                AND mode = 'AccessExclusiveLock' AND granted")
        [ "$held" = 1 ] && break
        sleep 0.05
    done
}
# unlock_sessions: ends the hold at once (cancels its pg_sleep: the transaction aborts).
unlock_sessions() {
    $YX_PSQL -tA -c "SELECT pg_cancel_backend(pid) FROM pg_locks
                     WHERE relation = 'sessions'::regclass AND mode = 'AccessExclusiveLock'" >/dev/null
    wait "$lockpid"
}

# --- a client that hangs up while its request is in the database -----------------------------
enc 'request_id: 7 whoami {}'
for _ in 1 2 3 4 5; do
    curl -s -o /dev/null --max-time 0.01 -X POST -H 'Content-Type: application/x-protobuf' \
        "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf" --data-binary @"$T/req.bin" \
        "$BASE/api/v2/rpc" || true
done
# The sessions table locked: the requests wait in the database while their clients hang
# up; their answers then go nowhere.
lock_sessions 60
python3 - "$YX_HTTP" "$T/req.bin" "$token" "$csrf" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].split(":")
body = open(sys.argv[2], "rb").read()
for _ in range(5):
    s = socket.create_connection((host, int(port)))
    s.sendall(("POST /api/v2/rpc HTTP/1.1\r\nHost: %s\r\nOrigin: http://%s\r\n"
               "Content-Type: application/x-protobuf\r\nCookie: yanxiu_session=%s\r\n"
               "X-Yanxiu-Csrf: %s\r\nContent-Length: %d\r\n\r\n"
               % (sys.argv[1], sys.argv[1], sys.argv[3], sys.argv[4], len(body))).encode() + body)
    time.sleep(0.2)
    s.close()
EOF
sleep 0.3
unlock_sessions
sleep 0.3
enc 'request_id: 8 whoami {}'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "client_hanging_up_mid_request_leaves_daemon_serving" \
    'kill -0 "$YX_DAEMON_PID" && [ "$code" = 200 ] && grep -q "whoami_reply" <<<"$out" &&
     [ "$(grep -c "method=WhoAmI code=OK .*(client gone)" "$YX_DAEMON_LOG")" -ge 5 ]'

# --- both a token and the cookie ----------------------------------------------------------------
enc 'request_id: 9 session_token: "0123456789abcdef0123456789abcdef" whoami {}'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "token_and_cookie_together_are_refused" \
    '[ "$code" = 400 ] && grep -q "\"code\": \"http_session_twice\"" <<<"$out"'

# --- logout clears the cookie, which then fails ---------------------------------------------------
enc 'request_id: 10 logout {}'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "logout_clears_the_cookie" \
    '[ "$code" = 200 ] && grep -q "logout_reply" <<<"$out" &&
     [[ "$(header set-cookie)" == "yanxiu_session=; HttpOnly; SameSite=Strict; Path=/api; Max-Age=0" ]]'
enc 'request_id: 11 whoami {}'
post "${J[@]}" -H "Origin: $ORIGIN" -H "X-Yanxiu-Csrf: $csrf"
expect "cookie_after_logout_is_unauthenticated" \
    '[ "$code" = 200 ] && grep -q "code: UNAUTHENTICATED" <<<"$out"'

# --- over TLS: a daemon of its own, Secure cookie and HSTS -----------------------------------------
d=$T/tls
mkdir -p "$d"
(
    cd "$d" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
        -out ca.pem -days 2 -subj "/CN=yanxiu test ca" 2>/dev/null &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
            -out server.csr -subj "/CN=localhost" 2>/dev/null &&
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile server.ext -out server.pem 2>/dev/null
) || die "cannot make the test certificates"
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
tport=$(free_port)
hport=$(free_port)
sed -e '/^plaintext/d' -e "s|^port = ${YX_SERVER##*:}$|port = $tport|" \
    -e "s|^port = ${YX_HTTP##*:}$|port = $hport|" \
    -e "s|^\[server\]$|[server]\ntls_cert = $d/server.pem\ntls_key = $d/server.key|" \
    "$YX_CONF" >"$d/yanxiud.conf"
"$YX_YANXIUD" -c "$d/yanxiud.conf" serve 2>"$d/yanxiud.log" &
tpid=$!
echo "$tpid" >"$YX_DIR/yanxiud.pid"
URL=https://localhost:$hport
TLSARGS=(--cacert "$d/ca.pem")
up=0
for _ in $(seq 1 100); do
    if curl -s -o /dev/null "${TLSARGS[@]}" "$URL/"; then
        up=1
        break
    fi
    sleep 0.1
done
[ "$up" = 1 ] || die "the TLS daemon's HTTPS did not answer: $(tail -5 "$d/yanxiud.log")"
get / "${TLSARGS[@]}"
expect "https_serves_the_console_with_hsts" \
    '[ "$code" = 200 ] && secure_headers && [ "$(header strict-transport-security)" = "max-age=31536000" ]'
enc 'request_id: 12 login { user: "dist" password: "pw-dist-secret" }'
post "${TLSARGS[@]}" -H "Origin: $URL"
cookie=$(header set-cookie)
token=$(sed -n 's/^yanxiu_session=\([^;]*\);.*/\1/p' <<<"$cookie")
csrf=$(sed -n 's/^ *csrf_token: "\(.*\)"/\1/p' <<<"$out")
expect "https_login_cookie_is_secure" \
    '[ "$code" = 200 ] && [[ "$cookie" == *"; HttpOnly; SameSite=Strict; Path=/api; Max-Age=43200; Secure" ]] &&
     [ "$(header strict-transport-security)" = "max-age=31536000" ]'
post "${TLSARGS[@]}" -H "Origin: http://localhost:$hport"
expect "https_refuses_the_http_origin" '[ "$code" = 403 ] && grep -q origin_refused <<<"$out"'
enc 'request_id: 13 whoami {}'
post "${TLSARGS[@]}" -H "Cookie: yanxiu_session=$token" -H "Origin: $URL" -H "X-Yanxiu-Csrf: $csrf"
expect "https_call_with_cookie_works" '[ "$code" = 200 ] && grep -q "user: \"dist\"" <<<"$out"'
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/" --max-time 3) || true
expect "plaintext_on_the_tls_port_gets_no_page" '[ "$code" != 200 ]'
kill -HUP "$tpid"
sleep 0.5
get / "${TLSARGS[@]}"
expect "https_after_sighup_still_serves" '[ "$code" = 200 ]'
# SIGTERM with a request in the database: no new connections, the request is answered, exit 0.
lock_sessions 60
curl -s -o "$T/drain.bin" -w '%{http_code}' "${TLSARGS[@]}" -X POST \
    -H 'Content-Type: application/x-protobuf' -H "Cookie: yanxiu_session=$token" -H "Origin: $URL" \
    -H "X-Yanxiu-Csrf: $csrf" --data-binary @"$T/req.bin" "$URL/api/v2/rpc" >"$T/drain.code" &
curlpid=$!
sleep 0.3
kill -TERM "$tpid"
sleep 0.3
code=$(curl -s -o /dev/null -w '%{http_code}' "${TLSARGS[@]}" --max-time 3 "$URL/") || true
expect "draining_daemon_accepts_no_new_https_connection" '[ "$code" = 000 ]'
unlock_sessions
wait "$curlpid"
code=$(cat "$T/drain.code")
out=$(protoc -I "$root/proto" --decode=yanxiu.v1.Envelope "$root/proto/yanxiu.proto" <"$T/drain.bin")
expect "request_in_flight_at_sigterm_is_answered" '[ "$code" = 200 ] && grep -q whoami_reply <<<"$out"'
wait "$tpid"
trc=$?
expect "tls_daemon_drains_and_exits_0" '[ "$trc" = 0 ]'

# drain_timeout passes with a request still in the database: the HTTP connections are
# freed under it (the call detached), and the daemon exits 1, not on a signal.
"$YX_YANXIUD" -c "$d/yanxiud.conf" serve 2>"$d/yanxiud2.log" &
tpid=$!
echo "$tpid" >"$YX_DIR/yanxiud.pid"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "${TLSARGS[@]}" "$URL/" && break
    sleep 0.1
done
enc 'request_id: 14 whoami {}'
lock_sessions 60
curl -s -o /dev/null "${TLSARGS[@]}" --max-time 20 -X POST -H 'Content-Type: application/x-protobuf' \
    -H "Cookie: yanxiu_session=$token" -H "Origin: $URL" -H "X-Yanxiu-Csrf: $csrf" \
    --data-binary @"$T/req.bin" "$URL/api/v2/rpc" &
curlpid=$!
sleep 0.5
kill -TERM "$tpid"
wait "$tpid"
trc=$?
unlock_sessions
wait "$curlpid"
expect "drain_timeout_with_a_request_in_the_database_exits_1_cleanly" \
    '[ "$trc" = 1 ] && grep -q "drain_timeout" "$d/yanxiud2.log"'
: >"$YX_DIR/yanxiud.pid"

finish
