/*
 * db: the asynchronous PostgreSQL pool (see db.h for the contract).
 *
 * Each connection is a small state machine driven by one event on
 * PQsocket: DOWN → CONNECTING (PQconnectPoll) → SETUP (statement_timeout,
 * schema check, PREPARE of every registered statement, as one pipeline) →
 * IDLE ⇄ BUSY. Any failure drops the connection, fails its job with
 * UNAVAILABLE and schedules a reconnect with exponential backoff.
 *
 * PostgreSQL commits a pipeline's implicit transaction at its Sync and
 * nowhere else, so a job lost before its Sync was handed to libpq certainly
 * wrote nothing; one lost after it may have committed (the answer to COMMIT
 * is what went missing) and is answered as of unknown outcome.
 *
 * Every session runs with synchronous_commit = on whatever the cluster, the
 * database or the role say: an answer the daemon gives is a promise that
 * the data survives a crash of PostgreSQL.
 */
#include "db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "log.h"
#include "migrate.h"
#include "yanxiu.pb-c.h"

#define BACKOFF_MIN_MS    100
#define BACKOFF_MAX_MS    5000
#define CONNECT_TIMEOUT_S 10

enum step_kind { STEP_EXEC, STEP_PREPARE, STEP_QUERY };

struct step {
    enum step_kind kind;
    const char *name; /* statement name (EXEC, PREPARE) */
    const char *sql;  /* PREPARE, QUERY */
    int nparams;
    char **values;
    int *lengths;
    int *formats;
};

struct db_job {
    TAILQ_ENTRY(db_job) link;
    db_done_fn fn;
    void *arg;
    struct step *steps;
    int nsteps, capsteps;
};

TAILQ_HEAD(job_queue, db_job);

enum dc_state { DC_DOWN, DC_CONNECTING, DC_SETUP, DC_IDLE, DC_BUSY };

struct db_conn {
    struct db_pool *pool;
    int index;
    enum dc_state state;
    PGconn *pg;
    struct event *ev; /* on PQsocket; recreated when the socket changes */
    int ev_fd;
    short ev_what;
    struct event *timer; /* reconnect backoff, or connect timeout */
    int backoff_ms;
    struct event *later; /* a drop deferred to the loop (dc_start_job) */
    char later_why[256];

    /* The job in flight and what came back so far. */
    struct db_job *job;
    bool sync_sent; /* its Sync was handed to libpq: it may commit */
    PGresult **results;
    int got;
    int null_streak;
    PGresult *error; /* first FATAL_ERROR of the pipeline, kept for its fields */
};

struct db_pool {
    struct event_base *base;
    struct db_pool_params p;
    char *conninfo;
    struct db_conn *conns;
    struct job_queue queue;
    int queued;
    bool fatal;
    bool served; /* a connection came up once: checks that refuse to start only warn now */
};

/*
 * What makes the connection's role unfit to run under the row-level wall:
 * being (or being able to become) a superuser or a role with BYPASSRLS,
 * having CREATEROLE (which may grant itself any role but a superuser), or
 * owning (through membership too) an object of the database, since owners
 * are not subject to their tables' policies and may change them. One text:
 * empty when the role is fit, else the reasons.
 */
static const char role_check_sql[] =
    "WITH mine AS (SELECT r.* FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER')),"
    " objs AS ("
    "  SELECT 'database ' || d.datname AS what, d.datdba AS owner FROM pg_database d"
    "  WHERE d.datname = current_database()"
    "  UNION ALL SELECT 'schema ' || n.nspname, n.nspowner FROM pg_namespace n"
    "  WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
    "  UNION ALL SELECT 'relation ' || c.relname, c.relowner FROM pg_class c"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
    "  UNION ALL SELECT 'function ' || p.proname, p.proowner FROM pg_proc p"
    "  JOIN pg_namespace n ON n.oid = p.pronamespace"
    "  WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
    "  UNION ALL SELECT 'type ' || t.typname, t.typowner FROM pg_type t"
    "  JOIN pg_namespace n ON n.oid = t.typnamespace"
    "  WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema')"
    " SELECT current_user, concat_ws('; ',"
    "  (SELECT 'role ' || string_agg(rolname, ', ' ORDER BY rolname) || ' is a superuser'"
    "   FROM mine WHERE rolsuper),"
    "  (SELECT 'role ' || string_agg(rolname, ', ' ORDER BY rolname) || ' has BYPASSRLS'"
    "   FROM mine WHERE rolbypassrls),"
    "  (SELECT 'role ' || string_agg(rolname, ', ' ORDER BY rolname) || ' has CREATEROLE"
    " (it could grant itself the owner''s role)' FROM mine WHERE rolcreaterole),"
    "  (SELECT 'it owns ' || count(*) || ' objects of the database (e.g. ' || min(what) || ')'"
    "   FROM objs WHERE owner IN (SELECT oid FROM mine) HAVING count(*) > 0))";

static const struct db_stmt *reg_stmts[16];
static size_t reg_counts[16];
static size_t reg_n;

void db_register(const struct db_stmt *stmts, size_t n)
{
    if (reg_n < sizeof(reg_stmts) / sizeof(reg_stmts[0])) {
        reg_stmts[reg_n] = stmts;
        reg_counts[reg_n] = n;
        reg_n++;
    } else {
        log_error("db: too many statement tables registered; raise the limit in db.c");
        abort();
    }
}

/* ---- jobs --------------------------------------------------------------- */

struct db_job *db_job_new(db_done_fn fn, void *arg)
{
    struct db_job *job = calloc(1, sizeof(*job));
    if (!job)
        return NULL;
    job->fn = fn;
    job->arg = arg;
    return job;
}

static void step_clear(struct step *s)
{
    for (int i = 0; i < s->nparams; i++)
        free(s->values[i]);
    free(s->values);
    free(s->lengths);
    free(s->formats);
}

void db_job_free(struct db_job *job)
{
    if (!job)
        return;
    for (int i = 0; i < job->nsteps; i++)
        step_clear(&job->steps[i]);
    free(job->steps);
    free(job);
}

static struct step *job_push(struct db_job *job)
{
    if (job->nsteps == job->capsteps) {
        int cap = job->capsteps ? job->capsteps * 2 : 4;
        struct step *ns = realloc(job->steps, (size_t)cap * sizeof(*ns));
        if (!ns)
            return NULL;
        job->steps = ns;
        job->capsteps = cap;
    }
    struct step *s = &job->steps[job->nsteps];
    memset(s, 0, sizeof(*s));
    return s;
}

static bool step_copy_params(struct step *s, int nparams, const char *const *values,
                             const int *lengths, const int *formats)
{
    if (nparams == 0)
        return true;
    s->values = calloc((size_t)nparams, sizeof(char *));
    s->lengths = calloc((size_t)nparams, sizeof(int));
    s->formats = calloc((size_t)nparams, sizeof(int));
    if (!s->values || !s->lengths || !s->formats)
        return false;
    s->nparams = nparams;
    for (int i = 0; i < nparams; i++) {
        if (!values[i])
            continue;
        bool bin = formats && formats[i] == 1;
        size_t len = bin ? (size_t)lengths[i] : strlen(values[i]);
        s->values[i] = malloc(len + 1);
        if (!s->values[i])
            return false;
        memcpy(s->values[i], values[i], len);
        s->values[i][len] = '\0';
        s->lengths[i] = (int)len;
        s->formats[i] = bin ? 1 : 0;
    }
    return true;
}

bool db_job_add_bin(struct db_job *job, const char *name, int nparams, const char *const *values,
                    const int *lengths, const int *formats)
{
    struct step *s = job_push(job);
    if (!s)
        return false;
    s->kind = STEP_EXEC;
    s->name = name;
    if (!step_copy_params(s, nparams, values, lengths, formats)) {
        step_clear(s);
        return false;
    }
    job->nsteps++;
    return true;
}

bool db_job_add(struct db_job *job, const char *name, int nparams, const char *const *values)
{
    return db_job_add_bin(job, name, nparams, values, NULL, NULL);
}

/* ---- error mapping -------------------------------------------------------- */

int db_code_for_sqlstate(const char *s)
{
    if (!s || strlen(s) != 5)
        return YANXIU__V1__CODE__UNAVAILABLE; /* no SQLSTATE: the connection broke */
    /* Our own SQL functions raise these (see sql/functions/). */
    if (strncmp(s, "YX", 2) == 0) {
        static const struct {
            const char *state;
            int code;
        } own[] = {
            {"YXINV", YANXIU__V1__CODE__INVALID_ARGUMENT},
            {"YXNFD", YANXIU__V1__CODE__NOT_FOUND},
            {"YXPRM", YANXIU__V1__CODE__PERMISSION_DENIED},
            {"YXPRE", YANXIU__V1__CODE__FAILED_PRECONDITION},
            {"YXDUP", YANXIU__V1__CODE__ALREADY_EXISTS},
            {"YXAUT", YANXIU__V1__CODE__UNAUTHENTICATED},
            {"YXRES", YANXIU__V1__CODE__RESOURCE_EXHAUSTED},
        };
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
            if (strcmp(s, own[i].state) == 0)
                return own[i].code;
        return YANXIU__V1__CODE__INTERNAL;
    }
    if (strcmp(s, "23505") == 0)
        return YANXIU__V1__CODE__ALREADY_EXISTS;
    if (strcmp(s, "23503") == 0)
        return YANXIU__V1__CODE__FAILED_PRECONDITION;
    if (strcmp(s, "57014") == 0)
        return YANXIU__V1__CODE__DEADLINE_EXCEEDED;
    if (strcmp(s, "42501") == 0)
        return YANXIU__V1__CODE__PERMISSION_DENIED;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
        return YANXIU__V1__CODE__UNAVAILABLE; /* serialization failure, deadlock: retry */
    switch (s[0]) {
    case '0':
        if (s[1] == '8')
            return YANXIU__V1__CODE__UNAVAILABLE; /* connection exception */
        break;
    case '2':
        if (s[1] == '2' || s[1] == '3')
            return YANXIU__V1__CODE__INVALID_ARGUMENT; /* data exception, constraint */
        break;
    case '5':
        if (s[1] == '3')
            return YANXIU__V1__CODE__RESOURCE_EXHAUSTED;
        if (s[1] == '7' && s[2] == 'P')
            return YANXIU__V1__CODE__UNAVAILABLE; /* admin/crash shutdown, cannot connect now */
        break;
    }
    return YANXIU__V1__CODE__INTERNAL;
}

/* ---- connection state machine ------------------------------------------- */

static void dc_on_event(evutil_socket_t fd, short what, void *arg);
static void dc_start_connect(struct db_conn *dc);
static void dc_drop(struct db_conn *dc, const char *why);
static void pool_dispatch(struct db_pool *pool);

static int pool_up(const struct db_pool *pool)
{
    int up = 0;
    for (int i = 0; i < pool->p.size; i++)
        if (pool->conns[i].state == DC_IDLE || pool->conns[i].state == DC_BUSY)
            up++;
    return up;
}

int db_pool_up(const struct db_pool *pool)
{
    return pool_up(pool);
}

/* (Re)arms the socket event for `what`, recreating it when libpq's socket changed. */
static bool dc_watch(struct db_conn *dc, short what)
{
    int fd = PQsocket(dc->pg);
    if (fd < 0)
        return false;
    if (dc->ev && dc->ev_fd == fd && dc->ev_what == what)
        return true;
    if (dc->ev) {
        event_free(dc->ev);
        dc->ev = NULL;
    }
    dc->ev = event_new(dc->pool->base, fd, what | EV_PERSIST, dc_on_event, dc);
    if (!dc->ev || event_add(dc->ev, NULL) != 0)
        return false;
    dc->ev_fd = fd;
    dc->ev_what = what;
    return true;
}

static void job_finish(struct db_job *job, const struct db_outcome *out)
{
    job->fn(job->arg, out);
    db_job_free(job);
}

static void job_fail(struct db_job *job, int code, const char *message)
{
    struct db_outcome out = {
        .ok = false, .code = code, .sqlstate = "", .message = message, .detail = ""};
    job_finish(job, &out);
}

/* The job's Sync may have reached PostgreSQL, but not its answer. */
static void job_fail_unknown(struct db_job *job)
{
    struct db_outcome out = {
        .ok = false,
        .code = YANXIU__V1__CODE__UNAVAILABLE,
        .sqlstate = "",
        .message = "the database connection was lost after the request was sent and before "
                   "its answer came back: whether it was committed is unknown",
        .detail = "",
        .outcome_unknown = true};
    job_finish(job, &out);
}

static void dc_clear_results(struct db_conn *dc)
{
    if (dc->results) {
        for (int i = 0; i < dc->got; i++)
            PQclear(dc->results[i]);
        free(dc->results);
        dc->results = NULL;
    }
    dc->got = 0;
    if (dc->error) {
        PQclear(dc->error);
        dc->error = NULL;
    }
}

static void fail_queue(struct db_pool *pool, const char *why)
{
    struct db_job *job;
    while ((job = TAILQ_FIRST(&pool->queue))) {
        TAILQ_REMOVE(&pool->queue, job, link);
        pool->queued--;
        job_fail(job, YANXIU__V1__CODE__UNAVAILABLE, why);
    }
}

static void dc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct db_conn *dc = arg;
    if (dc->state == DC_DOWN) {
        dc_start_connect(dc);
    } else if (dc->state == DC_CONNECTING) {
        /* Connect timeout: treat as a failed attempt. */
        dc_drop(dc, "connecting took too long");
    }
}

/* Drops the connection: fails the job in flight, schedules a reconnect. */
static void dc_drop(struct db_conn *dc, const char *why)
{
    struct db_pool *pool = dc->pool;
    bool was_up = dc->state == DC_IDLE || dc->state == DC_BUSY;
    if (dc->later)
        event_del(dc->later); /* this drop is the one it would have made */
    if (dc->ev) {
        event_free(dc->ev);
        dc->ev = NULL;
    }
    dc->ev_fd = -1;
    if (dc->pg) {
        PQfinish(dc->pg);
        dc->pg = NULL;
    }
    struct db_job *job = dc->job;
    bool sync_sent = dc->sync_sent;
    dc->job = NULL;
    dc->sync_sent = false;
    dc_clear_results(dc);
    dc->state = DC_DOWN;
    if (!pool->fatal && pool_up(pool) == 0 && pool->p.on_down)
        pool->p.on_down(pool->p.cb_arg, why);
    if (pool->fatal)
        log_debug("db[%d]: closed: %s", dc->index, why);
    else if (was_up)
        log_warn("db[%d]: connection lost: %s", dc->index, why);
    else if (dc->backoff_ms == BACKOFF_MIN_MS)
        log_warn("db[%d]: cannot connect: %s; retrying with backoff", dc->index, why);
    else
        log_debug("db[%d]: cannot connect: %s", dc->index, why);
    if (job && sync_sent)
        job_fail_unknown(job);
    else if (job)
        job_fail(job, YANXIU__V1__CODE__UNAVAILABLE,
                 "the database connection was lost before the request was sent; nothing was "
                 "written, try again");
    if (pool_up(pool) == 0)
        fail_queue(pool, "the database is not reachable; try again later");
    if (pool->fatal)
        return;
    struct timeval tv = {dc->backoff_ms / 1000, (dc->backoff_ms % 1000) * 1000};
    /* Jitter so that the pool does not reconnect in lockstep. */
    tv.tv_usec += (long)(random() % 50000);
    evtimer_add(dc->timer, &tv);
    dc->backoff_ms = dc->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : dc->backoff_ms * 2;
}

/* Sends the steps of `job` as one pipeline followed by a Sync. The job is
 * the connection's from the start, so that dc_drop fails it on any error. */
static bool dc_send(struct db_conn *dc, struct db_job *job)
{
    PGconn *pg = dc->pg;
    dc->job = job;
    dc->sync_sent = false;
    dc->got = 0;
    dc->null_streak = 0;
    dc->results = calloc((size_t)job->nsteps + 1, sizeof(PGresult *));
    if (!dc->results)
        return false;
    for (int i = 0; i < job->nsteps; i++) {
        struct step *s = &job->steps[i];
        int ok = 0;
        switch (s->kind) {
        case STEP_EXEC:
            ok = PQsendQueryPrepared(pg, s->name, s->nparams, (const char *const *)s->values,
                                     s->lengths, s->formats, 0);
            break;
        case STEP_PREPARE:
            ok = PQsendPrepare(pg, s->name, s->sql, 0, NULL);
            break;
        case STEP_QUERY:
            ok = PQsendQueryParams(pg, s->sql, s->nparams, NULL, (const char *const *)s->values,
                                   s->lengths, s->formats, 0);
            break;
        }
        if (!ok)
            return false;
    }
    /* From here on the Sync may be on its way (PQpipelineSync flushes),
     * even when it reports a failure. */
    dc->sync_sent = true;
    if (!PQpipelineSync(pg))
        return false;
    int f = PQflush(pg);
    if (f < 0)
        return false;
    return dc_watch(dc, f == 1 ? EV_READ | EV_WRITE : EV_READ);
}

static void dc_later_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct db_conn *dc = arg;
    dc_drop(dc, dc->later_why); /* fails the job, which dc_send attached */
}

/*
 * A send that fails drops the connection from the loop, not here: the
 * caller of db_submit learns DB_SUBMITTED before the job's callback runs
 * (which may free what the caller still holds, the request).
 */
static void dc_start_job(struct db_conn *dc, struct db_job *job)
{
    dc->state = dc->state == DC_SETUP ? DC_SETUP : DC_BUSY;
    if (!dc_send(dc, job)) {
        snprintf(dc->later_why, sizeof(dc->later_why), "send failed: %s",
                 PQerrorMessage(dc->pg));
        dc->later_why[strcspn(dc->later_why, "\n")] = '\0';
        event_active(dc->later, 0, 0);
    }
}

/*
 * The pipeline's Sync came back: the transaction is over, one way or the
 * other. The results are detached first because the callback may start the
 * next job on this very connection.
 */
static void dc_complete(struct db_conn *dc)
{
    struct db_job *job = dc->job;
    PGresult **results = dc->results;
    PGresult *error = dc->error;
    int got = dc->got;
    dc->job = NULL;
    dc->sync_sent = false;
    dc->results = NULL;
    dc->error = NULL;
    dc->got = 0;
    if (dc->state == DC_BUSY)
        dc->state = DC_IDLE;

    struct db_outcome out = {.ok = error == NULL, .sqlstate = "", .message = "", .detail = ""};
    if (error) {
        const char *st = PQresultErrorField(error, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(error, PG_DIAG_MESSAGE_PRIMARY);
        const char *det = PQresultErrorField(error, PG_DIAG_MESSAGE_DETAIL);
        out.sqlstate = st ? st : "";
        out.message = msg ? msg : PQresultErrorMessage(error);
        out.detail = det ? det : "";
        out.code = db_code_for_sqlstate(st);
    } else {
        out.nresults = got;
        out.results = results;
    }
    job_finish(job, &out);
    for (int i = 0; i < got; i++)
        PQclear(results[i]);
    free(results);
    if (error)
        PQclear(error);
}

/* Reads whatever results are complete. Returns false when the connection broke. */
static bool dc_read_results(struct db_conn *dc)
{
    PGconn *pg = dc->pg;
    if (!PQconsumeInput(pg))
        return false;
    while (dc->job && !PQisBusy(pg)) {
        PGresult *r = PQgetResult(pg);
        if (!r) {
            /* One NULL ends each statement's results; two in a row mean
             * libpq has nothing more for now. */
            if (dc->null_streak++ > 0)
                break;
            continue;
        }
        dc->null_streak = 0;
        switch (PQresultStatus(r)) {
        case PGRES_PIPELINE_SYNC:
            PQclear(r);
            dc_complete(dc);
            /* The callback may have dropped this connection. */
            if (dc->pg != pg)
                return true;
            break;
        case PGRES_FATAL_ERROR:
            if (!dc->error)
                dc->error = r;
            else
                PQclear(r);
            if (PQstatus(pg) == CONNECTION_BAD)
                return false;
            break;
        case PGRES_PIPELINE_ABORTED:
            PQclear(r);
            break;
        default:
            if (dc->got < dc->job->nsteps)
                dc->results[dc->got++] = r;
            else
                PQclear(r);
            break;
        }
    }
    return PQstatus(pg) != CONNECTION_BAD;
}

static void setup_done(void *arg, const struct db_outcome *out);

/* PostgreSQL's NOTICEs go to our log at debug, not to libpq's stderr printer. */
static void dc_notice(void *arg, const char *message)
{
    struct db_conn *dc = arg;
    log_debug("db[%d]: %.*s", dc->index, (int)strcspn(message, "\n"), message);
}

static void dc_begin_setup(struct db_conn *dc)
{
    PQsetNoticeProcessor(dc->pg, dc_notice, dc);
    struct db_pool *pool = dc->pool;
    if (PQsetnonblocking(dc->pg, 1) != 0 || !PQenterPipelineMode(dc->pg)) {
        dc_drop(dc, "cannot enter non-blocking pipeline mode");
        return;
    }
    struct db_job *job = db_job_new(setup_done, dc);
    if (!job) {
        dc_drop(dc, "out of memory");
        return;
    }
    char timeout[32];
    snprintf(timeout, sizeof(timeout), "%ds", pool->p.query_timeout_s);
    const char *tv[] = {timeout};
    struct step *s;
    bool ok = true;
    /* 0: statement_timeout for every later statement of this session, and
     * synchronous_commit on over whatever the cluster, database or role set:
     * a commit is answered only once its WAL is on disk. */
    if ((s = job_push(job))) {
        s->kind = STEP_QUERY;
        s->sql = "SELECT set_config('statement_timeout', $1, false), "
                 "set_config('synchronous_commit', 'on', false)";
        ok = step_copy_params(s, 1, tv, NULL, NULL);
        job->nsteps++;
    } else {
        ok = false;
    }
    /* 1: the schema version, the function set recorded by migrate and whether
     * the catalog's functions are still those; fails with 42P01 on a database
     * never migrated (or migrated before schema_functions). */
    if (ok && (s = job_push(job))) {
        s->kind = STEP_QUERY;
        s->sql =
            "SELECT coalesce(max(version), 0), (SELECT sha256 FROM schema_functions), "
            "coalesce((SELECT catalog_sha256 FROM schema_functions) = " MIGRATE_CATALOG_SHA256_SQL
            ", false) FROM schema_migrations";
        job->nsteps++;
    }
    /* 2: whether the role is fit to run under the row-level wall. */
    if (ok && (s = job_push(job))) {
        s->kind = STEP_QUERY;
        s->sql = role_check_sql;
        job->nsteps++;
    } else {
        ok = false;
    }
    /* The pool's own statements, or every registered one. */
    const struct db_stmt *own = pool->p.stmts;
    size_t ntables = own ? 1 : reg_n;
    for (size_t t = 0; ok && t < ntables; t++) {
        const struct db_stmt *tab = own ? own : reg_stmts[t];
        size_t count = own ? pool->p.nstmts : reg_counts[t];
        for (size_t i = 0; ok && i < count; i++) {
            if (!(s = job_push(job))) {
                ok = false;
                break;
            }
            s->kind = STEP_PREPARE;
            s->name = tab[i].name;
            s->sql = tab[i].sql;
            job->nsteps++;
        }
    }
    if (!ok) {
        db_job_free(job);
        dc_drop(dc, "out of memory");
        return;
    }
    dc->state = DC_SETUP;
    dc_start_job(dc, job);
}

static void pool_fatal(struct db_pool *pool, const char *msg)
{
    pool->fatal = true;
    if (pool->p.on_fatal)
        pool->p.on_fatal(pool->p.cb_arg, msg);
}

static void setup_done(void *arg, const struct db_outcome *out)
{
    struct db_conn *dc = arg;
    struct db_pool *pool = dc->pool;
    char msg[1024];
    if (!out->ok) {
        /* No SQLSTATE: the connection broke and dc_drop is already on it. */
        if (!out->sqlstate[0])
            return;
        if (strcmp(out->sqlstate, "42P01") == 0 && strstr(out->message, "schema_functions")) {
            snprintf(msg, sizeof(msg),
                     "the database's SQL functions were never recorded (its schema is older "
                     "than this yanxiud); run `yanxiud migrate -c CONFIG` first");
            pool_fatal(pool, msg);
        } else if (strcmp(out->sqlstate, "42P01") == 0) {
            snprintf(msg, sizeof(msg),
                     "the database has no yanxiu schema yet (schema_migrations is missing); "
                     "run `yanxiud migrate -c CONFIG` first");
            pool_fatal(pool, msg);
        } else if (out->code != YANXIU__V1__CODE__UNAVAILABLE) {
            snprintf(msg, sizeof(msg),
                     "preparing statements failed: %s (SQLSTATE %s); is the schema current? "
                     "run `yanxiud migrate -c CONFIG`",
                     out->message, out->sqlstate);
            pool_fatal(pool, msg);
        }
        dc_drop(dc, out->message);
        return;
    }
    unsigned version = (unsigned)strtoul(PQgetvalue(out->results[1], 0, 0), NULL, 10);
    if (version < pool->p.required_schema) {
        snprintf(msg, sizeof(msg),
                 "the database schema is at version %u but this yanxiud needs %u; "
                 "run `yanxiud migrate -c CONFIG` first",
                 version, pool->p.required_schema);
        pool_fatal(pool, msg);
        dc_drop(dc, "schema behind");
        return;
    }
    const char *set = PQgetvalue(out->results[1], 0, 1);
    bool same = strcmp(PQgetvalue(out->results[1], 0, 2), "t") == 0;
    if (version == pool->p.required_schema && (strcmp(set, functions_sha256) != 0 || !same)) {
        snprintf(msg, sizeof(msg),
                 "the database's SQL functions are not the ones this yanxiud was built with "
                 "(%s); run `yanxiud migrate -c CONFIG`",
                 strcmp(set, functions_sha256) != 0 ? "another function set was applied"
                                                    : "a function was changed since migrate");
        if (!pool->served) {
            pool_fatal(pool, msg);
            dc_drop(dc, "functions differ");
            return;
        }
        /* Running already: a migrate by a newer build, before this one is replaced. Refusing
           now would end the requests in flight without a drain; say it and serve. */
        log_error("db[%d]: the database's SQL functions are no longer the ones this yanxiud was "
                  "built with (%s since it started): restart yanxiud with the build whose "
                  "`yanxiud migrate` ran; serving on meanwhile",
                  dc->index,
                  strcmp(set, functions_sha256) != 0 ? "another function set was applied"
                                                     : "a function was changed");
    }
    const char *unfit = PQgetvalue(out->results[2], 0, 1);
    if (unfit[0]) {
        const char *key = pool->p.name ? pool->p.name : "conninfo";
        snprintf(msg, sizeof(msg),
                 "[database] %s connects as role \"%s\", which may bypass the row-level wall: "
                 "%s. Connect as a role that owns nothing and is no superuser and has no "
                 "BYPASSRLS (yanxiud for conninfo, yanxiud_login for login_conninfo; "
                 "deploy/setup-db.sql creates them); README \"Security model\"",
                 key, PQgetvalue(out->results[2], 0, 0), unfit);
        pool_fatal(pool, msg);
        dc_drop(dc, "role unfit");
        return;
    }
    if (version > pool->p.required_schema)
        log_warn("db[%d]: the database schema (version %u) is newer than this yanxiud (%u)",
                 dc->index, version, pool->p.required_schema);
    dc->state = DC_IDLE;
    dc->backoff_ms = BACKOFF_MIN_MS;
    pool->served = true;
    log_info("db[%d]: connected (%s, schema version %u)", dc->index,
             pool->p.name ? pool->p.name : "conninfo", version);
    if (pool_up(pool) == 1 && pool->p.on_ready)
        pool->p.on_ready(pool->p.cb_arg);
}

static void dc_connect_step(struct db_conn *dc)
{
    switch (PQconnectPoll(dc->pg)) {
    case PGRES_POLLING_READING:
        if (!dc_watch(dc, EV_READ))
            dc_drop(dc, "cannot watch the socket");
        return;
    case PGRES_POLLING_WRITING:
        if (!dc_watch(dc, EV_WRITE))
            dc_drop(dc, "cannot watch the socket");
        return;
    case PGRES_POLLING_OK:
        evtimer_del(dc->timer);
        dc_begin_setup(dc);
        return;
    default: {
        char why[512];
        snprintf(why, sizeof(why), "%s", PQerrorMessage(dc->pg));
        why[strcspn(why, "\n")] = '\0';
        dc_drop(dc, why);
        return;
    }
    }
}

static void dc_start_connect(struct db_conn *dc)
{
    dc->pg = PQconnectStart(dc->pool->conninfo);
    if (!dc->pg || PQstatus(dc->pg) == CONNECTION_BAD) {
        char why[512];
        snprintf(why, sizeof(why), "%s", dc->pg ? PQerrorMessage(dc->pg) : "out of memory");
        why[strcspn(why, "\n")] = '\0';
        dc_drop(dc, why);
        return;
    }
    dc->state = DC_CONNECTING;
    struct timeval tv = {CONNECT_TIMEOUT_S, 0};
    evtimer_add(dc->timer, &tv);
    /* As documented for PQconnectStart: behave as if polling said WRITING. */
    if (!dc_watch(dc, EV_WRITE))
        dc_drop(dc, "cannot watch the socket");
}

static void dc_on_event(evutil_socket_t fd, short what, void *arg)
{
    struct db_conn *dc = arg;
    if (dc->state == DC_CONNECTING) {
        dc_connect_step(dc);
        return;
    }
    if (what & EV_WRITE) {
        int f = PQflush(dc->pg);
        if (f < 0) {
            dc_drop(dc, "write to the database failed");
            return;
        }
        if (!dc_watch(dc, f == 1 ? EV_READ | EV_WRITE : EV_READ)) {
            dc_drop(dc, "cannot watch the socket");
            return;
        }
    }
    if (what & EV_READ) {
        PGconn *pg = dc->pg;
        if (!dc_read_results(dc)) {
            char why[512];
            snprintf(why, sizeof(why), "%s", PQerrorMessage(dc->pg));
            why[strcspn(why, "\n")] = '\0';
            dc_drop(dc, why[0] ? why : "the server closed the connection");
            return;
        }
        if (dc->pg != pg)
            return;
    }
    if (dc->state == DC_IDLE)
        pool_dispatch(dc->pool);
}

/* Hands queued jobs to idle connections. */
static void pool_dispatch(struct db_pool *pool)
{
    for (int i = 0; i < pool->p.size && !TAILQ_EMPTY(&pool->queue); i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->state != DC_IDLE)
            continue;
        struct db_job *job = TAILQ_FIRST(&pool->queue);
        TAILQ_REMOVE(&pool->queue, job, link);
        pool->queued--;
        dc_start_job(dc, job);
    }
}

enum db_submit db_submit(struct db_pool *pool, struct db_job *job)
{
    if (pool->fatal || pool_up(pool) == 0) {
        db_job_free(job);
        return DB_DOWN;
    }
    for (int i = 0; i < pool->p.size; i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->state == DC_IDLE && TAILQ_EMPTY(&pool->queue)) {
            dc_start_job(dc, job);
            return DB_SUBMITTED;
        }
    }
    if (pool->queued >= pool->p.queue_length) {
        db_job_free(job);
        return DB_QUEUE_FULL;
    }
    TAILQ_INSERT_TAIL(&pool->queue, job, link);
    pool->queued++;
    return DB_SUBMITTED;
}

struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_params *p)
{
    struct db_pool *pool = calloc(1, sizeof(*pool));
    if (!pool)
        return NULL;
    pool->base = base;
    pool->p = *p;
    TAILQ_INIT(&pool->queue);
    pool->conninfo = strdup(p->conninfo);
    pool->conns = calloc((size_t)p->size, sizeof(*pool->conns));
    if (!pool->conninfo || !pool->conns) {
        free(pool->conninfo);
        free(pool->conns);
        free(pool);
        return NULL;
    }
    for (int i = 0; i < p->size; i++) {
        struct db_conn *dc = &pool->conns[i];
        dc->pool = pool;
        dc->index = i;
        dc->ev_fd = -1;
        dc->backoff_ms = BACKOFF_MIN_MS;
        dc->timer = evtimer_new(base, dc_timer_cb, dc);
        dc->later = event_new(base, -1, 0, dc_later_cb, dc);
        if (!dc->timer || !dc->later) {
            db_pool_free(pool);
            return NULL;
        }
    }
    for (int i = 0; i < p->size; i++)
        dc_start_connect(&pool->conns[i]);
    return pool;
}

void db_pool_free(struct db_pool *pool)
{
    if (!pool)
        return;
    pool->fatal = true; /* no reconnects from here on */
    for (int i = 0; i < pool->p.size; i++) {
        struct db_conn *dc = &pool->conns[i];
        if (dc->pg || dc->job)
            dc_drop(dc, "shutting down");
        if (dc->timer)
            event_free(dc->timer);
        if (dc->later)
            event_free(dc->later);
    }
    fail_queue(pool, "the daemon is shutting down");
    free(pool->conns);
    free(pool->conninfo);
    free(pool);
}
