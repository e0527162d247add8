/*
 * yxc: the yanxiu client library. A blocking connection to yanxiud that can
 * carry several requests at once: send any number, then await each by its
 * request id (responses may arrive in any order). Used by the CLI and the
 * tests. Not thread-safe: one connection, one thread.
 */
#ifndef YANXIU_YXC_H
#define YANXIU_YXC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "yx_common.h"

#define YXC_DEFAULT_PORT 7433

/* What went wrong, for the caller to choose an exit code and a message. */
enum yxc_fail {
    YXC_OK = 0,
    YXC_ERR_CONNECT,  /* could not resolve or connect (CLI exit 3) */
    YXC_ERR_IO,       /* connection broke, closed by the server, or timed out */
    YXC_ERR_PROTOCOL, /* the server sent something that is not a valid frame */
    YXC_ERR_SERVER,   /* the server answered with an Error (CLI exit 1) */
    YXC_ERR_USAGE,    /* bad argument to the library (e.g. malformed HOST:PORT) */
};

struct yxc_error {
    enum yxc_fail fail;
    int code;          /* Yanxiu__V1__Code when fail == YXC_ERR_SERVER */
    bool timed_out;    /* YXC_ERR_CONNECT/YXC_ERR_IO because the time ran out */
    bool tls;          /* YXC_ERR_CONNECT because of TLS (handshake or certificate), not TCP */
    char message[512]; /* human-readable, says what to do where it can */
    /* YXC_ERR_SERVER (UNAVAILABLE): the server cannot know whether the request was
     * applied (Error.outcome_unknown) */
    bool outcome_unknown;
};

/* How to connect. Zero-initialise, then set what you need. */
struct yxc_options {
    int timeout_ms; /* the TCP connect and the TLS handshake together; negative: no limit */
    bool tls;       /* speak TLS 1.2 or newer and verify the server's certificate */
    /* PEM file of the CA(s) to trust; NULL: the system store. Only with tls. */
    const char *ca_file;
    /* The name the certificate must hold and the SNI sent; NULL: the host
       connected to. An IP literal is checked against the IP addresses of
       the certificate's subjectAltName, and no SNI is sent. */
    const char *server_name;
};

struct yxc;

/*
 * Parses "HOST:PORT", "HOST" (default port), "[::1]:PORT" into host and port.
 * Returns false (and fills err) when malformed.
 */
bool yxc_parse_server(const char *spec, char *host, size_t hostlen, uint16_t *port,
                      struct yxc_error *err) YX_MUST_CHECK;

/*
 * Connects to host:port (tried in getaddrinfo order) within timeout_ms
 * (negative: no limit), in plaintext. Returns NULL and fills err on failure
 * (fail = YXC_ERR_CONNECT; the message names every address tried and why).
 */
struct yxc *yxc_connect(const char *host, uint16_t port, int timeout_ms, struct yxc_error *err);

/*
 * yxc_connect with options. With opts->tls, the TLS handshake is part of
 * connecting: the certificate chain must verify against opts->ca_file (or
 * the system store) and hold the server's name; there is no way to turn
 * either check off. Failures are YXC_ERR_CONNECT with err->tls set when
 * TLS was the problem (untrusted certificate, name mismatch, a server that
 * does not speak TLS), or YXC_ERR_USAGE when ca_file cannot be loaded.
 */
struct yxc *yxc_connect_opts(const char *host, uint16_t port, const struct yxc_options *opts,
                             struct yxc_error *err);

/* True when the connection speaks TLS. */
bool yxc_is_tls(const struct yxc *c);

/*
 * True when host is a loopback address: 127.0.0.0/8, ::1, ::ffff:127.x.x.x,
 * or the name "localhost" (which RFC 6761 reserves for loopback). Other
 * names are not resolved: they count as not loopback.
 */
bool yxc_host_is_loopback(const char *host);

/* Closes the connection (sending a TLS close_notify first) and frees everything. NULL is fine. */
void yxc_close(struct yxc *c);

/* Token sent with every later request (issue 3). Copied (and wiped from memory when
   replaced or closed); NULL/0 clears. */
void yxc_set_token(struct yxc *c, const uint8_t *token, size_t len);

/*
 * Per-call I/O timeout in milliseconds (default 30 000; negative: no limit).
 * It bounds each yxc_send, yxc_await and yxc_read_any as a whole.
 */
void yxc_set_timeout(struct yxc *c, int timeout_ms);

/*
 * Sends one request. The library assigns env->request_id (1, 2, 3, ... per
 * connection; returned in *id) and sends the token from yxc_set_token unless
 * env->session_token is already set (tests send bad tokens that way); env is
 * left as it was apart from request_id. The caller keeps owning env.
 * Returns false and fills err on I/O failure (the connection then takes no
 * more requests, but responses that already arrived can still be read) or
 * when the request exceeds FRAME_DEFAULT_MAX (YXC_ERR_USAGE).
 */
bool yxc_send(struct yxc *c, Yanxiu__V1__Envelope *env, uint64_t *id,
              struct yxc_error *err) YX_MUST_CHECK;

/*
 * Waits for the response to request `id`, keeping responses to other
 * requests for later yxc_await calls. On success *resp is the response
 * (free with yxc_free); an Error body is still a success here: use
 * yxc_check to turn it into a yxc_error. An Error with request id 0 (sent
 * by the server before it closes the connection, e.g. RESOURCE_EXHAUSTED
 * over the connection limit) is taken as the answer to `id`.
 * Returns false on I/O or protocol failure, or timeout (after a timeout the
 * connection is still usable). Awaiting an id never sent is YXC_ERR_USAGE.
 */
bool yxc_await(struct yxc *c, uint64_t id, Yanxiu__V1__Envelope **resp,
               struct yxc_error *err) YX_MUST_CHECK;

/*
 * yxc_send + yxc_await, then: when the answer is an Error, fills err
 * (fail = YXC_ERR_SERVER, code, message with violations), frees it and
 * returns false; else *resp holds a body of the expected case.
 * A body of another case than `expect` is a protocol failure.
 */
bool yxc_call(struct yxc *c, Yanxiu__V1__Envelope *req, Yanxiu__V1__Envelope__BodyCase expect,
              Yanxiu__V1__Envelope **resp, struct yxc_error *err) YX_MUST_CHECK;

/*
 * Says Hello, the first request every connection must send: this library's
 * PROTOCOL_VERSION, `client_name` (and YANXIU_VERSION), and the language in
 * which the server is to word its messages on this connection: "zh-CN" (also
 * for NULL or "") or "en". As yxc_call: on success *resp is the
 * hello_reply envelope (free with yxc_free); a server that speaks another
 * version or not the language answers an Error (err, YXC_ERR_SERVER).
 */
bool yxc_hello(struct yxc *c, const char *client_name, const char *language,
               Yanxiu__V1__Envelope **resp, struct yxc_error *err) YX_MUST_CHECK;

/*
 * Fills err from an Error envelope; returns true when env is NOT an error.
 * The message reads "<CODE_NAME>: message" and then, for each violation,
 * "\n  path: reason" (cut short with "..." when it does not fit).
 */
bool yxc_check(const Yanxiu__V1__Envelope *env, struct yxc_error *err);

/* The name of a body case as in yanxiu.proto, e.g. "ping_reply". Never NULL. */
const char *yxc_body_name(Yanxiu__V1__Envelope__BodyCase body);

void yxc_free(Yanxiu__V1__Envelope *env);

/*
 * Writes raw bytes to the connection (tests use it to send malformed
 * frames). Returns false on I/O failure.
 */
bool yxc_send_raw(struct yxc *c, const void *data, size_t len, struct yxc_error *err) YX_MUST_CHECK;

/*
 * Reads the next whole frame whatever its request id (tests use it after a
 * malformed frame to read the server's Error), responses held back by
 * yxc_await first. Free with yxc_free.
 */
bool yxc_read_any(struct yxc *c, Yanxiu__V1__Envelope **resp, struct yxc_error *err) YX_MUST_CHECK;

/*
 * Waits up to timeout_ms for the peer to close the connection (a read
 * returned 0, or the connection was reset). Bytes that arrive meanwhile are
 * kept for yxc_read_any. False when the time runs out first.
 */
bool yxc_wait_closed(struct yxc *c, int timeout_ms);

#endif
