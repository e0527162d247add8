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
#include "pgarr.h"
#include "rowmap.h"
#include "vocab.h"

#define MAX_IMPORT_ROWS 100000

static const struct db_stmt roster_stmts[] = {
    {"units_import", "SELECT idx, field, reason, created, updated, unchanged "
                     "FROM units_import($1, $2, $3::text[], $4::text[], $5::text[], $6::text[], "
                     "$7::date[], $8::date[], $9::text[])"},
    {"units_list", "SELECT code AS school_code, name, kind, "
                   "coalesce(central_code, '') AS central_code, "
                   "coalesce(opened::text, '') AS opened, coalesce(closed::text, '') AS closed, "
                   "unit_code "
                   "FROM schools WHERE district_code = $1 "
                   "ORDER BY unit_code, kind <> 'central', code"},
    {"roster_import", "SELECT idx, field, reason, created, updated, unchanged "
                      "FROM roster_import($1, $2, $3, $4::text[], $5::text[], $6::text[], "
                      "$7::text[], $8::text[], $9::boolean[], $10::boolean[], $11::boolean[], "
                      "$12::text[], $13::text[])"},
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

/* Copies the columns a file had into a text array, checking their names. */
static void columns_array(struct rpc_violations *vs, char **cols, size_t n,
                          const char *const *allowed, struct pgarr *out)
{
    for (size_t i = 0; i < n; i++) {
        bool ok = false;
        for (size_t j = 0; allowed[j]; j++)
            ok |= strcmp(cols[i], allowed[j]) == 0;
        if (!ok) {
            char path[32];
            snprintf(path, sizeof(path), "columns[%zu]", i);
            rpc_violation(vs, path, "not an optional column of this import");
        }
        pgarr_text(out, cols[i]);
    }
}

/* ---- answering an import --------------------------------------------------- */

static void import_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const char *list =
        req->env->body_case == YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS ? "units" : "teachers";
    rpc_answer_import(req, out->results[RPC_FIRST_RESULT], list, NULL, req->method->name);
}

/* Submits `job` with the arrays, freeing them either way. */
static enum rpc_status submit_arrays(struct rpc_req *req, struct db_job *job, const char *stmt,
                                     const char **head, int nhead, struct pgarr *arrs, int narr)
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
    ok = ok && db_job_add(job, stmt, n, v);
    for (int i = 0; i < narr; i++)
        pgarr_free(&arrs[i]);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

enum rpc_status rpc_roster_import_units(struct rpc_req *req)
{
    const Yanxiu__V1__ImportUnitsRequest *in = req->env->import_units;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    if (in->n_units == 0 || in->n_units > MAX_IMPORT_ROWS) {
        return rpc_fail(req,
                        in->n_units ? YANXIU__V1__CODE__RESOURCE_EXHAUSTED
                                    : YANXIU__V1__CODE__INVALID_ARGUMENT,
                        "units import: %zu rows (give 1 to %d)", in->n_units, MAX_IMPORT_ROWS);
    }
    struct rpc_violations vs = {0};
    struct pgarr a[7];
    for (int i = 0; i < 6; i++)
        pgarr_init(&a[i]);
    for (size_t i = 0; i < in->n_units; i++) {
        const Yanxiu__V1__Unit *u = in->units[i];
        char p[64];
#define AT(field) (snprintf(p, sizeof(p), "units[%zu]." field, i), p)
        char quoted[41]; /* at most 40 bytes of it, cut between characters */
        if (!check_digits(u->school_code, 10))
            rpc_violation(&vs, AT("school_code"),
                          "\"%s\" is not a 10-digit school code (学校标识码)",
                          check_quote(u->school_code, quoted, sizeof(quoted)));
        if (!u->name[0] || !rpc_text_ok(u->name, 400) || check_utf8_chars(u->name) > 100)
            rpc_violation(&vs, AT("name"),
                          "the school name is empty, longer than 100 characters or not text");
        const char *kind = vocab_code(&vocab_unit_kind, u->kind);
        if (!kind)
            rpc_violation(
                &vs, AT("kind"),
                "unknown kind; use central 中心校, primary 小学, junior 初中, senior 高中, "
                "nine_year 九年一贯制 or kindergarten 幼儿园");
        bool primary = kind && strcmp(kind, "primary") == 0;
        if (primary && !check_digits(u->central_code, 10))
            rpc_violation(&vs, AT("central_code"),
                          "a primary school names its central school (所属中心校, 10 digits)");
        if (!primary && u->central_code[0])
            rpc_violation(&vs, AT("central_code"),
                          "only primary schools belong to a central school; leave it empty");
        if (u->opened[0] && !check_date(u->opened))
            rpc_violation(&vs, AT("opened"), "not a date (YYYY-MM-DD)");
        if (u->closed[0] && !check_date(u->closed))
            rpc_violation(&vs, AT("closed"), "not a date (YYYY-MM-DD)");
        if (u->opened[0] && u->closed[0] && strcmp(u->closed, u->opened) < 0)
            rpc_violation(&vs, AT("closed"), "closed before it opened");
#undef AT
        pgarr_text(&a[0], u->school_code);
        pgarr_text(&a[1], u->name);
        pgarr_text(&a[2], kind ? kind : "");
        pgarr_text(&a[3], u->central_code);
        pgarr_text_or_null(&a[4], u->opened);
        pgarr_text_or_null(&a[5], u->closed);
    }
    struct check_code_at *codes = malloc((in->n_units + 1) * sizeof(*codes));
    if (codes) {
        for (size_t i = 0; i < in->n_units; i++)
            codes[i] = (struct check_code_at){in->units[i]->school_code, i};
        check_duplicates(&vs, codes, in->n_units, "units", "school_code", "school");
        free(codes);
    }
    static const char *const unit_columns[] = {"school_code", "name",   "kind", "central_code",
                                               "opened",      "closed", NULL};
    pgarr_init(&a[6]);
    columns_array(&vs, in->columns, in->n_columns, unit_columns, &a[6]);
    if (!codes || vs.total) {
        for (int i = 0; i < 7; i++)
            pgarr_free(&a[i]);
        if (!codes)
            rpc_fail_oom(req);
        else
            rpc_fail_with(req, &vs, "units import");
        return RPC_ANSWERED;
    }
    const char *head[] = {district, req->peer};
    return submit_arrays(req, rpc_job_new(req, import_done), "units_import", head, 2, a, 7);
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

enum rpc_status rpc_roster_import(struct rpc_req *req)
{
    const Yanxiu__V1__ImportRosterRequest *in = req->env->import_roster;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    if (in->n_teachers == 0 || in->n_teachers > MAX_IMPORT_ROWS) {
        return rpc_fail(req,
                        in->n_teachers ? YANXIU__V1__CODE__RESOURCE_EXHAUSTED
                                       : YANXIU__V1__CODE__INVALID_ARGUMENT,
                        "roster import: %zu rows (give 1 to %d)", in->n_teachers, MAX_IMPORT_ROWS);
    }
    struct rpc_violations vs = {0};
    struct pgarr a[10];
    for (int i = 0; i < 9; i++)
        pgarr_init(&a[i]);
    for (size_t i = 0; i < in->n_teachers; i++) {
        const Yanxiu__V1__Teacher *t = in->teachers[i];
        char p[64];
#define AT(field) (snprintf(p, sizeof(p), "teachers[%zu]." field, i), p)
        if (!check_code(t->teacher_code))
            rpc_violation(&vs, AT("teacher_code"),
                          "the teacher code (教师编号) must be 1 to 32 letters, digits, _ or -");
        if (!t->name[0] || !rpc_text_ok(t->name, 200) || check_utf8_chars(t->name) > 50)
            rpc_violation(&vs, AT("name"),
                          "the name is empty, longer than 50 characters or not text");
        if (!check_digits(t->school_code, 10))
            rpc_violation(&vs, AT("school_code"), "not a 10-digit school code (学校代码)");
        if (!rpc_text_ok(t->subject, 150))
            rpc_violation(&vs, AT("subject"), "too long or not text");
        if (!rpc_text_ok(t->research_group, 150))
            rpc_violation(&vs, AT("research_group"), "too long or not text");
        const char *status =
            t->status[0]
                ? vocab_code(&vocab_teacher_status, t->status)
                : "active";
        if (!status)
            rpc_violation(
                &vs, AT("status"),
                "unknown status; use active 在职, exempt 免训 or left 离职 (empty: active)");
#undef AT
        pgarr_text(&a[0], t->teacher_code);
        pgarr_text(&a[1], t->name);
        pgarr_text(&a[2], t->school_code);
        pgarr_text(&a[3], t->subject);
        pgarr_text(&a[4], t->research_group);
        pgarr_bool(&a[5], t->homeroom);
        pgarr_bool(&a[6], t->backbone);
        pgarr_bool(&a[7], t->new_teacher);
        pgarr_text(&a[8], status ? status : "");
    }
    struct check_code_at *codes = malloc((in->n_teachers + 1) * sizeof(*codes));
    if (codes) {
        for (size_t i = 0; i < in->n_teachers; i++)
            codes[i] = (struct check_code_at){in->teachers[i]->teacher_code, i};
        check_duplicates(&vs, codes, in->n_teachers, "teachers", "teacher_code", "teacher");
        free(codes);
    }
    static const char *const teacher_columns[] = {
        "teacher_code", "name",     "school_code", "subject", "research_group",
        "homeroom",     "backbone", "new_teacher", "status",  NULL};
    pgarr_init(&a[9]);
    columns_array(&vs, in->columns, in->n_columns, teacher_columns, &a[9]);
    if (!codes || vs.total) {
        for (int i = 0; i < 10; i++)
            pgarr_free(&a[i]);
        if (!codes)
            rpc_fail_oom(req);
        else
            rpc_fail_with(req, &vs, "roster import");
        return RPC_ANSWERED;
    }
    const char *unit = req->session.role == ROLE_SCHOOL ? req->session.unit : "";
    const char *head[] = {district, unit, req->peer};
    return submit_arrays(req, rpc_job_new(req, import_done), "roster_import", head, 3, a, 10);
}

static void roster_listed(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const char *unit = req->env->list_roster->unit_code;
    if (req->session.role == ROLE_SCHOOL)
        unit = req->session.unit;
    if (strcmp(PQgetvalue(out->results[RPC_FIRST_RESULT], 0, 0), "t") != 0) {
        rpc_fail(req, YANXIU__V1__CODE__NOT_FOUND,
                 "roster list: no reporting unit %s in district %s (see yanxiu units list)", unit,
                 req->session.role == ROLE_ADMIN ? req->env->list_roster->district_code
                                                 : req->session.district);
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
            return rpc_fail(req, YANXIU__V1__CODE__PERMISSION_DENIED,
                            "roster list: user %s sees only unit %s, not %s", req->session.user,
                            req->session.unit, rpc_text_ok(unit, 64) ? unit : "?");
        }
        unit = req->session.unit;
    } else if (unit[0] && !check_digits(unit, 10)) {
        return rpc_fail(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                        "roster list: --unit takes a 10-digit code");
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
        return rpc_fail(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                        "roster transfer: give a teacher code and a 10-digit school code");
    }
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    const char *v[] = {district, in->teacher_code, in->to_school_code, req->peer};
    return rpc_query(req, transferred, "roster_transfer", 4, v);
}
