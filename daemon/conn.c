/*
 * conn: client connections. Reads frames off a bufferevent with
 * frame_parse, hands whole bodies to rpc_dispatch, and applies
 * backpressure: reading pauses while a client has max_inflight unanswered
 * requests or a large unsent output, and at most FRAMES_PER_WAKEUP frames
 * are taken per wakeup so that one client cannot starve the others.
 * It also bounds what a hostile or greedy client can hold: connections per
 * address and not-yet-logged-in ones as a group, the time to log in and to
 * send a whole frame, and unsent output, per connection and in total.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define FRAMES_PER_WAKEUP 16
/* Connections over the limit that we still answer before closing; beyond
 * this the socket is closed without a word. */
#define REJECT_SLACK 64
/* A closing connection whose peer takes none of our last words for this
 * long is freed anyway (at most idle_timeout). */
#define LAST_WORDS_S 10
/* Over max_output_total, a connection whose output has not moved for this
 * long counts as not reading, and is closed before one that reads. */
#define OUT_STALLED_MS 1000
/* Unsent output freed since the last malloc_trim beyond which the heap is
 * trimmed, so that RSS comes back after a crowd of slow readers. */
#define TRIM_AFTER_BYTES (16u * 1024u * 1024u)

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

static size_t out_high(const struct conn *c)
{
    /* Stop reading while this much is queued for a slow reader; one answer
     * larger than that is still sent whole. */
    return c->authenticated ? (size_t)c->srv->cfg.max_output : CONN_PRELOGIN_MAX_OUTPUT;
}

/* Whether to take more requests from c now (backpressure). */
static bool may_read(const struct conn *c)
{
    return !c->srv->draining && c->inflight < c->srv->cfg.max_inflight &&
           evbuffer_get_length(bufferevent_get_output(c->bev)) < out_high(c);
}

/*
 * A frame must arrive whole within frame_timeout(_login) of its first byte,
 * however slowly its bytes trickle in (each byte resets idle_timeout). The
 * clock runs only while we read: a client we stopped reading from is not
 * late.
 */
static void frame_deadline_update(struct conn *c)
{
    bool reading = !c->closing && (bufferevent_get_enabled(c->bev) & EV_READ);
    if (!reading || evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
        event_del(c->frame_deadline);
        c->frame_started = false;
        return;
    }
    if (c->frame_started)
        return;
    c->frame_started = true;
    struct timeval tv = {
        c->authenticated ? c->srv->cfg.frame_timeout : c->srv->cfg.frame_timeout_login, 0};
    event_add(c->frame_deadline, &tv);
}

static void update_reading(struct conn *c)
{
    if (c->closing)
        return;
    bool want = may_read(c);
    short enabled = bufferevent_get_enabled(c->bev);
    if (want && !(enabled & EV_READ)) {
        bufferevent_enable(c->bev, EV_READ);
        /* Whole frames may already be buffered: no new data would wake us. */
        if (evbuffer_get_length(bufferevent_get_input(c->bev)) >= FRAME_HEADER_SIZE)
            event_active(c->more, EV_READ, 0);
        frame_deadline_update(c);
    } else if (!want && (enabled & EV_READ)) {
        bufferevent_disable(c->bev, EV_READ);
        frame_deadline_update(c);
    }
}

/* Leaves the group of connections that have not logged in. */
static void unauth_leave(struct conn *c)
{
    if (!c->in_unauth)
        return;
    c->in_unauth = false;
    TAILQ_REMOVE(&c->addr->unauth_conns, c, unauth_link);
    c->addr->unauth--;
    c->srv->nunauth--;
}

void conn_logged_in(struct conn *c)
{
    if (c->authenticated || c->closing)
        return;
    c->authenticated = true;
    unauth_leave(c);
    event_del(c->login_deadline);
    bufferevent_setwatermark(c->bev, EV_READ, 0, (size_t)c->srv->cfg.max_frame + FRAME_HEADER_SIZE);
    update_reading(c);
}

static long ms_since(const struct timeval *then, const struct timeval *now)
{
    return (long)(now->tv_sec - then->tv_sec) * 1000 + (long)(now->tv_usec - then->tv_usec) / 1000;
}

/* Keeps srv->out_total, the unsent bytes of all connections, and when c's output last moved. */
static void conn_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct conn *c = arg;
    struct server *srv = c->srv;
    srv->out_total += info->n_added;
    srv->out_total -= info->n_deleted;
    if (srv->out_total > srv->out_peak)
        srv->out_peak = srv->out_total;
    if (info->n_deleted || info->orig_size == 0)
        event_base_gettimeofday_cached(srv->base, &c->out_progress);
}

/* After much output was freed, or when the last connection is gone (then
 * trimming keeps nobody waiting, and what the requests' results held goes
 * back too): give the heap back to the system. */
static void maybe_trim(struct server *srv)
{
    if (srv->out_peak - srv->out_total < TRIM_AFTER_BYTES && srv->nconns > 0)
        return;
    srv->out_peak = srv->out_total;
    malloc_trim(0);
}

static void schedule_reap(struct conn *c);

/*
 * Over max_output_total: closes connections, the one with the most unsent
 * output that has not read for OUT_STALLED_MS first (else the one with the
 * most), until the total is under the budget again. Their unsent output is
 * dropped: they were not reading it.
 */
static void shed_output(struct server *srv)
{
    struct timeval now;
    event_base_gettimeofday_cached(srv->base, &now);
    while (srv->out_total > (size_t)srv->cfg.max_output_total) {
        struct conn *c, *most = NULL, *stalled = NULL;
        size_t most_n = 0, stalled_n = 0;
        TAILQ_FOREACH(c, &srv->conns, link)
        {
            size_t n = evbuffer_get_length(bufferevent_get_output(c->bev));
            if (n > most_n) {
                most_n = n;
                most = c;
            }
            if (n > stalled_n && ms_since(&c->out_progress, &now) >= OUT_STALLED_MS) {
                stalled_n = n;
                stalled = c;
            }
        }
        c = stalled ? stalled : most;
        if (!c)
            return;
        size_t n = stalled ? stalled_n : most_n;
        conn_log_warn(c,
                      "closing: %zu bytes of answers unsent, %s, while all connections "
                      "hold %zu (max_output_total = %d); a client must read its answers",
                      n, stalled ? "the most of any connection not reading" : "the most",
                      srv->out_total, srv->cfg.max_output_total);
        /* A bufferevent keeps the start of its output frozen but for its own writes. */
        struct evbuffer *out = bufferevent_get_output(c->bev);
        evbuffer_unfreeze(out, 1);
        evbuffer_drain(out, n);
        evbuffer_freeze(out, 1);
        if (c->closing)
            schedule_reap(c);
        else
            conn_close(c, "unsent output over max_output_total");
    }
}

static void schedule_reap(struct conn *c)
{
    if (c->reaping)
        return;
    c->reaping = true;
    TAILQ_REMOVE(&c->srv->conns, c, link);
    TAILQ_INSERT_TAIL(&c->srv->reap, c, link);
    event_active(c->srv->reap_ev, EV_READ, 0);
}

/* Stops reading and detaches the requests; false when already closing. */
static bool close_begin(struct conn *c)
{
    if (c->closing)
        return false;
    c->closing = true;
    rpc_detach_all(&c->reqs);
    c->inflight = 0;
    bufferevent_disable(c->bev, EV_READ);
    event_del(c->more);
    event_del(c->login_deadline);
    event_del(c->frame_deadline);
    unauth_leave(c);
    return true;
}

static void close_end(struct conn *c);

void conn_close(struct conn *c, const char *fmt, ...)
{
    if (!close_begin(c))
        return;
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    conn_log_debug(c, "closing: %s", why);
    close_end(c);
}

void conn_close_reason(struct conn *c, int code, const char *reason, ...)
{
    if (!close_begin(c))
        return;
    struct rpc_reason_buf b;
    Yanxiu__V1__Error err;
    va_list ap;
    va_start(ap, reason);
    rpc_reason_error(&err, &b, c->lang, code, reason, ap);
    va_end(ap);
    char args[256] = "";
    for (size_t i = 0, len = 0; i < err.n_args && len < sizeof(args); i++)
        len += (size_t)snprintf(args + len, sizeof(args) - len, " %s=%s", err.args[i]->name,
                                err.args[i]->value);
    conn_log_info(c, "closing: %s: %s%s", frame_code_name(code), reason, args);
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = &err;
    if (!conn_send(c, &env))
        conn_log_warn(c, "could not encode the closing error");
    close_end(c);
}

/* The output drains (or is dropped), then the connection is reaped. */
static void close_end(struct conn *c)
{
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        schedule_reap(c);
    } else {
        /* Let the output drain; the write callback (or a write timeout) reaps. */
        struct timeval last = {
            c->srv->cfg.idle_timeout < LAST_WORDS_S ? c->srv->cfg.idle_timeout : LAST_WORDS_S, 0};
        bufferevent_set_timeouts(c->bev, NULL, &last);
        bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
        bufferevent_enable(c->bev, EV_WRITE);
    }
}

/*
 * The frame is packed straight into the output buffer (one contiguous extent
 * reserved for it), not into a buffer of its own then copied: a county's
 * teacher listing is megabytes.
 */
bool conn_send(struct conn *c, const Yanxiu__V1__Envelope *env)
{
    size_t n = yanxiu__v1__envelope__get_packed_size(env);
    if (n > (size_t)c->srv->cfg.max_frame)
        return false;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    struct evbuffer_iovec v;
    if (evbuffer_reserve_space(out, (ev_ssize_t)(FRAME_HEADER_SIZE + n), &v, 1) != 1)
        return false;
    uint8_t *frame = v.iov_base;
    frame_put_header(frame, (uint32_t)n);
    yanxiu__v1__envelope__pack(env, frame + FRAME_HEADER_SIZE);
    v.iov_len = FRAME_HEADER_SIZE + n;
    int rc = evbuffer_commit_space(out, &v, 1);
    if (c->srv->out_total > (size_t)c->srv->cfg.max_output_total)
        shed_output(c->srv);
    return rc == 0;
}

void conn_request_done(struct conn *c)
{
    c->inflight--;
    update_reading(c);
}

/* Takes whole frames off the input, at most FRAMES_PER_WAKEUP of them. */
static void process_frames(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    for (int n = 0; !c->closing; n++) {
        /* A stranger gets a tight cap; a logged-in client the configured one. */
        uint32_t max = (uint32_t)c->srv->cfg.max_frame;
        if (!c->authenticated && max > CONN_PRELOGIN_MAX_FRAME)
            max = CONN_PRELOGIN_MAX_FRAME;
        if (!may_read(c)) {
            update_reading(c);
            return;
        }
        if (n == FRAMES_PER_WAKEUP) {
            event_active(c->more, EV_READ, 0);
            return;
        }
        uint8_t hdr[FRAME_HEADER_SIZE];
        size_t avail = evbuffer_get_length(in);
        if (avail < FRAME_HEADER_SIZE)
            return;
        if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
            return;
        uint32_t body_len = 0;
        /* The length is judged before the body is awaited: an oversize frame
         * is refused without reading it. */
        enum frame_status st = frame_check_header(hdr, max, &body_len);
        if (st == FRAME_READY && avail - FRAME_HEADER_SIZE < body_len)
            return;
        if (st == FRAME_EMPTY) {
            conn_close_reason(c, YANXIU__V1__CODE__INVALID_ARGUMENT, "frame_empty", NULL);
            return;
        }
        if (st == FRAME_TOO_BIG) {
            char size[16], limit[16];
            snprintf(size, sizeof(size), "%u", body_len);
            snprintf(limit, sizeof(limit), "%u", max);
            conn_close_reason(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED,
                              c->authenticated ? "frame_too_big" : "frame_too_big_before_login",
                              "size", size, "max", limit, NULL);
            return;
        }
        uint8_t *body = malloc(body_len);
        if (!body) {
            conn_log_warn(c, "out of memory for a %u-byte frame", body_len);
            conn_close_reason(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "out_of_memory", NULL);
            return;
        }
        evbuffer_drain(in, FRAME_HEADER_SIZE);
        evbuffer_remove(in, body, body_len);
        c->frame_started = false; /* what follows is the next frame */
        bool ok = rpc_dispatch(c, body, body_len);
        free(body);
        if (!ok)
            return;
    }
}

static void conn_process_input(struct conn *c)
{
    process_frames(c);
    frame_deadline_update(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    conn_process_input(arg);
}

static void conn_login_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    if (c->closing || c->authenticated)
        return;
    /* A Login waiting for its hash (a storm fills the queue) is not late:
     * look again in a second, for at most another login_timeout, so that a
     * client sending Login after wrong Login cannot stay unauthenticated. */
    struct rpc_req *req;
    TAILQ_FOREACH(req, &c->reqs, link)
    {
        if (req->method && req->method->body == YANXIU__V1__ENVELOPE__BODY_LOGIN &&
            c->login_waits < c->srv->cfg.login_timeout) {
            c->login_waits++;
            struct timeval again = {1, 0};
            event_add(c->login_deadline, &again);
            return;
        }
    }
    char seconds[16];
    snprintf(seconds, sizeof(seconds), "%d", c->srv->cfg.login_timeout);
    conn_close_reason(c, YANXIU__V1__CODE__DEADLINE_EXCEEDED, "login_timeout", "seconds", seconds,
                      NULL);
}

static void conn_frame_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    if (c->closing)
        return;
    char seconds[16], received[24];
    snprintf(seconds, sizeof(seconds), "%d",
             c->authenticated ? c->srv->cfg.frame_timeout : c->srv->cfg.frame_timeout_login);
    snprintf(received, sizeof(received), "%zu", evbuffer_get_length(bufferevent_get_input(c->bev)));
    conn_close_reason(c, YANXIU__V1__CODE__DEADLINE_EXCEEDED, "frame_timeout", "seconds", seconds,
                      "received", received, NULL);
}

static void conn_more_cb(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    if (!c->closing && (bufferevent_get_enabled(c->bev) & EV_READ))
        conn_process_input(c);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->closing) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            schedule_reap(c);
        return;
    }
    update_reading(c);
    maybe_trim(c->srv);
    if (c->srv->draining && c->inflight == 0 &&
        evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_close(c, "draining");
}

/* Bytes of an unfinished frame waiting in the input; 0 when none. */
static size_t partial_frame(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail = evbuffer_get_length(in);
    uint8_t hdr[FRAME_HEADER_SIZE];
    if (avail < FRAME_HEADER_SIZE)
        return avail;
    if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
        return 0;
    uint32_t body_len = 0;
    if (frame_check_header(hdr, UINT32_MAX, &body_len) != FRAME_READY)
        return 0;
    return avail - FRAME_HEADER_SIZE < body_len ? avail : 0;
}

/*
 * Logs why a TLS connection ended in an operator's words. libevent queues
 * SSL_get_error()'s own code ahead of OpenSSL's errors (5, SSL_ERROR_SYSCALL:
 * the socket closed or failed under OpenSSL), which printed as an OpenSSL
 * error reads "error:00000005:lib(0)::reason(5)"; an end of file where
 * OpenSSL wanted more is its "unexpected eof while reading". Both mean that
 * the peer went away, which is said as such: during the handshake, mid-frame,
 * or (at debug level, a client's ordinary way to leave) between frames.
 */
static void log_tls_end(struct conn *c, short what)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    bool handshaken = ssl && SSL_is_init_finished(ssl);
    char reasons[512] = "";
    size_t used = 0;
    unsigned long e;
    while ((e = bufferevent_get_openssl_error(c->bev))) {
        if (ERR_GET_LIB(e) == 0 && ERR_GET_REASON(e) <= SSL_ERROR_WANT_ACCEPT)
            continue; /* SSL_get_error()'s code, queued by libevent */
        if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
            ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            continue; /* the peer closed: said below */
        const char *r = ERR_reason_error_string(e);
        char code[64];
        if (!r) {
            ERR_error_string_n(e, code, sizeof(code));
            r = code;
        }
        int n = snprintf(reasons + used, sizeof(reasons) - used, "%s%s", used ? "; " : "", r);
        if (n > 0 && (size_t)n < sizeof(reasons) - used)
            used += (size_t)n;
    }
    /* errno is worth saying only when it names the peer's doing. */
    int sock_err = (what & BEV_EVENT_ERROR) ? EVUTIL_SOCKET_ERROR() : 0;
    if (sock_err != ECONNRESET && sock_err != EPIPE)
        sock_err = 0;
    size_t partial = partial_frame(c);
    if (reasons[0])
        conn_log_info(c, "TLS %s: %s",
                      handshaken
                          ? "error"
                          : "handshake failed (a client without TLS, with TLS older than 1.2, "
                            "or not trusting our certificate?)",
                      reasons);
    else if (!handshaken)
        conn_log_info(c, "the peer closed the connection during the TLS handshake%s%s",
                      sock_err ? ": " : "",
                      sock_err ? evutil_socket_error_to_string(sock_err) : "");
    else if (partial)
        conn_log_info(c,
                      "the peer closed the connection mid-frame (%zu bytes of a frame "
                      "received)%s%s",
                      partial, sock_err ? ": " : "",
                      sock_err ? evutil_socket_error_to_string(sock_err) : "");
    else
        conn_log_debug(c, "the peer closed the TLS connection%s",
                       (what & BEV_EVENT_EOF) ? "" : " (socket error)");
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_TIMEOUT) {
        if (c->closing) {
            schedule_reap(c); /* the peer would not take our last words */
        } else if ((what & BEV_EVENT_READING) && c->inflight > 0) {
            /* Quiet because it waits for us, not idle. */
            bufferevent_enable(bev, EV_READ);
        } else {
            conn_close(c, "idle for %d s (idle_timeout)", c->srv->cfg.idle_timeout);
            schedule_reap(c);
        }
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (c->srv->tls)
            log_tls_end(c, what);
        size_t partial = partial_frame(c);
        if (partial)
            conn_close(c, "closed by the peer mid-frame (%zu bytes of a frame received)", partial);
        else
            conn_close(c, (what & BEV_EVENT_EOF) ? "closed by the peer" : "socket error");
        schedule_reap(c);
    }
}

/*
 * More connections wait to log in than max_unauthenticated allows, c the
 * newest. The slots are shared between addresses: when another address
 * holds more of them than c's would, its oldest waiting connection makes
 * room; else c is refused. So an address that fills the slots cannot keep
 * a newcomer out, and it keeps its fair share. False when c was closed.
 */
static bool make_room_unauth(struct conn *c)
{
    struct server *srv = c->srv;
    struct peer *most = peer_most_unauth(srv->peers);
    if (!most || most == c->addr || most->unauth <= c->addr->unauth) {
        char max[16], held[16];
        snprintf(max, sizeof(max), "%d", srv->cfg.max_unauthenticated);
        snprintf(held, sizeof(held), "%d", c->addr->unauth - 1);
        conn_close_reason(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "unauthenticated_full", "max",
                          max, "address", c->addr->name, "held", held, NULL);
        return false;
    }
    struct conn *old = TAILQ_FIRST(&most->unauth_conns);
    char max[16], held[16];
    snprintf(max, sizeof(max), "%d", srv->cfg.max_unauthenticated);
    snprintf(held, sizeof(held), "%d", most->unauth);
    conn_close_reason(old, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "unauthenticated_evicted", "max",
                      max, "address", most->name, "held", held, NULL);
    return true;
}

static void set_timeouts(struct conn *c)
{
    struct timeval idle = {c->srv->cfg.idle_timeout, 0};
    bufferevent_set_timeouts(c->bev, &idle, &idle);
}

void conn_accept(struct server *srv, evutil_socket_t fd, const struct sockaddr *sa, int salen)
{
    if (srv->nconns >= srv->cfg.max_connections + REJECT_SLACK) {
        log_warn("connection limit exceeded by more than %d: closing a new one unanswered",
                 REJECT_SLACK);
        evutil_closesocket(fd);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        evutil_closesocket(fd);
        return;
    }
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    TAILQ_INIT(&c->reqs);
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        snprintf(c->peer, sizeof(c->peer), "[%s]:%d", host, port);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (srv->tls) {
        SSL *ssl = SSL_new(srv->tls);
        c->bev = ssl ? bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE)
                     : NULL;
        if (c->bev)
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        else if (ssl)
            SSL_free(ssl);
    } else {
        c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    c->more = event_new(srv->base, -1, 0, conn_more_cb, c);
    c->login_deadline = evtimer_new(srv->base, conn_login_deadline_cb, c);
    c->frame_deadline = evtimer_new(srv->base, conn_frame_deadline_cb, c);
    c->addr = peer_get(srv->peers, sa);
    c->out_cb = c->bev ? evbuffer_add_cb(bufferevent_get_output(c->bev), conn_out_cb, c) : NULL;
    if (!c->bev || !c->more || !c->login_deadline || !c->frame_deadline || !c->addr || !c->out_cb) {
        if (c->bev)
            bufferevent_free(c->bev);
        else
            evutil_closesocket(fd);
        if (c->more)
            event_free(c->more);
        if (c->login_deadline)
            event_free(c->login_deadline);
        if (c->frame_deadline)
            event_free(c->frame_deadline);
        if (c->addr)
            peer_put(srv->peers, c->addr);
        free(c);
        return;
    }
    TAILQ_INSERT_TAIL(&srv->conns, c, link);
    srv->nconns++;
    c->in_unauth = true;
    TAILQ_INSERT_TAIL(&c->addr->unauth_conns, c, unauth_link);
    c->addr->unauth++;
    srv->nunauth++;
    event_base_gettimeofday_cached(srv->base, &c->out_progress);
    bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    /* libevent stops reading at the high-water mark: a whole frame fits
     * (before login, the small frame allowed then). */
    bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_PRELOGIN_MAX_FRAME + FRAME_HEADER_SIZE);
    set_timeouts(c);
    struct timeval login = {srv->cfg.login_timeout, 0};
    event_add(c->login_deadline, &login);
    conn_log_debug(c, "accepted");

    if (srv->nconns > srv->cfg.max_connections) {
        char max[16];
        snprintf(max, sizeof(max), "%d", srv->cfg.max_connections);
        conn_close_reason(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "connections_full", "max", max,
                          NULL);
        return;
    }
    if (c->addr->conns > srv->cfg.max_connections_per_addr) {
        char max[16];
        snprintf(max, sizeof(max), "%d", srv->cfg.max_connections_per_addr);
        conn_close_reason(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "connections_per_address",
                          "address", c->addr->name, "max", max, NULL);
        return;
    }
    if (srv->nunauth > srv->cfg.max_unauthenticated && !make_room_unauth(c))
        return;
    if (srv->draining) {
        conn_close_reason(c, YANXIU__V1__CODE__UNAVAILABLE, "shutting_down", NULL);
        return;
    }
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

void conn_drain_all(struct server *srv)
{
    struct conn *c, *next;
    for (c = TAILQ_FIRST(&srv->conns); c; c = next) {
        next = TAILQ_NEXT(c, link);
        update_reading(c);
        if (c->inflight == 0 && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            conn_close(c, "draining");
    }
}

static void conn_free(struct conn *c)
{
    rpc_detach_all(&c->reqs);
    unauth_leave(c);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_remove_cb_entry(out, c->out_cb);
    c->srv->out_total -= evbuffer_get_length(out);
    bufferevent_free(c->bev);
    event_free(c->more);
    event_free(c->login_deadline);
    event_free(c->frame_deadline);
    peer_put(c->srv->peers, c->addr);
    c->srv->nconns--;
    conn_log_debug(c, "freed");
    free(c);
}

void conn_reap(struct server *srv)
{
    struct conn *c;
    while ((c = TAILQ_FIRST(&srv->reap))) {
        TAILQ_REMOVE(&srv->reap, c, link);
        conn_free(c);
    }
    maybe_trim(srv);
}

void conn_free_all(struct server *srv)
{
    struct conn *c;
    while ((c = TAILQ_FIRST(&srv->conns))) {
        c->closing = true;
        schedule_reap(c);
    }
    conn_reap(srv);
}
