/*
 * rpc_bulk: the historical import in bulk (批量历史导入). A district taking up
 * yanxiu in the middle of a year loads the months before by the hundred: each
 * report of the batch is checked exactly as SubmitReport checks it
 * (report_submit_add) and all of them are written by report_submit in the one
 * transaction of one job, all or nothing (sql/functions/bulk.sql).
 */
#include "rpc_bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layout.h"
#include "pgarr.h"
#include "rowmap.h"
#include "rpc_report.h"

#define MAX_BATCH_REPORTS 500

static const struct db_stmt bulk_stmts[] = {
    /* After the batch's report_submit calls: every report's version, or the error
     * report_batch_problems when one of them was not written (it had problems). */
    {"bulk_written", "SELECT * FROM bulk_written($1, $2::text[])"},
    /* Before them: the ledger's changes wait for the commit and are moved at once. */
    {"ledger_batch_begin", "SELECT ledger_batch_begin()"},
};

void rpc_bulk_register(void)
{
    db_register(bulk_stmts, sizeof(bulk_stmts) / sizeof(bulk_stmts[0]));
}

/* One report of the batch. */
struct batch_item {
    const Yanxiu__V1__SubmitReportRequest *in;
    char month[16];   /* "YYYY-MM-01" */
    bool sent;        /* its report_submit is in the job (unit and month well-formed) */
    struct layout *L; /* the rows of its files, or NULL */
};

/* A batch in the making, the request's detour (rpc.h): freed with the request. */
struct batch {
    struct rpc_detour detour; /* first */
    struct rpc_req *req;
    const char *district;
    struct batch_item *items;
    size_t n;
    size_t reading; /* the report whose files are being read */
    bool check_only;
};

static void batch_drop(struct rpc_detour *d)
{
    struct batch *b = (struct batch *)d;
    for (size_t i = 0; i < b->n; i++)
        layout_free(b->items[i].L);
    free(b->items);
    free(b);
}

/* Moves the problems of report i (in `one`) into the request's, naming the report. */
static void take_problems(struct batch *b, size_t i, struct rpc_violations *one)
{
    const Yanxiu__V1__SubmitReportRequest *in = b->items[i].in;
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "reports[%zu]", i);
    rpc_violations_move(b->req->pending, one, prefix, rpc_quote(in->unit_code),
                        rpc_quote(in->month));
}

/* A problem of report i as a whole (at its field `field`). */
static void item_problem(struct batch *b, size_t i, const char *field, const char *value,
                         const char *code, const char *k1, const char *v1, const char *k2,
                         const char *v2)
{
    struct rpc_violations one = {0};
    rpc_problem(&one, &(struct rpc_at){.path = field, .value = value}, code, k1, v1, k2, v2, NULL);
    take_problems(b, i, &one);
}

/* A job of the batch: session_begin first (as rpc_job_new), `fn` called for its
 * failure as well as its success. */
static struct db_job *batch_job(struct batch *b, db_done_fn fn)
{
    struct db_job *job = db_job_new(fn, b);
    const char *v[] = {(const char *)b->req->env->session_token.data};
    int len[] = {SESSION_TOKEN_BYTES};
    int fmt[] = {1};
    if (job && !db_job_add_bin(job, "session_begin", 1, v, len, fmt)) {
        db_job_free(job);
        return NULL;
    }
    return job;
}

/*
 * Appends every well-formed report's report_submit to job (checking only when
 * check_only); their problems go to the request's when `keep`, else are
 * dropped (a second pass). False on out-of-memory.
 */
static bool add_reports(struct batch *b, struct db_job *job, bool check_only, bool keep)
{
    for (size_t i = 0; i < b->n; i++) {
        struct batch_item *it = &b->items[i];
        if (!it->sent)
            continue;
        struct rpc_violations one = {0};
        const struct report_submission s = {
            b->district, it->in->unit_code, b->req->peer, it->month, it->in, it->L};
        bool co = check_only;
        bool ok = report_submit_add(job, &s, &one, &co);
        if (keep)
            take_problems(b, i, &one);
        else
            rpc_violations_free(&one);
        if (!ok)
            return false;
    }
    return true;
}

static void check_done(void *arg, const struct db_outcome *out);

/* Runs every report's checks in the database, writing nothing, to answer them all. */
static enum rpc_status submit_checks(struct batch *b)
{
    struct db_job *job = batch_job(b, check_done);
    if (!job || !add_reports(b, job, true, false)) {
        db_job_free(job);
        return rpc_fail_oom(b->req);
    }
    return rpc_submit(b->req, job);
}

/* The reports' database checks: every problem answered with its report, or (check_only) the
 * batch as checked. */
static void check_done(void *arg, const struct db_outcome *out)
{
    struct batch *b = arg;
    struct rpc_req *req = b->req;
    if (!out->ok) {
        (void)rpc_fail_db(req, out);
        return;
    }
    int k = RPC_FIRST_RESULT;
    for (size_t i = 0; i < b->n; i++) {
        if (!b->items[i].sent)
            continue;
        struct rpc_violations one = {0};
        layout_db_problems(&one, b->items[i].L, out->results[k++], NULL);
        take_problems(b, i, &one);
    }
    if (req->pending->total) {
        (void)rpc_fail_with(req, req->pending, "batch");
        return;
    }
    if (!b->check_only) { /* the write found a problem that the checks no longer see */
        (void)rpc_fail_reason(req, YANXIU__V1__CODE__UNAVAILABLE, "report_batch_changed", NULL);
        return;
    }
    Yanxiu__V1__ReportSummary *msgs = calloc(b->n + 1, sizeof(*msgs));
    Yanxiu__V1__ReportSummary **v = calloc(b->n + 1, sizeof(*v));
    if (!msgs || !v) {
        free(msgs);
        free(v);
        (void)rpc_fail_oom(req);
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct batch_item *it = &b->items[i];
        Yanxiu__V1__ReportSummary *s = &msgs[i];
        yanxiu__v1__report_summary__init(s);
        s->unit_code = it->in->unit_code;
        s->month = it->in->month;
        s->empty = it->in->empty;
        s->activity_count = (uint32_t)(it->L ? it->L->n_activities : it->in->n_activities);
        s->attendance_count = (uint32_t)(it->L ? it->L->n_attendance : it->in->n_attendance);
        s->external_count = (uint32_t)(it->L ? it->L->n_external : it->in->n_external);
        s->checked = true;
        v[i] = s;
    }
    Yanxiu__V1__SubmitBatchReply reply = YANXIU__V1__SUBMIT_BATCH_REPLY__INIT;
    reply.reports = v;
    reply.n_reports = b->n;
    reply.checked = true;
    (void)rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_BATCH_REPLY, &reply.base);
    free(msgs);
    free(v);
}

/* The batch written (every report's version, in order), or not written because a report
 * had problems: then its checks run again to list them. */
static void write_done(void *arg, const struct db_outcome *out)
{
    struct batch *b = arg;
    struct rpc_req *req = b->req;
    if (!out->ok) {
        if (strcmp(out->sqlstate, "YXINV") == 0 &&
            strcmp(out->message, "report_batch_problems") == 0)
            (void)submit_checks(b);
        else
            (void)rpc_fail_db(req, out);
        return;
    }
    const PGresult *r = out->results[out->nresults - 1];
    struct rowmap_rows rows = {0};
    if (!rowmap_get_rows(req, r, &yanxiu__v1__report_summary__descriptor, &rows))
        return;
    Yanxiu__V1__SubmitBatchReply reply = YANXIU__V1__SUBMIT_BATCH_REPLY__INIT;
    reply.reports = (Yanxiu__V1__ReportSummary **)rows.msgs;
    reply.n_reports = rows.n;
    for (size_t i = 0; i < rows.n; i++) {
        if (reply.reports[i]->replayed)
            reply.replayed++;
        else
            reply.written++;
    }
    (void)rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_BATCH_REPLY, &reply.base);
    rowmap_rows_free(&rows);
}

/* Every report's files read: the sizes, then the checks, then the one job. */
static enum rpc_status batch_checked(struct rpc_req *req)
{
    struct batch *b = (struct batch *)req->detour;
    size_t total_att = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct batch_item *it = &b->items[i];
        size_t n_acts = it->L ? it->L->n_activities : it->in->n_activities;
        size_t n_att = it->L ? it->L->n_attendance : it->in->n_attendance;
        size_t n_ext = it->L ? it->L->n_external : it->in->n_external;
        total_att += n_att;
        if (n_acts > MAX_ACTIVITIES || n_att > MAX_ATTENDANCE || n_ext > MAX_EXTERNAL) {
            char i_[24], a[24], t[24];
            snprintf(i_, sizeof(i_), "%zu", i);
            snprintf(a, sizeof(a), "%zu", n_acts);
            snprintf(t, sizeof(t), "%zu", n_att);
            return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED,
                                   "report_batch_report_too_large", "index", i_, "unit",
                                   rpc_quote(it->in->unit_code), "month", rpc_quote(it->in->month),
                                   "activities", a, "attendance", t, NULL);
        }
    }
    if (total_att > MAX_ATTENDANCE) {
        char n[24], t[24], mr[24], mt[24];
        snprintf(n, sizeof(n), "%zu", b->n);
        snprintf(t, sizeof(t), "%zu", total_att);
        snprintf(mr, sizeof(mr), "%d", MAX_BATCH_REPORTS);
        snprintf(mt, sizeof(mt), "%d", MAX_ATTENDANCE);
        return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "report_batch_too_large",
                               "reports", n, "attendance", t, "max_reports", mr, "max_attendance",
                               mt, NULL);
    }
    /* The write, each report checking only when it had a problem here; with any problem
     * the batch is only checked, in a second pass that adds no problem twice. */
    struct db_job *job = batch_job(b, write_done);
    bool ok = job && db_job_add(job, "ledger_batch_begin", 0, NULL) &&
              add_reports(b, job, b->check_only, true);
    if (ok && (b->check_only || req->pending->total)) {
        db_job_free(job);
        return submit_checks(b);
    }
    struct pgarr keys;
    pgarr_init(&keys);
    for (size_t i = 0; i < b->n; i++)
        pgarr_text(&keys, b->items[i].in->idempotency_key);
    const char *v[] = {b->district, pgarr_finish(&keys)};
    ok = ok && v[1] && db_job_add(job, "bulk_written", 2, v);
    pgarr_free(&keys);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/* The files of the reports, one report at a time on the upload workers (layout_upload);
 * each report's rows are kept with it. */
static enum rpc_status read_next(struct rpc_req *req)
{
    struct batch *b = (struct batch *)req->detour;
    if (req->layout) { /* the rows of report b->reading */
        b->items[b->reading].L = req->layout;
        req->layout = NULL;
        b->reading++;
    }
    while (b->reading < b->n && (!b->items[b->reading].sent || !b->items[b->reading].in->n_files))
        b->reading++;
    if (b->reading == b->n)
        return batch_checked(req);
    const Yanxiu__V1__SubmitReportRequest *in = b->items[b->reading].in;
    return layout_upload(req, LAYOUT_REPORT, in->files, in->n_files, false, read_next);
}

/* Whether report i of the batch can be sent at all: its unit, month, district and
 * submission time; its problems otherwise. Also the rows given beside files. */
static bool item_ok(struct batch *b, size_t i)
{
    const Yanxiu__V1__SubmitReportRequest *in = b->items[i].in;
    bool ok = true;
    if (!check_digits(in->unit_code, 10)) {
        item_problem(b, i, "unit_code", in->unit_code, "report_unit_required", NULL, NULL, NULL,
                     NULL);
        ok = false;
    }
    if (!check_month(in->month, NULL, NULL)) {
        item_problem(b, i, "month", in->month, "report_month_bad", "value", rpc_quote(in->month),
                     NULL, NULL);
        ok = false;
    }
    if (in->district_code[0] && strcmp(in->district_code, b->district) != 0) {
        item_problem(b, i, "district_code", in->district_code, "report_batch_district", "value",
                     rpc_quote(in->district_code), "district", b->district);
        ok = false;
    }
    if (!in->submitted_at[0])
        item_problem(b, i, "submitted_at", "", "report_batch_submitted_at_required", NULL, NULL,
                     NULL, NULL);
    if (in->n_files && (in->n_activities || in->n_attendance || in->n_external)) {
        item_problem(b, i, "files", "", "upload_mixed", NULL, NULL, NULL, NULL);
        ok = false;
    }
    if (ok)
        snprintf(b->items[i].month, sizeof(b->items[i].month), "%s-01", in->month);
    return ok;
}

/* The same unit and month, or the same key, twice in the batch: a problem at the second. */
static bool dup_problems(struct batch *b)
{
    struct check_code_at *months = calloc(b->n + 1, sizeof(*months));
    struct check_code_at *keys = calloc(b->n + 1, sizeof(*keys));
    char **um = calloc(b->n + 1, sizeof(*um));
    bool ok = months && keys && um;
    size_t nm = 0;
    for (size_t i = 0; ok && i < b->n; i++) {
        const Yanxiu__V1__SubmitReportRequest *in = b->items[i].in;
        keys[i] = (struct check_code_at){in->idempotency_key, i};
        if (!b->items[i].sent)
            continue;
        size_t len = strlen(in->unit_code) + strlen(in->month) + 2;
        if (!(um[i] = malloc(len)))
            ok = false;
        else {
            snprintf(um[i], len, "%s %s", in->unit_code, in->month);
            months[nm++] = (struct check_code_at){um[i], i};
        }
    }
    if (ok) {
        qsort(months, nm, sizeof(*months), check_code_at_cmp);
        qsort(keys, b->n, sizeof(*keys), check_code_at_cmp);
        for (size_t i = 1; i < nm; i++)
            if (strcmp(months[i].code, months[i - 1].code) == 0) {
                char first[24];
                snprintf(first, sizeof(first), "%zu", months[i - 1].row);
                item_problem(b, months[i].row, "month", b->items[months[i].row].in->month,
                             "report_batch_month_twice", "first", first, NULL, NULL);
            }
        for (size_t i = 1; i < b->n; i++)
            if (keys[i].code[0] && strcmp(keys[i].code, keys[i - 1].code) == 0) {
                char first[24];
                snprintf(first, sizeof(first), "%zu", keys[i - 1].row);
                item_problem(b, keys[i].row, "idempotency_key", "", "report_batch_key_twice",
                             "first", first, NULL, NULL);
            }
    }
    for (size_t i = 0; um && i < b->n; i++)
        free(um[i]);
    free(um);
    free(months);
    free(keys);
    return ok;
}

enum rpc_status rpc_bulk_submit(struct rpc_req *req)
{
    const Yanxiu__V1__SubmitBatchRequest *in = req->env->submit_batch;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    if (!in->n_reports || in->n_reports > MAX_BATCH_REPORTS) {
        char n[24], max[24];
        snprintf(n, sizeof(n), "%zu", in->n_reports);
        snprintf(max, sizeof(max), "%d", MAX_BATCH_REPORTS);
        return rpc_fail_reason(req,
                               in->n_reports ? YANXIU__V1__CODE__RESOURCE_EXHAUSTED
                                             : YANXIU__V1__CODE__INVALID_ARGUMENT,
                               "report_batch_count", "reports", n, "max", max, NULL);
    }
    struct batch *b = calloc(1, sizeof(*b));
    struct batch_item *items = calloc(in->n_reports, sizeof(*items));
    struct rpc_violations *vs = calloc(1, sizeof(*vs));
    if (!b || !items || !vs) {
        free(b);
        free(items);
        free(vs);
        return rpc_fail_oom(req);
    }
    *b = (struct batch){.detour = {NULL, batch_drop, req->env},
                        .req = req,
                        .district = district,
                        .items = items,
                        .n = in->n_reports,
                        .check_only = in->check_only};
    req->detour = &b->detour;
    req->pending = vs;
    for (size_t i = 0; i < b->n; i++) {
        items[i].in = in->reports[i];
        items[i].sent = item_ok(b, i);
    }
    if (!dup_problems(b))
        return rpc_fail_oom(req);
    return read_next(req);
}
