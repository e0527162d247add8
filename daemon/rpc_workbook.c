/*
 * rpc_workbook: a workbook made by the daemon (see rpc_workbook.h). The view
 * runs on a detour (rpc.h): its handler checks scope and runs its statements
 * as for its own request, and its answer comes here packed, to be laid out by
 * a worker of srv->books in the request's language.
 */
#include "rpc_workbook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "lang.h"
#include "rpc_compliance.h"
#include "server.h"
#include "text.h"
#include "workbook.h"
#include "workpool.h"

/* A workbook in the making: the detour while the view runs, then the worker's job. */
struct wb_job {
    struct rpc_detour detour; /* first: the detour is the job */
    struct rpc_req *req;
    Yanxiu__V1__WorkbookKind kind;
    enum msg_lang lang;
    size_t max_bytes;
    /* The view's request (req->env while it runs). */
    Yanxiu__V1__Envelope env;
    Yanxiu__V1__ComplianceQuery query;
    Yanxiu__V1__ListRosterRequest roster;
    Yanxiu__V1__TeacherHistoryRequest history;
    char unit[16];  /* REPORT_TEMPLATE: whose roster */
    char month[8];  /* REPORT_TEMPLATE: the month in the file's name */
    char code[40];  /* TEACHER_HISTORY: the teacher code */
    char period[8]; /* the year (or month) in the file's name */
    /* The view's answer, packed (the worker unpacks its own copy). */
    const ProtobufCMessageDescriptor *answer_type;
    uint8_t *answer;
    size_t answer_len;
    /* What the worker made: the workbook's bytes, or why not. */
    uint8_t *data;
    size_t len;
    bool too_large;
    char err[1200];
};

static void job_free(struct wb_job *j)
{
    free(j->answer);
    free(j->data);
    free(j);
}

static void detour_drop(struct rpc_detour *d)
{
    job_free((struct wb_job *)d);
}

void rpc_workbook_drop(void *arg)
{
    /* As an upload's (layout_upload_drop): the request is not ended at shutdown. */
    job_free(arg);
}

/* ---- the worker ---------------------------------------------------------------------------- */

/* On a worker: the workbook into a private temporary directory, read back, removed. */
static void wb_work(void *arg)
{
    struct wb_job *j = arg;
    lang_set(j->lang);
    ProtobufCMessage *answer = NULL;
    if (j->answer_type) {
        answer = protobuf_c_message_unpack(j->answer_type, NULL, j->answer_len, j->answer);
        if (!answer) {
            snprintf(j->err, sizeof(j->err), "the view's answer does not unpack");
            return;
        }
    }
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof(dir), "%s/yanxiud-workbook-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(j->err, sizeof(j->err), "mkdtemp %s: %s", dir, strerror(errno));
        protobuf_c_message_free_unpacked(answer, NULL);
        return;
    }
    snprintf(path, sizeof(path), "%s/workbook.xlsx", dir);
    const struct workbook_params p = {.cycle = j->query.cycle, .unit = j->unit, .code = j->code};
    if (workbook_write(path, j->kind, answer, &p, j->err, sizeof(j->err))) {
        if (text_read_file(path, j->max_bytes, &j->data, &j->len))
            j->err[0] = '\0';
        else if (errno == EFBIG)
            j->too_large = true;
        else
            snprintf(j->err, sizeof(j->err), "reading %s back: %s", path, strerror(errno));
        unlink(path);
    } else if (!j->err[0]) {
        snprintf(j->err, sizeof(j->err), "the workbook was not written");
    }
    rmdir(dir);
    protobuf_c_message_free_unpacked(answer, NULL);
}

/* ---- back on the loop ------------------------------------------------------------------------ */

/* The file's name, in the request's language (2026-12月报.xlsx, T0001登记手册.xlsx). */
static void file_name(const struct wb_job *j, char *buf, size_t cap)
{
    const char *tmpl = "workbook.xlsx";
    switch (j->kind) {
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE:
        tmpl = N_("{month} monthly report.xlsx");
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_ROSTER_TEMPLATE:
        tmpl = N_("roster.xlsx");
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_TEACHERS:
        tmpl = N_("{year} teacher hours.xlsx");
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_UNITS:
        tmpl = N_("{year} compliance by unit.xlsx");
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORTING_RATES:
        tmpl = N_("reporting rates {year}.xlsx");
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_TEACHER_HISTORY:
        tmpl = N_("{teacher} training record.xlsx");
        break;
    default:
        break;
    }
    const struct msg_arg a[] = {{"month", j->month}, {"year", j->period}, {"teacher", j->code}};
    msg_render(buf, cap, msg_get(j->lang, tmpl), a, 3);
}

static void wb_done(void *arg)
{
    struct wb_job *j = arg;
    struct rpc_req *req = j->req;
    if (j->too_large) {
        char size[24], max[24];
        snprintf(size, sizeof(size), "%zu", j->len);
        snprintf(max, sizeof(max), "%zu", j->max_bytes);
        rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "workbook_too_large", "size",
                        size, "max", max, NULL);
        return;
    }
    if (!j->data) {
        rpc_log_error(req, ": workbook: %s", j->err);
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
        rpc_fail_reason(req, YANXIU__V1__CODE__INTERNAL, "internal_error", "request_id", id, NULL);
        return;
    }
    char name[200];
    file_name(j, name, sizeof(name));
    Yanxiu__V1__FileData f = YANXIU__V1__FILE_DATA__INIT;
    f.name = name;
    f.content_type = WORKBOOK_XLSX_TYPE;
    f.data.data = j->data;
    f.data.len = j->len;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_FILE;
    env.file = &f;
    rpc_reply(req, &env); /* frees j with the request */
}

/* Hands the job to a worker. Returns RPC_PENDING, or RPC_ANSWERED after answering. */
static enum rpc_status make(struct rpc_req *req, struct wb_job *j)
{
    struct workpool *wp = req->srv->books;
    if (!wp) { /* a server without the pool (the fuzzers): make it here */
        wb_work(j);
        wb_done(j);
        return RPC_ANSWERED;
    }
    enum workpool_status st = workpool_submit(wp, wb_work, wb_done, j);
    if (st == WORKPOOL_QUEUED) {
        req->submitted++;
        return RPC_PENDING;
    }
    if (st == WORKPOOL_NO_MEMORY)
        return rpc_fail_oom(req);
    char busy[24];
    snprintf(busy, sizeof(busy), "%d", workpool_busy(wp));
    return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "workbook_busy", "busy", busy,
                           NULL);
}

/* The view's answer (the detour's): packed for the worker, which lays it out. */
static enum rpc_status view_answered(struct rpc_req *req, Yanxiu__V1__Envelope *resp)
{
    struct wb_job *j = (struct wb_job *)req->detour;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &yanxiu__v1__envelope__descriptor, (unsigned)resp->body_case);
    const ProtobufCMessage *msg =
        f && f->type == PROTOBUF_C_TYPE_MESSAGE
            ? *(const ProtobufCMessage *const *)((const char *)resp + f->offset)
            : NULL;
    if (!msg) {
        rpc_log_error(req, ": workbook: the view answered body %d", (int)resp->body_case);
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
        return rpc_fail_reason(req, YANXIU__V1__CODE__INTERNAL, "internal_error", "request_id", id,
                               NULL);
    }
    /* A view larger than the workbook may be is refused before it is laid out. */
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (n > j->max_bytes) {
        char size[24], max[24];
        snprintf(size, sizeof(size), "%zu", n);
        snprintf(max, sizeof(max), "%zu", j->max_bytes);
        return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "workbook_too_large",
                               "size", size, "max", max, NULL);
    }
    j->answer = malloc(n ? n : 1);
    if (!j->answer)
        return rpc_fail_oom(req);
    j->answer_len = protobuf_c_message_pack(msg, j->answer);
    j->answer_type = msg->descriptor;
    return make(req, j);
}

/* ---- the request ----------------------------------------------------------------------------- */

/* The most a workbook may weigh: what an answer frame carries, less room for the rest. */
static size_t max_bytes(const struct config *cfg)
{
    size_t limit = (size_t)cfg->upload_max_bytes;
    if (cfg->max_frame > 64 * 1024 && limit > (size_t)cfg->max_frame - 64 * 1024)
        limit = (size_t)cfg->max_frame - 64 * 1024;
    return limit;
}

enum rpc_status rpc_workbook(struct rpc_req *req)
{
    const Yanxiu__V1__WorkbookRequest *in = req->env->workbook;
    struct wb_job *j = calloc(1, sizeof(*j));
    if (!j)
        return rpc_fail_oom(req);
    j->req = req;
    j->kind = in->kind;
    j->lang = req->lang;
    j->max_bytes = max_bytes(&req->srv->cfg);
    j->detour = (struct rpc_detour){view_answered, detour_drop, req->env};
    /* The view's query as asked, every row of it: a workbook is not a page. */
    yanxiu__v1__compliance_query__init(&j->query);
    if (in->query)
        j->query = *in->query;
    j->query.limit = 0;
    j->query.offset = 0;
    if (j->query.month[0])
        snprintf(j->period, sizeof(j->period), "%.7s", j->query.month);
    else
        snprintf(j->period, sizeof(j->period), "%u", j->query.year);

    Yanxiu__V1__Envelope *env = &j->env;
    yanxiu__v1__envelope__init(env);
    env->request_id = req->env->request_id;
    env->session_token = req->env->session_token; /* the view's statements find the caller */
    rpc_handler view;
    switch (in->kind) {
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_ROSTER_TEMPLATE:
        /* Nothing to read: the sheet 名册, its lists and instructions. */
        req->detour = &j->detour;
        return make(req, j);
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE: {
        const char *unit = req->session.role == ROLE_SCHOOL && !j->query.unit_code[0]
                               ? req->session.unit
                               : j->query.unit_code;
        if (!unit[0]) {
            job_free(j);
            return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                                   "workbook_unit_required", NULL);
        }
        int y, m;
        if (j->query.month[0] && !check_month(j->query.month, &y, &m)) {
            /* the answer quotes the month: made before the job (and its month) is freed */
            enum rpc_status st = rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                                                 "month_invalid", "value",
                                                 rpc_quote(j->query.month), NULL);
            job_free(j);
            return st;
        }
        char today[11];
        rpc_compliance_today(today);
        snprintf(j->month, sizeof(j->month), "%.7s", j->query.month[0] ? j->query.month : today);
        snprintf(j->unit, sizeof(j->unit), "%.10s", unit);
        yanxiu__v1__list_roster_request__init(&j->roster);
        j->roster.district_code = j->query.district_code;
        j->roster.unit_code = j->query.unit_code; /* the handler checks it, as for ListRoster */
        env->body_case = YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER;
        env->list_roster = &j->roster;
        view = rpc_roster_list;
        break;
    }
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_TEACHERS:
        env->body_case = YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS;
        env->compliance_teachers = &j->query;
        view = rpc_compliance_teachers;
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_UNITS:
        env->body_case = YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS;
        env->compliance_units = &j->query;
        view = rpc_compliance_units;
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORTING_RATES:
        env->body_case = YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES;
        env->reporting_rates = &j->query;
        view = rpc_compliance_reporting_rates;
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_TEACHER_HISTORY:
        snprintf(j->code, sizeof(j->code), "%s",
                 rpc_text_ok(in->teacher_code, 32) ? in->teacher_code : "");
        yanxiu__v1__teacher_history_request__init(&j->history);
        j->history.district_code = j->query.district_code;
        j->history.teacher_code = in->teacher_code; /* the handler checks it */
        env->body_case = YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY;
        env->teacher_history = &j->history;
        view = rpc_compliance_teacher_history;
        break;
    default: {
        job_free(j);
        char value[16];
        snprintf(value, sizeof(value), "%d", (int)in->kind);
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "workbook_kind_unknown",
                               "value", value, NULL);
    }
    }
    req->detour = &j->detour;
    req->env = env;
    return view(req);
}
