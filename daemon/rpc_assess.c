/*
 * rpc_assess: annual assessment (考核) — storing and listing schemes,
 * entering item scores, and the year's results, where a teacher's grade is
 * lowered to 不合格 when the compliance engine finds the year's hours or
 * absence rule failed (sql/functions/assessment.sql).
 */
#include "rpc_assess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layout.h"
#include "pgarr.h"
#include "rowmap.h"
#include "rpc_compliance.h"
#include "scheme.h"

#define MAX_SCHEME_BYTES (64 * 1024)
#define MAX_SCORE_ROWS   200000
#define MAX_POINTS       1000

static const struct db_stmt assess_stmts[] = {
    {"scheme_set", "SELECT field, reason FROM scheme_set($1, $2, $3, $4, $5, $6, $7::text[], "
                   "$8::numeric[], $9::text[], $10::numeric[])"},
    {"scheme_list",
     "SELECT s.name, s.target, s.title, s.ini, "
     "to_char(s.updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS updated_at, "
     "s.updated_by, "
     "coalesce((SELECT string_agg(i.item || E'\\x1f' || i.max_points, E'\\x1e' ORDER BY i.idx) "
     "FROM assessment_items i WHERE i.district_code = s.district_code AND i.scheme = s.name), "
     "'') AS items, "
     "coalesce((SELECT string_agg(g.grade || E'\\x1f' || g.min_points, E'\\x1e' "
     "ORDER BY g.min_points DESC) FROM assessment_grades g "
     "WHERE g.district_code = s.district_code AND g.scheme = s.name), '') AS grades, "
     "coalesce((SELECT sum(i.max_points) FROM assessment_items i "
     "WHERE i.district_code = s.district_code AND i.scheme = s.name), 0) AS total "
     "FROM assessment_schemes s WHERE s.district_code = $1 AND ($2 = '' OR s.name = $2) "
     "ORDER BY s.name"},
    /* One row per problem and argument, as layout_db_problems reads them. */
    {"scores_import", "SELECT p.n, p.idx, p.field, p.code, a.key, a.value, p.created, "
                      "p.updated, p.unchanged FROM scores_import($1, $2, $3, $4, $5::int, "
                      "$6::text[], $7::text[], $8::numeric[], $9::boolean) "
                      "WITH ORDINALITY p(idx, field, code, args, created, updated, unchanged, n) "
                      "LEFT JOIN LATERAL jsonb_each_text(p.args) a ON true ORDER BY p.n, a.key"},
    /* A page of the results (all of them with limit 0) after one row of what is counted over
     * them all: a page past the end is that row alone, its result columns NULL. */
    {"assessment_results",
     "WITH a AS MATERIALIZED (SELECT scheme, target, subject_code, name, unit_code, "
     "items_scored, score, coalesce(grade, '') AS grade, hours_ok, absences_ok, "
     "coalesce(final_grade, '') AS final_grade, consequences, status, reasons "
     "FROM assessment_results($1, $2, $3::int, $4::date, $5::boolean, $6)), "
     "f AS (SELECT * FROM a WHERE $7 = '' OR subject_code = $7 OR strpos(name, $7) > 0), "
     /* the grades over every row, best first (a grade the scheme lacks after, ungraded last) */
     "g AS (SELECT a.final_grade, count(*) AS n, max(x.min_points) AS min_points FROM a "
     "LEFT JOIN assessment_grades x ON x.district_code = $1 AND x.scheme = a.scheme "
     "AND x.grade = a.final_grade GROUP BY a.final_grade), "
     "s AS (SELECT (SELECT count(*) FROM f) AS results_total, "
     "(SELECT coalesce(string_agg(final_grade || E'\\x1f' || n, E'\\x1e' "
     "ORDER BY final_grade = '', min_points DESC NULLS LAST, final_grade), '') FROM g) "
     "AS grade_counts), "
     "p AS (SELECT * FROM f ORDER BY unit_code, subject_code "
     "LIMIT nullif($8::int, 0) OFFSET $9::int) "
     "SELECT p.*, s.results_total, s.grade_counts FROM s LEFT JOIN p ON true "
     "ORDER BY p.unit_code, p.subject_code"},
    {"assessment_scheme_sums",
     "SELECT s.name AS scheme, s.target, count(i.item) AS items, "
     "coalesce(sum(i.max_points), 0) AS total "
     "FROM scheme_pick($1, $2) s LEFT JOIN assessment_items i "
     "ON i.district_code = s.district_code AND i.scheme = s.name GROUP BY s.name, s.target"},
};

void rpc_assess_register(void)
{
    db_register(assess_stmts, sizeof(assess_stmts) / sizeof(assess_stmts[0]));
}

/* A scheme's name as a request gives it: empty (the only one) or 1 to 50 characters. */
static bool scheme_name_ok(struct rpc_req *req, const char *name)
{
    if (name[0] && !check_text(name, 50, false)) {
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "scheme_name_invalid", "value",
                        rpc_quote(name), NULL);
        return false;
    }
    return true;
}

/* ---- schemes ------------------------------------------------------------------------ */

/* Splits "name\x1fnumber\x1e..." (modifying s) into at most cap pairs; returns how many. */
static size_t split_pairs(char *s, char **names, double *values, size_t cap)
{
    size_t n = 0;
    char *save = NULL;
    for (char *tok = s[0] ? strtok_r(s, "\x1e", &save) : NULL; tok && n < cap;
         tok = strtok_r(NULL, "\x1e", &save)) {
        char *sep = strchr(tok, '\x1f');
        if (!sep)
            continue;
        *sep = '\0';
        names[n] = tok;
        values[n] = strtod(sep + 1, NULL);
        n++;
    }
    return n;
}

struct scheme_rows {
    Yanxiu__V1__Scheme scheme;
    Yanxiu__V1__SchemeItem items[SCHEME_MAX_ITEMS];
    Yanxiu__V1__SchemeItem *item_ptrs[SCHEME_MAX_ITEMS];
    Yanxiu__V1__SchemeGrade grades[SCHEME_MAX_GRADES];
    Yanxiu__V1__SchemeGrade *grade_ptrs[SCHEME_MAX_GRADES];
};

static void schemes_reply(struct rpc_req *req, const PGresult *r)
{
    size_t n = (size_t)PQntuples(r);
    struct scheme_rows *rows = calloc(n + 1, sizeof(*rows));
    Yanxiu__V1__Scheme **ptrs = calloc(n + 1, sizeof(*ptrs));
    if (!rows || !ptrs) {
        free(rows);
        free(ptrs);
        rpc_fail_oom(req);
        return;
    }
    struct rowmap *m = rowmap_new(r, &yanxiu__v1__scheme__descriptor);
    int items = PQfnumber(r, "items"), grades = PQfnumber(r, "grades");
    char why[200] = "out of memory";
    bool oom = m == NULL, ok = !oom;
    for (size_t k = 0; ok && k < n; k++) {
        struct scheme_rows *x = &rows[k];
        int i = (int)k;
        ptrs[k] = &x->scheme;
        if (!(ok = rowmap_fill(m, i, &x->scheme, why, sizeof(why))))
            break;
        /* The result is ours to cut up: libpq hands out its own buffer. */
        char *names[SCHEME_MAX_GRADES > SCHEME_MAX_ITEMS ? SCHEME_MAX_GRADES : SCHEME_MAX_ITEMS];
        double values[sizeof(names) / sizeof(names[0])];
        size_t ni = split_pairs(PQgetvalue(r, i, items), names, values, SCHEME_MAX_ITEMS);
        for (size_t j = 0; j < ni; j++) {
            yanxiu__v1__scheme_item__init(&x->items[j]);
            x->items[j].name = names[j];
            x->items[j].max_points = values[j];
            x->item_ptrs[j] = &x->items[j];
        }
        x->scheme.items = x->item_ptrs;
        x->scheme.n_items = ni;
        size_t ng = split_pairs(PQgetvalue(r, i, grades), names, values, SCHEME_MAX_GRADES);
        for (size_t j = 0; j < ng; j++) {
            yanxiu__v1__scheme_grade__init(&x->grades[j]);
            x->grades[j].name = names[j];
            x->grades[j].min_points = values[j];
            x->grade_ptrs[j] = &x->grades[j];
        }
        x->scheme.grades = x->grade_ptrs;
        x->scheme.n_grades = ng;
    }
    rowmap_free(m);
    if (ok) {
        Yanxiu__V1__SchemeList list = YANXIU__V1__SCHEME_LIST__INIT;
        list.schemes = ptrs;
        list.n_schemes = n;
        rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST, &list.base);
    } else {
        rowmap_fail(req, oom ? ROWMAP_OOM : ROWMAP_BAD, why);
    }
    free(rows);
    free(ptrs);
}

static void schemes_listed(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const PGresult *r = out->results[RPC_FIRST_RESULT];
    const char *name = req->env->list_schemes->name;
    if (name[0] && PQntuples(r) == 0) {
        rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "scheme_unknown", "scheme", name, NULL);
        return;
    }
    schemes_reply(req, r);
}

enum rpc_status rpc_assess_scheme_list(struct rpc_req *req)
{
    const Yanxiu__V1__ListSchemesRequest *in = req->env->list_schemes;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district) || !scheme_name_ok(req, in->name))
        return RPC_ANSWERED;
    const char *v[] = {district, in->name};
    return rpc_query(req, schemes_listed, "scheme_list", 2, v);
}

static void scheme_stored(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const PGresult *p = out->results[RPC_FIRST_RESULT];
    if (PQntuples(p) > 0) {
        struct rpc_violations vs = {0};
        bool ok = true;
        for (int i = 0; ok && i < PQntuples(p); i++)
            ok = rpc_problem_json(&vs, &(struct rpc_at){.path = PQgetvalue(p, i, 0)},
                                  PQgetvalue(p, i, 1));
        if (!ok) {
            rpc_violations_free(&vs);
            rowmap_fail(req, ROWMAP_BAD, "scheme_set: a problem row without a reason code");
            return;
        }
        rpc_fail_with(req, &vs, "assessment scheme");
        return;
    }
    schemes_reply(req, out->results[RPC_FIRST_RESULT + 1]);
}

enum rpc_status rpc_assess_scheme_set(struct rpc_req *req)
{
    const Yanxiu__V1__SetSchemeRequest *in = req->env->set_scheme;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    if (!check_multiline(in->ini, MAX_SCHEME_BYTES)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "scheme_not_text", NULL);
    }
    struct rpc_violations vs = {0};
    struct scheme_def d;
    if (!scheme_parse(in->ini, &d, &vs)) {
        scheme_def_free(&d);
        rpc_violations_free(&vs);
        return rpc_fail_oom(req);
    }
    if (vs.total) {
        scheme_def_free(&d);
        return rpc_fail_with(req, &vs, "assessment scheme");
    }
    const char *v[10] = {district,
                         req->peer,
                         d.name,
                         d.target,
                         d.title,
                         in->ini,
                         pgarr_finish(&d.items),
                         pgarr_finish(&d.max_points),
                         pgarr_finish(&d.grades),
                         pgarr_finish(&d.min_points)};
    const char *lv[] = {district, d.name};
    struct db_job *job = rpc_job_new(req, scheme_stored);
    bool ok = job && v[6] && v[7] && v[8] && v[9] && db_job_add(job, "scheme_set", 10, v) &&
              db_job_add(job, "scheme_list", 2, lv);
    scheme_def_free(&d);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/* ---- scores ----------------------------------------------------------------------- */

static void scores_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    /* the daemon's problems (req->pending) first, then the database's: one answer */
    rpc_answer_import(req, out->results[RPC_FIRST_RESULT], "scores", req->pending,
                      "assessment scores import");
}

static enum rpc_status scores_checked(struct rpc_req *req);

enum rpc_status rpc_assess_scores_import(struct rpc_req *req)
{
    const Yanxiu__V1__ImportScoresRequest *in = req->env->import_scores;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !scheme_name_ok(req, in->scheme) || !rpc_compliance_year_ok(req, in->year))
        return RPC_ANSWERED;
    return layout_upload(req, LAYOUT_SCORES, in->files, in->n_files, in->n_scores != 0,
                         scores_checked);
}

/* The scores (of the request, or read from its file) checked, then sent. */
static enum rpc_status scores_checked(struct rpc_req *req)
{
    const Yanxiu__V1__ImportScoresRequest *in = req->env->import_scores;
    struct layout *L = req->layout;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    Yanxiu__V1__ItemScore **scores = L ? L->scores : in->scores;
    size_t n = L ? L->n_scores : in->n_scores;
    if (n > MAX_SCORE_ROWS || (n == 0 && !(L && L->problems.total))) {
        char rows[24], max[24];
        snprintf(rows, sizeof(rows), "%zu", n);
        snprintf(max, sizeof(max), "%d", MAX_SCORE_ROWS);
        return n ? rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED,
                                   "import_too_many_rows", "rows", rows, "max", max, NULL)
                 : rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "import_no_rows", NULL);
    }
    /* Problems found here wait in req->pending for the database's (check only). */
    struct rpc_violations *vs = calloc(1, sizeof(*vs));
    if (!vs) {
        return rpc_fail_oom(req);
    }
    req->pending = vs;
    if (L)
        layout_take_problems(L, vs);
    struct pgarr a[3];
    for (int i = 0; i < 3; i++)
        pgarr_init(&a[i]);
    /* "code / item" per row, to find a subject's item scored twice */
    char **keys = calloc(n + 1, sizeof(*keys));
    struct check_code_at *at = calloc(n + 1, sizeof(*at));
    bool ok = keys && at;
    const enum layout_list S = LL_SCORES;
    for (size_t i = 0; ok && i < n; i++) {
        const Yanxiu__V1__ItemScore *s = scores[i];
        struct layout_where w;
        char num[32] = "", quoted[41], max[16], v[32];
        bool code_ok = check_code(s->subject_code), item_ok = check_text(s->item, 50, false);
        if (!s->subject_code[0])
            LAYOUT_PROBLEM(vs, L, S, i, "subject_code", "", "value_required", NULL);
        else if (!code_ok)
            LAYOUT_PROBLEM(vs, L, S, i, "subject_code", s->subject_code, "teacher_code_bad",
                           "value", check_quote(s->subject_code, quoted, sizeof(quoted)), NULL);
        if (!s->item[0])
            LAYOUT_PROBLEM(vs, L, S, i, "item", "", "value_required", NULL);
        else if (!item_ok)
            LAYOUT_PROBLEM(vs, L, S, i, "item", s->item, "value_too_long", "max", "50", NULL);
        if (!scheme_points_ok(s->points, MAX_POINTS, num, sizeof(num))) {
            snprintf(max, sizeof(max), "%d", MAX_POINTS);
            snprintf(v, sizeof(v), "%g", s->points);
            LAYOUT_PROBLEM(vs, L, S, i, "points", v, "scores_points_bad", "value", v, "max", max,
                           NULL);
        }
        /* a field refused here goes to the database as NULL, which it does not judge */
        pgarr_text(&a[0], code_ok ? s->subject_code : NULL);
        pgarr_text(&a[1], item_ok ? s->item : NULL);
        pgarr_text(&a[2], num[0] ? num : NULL);
        ok = asprintf(&keys[i], "%s / %s", code_ok ? s->subject_code : "?",
                      item_ok ? s->item : "?") >= 0;
        if (!ok)
            keys[i] = NULL;
        at[i] = (struct check_code_at){keys[i], i};
    }
    if (ok)
        layout_duplicates(vs, L, at, n, S, "item", "value_duplicate");
    for (size_t i = 0; keys && i < n; i++)
        free(keys[i]);
    free(keys);
    free(at);
    char year[12];
    snprintf(year, sizeof(year), "%u", in->year);
    const char *v[9] = {district,
                        req->session.role == ROLE_SCHOOL ? req->session.unit : "",
                        req->peer,
                        in->scheme,
                        year,
                        NULL,
                        NULL,
                        NULL,
                        vs->total || in->check_only ? "true" : "false"};
    for (int i = 0; ok && i < 3; i++) {
        v[5 + i] = pgarr_finish(&a[i]);
        ok = v[5 + i] != NULL;
    }
    struct db_job *job = ok ? rpc_job_new(req, scores_done) : NULL;
    ok = job && db_job_add(job, "scores_import", 9, v);
    for (int i = 0; i < 3; i++)
        pgarr_free(&a[i]);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/* ---- results ------------------------------------------------------------------------ */

/* Splits "a,b" into a malloc'd array of pointers into s (modified); false on OOM. */
static bool split_list(char *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s[0])
        return true;
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    char **v = calloc(count, sizeof(*v));
    if (!v)
        return false;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok && *n < count; tok = strtok_r(NULL, ",", &save))
        v[(*n)++] = tok;
    *out = v;
    return true;
}

static void results_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const Yanxiu__V1__AssessmentQuery *in = req->env->assessment_results;
    const PGresult *r = out->results[RPC_FIRST_RESULT];
    const PGresult *s = out->results[RPC_FIRST_RESULT + 1];
    if (PQntuples(s) != 1) {
        rowmap_fail(req, ROWMAP_BAD, "AssessmentResults: the scheme vanished");
        return;
    }
    Yanxiu__V1__AssessmentResults res;
    struct rowmap_rows rows; /* res takes scheme, target, items, total */
    if (!rowmap_get_row(req, s, 0, &yanxiu__v1__assessment_results__descriptor, &res) ||
        !rowmap_get_rows(req, r, &yanxiu__v1__assessment_result__descriptor, &rows))
        return;
    Yanxiu__V1__AssessmentResult **xs = (Yanxiu__V1__AssessmentResult **)rows.msgs;
    /* the first row counts them all; one whose result is NULL stands for an empty page */
    size_t n = rows.n == 1 && PQgetisnull(r, 0, PQfnumber(r, "subject_code")) ? 0 : rows.n;
    uint32_t total =
        rows.n ? (uint32_t)strtoul(PQgetvalue(r, 0, PQfnumber(r, "results_total")), NULL, 10) : 0;
    char *names[SCHEME_MAX_GRADES + 2];
    double counts[SCHEME_MAX_GRADES + 2];
    size_t ng = rows.n ? split_pairs(PQgetvalue(r, 0, PQfnumber(r, "grade_counts")), names, counts,
                                     SCHEME_MAX_GRADES + 2)
                       : 0;
    Yanxiu__V1__GradeCount grades[SCHEME_MAX_GRADES + 2], *grade_ptrs[SCHEME_MAX_GRADES + 2];
    for (size_t j = 0; j < ng; j++) {
        yanxiu__v1__grade_count__init(&grades[j]);
        grades[j].grade = names[j];
        grades[j].count = (uint32_t)counts[j];
        grade_ptrs[j] = &grades[j];
    }
    int consequences = PQfnumber(r, "consequences"), reasons = PQfnumber(r, "reasons");
    bool ok = true;
    size_t filled = 0;
    for (; ok && filled < rows.n; filled++) {
        Yanxiu__V1__AssessmentResult *x = xs[filled];
        int i = (int)filled;
        ok = split_list(PQgetvalue(r, i, consequences), &x->consequences, &x->n_consequences) &&
             rpc_compliance_parse_reasons(PQgetvalue(r, i, reasons), &x->reasons, &x->n_reasons);
    }
    if (ok) {
        res.year = in->year;
        char today[11];
        rpc_compliance_today(today);
        res.as_of = in->as_of[0] ? in->as_of : today;
        /* a day after today: the scores and hours may still change */
        res.provisional = strcmp(res.as_of, today) > 0;
        res.results = xs;
        res.n_results = n;
        res.results_total = total;
        res.grade_counts = grade_ptrs;
        res.n_grade_counts = ng;
        rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT, &res.base);
    } else {
        rpc_fail_oom(req);
    }
    for (size_t i = 0; i < filled; i++) {
        free(xs[i]->consequences);
        rpc_compliance_reasons_free(xs[i]->reasons, xs[i]->n_reasons);
    }
    rowmap_rows_free(&rows);
}

enum rpc_status rpc_assess_results(struct rpc_req *req)
{
    const Yanxiu__V1__AssessmentQuery *in = req->env->assessment_results;
    const char *district, *unit;
    char as_of[11], year[12], limit[12], offset[12];
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !scheme_name_ok(req, in->scheme) || !rpc_compliance_year_ok(req, in->year) ||
        !rpc_compliance_as_of(req, in->as_of, as_of) ||
        !rpc_compliance_unit_filter(req, in->unit_code, &unit) ||
        !rpc_page_params(req, in->limit, in->offset, in->search, limit, offset))
        return RPC_ANSWERED;
    snprintf(year, sizeof(year), "%u", in->year);
    const char *v[] = {district, in->scheme, year,  as_of, in->approved_only ? "true" : "false",
                       unit,     in->search, limit, offset};
    const char *sv[] = {district, in->scheme};
    struct db_job *job = rpc_job_new(req, results_done);
    if (!job || !db_job_add(job, "assessment_results", 9, v) ||
        !db_job_add(job, "assessment_scheme_sums", 2, sv)) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}
