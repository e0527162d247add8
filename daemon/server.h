/*
 * server: the daemon's process-wide state and its life cycle: listen,
 * connect the database pool, serve, reload on SIGHUP, drain on SIGTERM.
 */
#ifndef YANXIU_SERVER_H
#define YANXIU_SERVER_H

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <sys/queue.h>

#include "config.h"
#include "db.h"
#include "yx_common.h"

struct conn;
struct http;
TAILQ_HEAD(conn_list, conn);

struct server {
    struct event_base *base;
    struct config cfg;
    const char *config_path;
    struct evconnlistener *listener;
    struct db_pool *db;
    struct db_pool *login_db; /* as login_conninfo's role: Login only (rpc_auth.c) */
    struct hashpool *hash;
    struct workpool *files; /* reads uploaded files off the loop (daemon/layout.c) */
    struct workpool *books; /* makes workbooks off the loop (daemon/rpc_workbook.c) */
    SSL_CTX *tls;           /* NULL: plaintext (loopback only, checked by config_validate) */
    struct http *http;      /* the web console's listener (daemon/http.c); NULL: [http] port 0 */
    struct event *sig_term, *sig_int, *sig_hup;
    struct event *watchdog;   /* WATCHDOG=1 to systemd; NULL without WatchdogSec= */
    struct event *reap_ev;    /* frees closed connections after the callbacks that closed them */
    struct event *drain_tick; /* while draining: checks whether all work is done */
    struct conn_list conns;   /* open connections */
    struct conn_list reap;    /* closed, waiting to be freed */
    int nconns;
    int inflight; /* requests received and not yet answered, all connections */
    unsigned long long next_conn_id;
    bool draining;
    bool ready_once;     /* the database was reachable once: READY=1 went out */
    bool reload_waiting; /* a SIGHUP finished while the database was down: READY=1 owed */
    struct timespec drain_start;
    /* what clients hold: connections per address, not logged in, unsent output */
    struct peer_table *peers;
    int nunauth;      /* connections not logged in (max_unauthenticated) */
    size_t out_total; /* unsent answer bytes of all connections (max_output_total) */
    size_t out_peak;  /* its highest since the heap was last trimmed */
    /* accept() failing (EMFILE ...): the listener pauses, accept_retry re-enables it */
    struct event *accept_retry;
    int accept_backoff_ms;            /* the current pause; 0 while accepting works */
    unsigned long accept_failures;    /* since accepting last worked */
    unsigned long accept_suppressed;  /* failures not logged since the last line */
    struct timespec accept_logged_at; /* at most one line a second */
    int exit_code;
};

/*
 * Runs the daemon until SIGTERM/SIGINT (exit code 0 after draining) or a
 * fatal error (non-zero). `cfg` is taken over by the server.
 */
int server_run(const char *config_path, struct config *cfg);

/*
 * Loads the TLS context the config asks for into *ctx (NULL for
 * plaintext). False with a message in err. Used at start, on SIGHUP and
 * by check-config.
 */
bool server_load_tls(const struct config *cfg, SSL_CTX **ctx, char *err,
                     size_t errlen) YX_MUST_CHECK;

/* Called when the daemon's total of in-flight requests changed (drain check). */
void server_work_done(struct server *srv);

#endif
