/*
 * server: wires the loop together. Listens first (so a taken port fails
 * at once), connects the pool, tells systemd READY=1 when the first
 * database connection has passed its schema check (after a SIGHUP again
 * only with the database reachable), pets the systemd watchdog from a
 * timer on the loop, reloads on SIGHUP and drains on SIGTERM/SIGINT.
 */
#include "server.h"

#include <errno.h>
#include <event2/listener.h>
#include <malloc.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "conn.h"
#include "hashpool.h"
#include "http.h"
#include "layout.h"
#include "log.h"
#include "migrate.h"
#include "peer.h"
#include "rpc.h"
#include "rpc_auth.h"
#include "rpc_workbook.h"
#include "session.h"
#include "tls.h"
#include "workpool.h"

#define DRAIN_TICK_MS 50
/* Allocations this large are mapped (server_run). */
#define SERVER_MMAP_THRESHOLD (256 * 1024)
#define SERVER_TRIM_THRESHOLD (16 * 1024 * 1024)
/* After a failed accept (EMFILE ...): first retry, and the longest pause. */
#define ACCEPT_RETRY_MIN_MS 100
#define ACCEPT_RETRY_MAX_MS 1000

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    struct server *srv = arg;
    if (srv->accept_failures) {
        log_info("accepting connections again after %lu failed accept calls (%d connections open)",
                 srv->accept_failures, srv->nconns);
        srv->accept_failures = 0;
        srv->accept_suppressed = 0;
        srv->accept_backoff_ms = 0;
    }
    conn_accept(srv, fd, sa, salen);
}

/*
 * accept() failed with something other than "nothing to accept": out of
 * descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM), most
 * often. The listening socket stays readable, so libevent would call us
 * again at once: stop listening, serve the connections we have, and try
 * again from a timer (ACCEPT_RETRY_MIN_MS, doubling to ACCEPT_RETRY_MAX_MS).
 * At most one log line a second, with the count of those left out.
 */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    struct server *srv = arg;
    int err = EVUTIL_SOCKET_ERROR();
    evconnlistener_disable(l);
    srv->accept_failures++;
    srv->accept_backoff_ms =
        srv->accept_backoff_ms ? srv->accept_backoff_ms * 2 : ACCEPT_RETRY_MIN_MS;
    if (srv->accept_backoff_ms > ACCEPT_RETRY_MAX_MS)
        srv->accept_backoff_ms = ACCEPT_RETRY_MAX_MS;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long since_ms = (now.tv_sec - srv->accept_logged_at.tv_sec) * 1000 +
                    (now.tv_nsec - srv->accept_logged_at.tv_nsec) / 1000000;
    if (srv->accept_failures == 1 || since_ms >= 1000) {
        char more[96] = "";
        if (srv->accept_suppressed)
            snprintf(more, sizeof(more), " (%lu more failures since the last such line)",
                     srv->accept_suppressed);
        bool fds = err == EMFILE || err == ENFILE;
        log_warn("accept failed: %s%s; not accepting new connections for %d ms, still serving "
                 "the %d open ones%s%s",
                 evutil_socket_error_to_string(err), fds ? " (out of file descriptors)" : "",
                 srv->accept_backoff_ms, srv->nconns, more,
                 fds ? "; raise LimitNOFILE (ulimit -n) or lower max_connections" : "");
        srv->accept_logged_at = now;
        srv->accept_suppressed = 0;
    } else {
        srv->accept_suppressed++;
    }
    struct timeval tv = {srv->accept_backoff_ms / 1000, (srv->accept_backoff_ms % 1000) * 1000};
    event_add(srv->accept_retry, &tv);
}

static void accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    struct server *srv = arg;
    if (srv->listener && !srv->draining)
        evconnlistener_enable(srv->listener);
}

static bool listen_on(struct server *srv)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", srv->cfg.port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(srv->cfg.listen, port, &hints, &res);
    if (rc != 0) {
        log_error("[server] listen = %s: not a numeric address (%s); use e.g. 127.0.0.1, ::1 "
                  "or 0.0.0.0",
                  srv->cfg.listen, gai_strerror(rc));
        return false;
    }
    srv->listener =
        evconnlistener_new_bind(srv->base, on_accept, srv,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                512, res->ai_addr, (int)res->ai_addrlen);
    freeaddrinfo(res);
    if (!srv->listener) {
        log_error("cannot listen on %s port %d: %s", srv->cfg.listen, srv->cfg.port,
                  strerror(errno));
        return false;
    }
    evconnlistener_set_error_cb(srv->listener, on_accept_error);
    log_info("listening on %s port %d (%s)", srv->cfg.listen, srv->cfg.port,
             srv->tls ? "TLS" : "plaintext, loopback only");
    return true;
}

bool server_load_tls(const struct config *cfg, SSL_CTX **ctx, char *err, size_t errlen)
{
    *ctx = NULL;
    if (!cfg->tls_cert[0])
        return true;
    *ctx = tls_server_ctx(cfg->tls_cert, cfg->tls_key, err, errlen);
    return *ctx != NULL;
}

/*
 * READY=1 means "listening and the database reachable", at start and after
 * a reload alike; while the pool has no connection STATUS= says why, and a
 * reload that finished meanwhile is answered READY=1 once it is back.
 */
static void notify_ready(struct server *srv)
{
    if (srv->draining)
        return;
    sd_notifyf(0, "READY=1\nSTATUS=serving on %s port %d", srv->cfg.listen, srv->cfg.port);
}

/* Serving needs both pools: requests run on conninfo's, logins on login_conninfo's. */
static bool db_all_up(struct server *srv)
{
    return srv->db && db_pool_up(srv->db) > 0 && srv->login_db && db_pool_up(srv->login_db) > 0;
}

static void on_db_ready(void *arg)
{
    struct server *srv = arg;
    if (!db_all_up(srv))
        return; /* the other pool's on_ready comes */
    if (!srv->ready_once)
        log_info("ready: database reachable, serving on %s port %d", srv->cfg.listen,
                 srv->cfg.port);
    else if (srv->reload_waiting)
        log_info("database reachable again: reload of %s complete, serving", srv->config_path);
    else
        log_info("database reachable again: serving");
    srv->ready_once = true;
    srv->reload_waiting = false;
    notify_ready(srv);
}

static void on_db_down(void *arg, const char *why)
{
    struct server *srv = arg;
    sd_notifyf(0, "STATUS=%s: database unreachable (%s); requests get UNAVAILABLE until it is back",
               srv->reload_waiting ? "reloaded, waiting for the database"
               : srv->ready_once   ? "degraded"
                                   : "starting, waiting for the database",
               why);
}

static void on_db_fatal(void *arg, const char *message)
{
    struct server *srv = arg;
    log_error("%s (config file: %s)", message, srv->config_path);
    srv->exit_code = 1;
    event_base_loopbreak(srv->base);
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
    conn_reap(arg);
}

static double since_s(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void drain_check(struct server *srv)
{
    if (!srv->draining)
        return;
    if (srv->inflight == 0) {
        conn_drain_all(srv);
        if (srv->nconns == 0 && http_idle(srv)) {
            log_info("drained: all requests answered; exiting");
            event_base_loopexit(srv->base, NULL);
        }
        return;
    }
    if (since_s(&srv->drain_start) >= srv->cfg.drain_timeout) {
        /* Their clients hear nothing: not a clean stop, so the exit status says so. */
        log_error("drain_timeout (%d s) reached with %d request%s still unanswered; exiting "
                  "with status 1 (their clients get no answer; a write among them may or may "
                  "not have committed)",
                  srv->cfg.drain_timeout, srv->inflight, srv->inflight == 1 ? "" : "s");
        srv->exit_code = 1;
        event_base_loopexit(srv->base, NULL);
    }
}

void server_work_done(struct server *srv)
{
    if (srv->draining && srv->inflight == 0)
        drain_check(srv);
}

static void drain_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    drain_check(arg);
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    if (srv->draining) {
        if (srv->inflight > 0) {
            log_error("second signal %d while draining: exiting now with %d request%s still "
                      "unanswered (status 1)",
                      (int)sig, srv->inflight, srv->inflight == 1 ? "" : "s");
            srv->exit_code = 1;
        } else {
            log_warn("second signal %d while draining: exiting now", (int)sig);
        }
        event_base_loopexit(srv->base, NULL);
        return;
    }
    log_info("signal %d: draining (%d requests in flight, %d connections; at most %d s)", (int)sig,
             srv->inflight, srv->nconns, srv->cfg.drain_timeout);
    sd_notify(0, "STOPPING=1\nSTATUS=draining");
    srv->draining = true;
    clock_gettime(CLOCK_MONOTONIC, &srv->drain_start);
    if (srv->listener)
        evconnlistener_disable(srv->listener);
    http_drain(srv);
    conn_drain_all(srv);
    struct timeval tv = {0, DRAIN_TICK_MS * 1000};
    event_add(srv->drain_tick, &tv);
    drain_check(srv);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu", srv->config_path,
               (unsigned long long)now.tv_sec * 1000000ULL +
                   (unsigned long long)now.tv_nsec / 1000ULL);
    struct config next;
    config_defaults(&next);
    char err[2048];
    if (!config_load(&next, srv->config_path, err, sizeof(err)) ||
        !config_validate(&next, err, sizeof(err))) {
        log_error("reload refused, keeping the running configuration:\n%s", err);
    } else {
        char changed[256];
        config_apply_reload(&srv->cfg, &next, changed, sizeof(changed));
        /* Renewed certificates: new connections use them, open ones keep theirs. */
        if (srv->tls) {
            SSL_CTX *ctx;
            if (!server_load_tls(&srv->cfg, &ctx, err, sizeof(err))) {
                log_error("reload: keeping the old certificate: %s", err);
            } else {
                SSL_CTX_free(srv->tls);
                srv->tls = ctx;
                log_info("reload: certificate %s loaded", srv->cfg.tls_cert);
            }
        }
        log_level_current = srv->cfg.log_level;
        http_reload(srv, next.http_web_root);
        log_info("reloaded %s: %s", srv->config_path, changed[0] ? changed : "nothing changed");
        /* Keys that need a restart are read again only then: say so. */
        if (next.port != srv->cfg.port || strcmp(next.listen, srv->cfg.listen) != 0 ||
            strcmp(next.conninfo, srv->cfg.conninfo) != 0 || next.pool_size != srv->cfg.pool_size ||
            strcmp(next.login_conninfo, srv->cfg.login_conninfo) != 0 ||
            next.max_frame != srv->cfg.max_frame)
            log_warn("reload: listen, port, conninfo, login_conninfo, pool_size and max_frame "
                     "take effect only after a restart");
        if (next.http_port != srv->cfg.http_port ||
            strcmp(next.http_listen, srv->cfg.http_listen) != 0 ||
            next.http_plaintext != srv->cfg.http_plaintext)
            log_warn("reload: [http] listen, port and plaintext take effect only after a restart");
    }
    config_free(&next);
    if (db_all_up(srv)) {
        notify_ready(srv);
    } else {
        /* READY=1 now would tell systemd that a daemon which cannot serve
         * anyone is fine: it waits for on_db_ready. */
        srv->reload_waiting = true;
        log_warn("reload done, but the database is unreachable: systemd hears READY=1 once it "
                 "is back");
        sd_notify(0, "STATUS=reloaded, waiting for the database: no connection is up; see the "
                     "log (journalctl -u yanxiud) for why");
    }
}

static void watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
    sd_notify(0, "WATCHDOG=1");
}

/*
 * With WatchdogSec= in the unit, systemd passes WATCHDOG_USEC (and
 * WATCHDOG_PID); WATCHDOG=1 then goes out from the loop at half that
 * period, so a loop that hangs stops it and systemd restarts the daemon.
 * False only when the timer could not be set up.
 */
static bool watchdog_start(struct server *srv)
{
    uint64_t usec = 0;
    int on = sd_watchdog_enabled(0, &usec);
    if (on < 0)
        log_warn("watchdog: WATCHDOG_USEC/WATCHDOG_PID unusable (%s); running without it",
                 strerror(-on));
    if (on <= 0)
        return true;
    uint64_t half = usec / 2;
    if (half == 0)
        half = 1;
    struct timeval tv = {(time_t)(half / 1000000), (suseconds_t)(half % 1000000)};
    srv->watchdog = event_new(srv->base, -1, EV_PERSIST, watchdog_cb, srv);
    if (!srv->watchdog || event_add(srv->watchdog, &tv) != 0)
        return false;
    log_info("watchdog: WATCHDOG=1 every %.3f s (systemd expects one within %.3f s)",
             (double)half / 1e6, (double)usec / 1e6);
    return true;
}

int server_run(const char *config_path, struct config *cfg)
{
    struct server srv_storage = {0};
    struct server *srv = &srv_storage;
    srv->cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
    srv->config_path = config_path;
    TAILQ_INIT(&srv->conns);
    TAILQ_INIT(&srv->reap);
    log_level_current = srv->cfg.log_level;
    signal(SIGPIPE, SIG_IGN);
    /* A fixed mmap threshold: an answer's buffers (up to max_output) are mapped and unmapped
     * whole. glibc's default raises the threshold after the first such free, and from then on
     * they come from the heap, whose holes malloc_trim cannot always give back. */
    mallopt(M_MMAP_THRESHOLD, SERVER_MMAP_THRESHOLD);
    /* A fixed threshold also fixes the trim threshold at glibc's 128 KB: a large result's
     * blocks (libpq allocates 2 KB at a time; a county's teachers are ~4 MB) were given back
     * to the system as it was cleared and faulted in anew by the next one, which cost more
     * than reading it. Up to SERVER_TRIM_THRESHOLD of free heap stays; maybe_trim (conn.c)
     * still gives back all of it. */
    mallopt(M_TRIM_THRESHOLD, SERVER_TRIM_THRESHOLD);

    srv->base = event_base_new();
    if (!srv->base) {
        log_error("cannot create the event loop");
        config_free(&srv->cfg);
        return 1;
    }
    int rc = 1;
    srv->reap_ev = event_new(srv->base, -1, 0, reap_cb, srv);
    srv->drain_tick = event_new(srv->base, -1, EV_PERSIST, drain_tick_cb, srv);
    srv->accept_retry = event_new(srv->base, -1, 0, accept_retry_cb, srv);
    srv->sig_term = evsignal_new(srv->base, SIGTERM, on_term, srv);
    srv->sig_int = evsignal_new(srv->base, SIGINT, on_term, srv);
    srv->sig_hup = evsignal_new(srv->base, SIGHUP, on_hup, srv);
    if (!srv->reap_ev || !srv->drain_tick || !srv->accept_retry || !srv->sig_term ||
        !srv->sig_int || !srv->sig_hup || event_add(srv->sig_term, NULL) ||
        event_add(srv->sig_int, NULL) || event_add(srv->sig_hup, NULL)) {
        log_error("cannot set up events");
        goto out;
    }
    char err[1024];
    if (!server_load_tls(&srv->cfg, &srv->tls, err, sizeof(err))) {
        log_error("%s", err);
        goto out;
    }
    srv->peers = peer_table_new();
    if (!srv->peers) {
        log_error("out of memory");
        goto out;
    }
    if (!listen_on(srv) || !http_start(srv))
        goto out;

    srv->hash = hashpool_new(srv->base, srv->cfg.hash_threads, srv->cfg.hash_queue,
                             srv->cfg.hash_queue_per_addr);
    if (!srv->hash) {
        log_error("cannot start the password hashing workers");
        goto out;
    }
    srv->files = workpool_new(srv->base, srv->cfg.upload_threads, srv->cfg.upload_queue);
    if (!srv->files) {
        log_error("cannot start the file reading workers");
        goto out;
    }
    srv->books = workpool_new(srv->base, srv->cfg.upload_threads, srv->cfg.upload_queue);
    if (!srv->books) {
        log_error("cannot start the workbook workers");
        goto out;
    }
    session_cache_init(30);
    rpc_register_statements();
    if (!srv->cfg.login_conninfo[0]) {
        log_error("[database] login_conninfo is not set in %s: logins run as a role of their "
                  "own, e.g. login_conninfo = host=/var/run/postgresql dbname=yanxiu "
                  "user=yanxiud_login (deploy/setup-db.sql creates it; README \"Security "
                  "model\")",
                  config_path);
        goto out;
    }
    size_t nlogin;
    const struct db_stmt *login_stmts = rpc_auth_login_statements(&nlogin);
    struct db_pool_params lp = {
        .conninfo = srv->cfg.login_conninfo,
        .size = srv->cfg.login_pool_size,
        .queue_length = srv->cfg.hash_queue,
        .query_timeout_s = srv->cfg.query_timeout,
        .required_schema = migrate_latest(),
        .name = "login_conninfo",
        .stmts = login_stmts,
        .nstmts = nlogin,
        .on_ready = on_db_ready,
        .on_down = on_db_down,
        .on_fatal = on_db_fatal,
        .cb_arg = srv,
    };
    srv->login_db = db_pool_new(srv->base, &lp);
    if (!srv->login_db) {
        log_error("cannot create the login pool");
        goto out;
    }
    struct db_pool_params p = {
        .name = "conninfo",
        .conninfo = srv->cfg.conninfo,
        .size = srv->cfg.pool_size,
        .queue_length = srv->cfg.queue_length,
        .query_timeout_s = srv->cfg.query_timeout,
        .required_schema = migrate_latest(),
        .on_ready = on_db_ready,
        .on_down = on_db_down,
        .on_fatal = on_db_fatal,
        .cb_arg = srv,
    };
    sd_notify(0, "STATUS=starting, connecting to the database");
    if (!watchdog_start(srv)) {
        log_error("cannot set up the watchdog timer");
        goto out;
    }
    srv->db = db_pool_new(srv->base, &p);
    if (!srv->db) {
        log_error("cannot create the database pool");
        goto out;
    }
    log_info("yanxiud %s starting: pool of %d, schema version %u required", YANXIU_VERSION,
             srv->cfg.pool_size, migrate_latest());
    srv->exit_code = 0;
    event_base_dispatch(srv->base);
    rc = srv->exit_code;

out:
    conn_free_all(srv);
    http_free(srv);
    peer_table_free(srv->peers);
    db_pool_free(srv->db);
    db_pool_free(srv->login_db);
    hashpool_free(srv->hash);
    workpool_free(srv->files, layout_upload_drop); /* uploads not read by the end of the drain */
    workpool_free(srv->books, rpc_workbook_drop);  /* workbooks not made by then */
    if (srv->listener)
        evconnlistener_free(srv->listener);
    if (srv->reap_ev)
        event_free(srv->reap_ev);
    if (srv->drain_tick)
        event_free(srv->drain_tick);
    if (srv->watchdog)
        event_free(srv->watchdog);
    if (srv->accept_retry)
        event_free(srv->accept_retry);
    if (srv->sig_term)
        event_free(srv->sig_term);
    if (srv->sig_int)
        event_free(srv->sig_int);
    if (srv->sig_hup)
        event_free(srv->sig_hup);
    event_base_free(srv->base);
    if (srv->tls)
        SSL_CTX_free(srv->tls);
    config_free(&srv->cfg);
    return rc;
}
