/*
 * yxc: the blocking client library for yanxiud: frames in and out, request ids,
 * and responses held until their own await. Bytes move through yxio (the socket
 * and TLS); this file never touches the socket itself.
 */
#include "yxc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lang.h"
#include "text.h"
#include "yxio.h"

/* `return FAIL(err, ...)`: fills err and returns false, visibly so to static analysers. */
#define FAIL(err, ...) YXIO_FAIL(err, __VA_ARGS__)

/* A response read while awaiting another request, kept for its own await. */
struct held {
    struct held *next;
    Yanxiu__V1__Envelope *env;
};

struct yxc {
    struct yxio io;   /* the socket, TLS, and the bytes read (io.in) */
    uint64_t next_id; /* request ids start at 1; 0 means "no request" on the wire */
    uint8_t *token;
    size_t token_len;
    /* Oldest first. A plain list: awaits mostly come in sending order, so the
       wanted response is near the front. */
    struct held *held;
    struct held **held_tail;
    /* Why no more requests can be sent, or responses read; empty while fine. */
    char send_dead[200];
    char recv_dead[200];
};

/* --- frames --------------------------------------------------------------------- */

enum take {
    TAKE_GOT,
    TAKE_NEED_MORE,
    TAKE_BAD, /* err filled; c->recv_dead set: the stream cannot be trusted any more */
};

static enum take take_bad(struct yxc *c, struct yxc_error *err)
{
    yxio_keep_text(c->recv_dead, sizeof(c->recv_dead), err->message);
    return TAKE_BAD;
}

/* Takes the next whole frame out of c->io.in, without touching the socket. */
static enum take take_frame(struct yxc *c, Yanxiu__V1__Envelope **env, struct yxc_error *err)
{
    const uint8_t *body = NULL;
    uint32_t len = 0;
    switch (frame_reader_next(&c->io.in, &body, &len)) {
    case FRAME_NEED_MORE:
        return TAKE_NEED_MORE;
    case FRAME_EMPTY:
        yxio_error(err, YXC_ERR_PROTOCOL, _("the server at %s sent an empty frame (length 0)"),
                   c->io.peer);
        return take_bad(c, err);
    case FRAME_TOO_BIG: {
        /* The unread bytes (frames taken before them stay in the buffer, before c->io.in.start).
           A TLS record header (content type 20-23, version 3.x): a TLS server, and we are not. */
        const uint8_t *b = c->io.in.buf + c->io.in.start;
        if (!c->io.ssl && b[0] >= 0x14 && b[0] <= 0x17 && b[1] == 0x03 && b[2] <= 0x04) {
            yxio_error(err, YXC_ERR_PROTOCOL,
                       _("the server at %s answered in TLS, and this connection is plaintext: "
                         "connect with TLS (yanxiu --tls, or --ca FILE / YANXIU_CA)"),
                       c->io.peer);
            return take_bad(c, err);
        }
        /* Text where the length should be: most likely not a yanxiud at all (HTTP, SSH, ...). */
        char text[5] = "";
        bool ascii = true;
        for (int i = 0; i < 4; i++) {
            ascii = ascii && b[i] >= 0x20 && b[i] < 0x7f;
            text[i] = (char)b[i];
        }
        yxio_error(
            err, YXC_ERR_PROTOCOL,
            _("the server at %s announced a %u-byte frame, above the %u-byte limit%s%s%s"),
            c->io.peer, len, FRAME_DEFAULT_MAX, ascii ? " (it sent \"" : "", ascii ? text : "",
            ascii ? "...\": is that a yanxiud?)" : "");
        return take_bad(c, err);
    }
    case FRAME_READY:
        break;
    }
    *env = yanxiu__v1__envelope__unpack(NULL, len, body);
    if (!*env) {
        yxio_error(err, YXC_ERR_PROTOCOL,
                   _("the server at %s sent a %u-byte frame that is not a valid Envelope"),
                   c->io.peer, len);
        return take_bad(c, err);
    }
    return TAKE_GOT;
}

/* Reads until a whole frame is there and returns it decoded. */
static bool next_frame(struct yxc *c, int64_t deadline, const char *what,
                       Yanxiu__V1__Envelope **env, struct yxc_error *err)
{
    for (;;) {
        if (c->recv_dead[0])
            return FAIL(err, YXC_ERR_PROTOCOL, _("the connection is unusable after: %s"),
                        c->recv_dead);
        switch (take_frame(c, env, err)) {
        case TAKE_GOT:
            return true;
        case TAKE_BAD:
            return false;
        case TAKE_NEED_MORE:
            break;
        }
        if (!yxio_read_more(&c->io, deadline, what, err))
            return false;
    }
}

static bool is_closing_error(const Yanxiu__V1__Envelope *env)
{
    return env->request_id == 0 && env->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR;
}

static void note_closing(struct yxc *c, const Yanxiu__V1__Envelope *env)
{
    struct yxc_error e;
    (void)yxc_check(env, &e);
    yxio_keep_text(c->io.closing, sizeof(c->io.closing), e.message);
}

static bool hold(struct yxc *c, Yanxiu__V1__Envelope *env, struct yxc_error *err)
{
    struct held *h = malloc(sizeof(*h));
    if (!h) {
        yxc_free(env);
        return FAIL(err, YXC_ERR_IO, _("out of memory keeping a response from %s"), c->io.peer);
    }
    h->next = NULL;
    h->env = env;
    *c->held_tail = h;
    c->held_tail = &h->next;
    return true;
}

/* Removes and returns the held response to `id`; id 0 takes the oldest. */
static Yanxiu__V1__Envelope *unhold(struct yxc *c, uint64_t id)
{
    for (struct held **p = &c->held; *p; p = &(*p)->next) {
        if (id != 0 && (*p)->env->request_id != id)
            continue;
        struct held *h = *p;
        Yanxiu__V1__Envelope *env = h->env;
        *p = h->next;
        if (c->held_tail == &h->next)
            c->held_tail = p;
        free(h);
        return env;
    }
    return NULL;
}

/*
 * After a failed send: the server may have said why before it closed (an
 * Error with request id 0, e.g. over the connection limit). Reads what has
 * already arrived, without waiting, and when that Error is there, replaces
 * the I/O error in err with it.
 */
static void salvage_server_error(struct yxc *c, struct yxc_error *err)
{
    struct yxc_error scratch;
    yxio_read_arrived(&c->io);

    Yanxiu__V1__Envelope *env;
    while (!c->recv_dead[0] && take_frame(c, &env, &scratch) == TAKE_GOT) {
        if (is_closing_error(env)) {
            note_closing(c, env);
            (void)yxc_check(env, err);
            yxc_free(env);
            return;
        }
        if (!hold(c, env, &scratch))
            return;
    }
}

/* --- public API --------------------------------------------------------------- */

bool yxc_parse_server(const char *spec, char *host, size_t hostlen, uint16_t *port,
                      struct yxc_error *err)
{
    static const char expect[] = "expected HOST:PORT, HOST or [IPV6]:PORT, e.g. 127.0.0.1:7433";
    if (!spec || !*spec)
        return FAIL(err, YXC_ERR_USAGE, _("empty server address: %s"), expect);

    const char *h = spec, *p = NULL;
    size_t hlen;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close)
            return FAIL(err, YXC_ERR_USAGE, _("server address '%s' has no ']': %s"), spec, expect);
        h = spec + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return FAIL(err, YXC_ERR_USAGE, _("server address '%s': junk after ']': %s"), spec,
                        expect);
    } else {
        const char *colon = strchr(spec, ':');
        if (colon && !strchr(colon + 1, ':')) {
            hlen = (size_t)(colon - spec);
            p = colon + 1;
        } else {
            /* No colon, or several: a bare IPv6 address without a port. */
            hlen = strlen(spec);
        }
    }
    if (hlen == 0)
        return FAIL(err, YXC_ERR_USAGE, _("server address '%s' names no host: %s"), spec, expect);
    if (hlen >= hostlen)
        return FAIL(err, YXC_ERR_USAGE, _("server address '%s': host name longer than %zu bytes"),
                    spec, hostlen - 1);

    unsigned long n = YXC_DEFAULT_PORT;
    if (p) {
        /* Digits only: strtoul alone would take " 12", "+12" and "-1". */
        bool digits = p[0] != '\0' && strspn(p, "0123456789") == strlen(p);
        errno = 0;
        n = digits ? strtoul(p, NULL, 10) : 0;
        if (!digits || errno || n < 1 || n > 65535)
            return FAIL(err, YXC_ERR_USAGE,
                        _("server address '%s': port '%s' is not a number from 1 to 65535"), spec,
                        p);
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)n;
    return true;
}

bool yxc_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0;
}

bool yxc_is_tls(const struct yxc *c)
{
    return c->io.ssl != NULL;
}

struct yxc *yxc_connect(const char *host, uint16_t port, int timeout_ms, struct yxc_error *err)
{
    struct yxc_options o = {.timeout_ms = timeout_ms};
    return yxc_connect_opts(host, port, &o, err);
}

struct yxc *yxc_connect_opts(const char *host, uint16_t port, const struct yxc_options *opts,
                             struct yxc_error *err)
{
    struct yxc *c = calloc(1, sizeof(*c));
    if (!c) {
        yxio_error(err, YXC_ERR_CONNECT, _("out of memory connecting to %s"), host);
        return NULL;
    }
    c->next_id = 1;
    c->held_tail = &c->held;
    if (!yxio_connect(&c->io, host, port, opts, err)) {
        free(c);
        return NULL;
    }
    return c;
}

void yxc_close(struct yxc *c)
{
    if (!c)
        return;
    Yanxiu__V1__Envelope *env;
    while ((env = unhold(c, 0)))
        yxc_free(env);
    if (c->token)
        explicit_bzero(c->token, c->token_len);
    free(c->token);
    /* No close_notify when part of a frame may have gone out: the stream is broken. */
    yxio_close(&c->io, !c->send_dead[0]);
    free(c);
}

void yxc_set_token(struct yxc *c, const uint8_t *token, size_t len)
{
    if (c->token)
        explicit_bzero(c->token, c->token_len);
    free(c->token);
    c->token = NULL;
    c->token_len = 0;
    if (!token || len == 0)
        return;
    c->token = malloc(len);
    /* Out of memory: send no token; the server answers UNAUTHENTICATED, which says enough. */
    if (!c->token)
        return;
    memcpy(c->token, token, len);
    c->token_len = len;
}

void yxc_set_timeout(struct yxc *c, int timeout_ms)
{
    c->io.timeout_ms = timeout_ms;
}

static bool write_bytes(struct yxc *c, const uint8_t *data, size_t len, const char *what,
                        struct yxc_error *err)
{
    if (c->send_dead[0])
        return FAIL(err, YXC_ERR_IO, _("the connection takes no more requests after: %s"),
                    c->send_dead);
    if (yxio_write_all(&c->io, data, len, yxio_deadline(c->io.timeout_ms), what, err))
        return true;
    /* Part of a frame may have gone out: whatever we sent next would be misread. */
    yxio_keep_text(c->send_dead, sizeof(c->send_dead), err->message);
    return false;
}

bool yxc_send(struct yxc *c, Yanxiu__V1__Envelope *env, uint64_t *id, struct yxc_error *err)
{
    uint64_t rid = c->next_id;
    ProtobufCBinaryData caller_token = env->session_token;
    env->request_id = rid;
    if (caller_token.len == 0 && c->token_len > 0) {
        env->session_token.data = c->token;
        env->session_token.len = c->token_len;
    }
    size_t need = yanxiu__v1__envelope__get_packed_size(env);
    size_t len = 0;
    uint8_t *buf = need > FRAME_DEFAULT_MAX ? NULL : frame_pack(env, FRAME_DEFAULT_MAX, &len);
    env->session_token = caller_token;
    if (need > FRAME_DEFAULT_MAX)
        return FAIL(err, YXC_ERR_USAGE,
                    _("request is %zu bytes, above the %u-byte frame limit: send it in parts"),
                    need, FRAME_DEFAULT_MAX);
    if (!buf)
        return FAIL(err, YXC_ERR_IO, _("out of memory packing a %zu-byte request"), need);

    c->next_id++;
    *id = rid;
    char what[sizeof(c->io.peer) + 64];
    snprintf(what, sizeof(what), _("sending request %llu to %s"), (unsigned long long)rid,
             c->io.peer);
    bool ok = write_bytes(c, buf, len, what, err);
    /* The frame may hold a password (Login) and holds the token. */
    explicit_bzero(buf, len);
    free(buf);
    return ok;
}

bool yxc_await(struct yxc *c, uint64_t id, Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    *resp = NULL;
    if (id == 0 || id >= c->next_id)
        return FAIL(err, YXC_ERR_USAGE, _("request %llu was never sent on this connection"),
                    (unsigned long long)id);
    Yanxiu__V1__Envelope *env = unhold(c, id);
    if (env) {
        *resp = env;
        return true;
    }

    char what[sizeof(c->io.peer) + 64];
    snprintf(what, sizeof(what), _("waiting for the response to request %llu from %s"),
             (unsigned long long)id,
             c->io.peer);
    int64_t deadline = yxio_deadline(c->io.timeout_ms);
    for (;;) {
        if (!next_frame(c, deadline, what, &env, err))
            return false;
        if (env->request_id == id) {
            *resp = env;
            return true;
        }
        if (is_closing_error(env)) {
            note_closing(c, env);
            *resp = env;
            return true;
        }
        if (env->request_id == 0 || env->request_id >= c->next_id) {
            yxio_error(err, YXC_ERR_PROTOCOL,
                       _("the server at %s sent %s for request %llu, which was never sent"),
                       c->io.peer, yxc_body_name(env->body_case),
                       (unsigned long long)env->request_id);
            yxc_free(env);
            yxio_keep_text(c->recv_dead, sizeof(c->recv_dead), err->message);
            return false;
        }
        if (!hold(c, env, err))
            return false;
    }
}

bool yxc_call(struct yxc *c, Yanxiu__V1__Envelope *req, Yanxiu__V1__Envelope__BodyCase expect,
              Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    *resp = NULL;
    uint64_t id = 0;
    if (!yxc_send(c, req, &id, err)) {
        if (err->fail == YXC_ERR_IO)
            salvage_server_error(c, err);
        return false;
    }
    Yanxiu__V1__Envelope *env = NULL;
    if (!yxc_await(c, id, &env, err))
        return false;
    if (!yxc_check(env, err)) {
        yxc_free(env);
        return false;
    }
    if (env->body_case != expect) {
        yxio_error(err, YXC_ERR_PROTOCOL,
                   _("the server at %s answered %s request %llu with %s"), c->io.peer,
                   yxc_body_name(req->body_case), (unsigned long long)id,
                   yxc_body_name(env->body_case));
        yxc_free(env);
        return false;
    }
    *resp = env;
    return true;
}

bool yxc_hello(struct yxc *c, const char *client_name, const char *language,
               Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    Yanxiu__V1__HelloRequest hello = YANXIU__V1__HELLO_REQUEST__INIT;
    hello.client_name = (char *)client_name;
    hello.client_version = YANXIU_VERSION;
    hello.protocol_version = PROTOCOL_VERSION;
    hello.language = (char *)(language && language[0] ? language : "zh-CN");
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_HELLO;
    req.hello = &hello;
    return yxc_call(c, &req, YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY, resp, err);
}

/*
 * Appends server-supplied text, with control characters other than newline
 * made visible as '?' so that a message cannot drive the user's terminal.
 */
static void append_text(char *buf, size_t cap, const char *s)
{
    size_t len = strlen(buf);
    for (; s && *s && len + 1 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        buf[len++] = (char)(((ch < 0x20 && ch != '\n') || ch == 0x7f) ? '?' : ch);
    }
    buf[len] = '\0';
}

bool yxc_check(const Yanxiu__V1__Envelope *env, struct yxc_error *err)
{
    err->tls = false;
    err->outcome_unknown = false;
    if (env && env->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR) {
        err->fail = YXC_OK;
        err->code = 0;
        err->timed_out = false;
        err->message[0] = '\0';
        return true;
    }
    if (!env || !env->error)
        return FAIL(err, YXC_ERR_PROTOCOL, _("no response"));

    const Yanxiu__V1__Error *e = env->error;
    char *m = err->message;
    size_t cap = sizeof(err->message);
    err->fail = YXC_ERR_SERVER;
    err->code = (int)e->code;
    err->timed_out = false;
    err->outcome_unknown = e->outcome_unknown;
    snprintf(m, cap, "%s", frame_code_name((int)e->code));
    if (e->message && e->message[0]) {
        yxio_append(m, cap, ": ");
        append_text(m, cap, e->message);
    }
    for (size_t i = 0; i < e->n_violations; i++) {
        const Yanxiu__V1__FieldViolation *v = e->violations[i];
        if (!v)
            continue;
        yxio_append(m, cap, "\n  ");
        append_text(m, cap, v->path && v->path[0] ? v->path : _("(request)"));
        yxio_append(m, cap, ": ");
        append_text(m, cap, v->message);
    }
    size_t len = strlen(m);
    if (len + 1 >= cap) {
        /* Full: end with "..." and do not leave half a UTF-8 character before it. */
        size_t cut = text_utf8_prefix(m, len, cap - 4);
        memcpy(m + cut, "...", 4);
    }
    return false;
}

const char *yxc_body_name(Yanxiu__V1__Envelope__BodyCase body)
{
    if (body == YANXIU__V1__ENVELOPE__BODY__NOT_SET)
        return "an empty body";
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&yanxiu__v1__envelope__descriptor, (unsigned)body);
    return f ? f->name : "an unknown body";
}

void yxc_free(Yanxiu__V1__Envelope *env)
{
    if (env)
        yanxiu__v1__envelope__free_unpacked(env, NULL);
}

bool yxc_send_raw(struct yxc *c, const void *data, size_t len, struct yxc_error *err)
{
    char what[sizeof(c->io.peer) + 32];
    snprintf(what, sizeof(what), _("sending raw bytes to %s"), c->io.peer);
    return write_bytes(c, data, len, what, err);
}

bool yxc_read_any(struct yxc *c, Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    *resp = unhold(c, 0);
    if (*resp)
        return true;
    char what[sizeof(c->io.peer) + 32];
    snprintf(what, sizeof(what), _("waiting for a frame from %s"), c->io.peer);
    if (!next_frame(c, yxio_deadline(c->io.timeout_ms), what, resp, err))
        return false;
    if (is_closing_error(*resp))
        note_closing(c, *resp);
    return true;
}

bool yxc_wait_closed(struct yxc *c, int timeout_ms)
{
    return yxio_wait_closed(&c->io, timeout_ms);
}
