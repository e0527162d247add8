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
#include "pgarr.h"
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
     "to_char(s.updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), s.updated_by, "
     "coalesce((SELECT string_agg(i.item || E'\\x1f' || i.max_points, E'\\x1e' ORDER BY i.idx) "
     "FROM assessment_items i WHERE i.district_code = s.district_code AND i.scheme = s.name), "
     "''), "
     "coalesce((SELECT string_agg(g.grade || E'\\x1f' || g.min_points, E'\\x1e' "
     "ORDER BY g.min_points DESC) FROM assessment_grades g "
     "WHERE g.district_code = s.district_code AND g.scheme = s.name), ''), "
     "coalesce((SELECT sum(i.max_points) FROM assessment_items i "
     "WHERE i.district_code = s.district_code AND i.scheme = s.name), 0) "
     "FROM assessment_schemes s WHERE s.district_code = $1 AND ($2 = '' OR s.name = $2) "
     "ORDER BY s.name"},
    {"scores_import", "SELECT idx, field, reason, created, updated, unchanged "
                      "FROM scores_import($1, $2, $3, $4, $5::int, $6::text[], $7::text[], "
                      "$8::numeric[], $9::boolean)"},
    {"assessment_results",
     "SELECT scheme, target, subject_code, name, unit_code, items_scored, score, "
     "coalesce(grade, ''), hours_ok, absences_ok, coalesce(final_grade, ''), consequences, "
     "status, reasons FROM assessment_results($1, $2, $3::int, $4::date, $5::boolean, $6)"},
    {"assessment_scheme_sums",
     "SELECT s.name, s.target, count(i.item), coalesce(sum(i.max_points), 0) "
     "FROM scheme_pick($1, $2) s LEFT JOIN assessment_items i "
     "ON i.district_code = s.district_code AND i.scheme = s.name GROUP BY s.name, s.target"},
};

void assess_register(void)
{
    db_register(assess_stmts, sizeof(assess_stmts) / sizeof(assess_stmts[0]));
}

/* A scheme's name as a request gives it: empty (the only one) or 1 to 50 characters. */
static bool scheme_name_ok(struct rpc_req *req, const char *name)
{
    if (name[0] && !check_text(name, 50, false)) {
        rpc_fail(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                 "%s: a scheme's name is 1 to 50 characters of text", req->method->name);
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
    for (size_t k = 0; k < n; k++) {
        struct scheme_rows *x = &rows[k];
        int i = (int)k;
        yanxiu__v1__scheme__init(&x->scheme);
        ptrs[k] = &x->scheme;
        x->scheme.name = PQgetvalue(r, i, 0);
        x->scheme.target = PQgetvalue(r, i, 1);
        x->scheme.title = PQgetvalue(r, i, 2);
        x->scheme.ini = PQgetvalue(r, i, 3);
        x->scheme.updated_at = PQgetvalue(r, i, 4);
        x->scheme.updated_by = PQgetvalue(r, i, 5);
        x->scheme.total = strtod(PQgetvalue(r, i, 8), NULL);
        /* The result is ours to cut up: libpq hands out its own buffer. */
        char *names[SCHEME_MAX_GRADES > SCHEME_MAX_ITEMS ? SCHEME_MAX_GRADES : SCHEME_MAX_ITEMS];
        double values[sizeof(names) / sizeof(names[0])];
        size_t ni = split_pairs(PQgetvalue(r, i, 6), names, values, SCHEME_MAX_ITEMS);
        for (size_t j = 0; j < ni; j++) {
            yanxiu__v1__scheme_item__init(&x->items[j]);
            x->items[j].name = names[j];
            x->items[j].max_points = values[j];
            x->item_ptrs[j] = &x->items[j];
        }
        x->scheme.items = x->item_ptrs;
        x->scheme.n_items = ni;
        size_t ng = split_pairs(PQgetvalue(r, i, 7), names, values, SCHEME_MAX_GRADES);
        for (size_t j = 0; j < ng; j++) {
            yanxiu__v1__scheme_grade__init(&x->grades[j]);
            x->grades[j].name = names[j];
            x->grades[j].min_points = values[j];
            x->grade_ptrs[j] = &x->grades[j];
        }
        x->scheme.grades = x->grade_ptrs;
        x->scheme.n_grades = ng;
    }
    Yanxiu__V1__SchemeList list = YANXIU__V1__SCHEME_LIST__INIT;
    list.schemes = ptrs;
    list.n_schemes = n;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST;
    env.scheme_list = &list;
    rpc_reply(req, &env);
    free(rows);
    free(ptrs);
}

static void schemes_listed(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    if (!out->ok) {
        rpc_fail_db(req, out);
        return;
    }
    const PGresult *r = out->results[RPC_FIRST_RESULT];
    const char *name = req->env->list_schemes->name;
    if (name[0] && PQntuples(r) == 0) {
        rpc_fail(req, YANXIU__V1__CODE__NOT_FOUND,
                 "ListSchemes: no assessment scheme %s in the district (yanxiu assessment "
                 "scheme list shows them all)",
                 name);
        return;
    }
    schemes_reply(req, r);
}

void assess_scheme_list(struct rpc_req *req)
{
    const Yanxiu__V1__ListSchemesRequest *in = req->env->list_schemes;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district) || !scheme_name_ok(req, in->name))
        return;
    const char *v[] = {district, in->name};
    rpc_query(req, schemes_listed, "scheme_list", 2, v);
}

static void scheme_stored(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    if (!out->ok) {
        rpc_fail_db(req, out);
        return;
    }
    const PGresult *p = out->results[RPC_FIRST_RESULT];
    if (PQntuples(p) > 0) {
        struct rpc_violations vs = {0};
        for (int i = 0; i < PQntuples(p); i++)
            rpc_violation(&vs, PQgetvalue(p, i, 0), "%s", PQgetvalue(p, i, 1));
        rpc_fail_with(req, &vs, "assessment scheme");
        return;
    }
    schemes_reply(req, out->results[RPC_FIRST_RESULT + 1]);
}

void assess_scheme_set(struct rpc_req *req)
{
    const Yanxiu__V1__SetSchemeRequest *in = req->env->set_scheme;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return;
    if (!check_multiline(in->ini, MAX_SCHEME_BYTES)) {
        rpc_fail(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                 "assessment scheme: the file is not UTF-8 text or is larger than 64 KiB");
        return;
    }
    struct rpc_violations vs = {0};
    struct scheme_def d;
    if (!scheme_parse(in->ini, &d, &vs)) {
        scheme_def_free(&d);
        rpc_violations_free(&vs);
        rpc_fail_oom(req);
        return;
    }
    if (vs.total) {
        scheme_def_free(&d);
        rpc_fail_with(req, &vs, "assessment scheme");
        return;
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
        rpc_fail_oom(req);
        return;
    }
    rpc_submit(req, job);
}

/* ---- scores ----------------------------------------------------------------------- */

static void scores_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    if (!out->ok) {
        rpc_fail_db(req, out);
        return;
    }
    /* the daemon's problems (req->pending) first, then the database's: one answer */
    rpc_answer_import(req, out->results[RPC_FIRST_RESULT], "scores", req->pending,
                      "assessment scores import");
}

void assess_scores_import(struct rpc_req *req)
{
    const Yanxiu__V1__ImportScoresRequest *in = req->env->import_scores;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !scheme_name_ok(req, in->scheme) || !compliance_year_ok(req, in->year))
        return;
    if (in->n_scores == 0 || in->n_scores > MAX_SCORE_ROWS) {
        rpc_fail(req,
                 in->n_scores ? YANXIU__V1__CODE__RESOURCE_EXHAUSTED
                              : YANXIU__V1__CODE__INVALID_ARGUMENT,
                 "assessment scores import: %zu rows (give 1 to %d)", in->n_scores, MAX_SCORE_ROWS);
        return;
    }
    /* Problems found here wait in req->pending for the database's (check only). */
    struct rpc_violations *vs = calloc(1, sizeof(*vs));
    if (!vs) {
        rpc_fail_oom(req);
        return;
    }
    req->pending = vs;
    struct pgarr a[3];
    for (int i = 0; i < 3; i++)
        pgarr_init(&a[i]);
    /* "code / item" per row, to find a subject's item scored twice */
    char **keys = calloc(in->n_scores, sizeof(*keys));
    struct check_code_at *at = calloc(in->n_scores, sizeof(*at));
    bool ok = keys && at;
    for (size_t i = 0; ok && i < in->n_scores; i++) {
        const Yanxiu__V1__ItemScore *s = in->scores[i];
        char p[64], num[32] = "";
#define AT(field) (snprintf(p, sizeof(p), "scores[%zu]." field, i), p)
        bool code_ok = check_code(s->subject_code), item_ok = check_text(s->item, 50, false);
        if (!code_ok)
            rpc_violation(vs, AT("subject_code"),
                          "a teacher code (教师编号) or a unit's 10-digit code is 1 to 32 "
                          "letters, digits, _ or -");
        if (!item_ok)
            rpc_violation(vs, AT("item"), "the item is 1 to 50 characters of text");
        if (!scheme_points_ok(s->points, MAX_POINTS, num, sizeof(num)))
            rpc_violation(vs, AT("points"),
                          "points are a number from 0 to %d with one decimal at most", MAX_POINTS);
#undef AT
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
        check_duplicates(vs, at, in->n_scores, "scores", "item", "the score of");
    for (size_t i = 0; keys && i < in->n_scores; i++)
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
                        vs->total ? "true" : "false"};
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
        rpc_fail_oom(req);
        return;
    }
    rpc_submit(req, job);
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
    if (!out->ok) {
        rpc_fail_db(req, out);
        return;
    }
    const Yanxiu__V1__AssessmentQuery *in = req->env->assessment_results;
    const PGresult *r = out->results[RPC_FIRST_RESULT];
    const PGresult *s = out->results[RPC_FIRST_RESULT + 1];
    size_t n = (size_t)PQntuples(r);
    Yanxiu__V1__AssessmentResult *rows = calloc(n + 1, sizeof(*rows));
    Yanxiu__V1__AssessmentResult **ptrs = calloc(n + 1, sizeof(*ptrs));
    bool ok = rows && ptrs && PQntuples(s) == 1;
    size_t filled = 0;
    for (; ok && filled < n; filled++) {
        Yanxiu__V1__AssessmentResult *x = &rows[filled];
        int i = (int)filled;
        yanxiu__v1__assessment_result__init(x);
        ptrs[filled] = x;
        x->subject_code = PQgetvalue(r, i, 2);
        x->name = PQgetvalue(r, i, 3);
        x->unit_code = PQgetvalue(r, i, 4);
        x->items_scored = (uint32_t)strtoul(PQgetvalue(r, i, 5), NULL, 10);
        x->score = strtod(PQgetvalue(r, i, 6), NULL);
        x->grade = PQgetvalue(r, i, 7);
        x->hours_ok = PQgetvalue(r, i, 8)[0] == 't';
        x->absences_ok = PQgetvalue(r, i, 9)[0] == 't';
        x->final_grade = PQgetvalue(r, i, 10);
        x->status = PQgetvalue(r, i, 12);
        ok = split_list(PQgetvalue(r, i, 11), &x->consequences, &x->n_consequences) &&
             compliance_parse_reasons(PQgetvalue(r, i, 13), &x->reasons, &x->n_reasons);
    }
    if (ok) {
        Yanxiu__V1__AssessmentResults res = YANXIU__V1__ASSESSMENT_RESULTS__INIT;
        res.scheme = PQgetvalue(s, 0, 0);
        res.target = PQgetvalue(s, 0, 1);
        res.items = (uint32_t)strtoul(PQgetvalue(s, 0, 2), NULL, 10);
        res.total = strtod(PQgetvalue(s, 0, 3), NULL);
        res.year = in->year;
        char today[11];
        compliance_today(today);
        res.as_of = in->as_of[0] ? in->as_of : today;
        res.results = ptrs;
        res.n_results = n;
        Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
        env.body_case = YANXIU__V1__ENVELOPE__BODY_ASSESSMENT;
        env.assessment = &res;
        rpc_reply(req, &env);
    } else if (rows && ptrs && PQntuples(s) != 1) {
        rpc_fail(req, YANXIU__V1__CODE__INTERNAL, "AssessmentResults: the scheme vanished");
    } else {
        rpc_fail_oom(req);
    }
    for (size_t i = 0; rows && i < filled; i++) {
        free(rows[i].consequences);
        compliance_reasons_free(rows[i].reasons, rows[i].n_reasons);
    }
    free(rows);
    free(ptrs);
}

void assess_results(struct rpc_req *req)
{
    const Yanxiu__V1__AssessmentQuery *in = req->env->assessment_results;
    const char *district, *unit;
    char as_of[11], year[12];
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !scheme_name_ok(req, in->scheme) || !compliance_year_ok(req, in->year) ||
        !compliance_as_of(req, in->as_of, as_of) ||
        !compliance_unit_filter(req, in->unit_code, &unit))
        return;
    snprintf(year, sizeof(year), "%u", in->year);
    const char *v[] = {district, in->scheme, year, as_of, in->approved_only ? "true" : "false",
                       unit};
    const char *sv[] = {district, in->scheme};
    struct db_job *job = rpc_job_new(req, results_done);
    if (!job || !db_job_add(job, "assessment_results", 6, v) ||
        !db_job_add(job, "assessment_scheme_sums", 2, sv)) {
        db_job_free(job);
        rpc_fail_oom(req);
        return;
    }
    rpc_submit(req, job);
}
