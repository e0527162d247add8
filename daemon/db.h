/*
 * db: the asynchronous PostgreSQL pool. N libpq connections, each driven by
 * one libevent event on its socket, never a blocking libpq call. A job is a
 * list of statements sent as one pipeline with one Sync: PostgreSQL runs them
 * as one implicit transaction, so a job either commits whole or not at all,
 * and is reported as a success only once the Sync came back clean.
 */
#ifndef YANXIU_DB_H
#define YANXIU_DB_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "yx_common.h"

/* A named prepared statement, prepared on every connection of the pool. */
struct db_stmt {
    const char *name;
    const char *sql;
};

/* What a finished job hands its callback. Everything here is owned by the
 * pool and valid only during the callback. */
struct db_outcome {
    bool ok;
    int code;             /* Yanxiu__V1__Code when !ok */
    const char *sqlstate; /* "" when the failure was not PostgreSQL's */
    const char *message;  /* primary message when !ok */
    const char *detail;   /* DETAIL, "" if none */
    int nresults;         /* one per statement, in order, when ok */
    PGresult *const *results;
    /* !ok with UNAVAILABLE because the connection was lost after the job's
     * Sync may have reached PostgreSQL: the job may have committed or not,
     * and nobody can tell from here. False when it certainly did not. */
    bool outcome_unknown;
};

/*
 * Called exactly once per submitted job, from the event loop, after the
 * job's transaction committed (ok) or failed. The callback must not free
 * results. It may submit new jobs.
 */
typedef void (*db_done_fn)(void *arg, const struct db_outcome *out);

struct db_pool;
struct db_job;

struct db_pool_params {
    const char *conninfo;
    int size;                 /* connections */
    int queue_length;         /* jobs waiting for a connection */
    int query_timeout_s;      /* statement_timeout */
    unsigned required_schema; /* refuse a database whose schema_migrations is behind */
    /* The config key of conninfo, for messages ("conninfo", "login_conninfo"). */
    const char *name;
    /* The statements to prepare on this pool; NULL: every registered one. */
    const struct db_stmt *stmts;
    size_t nstmts;
    /* Called each time the pool goes from no usable connection to one
     * (schema checked): the first time at start, later when the database
     * came back after on_down. */
    void (*on_ready)(void *arg);
    /* Called while no connection is usable, each time one is lost or an
     * attempt to connect fails; `why` is libpq's reason. May be NULL. */
    void (*on_down)(void *arg, const char *why);
    /* Called when the database can never serve us (schema behind, a
     * statement that does not prepare, a role that is a superuser, has
     * BYPASSRLS or owns objects of the schema, so that the row-level wall
     * would not hold); the message says what to do. */
    void (*on_fatal)(void *arg, const char *message);
    void *cb_arg;
};

/*
 * Registers statements to prepare on every connection. Call before
 * db_pool_new; `stmts` must outlive the pool.
 */
void db_register(const struct db_stmt *stmts, size_t n);

/* Creates the pool and starts connecting. NULL on out-of-memory. */
struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_params *p) YX_MUST_CHECK;

/* Connections that have passed their setup and can take a job now. */
int db_pool_up(const struct db_pool *pool);

/* Closes every connection; queued and running jobs get UNAVAILABLE. */
void db_pool_free(struct db_pool *pool);

struct db_job *db_job_new(db_done_fn fn, void *arg) YX_MUST_CHECK;

/*
 * Appends an execution of the prepared statement `name` with text
 * parameters (NULL = SQL NULL); the values are copied. False on
 * out-of-memory (the job stays valid and can be freed with db_job_free).
 */
bool db_job_add(struct db_job *job, const char *name, int nparams,
                const char *const *values) YX_MUST_CHECK;

/* Like db_job_add with explicit lengths and formats (1 = binary, e.g. bytea). */
bool db_job_add_bin(struct db_job *job, const char *name, int nparams, const char *const *values,
                    const int *lengths, const int *formats) YX_MUST_CHECK;

/* Frees a job that was never submitted. */
void db_job_free(struct db_job *job);

enum db_submit {
    DB_SUBMITTED,  /* the callback will be called */
    DB_QUEUE_FULL, /* every connection busy and the queue full: RESOURCE_EXHAUSTED */
    DB_DOWN,       /* no connection to the database: UNAVAILABLE */
};

/*
 * Hands the job to the pool, which owns it from now on. On DB_QUEUE_FULL
 * and DB_DOWN the job is freed and the callback is NOT called. On
 * DB_SUBMITTED the callback runs later, from the event loop: never before
 * db_submit has returned.
 */
enum db_submit db_submit(struct db_pool *pool, struct db_job *job) YX_MUST_CHECK;

/* Our error code for a SQLSTATE (unique violation → ALREADY_EXISTS, …). */
int db_code_for_sqlstate(const char *sqlstate);

#endif
