/*
 * rpc_roster: units and teachers. Each import is validated field by field
 * here (formats, enumerations, duplicates), then sent as arrays to one SQL
 * function that checks what needs the database and upserts in the same
 * transaction; any problem anywhere means nothing is written.
 */
#include "rpc_roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "layout.h"
#include "pgarr.h"
#include "rowmap.h"
#include "vocab.h"

#define MAX_IMPORT_ROWS 100000

static const struct db_stmt roster_stmts[] = {
    /* One row per problem and argument, as layout_db_problems reads them. */
    {"units_import", "SELECT p.n, p.idx, p.field, p.code, a.key, a.value, p.created, p.updated, "
                     "p.unchanged FROM units_import($1, $2, $3::text[], $4::text[], $5::text[], "
                     "$6::text[], $7::date[], $8::date[], $9::text[], $10::boolean) "
                     "WITH ORDINALITY p(idx, field, code, args, created, updated, unchanged, n) "
                     "LEFT JOIN LATERAL jsonb_each_text(p.args) a ON true ORDER BY p.n, a.key"},
    {"units_list", "SELECT code AS school_code, name, kind, "
                   "coalesce(central_code, '') AS central_code, "
                   "coalesce(opened::text, '') AS opened, coalesce(closed::text, '') AS closed, "
                   "unit_code "
                   "FROM schools WHERE district_code = $1 "
                   "ORDER BY unit_code, kind <> 'central', code"},
    {"roster_import", "SELECT p.n, p.idx, p.field, p.code, a.key, a.value, p.created, "
                      "p.updated, p.unchanged FROM roster_import($1, $2, $3, $4::text[], "
                      "$5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[], "
                      "$10::boolean[], $11::boolean[], $12::text[], $13::text[], $14::boolean) "
                      "WITH ORDINALITY p(idx, field, code, args, created, updated, unchanged, n) "
                      "LEFT JOIN LATERAL jsonb_each_text(p.args) a ON true ORDER BY p.n, a.key"},
    {"roster_list",
     "SELECT t.code AS teacher_code, t.name, t.school_code, t.subject, "
     "t.research_group, t.homeroom, t.backbone, t.new_teacher, t.status, s.unit_code "
     "FROM teachers t JOIN schools s ON s.code = t.school_code "
     "WHERE t.district_code = $1 AND ($2 = '' OR s.unit_code = $2) "
     "ORDER BY s.unit_code, t.school_code, t.code"},
    {"always_true", "SELECT true"},
    {"unit_exists", "SELECT EXISTS (SELECT 1 FROM schools WHERE district_code = $1 "
                    "AND unit_code = $2)"},
    {"roster_transfer", "SELECT from_school AS from_school_code, to_unit AS unit_code "
                        "FROM roster_transfer($1, $2, $3, $4)"},
};

void rpc_roster_register(void)
{
    db_register(roster_stmts, sizeof(roster_stmts) / sizeof(roster_stmts[0]));
}

/* Copies the columns a request names into a text array, checking their names. */
static void columns_array(struct rpc_violations *vs, char **cols, size_t n,
                          const char *const *allowed, struct pgarr *out)
{
    for (size_t i = 0; i < n; i++) {
        bool ok = false;
        for (size_t j = 0; allowed[j]; j++)
            ok |= strcmp(cols[i], allowed[j]) == 0;
        if (!ok) {
            char path[32], quoted[41];
            snprintf(path, sizeof(path), "columns[%zu]", i);
            rpc_problem(vs, &(struct rpc_at){.path = path}, "import_column_unknown", "value",
                        check_quote(cols[i], quoted, sizeof(quoted)), NULL);
        }
        pgarr_text(out, cols[i]);
    }
}

/* ---- answering an import --------------------------------------------------- */

static void import_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    bool units = req->env->body_case == YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS;
    rpc_answer_import(req, out->results[RPC_FIRST_RESULT], units ? "units" : "teachers",
                      req->pending, units ? "units import" : "roster import");
}

/* Submits `job` with the arrays, freeing them either way. */
static enum rpc_status submit_arrays(struct rpc_req *req, struct db_job *job, const char *stmt,
                                     const char **head, int nhead, struct pgarr *arrs, int narr,
                                     const char *check_only)
{
    const char *v[16];
    int n = 0;
    bool ok = job != NULL;
    for (int i = 0; i < nhead; i++)
        v[n++] = head[i];
    for (int i = 0; i < narr; i++) {
        v[n] = pgarr_finish(&arrs[i]);
        ok = ok && v[n] != NULL;
        n++;
    }
    v[n++] = check_only;
    ok = ok && db_job_add(job, stmt, n, v);
    for (int i = 0; i < narr; i++)
        pgarr_free(&arrs[i]);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/*
 * The import's problems so far (the files' format problems first), kept with
 * the request for the database's to join; NULL after answering (out of
 * memory, or no rows at all, or too many).
 */
static struct rpc_violations *import_start(struct rpc_req *req, size_t rows)
{
    struct layout *L = req->layout;
    if (rows > MAX_IMPORT_ROWS) {
        char n[24], max[24];
        snprintf(n, sizeof(n), "%zu", rows);
        snprintf(max, sizeof(max), "%d", MAX_IMPORT_ROWS);
        rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "import_too_many_rows", "rows",
                        n, "max", max, NULL);
        return NULL;
    }
    if (rows == 0 && !(L && L->problems.total)) {
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "import_no_rows", NULL);
        return NULL;
    }
    struct rpc_violations *vs = calloc(1, sizeof(*vs));
    if (!vs) {
        rpc_fail_oom(req);
        return NULL;
    }
    req->pending = vs;
    if (L)
        layout_take_problems(L, vs);
    return vs;
}

/* A code of n digits (a school's), or a problem: required when empty. */
static bool digits_field(struct rpc_violations *vs, const struct layout *L, enum layout_list list,
                         size_t i, const char *field, const char *value, bool required)
{
    struct layout_where w;
    char quoted[41];
    if (!value[0]) {
        if (required)
            LAYOUT_PROBLEM(vs, L, list, i, field, value, "value_required", NULL);
        return !required;
    }
    if (check_digits(value, 10))
        return true;
    LAYOUT_PROBLEM(vs, L, list, i, field, value, "school_code_bad", "value",
                   check_quote(value, quoted, sizeof(quoted)), NULL);
    return false;
}

static enum rpc_status units_checked(struct rpc_req *req);

enum rpc_status rpc_roster_import_units(struct rpc_req *req)
{
    const Yanxiu__V1__ImportUnitsRequest *in = req->env->import_units;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    return layout_upload(req, LAYOUT_UNITS, in->files, in->n_files, in->n_units || in->n_columns,
                         units_checked);
}

static enum rpc_status units_checked(struct rpc_req *req)
{
    const Yanxiu__V1__ImportUnitsRequest *in = req->env->import_units;
    const struct layout *L = req->layout;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    Yanxiu__V1__Unit **units = L ? L->units : in->units;
    size_t n = L ? L->n_units : in->n_units;
    struct rpc_violations *vs = import_start(req, n);
    if (!vs)
        return RPC_ANSWERED;
    struct pgarr a[7];
    for (int i = 0; i < 7; i++)
        pgarr_init(&a[i]);
    const enum layout_list U = LL_UNITS;
    for (size_t i = 0; i < n; i++) {
        const Yanxiu__V1__Unit *u = units[i];
        struct layout_where w;
        bool code_ok = digits_field(vs, L, U, i, "school_code", u->school_code, true);
        bool name_ok = layout_text(vs, L, U, i, "name", u->name, 100, true);
        const char *kind = layout_term(vs, L, U, i, "kind", &vocab_unit_kind, u->kind, NULL);
        bool primary = kind && strcmp(kind, "primary") == 0;
        bool central_ok = digits_field(vs, L, U, i, "central_code", u->central_code, primary);
        if (!primary && kind && u->central_code[0]) {
            LAYOUT_PROBLEM(vs, L, U, i, "central_code", u->central_code,
                           "units_central_not_primary", "value", u->central_code, NULL);
            central_ok = false;
        }
        bool opened_ok = !u->opened[0] || check_date(u->opened);
        if (!opened_ok)
            LAYOUT_PROBLEM(vs, L, U, i, "opened", u->opened, "value_not_date", "value", u->opened,
                           NULL);
        bool closed_ok = !u->closed[0] || check_date(u->closed);
        if (!closed_ok)
            LAYOUT_PROBLEM(vs, L, U, i, "closed", u->closed, "value_not_date", "value", u->closed,
                           NULL);
        if (opened_ok && closed_ok && u->opened[0] && u->closed[0] &&
            strcmp(u->closed, u->opened) < 0) {
            LAYOUT_PROBLEM(vs, L, U, i, "closed", u->closed, "units_closed_before_opened", "opened",
                           u->opened, "closed", u->closed, NULL);
            closed_ok = false;
        }
        pgarr_text(&a[0], code_ok ? u->school_code : NULL);
        pgarr_text(&a[1], name_ok ? u->name : NULL);
        pgarr_text(&a[2], kind);
        pgarr_text_or_null(&a[3], central_ok ? u->central_code : "");
        pgarr_text_or_null(&a[4], opened_ok ? u->opened : "");
        pgarr_text_or_null(&a[5], closed_ok ? u->closed : "");
    }
    struct check_code_at *codes = malloc((n + 1) * sizeof(*codes));
    if (codes) {
        for (size_t i = 0; i < n; i++)
            codes[i] = (struct check_code_at){units[i]->school_code, i};
        layout_duplicates(vs, L, codes, n, U, "school_code", "value_duplicate");
        free(codes);
    }
    static const char *const unit_columns[] = {"school_code", "name",   "kind", "central_code",
                                               "opened",      "closed", NULL};
    pgarr_init(&a[6]);
    columns_array(vs, L ? L->columns : in->columns, L ? L->n_columns : in->n_columns, unit_columns,
                  &a[6]);
    if (!codes) {
        for (int i = 0; i < 7; i++)
            pgarr_free(&a[i]);
        return rpc_fail_oom(req);
    }
    const char *head[] = {district, req->peer};
    return submit_arrays(req, rpc_job_new(req, import_done), "units_import", head, 2, a, 7,
                         vs->total || in->check_only ? "true" : "false");
}

static void units_listed(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    Yanxiu__V1__UnitList list = YANXIU__V1__UNIT_LIST__INIT;
    rowmap_reply_list(req, YANXIU__V1__ENVELOPE__BODY_UNIT_LIST, &list.base, "units",
                      out->results[RPC_FIRST_RESULT]);
}

enum rpc_status rpc_roster_list_units(struct rpc_req *req)
{
    const char *district;
    if (!rpc_scope_district(req, req->env->list_units->district_code, &district))
        return RPC_ANSWERED;
    const char *v[] = {district};
    return rpc_query(req, units_listed, "units_list", 1, v);
}

static enum rpc_status roster_checked(struct rpc_req *req);

enum rpc_status rpc_roster_import(struct rpc_req *req)
{
    const Yanxiu__V1__ImportRosterRequest *in = req->env->import_roster;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    return layout_upload(req, LAYOUT_ROSTER, in->files, in->n_files,
                         in->n_teachers || in->n_columns, roster_checked);
}

static enum rpc_status roster_checked(struct rpc_req *req)
{
    const Yanxiu__V1__ImportRosterRequest *in = req->env->import_roster;
    const struct layout *L = req->layout;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    Yanxiu__V1__Teacher **teachers = L ? L->teachers : in->teachers;
    size_t n = L ? L->n_teachers : in->n_teachers;
    struct rpc_violations *vs = import_start(req, n);
    if (!vs)
        return RPC_ANSWERED;
    struct pgarr a[10];
    for (int i = 0; i < 9; i++)
        pgarr_init(&a[i]);
    const enum layout_list T = LL_TEACHERS;
    for (size_t i = 0; i < n; i++) {
        const Yanxiu__V1__Teacher *t = teachers[i];
        struct layout_where w;
        char quoted[41];
        bool code_ok = check_code(t->teacher_code);
        if (!t->teacher_code[0])
            LAYOUT_PROBLEM(vs, L, T, i, "teacher_code", "", "value_required", NULL);
        else if (!code_ok)
            LAYOUT_PROBLEM(vs, L, T, i, "teacher_code", t->teacher_code, "teacher_code_bad",
                           "value", check_quote(t->teacher_code, quoted, sizeof(quoted)), NULL);
        bool name_ok = layout_text(vs, L, T, i, "name", t->name, 50, true);
        bool school_ok = digits_field(vs, L, T, i, "school_code", t->school_code, true);
        bool subject_ok = layout_text(vs, L, T, i, "subject", t->subject, 50, false);
        bool group_ok = layout_text(vs, L, T, i, "research_group", t->research_group, 50, false);
        /* not given (an empty cell, or a term layout_read refused): active */
        const char *status =
            layout_term(vs, L, T, i, "status", &vocab_teacher_status, t->status, "active");
        pgarr_text(&a[0], code_ok ? t->teacher_code : NULL);
        pgarr_text(&a[1], name_ok ? t->name : NULL);
        pgarr_text(&a[2], school_ok ? t->school_code : NULL);
        pgarr_text(&a[3], subject_ok ? t->subject : NULL);
        pgarr_text(&a[4], group_ok ? t->research_group : NULL);
        pgarr_bool(&a[5], t->homeroom);
        pgarr_bool(&a[6], t->backbone);
        pgarr_bool(&a[7], t->new_teacher);
        pgarr_text(&a[8], status);
    }
    struct check_code_at *codes = malloc((n + 1) * sizeof(*codes));
    if (codes) {
        for (size_t i = 0; i < n; i++)
            codes[i] = (struct check_code_at){teachers[i]->teacher_code, i};
        layout_duplicates(vs, L, codes, n, T, "teacher_code", "value_duplicate");
        free(codes);
    }
    static const char *const teacher_columns[] = {
        "teacher_code", "name",     "school_code", "subject", "research_group",
        "homeroom",     "backbone", "new_teacher", "status",  NULL};
    pgarr_init(&a[9]);
    columns_array(vs, L ? L->columns : in->columns, L ? L->n_columns : in->n_columns,
                  teacher_columns, &a[9]);
    if (!codes) {
        for (int i = 0; i < 10; i++)
            pgarr_free(&a[i]);
        return rpc_fail_oom(req);
    }
    const char *unit = req->session.role == ROLE_SCHOOL ? req->session.unit : "";
    const char *head[] = {district, unit, req->peer};
    return submit_arrays(req, rpc_job_new(req, import_done), "roster_import", head, 3, a, 10,
                         vs->total || in->check_only ? "true" : "false");
}

static void roster_listed(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const char *unit = req->env->list_roster->unit_code;
    if (req->session.role == ROLE_SCHOOL)
        unit = req->session.unit;
    if (strcmp(PQgetvalue(out->results[RPC_FIRST_RESULT], 0, 0), "t") != 0) {
        rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "roster_unit_not_found", "unit", unit,
                        "district",
                        req->session.role == ROLE_ADMIN ? req->env->list_roster->district_code
                                                        : req->session.district,
                        NULL);
        return;
    }
    Yanxiu__V1__RosterList list = YANXIU__V1__ROSTER_LIST__INIT;
    rowmap_reply_list(req, YANXIU__V1__ENVELOPE__BODY_ROSTER_LIST, &list.base, "teachers",
                      out->results[RPC_FIRST_RESULT + 1]);
}

enum rpc_status rpc_roster_list(struct rpc_req *req)
{
    const Yanxiu__V1__ListRosterRequest *in = req->env->list_roster;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    const char *unit = in->unit_code;
    if (req->session.role == ROLE_SCHOOL) {
        if (unit[0] && strcmp(unit, req->session.unit) != 0) {
            return rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED,
                                   "roster_unit_not_yours", "user", req->session.user, "unit",
                                   req->session.unit, "value", rpc_text_ok(unit, 64) ? unit : "?",
                                   NULL);
        }
        unit = req->session.unit;
    } else if (unit[0] && !check_digits(unit, 10)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "school_code_bad", "value",
                               rpc_text_ok(unit, 64) ? unit : "?", NULL);
    }
    /* An unknown unit is NOT_FOUND, not an empty list: the caller named
     * something that is not theirs to see. Without a unit the check is
     * vacuously true. */
    const char *v[] = {district, unit};
    struct db_job *job = rpc_job_new(req, roster_listed);
    bool ok = job != NULL;
    if (ok && unit[0])
        ok = db_job_add(job, "unit_exists", 2, v);
    else if (ok)
        ok = db_job_add(job, "always_true", 0, NULL);
    ok = ok && db_job_add(job, "roster_list", 2, v);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

static void transferred(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    PGresult *r = out->results[RPC_FIRST_RESULT];
    const Yanxiu__V1__TransferTeacherRequest *in = req->env->transfer_teacher;
    Yanxiu__V1__Teacher t;
    Yanxiu__V1__TransferTeacherResponse resp;
    /* t takes the row's unit_code, resp its from_school_code */
    if (!rowmap_get_row(req, r, 0, &yanxiu__v1__teacher__descriptor, &t) ||
        !rowmap_get_row(req, r, 0, &yanxiu__v1__transfer_teacher_response__descriptor, &resp))
        return;
    t.teacher_code = in->teacher_code;
    t.school_code = in->to_school_code;
    resp.teacher = &t;
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_TRANSFER_REPLY, &resp.base);
}

enum rpc_status rpc_roster_transfer(struct rpc_req *req)
{
    const Yanxiu__V1__TransferTeacherRequest *in = req->env->transfer_teacher;
    if (!check_code(in->teacher_code) || !check_digits(in->to_school_code, 10)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "roster_transfer_bad",
                               NULL);
    }
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    const char *v[] = {district, in->teacher_code, in->to_school_code, req->peer};
    return rpc_query(req, transferred, "roster_transfer", 4, v);
}
