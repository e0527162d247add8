#!/bin/bash
# TLS as an operator and a user meet it: the daemon serves TLS 1.2+ with the
# configured certificate, the client verifies chain and host name (no switch
# turns that off), a wrong CA or host name fails with a clear message, a
# plaintext client on the TLS port fails cleanly while the daemon keeps
# serving, and SIGHUP loads a renewed certificate.
# Runs under tests/harness/with-server --no-daemon (it starts its own daemon).
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    [ -f "${log:-/dev/null}" ] && tail -n 20 "$log" >&2
    exit 1
}
passed=0
t() {
    passed=$((passed + 1))
    echo "ok - $*"
}

d=$YX_DIR/tls
mkdir -p "$d"
cd "$d"

# A CA, and two server certificates it signs: one for localhost/127.0.0.1,
# one for another name only. Plus an unrelated CA.
mkca() { # NAME
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=yanxiu test $1" 2>/dev/null
}
mkcert() { # NAME SAN
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
        -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    printf 'subjectAltName=%s\n' "$2" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkca ca
mkca otherca
mkcert good "DNS:localhost,IP:127.0.0.1"
mkcert othername "DNS:other.example"
cp good.pem server.pem
cp good.key server.key

port=${YX_SERVER##*:}
conf=$d/yanxiud.conf
sed -e '/^plaintext/d' -e "s|^\[server\]$|[server]\ntls_cert = $d/server.pem\ntls_key = $d/server.key|" \
    "$YX_CONF" >"$conf"
"$YX_YANXIUD" -c "$conf" check-config >/dev/null || fail "check-config refused the TLS config"

bad=$d/bad.conf
sed "s|^tls_cert = .*|tls_cert = $d/missing.pem|" "$conf" >"$bad"
set +e
msg=$("$YX_YANXIUD" -c "$bad" check-config 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && echo "$msg" | grep -q "missing.pem" || fail "a missing certificate was not named: $msg"
t "check_config_names_a_missing_certificate"

log=$d/yanxiud.log
"$YX_YANXIUD" -c "$conf" serve 2>"$log" &
pid=$!
echo "$pid" >"$YX_DIR/yanxiud.pid"
Y() { "$YX_YANXIU" --timeout 5 "$@"; }
up=0
for _ in $(seq 1 100); do
    # --db: up means the database pools are connected too, as systemd's READY
    if Y --server "127.0.0.1:$port" --ca ca.pem ping --db >/dev/null 2>&1; then
        up=1
        break
    fi
    sleep 0.1
done
[ "$up" = 1 ] || fail "TLS daemon did not answer"
grep -q "(TLS)" "$log" || fail "the daemon does not say it listens with TLS"
t "tls_ping_with_the_right_ca_by_ip"

Y --server "localhost:$port" --ca ca.pem ping --db >/dev/null || fail "by host name localhost"
YANXIU_CA=$d/ca.pem Y --server "localhost:$port" ping >/dev/null || fail "YANXIU_CA not used"
t "tls_ping_with_the_right_ca_by_name_and_from_env"

set +e
msg=$(Y --server "127.0.0.1:$port" --ca otherca.pem ping 2>&1)
rc=$?
set -e
[ "$rc" = 3 ] || fail "wrong CA: exit $rc (want 3): $msg"
echo "$msg" | grep -qi "not trusted" || fail "wrong CA: message does not say so: $msg"
t "wrong_ca_fails_with_a_clear_message"

set +e
msg=$(Y --server "127.0.0.1:$port" ping 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a plaintext client got an answer from the TLS port"
Y --server "127.0.0.1:$port" --ca ca.pem ping >/dev/null || fail "daemon stopped serving after a plaintext client"
t "plaintext_client_on_tls_port_fails_and_daemon_keeps_serving"

# Raw garbage and an old protocol version on the TLS port.
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3 >/dev/null" || true
if openssl s_client -help 2>&1 | grep -q -- '-tls1_1'; then
    if echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -tls1_1 -CAfile ca.pem >/dev/null 2>&1; then
        fail "a TLS 1.1 handshake succeeded"
    fi
fi
echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -CAfile ca.pem \
    -verify_return_error >/dev/null 2>&1 || fail "TLS 1.2 handshake failed"
Y --server "127.0.0.1:$port" --ca ca.pem ping >/dev/null || fail "daemon stopped serving after junk"
t "tls_1_2_accepted_older_refused_junk_survived"

# A peer that leaves during the handshake or mid-frame is logged as such, in
# words (OpenSSL's raw "error:00000005:lib(0)::reason(5)" said nothing).
timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || true
printf '\x16\x03\x01\x00\xa0\x01\x00' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3" || true
if command -v python3 >/dev/null; then # a reset (SO_LINGER 0) after part of a client hello
    python3 -c 'import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\x16\x03\x01\x00\xa0\x01\x00")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "$port"
fi
# After the handshake: 6 bytes of a frame announcing 256, then close_notify.
printf '\x00\x00\x01\x00ab' | timeout 5 openssl s_client -connect "127.0.0.1:$port" -CAfile ca.pem \
    >/dev/null 2>&1 || true
Y --server "127.0.0.1:$port" --ca ca.pem ping >/dev/null || fail "daemon stopped serving after peers left"
for _ in $(seq 1 50); do grep -q "mid-frame" "$log" && break; sleep 0.1; done
hs=$(grep -c "the peer closed the connection during the TLS handshake" "$log" || true)
[ "$hs" -ge 2 ] || fail "$hs connections closed during the handshake were logged as such (want 2 or more)"
grep -q "the peer closed the connection mid-frame (6 bytes of a frame received)" "$log" ||
    fail "a connection closed mid-frame was not logged as such"
! grep -q "lib(0)" "$log" || fail "a raw OpenSSL code reached the log: $(grep "lib(0)" "$log")"
t "peer_closing_during_the_handshake_or_mid_frame_is_logged_in_words"

# Renewed certificate, for another name only: after SIGHUP the client must
# refuse it for 127.0.0.1, which proves both the reload and the name check.
cp othername.pem server.pem
cp othername.key server.key
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "certificate .* loaded" "$log" && break; sleep 0.1; done
grep -q "certificate .* loaded" "$log" || fail "SIGHUP did not reload the certificate"
set +e
msg=$(Y --server "127.0.0.1:$port" --ca ca.pem ping 2>&1)
rc=$?
set -e
[ "$rc" = 3 ] || fail "wrong host name: exit $rc (want 3): $msg"
echo "$msg" | grep -qi "match" || fail "wrong host name: message does not say so: $msg"
t "sighup_reloads_certificate_and_wrong_host_name_fails_clearly"

# A broken certificate on reload keeps the old one.
echo "not a certificate" >server.pem
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "keeping the old certificate" "$log" && break; sleep 0.1; done
grep -q "keeping the old certificate" "$log" || fail "a bad certificate on reload was not refused"
t "bad_certificate_on_reload_keeps_the_old_one"

kill -TERM "$pid"
wait "$pid" || fail "daemon exit status $? after SIGTERM"
rm -f "$YX_DIR/yanxiud.pid"
echo "$passed passed, 0 failed"
