/*
 * rpc: decoding a request frame, the dispatch table keyed by the
 * Envelope's body case (daemon/methods.def), and answering. Every request
 * is ended exactly once with rpc_reply or rpc_fail_reason, now or later from a
 * database callback; the request may outlive its connection (req->conn
 * becomes NULL) and then the answer is dropped.
 */
#ifndef YANXIU_RPC_H
#define YANXIU_RPC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "db.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "session.h"
#include "yx_common.h"

struct conn;
struct http_call;
struct server;
struct rpc_req;
struct rpc_violations;
struct layout;
struct rpc_detour;

/*
 * What a handler did with its request: RPC_ANSWERED, it is ended (answered,
 * and freed: req is gone); RPC_PENDING, a job was submitted whose callback
 * (or the shared failure path) will answer it. The answering functions
 * below return the status to hand back (`return rpc_fail_reason(req, ...);`).
 */
enum rpc_status { RPC_ANSWERED, RPC_PENDING };

typedef enum rpc_status (*rpc_handler)(struct rpc_req *req) YX_MUST_CHECK;

/* Every handler of daemon/methods.def (each defined in its daemon/rpc_<area>.c). */
#define YX_METHOD(body, name, roles, fn) enum rpc_status fn(struct rpc_req *req) YX_MUST_CHECK;
#include "methods.def"

struct rpc_method {
    Yanxiu__V1__Envelope__BodyCase body; /* the request's oneof case */
    const char *name;                    /* for logs, e.g. "Ping" */
    rpc_handler fn;
    unsigned roles; /* enum role bits allowed to call; 0: no session needed */
};

struct rpc_req {
    TAILQ_ENTRY(rpc_req) link; /* in conn->reqs */
    struct conn *conn;         /* NULL once the connection is gone (and over HTTP) */
    /* Or the HTTP exchange it came in (daemon/http.c), ended with the request;
     * http_call_here says whether its client is still there. */
    struct http_call *http;
    struct server *srv;
    unsigned long long conn_id;
    uint64_t id;
    const struct rpc_method *method;
    Yanxiu__V1__Envelope *env; /* the decoded request, freed with the request */
    struct frame_budget budget;
    struct timespec start;
    char peer[64]; /* client address, for the audit log */
    /* The address as the connection caps count it (IPv6 by its /64): the
     * login hash queue's lane, so that a /64 cannot take a lane per host. */
    char peer_lane[64];
    bool has_session;
    struct session session; /* the caller, when has_session */
    /* Violations a handler found before its database round, to be answered
     * together with the database's; freed with the request. */
    struct rpc_violations *pending;
    /* The job in flight (rpc_job_for): its success callback, the argument
     * it is given, and what frees that argument when the job failed. */
    db_done_fn done;
    void *done_arg;
    void (*done_drop)(void *arg);
    unsigned submitted; /* jobs submitted for the request, for dispatch's check */
    enum msg_lang lang; /* of the messages answered: the connection's (Hello) */
    /* The rows read from the request's files (daemon/layout.c), freed with the request. */
    struct layout *layout;
    /* A handler run on behalf of another (struct rpc_detour), NULL as a rule. */
    struct rpc_detour *detour;
};

/*
 * A request that runs another method's handler and uses its answer (the
 * Workbook request runs a view's handler, daemon/rpc_workbook.c): while the
 * handler runs, req->env is the detour's own request for it. Its successful
 * answer goes to answer(req, resp) instead of the client, once, with the
 * request still open (answer must end it, now or later; resp and what it
 * points to are gone when answer returns); an error is answered to the
 * client as the handler's own. When the request ends, req->env becomes `env`
 * (the request as it came) again and drop(detour) is called.
 */
struct rpc_detour {
    enum rpc_status (*answer)(struct rpc_req *req, Yanxiu__V1__Envelope *resp);
    void (*drop)(struct rpc_detour *d);
    Yanxiu__V1__Envelope *env;
};

TAILQ_HEAD(rpc_req_list, rpc_req);

/*
 * Log lines about a request (as pgbouncer's slog_*): "request conn=C
 * peer=ADDR user=U id=I method=M" (user "-" before a session) and the message, which starts with
 * its own separator (": why" or " code=..."). The level is tested before anything is formatted.
 */
#define rpc_log(lvl, req, fmt, ...)                                                                \
    log_at((lvl), "request conn=%llu peer=%s user=%s id=%llu method=%s" fmt, (req)->conn_id,       \
           (req)->peer, (req)->has_session ? (req)->session.user : "-",                            \
           (unsigned long long)(req)->id, (req)->method ? (req)->method->name : "?",               \
           ##__VA_ARGS__)
#define rpc_log_error(req, ...) rpc_log(LOG_ERROR, req, __VA_ARGS__)
#define rpc_log_warn(req, ...)  rpc_log(LOG_WARN, req, __VA_ARGS__)
#define rpc_log_info(req, ...)  rpc_log(LOG_INFO, req, __VA_ARGS__)

/*
 * Decodes one frame body from `c` and runs its handler. Before the
 * connection's Hello, any other request is refused (FAILED_PRECONDITION,
 * hello_required). Returns false when the body is not an Envelope: the
 * connection has been closed (conn_close_reason, INVALID_ARGUMENT).
 */
bool rpc_dispatch(struct conn *c, const uint8_t *body, size_t len) YX_MUST_CHECK;

/*
 * The HTTP side of the same path (daemon/http.c): rpc_decode unpacks one
 * Envelope under the request budget into a request that is not started yet
 * (NULL with the reason code in *reason: frame_invalid, frame_over_budget,
 * out_of_memory); the caller may look at it (rpc_needs_session), give it a
 * session token (rpc_set_session_token, false on out-of-memory), and then
 * either frees it (rpc_discard) or starts it (rpc_start_http), which runs it
 * exactly as rpc_dispatch does a frame, as after a Hello. From then on the
 * request belongs to the rpc layer and its answer goes to http_call_answer.
 */
struct rpc_req *rpc_decode(struct server *srv, const uint8_t *body, size_t len,
                           const char **reason) YX_MUST_CHECK;
bool rpc_needs_session(const struct rpc_req *req);
bool rpc_set_session_token(struct rpc_req *req, const uint8_t *token) YX_MUST_CHECK;
void rpc_discard(struct rpc_req *req);
void rpc_start_http(struct rpc_req *req, struct http_call *call, unsigned long long call_id,
                    const char *peer, const char *peer_lane, enum msg_lang lang);

/* Answers with `resp` (its request_id is set here); ends the request.
 * Returns RPC_ANSWERED. */
enum rpc_status rpc_reply(struct rpc_req *req, Yanxiu__V1__Envelope *resp);

/* Answers with an Error carrying field violations; ends the request.
 * Returns RPC_ANSWERED. */
enum rpc_status rpc_fail_violations(struct rpc_req *req, int code, const char *message,
                                    Yanxiu__V1__FieldViolation **v, size_t n);

/*
 * Answers a failed database job: the SQLSTATE's code and, for errors our
 * own SQL raised, its message; internal errors are logged in full and the
 * client told only the request id to quote. A job whose outcome is unknown
 * (the connection was lost after its Sync) is answered UNAVAILABLE with
 * Error.outcome_unknown set, never as "not committed". Returns RPC_ANSWERED.
 */
enum rpc_status rpc_fail_db(struct rpc_req *req, const struct db_outcome *out);

/*
 * Submits a job for the request to the pool `srv->db`. Returns
 * RPC_PENDING when submitted; on refusal (queue full, database down) the
 * request is answered here (RESOURCE_EXHAUSTED / UNAVAILABLE) and
 * RPC_ANSWERED is returned; the job is freed either way by the pool.
 */
enum rpc_status rpc_submit(struct rpc_req *req, struct db_job *job);

/*
 * A job for the request with no statement yet, on any pool. Its callback
 * `fn(arg, out)` is called for success only (out->ok): a failed job is
 * answered by rpc_fail_db, after `drop(arg)` when drop is not NULL (it frees
 * what arg holds; the request is still alive then). One job per request at
 * a time. NULL on out-of-memory.
 */
struct db_job *rpc_job_for(struct rpc_req *req, db_done_fn fn, void *arg,
                           void (*drop)(void *arg)) YX_MUST_CHECK;

/*
 * A job for an authenticated request: its first statement is
 * session_begin(token), which re-checks the session in the database and
 * keeps the token for this transaction, from which the row-level wall finds
 * the caller (the token comes from req->env, alive until the answer). The
 * handler's own results therefore start at index RPC_FIRST_RESULT. `fn`
 * gets the request as its argument, for success only (as rpc_job_for).
 */
#define RPC_FIRST_RESULT 1
struct db_job *rpc_job_new(struct rpc_req *req, db_done_fn fn) YX_MUST_CHECK;

/*
 * The common case: one statement after session_begin. Builds the job,
 * submits it, and on any failure answers the request itself; `fn` then
 * finds its results at RPC_FIRST_RESULT. Returns rpc_submit's status
 * (RPC_ANSWERED when it answered).
 */
enum rpc_status rpc_query(struct rpc_req *req, db_done_fn fn, const char *stmt, int n,
                          const char *const *values);

/*
 * Like rpc_query, for `nstmts` statements that all take the same `n`
 * parameters, run in one transaction; their results follow one another
 * from RPC_FIRST_RESULT.
 */
enum rpc_status rpc_run(struct rpc_req *req, db_done_fn fn, const char *const *stmts, size_t nstmts,
                        int n, const char *const *values);

/* Answers RESOURCE_EXHAUSTED "out of memory"; ends the request. Returns
 * RPC_ANSWERED. */
enum rpc_status rpc_fail_oom(struct rpc_req *req);

/*
 * Answers an import whose SQL function returned problems (idx, field, code,
 * args) and counts, one row per problem and argument (layout_db_problems):
 * every problem, at the cell "<list>[idx].<field>" came from (req->layout) or
 * at that path, is added to `vs` (the handler's own, or NULL) and answered as
 * INVALID_ARGUMENT; with none, the row of idx -1 is the ImportResult (all
 * zero when there is none: a check_only import). Ends the request; returns
 * RPC_ANSWERED.
 */
enum rpc_status rpc_answer_import(struct rpc_req *req, const PGresult *r, const char *list,
                                  struct rpc_violations *vs, const char *what);

/*
 * Field violations collected while validating a request: at most
 * RPC_MAX_VIOLATIONS are kept (the total is still counted).
 */
#define RPC_MAX_VIOLATIONS 1000
struct rpc_violations {
    Yanxiu__V1__FieldViolation *v[RPC_MAX_VIOLATIONS];
    size_t n;
    size_t total;
};

/* Where a problem is, for rpc_problem: NULL (or 0) for what does not apply. */
struct rpc_at {
    const char *path;   /* a structured request's field: "attendance[17].status" */
    const char *file;   /* an uploaded file's name */
    const char *sheet;  /* its sheet */
    unsigned row;       /* 1-based, as Excel shows it (the CSV line); 0: none */
    unsigned col;       /* 1-based; sent as its letter ("C"); 0: none */
    const char *header; /* the column's header as the file spells it */
    const char *value;  /* the value as written */
};

/*
 * Adds the violation `code` (daemon/reasons.def) at `at`, with the template's
 * arguments as pairs of strings (name, value), ended by NULL. Everything is
 * copied. Its message is rendered when the request is answered, in the
 * connection's language. A code missing from reasons.def is a bug: it is
 * logged and answered with the code as its message.
 */
void rpc_problem(struct rpc_violations *vs, const struct rpc_at *at, const char *code, ...)
    __attribute__((sentinel));

/*
 * Moves every violation of src to dst (src is left empty), each named as a
 * part of a larger request: its path prefixed with `prefix` ("reports[3]"),
 * its unit_code and month set (a batch's report).
 */
void rpc_violations_move(struct rpc_violations *dst, struct rpc_violations *src, const char *prefix,
                         const char *unit, const char *month);

/* rpc_problem with the arguments as a va_list. */
void rpc_vproblem(struct rpc_violations *vs, const struct rpc_at *at, const char *code, va_list ap);

/* rpc_problem at line `line` of a text file the request carries (an INI file):
 * path "line N" and row N; neither when line <= 0 (the file as a whole). */
void rpc_problem_line(struct rpc_violations *vs, int line, const char *code, ...)
    __attribute__((sentinel));

/*
 * Adds the violation a problem row of our SQL describes: `json` is a flat
 * JSON object {"code": "<reason code>", "<arg>": value, ...}, as
 * json_build_object writes it. False (logged, nothing added) when it is not.
 */
bool rpc_problem_json(struct rpc_violations *vs, const struct rpc_at *at,
                      const char *json) YX_MUST_CHECK;

/*
 * Answers an Error with `code` (Code) and the reason `reason` (reasons.def)
 * with its arguments (pairs, ended by NULL), its message rendered in the
 * connection's language; ends the request. Returns RPC_ANSWERED.
 */
enum rpc_status rpc_fail_reason(struct rpc_req *req, int code, const char *reason, ...)
    __attribute__((sentinel));

/* rpc_fail_reason with the arguments as a va_list (pairs ended by NULL). */
enum rpc_status rpc_fail_vreason(struct rpc_req *req, int code, const char *reason, va_list ap);

/*
 * An Error of the reason `reason` (daemon/reasons.def) with its arguments
 * (pairs of strings ended by NULL, referenced, not copied), its message
 * rendered in `lang`: what rpc_fail_reason and conn_close_reason send. The
 * Error points into *b, which must outlive it.
 */
#define RPC_MAX_ARGS 8
struct rpc_reason_buf {
    Yanxiu__V1__Arg argv[RPC_MAX_ARGS];
    Yanxiu__V1__Arg *argp[RPC_MAX_ARGS];
    char message[512];
};
void rpc_reason_error(Yanxiu__V1__Error *err, struct rpc_reason_buf *b, enum msg_lang lang,
                      int code, const char *reason, va_list ap);

/*
 * A text our SQL stores with its reason code, a flat JSON object {"code": "flag_overlap",
 * "date": "2026-10-09", ...} (a flag's detail), as a person reads it in `lang`, into buf[cap].
 * A text that is not such an object (written before it was coded) is copied as it is.
 */
void rpc_render_coded(enum msg_lang lang, const char *text, char *buf, size_t cap);

/* Answers INVALID_ARGUMENT with the violations, then frees them (req->pending
 * with the request); ends the request: req is gone after the call. */
enum rpc_status rpc_fail_with(struct rpc_req *req, struct rpc_violations *vs, const char *what);

/* Frees collected violations without answering. */
void rpc_violations_free(struct rpc_violations *vs);

/* True when s is valid UTF-8 without control characters and at most max bytes. */
bool rpc_text_ok(const char *s, size_t max);

/* A value of the request to quote in a message: s when rpc_text_ok(s, 200), else "?". */
const char *rpc_quote(const char *s);

/*
 * A page of a long list (the web console; the CLI asks for every row: limit 0):
 * at most RPC_PAGE_MAX_ROWS rows after `offset` rows, and `search` (NULL when
 * the list has none: a code or a part of a name) of at most RPC_PAGE_MAX_SEARCH
 * characters. Writes limit and offset as text for the statement's LIMIT
 * nullif($n::int, 0) OFFSET $m::int. On false the request has been answered
 * (page_limit_invalid, page_search_invalid).
 */
#define RPC_PAGE_MAX_ROWS   1000
#define RPC_PAGE_MAX_SEARCH 64
#define RPC_PAGE_MAX_OFFSET 10000000
bool rpc_page_params(struct rpc_req *req, uint32_t limit, uint32_t offset, const char *search,
                     char limit_text[12], char offset_text[12]) YX_MUST_CHECK;

/*
 * The district a request acts on. Admin must name one (6 digits); district
 * and school roles act on their own and may only repeat it. On false the
 * request has been answered (INVALID_ARGUMENT / PERMISSION_DENIED).
 */
bool rpc_scope_district(struct rpc_req *req, const char *requested,
                        const char **district) YX_MUST_CHECK;

/* Registers the statements of every handler module (before db_pool_new). */
void rpc_register_statements(void);

/* Orphans all requests of a closing connection. */
void rpc_detach_all(struct rpc_req_list *reqs);

#endif
