/*
 * rpc_report: monthly reports. A submission is checked field by field here
 * (formats, enumerations, hours, duplicates, sizes), then travels as arrays
 * to report_submit() in SQL, which checks what needs the database (unit,
 * month, roster, the district's non-creditable titles, the lock) and writes
 * the version, its flags and its ledger contribution in the one transaction
 * of the job. When the checks here already failed, the database still runs
 * its own checks (writing nothing) so that one answer lists every problem.
 */
#include "rpc_report.h"

#include <math.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layout.h"
#include "pgarr.h"
#include "rowmap.h"
#include "vocab.h"

#define MAX_SUMMARY_CHARS    4000
#define MAX_HOURS_PER_RECORD 999.5

/* The report (id, version) a show request names: the latest when $4 = 0. */
#define SHOW_TARGET                                                                                \
    "WITH x AS (SELECT id, CASE WHEN $4::int = 0 THEN current_version ELSE $4::int END AS v "      \
    "FROM reports WHERE district_code = $1 AND unit_code = $2 AND month = $3::date) "

static const struct db_stmt report_stmts[] = {
    /* One row per problem and argument (report_check's args as key, value). */
    {"report_submit",
     "SELECT p.n, p.path, p.code, a.key, a.value FROM report_submit($1, $2, $3, $4::date, $5, "
     "$6::bytea, $7::boolean, "
     "$8::boolean, $9, $10, $11::text[], $12::date[], $13::time[], $14::time[], $15::text[], "
     "$16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], "
     "$23::numeric[], $24::int[], $25::int[], $26::text[], $27::text[], $28::text[], "
     "$29::numeric[], $30::text[], $31::date[], $32::text[], $33::text[], $34::text[], "
     "$35::text[], $36::numeric[], $37::numeric[], $38::text[], $39::timestamptz) "
     "WITH ORDINALITY p(path, code, args, n) "
     "LEFT JOIN LATERAL jsonb_each_text(p.args) a ON true ORDER BY p.n, a.key"},
    /* A report as every answer gives it: the rows of report_summaries (sql/migrations/013). */
    {"report_answer", "SELECT * FROM report_answer()"},
    {"report_review", "SELECT report_review($1, $2, $3::date, $4, $5, $6)"},
    /* A page of reports (every one with limit 0), then their rows: one per flag. */
    {"report_list", "WITH p AS (SELECT l.id, count(*) OVER () AS total FROM report_list l "
                    "WHERE l.district_code = $1 AND l.latest AND ($2 = '' OR l.unit_code = $2) "
                    "AND l.month >= coalesce(nullif($3, '')::date, '-infinity') "
                    "AND l.month <= coalesce(nullif($4, '')::date, 'infinity') "
                    "AND ($5 = '' OR l.status = $5) ORDER BY l.month DESC, l.unit_code "
                    "LIMIT nullif($6::int, 0) OFFSET $7::int) "
                    "SELECT s.*, false AS replayed, p.total FROM p "
                    "JOIN report_summaries s ON s.id = p.id AND s.latest "
                    "ORDER BY s.month_date DESC, s.unit_code, s.flag_n"},
    {"report_show", SHOW_TARGET "SELECT s.*, false AS replayed, l.reason, l.summary, "
                                "l.current_version AS latest_version FROM report_summaries s "
                                "JOIN x ON s.id = x.id AND s.version = x.v "
                                "JOIN report_list l ON l.id = s.id AND l.version = s.version "
                                "ORDER BY s.flag_n"},
    {"report_show_activities", SHOW_TARGET
     "SELECT a.ref, a.date::text AS date, to_char(a.start_time, 'HH24:MI') AS start, "
     "to_char(a.end_time, 'HH24:MI') AS \"end\", a.title, a.category, a.form, a.level, a.mode, "
     "a.place, a.host, a.speaker, a.hours, "
     "count(t.pos) FILTER (WHERE t.status = 'present') AS present, "
     "count(t.pos) FILTER (WHERE t.status = 'late') AS late, "
     "count(t.pos) FILTER (WHERE t.status = 'excused') AS excused, "
     "count(t.pos) FILTER (WHERE t.status = 'absent') AS absent, "
     "coalesce(sum(coalesce(t.hours, a.hours)) FILTER (WHERE t.status IN ('present', 'late')), 0) "
     "AS teacher_hours "
     "FROM x JOIN activities a ON a.report_id = x.id AND a.version = x.v "
     "LEFT JOIN attendance t ON t.report_id = a.report_id AND t.version = a.version "
     "AND t.act_idx = a.idx "
     "GROUP BY a.report_id, a.version, a.idx ORDER BY a.idx"},
    {"report_show_external",
     SHOW_TARGET "SELECT e.teacher_code, e.date::text AS date, e.title, e.category, e.level, "
                 "e.mode, e.hours, coalesce(e.credits, 0) AS credits, e.certificate "
                 "FROM x JOIN external_records e ON e.report_id = x.id AND e.version = x.v "
                 "ORDER BY e.idx"},
    {"report_show_history",
     SHOW_TARGET "SELECT to_char(e.at AT TIME ZONE 'Asia/Shanghai', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS+08:00') AS at, e.action, e.user_name AS user, "
                 "e.version, e.reason "
                 "FROM x JOIN report_events e ON e.report_id = x.id ORDER BY e.at"},
    {"report_show_diff", SHOW_TARGET "SELECT d.added, d.removed, d.att_added AS attendance_added, "
                                     "d.att_removed AS attendance_removed, "
                                     "coalesce(d.hours_delta, 0) AS hours_delta, d.changed, "
                                     "d.att_changed AS attendance_changed, "
                                     "x.v - 1 AS against_version "
                                     "FROM x CROSS JOIN LATERAL report_diff(x.id, x.v) d"},
};

void rpc_report_register(void)
{
    db_register(report_stmts, sizeof(report_stmts) / sizeof(report_stmts[0]));
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared pieces ---------------------------------------------------------------- */

/* Hours as sent: finite, > 0, a multiple of 0.5, bounded. */
static bool hours_ok(double h)
{
    return isfinite(h) && h > 0 && h <= MAX_HOURS_PER_RECORD && floor(h * 2) == h * 2;
}

/* "%.1f" of well-formed hours, else NULL (SQL NULL in the arrays). */
static const char *hours_text(double h, char *buf, size_t cap)
{
    if (!hours_ok(h))
        return NULL;
    snprintf(buf, cap, "%.1f", h);
    return buf;
}

/* A value for the arrays: s when `ok`, else SQL NULL. */
static const char *ok_or_null(bool ok, const char *s)
{
    return ok ? s : NULL;
}

/*
 * The unit a request acts on: the school role's own (a different one asked
 * for is refused), or the one a district or admin names. On false the
 * request has been answered.
 */
static bool scope_unit(struct rpc_req *req, const char *requested, bool required, const char **unit)
{
    const struct session *s = &req->session;
    if (s->role == ROLE_SCHOOL) {
        if (requested[0] && strcmp(requested, s->unit) != 0) {
            char quoted[21]; /* at most 20 bytes of it, cut between characters */
            rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED, "report_unit_not_yours",
                            "user", s->user, "unit", s->unit, "value",
                            check_quote(requested, quoted, sizeof(quoted)), NULL);
            return false;
        }
        *unit = s->unit;
        return true;
    }
    if ((required || requested[0]) && !check_digits(requested, 10)) {
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "report_unit_required", NULL);
        return false;
    }
    *unit = requested;
    return true;
}

/* "YYYY-MM" → "YYYY-MM-01" in buf; false (after answering) when malformed. */
static bool month_param(struct rpc_req *req, const char *month, char *buf, size_t cap)
{
    if (!check_month(month, NULL, NULL)) {
        char quoted[21];
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "report_month_bad", "value",
                        check_quote(month, quoted, sizeof(quoted)), NULL);
        return false;
    }
    snprintf(buf, cap, "%s-01", month);
    return true;
}

/* The report a request names: its district and unit, in the caller's scope,
 * and its month ("YYYY-MM-01"); false after answering. */
static bool report_key(struct rpc_req *req, const char *district_code, const char *unit_code,
                       const char *month_given, const char **district, const char **unit,
                       char month[16])
{
    return rpc_scope_district(req, district_code, district) &&
           scope_unit(req, unit_code, true, unit) && month_param(req, month_given, month, 16);
}

/*
 * The reports of a result shaped as report_summaries: a report's summary
 * columns (named as ReportSummary's fields), then a flag's (kind,
 * teacher_code, detail; NULL on the one row of a version without flags), one
 * row per flag, a report's rows next to each other. Strings point into the
 * result; summaries_free frees the rest.
 */
struct summaries {
    Yanxiu__V1__ReportSummary **v; /* n reports in row order, NULL-terminated */
    size_t n;
    Yanxiu__V1__ReportSummary *msgs;
    Yanxiu__V1__Flag *flags;
    Yanxiu__V1__Flag **flag_ptrs; /* each report's flags are a run of these */
    char **details;               /* each flag's detail in the caller's language */
};

static void summaries_free(struct summaries *out)
{
    free(out->v);
    free(out->msgs);
    free(out->flags);
    free(out->flag_ptrs);
    for (size_t i = 0; out->details && out->details[i]; i++)
        free(out->details[i]);
    free(out->details);
    memset(out, 0, sizeof(*out));
}

static bool same_report(const PGresult *r, int a, int b, const int *key, size_t nkey)
{
    for (size_t k = 0; k < nkey; k++)
        if (strcmp(PQgetvalue(r, a, key[k]), PQgetvalue(r, b, key[k])) != 0)
            return false;
    return true;
}

/* ROWMAP_OK, or what went wrong in why (then *out is empty). */
static enum rowmap_status summaries_from_rows(const PGresult *r, enum msg_lang lang,
                                              struct summaries *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    size_t rows = (size_t)PQntuples(r);
    int key[] = {PQfnumber(r, "unit_code"), PQfnumber(r, "month"), PQfnumber(r, "version")};
    int kind = PQfnumber(r, "kind");
    if (key[0] < 0 || key[1] < 0 || key[2] < 0 || kind < 0) {
        snprintf(why, whylen, "a report's rows lack unit_code, month, version or kind");
        return ROWMAP_BAD;
    }
    out->v = calloc(rows + 1, sizeof(*out->v));
    out->msgs = calloc(rows + 1, sizeof(*out->msgs));
    out->flags = calloc(rows + 1, sizeof(*out->flags));
    out->flag_ptrs = calloc(rows + 1, sizeof(*out->flag_ptrs));
    out->details = calloc(rows + 1, sizeof(*out->details));
    struct rowmap *ms = rowmap_new(r, &yanxiu__v1__report_summary__descriptor);
    struct rowmap *mf = rowmap_new(r, &yanxiu__v1__flag__descriptor);
    enum rowmap_status st = ROWMAP_OK;
    if (!out->v || !out->msgs || !out->flags || !out->flag_ptrs || !out->details || !ms || !mf) {
        snprintf(why, whylen, "out of memory");
        st = ROWMAP_OOM;
    }
    size_t nflags = 0;
    for (size_t i = 0; st == ROWMAP_OK && i < rows; i++) {
        if (i == 0 || !same_report(r, (int)i, (int)i - 1, key, sizeof(key) / sizeof(key[0]))) {
            Yanxiu__V1__ReportSummary *s = &out->msgs[out->n];
            if (!rowmap_fill(ms, (int)i, s, why, whylen)) {
                st = ROWMAP_BAD;
                break;
            }
            s->flags = &out->flag_ptrs[nflags];
            out->v[out->n++] = s;
        }
        if (PQgetisnull(r, (int)i, kind))
            continue;
        if (!rowmap_fill(mf, (int)i, &out->flags[nflags], why, whylen)) {
            st = ROWMAP_BAD;
            break;
        }
        char detail[2048];
        rpc_render_coded(lang, out->flags[nflags].detail, detail, sizeof(detail));
        if (!(out->details[nflags] = strdup(detail))) {
            snprintf(why, whylen, "out of memory");
            st = ROWMAP_OOM;
            break;
        }
        out->flags[nflags].detail = out->details[nflags];
        out->flag_ptrs[nflags] = &out->flags[nflags];
        nflags++;
        out->v[out->n - 1]->n_flags++;
    }
    rowmap_free(ms);
    rowmap_free(mf);
    if (st != ROWMAP_OK)
        summaries_free(out);
    return st;
}

/* Answers with the report of report_answer()'s rows `r`; none is a bug, logged as `none`. */
static void reply_summary(struct rpc_req *req, const PGresult *r, const char *none)
{
    if (PQntuples(r) < 1) {
        rpc_log_error(req, ": %s", none);
        rpc_fail_reason(req, YANXIU__V1__CODE__INTERNAL, "report_answer_missing", NULL);
        return;
    }
    struct summaries all;
    char why[200];
    enum rowmap_status st = summaries_from_rows(r, req->lang, &all, why, sizeof(why));
    if (st != ROWMAP_OK) {
        rowmap_fail(req, st, why);
        return;
    }
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, &all.v[0]->base);
    summaries_free(&all);
}

/* ---- SubmitReport ------------------------------------------------------------------- */

/* The arrays of report_submit, in its parameter order after the first ten. */
enum {
    A_REF,
    A_DATE,
    A_START,
    A_END,
    A_TITLE,
    A_CATEGORY,
    A_FORM,
    A_LEVEL,
    A_MODE,
    A_PLACE,
    A_HOST,
    A_SPEAKER,
    A_HOURS,
    T_ACT,
    T_POS,
    T_TEACHER,
    T_NAME,
    T_STATUS,
    T_HOURS,
    E_TEACHER,
    E_DATE,
    E_TITLE,
    E_CATEGORY,
    E_LEVEL,
    E_MODE,
    E_HOURS,
    E_CREDITS,
    E_CERT,
    NARRAYS
};
#define NHEAD 10

static void submit_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const Yanxiu__V1__SubmitReportRequest *in = req->env->submit_report;
    PGresult *problems = out->results[RPC_FIRST_RESULT];
    struct rpc_violations *vs = req->pending;
    struct rpc_violations local = {0};
    if (!vs)
        vs = &local;
    layout_db_problems(vs, req->layout, problems, NULL);
    if (vs->total) {
        rpc_fail_with(req, vs, "report");
        return;
    }
    if (in->check_only) {
        Yanxiu__V1__ReportSummary s = YANXIU__V1__REPORT_SUMMARY__INIT;
        const struct layout *L = req->layout;
        s.unit_code = in->unit_code[0] ? in->unit_code : req->session.unit;
        s.month = in->month;
        s.empty = in->empty;
        s.activity_count = (uint32_t)(L ? L->n_activities : in->n_activities);
        s.attendance_count = (uint32_t)(L ? L->n_attendance : in->n_attendance);
        s.external_count = (uint32_t)(L ? L->n_external : in->n_external);
        s.checked = true;
        rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, &s.base);
        return;
    }
    if (out->nresults <= RPC_FIRST_RESULT + 1) {
        rpc_log_error(req, ": no answer from the database");
        rpc_fail_reason(req, YANXIU__V1__CODE__INTERNAL, "report_answer_missing", NULL);
        return;
    }
    reply_summary(req, out->results[RPC_FIRST_RESULT + 1],
                  "report: the submission left no version");
}

/* The SHA-256 of the request as received: a retry must carry the same report. */
static bool payload_hash_hex(const Yanxiu__V1__SubmitReportRequest *in, char hex[65])
{
    size_t len = yanxiu__v1__submit_report_request__get_packed_size(in);
    uint8_t *buf = malloc(len + 1);
    if (!buf)
        return false;
    yanxiu__v1__submit_report_request__pack(in, buf);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    bool ok = EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
    free(buf);
    if (ok)
        sodium_bin2hex(hex, 65, md, 32); /* lowercase, NUL-terminated */
    return ok;
}

/* What the checks of one submission share: where problems go, where the rows came from. */
struct submit_ctx {
    struct rpc_violations *vs;
    const struct layout *L; /* NULL: a structured request */
    const char *month;      /* YYYY-MM */
    struct pgarr *arr;
};

/* Whether code is a teacher code; a problem when it is not. */
static bool teacher_code_ok(const struct submit_ctx *x, enum layout_list list, size_t i,
                            const char *code)
{
    if (check_code(code))
        return true;
    struct layout_where w;
    char quoted[41];
    if (!code[0])
        LAYOUT_PROBLEM(x->vs, x->L, list, i, "teacher_code", code, "value_required", NULL);
    else
        LAYOUT_PROBLEM(x->vs, x->L, list, i, "teacher_code", code, "teacher_code_bad", "value",
                       check_quote(code, quoted, sizeof(quoted)), NULL);
    return false;
}

/* Whether date is a date in the report's month; a problem when not. */
static bool date_in_month(const struct submit_ctx *x, enum layout_list list, size_t i,
                          const char *date)
{
    struct layout_where w;
    char quoted[41];
    if (!date[0]) {
        LAYOUT_PROBLEM(x->vs, x->L, list, i, "date", date, "value_required", NULL);
        return false;
    }
    if (!check_date(date)) {
        LAYOUT_PROBLEM(x->vs, x->L, list, i, "date", date, "value_not_date", "value",
                       check_quote(date, quoted, sizeof(quoted)), NULL);
        return false;
    }
    if (strncmp(date, x->month, 7) != 0) {
        LAYOUT_PROBLEM(x->vs, x->L, list, i, "date", date, "report_date_outside_month", "value",
                       date, "month", x->month, NULL);
        return false;
    }
    return true;
}

/* A time of day; a problem when not. */
static bool time_field(const struct submit_ctx *x, size_t i, const char *field, const char *s,
                       int *minutes)
{
    if (check_time(s, minutes))
        return true;
    struct layout_where w;
    char quoted[41];
    if (!s[0])
        LAYOUT_PROBLEM(x->vs, x->L, LL_ACTIVITIES, i, field, s, "value_required", NULL);
    else
        LAYOUT_PROBLEM(x->vs, x->L, LL_ACTIVITIES, i, field, s, "value_not_time", "value",
                       check_quote(s, quoted, sizeof(quoted)), NULL);
    return false;
}

/* Hours as written: more than 0, a multiple of 0.5; a problem when not. */
static const char *hours_field(const struct submit_ctx *x, enum layout_list list, size_t i,
                               double h, char *buf, size_t cap)
{
    const char *t = hours_text(h, buf, cap);
    if (!t) {
        struct layout_where w;
        char v[32];
        snprintf(v, sizeof(v), "%g", h);
        if (h == 0)
            LAYOUT_PROBLEM(x->vs, x->L, list, i, "hours", "", "value_required", NULL);
        else
            LAYOUT_PROBLEM(x->vs, x->L, list, i, "hours", v, "report_hours_bad", "value", v, NULL);
    }
    return t;
}

/* Checks one activity and appends it to the arrays. Returns whether its hours are
 * well-formed (the sign-in rows' hours are compared with them). */
static bool check_activity(const struct submit_ctx *x, size_t i, const Yanxiu__V1__Activity *a)
{
    struct pgarr *arr = x->arr;
    struct layout_where w;
    char num[32];
    enum layout_list L_ = LL_ACTIVITIES;
    bool ref_ok = layout_text(x->vs, x->L, L_, i, "ref", a->ref, 32, true);
    bool date_ok = date_in_month(x, L_, i, a->date);
    int start = 0, end = 0;
    bool start_ok = time_field(x, i, "start", a->start, &start);
    bool end_ok = time_field(x, i, "end", a->end, &end);
    if (start_ok && end_ok && start >= end) {
        LAYOUT_PROBLEM(x->vs, x->L, L_, i, "end", a->end, "report_end_before_start", "end", a->end,
                       "start", a->start, NULL);
        end_ok = false;
    }
    bool title_ok = layout_text(x->vs, x->L, L_, i, "title", a->title, 200, true);
    const char *cat =
        layout_term(x->vs, x->L, L_, i, "category", &vocab_category, a->category, NULL);
    const char *form = layout_term(x->vs, x->L, L_, i, "form", &vocab_form, a->form, NULL);
    const char *level = layout_term(x->vs, x->L, L_, i, "level", &vocab_level, a->level, NULL);
    const char *mode = layout_term(x->vs, x->L, L_, i, "mode", &vocab_mode, a->mode, NULL);
    bool place_ok = layout_text(x->vs, x->L, L_, i, "place", a->place, 100, false);
    bool host_ok = layout_text(x->vs, x->L, L_, i, "host", a->host, 50, true);
    bool speaker_ok = layout_text(x->vs, x->L, L_, i, "speaker", a->speaker, 100, false);
    const char *hours = hours_field(x, L_, i, a->hours, num, sizeof(num));
    if (hours && start_ok && end_ok && a->hours * 60 > end - start) {
        LAYOUT_PROBLEM(x->vs, x->L, L_, i, "hours", hours, "report_hours_over_duration", "value",
                       hours, "start", a->start, "end", a->end, NULL);
        hours = NULL;
    }
    pgarr_text(&arr[A_REF], ok_or_null(ref_ok, a->ref));
    pgarr_text(&arr[A_DATE], ok_or_null(date_ok, a->date));
    pgarr_text(&arr[A_START], ok_or_null(start_ok, a->start));
    pgarr_text(&arr[A_END], ok_or_null(end_ok, a->end));
    pgarr_text(&arr[A_TITLE], ok_or_null(title_ok, a->title));
    pgarr_text(&arr[A_CATEGORY], cat);
    pgarr_text(&arr[A_FORM], form);
    pgarr_text(&arr[A_LEVEL], level);
    pgarr_text(&arr[A_MODE], mode);
    pgarr_text(&arr[A_PLACE], ok_or_null(place_ok, a->place));
    pgarr_text(&arr[A_HOST], ok_or_null(host_ok, a->host));
    pgarr_text(&arr[A_SPEAKER], ok_or_null(speaker_ok, a->speaker));
    pgarr_text(&arr[A_HOURS], hours);
    return hours != NULL;
}

/* The index of the first activity whose ref is `ref`, or -1. */
static long activity_of(const struct check_code_at *refs, size_t n, const char *ref)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(refs[mid].code, ref) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(refs[lo].code, ref) == 0 ? (long)refs[lo].row : -1;
}

/*
 * Checks sign-in row k (of the activity at index act, -1 when its ref names
 * none) and appends it to the arrays: t_act is the activity's index, t_pos
 * the row's index k in the request (unique within the activity).
 */
static void check_attendance(const struct submit_ctx *x, size_t k, const Yanxiu__V1__Attendance *t,
                             long act, const Yanxiu__V1__SubmitReportRequest *in,
                             const bool *act_hours_ok, bool refs_ok)
{
    struct pgarr *arr = x->arr;
    struct layout_where w;
    char num[32];
    enum layout_list L_ = LL_ATTENDANCE;
    if (act < 0 && !t->activity_ref[0])
        LAYOUT_PROBLEM(x->vs, x->L, L_, k, "activity_ref", "", "value_required", NULL);
    else if (act < 0 && refs_ok) { /* else its activity may be the one with a bad ref */
        char quoted[41];
        LAYOUT_PROBLEM(x->vs, x->L, L_, k, "activity_ref", t->activity_ref,
                       "report_activity_unknown", "value",
                       check_quote(t->activity_ref, quoted, sizeof(quoted)), NULL);
    }
    bool code_ok = teacher_code_ok(x, L_, k, t->teacher_code);
    bool name_ok = layout_text(x->vs, x->L, L_, k, "name", t->name, 50, false);
    const char *st = layout_term(x->vs, x->L, L_, k, "status", &vocab_attendance, t->status, NULL);
    bool credited = st && (strcmp(st, "present") == 0 || strcmp(st, "late") == 0);
    const char *h = NULL;
    if (t->hours != 0) {
        char v[32];
        snprintf(v, sizeof(v), "%g", t->hours);
        const Yanxiu__V1__Activity *a = act >= 0 ? in->activities[act] : NULL;
        if (st && !credited)
            LAYOUT_PROBLEM(x->vs, x->L, L_, k, "hours", v, "report_hours_not_credited", "value", v,
                           "status", st, NULL);
        else if (!hours_ok(t->hours))
            LAYOUT_PROBLEM(x->vs, x->L, L_, k, "hours", v, "report_hours_bad", "value", v, NULL);
        else if (a && act_hours_ok[act] && t->hours > a->hours) {
            char ah[32];
            snprintf(ah, sizeof(ah), "%.1f", a->hours);
            LAYOUT_PROBLEM(x->vs, x->L, L_, k, "hours", v, "report_hours_over_activity", "value", v,
                           "hours", ah, NULL);
        } else
            h = hours_text(t->hours, num, sizeof(num));
    }
    if (act < 0)
        return; /* not for the database: its activity is unknown */
    char idx[24];
    snprintf(idx, sizeof(idx), "%ld", act);
    pgarr_text(&arr[T_ACT], idx);
    snprintf(idx, sizeof(idx), "%zu", k);
    pgarr_text(&arr[T_POS], idx);
    pgarr_text(&arr[T_TEACHER], ok_or_null(code_ok, t->teacher_code));
    pgarr_text(&arr[T_NAME], ok_or_null(name_ok, t->name));
    pgarr_text(&arr[T_STATUS], st);
    pgarr_text(&arr[T_HOURS], h);
}

/*
 * The activities and their sign-in rows: each activity checked, then each
 * row against its activity (by ref), then the refs given twice and the
 * teachers signed in twice at one activity. False on out-of-memory.
 */
static bool check_activities(const struct submit_ctx *x, const Yanxiu__V1__SubmitReportRequest *in,
                             Yanxiu__V1__Activity **acts, size_t n_acts,
                             Yanxiu__V1__Attendance **att, size_t n_att)
{
    struct check_code_at *refs = malloc((n_acts + 1) * sizeof(*refs));
    struct check_code_at *pairs = malloc((n_att + 1) * sizeof(*pairs));
    char **keys = calloc(n_att + 1, sizeof(*keys));
    bool *hours_good = calloc(n_acts + 1, sizeof(*hours_good));
    bool ok = refs && pairs && keys && hours_good;
    Yanxiu__V1__SubmitReportRequest view = *in;
    view.activities = acts;
    view.n_activities = n_acts;
    bool refs_ok = true;
    for (size_t i = 0; ok && i < n_acts; i++) {
        hours_good[i] = check_activity(x, i, acts[i]);
        refs[i] = (struct check_code_at){acts[i]->ref, i};
        refs_ok = refs_ok && check_text(acts[i]->ref, 32, false);
    }
    if (ok) {
        qsort(refs, n_acts, sizeof(*refs), check_code_at_cmp);
        for (size_t i = 1; i < n_acts; i++)
            if (refs[i].code[0] && strcmp(refs[i].code, refs[i - 1].code) == 0) {
                struct layout_where w;
                char first[24], quoted[41];
                layout_at(&w, x->L, LL_ACTIVITIES, refs[i - 1].row, "ref", "");
                snprintf(first, sizeof(first), "%u", w.at.row);
                LAYOUT_PROBLEM(x->vs, x->L, LL_ACTIVITIES, refs[i].row, "ref", refs[i].code,
                               "value_duplicate", "value",
                               check_quote(refs[i].code, quoted, sizeof(quoted)), "first_row",
                               first, NULL);
            }
    }
    size_t npairs = 0;
    for (size_t k = 0; ok && k < n_att; k++) {
        long act = activity_of(refs, n_acts, att[k]->activity_ref);
        check_attendance(x, k, att[k], act, &view, hours_good, refs_ok);
        if (act >= 0 && att[k]->teacher_code[0]) {
            size_t len = strlen(att[k]->activity_ref) + strlen(att[k]->teacher_code) + 2;
            keys[k] = malloc(len);
            if (!keys[k]) {
                ok = false;
                break;
            }
            snprintf(keys[k], len, "%s\x1f%s", att[k]->activity_ref, att[k]->teacher_code);
            pairs[npairs++] = (struct check_code_at){keys[k], k};
        }
    }
    if (ok) {
        qsort(pairs, npairs, sizeof(*pairs), check_code_at_cmp);
        for (size_t i = 1; i < npairs; i++)
            if (strcmp(pairs[i].code, pairs[i - 1].code) == 0) {
                struct layout_where w;
                char first[24];
                const char *code = att[pairs[i].row]->teacher_code;
                layout_at(&w, x->L, LL_ATTENDANCE, pairs[i - 1].row, "teacher_code", "");
                snprintf(first, sizeof(first), "%u", w.at.row);
                LAYOUT_PROBLEM(x->vs, x->L, LL_ATTENDANCE, pairs[i].row, "teacher_code", code,
                               "report_signed_twice", "value", code, "ref",
                               att[pairs[i].row]->activity_ref, "first_row", first, NULL);
            }
    }
    for (size_t k = 0; keys && k < n_att; k++)
        free(keys[k]);
    free(keys);
    free(pairs);
    free(refs);
    free(hours_good);
    return ok;
}

static void check_external(const struct submit_ctx *x, size_t k,
                           const Yanxiu__V1__ExternalRecord *e)
{
    struct pgarr *arr = x->arr;
    struct layout_where w;
    char num[32], cred[32];
    enum layout_list L_ = LL_EXTERNAL;
    bool code_ok = teacher_code_ok(x, L_, k, e->teacher_code);
    bool date_ok = date_in_month(x, L_, k, e->date);
    bool title_ok = layout_text(x->vs, x->L, L_, k, "title", e->title, 200, true);
    const char *cat =
        layout_term(x->vs, x->L, L_, k, "category", &vocab_category, e->category, NULL);
    const char *level = layout_term(x->vs, x->L, L_, k, "level", &vocab_level, e->level, NULL);
    const char *mode = layout_term(x->vs, x->L, L_, k, "mode", &vocab_mode, e->mode, NULL);
    const char *h = hours_field(x, L_, k, e->hours, num, sizeof(num));
    const char *c = NULL;
    if (e->credits != 0) {
        if (!isfinite(e->credits) || e->credits < 0 || e->credits > 1000) {
            char v[32];
            snprintf(v, sizeof(v), "%g", e->credits);
            LAYOUT_PROBLEM(x->vs, x->L, L_, k, "credits", v, "report_credits_bad", "value", v,
                           NULL);
        } else {
            snprintf(cred, sizeof(cred), "%.1f", e->credits);
            c = cred;
        }
    }
    bool cert_ok = layout_text(x->vs, x->L, L_, k, "certificate", e->certificate, 100, false);
    pgarr_text(&arr[E_TEACHER], ok_or_null(code_ok, e->teacher_code));
    pgarr_text(&arr[E_DATE], ok_or_null(date_ok, e->date));
    pgarr_text(&arr[E_TITLE], ok_or_null(title_ok, e->title));
    pgarr_text(&arr[E_CATEGORY], cat);
    pgarr_text(&arr[E_LEVEL], level);
    pgarr_text(&arr[E_MODE], mode);
    pgarr_text(&arr[E_HOURS], h);
    pgarr_text(&arr[E_CREDITS], c);
    pgarr_text(&arr[E_CERT], ok_or_null(cert_ok, e->certificate));
}

/*
 * A historical import's submission time as given ("YYYY-MM-DD HH:MM[:SS]" in
 * Asia/Shanghai, or RFC 3339 with Z or an offset) → the timestamptz text of
 * report_submit's p_submitted_at in out; false when it is neither.
 */
static bool submitted_at_param(const char *s, char *out, size_t cap)
{
    char date[11], hm[6];
    size_t len = strlen(s);
    if (len < 16 || len >= cap - 8 || (s[10] != ' ' && s[10] != 'T'))
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    memcpy(hm, s + 11, 5);
    hm[5] = '\0';
    if (!check_date(date) || !check_time(hm, NULL))
        return false;
    const char *rest = s + 16;
    if (rest[0] == ':') {
        if (rest[1] < '0' || rest[1] > '5' || rest[2] < '0' || rest[2] > '9')
            return false;
        rest += 3;
    }
    bool zone = rest[0] == 'Z' && rest[1] == '\0';
    if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6 && rest[3] == ':') {
        char hh[3] = {rest[1], rest[2], '\0'}, mm[3] = {rest[4], rest[5], '\0'};
        zone = check_digits(hh, 2) && check_digits(mm, 2);
    }
    if (!zone && rest[0] != '\0')
        return false;
    snprintf(out, cap, "%s%s", s, zone ? "" : "+08:00");
    return true;
}

static enum rpc_status submit_checked(struct rpc_req *req);

enum rpc_status rpc_report_submit(struct rpc_req *req)
{
    const Yanxiu__V1__SubmitReportRequest *in = req->env->submit_report;
    const char *district, *unit;
    char month[16];
    if (!report_key(req, in->district_code, in->unit_code, in->month, &district, &unit, month))
        return RPC_ANSWERED;
    if (in->submitted_at[0] && req->session.role == ROLE_SCHOOL)
        return rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED,
                               "report_import_district_only", NULL);
    return layout_upload(req, LAYOUT_REPORT, in->files, in->n_files,
                         in->n_activities || in->n_attendance || in->n_external, submit_checked);
}

/* The submission's rows (from the request, or read from its files) checked and sent. */
static enum rpc_status submit_checked(struct rpc_req *req)
{
    const Yanxiu__V1__SubmitReportRequest *in = req->env->submit_report;
    const struct layout *L = req->layout;
    const char *district, *unit;
    char month[16];
    if (!report_key(req, in->district_code, in->unit_code, in->month, &district, &unit, month))
        return RPC_ANSWERED;
    size_t n_acts = L ? L->n_activities : in->n_activities;
    size_t n_att = L ? L->n_attendance : in->n_attendance;
    size_t n_ext = L ? L->n_external : in->n_external;
    if (n_acts > MAX_ACTIVITIES || n_att > MAX_ATTENDANCE || n_ext > MAX_EXTERNAL) {
        char a[24], t[24], e[24], ma[24], mt[24], me[24];
        snprintf(a, sizeof(a), "%zu", n_acts);
        snprintf(t, sizeof(t), "%zu", n_att);
        snprintf(e, sizeof(e), "%zu", n_ext);
        snprintf(ma, sizeof(ma), "%d", MAX_ACTIVITIES);
        snprintf(mt, sizeof(mt), "%d", MAX_ATTENDANCE);
        snprintf(me, sizeof(me), "%d", MAX_EXTERNAL);
        return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "report_too_large",
                               "activities", a, "attendance", t, "external", e, "max_activities",
                               ma, "max_attendance", mt, "max_external", me, NULL);
    }

    struct rpc_violations *vs = calloc(1, sizeof(*vs));
    if (!vs) {
        return rpc_fail_oom(req);
    }
    req->pending = vs;
    struct db_job *job = rpc_job_new(req, submit_done);
    const struct report_submission sub = {district, unit, req->peer, month, in, L};
    bool check_only = in->check_only;
    bool ok = job && report_submit_add(job, &sub, vs, &check_only) &&
              (check_only || db_job_add(job, "report_answer", 0, NULL));
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

bool report_submit_add(struct db_job *job, const struct report_submission *s,
                       struct rpc_violations *vs, bool *check_only)
{
    const Yanxiu__V1__SubmitReportRequest *in = s->in;
    const struct layout *L = s->L;
    Yanxiu__V1__Activity **acts = L ? L->activities : in->activities;
    size_t n_acts = L ? L->n_activities : in->n_activities;
    Yanxiu__V1__Attendance **att = L ? L->attendance : in->attendance;
    size_t n_att = L ? L->n_attendance : in->n_attendance;
    Yanxiu__V1__ExternalRecord **ext = L ? L->external : in->external;
    size_t n_ext = L ? L->n_external : in->n_external;
    size_t before = vs->total;
    if (L) /* the files' format problems come first, in file order */
        layout_take_problems((struct layout *)L, vs);
    size_t keylen = strlen(in->idempotency_key);
    bool key_ok = keylen >= 16 && keylen <= 64;
    for (size_t i = 0; key_ok && i < keylen; i++) {
        char c = in->idempotency_key[i];
        key_ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 c == '_' || c == '-';
    }
    if (!key_ok)
        rpc_problem(vs, &(struct rpc_at){.path = "idempotency_key"}, "report_key_bad", NULL);
    if (in->empty) {
        if (n_acts || n_ext || n_att)
            rpc_problem(vs, &(struct rpc_at){.path = "empty"}, "report_empty_with_rows", NULL);
        if (!check_text(in->reason, 200, false))
            rpc_problem(vs, &(struct rpc_at){.path = "reason"}, "report_empty_reason", NULL);
    } else {
        if (!n_acts && !n_ext)
            rpc_problem(vs, &(struct rpc_at){.path = "activities"}, "report_no_activities", NULL);
        if (!rpc_text_ok(in->reason, 800))
            rpc_problem(vs, &(struct rpc_at){.path = "reason"}, "value_not_text", "field", "reason",
                        NULL);
        else if (!check_text(in->reason, 200, true))
            rpc_problem(vs, &(struct rpc_at){.path = "reason"}, "value_too_long", "field", "reason",
                        "max", "200", NULL);
    }
    char submitted_at[48] = "";
    if (in->submitted_at[0] &&
        !submitted_at_param(in->submitted_at, submitted_at, sizeof(submitted_at)))
        rpc_problem(vs, &(struct rpc_at){.path = "submitted_at", .value = in->submitted_at},
                    "report_submitted_at_malformed", "value", in->submitted_at, NULL);
    bool summary_ok = check_multiline(in->summary, MAX_SUMMARY_CHARS * 4) &&
                      check_utf8_chars(in->summary) <= MAX_SUMMARY_CHARS;
    if (!summary_ok) {
        char max[16];
        snprintf(max, sizeof(max), "%d", MAX_SUMMARY_CHARS);
        rpc_problem(vs, &(struct rpc_at){.path = "summary"}, "report_summary_bad", "max", max,
                    NULL);
    }

    struct pgarr arr[NARRAYS];
    for (int i = 0; i < NARRAYS; i++)
        pgarr_init(&arr[i]);
    struct submit_ctx x = {vs, L, in->month, arr};
    bool oom = !check_activities(&x, in, acts, n_acts, att, n_att);
    for (size_t k = 0; !oom && k < n_ext; k++)
        check_external(&x, k, ext[k]);

    char hash[65] = "";
    oom = oom || !payload_hash_hex(in, hash);
    char hashparam[70];
    snprintf(hashparam, sizeof(hashparam), "\\x%s", hash);
    *check_only = *check_only || vs->total > before;
    const char *v[NHEAD + NARRAYS + 1] = {
        s->district,
        s->unit,
        s->peer,
        s->month,
        key_ok ? in->idempotency_key : "",
        hashparam,
        *check_only ? "true" : "false",
        in->empty ? "true" : "false",
        ok_or_null(check_text(in->reason, 200, true), in->reason),
        ok_or_null(summary_ok, in->summary),
    };
    for (int i = 0; i < NARRAYS; i++) {
        v[NHEAD + i] = pgarr_finish(&arr[i]);
        oom = oom || !v[NHEAD + i];
    }
    v[NHEAD + NARRAYS] = submitted_at[0] ? submitted_at : NULL; /* NULL: submitted now */
    bool ok = !oom && db_job_add(job, "report_submit", NHEAD + NARRAYS + 1, v);
    for (int i = 0; i < NARRAYS; i++)
        pgarr_free(&arr[i]);
    return ok;
}

/* ---- ReviewReport --------------------------------------------------------------- */

static void review_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    reply_summary(req, out->results[RPC_FIRST_RESULT + 1], "report: not found after review");
}

enum rpc_status rpc_report_review(struct rpc_req *req)
{
    const Yanxiu__V1__ReviewReportRequest *in = req->env->review_report;
    const char *district, *unit;
    char month[16];
    if (!report_key(req, in->district_code, in->unit_code, in->month, &district, &unit, month))
        return RPC_ANSWERED;
    static const char *const actions[] = {"approve", "return", "reopen", "void", NULL};
    bool known = false;
    for (size_t i = 0; actions[i]; i++)
        known |= strcmp(in->action, actions[i]) == 0;
    if (!known) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "report_action_unknown",
                               NULL);
    }
    bool needs_reason = strcmp(in->action, "approve") != 0;
    if (!check_text(in->reason, 500, !needs_reason)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "report_review_reason",
                               "action", in->action, NULL);
    }
    const char *v[] = {district, unit, month, in->action, in->reason, req->peer};
    struct db_job *job = rpc_job_new(req, review_done);
    if (!job || !db_job_add(job, "report_review", 6, v) ||
        !db_job_add(job, "report_answer", 0, NULL)) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/* ---- ListReports ------------------------------------------------------------------ */

static void list_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    struct summaries all;
    char why[200];
    enum rowmap_status st =
        summaries_from_rows(out->results[RPC_FIRST_RESULT], req->lang, &all, why, sizeof(why));
    if (st != ROWMAP_OK) {
        rowmap_fail(req, st, why);
        return;
    }
    Yanxiu__V1__ReportList list = YANXIU__V1__REPORT_LIST__INIT;
    list.reports = all.v;
    list.n_reports = all.n;
    /* the reports before paging (0 when the page is past the end) */
    const PGresult *r = out->results[RPC_FIRST_RESULT];
    list.total =
        PQntuples(r) ? (uint32_t)strtoul(PQgetvalue(r, 0, PQfnumber(r, "total")), NULL, 10) : 0;
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_REPORT_LIST, &list.base);
    summaries_free(&all);
}

enum rpc_status rpc_report_list(struct rpc_req *req)
{
    const Yanxiu__V1__ListReportsRequest *in = req->env->list_reports;
    const char *district, *unit;
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !scope_unit(req, in->unit_code, false, &unit))
        return RPC_ANSWERED;
    char from[16] = "", to[16] = "";
    if ((in->from_month[0] && !month_param(req, in->from_month, from, sizeof(from))) ||
        (in->to_month[0] && !month_param(req, in->to_month, to, sizeof(to))))
        return RPC_ANSWERED;
    const char *status = vocab_code_of(&vocab_report_status, in->status);
    /* superseded is a version's state, never a report's */
    if ((in->status != 0 && !status[0]) ||
        in->status == YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUPERSEDED)
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "report_status_unknown",
                               NULL);
    char limit[12], offset[12];
    if (!rpc_page_params(req, in->limit, in->offset, NULL, limit, offset))
        return RPC_ANSWERED;
    const char *v[] = {district, unit, from, to, status, limit, offset};
    return rpc_query(req, list_done, "report_list", 7, v);
}

/* ---- ShowReport ------------------------------------------------------------------- */

/* Splits a newline-separated list into strings pointing into a copy. */
static char **split_lines(const char *s, size_t *n, char **copy)
{
    *n = 0;
    *copy = NULL;
    if (!s[0])
        return NULL;
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == '\n';
    char **v = calloc(count, sizeof(*v));
    *copy = strdup(s);
    if (!v || !*copy) {
        free(v);
        free(*copy);
        *copy = NULL;
        return NULL;
    }
    char *save = NULL;
    for (char *tok = strtok_r(*copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
        v[(*n)++] = tok;
    return v;
}

/* The activities a version changed (report_diff's `changed`: a line each, ref \x1f the
 * fields' names comma-separated) as messages pointing into *copy; false when memory ran out. */
static bool activity_changes(const char *s, Yanxiu__V1__ActivityChange ***out, size_t *n,
                             char **copy)
{
    *out = NULL;
    char **lines = split_lines(s, n, copy);
    if (!*n)
        return s[0] == '\0' || lines != NULL;
    Yanxiu__V1__ActivityChange **v = calloc(*n, sizeof(*v));
    Yanxiu__V1__ActivityChange *msgs = calloc(*n, sizeof(*msgs));
    char **fields = calloc(strlen(s) + 1, sizeof(*fields));
    if (!v || !msgs || !fields) {
        free(v);
        free(msgs);
        free(fields);
        free(lines);
        *n = 0;
        return false;
    }
    size_t used = 0;
    for (size_t i = 0; i < *n; i++) {
        Yanxiu__V1__ActivityChange *c = &msgs[i];
        yanxiu__v1__activity_change__init(c);
        char *sep = strchr(lines[i], '\x1f');
        if (sep)
            *sep = '\0';
        c->ref = lines[i];
        c->fields = &fields[used];
        char *save = NULL;
        for (char *f = sep ? strtok_r(sep + 1, ",", &save) : NULL; f;
             f = strtok_r(NULL, ",", &save))
            fields[used + c->n_fields++] = f;
        used += c->n_fields;
        v[i] = c;
    }
    free(lines);
    *out = v;
    return true;
}

/* Frees what activity_changes made (the strings are in its copy). */
static void activity_changes_free(Yanxiu__V1__ActivityChange **v, size_t n)
{
    if (v && n) {
        free(v[0]->fields);
        free(v[0]);
    }
    free(v);
}

static void show_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const Yanxiu__V1__ShowReportRequest *in = req->env->show_report;
    PGresult *head = out->results[RPC_FIRST_RESULT];
    PGresult *acts = out->results[RPC_FIRST_RESULT + 1];
    PGresult *exts = out->results[RPC_FIRST_RESULT + 2];
    PGresult *hist = out->results[RPC_FIRST_RESULT + 3];
    PGresult *diff = out->results[RPC_FIRST_RESULT + 4];
    if (PQntuples(head) < 1) {
        const char *unit = in->unit_code[0] ? in->unit_code : req->session.unit;
        char version[16];
        snprintf(version, sizeof(version), "%u", in->version);
        if (in->version)
            rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "report_version_not_found", "unit",
                            unit, "version", version, "month", in->month, NULL);
        else
            rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "report_not_found", "unit", unit,
                            "month", in->month, NULL);
        return;
    }
    struct summaries all = {0};
    Yanxiu__V1__ReportDetail d;
    Yanxiu__V1__ReportDiff df;
    struct rowmap_rows ra = {0}, re = {0}, rh = {0};
    char why[200];
    enum rowmap_status st = summaries_from_rows(head, req->lang, &all, why, sizeof(why));
    /* d from the head's first row: reason, summary, latest_version */
    if (st != ROWMAP_OK) {
        rowmap_fail(req, st, why);
        return;
    }
    if (!rowmap_get_row(req, head, 0, &yanxiu__v1__report_detail__descriptor, &d) ||
        !rowmap_get_rows(req, acts, &yanxiu__v1__activity__descriptor, &ra) ||
        !rowmap_get_rows(req, exts, &yanxiu__v1__external_record__descriptor, &re) ||
        !rowmap_get_rows(req, hist, &yanxiu__v1__report_event__descriptor, &rh) ||
        (PQntuples(diff) == 1 &&
         !rowmap_get_row(req, diff, 0, &yanxiu__v1__report_diff__descriptor, &df))) {
        summaries_free(&all);
        rowmap_rows_free(&ra);
        rowmap_rows_free(&re);
        rowmap_rows_free(&rh);
        return;
    }
    char *added_copy = NULL, *removed_copy = NULL, *changed_copy = NULL;
    d.report = all.v[0];
    d.activities = (Yanxiu__V1__Activity **)ra.msgs;
    d.n_activities = ra.n;
    d.external = (Yanxiu__V1__ExternalRecord **)re.msgs;
    d.n_external = re.n;
    d.history = (Yanxiu__V1__ReportEvent **)rh.msgs;
    d.n_history = rh.n;
    if (PQntuples(diff) == 1) {
        df.activities_added = split_lines(PQgetvalue(diff, 0, PQfnumber(diff, "added")),
                                          &df.n_activities_added, &added_copy);
        df.activities_removed = split_lines(PQgetvalue(diff, 0, PQfnumber(diff, "removed")),
                                            &df.n_activities_removed, &removed_copy);
        if (!activity_changes(PQgetvalue(diff, 0, PQfnumber(diff, "changed")),
                              &df.activities_changed, &df.n_activities_changed, &changed_copy))
            df.n_activities_changed = 0; /* out of memory: the rest of the diff still goes */
        d.diff = &df;
    }
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_REPORT_DETAIL, &d.base);
    summaries_free(&all);
    rowmap_rows_free(&ra);
    rowmap_rows_free(&re);
    rowmap_rows_free(&rh);
    if (d.diff) {
        free(df.activities_added);
        free(df.activities_removed);
        activity_changes_free(df.activities_changed, df.n_activities_changed);
    }
    free(added_copy);
    free(removed_copy);
    free(changed_copy);
}

enum rpc_status rpc_report_show(struct rpc_req *req)
{
    const Yanxiu__V1__ShowReportRequest *in = req->env->show_report;
    const char *district, *unit;
    char month[16];
    if (!report_key(req, in->district_code, in->unit_code, in->month, &district, &unit, month))
        return RPC_ANSWERED;
    char version[16];
    snprintf(version, sizeof(version), "%u", in->version);
    const char *v[] = {district, unit, month, version};
    static const char *const stmts[] = {"report_show", "report_show_activities",
                                        "report_show_external", "report_show_history",
                                        "report_show_diff"};
    struct db_job *job = rpc_job_new(req, show_done);
    bool ok = job != NULL;
    for (size_t i = 0; ok && i < NELEM(stmts); i++)
        ok = db_job_add(job, stmts[i], 4, v);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}
