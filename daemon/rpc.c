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
#include "layout.h"
#include "log.h"
#include "msg.h"
#include "peer.h"
#include "rowmap.h"
#include "rpc_assess.h"
#include "rpc_audit.h"
#include "rpc_auth.h"
#include "rpc_basic.h"
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
    return rpc_fail(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
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

static void req_end(struct rpc_req *req, int code)
{
    struct server *srv = req->srv;
    rpc_log_info(req, " code=%s duration=%.3fms%s", frame_code_name(code), elapsed_ms(&req->start),
                 req->conn ? "" : " (client gone)");
    struct conn *c = req->conn;
    if (c)
        TAILQ_REMOVE(&c->reqs, req, link);
    if (req->env)
        yanxiu__v1__envelope__free_unpacked(req->env, &req->budget.alloc);
    if (req->pending) {
        rpc_violations_free(req->pending);
        free(req->pending);
    }
    layout_free(req->layout);
    free(req);
    srv->inflight--;
    if (c)
        conn_request_done(c);
    server_work_done(srv);
}

static void req_send(struct rpc_req *req, Yanxiu__V1__Envelope *resp)
{
    if (!req->conn)
        return;
    resp->request_id = req->id;
    if (!conn_send(req->conn, resp) && req->conn) {
        /* Too large to frame: tell the client instead of leaving it waiting.
         * (A failed send may have closed the connection for the output budget,
         * which detaches its requests: then there is nobody to tell.) */
        Yanxiu__V1__Error err = YANXIU__V1__ERROR__INIT;
        err.code = YANXIU__V1__CODE__RESOURCE_EXHAUSTED;
        err.message = "the answer exceeds the largest frame (max_frame); ask for less";
        Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
        env.request_id = req->id;
        env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
        env.error = &err;
        if (!conn_send(req->conn, &env) && req->conn)
            conn_close(req->conn, 0, "cannot send an answer");
    }
}

enum rpc_status rpc_reply(struct rpc_req *req, Yanxiu__V1__Envelope *resp)
{
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

/* vsnprintf into buf[cap]; a cut string ends between characters, never
 * inside one. */
static void format_cut(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void format_cut(char *buf, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, cap, fmt, ap);
    if (n < (int)cap)
        return;
    size_t end = cap - 1; /* the kept bytes are buf[0..end) */
    size_t lead = end;
    while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    lead--; /* the last character starts here */
    unsigned char c = (unsigned char)buf[lead];
    size_t need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (lead + need > end)
        buf[lead] = '\0';
}

enum rpc_status rpc_fail(struct rpc_req *req, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    format_cut(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rpc_fail_violations(req, code, msg, NULL, 0);
}

/* Whether the request carries an idempotency key, with which the server
 * applies it at most once however often it is sent. */
static bool has_idempotency_key(const struct rpc_req *req)
{
    return req->env && req->env->body_case == YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT;
}

/*
 * The database may have committed the request or not (db_outcome's
 * outcome_unknown): UNAVAILABLE with outcome_unknown set, and a message
 * that says so, never that nothing was written.
 */
static enum rpc_status fail_unknown(struct rpc_req *req, const struct db_outcome *out)
{
    const char *name = req->method ? req->method->name : "?";
    rpc_log_warn(req, ": outcome unknown: %s", out->message);
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s: %s; %s", name, out->message,
             has_idempotency_key(req)
                 ? "sending it again with the same idempotency key is safe: the server "
                   "applies a key at most once and answers a repeat as the first time"
                 : "look at the current state before repeating a change");
    Yanxiu__V1__Error err = YANXIU__V1__ERROR__INIT;
    err.code = YANXIU__V1__CODE__UNAVAILABLE;
    err.message = msg;
    err.outcome_unknown = true;
    return send_error(req, &err);
}

enum rpc_status rpc_fail_db(struct rpc_req *req, const struct db_outcome *out)
{
    const char *name = req->method ? req->method->name : "?";
    if (out->code == YANXIU__V1__CODE__UNAUTHENTICATED && req->has_session)
        session_cache_drop(req->session.token_hash);
    if (out->code == YANXIU__V1__CODE__INTERNAL) {
        rpc_log_error(req, ": database error %s: %s%s%s", out->sqlstate, out->message,
                      out->detail[0] ? " DETAIL: " : "", out->detail);
        return rpc_fail(req, out->code,
                        "internal error in %s; the server log has the details (request %llu)", name,
                        (unsigned long long)req->id);
    }
    if (out->outcome_unknown)
        return fail_unknown(req, out);
    if (out->code == YANXIU__V1__CODE__UNAVAILABLE && !out->sqlstate[0])
        return rpc_fail(req, out->code, "%s", out->message);
    if (out->code == YANXIU__V1__CODE__DEADLINE_EXCEEDED)
        return rpc_fail(req, out->code,
                        "%s took longer than the server allows (query_timeout); nothing "
                        "was written",
                        name);
    return rpc_fail(req, out->code, "%s", out->message);
}

enum rpc_status rpc_submit(struct rpc_req *req, struct db_job *job)
{
    switch (db_submit(req->srv->db, job)) {
    case DB_SUBMITTED:
        req->submitted++;
        return RPC_PENDING;
    case DB_QUEUE_FULL:
        return rpc_fail(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED,
                        "the server is busy (database queue full); try again in a moment");
    case DB_DOWN:
    default:
        return rpc_fail(req, YANXIU__V1__CODE__UNAVAILABLE,
                        "the database is not reachable; nothing was done, try again later");
    }
}

void rpc_violation(struct rpc_violations *vs, const char *path, const char *fmt, ...)
{
    vs->total++;
    if (vs->n >= RPC_MAX_VIOLATIONS)
        return;
    Yanxiu__V1__FieldViolation *fv = malloc(sizeof(*fv));
    if (!fv)
        return;
    yanxiu__v1__field_violation__init(fv);
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    format_cut(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    fv->path = strdup(path);
    fv->message = strdup(reason);
    if (!fv->path || !fv->message) {
        free(fv->path);
        free(fv->message);
        free(fv);
        return;
    }
    vs->v[vs->n++] = fv;
}

void rpc_violation_vline(struct rpc_violations *vs, int line, const char *fmt, va_list ap)
{
    char path[32] = "", reason[400];
    if (line > 0)
        snprintf(path, sizeof(path), "line %d", line);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    check_utf8_repair(reason);
    rpc_violation(vs, path, "%s", reason);
}

/* Frees a violation built here: every string of it is malloc'd (or protobuf-c's empty). */
static void violation_free(Yanxiu__V1__FieldViolation *fv)
{
    char **strs[] = {&fv->path,   &fv->message, &fv->file,  &fv->sheet,
                     &fv->column, &fv->header,  &fv->value, &fv->code};
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

#define RPC_MAX_ARGS 8

void rpc_problem(struct rpc_violations *vs, const struct rpc_at *at, const char *code, ...)
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
    va_list ap;
    va_start(ap, code);
    for (const char *name; !oom && (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        if (fv->n_args == RPC_MAX_ARGS) {
            log_error("reason %s has more than %d arguments", code, RPC_MAX_ARGS);
            break;
        }
        Yanxiu__V1__Arg *a = malloc(sizeof(*a));
        if (!a) {
            oom = true;
            break;
        }
        yanxiu__v1__arg__init(a);
        a->name = strdup(name);
        a->value = strdup(value ? value : "");
        fv->args[fv->n_args++] = a;
        oom |= !a->name || !a->value;
    }
    va_end(ap);
    if (oom) {
        violation_free(fv);
        return;
    }
    vs->v[vs->n++] = fv;
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

enum rpc_status rpc_fail_reason(struct rpc_req *req, int code, const char *reason, ...)
{
    struct msg_arg args[RPC_MAX_ARGS];
    Yanxiu__V1__Arg argv[RPC_MAX_ARGS], *argp[RPC_MAX_ARGS];
    size_t n = 0;
    va_list ap;
    va_start(ap, reason);
    for (const char *name; (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        if (n == RPC_MAX_ARGS) {
            log_error("reason %s has more than %d arguments", reason, RPC_MAX_ARGS);
            break;
        }
        args[n] = (struct msg_arg){name, value ? value : ""};
        yanxiu__v1__arg__init(&argv[n]);
        argv[n].name = (char *)args[n].name;
        argv[n].value = (char *)args[n].value;
        argp[n] = &argv[n];
        n++;
    }
    va_end(ap);
    char msg[512];
    render_reason(req->lang, reason, args, n, msg, sizeof(msg));
    Yanxiu__V1__Error err = YANXIU__V1__ERROR__INIT;
    err.code = (Yanxiu__V1__Code)code;
    err.message = msg;
    err.reason = (char *)reason;
    err.args = argp;
    err.n_args = n;
    return send_error(req, &err);
}

enum rpc_status rpc_fail_with(struct rpc_req *req, struct rpc_violations *vs, const char *what)
{
    char msg[256];
    if (vs->total > vs->n)
        snprintf(msg, sizeof(msg), "%s: %zu problems (the first %zu listed); nothing was written",
                 what, vs->total, vs->n);
    else
        snprintf(msg, sizeof(msg), "%s: %zu problem%s; nothing was written", what, vs->total,
                 vs->total == 1 ? "" : "s");
    render_violations(req, vs);
    /* req->pending is the request's own: req_end frees it with the request. */
    bool own = vs == req->pending;
    enum rpc_status st =
        rpc_fail_violations(req, YANXIU__V1__CODE__INVALID_ARGUMENT, msg, vs->v, vs->n);
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
            rpc_fail(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                     "%s: an admin must name the district (6-digit code, --district)",
                     req->method->name);
            return false;
        }
        *district = requested;
        return true;
    }
    if (requested[0] && strcmp(requested, s->district) != 0) {
        rpc_fail(req, YANXIU__V1__CODE__PERMISSION_DENIED,
                 "%s: user %s may act only on district %s, not %s", req->method->name, s->user,
                 s->district, rpc_text_ok(requested, 16) ? requested : "?");
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
        rpc_fail(req, YANXIU__V1__CODE__PERMISSION_DENIED,
                 "%s is not allowed for the %s role (user %s)", req->method->name,
                 session_role_name(req->session.role), req->session.user);
        return;
    }
    run_handler(req);
}

static void session_lookup_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    PGresult *r = out->results[0];
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
        rpc_fail(req, YANXIU__V1__CODE__UNAUTHENTICATED,
                 "the session has expired or was revoked; log in again (yanxiu login)");
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
        rpc_fail(req, YANXIU__V1__CODE__UNAUTHENTICATED,
                 env->session_token.len == 0
                     ? "%s needs a session: log in first (yanxiu login)"
                     : "%s: the session token is malformed; log in again (yanxiu login)",
                 req->method->name);
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

bool rpc_dispatch(struct conn *c, const uint8_t *body, size_t len, char *why, size_t whylen)
{
    struct rpc_req *req = calloc(1, sizeof(*req));
    if (!req) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    frame_budget_init(&req->budget, frame_decode_budget(len));
    req->env = frame_unpack(&req->budget, body, len);
    if (!req->env) {
        snprintf(why, whylen,
                 req->budget.refused
                     ? "the %zu-byte frame decodes to more than the server allows for one request"
                     : "the %zu-byte frame is not a valid Envelope (protocol v1)",
                 len);
        free(req);
        return false;
    }
    req->conn = c;
    req->srv = c->srv;
    /* The audit log wants the address, not the ephemeral port. */
    snprintf(req->peer, sizeof(req->peer), "%s", c->peer);
    char *colon = strrchr(req->peer, ':');
    if (colon)
        *colon = '\0';
    snprintf(req->peer_lane, sizeof(req->peer_lane), "%s", c->addr ? c->addr->name : req->peer);
    req->conn_id = c->id;
    req->id = req->env->request_id;
    TAILQ_INSERT_TAIL(&c->reqs, req, link);
    c->inflight++;
    c->srv->inflight++;

    req->method = method_find(req->env->body_case);
    if (!req->method) {
        if (req->env->body_case == YANXIU__V1__ENVELOPE__BODY__NOT_SET)
            rpc_fail(req, YANXIU__V1__CODE__UNIMPLEMENTED,
                     "the request has no body this server knows (yanxiud %s); is the client "
                     "newer than the server?",
                     YANXIU_VERSION);
        else
            rpc_fail(req, YANXIU__V1__CODE__UNIMPLEMENTED,
                     "body field %d is not a request this server serves", (int)req->env->body_case);
        return true;
    }
    if (req->method->roles == 0) {
        run_handler(req);
        return true;
    }
    rpc_authenticate(req);
    return true;
}
