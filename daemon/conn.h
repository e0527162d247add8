/*
 * conn: one client connection: a bufferevent, the framing of what it
 * reads, backpressure, and the one way to close it (conn_close).
 */
#ifndef YANXIU_CONN_H
#define YANXIU_CONN_H

#include <event2/bufferevent.h>
#include <stdbool.h>
#include <sys/queue.h>

#include "log.h"
#include "peer.h"
#include "rpc.h"
#include "server.h"
#include "yx_common.h"

/*
 * Log lines about a connection (as pgbouncer's slog_*): "conn ID PEER: "
 * and the message. The level is tested before anything is formatted.
 */
#define conn_log(lvl, c, fmt, ...)                                                                 \
    log_at((lvl), "conn %llu %s: " fmt, (c)->id, (c)->peer, ##__VA_ARGS__)
#define conn_log_error(c, ...) conn_log(LOG_ERROR, c, __VA_ARGS__)
#define conn_log_warn(c, ...)  conn_log(LOG_WARN, c, __VA_ARGS__)
#define conn_log_info(c, ...)  conn_log(LOG_INFO, c, __VA_ARGS__)
#define conn_log_debug(c, ...) conn_log(LOG_DEBUG, c, __VA_ARGS__)

struct conn {
    TAILQ_ENTRY(conn) link; /* in srv->conns, then srv->reap */
    struct server *srv;
    struct bufferevent *bev;
    struct event *more; /* resumes framing when a wakeup left whole frames unread */
    unsigned long long id;
    char peer[64];
    struct rpc_req_list reqs; /* in flight */
    int inflight;
    bool authenticated; /* logged in, or a request on it carried a valid session */
    bool hello;         /* a Hello was answered: other requests may come */
    enum msg_lang lang; /* of its messages, from Hello (MSG_ZH_CN until then) */
    bool closing;       /* no more reading; freed once the output is flushed */
    bool reaping;       /* on srv->reap */

    struct peer *addr; /* its client address (counts per address) */
    bool in_unauth;    /* counted in srv->nunauth and addr->unauth_conns */
    TAILQ_ENTRY(conn) unauth_link;
    struct event *login_deadline;     /* login_timeout after accept, until logged in */
    int login_waits;                  /* seconds it waited past it for a queued Login */
    struct event *frame_deadline;     /* frame_timeout(_login) from a frame's first byte */
    bool frame_started;               /* frame_deadline runs for the frame at the input's head */
    struct evbuffer_cb_entry *out_cb; /* keeps srv->out_total */
    struct timeval out_progress;      /* last time its output went out (or began) */
};

/* Largest frame before a connection has logged in (input budget before login). */
#define CONN_PRELOGIN_MAX_FRAME (64u * 1024u)
/* Unsent answer bytes before login at which reading pauses (output budget). */
#define CONN_PRELOGIN_MAX_OUTPUT (64u * 1024u)

/* Takes over an accepted socket. Over the connection limit the client is
 * told RESOURCE_EXHAUSTED and the connection closed. */
void conn_accept(struct server *srv, evutil_socket_t fd, const struct sockaddr *sa, int salen);

/*
 * The one way to close a connection. Logs `why` once. The connection is
 * freed later, at the end of the loop iteration, never inside the caller's
 * callback; its in-flight requests lose their connection and their answers
 * are dropped.
 */
void conn_close(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * conn_close, telling the peer first (when it can still hear) with an Error
 * (request_id 0) of `code` and the reason `reason` (daemon/reasons.def) with
 * its arguments (pairs of strings ended by NULL), in the connection's
 * language; the log has the reason and its arguments.
 */
void conn_close_reason(struct conn *c, int code, const char *reason, ...)
    __attribute__((sentinel));

/* Frames and queues an envelope. False when it could not be encoded (too large). */
bool conn_send(struct conn *c, const Yanxiu__V1__Envelope *env) YX_MUST_CHECK;

/*
 * `c` has logged in (a Login succeeded on it, or a request carried a valid
 * session): it leaves the unauthenticated group and its login deadline, and
 * gets max_frame and max_output instead of the tight limits before login.
 */
void conn_logged_in(struct conn *c);

/* A request of `c` was answered: resume reading if it had been paused. */
void conn_request_done(struct conn *c);

/* Draining: stop reading everywhere; close connections with nothing in flight. */
void conn_drain_all(struct server *srv);

/* Frees every connection on srv->reap (the reap event's callback). */
void conn_reap(struct server *srv);

/* Closes and frees every connection immediately (shutdown). */
void conn_free_all(struct server *srv);

#endif
