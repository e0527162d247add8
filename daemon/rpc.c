/*
 * rpc: from a frame body to a handler and back. The dispatch table lists
 * every request the daemon understands; a request body it does not list
 * (or a response body sent as a request) is answered UNIMPLEMENTED.
 */
#include "rpc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "check.h"
#include "conn.h"
#include "http.h"
#include "layout.h"
#include "log.h"
#include "msg.h"
#include "peer.h"
#include "rowmap.h"
#include "rpc_assess.h"
#include "rpc_audit.h"
#include "rpc_auth.h"
#include "rpc_basic.h"
#include "rpc_bulk.h"
#include "rpc_compliance.h"
#include "rpc_report.h"
#include "rpc_roster.h"
#include "server.h"
#include "text.h"

/* Every request the daemon serves (daemon/methods.def). */
static const struct rpc_method methods[] = {
#define YX_METHOD(body, name, roles, fn) {YANXIU__V1__ENVELOPE__BODY_##body, name, fn, roles},
#include "methods.def"
};

static const struct db_stmt rpc_stmts[] = {
    {"session_begin", "SELECT session_begin($1::bytea)"},
    {"session_lookup", "SELECT user_id, name, role, coalesce(district_code, ''), "
                       "coalesce(unit_code, ''), (extract(epoch FROM expires_at) * 1000000)::int8 "
                       "FROM session_lookup($1::bytea)"},
    {"audit", "SELECT audit($1, $2, $3, $4)"},
};

static const char *reason_template(const char *code);
static void reason_error_args(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                              int code, const char *reason, const struct msg_arg *args, size_t n);
static void reason_error(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                         int code, const char *reason, ...) __attribute__((sentinel));

static const struct rpc_method *method_find(Yanxiu__V1__Envelope__BodyCase body)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (methods[i].body == body)
            return &methods[i];
    return NULL;
}

void rpc_register_statements(void)
{
    db_register(rpc_stmts, sizeof(rpc_stmts) / sizeof(rpc_stmts[0]));
    rpc_basic_register();
    rpc_auth_register();
    rpc_audit_register();
    rpc_roster_register();
    rpc_report_register();
    rpc_bulk_register();
    rpc_compliance_register();
    rpc_assess_register();
}

/* Every job of a request ends here: a failure is answered, a success goes
 * to the job's callback. */
static void job_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    db_done_fn fn = req->done;
    void *fn_arg = req->done_arg;
    void (*drop)(void *) = req->done_drop;
    req->done = NULL;
    req->done_arg = NULL;
    req->done_drop = NULL;
    if (out->ok) {
        fn(fn_arg, out);
        return;
    }
    if (drop)
        drop(fn_arg);
    (void)rpc_fail_db(req, out);
}

struct db_job *rpc_job_for(struct rpc_req *req, db_done_fn fn, void *arg, void (*drop)(void *arg))
{
    struct db_job *job = db_job_new(job_done, req);
    if (!job)
        return NULL;
    req->done = fn;
    req->done_arg = arg;
    req->done_drop = drop;
    return job;
}

struct db_job *rpc_job_new(struct rpc_req *req, db_done_fn fn)
{
    struct db_job *job = rpc_job_for(req, fn, req, NULL);
    if (!job)
        return NULL;
    /* The token itself, not its hash: the database hashes it and looks the
     * caller up from it for the row-level wall (sql/functions/walls.sql). */
    const char *v[] = {(const char *)req->env->session_token.data};
    int len[] = {SESSION_TOKEN_BYTES};
    int fmt[] = {1};
    if (!db_job_add_bin(job, "session_begin", 1, v, len, fmt)) {
        db_job_free(job);
        return NULL;
    }
    return job;
}

enum rpc_status rpc_query(struct rpc_req *req, db_done_fn fn, const char *stmt, int n,
                          const char *const *values)
{
    return rpc_run(req, fn, &stmt, 1, n, values);
}

enum rpc_status rpc_fail_oom(struct rpc_req *req)
{
    return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "out_of_memory", NULL);
}

enum rpc_status rpc_answer_import(struct rpc_req *req, const PGresult *r, const char *list,
                                  struct rpc_violations *vs, const char *what)
{
    struct rpc_violations local = {0};
    if (!vs)
        vs = &local;
    layout_db_problems(vs, req->layout, r, list);
    if (vs->total)
        return rpc_fail_with(req, vs, what);
    /* The row of idx -1 has the counts; a check_only import has none (all zero). */
    Yanxiu__V1__ImportResult res = YANXIU__V1__IMPORT_RESULT__INIT;
    int idx = PQfnumber(r, "idx");
    for (int i = 0; i < PQntuples(r); i++)
        if (atoi(PQgetvalue(r, i, idx)) < 0) {
            res.created = (uint32_t)atoi(PQgetvalue(r, i, PQfnumber(r, "created")));
            res.updated = (uint32_t)atoi(PQgetvalue(r, i, PQfnumber(r, "updated")));
            res.unchanged = (uint32_t)atoi(PQgetvalue(r, i, PQfnumber(r, "unchanged")));
        }
    return rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT, &res.base);
}

enum rpc_status rpc_run(struct rpc_req *req, db_done_fn fn, const char *const *stmts, size_t nstmts,
                        int n, const char *const *values)
{
    struct db_job *job = rpc_job_new(req, fn);
    bool ok = job != NULL;
    for (size_t i = 0; ok && i < nstmts; i++)
        ok = db_job_add(job, stmts[i], n, values);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* Whether the client of the request can still hear its answer. */
static bool req_client_here(const struct rpc_req *req)
{
    return req->http ? http_call_here(req->http) : req->conn != NULL;
}

/* Frees a request: one that was decoded and never started, or one that has ended. */
static void req_free(struct rpc_req *req)
{
    if (req->detour) {
        req->env = req->detour->env;
        req->detour->drop(req->detour);
    }
    if (req->env)
        yanxiu__v1__envelope__free_unpacked(req->env, &req->budget.alloc);
    if (req->pending) {
        rpc_violations_free(req->pending);
        free(req->pending);
    }
    layout_free(req->layout);
    free(req);
}

static void req_end(struct rpc_req *req, int code)
{
    struct server *srv = req->srv;
    rpc_log_info(req, " code=%s duration=%.3fms%s", frame_code_name(code), elapsed_ms(&req->start),
                 req_client_here(req) ? "" : " (client gone)");
    struct conn *c = req->conn;
    if (c)
        TAILQ_REMOVE(&c->reqs, req, link);
    if (req->http)
        http_call_end(req->http);
    req_free(req);
    srv->inflight--;
    if (c)
        conn_request_done(c);
    server_work_done(srv);
}

/* Sends the answer where the request came from (a connection or an HTTP
 * exchange). False when it could not be encoded (larger than max_frame). */
static bool req_write(struct rpc_req *req, Yanxiu__V1__Envelope *resp)
{
    if (req->http)
        return http_call_answer(req->http, resp);
    return conn_send(req->conn, resp);
}

static void req_send(struct rpc_req *req, Yanxiu__V1__Envelope *resp)
{
    if (!req_client_here(req))
        return;
    resp->request_id = req->id;
    if (req_write(req, resp) || !req_client_here(req))
        return;
    /* Too large to frame: tell the client instead of leaving it waiting.
     * (A failed send may have closed the connection for the output budget,
     * which detaches its requests: then there is nobody to tell.) */
    Yanxiu__V1__Error err;
    struct rpc_reason_buf b;
    reason_error(&err, &b, req->lang, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "answer_too_large",
                 NULL);
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.request_id = req->id;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = &err;
    if (!req_write(req, &env) && req->conn)
        conn_close(req->conn, "cannot send an answer");
}

enum rpc_status rpc_reply(struct rpc_req *req, Yanxiu__V1__Envelope *resp)
{
    if (req->detour && req->detour->answer && resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR) {
        enum rpc_status (*answer)(struct rpc_req *, Yanxiu__V1__Envelope *) = req->detour->answer;
        req->detour->answer = NULL;
        return answer(req, resp);
    }
    req_send(req, resp);
    req_end(req, 0);
    return RPC_ANSWERED;
}

/* Answers err and ends the request with its code. */
static enum rpc_status send_error(struct rpc_req *req, Yanxiu__V1__Error *err)
{
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = err;
    req_send(req, &env);
    req_end(req, (int)err->code);
    return RPC_ANSWERED;
}

enum rpc_status rpc_fail_violations(struct rpc_req *req, int code, const char *message,
                                    Yanxiu__V1__FieldViolation **v, size_t n)
{
    Yanxiu__V1__Error err = YANXIU__V1__ERROR__INIT;
    err.code = (Yanxiu__V1__Code)code;
    err.message = (char *)message;
    err.violations = v;
    err.n_violations = n;
    return send_error(req, &err);
}

/* Whether the request carries an idempotency key, with which the server
 * applies it at most once however often it is sent. */
static bool has_idempotency_key(const struct rpc_req *req)
{
    return req->env && (req->env->body_case == YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT ||
                        req->env->body_case == YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH);
}

/*
 * The database may have committed the request or not (db_outcome's
 * outcome_unknown): UNAVAILABLE with outcome_unknown set, and a message
 * that says so, never that nothing was written.
 */
static enum rpc_status fail_unknown(struct rpc_req *req, const struct db_outcome *out)
{
    rpc_log_warn(req, ": outcome unknown: %s", out->message);
    struct rpc_reason_buf b;
    Yanxiu__V1__Error err;
    reason_error(&err, &b, req->lang, YANXIU__V1__CODE__UNAVAILABLE,
                 has_idempotency_key(req) ? "outcome_unknown_keyed" : "outcome_unknown", NULL);
    err.outcome_unknown = true;
    return send_error(req, &err);
}

/* A reason our SQL raised (MESSAGE = the code, DETAIL = its arguments as
 * JSON), answered through the catalog; a code not in reasons.def is logged
 * and answered generically. */
static enum rpc_status fail_sql_reason(struct rpc_req *req, const struct db_outcome *out)
{
    struct msg_arg args[RPC_MAX_ARGS];
    char store[1024];
    int n = msg_args_json(out->detail, args, RPC_MAX_ARGS, store, sizeof(store));
    if (!reason_template(out->message) || n < 0) {
        rpc_log_error(req,
                      ": our SQL raised %s \"%s\" DETAIL %s: not a reason code of "
                      "daemon/reasons.def with JSON arguments",
                      out->sqlstate, out->message, out->detail);
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
        return rpc_fail_reason(req, out->code, "request_refused", "request_id", id, NULL);
    }
    /* A report's status is shown by its label in the caller's language. */
    for (int i = 0; i < n && n < RPC_MAX_ARGS; i++)
        if (strcmp(args[i].name, "status") == 0)
            args[n++] = (struct msg_arg){"status_label",
                                         msg_pget(req->lang, "report_status", args[i].value)};
    struct rpc_reason_buf b;
    Yanxiu__V1__Error err;
    reason_error_args(&err, &b, req->lang, out->code, out->message, args, (size_t)n);
    return send_error(req, &err);
}

enum rpc_status rpc_fail_db(struct rpc_req *req, const struct db_outcome *out)
{
    if (out->code == YANXIU__V1__CODE__UNAUTHENTICATED && req->has_session)
        session_cache_drop(req->session.token_hash);
    if (out->code == YANXIU__V1__CODE__INTERNAL) {
        rpc_log_error(req, ": database error %s: %s%s%s", out->sqlstate, out->message,
                      out->detail[0] ? " DETAIL: " : "", out->detail);
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
        return rpc_fail_reason(req, out->code, "internal_error", "request_id", id, NULL);
    }
    if (out->outcome_unknown)
        return fail_unknown(req, out);
    /* Ours: a reason code with its arguments (also under a standard SQLSTATE, as
     * the audit log's append-only trigger raises 42501). */
    if (strncmp(out->sqlstate, "YX", 2) == 0 || reason_template(out->message))
        return fail_sql_reason(req, out);
    if (out->code == YANXIU__V1__CODE__DEADLINE_EXCEEDED)
        return rpc_fail_reason(req, out->code, "query_timeout", NULL);
    rpc_log_info(req, ": database %s: %s", out->sqlstate[0] ? out->sqlstate : "-", out->message);
    if (out->code == YANXIU__V1__CODE__UNAVAILABLE)
        return rpc_fail_reason(req, out->code,
                               out->sqlstate[0] ? "database_retry" : "database_down", NULL);
    if (out->code == YANXIU__V1__CODE__RESOURCE_EXHAUSTED)
        return rpc_fail_reason(req, out->code, "server_busy", NULL);
    return rpc_fail_reason(req, out->code, "database_refused", "message", out->message, NULL);
}

enum rpc_status rpc_submit(struct rpc_req *req, struct db_job *job)
{
    switch (db_submit(req->srv->db, job)) {
    case DB_SUBMITTED:
        req->submitted++;
        return RPC_PENDING;
    case DB_QUEUE_FULL:
        return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "server_busy", NULL);
    case DB_DOWN:
    default:
        return rpc_fail_reason(req, YANXIU__V1__CODE__UNAVAILABLE, "database_down", NULL);
    }
}

/* Frees a violation built here: every string of it is malloc'd (or protobuf-c's empty). */
static void violation_free(Yanxiu__V1__FieldViolation *fv)
{
    char **strs[] = {&fv->path,   &fv->message, &fv->file, &fv->sheet,     &fv->column,
                     &fv->header, &fv->value,   &fv->code, &fv->unit_code, &fv->month};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (*strs[i] != protobuf_c_empty_string)
            free(*strs[i]);
    for (size_t i = 0; i < fv->n_args; i++) {
        free(fv->args[i]->name);
        free(fv->args[i]->value);
        free(fv->args[i]);
    }
    free(fv->args);
    free(fv);
}

void rpc_violations_free(struct rpc_violations *vs)
{
    for (size_t i = 0; i < vs->n; i++)
        violation_free(vs->v[i]);
    vs->n = vs->total = 0;
}

/* The English template of a reason code (daemon/reasons.def), or NULL. */
static const char *reason_template(const char *code)
{
    static const struct {
        const char *code, *tmpl;
    } reasons[] = {
#define YX_REASON(code, tmpl) {#code, tmpl},
#include "reasons.def"
#undef YX_REASON
        {NULL, NULL},
    };
    for (size_t i = 0; reasons[i].code; i++)
        if (strcmp(reasons[i].code, code) == 0)
            return reasons[i].tmpl;
    return NULL;
}

/* The message of `code` with its arguments in `lang`, into buf[cap]. */
static void render_reason(enum msg_lang lang, const char *code, const struct msg_arg *args,
                          size_t n, char *buf, size_t cap)
{
    const char *tmpl = reason_template(code);
    if (!tmpl) {
        log_error("reason code %s is not in daemon/reasons.def", code);
        snprintf(buf, cap, "%s", code);
        return;
    }
    msg_render(buf, cap, msg_pget(lang, code, tmpl), args, n);
}

void rpc_render_coded(enum msg_lang lang, const char *text, char *buf, size_t cap)
{
    struct msg_arg args[16];
    char store[8192];
    int n = text[0] == '{' ? msg_args_json(text, args, 16, store, sizeof(store)) : -1;
    const char *code = NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(args[i].name, "code") == 0)
            code = args[i].value;
    if (!code) {
        snprintf(buf, cap, "%s", text);
        return;
    }
    render_reason(lang, code, args, (size_t)n, buf, cap);
}

/* A copy of s, or protobuf-c's empty string for NULL or "" (violation_free knows). */
static char *dup_field(const char *s, bool *oom)
{
    if (!s || !s[0])
        return (char *)protobuf_c_empty_string;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d ? d : (char *)protobuf_c_empty_string;
}

/* rpc_problem with its arguments as an array. */
static void problem_args(struct rpc_violations *vs, const struct rpc_at *at, const char *code,
                         const struct msg_arg *args, size_t n)
{
    vs->total++;
    if (vs->n >= RPC_MAX_VIOLATIONS)
        return;
    Yanxiu__V1__FieldViolation *fv = malloc(sizeof(*fv));
    if (!fv)
        return;
    yanxiu__v1__field_violation__init(fv);
    bool oom = false;
    char letters[8] = "";
    if (at->col > 0)
        (void)book_col_name(at->col - 1, letters);
    fv->path = dup_field(at->path, &oom);
    fv->file = dup_field(at->file, &oom);
    fv->sheet = dup_field(at->sheet, &oom);
    fv->row = at->row;
    fv->column = dup_field(letters, &oom);
    fv->header = dup_field(at->header, &oom);
    fv->value = dup_field(at->value, &oom);
    fv->code = dup_field(code, &oom);
    fv->args = calloc(RPC_MAX_ARGS, sizeof(*fv->args));
    oom |= !fv->args;
    if (n > RPC_MAX_ARGS) {
        log_error("reason %s has more than %d arguments", code, RPC_MAX_ARGS);
        n = RPC_MAX_ARGS;
    }
    for (size_t i = 0; !oom && i < n; i++) {
        Yanxiu__V1__Arg *a = malloc(sizeof(*a));
        if (!a) {
            oom = true;
            break;
        }
        yanxiu__v1__arg__init(a);
        a->name = strdup(args[i].name);
        a->value = strdup(args[i].value ? args[i].value : "");
        fv->args[fv->n_args++] = a;
        oom |= !a->name || !a->value;
    }
    if (oom) {
        violation_free(fv);
        return;
    }
    vs->v[vs->n++] = fv;
}

void rpc_violations_move(struct rpc_violations *dst, struct rpc_violations *src, const char *prefix,
                         const char *unit, const char *month)
{
    for (size_t i = 0; i < src->n; i++) {
        Yanxiu__V1__FieldViolation *fv = src->v[i];
        bool oom = false;
        size_t len = strlen(prefix) + strlen(fv->path) + 2;
        char *path = malloc(len);
        if (path) {
            snprintf(path, len, "%s%s%s", prefix, fv->path[0] ? "." : "", fv->path);
            if (fv->path != protobuf_c_empty_string)
                free(fv->path);
            fv->path = path;
        }
        fv->unit_code = dup_field(unit, &oom);
        fv->month = dup_field(month, &oom);
        if (dst->n < RPC_MAX_VIOLATIONS)
            dst->v[dst->n++] = fv;
        else
            violation_free(fv);
    }
    dst->total += src->total;
    src->n = src->total = 0;
}

void rpc_vproblem(struct rpc_violations *vs, const struct rpc_at *at, const char *code, va_list ap)
{
    struct msg_arg args[16];
    size_t n = 0;
    for (const char *name; n <= RPC_MAX_ARGS && (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        args[n++] = (struct msg_arg){name, value};
    }
    problem_args(vs, at, code, args, n);
}

void rpc_problem(struct rpc_violations *vs, const struct rpc_at *at, const char *code, ...)
{
    va_list ap;
    va_start(ap, code);
    rpc_vproblem(vs, at, code, ap);
    va_end(ap);
}

void rpc_problem_line(struct rpc_violations *vs, int line, const char *code, ...)
{
    char path[32] = "";
    if (line > 0)
        snprintf(path, sizeof(path), "line %d", line);
    va_list ap;
    va_start(ap, code);
    rpc_vproblem(vs, &(struct rpc_at){.path = path, .row = line > 0 ? (unsigned)line : 0}, code,
                 ap);
    va_end(ap);
}

bool rpc_problem_json(struct rpc_violations *vs, const struct rpc_at *at, const char *json)
{
    struct msg_arg args[16];
    char store[1024];
    int n = msg_args_json(json, args, RPC_MAX_ARGS + 1, store, sizeof(store));
    if (n < 1 || strcmp(args[0].name, "code") != 0 || !reason_template(args[0].value)) {
        log_error("a problem row of our SQL is not {\"code\": <reason code>, ...}: %s", json);
        return false;
    }
    problem_args(vs, at, args[0].value, args + 1, (size_t)n - 1);
    return true;
}

/* Renders the message of every violation that has a code and no message yet. */
static void render_violations(const struct rpc_req *req, struct rpc_violations *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        Yanxiu__V1__FieldViolation *fv = vs->v[i];
        if (!fv->code[0] || fv->message[0])
            continue;
        struct msg_arg args[RPC_MAX_ARGS];
        for (size_t k = 0; k < fv->n_args; k++)
            args[k] = (struct msg_arg){fv->args[k]->name, fv->args[k]->value};
        char buf[512];
        render_reason(req->lang, fv->code, args, fv->n_args, buf, sizeof(buf));
        char *m = strdup(buf);
        if (m) {
            if (fv->message != protobuf_c_empty_string)
                free(fv->message);
            fv->message = m;
        }
    }
}

/* rpc_reason_error with the arguments as an array (referenced by err). */
static void reason_error_args(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                              int code, const char *reason, const struct msg_arg *args, size_t n)
{
    if (n > RPC_MAX_ARGS)
        n = RPC_MAX_ARGS;
    for (size_t i = 0; i < n; i++) {
        yanxiu__v1__arg__init(&b->argv[i]);
        b->argv[i].name = (char *)args[i].name;
        b->argv[i].value = (char *)args[i].value;
        b->argp[i] = &b->argv[i];
    }
    render_reason(lang, reason, args, n, b->message, sizeof(b->message));
    yanxiu__v1__error__init(err);
    err->code = (Yanxiu__V1__Code)code;
    err->message = b->message;
    err->reason = (char *)reason;
    err->args = b->argp;
    err->n_args = n;
}

void rpc_reason_error(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                      int code, const char *reason, va_list ap)
{
    struct msg_arg args[RPC_MAX_ARGS];
    size_t n = 0;
    for (const char *name; (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        if (n == RPC_MAX_ARGS) {
            log_error("reason %s has more than %d arguments", reason, RPC_MAX_ARGS);
            break;
        }
        args[n++] = (struct msg_arg){name, value ? value : ""};
    }
    reason_error_args(err, b, lang, code, reason, args, n);
}

static void reason_error(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                         int code, const char *reason, ...) __attribute__((sentinel));
static void reason_error(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                         int code, const char *reason, ...)
{
    va_list ap;
    va_start(ap, reason);
    rpc_reason_error(err, b, lang, code, reason, ap);
    va_end(ap);
}

enum rpc_status rpc_fail_vreason(struct rpc_req *req, int code, const char *reason, va_list ap)
{
    struct rpc_reason_buf b;
    Yanxiu__V1__Error err;
    rpc_reason_error(&err, &b, req->lang, code, reason, ap);
    return send_error(req, &err);
}

enum rpc_status rpc_fail_reason(struct rpc_req *req, int code, const char *reason, ...)
{
    va_list ap;
    va_start(ap, reason);
    enum rpc_status st = rpc_fail_vreason(req, code, reason, ap);
    va_end(ap);
    return st;
}

enum rpc_status rpc_fail_with(struct rpc_req *req, struct rpc_violations *vs, const char *what)
{
    char count[24], listed[24];
    snprintf(count, sizeof(count), "%zu", vs->total);
    snprintf(listed, sizeof(listed), "%zu", vs->n);
    rpc_log_info(req, ": %s: %zu problems", what, vs->total);
    render_violations(req, vs);
    struct rpc_reason_buf b;
    Yanxiu__V1__Error err;
    if (vs->total > vs->n)
        reason_error(&err, &b, req->lang, YANXIU__V1__CODE__INVALID_ARGUMENT,
                     "problems_found_first", "count", count, "listed", listed, NULL);
    else
        reason_error(&err, &b, req->lang, YANXIU__V1__CODE__INVALID_ARGUMENT, "problems_found",
                     "count", count, NULL);
    err.violations = vs->v;
    err.n_violations = vs->n;
    /* req->pending is the request's own: req_end frees it with the request. */
    bool own = vs == req->pending;
    enum rpc_status st = send_error(req, &err);
    if (!own)
        rpc_violations_free(vs);
    return st;
}

bool rpc_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return text_utf8_invalid_at(s, n) == n;
}

const char *rpc_quote(const char *s)
{
    return rpc_text_ok(s, 200) ? s : "?";
}

bool rpc_page_params(struct rpc_req *req, uint32_t limit, uint32_t offset, const char *search,
                     char limit_text[12], char offset_text[12])
{
    char max[16], value[16];
    if (limit > RPC_PAGE_MAX_ROWS || offset > RPC_PAGE_MAX_OFFSET) {
        snprintf(max, sizeof(max), "%d",
                 limit > RPC_PAGE_MAX_ROWS ? RPC_PAGE_MAX_ROWS : RPC_PAGE_MAX_OFFSET);
        snprintf(value, sizeof(value), "%u", limit > RPC_PAGE_MAX_ROWS ? limit : offset);
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "page_limit_invalid", "max", max,
                        "value", value, NULL);
        return false;
    }
    if (search && !check_text(search, RPC_PAGE_MAX_SEARCH, true)) {
        snprintf(max, sizeof(max), "%d", RPC_PAGE_MAX_SEARCH);
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "page_search_invalid", "max", max,
                        "value", rpc_quote(search), NULL);
        return false;
    }
    snprintf(limit_text, 12, "%u", limit);
    snprintf(offset_text, 12, "%u", offset);
    return true;
}

static bool six_digits(const char *s)
{
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[6] == '\0';
}

bool rpc_scope_district(struct rpc_req *req, const char *requested, const char **district)
{
    const struct session *s = &req->session;
    if (s->role == ROLE_ADMIN) {
        if (!six_digits(requested)) {
            rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "district_required", NULL);
            return false;
        }
        *district = requested;
        return true;
    }
    if (requested[0] && strcmp(requested, s->district) != 0) {
        rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED, "district_not_yours", "user",
                        s->user, "district", s->district, "requested",
                        rpc_text_ok(requested, 16) ? requested : "?", NULL);
        return false;
    }
    *district = s->district;
    return true;
}

void rpc_detach_all(struct rpc_req_list *reqs)
{
    struct rpc_req *req;
    while ((req = TAILQ_FIRST(reqs))) {
        TAILQ_REMOVE(reqs, req, link);
        req->conn = NULL;
    }
}

/*
 * Runs the request's handler and holds it to its status: RPC_ANSWERED, the
 * request has ended (one fewer in flight); RPC_PENDING, it has not, and a
 * job was submitted for it.
 */
static void run_handler(struct rpc_req *req)
{
    struct server *srv = req->srv;
    int inflight = srv->inflight;
    unsigned submitted = req->submitted;
    enum rpc_status st = req->method->fn(req);
    if (st == RPC_ANSWERED) {
        assert(srv->inflight == inflight - 1);
    } else {
        assert(st == RPC_PENDING && srv->inflight == inflight);
        assert(req->submitted > submitted);
    }
    (void)inflight;
    (void)submitted;
}

/* The caller is known: check the role, then run the handler. */
static void run_with_session(struct rpc_req *req)
{
    if (req->conn)
        conn_logged_in(req->conn);
    if (!(req->method->roles & req->session.role)) {
        const char *role = session_role_name(req->session.role);
        rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED, "role_not_allowed", "role", role,
                        "role_label", msg_pget(req->lang, "role", role), "user", req->session.user,
                        "request", req->method->name, NULL);
        return;
    }
    run_handler(req);
}

static void session_lookup_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    PGresult *r = out->results[0];
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
        rpc_fail_reason(req, YANXIU__V1__CODE__UNAUTHENTICATED, "session_expired", NULL);
        return;
    }
    struct session *s = &req->session;
    s->user_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(s->user, sizeof(s->user), "%s", PQgetvalue(r, 0, 1));
    s->role = session_role_parse(PQgetvalue(r, 0, 2));
    snprintf(s->district, sizeof(s->district), "%s", PQgetvalue(r, 0, 3));
    snprintf(s->unit, sizeof(s->unit), "%s", PQgetvalue(r, 0, 4));
    s->expires_us = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
    req->has_session = true;
    session_cache_put(s);
    run_with_session(req);
}

/* Finds the caller's session (cache, else database), then runs the handler. */
static void rpc_authenticate(struct rpc_req *req)
{
    const Yanxiu__V1__Envelope *env = req->env;
    if (env->session_token.len != SESSION_TOKEN_BYTES) {
        rpc_fail_reason(req, YANXIU__V1__CODE__UNAUTHENTICATED,
                        env->session_token.len == 0 ? "session_required" : "session_malformed",
                        NULL);
        return;
    }
    session_hash_token(env->session_token.data, env->session_token.len, req->session.token_hash);
    if (session_cache_get(req->session.token_hash, &req->session)) {
        req->has_session = true;
        run_with_session(req);
        return;
    }
    struct db_job *job = rpc_job_for(req, session_lookup_done, req, NULL);
    const char *v[] = {(const char *)env->session_token.data};
    int len[] = {SESSION_TOKEN_BYTES};
    int fmt[] = {1};
    if (!job || !db_job_add_bin(job, "session_lookup", 1, v, len, fmt)) {
        db_job_free(job);
        rpc_fail_oom(req);
        return;
    }
    rpc_submit(req, job);
}

struct rpc_req *rpc_decode(struct server *srv, const uint8_t *body, size_t len, const char **reason)
{
    struct rpc_req *req = calloc(1, sizeof(*req));
    if (!req) {
        *reason = "out_of_memory";
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    frame_budget_init(&req->budget, frame_decode_budget(len));
    req->env = frame_unpack(&req->budget, body, len);
    if (!req->env) {
        *reason = req->budget.refused ? "frame_over_budget" : "frame_invalid";
        free(req);
        return NULL;
    }
    req->srv = srv;
    req->id = req->env->request_id;
    req->method = method_find(req->env->body_case);
    return req;
}

void rpc_discard(struct rpc_req *req)
{
    req_free(req);
}

bool rpc_needs_session(const struct rpc_req *req)
{
    return req->method && req->method->roles != 0;
}

bool rpc_set_session_token(struct rpc_req *req, const uint8_t *token)
{
    ProtobufCBinaryData *t = &req->env->session_token;
    uint8_t *copy = req->budget.alloc.alloc(req->budget.alloc.allocator_data, SESSION_TOKEN_BYTES);
    if (!copy)
        return false;
    memcpy(copy, token, SESSION_TOKEN_BYTES);
    if (t->data)
        req->budget.alloc.free(req->budget.alloc.allocator_data, t->data);
    t->data = copy;
    t->len = SESSION_TOKEN_BYTES;
    return true;
}

/* The one path from a decoded, counted request to its handler, for TCP and
 * HTTP alike: unknown bodies refused, the session found when the method needs
 * one. `hello` says whether requests other than Hello may come yet. */
static void req_start(struct rpc_req *req, bool hello)
{
    req->srv->inflight++;
    if (!hello && req->env->body_case != YANXIU__V1__ENVELOPE__BODY_HELLO) {
        char body_case[16];
        snprintf(body_case, sizeof(body_case), "%d", (int)req->env->body_case);
        rpc_fail_reason(req, YANXIU__V1__CODE__FAILED_PRECONDITION, "hello_required", "request",
                        req->method ? req->method->name : body_case, NULL);
        return;
    }
    if (!req->method) {
        char field[16];
        snprintf(field, sizeof(field), "%d", (int)req->env->body_case);
        if (req->env->body_case == YANXIU__V1__ENVELOPE__BODY__NOT_SET)
            rpc_fail_reason(req, YANXIU__V1__CODE__UNIMPLEMENTED, "request_unknown",
                            "server_version", YANXIU_VERSION, NULL);
        else
            rpc_fail_reason(req, YANXIU__V1__CODE__UNIMPLEMENTED, "request_not_served", "field",
                            field, NULL);
        return;
    }
    if (req->method->roles == 0) {
        run_handler(req);
        return;
    }
    rpc_authenticate(req);
}

bool rpc_dispatch(struct conn *c, const uint8_t *body, size_t len)
{
    const char *reason;
    struct rpc_req *req = rpc_decode(c->srv, body, len, &reason);
    if (!req) {
        char size[24];
        snprintf(size, sizeof(size), "%zu", len);
        if (strcmp(reason, "out_of_memory") == 0)
            conn_close_reason(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, reason, NULL);
        else
            conn_close_reason(c, YANXIU__V1__CODE__INVALID_ARGUMENT, reason, "size", size, NULL);
        return false;
    }
    req->conn = c;
    req->lang = c->lang;
    /* The audit log wants the address, not the ephemeral port. */
    snprintf(req->peer, sizeof(req->peer), "%s", c->peer);
    char *colon = strrchr(req->peer, ':');
    if (colon)
        *colon = '\0';
    snprintf(req->peer_lane, sizeof(req->peer_lane), "%s", c->addr ? c->addr->name : req->peer);
    req->conn_id = c->id;
    TAILQ_INSERT_TAIL(&c->reqs, req, link);
    c->inflight++;
    req_start(req, c->hello);
    return true;
}

void rpc_start_http(struct rpc_req *req, struct http_call *call, unsigned long long call_id,
                    const char *peer, const char *peer_lane, enum msg_lang lang)
{
    req->http = call;
    req->lang = lang;
    req->conn_id = call_id;
    snprintf(req->peer, sizeof(req->peer), "%s", peer);
    snprintf(req->peer_lane, sizeof(req->peer_lane), "%s", peer_lane);
    /* Over HTTP every request counts as after Hello: there is no connection to greet. */
    req_start(req, true);
}
