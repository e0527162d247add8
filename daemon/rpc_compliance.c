/*
 * rpc_compliance: the district's views — the policy (show, set), teacher,
 * unit and research-group compliance, reporting rates, and a teacher's
 * registration handbook. Every view is one job whose statements read the
 * maintained ledger roll-up (sql/functions/compliance.sql), never sign-in rows.
 * A school sees the same views restricted to its own unit.
 */
#include "rpc_compliance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "policy.h"
#include "rowmap.h"
#include "vocab.h"

#define POLICY_COLS                                                                                \
    "p.cycle_years, p.cycle_first_year, p.hours_cycle, p.hours_year, p.school_hours_year, "        \
    "p.ethics_hours_cycle, p.centralized_hours_cycle, p.homeroom_hours_cycle, p.absence_limit, "   \
    "p.group_short_percent, p.credits_enabled, p.credits_year, p.credit_factor, p.year_basis, "    \
    "p.deadline_day, p.non_creditable::text, p.version, p.effective::text"

static const struct db_stmt compliance_stmts[] = {
    {"policy_get", "SELECT " POLICY_COLS " FROM policy_at($1, $2::date) p"},
    {"policy_set",
     "SELECT version, effective::text FROM policy_set($1, $2::date, $3, $4::int, $5::int, "
     "$6::numeric, $7::numeric, $8::numeric, $9::numeric, $10::numeric, $11::numeric, $12::int, "
     "$13::numeric, $14::boolean, $15::numeric, $16::numeric, $17, $18::int, $19::text[])"},
#define TEACHERS_COLS                                                                              \
    "SELECT teacher_code, name, unit_code, school_code, research_group AS \"group\", hours, "      \
    "school_hours, ethics_hours, centralized_hours, homeroom_hours, round(credits, 1) AS "         \
    "credits, "                                                                                    \
    "absences AS unexcused_absences, status, "                                                     \
    "reasons, cycle, cycle_hours, cycle_ethics_hours, cycle_centralized_hours, "                   \
    "cycle_homeroom_hours, cycle_status, cycle_reasons"
/* By unit, school and teacher, or fewest hours first (the exempt last: they owe none). The
 * cycle's columns are NULL unless $10 asks for them (compliance_teacher_rows). */
#define TEACHERS_FILTER_ORDER                                                                      \
    "FROM compliance_teacher_rows($1, $2::int, $3::date, $4::boolean, $5, $6, $10::boolean) "      \
    "WHERE ($7 = '' OR status = $7) "                                                              \
    "AND ($8 = '' OR teacher_code = $8 OR strpos(name, $8) > 0) "                                  \
    "ORDER BY CASE WHEN $9 = 'hours' THEN status = 'exempt' END, "                                 \
    "CASE WHEN $9 = 'hours' THEN hours END, unit_code, school_code, teacher_code "
    /* a page: the rows before paging beside each */
    {"compliance_teachers", TEACHERS_COLS ", count(*) OVER () AS total " TEACHERS_FILTER_ORDER
                                          "LIMIT nullif($11::int, 0) OFFSET $12::int"},
    /* every row: the total is the rows answered, without a window holding them all once more */
    {"compliance_teachers_all", TEACHERS_COLS " " TEACHERS_FILTER_ORDER},
    {"school_unit", "SELECT unit_code FROM schools WHERE district_code = $1 AND code = $2"},
    {"compliance_window",
     "SELECT w.y_start::text AS year_start, w.y_end::text AS year_end "
     "FROM compliance_windows(policy_for_year($1, $2::int, $3::date), $2::int) w"},
    {"compliance_units",
     "WITH tc AS (SELECT unit_code, teachers AS n, compliant AS c, on_track AS o, behind AS b, "
     "non_compliant AS nc, exempt AS ex "
     "FROM compliance_unit_counts($1, $2::int, $3::date, $4::boolean, $5)), "
     "d AS (SELECT * FROM months_due($1, $2::int, $3::date)), "
     "m AS (SELECT x.* FROM d, reporting_matrix($1, d.first_month, d.last_month, $5) x "
     "WHERE x.expected), "
     "rc AS (SELECT unit_code, count(*) AS e, count(*) FILTER (WHERE received) AS r, "
     "count(*) FILTER (WHERE on_time) AS ot, count(*) FILTER (WHERE state = 'voided') AS v, "
     "count(*) FILTER (WHERE flagged) AS f FROM m GROUP BY unit_code) "
     "SELECT u.code AS unit_code, u.name, coalesce(tc.n, 0) AS teachers, "
     "coalesce(tc.c, 0) AS compliant, coalesce(tc.o, 0) AS on_track, coalesce(tc.b, 0) AS behind, "
     "coalesce(tc.nc, 0) AS non_compliant, coalesce(tc.ex, 0) AS exempt, "
     "CASE WHEN coalesce(tc.n - tc.ex, 0) > 0 THEN tc.c::float8 / (tc.n - tc.ex) ELSE 0 END "
     "AS compliance_rate, coalesce(rc.e, 0) AS reports_expected, "
     "coalesce(rc.r, 0) AS reports_received, coalesce(rc.ot, 0) AS reports_on_time, "
     "coalesce(rc.v, 0) AS voided_reports, coalesce(rc.f, 0) AS flagged_reports "
     "FROM schools u LEFT JOIN tc ON tc.unit_code = u.code LEFT JOIN rc ON rc.unit_code = u.code "
     "WHERE u.district_code = $1 AND u.unit_code = u.code AND ($5 = '' OR u.code = $5) "
     "ORDER BY u.code"},
    {"compliance_groups",
     "SELECT t.unit_code, t.research_group AS \"group\", count(*) AS teachers, "
     "count(*) FILTER (WHERE t.school_short) AS short_of_school_hours, "
     "(count(*) FILTER (WHERE t.school_short))::float8 / count(*) AS short_ratio, "
     "count(*) FILTER (WHERE t.school_short) * 100 >= p.group_short_percent * count(*) "
     "AS flagged "
     "FROM compliance_teacher_rows($1, $2::int, $3::date, $4::boolean, $5, '', false) t, "
     "policy_for_year($1, $2::int, $3::date) p "
     "WHERE t.status <> 'exempt' GROUP BY t.unit_code, t.research_group, p.group_short_percent "
     "ORDER BY 1, 2"},
    {"reporting_rates",
     "WITH r AS (SELECT CASE WHEN $4 <> '' THEN $4::date ELSE w.y_start END AS f, "
     "CASE WHEN $4 <> '' THEN $4::date ELSE least(date_trunc('month', w.y_end)::date, "
     "date_trunc('month', $3::date)::date) END AS t "
     "FROM compliance_windows(policy_for_year($1, $2::int, $3::date), $2::int) w) "
     "SELECT to_char(x.month, 'YYYY-MM') AS month, count(*) FILTER (WHERE x.expected) AS expected, "
     "count(*) FILTER (WHERE x.expected AND x.received) AS received, "
     "count(*) FILTER (WHERE x.expected AND x.on_time) AS on_time "
     "FROM r, reporting_matrix($1, r.f, r.t, $5) x GROUP BY x.month ORDER BY x.month"},
    {"reporting_cells",
     "WITH r AS (SELECT CASE WHEN $4 <> '' THEN $4::date ELSE w.y_start END AS f, "
     "CASE WHEN $4 <> '' THEN $4::date ELSE least(date_trunc('month', w.y_end)::date, "
     "date_trunc('month', $3::date)::date) END AS t "
     "FROM compliance_windows(policy_for_year($1, $2::int, $3::date), $2::int) w) "
     "SELECT x.unit_code, x.unit_name, to_char(x.month, 'YYYY-MM') AS month, "
     "CASE WHEN x.expected OR x.state = 'not_due' THEN x.state ELSE 'closed' END AS state "
     "FROM r, reporting_matrix($1, r.f, r.t, $5) x ORDER BY x.unit_code, x.month"},
    {"history_teacher",
     "SELECT t.code AS teacher_code, t.name, t.school_code, t.subject, t.research_group, "
     "t.homeroom, t.backbone, "
     "t.new_teacher, t.status, s.unit_code, s.name AS school_name FROM teachers t "
     "JOIN schools s ON s.code = "
     "t.school_code WHERE t.district_code = $1 AND t.code = $2 AND ($3 = '' OR s.unit_code = $3)"},
    {"history_records",
     "SELECT unit_code, month, version, status AS report_status, date, source, ref, title, "
     "category, level, mode, hours, credits FROM teacher_records($1, $2) ORDER BY 5, 7"},
    {"history_totals",
     "WITH p AS (SELECT * FROM policy_at($1, $3::date)), "
     "y AS (SELECT compliance_year_of(p.year_basis, l.month) AS yr, "
     "p.cycle_first_year AS cf, p.cycle_years AS cy, l.hours, l.approved "
     "FROM ledger_months l, p WHERE l.district_code = $1 AND l.teacher_code = $2), "
     "c AS (SELECT cf + floor((yr - cf)::numeric / cy)::int * cy AS c0, cy, hours, approved, yr "
     "FROM y) "
     "SELECT 'year' AS kind, yr::text AS period, sum(hours) AS hours, "
     "coalesce(sum(hours) FILTER (WHERE approved), 0) AS approved_hours, 0 "
     "FROM c GROUP BY yr "
     "UNION ALL SELECT 'cycle', format('%s-%s', c0, c0 + cy - 1), sum(hours), "
     "coalesce(sum(hours) FILTER (WHERE approved), 0), 1 FROM c GROUP BY c0, cy "
     "ORDER BY 5, 2"},
};

void rpc_compliance_register(void)
{
    db_register(compliance_stmts, sizeof(compliance_stmts) / sizeof(compliance_stmts[0]));
}

/* Today in Asia/Shanghai (UTC+8, no daylight saving), YYYY-MM-DD. */
void rpc_compliance_today(char out[11])
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The as-of day of a request: its own (checked) or today. False after answering. */
bool rpc_compliance_as_of(struct rpc_req *req, const char *given, char out[11])
{
    if (!given[0]) {
        rpc_compliance_today(out);
        return true;
    }
    if (!check_date(given)) {
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "date_invalid", "value",
                        rpc_quote(given), NULL);
        return false;
    }
    memcpy(out, given, 11);
    return true;
}

/* The unit filter: the school's own unit always; otherwise what was asked. */
bool rpc_compliance_unit_filter(struct rpc_req *req, const char *requested, const char **unit)
{
    const struct session *s = &req->session;
    if (s->role == ROLE_SCHOOL) {
        if (requested[0] && strcmp(requested, s->unit) != 0) {
            rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED, "unit_not_yours", "user",
                            s->user, "unit", s->unit, "requested", rpc_quote(requested), NULL);
            return false;
        }
        *unit = s->unit;
        return true;
    }
    if (requested[0] && !check_digits(requested, 10)) {
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "unit_code_invalid", "value",
                        rpc_quote(requested), NULL);
        return false;
    }
    *unit = requested;
    return true;
}

bool rpc_compliance_year_ok(struct rpc_req *req, uint32_t year)
{
    if (year < 2000 || year > 2100) {
        char value[16];
        snprintf(value, sizeof(value), "%u", year);
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "year_invalid", "value", value,
                        NULL);
        return false;
    }
    return true;
}

/* ---- policy ------------------------------------------------------------------------ */

static void policy_reply(struct rpc_req *req, const PGresult *r, const char *district)
{
    if (PQntuples(r) != 1) {
        rowmap_fail(req, ROWMAP_BAD, "policy: no policy row");
        return;
    }
    const char *version = PQgetvalue(r, 0, POLICY_NKEYS);
    const char *effective = PQgetvalue(r, 0, POLICY_NKEYS + 1);
    char *ini = policy_render(r, district, version, effective);
    if (!ini) {
        rpc_fail_oom(req);
        return;
    }
    Yanxiu__V1__PolicyText p = YANXIU__V1__POLICY_TEXT__INIT;
    p.district_code = (char *)district;
    p.ini = ini;
    p.version = (uint32_t)strtoul(version, NULL, 10);
    p.effective = (char *)effective;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_POLICY;
    env.policy = &p;
    rpc_reply(req, &env);
    free(ini);
}

static void policy_got(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const char *district = req->env->body_case == YANXIU__V1__ENVELOPE__BODY_GET_POLICY
                               ? req->env->get_policy->district_code
                               : req->env->set_policy->district_code;
    if (!district[0])
        district = req->session.district;
    policy_reply(req, out->results[out->nresults - 1], district);
}

enum rpc_status rpc_compliance_policy_get(struct rpc_req *req)
{
    const Yanxiu__V1__GetPolicyRequest *in = req->env->get_policy;
    const char *district;
    char as_of[11];
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !rpc_compliance_as_of(req, in->as_of, as_of))
        return RPC_ANSWERED;
    const char *v[] = {district, as_of};
    return rpc_query(req, policy_got, "policy_get", 2, v);
}

enum rpc_status rpc_compliance_policy_set(struct rpc_req *req)
{
    const Yanxiu__V1__SetPolicyRequest *in = req->env->set_policy;
    const char *district;
    char effective[11];
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !rpc_compliance_as_of(req, in->effective, effective))
        return RPC_ANSWERED;
    struct rpc_violations vs = {0};
    struct policy_values pv;
    if (!check_multiline(in->ini, 64 * 1024)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "policy_not_text", NULL);
    }
    bool ok = policy_parse(in->ini, &pv, &vs);
    if (!ok) {
        policy_values_free(&pv);
        rpc_violations_free(&vs);
        return rpc_fail_oom(req);
    }
    if (vs.total) {
        policy_values_free(&pv);
        return rpc_fail_with(req, &vs, "policy");
    }
    const char *v[3 + POLICY_NKEYS] = {district, effective, req->peer};
    for (int i = 0; i < POLICY_NKEYS; i++)
        v[3 + i] = pv.v[i];
    const char *get[] = {district, effective};
    struct db_job *job = rpc_job_new(req, policy_got);
    ok = job && db_job_add(job, "policy_set", 3 + POLICY_NKEYS, v) &&
         db_job_add(job, "policy_get", 2, get);
    policy_values_free(&pv);
    if (!ok) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/* ---- teachers -------------------------------------------------------------------------- */

/* Splits rule\x1fneeded\x1fhad\x1e... into Reasons; false on OOM. */
bool rpc_compliance_parse_reasons(const char *s, Yanxiu__V1__Reason ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s[0])
        return true;
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == '\x1e';
    Yanxiu__V1__Reason **v = calloc(count, sizeof(*v));
    if (!v)
        return false;
    *out = v;
    const char *p = s;
    while (*p && *n < count) {
        Yanxiu__V1__Reason *r = malloc(sizeof(*r));
        if (!r)
            return false;
        yanxiu__v1__reason__init(r);
        const char *f1 = strchr(p, '\x1f');
        const char *f2 = f1 ? strchr(f1 + 1, '\x1f') : NULL;
        const char *end = strchr(p, '\x1e');
        if (!end)
            end = p + strlen(p);
        r->rule = strndup(p, f1 && f1 < end ? (size_t)(f1 - p) : (size_t)(end - p));
        r->needed = f1 ? strtod(f1 + 1, NULL) : 0;
        r->had = f2 ? strtod(f2 + 1, NULL) : 0;
        v[(*n)++] = r;
        if (!r->rule)
            return false;
        p = *end ? end + 1 : end;
    }
    return true;
}

void rpc_compliance_reasons_free(Yanxiu__V1__Reason **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]->rule);
        free(v[i]);
    }
    free(v);
}

static void teachers_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const Yanxiu__V1__ComplianceQuery *in = req->env->compliance_teachers;
    const PGresult *r = out->results[RPC_FIRST_RESULT];
    const PGresult *w = out->results[RPC_FIRST_RESULT + 1];
    if (in->school_code[0]) {
        /* a school named: of the district, and for a school account of its own unit */
        const PGresult *su = out->results[RPC_FIRST_RESULT + 2];
        if (PQntuples(su) != 1) {
            rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "school_not_in_district", "school",
                            in->school_code, NULL);
            return;
        }
        if (req->session.role == ROLE_SCHOOL &&
            strcmp(PQgetvalue(su, 0, 0), req->session.unit) != 0) {
            rpc_fail_reason(req, YANXIU__V1__CODE__PERMISSION_DENIED, "school_not_yours", "user",
                            req->session.user, "unit", req->session.unit, "school", in->school_code,
                            NULL);
            return;
        }
    }
    Yanxiu__V1__ComplianceTeacherList list = YANXIU__V1__COMPLIANCE_TEACHER_LIST__INIT;
    struct rowmap_rows rows;
    if ((PQntuples(w) && /* year_start, year_end */
         !rowmap_get_row(req, w, 0, &yanxiu__v1__compliance_teacher_list__descriptor, &list)) ||
        !rowmap_get_rows(req, r, &yanxiu__v1__teacher_compliance__descriptor, &rows))
        return;
    int reasons = PQfnumber(r, "reasons"), cycle_reasons = PQfnumber(r, "cycle_reasons");
    Yanxiu__V1__TeacherCompliance **ts = (Yanxiu__V1__TeacherCompliance **)rows.msgs;
    bool ok = true;
    size_t filled = 0;
    for (; ok && filled < rows.n; filled++) {
        Yanxiu__V1__TeacherCompliance *t = ts[filled];
        int i = (int)filled;
        t->year = in->year;
        ok = rpc_compliance_parse_reasons(PQgetvalue(r, i, reasons), &t->reasons, &t->n_reasons);
        if (in->cycle) {
            ok = ok && rpc_compliance_parse_reasons(PQgetvalue(r, i, cycle_reasons),
                                                    &t->cycle_reasons, &t->n_cycle_reasons);
        } else { /* the cycle's columns come NULL: answered only when asked for */
            t->cycle = t->cycle_status = (char *)protobuf_c_empty_string;
            t->cycle_hours = t->cycle_ethics_hours = 0;
            t->cycle_centralized_hours = t->cycle_homeroom_hours = 0;
        }
    }
    if (ok) {
        list.teachers = ts;
        list.n_teachers = rows.n;
        /* the rows before paging (0 when the page is past the end); all of them unpaged */
        int total = PQfnumber(r, "total");
        if (total < 0)
            list.total = (uint32_t)PQntuples(r);
        else
            list.total = PQntuples(r) ? (uint32_t)strtoul(PQgetvalue(r, 0, total), NULL, 10) : 0;
        char as_of[11];
        rpc_compliance_today(as_of);
        list.as_of = in->as_of[0] ? in->as_of : as_of;
        rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST, &list.base);
    } else {
        rpc_fail_oom(req);
    }
    for (size_t i = 0; i < filled; i++) {
        rpc_compliance_reasons_free(ts[i]->reasons, ts[i]->n_reasons);
        rpc_compliance_reasons_free(ts[i]->cycle_reasons, ts[i]->n_cycle_reasons);
    }
    rowmap_rows_free(&rows);
}

/* The teachers' list in its own order ("") or fewest hours first ("hours"); false when the
 * request has been answered (page_order_unknown). Its page: rpc_page_params. */
static bool page_order_ok(struct rpc_req *req, const char *order)
{
    if (order[0] && strcmp(order, "hours") != 0) {
        rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "page_order_unknown", "value",
                        rpc_quote(order), NULL);
        return false;
    }
    return true;
}

enum rpc_status rpc_compliance_teachers(struct rpc_req *req)
{
    const Yanxiu__V1__ComplianceQuery *in = req->env->compliance_teachers;
    const char *district, *unit;
    char as_of[11], year[12];
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !rpc_compliance_year_ok(req, in->year) || !rpc_compliance_as_of(req, in->as_of, as_of) ||
        !rpc_compliance_unit_filter(req, in->unit_code, &unit))
        return RPC_ANSWERED;
    if (in->school_code[0] && !check_digits(in->school_code, 10)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "school_code_invalid",
                               "value", rpc_quote(in->school_code), NULL);
    }
    const char *status = vocab_code_of(&vocab_compliance, in->status);
    if (in->status != 0 && !status[0]) {
        char num[16];
        snprintf(num, sizeof(num), "%d", (int)in->status);
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "compliance_status_unknown",
                               "value", num, NULL);
    }
    char limit[12], offset[12];
    if (!rpc_page_params(req, in->limit, in->offset, in->search, limit, offset) ||
        !page_order_ok(req, in->order))
        return RPC_ANSWERED;
    snprintf(year, sizeof(year), "%u", in->year);
    const char *v[] = {district,  year,
                       as_of,     in->approved_only ? "true" : "false",
                       unit,      in->school_code,
                       status,    in->search,
                       in->order, in->cycle ? "true" : "false",
                       limit,     offset};
    struct db_job *job = rpc_job_new(req, teachers_done);
    const char *wv[] = {district, year, as_of};
    const char *sv[] = {district, in->school_code};
    bool paged = in->limit || in->offset;
    if (!job ||
        !db_job_add(job, paged ? "compliance_teachers" : "compliance_teachers_all", paged ? 12 : 10,
                    v) ||
        !db_job_add(job, "compliance_window", 3, wv) ||
        (in->school_code[0] && !db_job_add(job, "school_unit", 2, sv))) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

/* ---- units --------------------------------------------------------------------------- */

static void units_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    Yanxiu__V1__ComplianceUnitList list = YANXIU__V1__COMPLIANCE_UNIT_LIST__INIT;
    rowmap_reply_list(req, YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE, &list.base, "units",
                      out->results[RPC_FIRST_RESULT]);
}

/* The parameters the unit and group views share; false after answering. */
static bool view_params(struct rpc_req *req, const Yanxiu__V1__ComplianceQuery *in,
                        const char **district, const char **unit, char as_of[11], char year[12])
{
    if (!rpc_scope_district(req, in->district_code, district) ||
        !rpc_compliance_year_ok(req, in->year) || !rpc_compliance_as_of(req, in->as_of, as_of) ||
        !rpc_compliance_unit_filter(req, in->unit_code, unit))
        return false;
    snprintf(year, 12, "%u", in->year);
    return true;
}

enum rpc_status rpc_compliance_units(struct rpc_req *req)
{
    const Yanxiu__V1__ComplianceQuery *in = req->env->compliance_units;
    const char *district, *unit;
    char as_of[11], year[12];
    if (!view_params(req, in, &district, &unit, as_of, year))
        return RPC_ANSWERED;
    const char *v[] = {district, year, as_of, in->approved_only ? "true" : "false", unit};
    return rpc_query(req, units_done, "compliance_units", 5, v);
}

/* ---- research groups ----------------------------------------------------------------- */

static void groups_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    Yanxiu__V1__ComplianceGroupList list = YANXIU__V1__COMPLIANCE_GROUP_LIST__INIT;
    rowmap_reply_list(req, YANXIU__V1__ENVELOPE__BODY_GROUP_LIST, &list.base, "groups",
                      out->results[RPC_FIRST_RESULT]);
}

enum rpc_status rpc_compliance_groups(struct rpc_req *req)
{
    const Yanxiu__V1__ComplianceQuery *in = req->env->compliance_groups;
    const char *district, *unit;
    char as_of[11], year[12];
    if (!view_params(req, in, &district, &unit, as_of, year))
        return RPC_ANSWERED;
    const char *v[] = {district, year, as_of, in->approved_only ? "true" : "false", unit};
    return rpc_query(req, groups_done, "compliance_groups", 5, v);
}

/* ---- reporting rates ----------------------------------------------------------------- */

static void rates_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    struct rowmap_rows months, cells;
    if (!rowmap_get_rows(req, out->results[RPC_FIRST_RESULT], &yanxiu__v1__month_rate__descriptor,
                         &months))
        return;
    if (!rowmap_get_rows(req, out->results[RPC_FIRST_RESULT + 1],
                         &yanxiu__v1__unit_month__descriptor, &cells)) {
        rowmap_rows_free(&months);
        return;
    }
    Yanxiu__V1__ReportingRates rates = YANXIU__V1__REPORTING_RATES__INIT;
    rates.months = (Yanxiu__V1__MonthRate **)months.msgs;
    rates.n_months = months.n;
    rates.cells = (Yanxiu__V1__UnitMonth **)cells.msgs;
    rates.n_cells = cells.n;
    for (size_t k = 0; k < rates.n_months; k++) {
        Yanxiu__V1__MonthRate *x = rates.months[k];
        x->rate = x->expected ? (double)x->received / x->expected : 0;
        x->on_time_rate = x->expected ? (double)x->on_time / x->expected : 0;
    }
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_RATES, &rates.base);
    rowmap_rows_free(&months);
    rowmap_rows_free(&cells);
}

enum rpc_status rpc_compliance_reporting_rates(struct rpc_req *req)
{
    const Yanxiu__V1__ComplianceQuery *in = req->env->reporting_rates;
    const char *district, *unit;
    char as_of[11], year[12], month[16] = "";
    if (!rpc_scope_district(req, in->district_code, &district) ||
        !rpc_compliance_as_of(req, in->as_of, as_of) ||
        !rpc_compliance_unit_filter(req, in->unit_code, &unit))
        return RPC_ANSWERED;
    int y = 0;
    if (in->month[0]) {
        if (!check_month(in->month, &y, NULL)) {
            return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "month_invalid",
                                   "value", rpc_quote(in->month), NULL);
        }
        snprintf(month, sizeof(month), "%s-01", in->month);
    } else if (!rpc_compliance_year_ok(req, in->year)) {
        return RPC_ANSWERED;
    } else {
        y = (int)in->year;
    }
    snprintf(year, sizeof(year), "%d", y);
    const char *v[] = {district, year, as_of, month, unit};
    static const char *const stmts[] = {"reporting_rates", "reporting_cells"};
    return rpc_run(req, rates_done, stmts, 2, 5, v);
}

/* ---- a teacher's registration handbook (登记手册) ------------------------------------ */

static void history_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const PGresult *t = out->results[RPC_FIRST_RESULT];
    const PGresult *r = out->results[RPC_FIRST_RESULT + 1];
    const PGresult *s = out->results[RPC_FIRST_RESULT + 2];
    const char *code = req->env->teacher_history->teacher_code;
    if (PQntuples(t) != 1) {
        if (req->session.role == ROLE_SCHOOL)
            rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "teacher_not_in_unit", "teacher",
                            code, "unit", req->session.unit, NULL);
        else
            rpc_fail_reason(req, YANXIU__V1__CODE__NOT_FOUND, "teacher_not_in_district", "teacher",
                            code, NULL);
        return;
    }
    Yanxiu__V1__Teacher teacher;
    struct rowmap_rows records = {0}, totals;
    if (!rowmap_get_row(req, t, 0, &yanxiu__v1__teacher__descriptor, &teacher) ||
        !rowmap_get_rows(req, r, &yanxiu__v1__history_record__descriptor, &records) ||
        !rowmap_get_rows(req, s, &yanxiu__v1__period_total__descriptor, &totals)) {
        rowmap_rows_free(&records);
        return;
    }
    Yanxiu__V1__TeacherHistory h = YANXIU__V1__TEACHER_HISTORY__INIT;
    h.teacher = &teacher;
    h.records = (Yanxiu__V1__HistoryRecord **)records.msgs;
    h.n_records = records.n;
    h.totals = (Yanxiu__V1__PeriodTotal **)totals.msgs;
    h.n_totals = totals.n;
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_HISTORY, &h.base);
    rowmap_rows_free(&records);
    rowmap_rows_free(&totals);
}

enum rpc_status rpc_compliance_teacher_history(struct rpc_req *req)
{
    const Yanxiu__V1__TeacherHistoryRequest *in = req->env->teacher_history;
    const char *district;
    if (!rpc_scope_district(req, in->district_code, &district))
        return RPC_ANSWERED;
    if (!check_code(in->teacher_code)) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "teacher_code_invalid",
                               "value", rpc_quote(in->teacher_code), NULL);
    }
    const char *unit = req->session.role == ROLE_SCHOOL ? req->session.unit : "";
    char day[11];
    rpc_compliance_today(day);
    const char *vt[] = {district, in->teacher_code, unit};
    const char *vr[] = {district, in->teacher_code};
    const char *vs[] = {district, in->teacher_code, day};
    struct db_job *job = rpc_job_new(req, history_done);
    if (!job || !db_job_add(job, "history_teacher", 3, vt) ||
        !db_job_add(job, "history_records", 2, vr) || !db_job_add(job, "history_totals", 3, vs)) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}
