/*
 * Compliance (issue 5, "Tests"), against the real daemon and database: every
 * request goes through the protocol (SetPolicy, SubmitReport, ReviewReport,
 * TransferTeacher, ComplianceTeachers/Units/Groups, ReportingRates,
 * TeacherHistory) as a district account (and a school account for the scope
 * checks); only the ledger check reads and corrupts tables with psql.
 *
 * Each test has a district of its own (its own units, roster, policy), so the
 * tests do not see each other's data. Each sets a small known policy with
 * SetPolicy, effective 2020-01-01, so that nothing depends on the defaults
 * (which one test shows once). "Today" is placed with ComplianceQuery.as_of:
 * 2027-09-01 judges the school year 2026 (2026-09 .. 2027-08) as over.
 * Months after the current one cannot be reported, so the data lies in
 * 2025-12 .. 2026-11 and the current month.
 */
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "vocab.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define PASSWORD "Compliance-pw-5e1f9c3a"

/* --- time bound ------------------------------------------------------------------ */

#define TEST_SECONDS 150

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "\ntest_compliance: a test ran longer than its time bound; "
                              "stopping\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(1);
}

static int arm(void **state)
{
    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(TEST_SECONDS);
    return 0;
}

static int disarm(void **state)
{
    (void)state;
    alarm(0);
    return 0;
}

/* --- small assertions ---------------------------------------------------------------- */

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-6;
}

#define EXPECT_NUM(got, want, ...)                                                                 \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (!near(g_, w_)) {                                                                       \
            char what_[512];                                                                       \
            snprintf(what_, sizeof(what_), __VA_ARGS__);                                           \
            fail_msg("%s: expected %g, got %g", what_, w_, g_);                                    \
        }                                                                                          \
    } while (0)

#define EXPECT_STR(got, want, ...)                                                                 \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (strcmp(g_ ? g_ : "", w_) != 0) {                                                       \
            char what_[512];                                                                       \
            snprintf(what_, sizeof(what_), __VA_ARGS__);                                           \
            fail_msg("%s: expected \"%s\", got \"%s\"", what_, w_, g_ ? g_ : "");                  \
        }                                                                                          \
    } while (0)

/* --- sessions, units, roster --------------------------------------------------------------- */

/* Adds district `code` and a district account for it; returns its logged-in connection. */
static struct yxc *district_session(const char *code, const char *name)
{
    it_add_district(code, name);
    char user[64];
    snprintf(user, sizeof(user), "cp.d%s", code);
    it_add_user(user, "district", code, NULL, PASSWORD);
    return it_login(user, PASSWORD, NULL);
}

/* A school account of unit `unit`; returns its logged-in connection. */
static struct yxc *school_session(const char *district, const char *unit)
{
    char user[64];
    snprintf(user, sizeof(user), "cp.s%s", unit);
    it_add_user(user, "school", district, unit, PASSWORD);
    return it_login(user, PASSWORD, NULL);
}

static Yanxiu__V1__Envelope *call(struct yxc *c, Yanxiu__V1__Envelope *env)
{
    return it_call_env(c, env);
}

/* The answer must be of case `expect`; otherwise fails with what came back. */
static void expect_body(const Yanxiu__V1__Envelope *resp, Yanxiu__V1__Envelope__BodyCase expect,
                        const char *what)
{
    if (resp->body_case == expect)
        return;
    char d[4096];
    it_describe(resp, d, sizeof(d));
    fail_msg("%s: expected %s, got %s", what, yxc_body_name(expect), d);
}

/* The answer must be an Error with `code`; returns it. */
static const Yanxiu__V1__Error *expect_error(const Yanxiu__V1__Envelope *resp, int code,
                                             const char *what)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || (int)resp->error->code != code) {
        char d[4096];
        it_describe(resp, d, sizeof(d));
        fail_msg("%s: expected the error %s, got %s", what, frame_code_name(code), d);
    }
    return resp->error;
}

struct unit_row {
    const char *code, *name, *kind, *central, *opened, *closed;
};

static void import_units(struct yxc *c, const struct unit_row *u, size_t n)
{
    Yanxiu__V1__ImportUnitsRequest in = YANXIU__V1__IMPORT_UNITS_REQUEST__INIT;
    Yanxiu__V1__Unit *units = calloc(n, sizeof(*units));
    Yanxiu__V1__Unit **ptrs = calloc(n, sizeof(*ptrs));
    assert_non_null(units);
    assert_non_null(ptrs);
    for (size_t i = 0; i < n; i++) {
        yanxiu__v1__unit__init(&units[i]);
        units[i].school_code = (char *)u[i].code;
        units[i].name = (char *)u[i].name;
        units[i].kind = (Yanxiu__V1__UnitKind)vocab_value(&vocab_unit_kind, u[i].kind);
        units[i].central_code = (char *)(u[i].central ? u[i].central : "");
        units[i].opened = (char *)(u[i].opened ? u[i].opened : "");
        units[i].closed = (char *)(u[i].closed ? u[i].closed : "");
        ptrs[i] = &units[i];
    }
    in.units = ptrs;
    in.n_units = n;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS;
    env.import_units = &in;
    Yanxiu__V1__Envelope *resp = call(c, &env);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT, "ImportUnits");
    yxc_free(resp);
    free(units);
    free(ptrs);
}

/* A teacher of the roster; the strings are copied into the struct. */
struct teacher_row {
    char code[24], name[48], school[16], group[24], status[12];
    bool homeroom;
};

static void teacher_set(struct teacher_row *t, const char *code, const char *school,
                        const char *group, const char *status)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->code, sizeof(t->code), "%s", code);
    snprintf(t->name, sizeof(t->name), "教师%s", code);
    snprintf(t->school, sizeof(t->school), "%s", school);
    snprintf(t->group, sizeof(t->group), "%s", group ? group : "语文");
    snprintf(t->status, sizeof(t->status), "%s", status ? status : "active");
}

static void import_roster(struct yxc *c, const struct teacher_row *t, size_t n)
{
    Yanxiu__V1__ImportRosterRequest in = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
    Yanxiu__V1__Teacher *rows = calloc(n, sizeof(*rows));
    Yanxiu__V1__Teacher **ptrs = calloc(n, sizeof(*ptrs));
    assert_non_null(rows);
    assert_non_null(ptrs);
    for (size_t i = 0; i < n; i++) {
        yanxiu__v1__teacher__init(&rows[i]);
        rows[i].teacher_code = (char *)t[i].code;
        rows[i].name = (char *)t[i].name;
        rows[i].school_code = (char *)t[i].school;
        rows[i].subject = (char *)t[i].group;
        rows[i].research_group = (char *)t[i].group;
        rows[i].homeroom = t[i].homeroom;
        rows[i].status = (Yanxiu__V1__TeacherStatus)vocab_value(&vocab_teacher_status, t[i].status);
        ptrs[i] = &rows[i];
    }
    in.teachers = ptrs;
    in.n_teachers = n;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER;
    env.import_roster = &in;
    Yanxiu__V1__Envelope *resp = call(c, &env);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT, "ImportRoster");
    yxc_free(resp);
    free(rows);
    free(ptrs);
}

/* Imports teachers `codes` (NULL-terminated) at `school`, all in `group`, all active. */
static void roster(struct yxc *c, const char *school, const char *group, const char *const *codes)
{
    size_t n = 0;
    while (codes[n])
        n++;
    struct teacher_row *t = calloc(n, sizeof(*t));
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        teacher_set(&t[i], codes[i], school, group, NULL);
    import_roster(c, t, n);
    free(t);
}

/* Moves a teacher (asserts success); copies the school it left and its new unit when asked. */
static void transfer_ok(struct yxc *c, const char *teacher, const char *to_school,
                        char from_out[16], char unit_out[16])
{
    Yanxiu__V1__TransferTeacherRequest in = YANXIU__V1__TRANSFER_TEACHER_REQUEST__INIT;
    in.teacher_code = (char *)teacher;
    in.to_school_code = (char *)to_school;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER;
    env.transfer_teacher = &in;
    Yanxiu__V1__Envelope *resp = call(c, &env);
    char what[128];
    snprintf(what, sizeof(what), "TransferTeacher %s to %s", teacher, to_school);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_TRANSFER_REPLY, what);
    if (from_out)
        snprintf(from_out, 16, "%s", resp->transfer_reply->from_school_code);
    if (unit_out)
        snprintf(unit_out, 16, "%s",
                 resp->transfer_reply->teacher ? resp->transfer_reply->teacher->unit_code : "");
    yxc_free(resp);
}

/* --- policy ------------------------------------------------------------------------------- */

static Yanxiu__V1__Envelope *set_policy(struct yxc *c, const char *ini, const char *effective)
{
    Yanxiu__V1__SetPolicyRequest in = YANXIU__V1__SET_POLICY_REQUEST__INIT;
    in.ini = (char *)ini;
    in.effective = (char *)(effective ? effective : "");
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SET_POLICY;
    env.set_policy = &in;
    return call(c, &env);
}

/* Stores a policy (asserts success); returns its version. */
static uint32_t set_policy_ok(struct yxc *c, const char *ini, const char *effective)
{
    Yanxiu__V1__Envelope *resp = set_policy(c, ini, effective);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_POLICY, "SetPolicy");
    uint32_t v = resp->policy->version;
    assert_true(v >= 1);
    EXPECT_STR(resp->policy->effective, effective, "SetPolicy: the effective date answered");
    yxc_free(resp);
    return v;
}

/*
 * The test policy: every hours rule 0 except those given, absences 3, groups
 * 15 %, school years, deadline day 5, cycles of 5 years from 2026. `extra` are
 * more lines (they must not repeat a key given here).
 */
static uint32_t test_policy(struct yxc *c, double hours_year, double school_hours_year,
                            const char *extra)
{
    char ini[2048];
    snprintf(ini, sizeof(ini),
             "# the compliance tests' policy\n"
             "[policy]\n"
             "cycle_years = 5\n"
             "cycle_first_year = 2026\n"
             "hours_cycle = 0\n"
             "hours_year = %.1f\n"
             "school_hours_year = %.1f\n"
             "ethics_hours_cycle = 0\n"
             "centralized_hours_cycle = 0\n"
             "homeroom_hours_cycle = 0\n"
             "credits_enabled = no\n"
             "deadline_day = 5\n"
             "%s",
             hours_year, school_hours_year,
             extra ? extra : "absence_limit = 3\ngroup_short_percent = 15\nyear_basis = school\n");
    return set_policy_ok(c, ini, "2020-01-01");
}

static Yanxiu__V1__Envelope *get_policy(struct yxc *c, const char *as_of)
{
    Yanxiu__V1__GetPolicyRequest in = YANXIU__V1__GET_POLICY_REQUEST__INIT;
    in.as_of = (char *)(as_of ? as_of : "");
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_GET_POLICY;
    env.get_policy = &in;
    Yanxiu__V1__Envelope *resp = call(c, &env);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_POLICY, "GetPolicy");
    return resp;
}

/* The value of `key = value` in an INI text (copied into out); false when absent. */
static bool ini_value(const char *ini, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = ini; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, klen) != 0)
            continue;
        const char *q = p + klen;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        size_t len = strcspn(q, "\n");
        while (len && (q[len - 1] == ' ' || q[len - 1] == '\r'))
            len--;
        snprintf(out, cap, "%.*s", (int)len, q);
        return true;
    }
    return false;
}

static void expect_ini_number(const char *ini, const char *key, double want)
{
    char v[256];
    if (!ini_value(ini, key, v, sizeof(v)))
        fail_msg("the policy has no key %s:\n%s", key, ini);
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end)
        fail_msg("policy key %s: \"%s\" is not a number", key, v);
    EXPECT_NUM(d, want, "policy key %s", key);
}

static void expect_ini_text(const char *ini, const char *key, const char *want)
{
    char v[512];
    if (!ini_value(ini, key, v, sizeof(v)))
        fail_msg("the policy has no key %s:\n%s", key, ini);
    EXPECT_STR(v, want, "policy key %s", key);
}

/* --- monthly reports --------------------------------------------------------------------- */

/* An empty-bodied report (no activity yet) of unit for month. */
static Yanxiu__V1__SubmitReportRequest *report(const char *unit, const char *month)
{
    return it_report_new(unit, month, 0, NULL, 0);
}

/*
 * Appends an activity of `hours` (at most 8): activity i lies on day 1 + i % 28
 * of the month, 08:00-16:00 for the first 28 and 15:00-23:00 after.
 */
static Yanxiu__V1__Activity *activity(Yanxiu__V1__SubmitReportRequest *r, double hours,
                                      const char *category, const char *level, const char *mode)
{
    size_t i = r->n_activities;
    assert_true(hours <= 8 && i < 56);
    char date[16];
    snprintf(date, sizeof(date), "%.7s-%02zu", r->month, 1 + i % 28);
    Yanxiu__V1__Activity *a = it_report_add_activity(r, NULL, date, i < 28 ? "08:00" : "15:00",
                                                     i < 28 ? "16:00" : "23:00", hours);
    a->category =
        (Yanxiu__V1__Category)vocab_value(&vocab_category, category ? category : "subject");
    a->level = (Yanxiu__V1__Level)vocab_value(&vocab_level, level ? level : "school");
    a->mode = (Yanxiu__V1__Mode)vocab_value(&vocab_mode, mode ? mode : "centralized");
    return a;
}

static void sign(Yanxiu__V1__SubmitReportRequest *r, const Yanxiu__V1__Activity *a,
                 const char *teacher, const char *status, double hours)
{
    it_report_add_attendance(r, a, teacher, NULL, status, hours);
}

/*
 * Credits `total` hours (a multiple of 0.5) to each of the teachers
 * (NULL-terminated) with activities of at most 8 hours at this level.
 */
static void give(Yanxiu__V1__SubmitReportRequest *r, const char *const *teachers, double total,
                 const char *level)
{
    while (total > 0) {
        double h = total > 8 ? 8 : total;
        Yanxiu__V1__Activity *a = activity(r, h, "subject", level, "centralized");
        for (size_t j = 0; teachers[j]; j++)
            sign(r, a, teachers[j], "present", 0);
        total -= h;
    }
}

static void give1(Yanxiu__V1__SubmitReportRequest *r, const char *teacher, double total,
                  const char *level)
{
    const char *const t[] = {teacher, NULL};
    give(r, t, total, level);
}

/* Submits r; returns the answer (free with yxc_free). */
static Yanxiu__V1__Envelope *submit(struct yxc *c, Yanxiu__V1__SubmitReportRequest *r)
{
    Yanxiu__V1__Envelope env;
    it_env_submit(&env, r);
    return call(c, &env);
}

/* Submits r (asserts success) and returns the version written. */
static uint32_t submit_ok(struct yxc *c, Yanxiu__V1__SubmitReportRequest *r)
{
    Yanxiu__V1__Envelope *resp = submit(c, r);
    char what[96];
    snprintf(what, sizeof(what), "SubmitReport %s %s", r->unit_code, r->month);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, what);
    uint32_t v = resp->report_reply->version;
    yxc_free(resp);
    return v;
}

/* Submits r, asserts success, frees r; returns the version. */
static uint32_t submit_free(struct yxc *c, Yanxiu__V1__SubmitReportRequest *r)
{
    uint32_t v = submit_ok(c, r);
    it_report_free(r);
    return v;
}

/* An empty report (a month without activity) of unit for month. */
static void submit_empty(struct yxc *c, const char *unit, const char *month)
{
    Yanxiu__V1__SubmitReportRequest *r = report(unit, month);
    r->empty = true;
    it_set(&r->reason, "本月无校本研修活动");
    submit_free(c, r);
}

static Yanxiu__V1__Envelope *review(struct yxc *c, const char *unit, const char *month,
                                    const char *action)
{
    Yanxiu__V1__ReviewReportRequest in = YANXIU__V1__REVIEW_REPORT_REQUEST__INIT;
    in.unit_code = (char *)unit;
    in.month = (char *)month;
    in.action = (char *)action;
    in.reason = strcmp(action, "approve") == 0 ? "" : "测试：区教研室审核意见";
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT;
    env.review_report = &in;
    return call(c, &env);
}

static void review_ok(struct yxc *c, const char *unit, const char *month, const char *action)
{
    Yanxiu__V1__Envelope *resp = review(c, unit, month, action);
    char what[96];
    snprintf(what, sizeof(what), "ReviewReport %s %s %s", action, unit, month);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, what);
    yxc_free(resp);
}

/* --- compliance queries --------------------------------------------------------------------- */

struct cq {
    uint32_t year;
    const char *as_of, *unit, *school, *status, *month, *district;
    bool approved_only, cycle;
    uint32_t limit, offset; /* a page of the teachers (the web console) */
    const char *search, *order;
};

static Yanxiu__V1__Envelope *cq_call(struct yxc *c, Yanxiu__V1__Envelope__BodyCase body,
                                     const struct cq *q)
{
    Yanxiu__V1__ComplianceQuery in = YANXIU__V1__COMPLIANCE_QUERY__INIT;
    in.year = q->year;
    in.as_of = (char *)(q->as_of ? q->as_of : "");
    in.unit_code = (char *)(q->unit ? q->unit : "");
    in.school_code = (char *)(q->school ? q->school : "");
    /* a status given as a number is sent as it is (one the enum does not have) */
    in.status = (Yanxiu__V1__ComplianceStatus)(q->status && isdigit((unsigned char)q->status[0])
                                                   ? atoi(q->status)
                                                   : vocab_value(&vocab_compliance,
                                                                 q->status ? q->status : ""));
    in.month = (char *)(q->month ? q->month : "");
    in.district_code = (char *)(q->district ? q->district : "");
    in.approved_only = q->approved_only;
    in.cycle = q->cycle;
    in.limit = q->limit;
    in.offset = q->offset;
    in.search = (char *)(q->search ? q->search : "");
    in.order = (char *)(q->order ? q->order : "");
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = body;
    switch (body) {
    case YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS:
        env.compliance_teachers = &in;
        break;
    case YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS:
        env.compliance_units = &in;
        break;
    case YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS:
        env.compliance_groups = &in;
        break;
    case YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES:
        env.reporting_rates = &in;
        break;
    default:
        fail_msg("cq_call: body %d is not a compliance query", (int)body);
    }
    return call(c, &env);
}

static Yanxiu__V1__Envelope *teachers_ok(struct yxc *c, const struct cq *q)
{
    Yanxiu__V1__Envelope *resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, q);
    char what[160];
    snprintf(what, sizeof(what), "ComplianceTeachers year %u as of %s%s%s", q->year,
             q->as_of ? q->as_of : "today", q->unit ? " unit " : "", q->unit ? q->unit : "");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST, what);
    return resp;
}

static Yanxiu__V1__Envelope *units_ok(struct yxc *c, const struct cq *q)
{
    Yanxiu__V1__Envelope *resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS, q);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE, "ComplianceUnits");
    return resp;
}

static Yanxiu__V1__Envelope *groups_ok(struct yxc *c, const struct cq *q)
{
    Yanxiu__V1__Envelope *resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS, q);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_GROUP_LIST, "ComplianceGroups");
    return resp;
}

static Yanxiu__V1__Envelope *rates_ok(struct yxc *c, const struct cq *q)
{
    Yanxiu__V1__Envelope *resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES, q);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_RATES, "ReportingRates");
    return resp;
}

static const Yanxiu__V1__TeacherCompliance *find_teacher(const Yanxiu__V1__ComplianceTeacherList *l,
                                                         const char *code)
{
    for (size_t i = 0; i < l->n_teachers; i++)
        if (strcmp(l->teachers[i]->teacher_code, code) == 0)
            return l->teachers[i];
    return NULL;
}

static const Yanxiu__V1__TeacherCompliance *teacher_of(const Yanxiu__V1__ComplianceTeacherList *l,
                                                       const char *code)
{
    const Yanxiu__V1__TeacherCompliance *t = find_teacher(l, code);
    if (!t)
        fail_msg("teacher %s is not in the compliance list (%zu teachers)", code, l->n_teachers);
    return t;
}

/* "rule needed had; ..." of a list of reasons. */
static void reasons_text(Yanxiu__V1__Reason *const *r, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s %g %g", i ? "; " : "", r[i]->rule,
                                r[i]->needed, r[i]->had);
}

/* Asserts a teacher's status and reasons ("rule needed had; ..." or ""). */
static void expect_status(const Yanxiu__V1__TeacherCompliance *t, const char *status,
                          const char *reasons, const char *context)
{
    char got[1024];
    reasons_text(t->reasons, t->n_reasons, got, sizeof(got));
    if (strcmp(vocab_code_of(&vocab_compliance, t->status), status) != 0 ||
        strcmp(got, reasons) != 0)
        fail_msg("%s: teacher %s (hours %g, school %g, absences %u): expected %s [%s], got %s "
                 "[%s]",
                 context, t->teacher_code, t->hours, t->school_hours, t->unexcused_absences, status,
                 reasons, vocab_code_of(&vocab_compliance, t->status), got);
}

/* Looks up a teacher in ComplianceTeachers and checks hours, status and reasons. */
static void expect_teacher(struct yxc *c, const struct cq *q, const char *code, double hours,
                           const char *status, const char *reasons)
{
    Yanxiu__V1__Envelope *resp = teachers_ok(c, q);
    const Yanxiu__V1__TeacherCompliance *t = teacher_of(resp->teacher_list, code);
    char ctx[160];
    snprintf(ctx, sizeof(ctx), "year %u as of %s%s", q->year, q->as_of ? q->as_of : "today",
             q->approved_only ? ", approved only" : "");
    EXPECT_NUM(t->hours, hours, "%s: hours of %s", ctx, code);
    expect_status(t, status, reasons, ctx);
    yxc_free(resp);
}

static const Yanxiu__V1__UnitCompliance *find_unit(const Yanxiu__V1__ComplianceUnitList *l,
                                                   const char *code)
{
    for (size_t i = 0; i < l->n_units; i++)
        if (strcmp(l->units[i]->unit_code, code) == 0)
            return l->units[i];
    fail_msg("unit %s is not in the ComplianceUnits answer (%zu units)", code, l->n_units);
    return NULL;
}

static const Yanxiu__V1__GroupCompliance *find_group(const Yanxiu__V1__ComplianceGroupList *l,
                                                     const char *unit, const char *group)
{
    for (size_t i = 0; i < l->n_groups; i++)
        if (strcmp(l->groups[i]->unit_code, unit) == 0 && strcmp(l->groups[i]->group, group) == 0)
            return l->groups[i];
    fail_msg("group %s of unit %s is not in the ComplianceGroups answer (%zu groups)", group, unit,
             l->n_groups);
    return NULL;
}

static const Yanxiu__V1__MonthRate *find_month(const Yanxiu__V1__ReportingRates *r,
                                               const char *month)
{
    for (size_t i = 0; i < r->n_months; i++)
        if (strcmp(r->months[i]->month, month) == 0)
            return r->months[i];
    fail_msg("month %s is not in the ReportingRates answer (%zu months)", month, r->n_months);
    return NULL;
}

static const char *cell_state(const Yanxiu__V1__ReportingRates *r, const char *unit,
                              const char *month)
{
    for (size_t i = 0; i < r->n_cells; i++)
        if (strcmp(r->cells[i]->unit_code, unit) == 0 && strcmp(r->cells[i]->month, month) == 0)
            return vocab_code_of(&vocab_unit_month, r->cells[i]->state);
    fail_msg("no cell for unit %s, month %s in the ReportingRates answer", unit, month);
    return NULL;
}

static Yanxiu__V1__Envelope *history(struct yxc *c, const char *teacher)
{
    Yanxiu__V1__TeacherHistoryRequest in = YANXIU__V1__TEACHER_HISTORY_REQUEST__INIT;
    in.teacher_code = (char *)teacher;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY;
    env.teacher_history = &in;
    return call(c, &env);
}

static const Yanxiu__V1__PeriodTotal *find_total(const Yanxiu__V1__TeacherHistory *h,
                                                 const char *kind, const char *period)
{
    for (size_t i = 0; i < h->n_totals; i++)
        if (strcmp(h->totals[i]->kind, kind) == 0 && strcmp(h->totals[i]->period, period) == 0)
            return h->totals[i];
    return NULL;
}

/* Differences ledger_differences() finds in district d (as the superuser). */
static long ledger_differences_of(const char *district)
{
    return it_psql_long(false, "SELECT count(*) FROM ledger_differences() WHERE key LIKE '%s %%';",
                        district);
}

/* The current month in Asia/Shanghai (YYYY-MM). */
static void current_month(char out[8])
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 8, "%Y-%m", &tm);
}

/* ================================================================================= */
/* policy                                                                             */
/* ================================================================================= */

#define D_POLICY "310101"

/* A district without a stored policy follows the defaults of domain.md (version 0); a stored
 * version takes effect on its date, and a key left out keeps the value in force. */
static void policy_defaults_then_versions(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_POLICY, "政策测试区");

    Yanxiu__V1__Envelope *resp = get_policy(c, "2026-11-23");
    const Yanxiu__V1__PolicyText *p = resp->policy;
    assert_int_equal(p->version, 0);
    EXPECT_STR(p->district_code, D_POLICY, "GetPolicy: the district");
    expect_ini_number(p->ini, "hours_year", 72);
    expect_ini_number(p->ini, "hours_cycle", 360);
    expect_ini_number(p->ini, "school_hours_year", 24);
    expect_ini_number(p->ini, "ethics_hours_cycle", 60);
    expect_ini_number(p->ini, "centralized_hours_cycle", 240);
    expect_ini_number(p->ini, "homeroom_hours_cycle", 30);
    expect_ini_number(p->ini, "absence_limit", 3);
    expect_ini_number(p->ini, "group_short_percent", 15);
    expect_ini_number(p->ini, "cycle_years", 5);
    expect_ini_number(p->ini, "deadline_day", 5);
    expect_ini_number(p->ini, "credits_year", 100);
    expect_ini_number(p->ini, "credit_factor", 1);
    expect_ini_text(p->ini, "credits_enabled", "no");
    expect_ini_text(p->ini, "year_basis", "school");
    expect_ini_text(p->ini, "non_creditable", "例会, 政治学习, 外出考察");
    yxc_free(resp);

    uint32_t v1 =
        set_policy_ok(c, "[policy]\nhours_year = 72\nschool_hours_year = 20\n", "2020-01-01");
    assert_int_equal(v1, 1);
    resp = get_policy(c, "2026-11-23");
    assert_int_equal(resp->policy->version, 1);
    EXPECT_STR(resp->policy->effective, "2020-01-01", "GetPolicy after SetPolicy: effective");
    expect_ini_number(resp->policy->ini, "hours_year", 72);
    expect_ini_number(resp->policy->ini, "school_hours_year", 20);
    expect_ini_number(resp->policy->ini, "hours_cycle", 360); /* left out: the defaults' */
    expect_ini_text(resp->policy->ini, "non_creditable", "例会, 政治学习, 外出考察");
    yxc_free(resp);

    /* Version 2 from 2025-09-01 changes two keys; the others keep version 1's values. */
    uint32_t v2 =
        set_policy_ok(c, "[policy]\nhours_year = 80\nyear_basis = calendar\n", "2025-09-01");
    assert_int_equal(v2, 2);
    resp = get_policy(c, "2025-08-31");
    assert_int_equal(resp->policy->version, 1);
    expect_ini_number(resp->policy->ini, "hours_year", 72);
    yxc_free(resp);
    resp = get_policy(c, "2025-09-01");
    assert_int_equal(resp->policy->version, 2);
    expect_ini_number(resp->policy->ini, "hours_year", 80);
    expect_ini_text(resp->policy->ini, "year_basis", "calendar");
    expect_ini_number(resp->policy->ini, "school_hours_year", 20);
    expect_ini_number(resp->policy->ini, "hours_cycle", 360);
    yxc_free(resp);
    resp = get_policy(c, "2019-12-31");
    assert_int_equal(resp->policy->version, 0);
    yxc_free(resp);
    yxc_close(c);
}

/* The body of a policy file after its comment lines (the header names the version). */
static const char *policy_body(const char *ini)
{
    const char *p = strstr(ini, "[policy]");
    if (!p)
        fail_msg("the policy has no [policy] section:\n%s", ini);
    return p;
}

/* What GetPolicy shows is a policy file SetPolicy takes back: stored as it is (here the
 * defaults, with their Chinese words), it changes nothing. */
static void policy_as_shown_stores_back_unchanged(void **state)
{
    (void)state;
    struct yxc *c = district_session("310120", "政策回存测试区");
    Yanxiu__V1__Envelope *resp = get_policy(c, "2026-11-23");
    assert_int_equal(resp->policy->version, 0);
    char *shown = strdup(resp->policy->ini);
    assert_non_null(shown);
    yxc_free(resp);
    set_policy_ok(c, shown, "2020-01-01");
    resp = get_policy(c, "2026-11-23");
    assert_int_equal(resp->policy->version, 1);
    EXPECT_STR(policy_body(resp->policy->ini), policy_body(shown),
               "the policy stored from what GetPolicy showed");
    yxc_free(resp);
    free(shown);
    yxc_close(c);
}

/* The non-creditable words are stored as given, Chinese commas included. */
static void policy_non_creditable_words_round_trip(void **state)
{
    (void)state;
    struct yxc *c = it_login("cp.d" D_POLICY, PASSWORD, NULL);
    set_policy_ok(c,
                  "[policy]\n"
                  "non_creditable = 例会, 政治学习，外出考察、聚餐\n",
                  "2026-01-01");
    Yanxiu__V1__Envelope *resp = get_policy(c, "2026-01-01");
    expect_ini_text(resp->policy->ini, "non_creditable", "例会, 政治学习, 外出考察, 聚餐");
    yxc_free(resp);
    yxc_close(c);
}

/* One bad file: every problem is named by its line, and nothing is stored. */
static void set_policy_errors_name_the_line(void **state)
{
    (void)state;
    struct yxc *c = it_login("cp.d" D_POLICY, PASSWORD, NULL);
    Yanxiu__V1__Envelope *before = get_policy(c, "2030-01-01");
    uint32_t version = before->policy->version;
    yxc_free(before);

    static const char bad[] = "# a policy with mistakes\n"  /* 1 */
                              "[policy]\n"                  /* 2 */
                              "hours_year = 72\n"           /* 3 */
                              "hours_yaer = 72\n"           /* 4: unknown key */
                              "school_hours_year = lots\n"  /* 5: not a number */
                              "deadline_day = 31\n"         /* 6: out of range */
                              "absence_limit = 2.5\n"       /* 7: not whole */
                              "year_basis = weekly\n"       /* 8 */
                              "credits_enabled = maybe\n"   /* 9 */
                              "group_short_percent = 101\n" /* 10: out of range */
                              "hours_cycle = -1\n"          /* 11: out of range */
                              "hours_year = 70\n";          /* 12: given twice */
    static const struct {
        const char *path, *mentions;
    } want[] = {
        {"line 4", "hours_yaer"},    {"line 5", "school_hours_year"}, {"line 6", "deadline_day"},
        {"line 7", "absence_limit"}, {"line 8", "year_basis"},        {"line 9", "credits_enabled"},
        {"line 10", "group_short"},  {"line 11", "hours_cycle"},      {"line 12", "hours_year"},
    };
    Yanxiu__V1__Envelope *resp = set_policy(c, bad, "2020-01-01");
    const Yanxiu__V1__Error *e =
        expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "SetPolicy of a bad file");
    char d[4096];
    it_describe(resp, d, sizeof(d));
    if (e->n_violations != N_OF(want))
        fail_msg("expected %zu violations, got %zu: %s", N_OF(want), e->n_violations, d);
    for (size_t i = 0; i < N_OF(want); i++) {
        bool found = false;
        for (size_t k = 0; k < e->n_violations; k++)
            found |= strcmp(e->violations[k]->path, want[i].path) == 0 &&
                     strstr(e->violations[k]->message, want[i].mentions) != NULL;
        if (!found)
            fail_msg("no violation at %s naming %s: %s", want[i].path, want[i].mentions, d);
    }
    yxc_free(resp);

    /* Single mistakes, each at its line. */
    static const struct {
        const char *ini, *path;
    } one[] = {
        {"[policy]\nthis is not a key value line\n", "line 2"},
        {"[policy]\nhours_year = 72\n[other]\nhours_cycle = 1\n", "line 4"},
        {"hours_year = 72\n", "line 1"},
        {"[policy]\nhours_year = 72.25\n", "line 2"},
        {"[policy]\nhours_year = 3000\n", "line 2"},
        {"[policy]\n\n\ncycle_years = 0\n", "line 4"},
        {"[policy]\ncycle_first_year = 1999\n", "line 2"},
        {"[policy]\ncredit_factor = 1.234\n", "line 2"},
        {"[policy]\nnon_creditable = 例会, \"引号\"\n", "line 2"},
        /* numbers the parser reads but the database would not */
        {"[policy]\ndeadline_day = 1e1\n", "line 2"},
        {"[policy]\nhours_year = 0x48\n", "line 2"},
        {"[policy]\nabsence_limit = 0x3\n", "line 2"},
    };
    for (size_t i = 0; i < N_OF(one); i++) {
        resp = set_policy(c, one[i].ini, "2020-01-01");
        char what[256];
        snprintf(what, sizeof(what), "SetPolicy of \"%s\"", one[i].ini);
        e = expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, what);
        it_describe(resp, d, sizeof(d));
        bool found = false;
        for (size_t k = 0; k < e->n_violations; k++)
            found |= strcmp(e->violations[k]->path, one[i].path) == 0;
        if (!found)
            fail_msg("%s: expected a violation at %s, got %s", what, one[i].path, d);
        yxc_free(resp);
    }

    Yanxiu__V1__Envelope *after = get_policy(c, "2030-01-01");
    assert_int_equal(after->policy->version, version);
    yxc_free(after);
    yxc_close(c);
}

/* ================================================================================= */
/* each rule at its boundary                                                          */
/* ================================================================================= */

#define D_HOURS "310102"
#define HOURS_U "3101020001"

/* 71.5 hours in the school year is short of 72 once the year is over; 72 is compliant. Hours of
 * 2026-08 belong to the school year 2025. */
static void hours_year_boundary(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_HOURS, "学时测试区");
    static const struct unit_row units[] = {{HOURS_U, "学时测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"H1", "H2", NULL};
    roster(c, HOURS_U, "语文", team);
    test_policy(c, 72, 0, NULL);

    /* 2026-08 (school year 2025): 8 hours each, which year 2026 must not count. */
    Yanxiu__V1__SubmitReportRequest *r = report(HOURS_U, "2026-08");
    give(r, team, 8, "school");
    submit_free(c, r);
    /* 2026-09: 4 x 8 hours; 2026-10: 4 x 8 hours and one of 8 where H1 is credited 7.5. */
    r = report(HOURS_U, "2026-09");
    give(r, team, 32, "school");
    submit_free(c, r);
    r = report(HOURS_U, "2026-10");
    give(r, team, 32, "county");
    Yanxiu__V1__Activity *a = activity(r, 8, "skills", "town", "remote");
    sign(r, a, "H1", "late", 7.5);
    sign(r, a, "H2", "present", 0);
    submit_free(c, r);

    struct cq over = {.year = 2026, .as_of = "2027-09-01"};
    expect_teacher(c, &over, "H1", 71.5, "non_compliant", "hours_year 72 71.5");
    expect_teacher(c, &over, "H2", 72, "compliant", "");
    /* The last day of the year judges it as over too. */
    struct cq last = {.year = 2026, .as_of = "2027-08-31"};
    expect_teacher(c, &last, "H1", 71.5, "non_compliant", "hours_year 72 71.5");
    /* The filter by status. */
    over.status = "non_compliant";
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &over);
    assert_int_equal(resp->teacher_list->n_teachers, 1);
    EXPECT_STR(resp->teacher_list->teachers[0]->teacher_code, "H1", "status non_compliant");
    EXPECT_STR(resp->teacher_list->year_start, "2026-09-01", "year_start");
    EXPECT_STR(resp->teacher_list->year_end, "2027-08-31", "year_end");
    EXPECT_STR(resp->teacher_list->as_of, "2027-09-01", "as_of");
    yxc_free(resp);
    /* The school year 2025 holds 2026-08 only. */
    struct cq y2025 = {.year = 2025, .as_of = "2027-09-01"};
    expect_teacher(c, &y2025, "H1", 8, "non_compliant", "hours_year 72 8");
    yxc_close(c);
}

#define D_SCHOOLH "310103"
#define SCHOOLH_U "3101030001"

/* School-based hours (level school) per year: 23.5 fails 24, 24 passes; hours at other levels
 * do not count towards it. */
static void school_hours_boundary(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_SCHOOLH, "校本测试区");
    static const struct unit_row units[] = {{SCHOOLH_U, "校本测试中学", "senior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"S1", "S2", NULL};
    roster(c, SCHOOLH_U, "数学", team);
    test_policy(c, 0, 24, NULL);

    Yanxiu__V1__SubmitReportRequest *r = report(SCHOOLH_U, "2026-09");
    give(r, team, 16, "school");
    Yanxiu__V1__Activity *a = activity(r, 8, "subject", "school", "centralized");
    sign(r, a, "S1", "present", 7.5);
    sign(r, a, "S2", "present", 0);
    /* 10 hours at county level, centralized: hours, not school-based hours */
    a = activity(r, 5, "ethics", "county", "centralized");
    sign(r, a, "S1", "present", 0);
    a = activity(r, 5, "ethics", "county", "centralized");
    sign(r, a, "S1", "present", 0);
    submit_free(c, r);

    struct cq over = {.year = 2026, .as_of = "2027-09-01"};
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &over);
    const Yanxiu__V1__TeacherCompliance *s1 = teacher_of(resp->teacher_list, "S1");
    const Yanxiu__V1__TeacherCompliance *s2 = teacher_of(resp->teacher_list, "S2");
    EXPECT_NUM(s1->school_hours, 23.5, "S1 school hours");
    EXPECT_NUM(s1->hours, 33.5, "S1 hours");
    EXPECT_NUM(s1->centralized_hours, 10, "S1 centralized hours (town level or above)");
    EXPECT_NUM(s1->ethics_hours, 10, "S1 ethics hours");
    expect_status(s1, "non_compliant", "school_hours_year 24 23.5", "year over");
    EXPECT_NUM(s2->school_hours, 24, "S2 school hours");
    EXPECT_NUM(s2->centralized_hours, 0, "S2 centralized hours");
    expect_status(s2, "compliant", "", "year over");
    yxc_free(resp);
    yxc_close(c);
}

#define D_ABS "310104"
#define ABS_U "3101040001"

/* Unexcused absences from centralized activities: 3 fail the year at once (before it ends);
 * 2 do not; absences from remote or self-study activities and excused ones do not count. */
static void absences_boundary(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_ABS, "缺勤测试区");
    static const struct unit_row units[] = {{ABS_U, "缺勤测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"B1", "B2", NULL};
    roster(c, ABS_U, "英语", team);
    test_policy(c, 0, 0, NULL);

    Yanxiu__V1__SubmitReportRequest *r = report(ABS_U, "2026-09");
    for (int i = 0; i < 2; i++) { /* two centralized activities both miss */
        Yanxiu__V1__Activity *a = activity(r, 2, "subject", "school", "centralized");
        sign(r, a, "B1", "absent", 0);
        sign(r, a, "B2", "absent", 0);
    }
    for (int i = 0; i < 2; i++) { /* remote and self-study: B1 absent, not counted */
        Yanxiu__V1__Activity *a = activity(r, 2, "it", "county", i ? "self" : "remote");
        sign(r, a, "B1", "absent", 0);
        sign(r, a, "B2", "present", 0);
    }
    for (int i = 0; i < 3; i++) { /* excused */
        Yanxiu__V1__Activity *a = activity(r, 2, "subject", "school", "centralized");
        sign(r, a, "B1", "excused", 0);
        sign(r, a, "B2", "present", 0);
    }
    submit_free(c, r);

    struct cq sept = {.year = 2026, .as_of = "2026-09-30"};
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &sept);
    const Yanxiu__V1__TeacherCompliance *b1 = teacher_of(resp->teacher_list, "B1");
    const Yanxiu__V1__TeacherCompliance *b2 = teacher_of(resp->teacher_list, "B2");
    assert_int_equal(b1->unexcused_absences, 2);
    assert_int_equal(b2->unexcused_absences, 2);
    expect_status(b1, "compliant", "", "2 absences, as of 2026-09-30");
    expect_status(b2, "compliant", "", "2 absences, as of 2026-09-30");
    yxc_free(resp);

    /* A third absence in October, for B2 only. */
    r = report(ABS_U, "2026-10");
    Yanxiu__V1__Activity *a = activity(r, 2, "subject", "town", "centralized");
    sign(r, a, "B1", "present", 0);
    sign(r, a, "B2", "absent", 0);
    submit_free(c, r);

    struct cq nov = {.year = 2026, .as_of = "2026-11-30"}; /* the year is not over */
    resp = teachers_ok(c, &nov);
    b1 = teacher_of(resp->teacher_list, "B1");
    b2 = teacher_of(resp->teacher_list, "B2");
    assert_int_equal(b1->unexcused_absences, 2);
    expect_status(b1, "compliant", "", "2 absences, as of 2026-11-30");
    assert_int_equal(b2->unexcused_absences, 3);
    expect_status(b2, "non_compliant", "unexcused_absences 2 3", "3 absences, as of 2026-11-30");
    yxc_free(resp);
    /* Before October the third absence had not happened (B2: 2 remote + 3 x 2 present). */
    expect_teacher(c, &sept, "B2", 10, "compliant", "");
    assert_int_equal(ledger_differences_of(D_ABS), 0);
    yxc_close(c);
}

#define D_GROUP "310105"
#define GROUP_U "3101050001"

/* A research group is flagged when the teachers short of the school-based hours reach the
 * policy's percentage: 1 of 7 (14.3 %) is not, 3 of 20 (15 %) is; exempt teachers are left out;
 * the percentage is the policy's. */
static void research_group_boundary(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_GROUP, "教研组测试区");
    static const struct unit_row units[] = {{GROUP_U, "教研组测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    struct teacher_row t[28];
    const char *full[28]; /* the teachers with 24 school-based hours */
    size_t nfull = 0;
    for (int i = 0; i < 28; i++) {
        char code[16];
        bool chinese = i < 7, exempt = i == 27;
        snprintf(code, sizeof(code), "%s%02d", chinese ? "YW" : "SX", i);
        teacher_set(&t[i], code, GROUP_U, chinese ? "语文" : "数学", exempt ? "exempt" : NULL);
        /* short: YW00 of 语文, SX07..SX09 of 数学; the exempt SX27 is short too */
        bool is_short = i == 0 || (i >= 7 && i <= 9) || exempt;
        if (!is_short)
            full[nfull++] = t[i].code;
    }
    import_roster(c, t, 28);
    full[nfull] = NULL;
    assert_int_equal(nfull, 23);
    test_policy(c, 0, 24, NULL);

    Yanxiu__V1__SubmitReportRequest *r = report(GROUP_U, "2026-10");
    give(r, full, 24, "school");
    /* the short ones have 23.5 */
    Yanxiu__V1__Activity *a = activity(r, 8, "subject", "school", "centralized");
    static const char *const shorts[] = {"YW00", "SX07", "SX08", "SX09", "SX27"};
    for (size_t i = 0; i < N_OF(shorts); i++)
        sign(r, a, shorts[i], "present", 7.5);
    for (int k = 0; k < 2; k++) {
        a = activity(r, 8, "subject", "school", "centralized");
        for (size_t i = 0; i < N_OF(shorts); i++)
            sign(r, a, shorts[i], "present", 0);
    }
    submit_free(c, r);

    struct cq over = {.year = 2026, .as_of = "2027-09-01"};
    Yanxiu__V1__Envelope *resp = groups_ok(c, &over);
    const Yanxiu__V1__GroupCompliance *yw = find_group(resp->group_list, GROUP_U, "语文");
    const Yanxiu__V1__GroupCompliance *sx = find_group(resp->group_list, GROUP_U, "数学");
    assert_int_equal(yw->teachers, 7);
    assert_int_equal(yw->short_of_school_hours, 1);
    EXPECT_NUM(yw->short_ratio, 1.0 / 7, "语文 short ratio");
    assert_false(yw->flagged);
    assert_int_equal(sx->teachers, 20); /* the exempt SX27 is not counted */
    assert_int_equal(sx->short_of_school_hours, 3);
    EXPECT_NUM(sx->short_ratio, 0.15, "数学 short ratio");
    if (!sx->flagged)
        fail_msg("数学: 3 of 20 short (15 %%) must be flagged (15%%以上 includes 15 %%)");
    yxc_free(resp);

    /* The teacher view agrees: YW00 short, YW01 not. */
    resp = teachers_ok(c, &over);
    expect_status(teacher_of(resp->teacher_list, "YW00"), "non_compliant",
                  "school_hours_year 24 23.5", "year over");
    expect_status(teacher_of(resp->teacher_list, "YW01"), "compliant", "", "year over");
    expect_status(teacher_of(resp->teacher_list, "SX27"), "exempt", "", "year over");
    yxc_free(resp);

    /* The percentage is the policy's: 14 % flags 语文 (14.3 %), 15.5 % no longer flags 数学. */
    test_policy(c, 0, 24, "absence_limit = 3\ngroup_short_percent = 14\nyear_basis = school\n");
    resp = groups_ok(c, &over);
    assert_true(find_group(resp->group_list, GROUP_U, "语文")->flagged);
    assert_true(find_group(resp->group_list, GROUP_U, "数学")->flagged);
    yxc_free(resp);
    test_policy(c, 0, 24, "absence_limit = 3\ngroup_short_percent = 15.5\nyear_basis = school\n");
    resp = groups_ok(c, &over);
    assert_false(find_group(resp->group_list, GROUP_U, "语文")->flagged);
    assert_false(find_group(resp->group_list, GROUP_U, "数学")->flagged);
    yxc_free(resp);
    yxc_close(c);
}

#define D_PACE "310106"
#define PACE_U "3101060001"

/* On track: before the year is over a teacher needs hours_year x months elapsed / 12. As of
 * 2026-11-30, three months of the school year 2026 are over: 18 of 72. Hours of months after
 * the as-of day do not count. */
static void on_track_arithmetic(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_PACE, "进度测试区");
    static const struct unit_row units[] = {{PACE_U, "进度测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"P1", "P2", "P3", "P4", NULL};
    roster(c, PACE_U, "语文", team);
    test_policy(c, 72, 0, NULL);

    /* P1 18 (9 + 9), P2 17.5 (9 + 8.5), P3 10 in November only, P4 72 */
    Yanxiu__V1__SubmitReportRequest *r = report(PACE_U, "2026-09");
    static const char *const p12[] = {"P1", "P2", NULL};
    give(r, p12, 9, "school");
    give1(r, "P4", 40, "school");
    submit_free(c, r);
    r = report(PACE_U, "2026-10");
    Yanxiu__V1__Activity *a = activity(r, 8, "subject", "school", "centralized");
    sign(r, a, "P1", "present", 0);
    sign(r, a, "P2", "late", 7.5);
    a = activity(r, 1, "subject", "school", "centralized");
    sign(r, a, "P1", "present", 0);
    sign(r, a, "P2", "present", 0);
    give1(r, "P4", 32, "school");
    submit_free(c, r);
    r = report(PACE_U, "2026-11");
    give1(r, "P3", 10, "school");
    submit_free(c, r);

    struct cq q = {.year = 2026, .as_of = "2026-11-30"};
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &q);
    const Yanxiu__V1__ComplianceTeacherList *l = resp->teacher_list;
    EXPECT_NUM(teacher_of(l, "P1")->hours, 18, "P1 hours");
    expect_status(teacher_of(l, "P1"), "on_track", "", "as of 2026-11-30");
    EXPECT_NUM(teacher_of(l, "P2")->hours, 17.5, "P2 hours");
    expect_status(teacher_of(l, "P2"), "behind", "hours_year 18 17.5", "as of 2026-11-30");
    expect_status(teacher_of(l, "P3"), "behind", "hours_year 18 10", "as of 2026-11-30");
    expect_status(teacher_of(l, "P4"), "compliant", "", "as of 2026-11-30");
    EXPECT_STR(l->as_of, "2026-11-30", "as_of answered");
    yxc_free(resp);

    /* As of 2026-11-29 only two months are complete: 12 are needed. */
    q.as_of = "2026-11-29";
    expect_teacher(c, &q, "P2", 17.5, "on_track", "");
    expect_teacher(c, &q, "P3", 10, "behind", "hours_year 12 10");
    /* As of 2026-10-31 November's hours do not count yet. */
    q.as_of = "2026-10-31";
    expect_teacher(c, &q, "P3", 0, "behind", "hours_year 12 0");
    expect_teacher(c, &q, "P1", 18, "on_track", "");
    /* Before the year begins nothing is needed and nothing counts. */
    q.as_of = "2026-08-31";
    expect_teacher(c, &q, "P1", 0, "on_track", "");
    /* Once the year is over, the whole 72. */
    q.as_of = "2027-09-01";
    expect_teacher(c, &q, "P1", 18, "non_compliant", "hours_year 72 18");
    expect_teacher(c, &q, "P4", 72, "compliant", "");
    /* status filters */
    q.as_of = "2026-11-30";
    q.status = "behind";
    resp = teachers_ok(c, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 2);
    assert_non_null(find_teacher(resp->teacher_list, "P2"));
    assert_non_null(find_teacher(resp->teacher_list, "P3"));
    yxc_free(resp);
    q.status = "on_track";
    resp = teachers_ok(c, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 1);
    assert_non_null(find_teacher(resp->teacher_list, "P1"));
    yxc_free(resp);
    q.status = "99";
    resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, &q);
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "ComplianceTeachers status 99");
    yxc_free(resp);
    q.status = NULL;
    q.as_of = "2026-02-30";
    resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, &q);
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "ComplianceTeachers as_of 2026-02-30");
    yxc_free(resp);
    yxc_close(c);
}

#define D_CAL "310107"
#define CAL_U "3101070001"

/* year_basis = calendar: --year 2026 is 2026-01 .. 2026-12; switching back to school years
 * regroups the same hours. */
static void calendar_year_basis(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_CAL, "自然年测试区");
    static const struct unit_row units[] = {{CAL_U, "自然年测试小学", "central", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"C1", "C2", NULL};
    roster(c, CAL_U, "综合", team);
    test_policy(c, 20, 0, "absence_limit = 3\ngroup_short_percent = 15\nyear_basis = calendar\n");

    /* C1: 8 in 2025-12, 8 in 2026-03, 8 in 2026-10. C2: 8 in 2026-03, 8 in 2026-10, 4 in
     * 2026-11. */
    Yanxiu__V1__SubmitReportRequest *r = report(CAL_U, "2025-12");
    give1(r, "C1", 8, "school");
    submit_free(c, r);
    r = report(CAL_U, "2026-03");
    give(r, team, 8, "school");
    submit_free(c, r);
    r = report(CAL_U, "2026-10");
    give(r, team, 8, "school");
    submit_free(c, r);
    r = report(CAL_U, "2026-11");
    give1(r, "C2", 4, "school");
    submit_free(c, r);

    struct cq q = {.year = 2026, .as_of = "2027-01-15"};
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &q);
    EXPECT_STR(resp->teacher_list->year_start, "2026-01-01", "calendar year_start");
    EXPECT_STR(resp->teacher_list->year_end, "2026-12-31", "calendar year_end");
    expect_status(teacher_of(resp->teacher_list, "C1"), "non_compliant", "hours_year 20 16",
                  "calendar 2026, over");
    EXPECT_NUM(teacher_of(resp->teacher_list, "C1")->hours, 16, "C1 calendar 2026");
    EXPECT_NUM(teacher_of(resp->teacher_list, "C2")->hours, 20, "C2 calendar 2026");
    expect_status(teacher_of(resp->teacher_list, "C2"), "compliant", "", "calendar 2026, over");
    yxc_free(resp);
    q.year = 2025;
    expect_teacher(c, &q, "C1", 8, "non_compliant", "hours_year 20 8");
    /* As of 2026-11-30, 11 months of 2026 are over: round(20 x 11 / 12, 1) = 18.3 needed. */
    q.year = 2026;
    q.as_of = "2026-11-30";
    expect_teacher(c, &q, "C1", 16, "behind", "hours_year 18.3 16");

    /* The same hours in school years: 2025 = 2025-09 .. 2026-08, 2026 = 2026-09 .. */
    test_policy(c, 20, 0, NULL);
    q.as_of = "2027-09-01";
    q.year = 2025;
    resp = teachers_ok(c, &q);
    EXPECT_STR(resp->teacher_list->year_start, "2025-09-01", "school year_start");
    EXPECT_NUM(teacher_of(resp->teacher_list, "C1")->hours, 16, "C1 school year 2025");
    EXPECT_NUM(teacher_of(resp->teacher_list, "C2")->hours, 8, "C2 school year 2025");
    yxc_free(resp);
    q.year = 2026;
    expect_teacher(c, &q, "C1", 8, "non_compliant", "hours_year 20 8");
    expect_teacher(c, &q, "C2", 12, "non_compliant", "hours_year 20 12");
    yxc_close(c);
}

#define D_CAL2 "310117"
#define CAL2_U "3101170001"

/* A calendar year is judged by the policy in force at its end (2026-12-31), not by a policy
 * that took effect after it (sql/006 policy_for_year). */
static void calendar_year_judged_by_the_policy_at_its_end(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_CAL2, "自然年政策测试区");
    static const struct unit_row units[] = {{CAL2_U, "自然年政策测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"K1", NULL};
    roster(c, CAL2_U, "综合", team);
    test_policy(c, 20, 0, "absence_limit = 3\ngroup_short_percent = 15\nyear_basis = calendar\n");
    set_policy_ok(c, "[policy]\nhours_year = 100\n", "2027-03-01");
    Yanxiu__V1__SubmitReportRequest *r = report(CAL2_U, "2026-10");
    give(r, team, 20, "school");
    submit_free(c, r);
    struct cq q = {.year = 2026, .as_of = "2027-02-01"};
    expect_teacher(c, &q, "K1", 20, "compliant", "");
    q.as_of = "2027-06-01";
    expect_teacher(c, &q, "K1", 20, "compliant", "");
    yxc_close(c);
}

#define D_BASIS "310121"
#define BASIS_U "3101210001"

/* Kept rows of district d under year basis b (compliance_years, as the superuser). */
static long kept_years_of(const char *d, const char *b)
{
    return it_psql_long(false,
                        "SELECT count(*) FROM compliance_years WHERE district_code = '%s' "
                        "AND basis = '%s';",
                        d, b);
}

/* Only the year bases a district's policies use are kept (sql/migrations/021): a district
 * that reported under school years and then sets a calendar-year policy has its years
 * counted again from its months, and reads the same hours regrouped; the ledger agrees. */
static void basis_added_after_reports_counts_the_years_again(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_BASIS, "学年改自然年测试区");
    static const struct unit_row units[] = {{BASIS_U, "学年改自然年测试小学", "central", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"B1", "B2", NULL};
    roster(c, BASIS_U, "综合", team);
    test_policy(c, 20, 0, NULL);
    /* B1: 8 in 2025-12, 8 in 2026-03, 8 in 2026-10. B2: 8 in 2026-03, 8 in 2026-10. */
    Yanxiu__V1__SubmitReportRequest *r = report(BASIS_U, "2025-12");
    give1(r, "B1", 8, "school");
    submit_free(c, r);
    r = report(BASIS_U, "2026-03");
    give(r, team, 8, "school");
    submit_free(c, r);
    r = report(BASIS_U, "2026-10");
    give(r, team, 8, "school");
    submit_free(c, r);
    assert_int_equal(kept_years_of(D_BASIS, "calendar"), 0);
    assert_true(kept_years_of(D_BASIS, "school") > 0);
    struct cq q = {.year = 2025, .as_of = "2027-09-01"};
    expect_teacher(c, &q, "B1", 16, "non_compliant", "hours_year 20 16");
    expect_teacher(c, &q, "B2", 8, "non_compliant", "hours_year 20 8");

    test_policy(c, 20, 0, "absence_limit = 3\ngroup_short_percent = 15\nyear_basis = calendar\n");
    assert_true(kept_years_of(D_BASIS, "calendar") > 0);
    assert_int_equal(ledger_differences_of(D_BASIS), 0);
    q.year = 2026;
    q.as_of = "2027-01-15";
    expect_teacher(c, &q, "B1", 16, "non_compliant", "hours_year 20 16");
    expect_teacher(c, &q, "B2", 16, "non_compliant", "hours_year 20 16");
    q.year = 2025;
    expect_teacher(c, &q, "B1", 8, "non_compliant", "hours_year 20 8");

    /* a report after the change is kept under both bases (both policies remain on record) */
    r = report(BASIS_U, "2026-11");
    give1(r, "B2", 4, "school");
    submit_free(c, r);
    q.year = 2026;
    expect_teacher(c, &q, "B2", 20, "compliant", "");
    assert_int_equal(ledger_differences_of(D_BASIS), 0);
    yxc_close(c);
}

/* ================================================================================= */
/* transfers, exempt teachers, what counts                                            */
/* ================================================================================= */

#define D_TRANSFER "310108"
#define TR_A       "3101080001" /* central school */
#define TR_A_PRIM  "3101080011" /* its primary */
#define TR_B       "3101080002" /* a junior school */

/* A teacher who moves mid-year takes the hours along: the new unit shows them, the old one no
 * longer lists the teacher. */
static void transfer_mid_year(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_TRANSFER, "调动测试区");
    static const struct unit_row units[] = {
        {TR_A, "调动测试中心校", "central", 0, 0, 0},
        {TR_A_PRIM, "调动测试完小", "primary", TR_A, 0, 0},
        {TR_B, "调动测试初中", "junior", 0, 0, 0},
    };
    import_units(c, units, N_OF(units));
    static const char *const at_prim[] = {"M1", NULL}, *const at_a[] = {"M2", NULL},
                             *const at_b[] = {"M3", NULL};
    roster(c, TR_A_PRIM, "语文", at_prim);
    roster(c, TR_A, "语文", at_a);
    roster(c, TR_B, "数学", at_b);
    test_policy(c, 72, 0, NULL);

    Yanxiu__V1__SubmitReportRequest *r = report(TR_A, "2026-09");
    give1(r, "M1", 10, "school");
    give1(r, "M2", 4, "school");
    submit_free(c, r);

    char from[16], unit[16];
    transfer_ok(c, "M1", TR_B, from, unit);
    EXPECT_STR(from, TR_A_PRIM, "TransferTeacher: from");
    EXPECT_STR(unit, TR_B, "TransferTeacher: the teacher's new unit");

    r = report(TR_B, "2026-10");
    give1(r, "M1", 6, "county");
    give1(r, "M3", 2, "school");
    submit_free(c, r);

    struct cq q = {.year = 2026, .as_of = "2026-11-30", .unit = TR_B};
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &q);
    const Yanxiu__V1__TeacherCompliance *m1 = teacher_of(resp->teacher_list, "M1");
    EXPECT_NUM(m1->hours, 16, "M1 hours in the new unit");
    EXPECT_NUM(m1->school_hours, 10, "M1 school hours");
    EXPECT_STR(m1->unit_code, TR_B, "M1 unit");
    EXPECT_STR(m1->school_code, TR_B, "M1 school");
    assert_int_equal(resp->teacher_list->n_teachers, 2);
    yxc_free(resp);
    q.unit = TR_A;
    resp = teachers_ok(c, &q);
    if (find_teacher(resp->teacher_list, "M1"))
        fail_msg("M1 moved to %s but is still listed under unit %s", TR_B, TR_A);
    assert_int_equal(resp->teacher_list->n_teachers, 1);
    yxc_free(resp);
    q.unit = NULL;
    q.school = TR_A_PRIM;
    resp = teachers_ok(c, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 0);
    yxc_free(resp);

    q.school = NULL;
    resp = units_ok(c, &q);
    assert_int_equal(find_unit(resp->unit_compliance, TR_A)->teachers, 1);
    assert_int_equal(find_unit(resp->unit_compliance, TR_B)->teachers, 2);
    /* as of 2026-11-30 18 hours are needed: M1 (16) and M3 (2) are behind */
    assert_int_equal(find_unit(resp->unit_compliance, TR_B)->behind, 2);
    yxc_free(resp);

    /* The old unit resubmits September: M1's hours there stay M1's. */
    r = report(TR_A, "2026-09");
    give1(r, "M1", 12, "school");
    give1(r, "M2", 4, "school");
    assert_int_equal(submit_free(c, r), 2);
    q.unit = TR_B;
    expect_teacher(c, &q, "M1", 18, "on_track", "");

    resp = history(c, "M1");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory M1");
    const Yanxiu__V1__TeacherHistory *h = resp->history;
    EXPECT_STR(h->teacher->unit_code, TR_B, "history: M1's unit");
    double sum_a = 0, sum_b = 0;
    for (size_t i = 0; i < h->n_records; i++) {
        const Yanxiu__V1__HistoryRecord *x = h->records[i];
        if (strcmp(x->unit_code, TR_A) == 0) {
            EXPECT_STR(x->month, "2026-09", "history: A's record month");
            assert_int_equal(x->version, 2);
            sum_a += x->hours;
        } else {
            EXPECT_STR(x->unit_code, TR_B, "history: a record's unit");
            EXPECT_STR(x->month, "2026-10", "history: B's record month");
            sum_b += x->hours;
        }
    }
    EXPECT_NUM(sum_a, 12, "history: hours credited by unit A");
    EXPECT_NUM(sum_b, 6, "history: hours credited by unit B");
    const Yanxiu__V1__PeriodTotal *y = find_total(h, "year", "2026");
    assert_non_null(y);
    EXPECT_NUM(y->hours, 18, "history: total of 2026");
    yxc_free(resp);
    assert_int_equal(ledger_differences_of(D_TRANSFER), 0);
    yxc_close(c);
}

#define D_EXEMPT "310109"
#define EX_U     "3101090001"

/* Exempt teachers (roster status exempt) are counted as exempt and left out of the compliance
 * rate and of the groups; teachers who left are not listed at all. */
static void exempt_teachers(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_EXEMPT, "免训测试区");
    static const struct unit_row units[] = {{EX_U, "免训测试中学", "senior", 0, 0, 0}};
    import_units(c, units, 1);
    struct teacher_row t[6];
    teacher_set(&t[0], "E1", EX_U, "语文", NULL);
    teacher_set(&t[1], "E2", EX_U, "语文", NULL);
    teacher_set(&t[2], "E3", EX_U, "语文", NULL);
    teacher_set(&t[3], "E4", EX_U, "语文", "exempt");
    teacher_set(&t[4], "E5", EX_U, "语文", "exempt");
    teacher_set(&t[5], "E6", EX_U, "语文", "left");
    import_roster(c, t, 6);
    test_policy(c, 30, 24, NULL);

    Yanxiu__V1__SubmitReportRequest *r = report(EX_U, "2026-10");
    static const char *const good[] = {"E1", "E2", "E5", "E6", NULL};
    give(r, good, 32, "school");
    submit_free(c, r);

    struct cq q = {.year = 2026, .as_of = "2027-09-01"};
    Yanxiu__V1__Envelope *resp = units_ok(c, &q);
    const Yanxiu__V1__UnitCompliance *u = find_unit(resp->unit_compliance, EX_U);
    assert_int_equal(u->teachers, 5);
    assert_int_equal(u->compliant, 2);
    assert_int_equal(u->non_compliant, 1);
    assert_int_equal(u->exempt, 2);
    assert_int_equal(u->on_track + u->behind, 0);
    EXPECT_NUM(u->compliance_rate, 2.0 / 3, "compliance rate = compliant / (teachers - exempt)");
    yxc_free(resp);

    resp = teachers_ok(c, &q);
    assert_null(find_teacher(resp->teacher_list, "E6"));
    expect_status(teacher_of(resp->teacher_list, "E4"), "exempt", "", "exempt, no hours");
    expect_status(teacher_of(resp->teacher_list, "E5"), "exempt", "", "exempt, 32 hours");
    expect_status(teacher_of(resp->teacher_list, "E3"), "non_compliant",
                  "hours_year 30 0; school_hours_year 24 0", "no hours");
    yxc_free(resp);
    q.status = "exempt";
    resp = teachers_ok(c, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 2);
    yxc_free(resp);
    q.status = NULL;
    resp = groups_ok(c, &q);
    const Yanxiu__V1__GroupCompliance *g = find_group(resp->group_list, EX_U, "语文");
    assert_int_equal(g->teachers, 3);
    assert_int_equal(g->short_of_school_hours, 1);
    yxc_free(resp);
    /* mid-year the unit rate has on_track/behind, never counting the exempt */
    q.as_of = "2026-11-30";
    resp = units_ok(c, &q);
    u = find_unit(resp->unit_compliance, EX_U);
    assert_int_equal(u->exempt, 2);
    assert_int_equal(u->compliant + u->on_track + u->behind + u->non_compliant, 3);
    yxc_free(resp);
    yxc_close(c);
}

#define D_VOID "310110"
#define VOID_U "3101100001"

/* Hours of a returned or voided report vanish; a resubmission replaces the previous version;
 * a reopened report counts again only once resubmitted. */
static void voided_and_returned_reports_do_not_count(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_VOID, "作废测试区");
    static const struct unit_row units[] = {{VOID_U, "作废测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"V1", NULL};
    roster(c, VOID_U, "语文", team);
    test_policy(c, 72, 0, NULL);
    struct cq q = {.year = 2026, .as_of = "2026-11-30"};
    struct cq qa = {.year = 2026, .as_of = "2026-11-30", .approved_only = true};

    Yanxiu__V1__SubmitReportRequest *r = report(VOID_U, "2026-09");
    give1(r, "V1", 10, "school");
    submit_free(c, r);
    r = report(VOID_U, "2026-10");
    give1(r, "V1", 6, "school");
    it_report_add_external(r, "V1", "2026-10-20", "国家智慧教育平台暑期研修", 2);
    submit_free(c, r);
    expect_teacher(c, &q, "V1", 18, "on_track", "");

    review_ok(c, VOID_U, "2026-09", "return");
    expect_teacher(c, &q, "V1", 8, "behind", "hours_year 18 8");
    r = report(VOID_U, "2026-09");
    give1(r, "V1", 4, "school");
    assert_int_equal(submit_free(c, r), 2);
    expect_teacher(c, &q, "V1", 12, "behind", "hours_year 18 12");

    review_ok(c, VOID_U, "2026-10", "void");
    expect_teacher(c, &q, "V1", 4, "behind", "hours_year 18 4");
    /* a voided report takes no new version until reopened */
    r = report(VOID_U, "2026-10");
    give1(r, "V1", 6, "school");
    Yanxiu__V1__Envelope *resp = submit(c, r);
    expect_error(resp, YANXIU__V1__CODE__FAILED_PRECONDITION, "resubmitting a voided report");
    yxc_free(resp);
    review_ok(c, VOID_U, "2026-10", "reopen");
    expect_teacher(c, &q, "V1", 4, "behind", "hours_year 18 4");
    it_report_new_key(r);
    assert_int_equal(submit_free(c, r), 2);
    expect_teacher(c, &q, "V1", 10, "behind", "hours_year 18 10");

    review_ok(c, VOID_U, "2026-10", "approve");
    expect_teacher(c, &qa, "V1", 6, "behind", "hours_year 18 6");
    expect_teacher(c, &q, "V1", 10, "behind", "hours_year 18 10");
    review_ok(c, VOID_U, "2026-10", "reopen"); /* approved -> reopened: stops counting */
    expect_teacher(c, &q, "V1", 4, "behind", "hours_year 18 4");
    expect_teacher(c, &qa, "V1", 0, "behind", "hours_year 18 0");
    review_ok(c, VOID_U, "2026-09", "void"); /* a submitted report voided */
    expect_teacher(c, &q, "V1", 0, "behind", "hours_year 18 0");

    /* The history lists nothing of reports that do not count. */
    resp = history(c, "V1");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory V1");
    if (resp->history->n_records != 0)
        fail_msg("V1's reports are voided and reopened, yet the history lists %zu records "
                 "(first: %s %s)",
                 resp->history->n_records, resp->history->records[0]->unit_code,
                 resp->history->records[0]->month);
    const Yanxiu__V1__PeriodTotal *y = find_total(resp->history, "year", "2026");
    if (y)
        EXPECT_NUM(y->hours, 0, "history: total of 2026 with nothing counting");
    yxc_free(resp);
    assert_int_equal(ledger_differences_of(D_VOID), 0);
    yxc_close(c);
}

#define D_APPROVED "310111"
#define APP_U      "3101110001"
#define APP_V      "3101110002"

/* approved_only: official results count approved reports only. */
static void approved_only_counts_approved_reports(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_APPROVED, "审核测试区");
    static const struct unit_row units[] = {{APP_U, "审核测试中学", "junior", 0, 0, 0},
                                            {APP_V, "审核测试高中", "senior", 0, 0, 0}};
    import_units(c, units, 2);
    static const char *const team[] = {"A1", "A2", NULL}, *const other[] = {"A3", NULL};
    roster(c, APP_U, "语文", team);
    roster(c, APP_V, "语文", other);
    test_policy(c, 12, 0, NULL);

    Yanxiu__V1__SubmitReportRequest *r = report(APP_U, "2026-09");
    give(r, team, 8, "school");
    it_report_add_external(r, "A1", "2026-09-20", "县级集中培训", 4);
    submit_free(c, r);
    r = report(APP_U, "2026-10");
    give(r, team, 6, "school");
    submit_free(c, r);
    r = report(APP_V, "2026-10");
    give(r, team, 2, "school"); /* A1, A2 in unit V's activity */
    give1(r, "A3", 12, "school");
    submit_free(c, r);
    review_ok(c, APP_U, "2026-09", "approve");
    review_ok(c, APP_V, "2026-10", "approve");

    struct cq q = {.year = 2026, .as_of = "2027-09-01"};
    struct cq qa = {.year = 2026, .as_of = "2027-09-01", .approved_only = true};
    expect_teacher(c, &q, "A1", 20, "compliant", "");
    expect_teacher(c, &qa, "A1", 14, "compliant", "");
    expect_teacher(c, &q, "A2", 16, "compliant", "");
    expect_teacher(c, &qa, "A2", 10, "non_compliant", "hours_year 12 10");
    expect_teacher(c, &qa, "A3", 12, "compliant", "");

    Yanxiu__V1__Envelope *resp = units_ok(c, &qa);
    const Yanxiu__V1__UnitCompliance *u = find_unit(resp->unit_compliance, APP_U);
    assert_int_equal(u->compliant, 1);
    assert_int_equal(u->non_compliant, 1);
    EXPECT_NUM(u->compliance_rate, 0.5, "approved-only compliance rate of %s", APP_U);
    yxc_free(resp);
    resp = units_ok(c, &q);
    EXPECT_NUM(find_unit(resp->unit_compliance, APP_U)->compliance_rate, 1, "compliance rate of %s",
               APP_U);
    yxc_free(resp);

    resp = history(c, "A2");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory A2");
    const Yanxiu__V1__PeriodTotal *y = find_total(resp->history, "year", "2026");
    assert_non_null(y);
    EXPECT_NUM(y->hours, 16, "history: A2's 2026 hours");
    EXPECT_NUM(y->approved_hours, 10, "history: A2's approved 2026 hours");
    yxc_free(resp);
    yxc_close(c);
}

/* ================================================================================= */
/* reporting rates                                                                    */
/* ================================================================================= */

#define D_RATES "310112"
#define RT_1    "3101120001" /* open all along; its primary is no unit */
#define RT_1P   "3101120011"
#define RT_2    "3101120002" /* closed 2026-09-15 */
#define RT_3    "3101120003" /* opened 2026-10-10 */
#define RT_4    "3101120004"

/* Expected counts only units open in a month; no rate exceeds 1; each cell has its state. */
static void reporting_rates(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_RATES, "上报率测试区");
    struct unit_row units[] = {
        {RT_1, "上报率中心校", "central", 0, 0, 0},
        {RT_1P, "上报率完小", "primary", RT_1, 0, 0},
        {RT_2, "上报率撤并中学", "junior", 0, 0, 0},
        {RT_3, "上报率新建中学", "junior", 0, "2026-10-10", 0},
        {RT_4, "上报率高中", "senior", 0, 0, 0},
    };
    import_units(c, units, N_OF(units));
    test_policy(c, 0, 0, NULL);
    char cur[8];
    current_month(cur);

    /* 2026-09: RT_1 late, RT_2 voided, RT_3 not open yet, RT_4 returned. */
    submit_empty(c, RT_1, "2026-09");
    submit_empty(c, RT_2, "2026-09");
    review_ok(c, RT_2, "2026-09", "void");
    submit_empty(c, RT_4, "2026-09");
    review_ok(c, RT_4, "2026-09", "return");
    Yanxiu__V1__SubmitReportRequest *r = report(RT_3, "2026-09");
    r->empty = true;
    it_set(&r->reason, "尚未开办");
    Yanxiu__V1__Envelope *resp = submit(c, r);
    const Yanxiu__V1__Error *e =
        expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "a report before the unit opened");
    assert_true(e->n_violations >= 1);
    EXPECT_STR(e->violations[0]->path, "month", "the violation of a report before opening");
    yxc_free(resp);
    it_report_free(r);
    /* 2026-10: RT_1 missing, RT_2 reports (then closes back-dated), RT_3 late and approved,
     * RT_4 approved then reopened. */
    submit_empty(c, RT_2, "2026-10");
    submit_empty(c, RT_3, "2026-10");
    review_ok(c, RT_3, "2026-10", "approve");
    submit_empty(c, RT_4, "2026-10");
    review_ok(c, RT_4, "2026-10", "approve");
    review_ok(c, RT_4, "2026-10", "reopen");
    /* the current month: RT_1 on time */
    submit_empty(c, RT_1, cur);
    /* RT_2 closes on 2026-09-15 (recorded afterwards) */
    units[2].closed = "2026-09-15";
    import_units(c, &units[2], 1);

    struct cq q = {.year = 2026, .as_of = "2026-10-31"};
    resp = rates_ok(c, &q);
    const Yanxiu__V1__ReportingRates *rt = resp->rates;
    assert_int_equal(rt->n_months, 2);
    const Yanxiu__V1__MonthRate *sep = find_month(rt, "2026-09");
    assert_int_equal(sep->expected, 3);
    assert_int_equal(sep->received, 1);
    assert_int_equal(sep->on_time, 0);
    EXPECT_NUM(sep->rate, 1.0 / 3, "2026-09 rate");
    const Yanxiu__V1__MonthRate *oct = find_month(rt, "2026-10");
    assert_int_equal(oct->expected, 3);
    assert_int_equal(oct->received, 2);
    assert_int_equal(oct->on_time, 0);
    EXPECT_NUM(oct->rate, 2.0 / 3, "2026-10 rate");
    for (size_t i = 0; i < rt->n_months; i++)
        if (rt->months[i]->rate > 1 || rt->months[i]->on_time_rate > 1 ||
            rt->months[i]->received > rt->months[i]->expected)
            fail_msg("%s: rate %g, on-time rate %g (received %u of %u expected)",
                     rt->months[i]->month, rt->months[i]->rate, rt->months[i]->on_time_rate,
                     rt->months[i]->received, rt->months[i]->expected);
    static const struct {
        const char *unit, *month, *state;
    } cells[] = {
        {RT_1, "2026-09", "late"},     {RT_2, "2026-09", "voided"},   {RT_3, "2026-09", "closed"},
        {RT_4, "2026-09", "returned"}, {RT_1, "2026-10", "missing"},  {RT_2, "2026-10", "closed"},
        {RT_3, "2026-10", "late"},     {RT_4, "2026-10", "reopened"},
    };
    for (size_t i = 0; i < N_OF(cells); i++)
        EXPECT_STR(cell_state(rt, cells[i].unit, cells[i].month), cells[i].state, "cell %s %s",
                   cells[i].unit, cells[i].month);
    for (size_t i = 0; i < rt->n_cells; i++)
        if (strcmp(rt->cells[i]->unit_code, RT_1P) == 0)
            fail_msg("the primary %s reports through its central school, yet has a cell", RT_1P);
    assert_int_equal(rt->n_cells, 8);
    yxc_free(resp);

    /* One month. */
    struct cq m = {.month = cur};
    resp = rates_ok(c, &m);
    rt = resp->rates;
    /* its deadline has not passed: RT_3 and RT_4 are not due yet, not missing, and only the
     * report that came early (RT_1) is expected */
    assert_int_equal(rt->n_months, 1);
    assert_int_equal(rt->months[0]->expected, 1);
    assert_int_equal(rt->months[0]->received, 1);
    assert_int_equal(rt->months[0]->on_time, 1);
    EXPECT_NUM(rt->months[0]->on_time_rate, 1.0, "%s on-time rate", cur);
    EXPECT_STR(cell_state(rt, RT_1, cur), "on_time", "cell %s %s", RT_1, cur);
    EXPECT_STR(cell_state(rt, RT_2, cur), "closed", "cell %s %s", RT_2, cur);
    EXPECT_STR(cell_state(rt, RT_3, cur), "not_due", "cell %s %s", RT_3, cur);
    EXPECT_STR(cell_state(rt, RT_4, cur), "not_due", "cell %s %s", RT_4, cur);
    yxc_free(resp);
    /* One unit. */
    struct cq one = {.year = 2026, .as_of = "2026-10-31", .unit = RT_4};
    resp = rates_ok(c, &one);
    assert_int_equal(resp->rates->n_cells, 2);
    assert_int_equal(find_month(resp->rates, "2026-10")->expected, 1);
    assert_int_equal(find_month(resp->rates, "2026-10")->received, 1);
    yxc_free(resp);

    /* ComplianceUnits: the months whose deadline passed by the as-of day (2026-11-20: 2026-09
     * and 2026-10). */
    struct cq u = {.year = 2026, .as_of = "2026-11-20"};
    resp = units_ok(c, &u);
    const Yanxiu__V1__ComplianceUnitList *ul = resp->unit_compliance;
    assert_int_equal(ul->n_units, 4);
    const Yanxiu__V1__UnitCompliance *x = find_unit(ul, RT_1);
    assert_int_equal(x->reports_expected, 2);
    assert_int_equal(x->reports_received, 1);
    assert_int_equal(x->reports_on_time, 0);
    x = find_unit(ul, RT_2);
    assert_int_equal(x->reports_expected, 1);
    assert_int_equal(x->reports_received, 0);
    assert_int_equal(x->voided_reports, 1);
    x = find_unit(ul, RT_3);
    assert_int_equal(x->reports_expected, 1);
    assert_int_equal(x->reports_received, 1);
    x = find_unit(ul, RT_4);
    assert_int_equal(x->reports_expected, 2);
    assert_int_equal(x->reports_received, 1);
    yxc_free(resp);
    /* As of 2026-11-05 the October reports are not due yet. */
    u.as_of = "2026-11-05";
    resp = units_ok(c, &u);
    assert_int_equal(find_unit(resp->unit_compliance, RT_1)->reports_expected, 1);
    assert_int_equal(find_unit(resp->unit_compliance, RT_3)->reports_expected, 0);
    yxc_free(resp);
    /* A flagged report counts in its unit's flagged_reports (the matrix reads the flagged
     * versions from 022's partial index): RT_1's October at last, five activities with the same
     * sign-in sheet (identical_signin). */
    static const char *const rt_team[] = {"RT1A", "RT1B", NULL};
    roster(c, RT_1, "综合", rt_team);
    r = it_report_new(RT_1, "2026-10", 5, rt_team, 2);
    submit_free(c, r);
    u.as_of = "2026-11-20";
    resp = units_ok(c, &u);
    x = find_unit(resp->unit_compliance, RT_1);
    assert_int_equal(x->reports_received, 2);
    assert_int_equal(x->flagged_reports, 1);
    assert_int_equal(find_unit(resp->unit_compliance, RT_4)->flagged_reports, 0);
    yxc_free(resp);
    yxc_close(c);
}

/* ================================================================================= */
/* the registration handbook                                                          */
/* ================================================================================= */

#define D_HISTORY "310113"
#define HI_A      "3101130001"
#define HI_B      "3101130002"

/* TeacherHistory lists every credited record (activity sign-ins present or late, external
 * records) of the latest version of every counting report, with unit, month and version, and
 * the totals per year and cycle. */
static void teacher_history(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_HISTORY, "登记手册测试区");
    static const struct unit_row units[] = {{HI_A, "手册测试一中", "junior", 0, 0, 0},
                                            {HI_B, "手册测试二中", "junior", 0, 0, 0}};
    import_units(c, units, 2);
    static const char *const at_a[] = {"G1", "G2", NULL};
    roster(c, HI_A, "语文", at_a);
    test_policy(c, 72, 0, NULL);

    /* 2026-08 (school year 2025): 3 h ethics, an external record; approved */
    Yanxiu__V1__SubmitReportRequest *r = report(HI_A, "2026-08");
    Yanxiu__V1__Activity *a = activity(r, 3, "ethics", "school", "centralized");
    sign(r, a, "G1", "present", 0);
    sign(r, a, "G2", "present", 0);
    Yanxiu__V1__ExternalRecord *x =
        it_report_add_external(r, "G1", "2026-08-15", "国家智慧教育平台暑期研修", 10);
    x->credits = 4;
    it_set(&x->certificate, "CERT-2026-001");
    submit_free(c, r);
    review_ok(c, HI_A, "2026-08", "approve");
    /* 2026-09: version 1, then version 2 (late 1.5 of 2, and 4) */
    r = report(HI_A, "2026-09");
    a = activity(r, 2, "subject", "school", "centralized");
    sign(r, a, "G1", "present", 0);
    a = activity(r, 2, "subject", "school", "centralized");
    sign(r, a, "G1", "absent", 0);
    submit_free(c, r);
    r = report(HI_A, "2026-09");
    a = activity(r, 2, "subject", "school", "centralized");
    sign(r, a, "G1", "late", 1.5);
    a = activity(r, 4, "skills", "town", "centralized");
    sign(r, a, "G1", "present", 0);
    a = activity(r, 2, "subject", "school", "centralized");
    sign(r, a, "G1", "excused", 0);
    sign(r, a, "G2", "present", 0);
    assert_int_equal(submit_free(c, r), 2);
    /* 2026-10: voided */
    r = report(HI_A, "2026-10");
    give1(r, "G1", 5, "school");
    submit_free(c, r);
    review_ok(c, HI_A, "2026-10", "void");
    /* G1 moves to B, which credits 2 h in 2026-11 */
    transfer_ok(c, "G1", HI_B, NULL, NULL);
    r = report(HI_B, "2026-11");
    give1(r, "G1", 2, "county");
    submit_free(c, r);

    Yanxiu__V1__Envelope *resp = history(c, "G1");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory G1");
    const Yanxiu__V1__TeacherHistory *h = resp->history;
    EXPECT_STR(h->teacher->teacher_code, "G1", "history: the teacher");
    EXPECT_STR(h->teacher->school_code, HI_B, "history: the teacher's school");
    static const struct {
        const char *unit, *month;
        uint32_t version;
        const char *status, *source, *ref;
        double hours, credits;
    } want[] = {
        /* credits as compliance counts them: a record's own, else hours x credit_factor (1) */
        {HI_A, "2026-08", 1, "approved", "activity", "2026-08-A01", 3, 3},
        {HI_A, "2026-08", 1, "approved", "external", "CERT-2026-001", 10, 4},
        {HI_A, "2026-09", 2, "submitted", "activity", "2026-09-A01", 1.5, 1.5},
        {HI_A, "2026-09", 2, "submitted", "activity", "2026-09-A02", 4, 4},
        {HI_B, "2026-11", 1, "submitted", "activity", "2026-11-A01", 2, 2},
    };
    char got[2048];
    size_t len = 0;
    for (size_t i = 0; i < h->n_records && len < sizeof(got); i++)
        len += (size_t)snprintf(
            got + len, sizeof(got) - len, "\n  %s %s v%u %s %s %s %s %g", h->records[i]->unit_code,
            h->records[i]->month, h->records[i]->version,
            vocab_code_of(&vocab_report_status, h->records[i]->report_status),
            h->records[i]->source, h->records[i]->ref, h->records[i]->date, h->records[i]->hours);
    if (h->n_records != N_OF(want))
        fail_msg("history of G1: expected %zu records, got %zu:%s", N_OF(want), h->n_records, got);
    for (size_t i = 0; i < N_OF(want); i++) {
        bool found = false;
        for (size_t k = 0; k < h->n_records && !found; k++) {
            const Yanxiu__V1__HistoryRecord *y = h->records[k];
            found = strcmp(y->unit_code, want[i].unit) == 0 &&
                    strcmp(y->month, want[i].month) == 0 && y->version == want[i].version &&
                    strcmp(vocab_code_of(&vocab_report_status, y->report_status), want[i].status) ==
                        0 &&
                    strcmp(y->source, want[i].source) == 0 && strcmp(y->ref, want[i].ref) == 0 &&
                    near(y->hours, want[i].hours) && near(y->credits, want[i].credits);
        }
        if (!found)
            fail_msg("history of G1: no record %s %s v%u %s %s %s %g h %g credits; got:%s",
                     want[i].unit, want[i].month, want[i].version, want[i].status, want[i].source,
                     want[i].ref, want[i].hours, want[i].credits, got);
    }
    /* records are in date order */
    for (size_t i = 1; i < h->n_records; i++)
        if (strcmp(h->records[i - 1]->date, h->records[i]->date) > 0)
            fail_msg("history of G1: records are not in date order:%s", got);
    const Yanxiu__V1__PeriodTotal *t = find_total(h, "year", "2025");
    if (!t)
        fail_msg("history of G1: no total for the school year 2025");
    EXPECT_NUM(t->hours, 13, "history: G1's school year 2025");
    EXPECT_NUM(t->approved_hours, 13, "history: G1's approved hours of 2025");
    t = find_total(h, "year", "2026");
    if (!t)
        fail_msg("history of G1: no total for the school year 2026");
    EXPECT_NUM(t->hours, 7.5, "history: G1's school year 2026");
    EXPECT_NUM(t->approved_hours, 0, "history: G1's approved hours of 2026");
    t = find_total(h, "cycle", "2026-2030");
    if (!t)
        fail_msg("history of G1: no total for the cycle 2026-2030");
    EXPECT_NUM(t->hours, 7.5, "history: G1's cycle 2026-2030");
    t = find_total(h, "cycle", "2021-2025");
    if (!t)
        fail_msg("history of G1: no total for the cycle 2021-2025");
    EXPECT_NUM(t->hours, 13, "history: G1's cycle 2021-2025");
    yxc_free(resp);

    /* Unknown teacher, malformed code. */
    resp = history(c, "NOBODY");
    expect_error(resp, YANXIU__V1__CODE__NOT_FOUND, "TeacherHistory of an unknown teacher");
    yxc_free(resp);
    resp = history(c, "bad code!");
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "TeacherHistory of a bad code");
    yxc_free(resp);
    yxc_close(c);
}

/* The school a teacher moved to sees the whole handbook: its records add up to its totals. */
static void history_of_a_transferred_teacher_adds_up_for_the_new_school(void **state)
{
    (void)state;
    struct yxc *s = school_session(D_HISTORY, HI_B);
    Yanxiu__V1__Envelope *resp = history(s, "G1");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory G1 as school B");
    const Yanxiu__V1__TeacherHistory *h = resp->history;
    double records = 0, totals = 0;
    for (size_t i = 0; i < h->n_records; i++)
        records += h->records[i]->hours;
    for (size_t i = 0; i < h->n_totals; i++)
        if (strcmp(h->totals[i]->kind, "year") == 0)
            totals += h->totals[i]->hours;
    if (!near(records, totals))
        fail_msg("TeacherHistory of G1 as the school of unit %s: %zu records with %g hours, "
                 "but the yearly totals say %g hours",
                 HI_B, h->n_records, records, totals);
    yxc_free(resp);
    /* School A, which G1 left, does not see G1 any more. */
    struct yxc *sa = school_session(D_HISTORY, HI_A);
    resp = history(sa, "G1");
    expect_error(resp, YANXIU__V1__CODE__NOT_FOUND, "TeacherHistory of G1 as school A");
    yxc_free(resp);
    yxc_close(sa);
    yxc_close(s);
}

/* ================================================================================= */
/* scope                                                                              */
/* ================================================================================= */

#define D_SCOPE "310114"
#define SC_A    "3101140001"
#define SC_B    "3101140002"
#define D_OTHER "310199"

/* A school sees its own unit only: every compliance view without a unit answers for its unit,
 * with another unit it is PERMISSION_DENIED; SetPolicy is the district's. */
static void school_sees_only_its_unit(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_SCOPE, "范围测试区");
    struct yxc *other = district_session(D_OTHER, "他区");
    static const struct unit_row units[] = {{SC_A, "范围测试一中", "junior", 0, 0, 0},
                                            {SC_B, "范围测试二中", "junior", 0, 0, 0}};
    import_units(c, units, 2);
    static const char *const at_a[] = {"SA1", "SA2", NULL}, *const at_b[] = {"SB1", NULL};
    roster(c, SC_A, "语文", at_a);
    roster(c, SC_B, "数学", at_b);
    test_policy(c, 72, 0, NULL);
    Yanxiu__V1__SubmitReportRequest *r = report(SC_A, "2026-09");
    give(r, at_a, 10, "school");
    submit_free(c, r);
    r = report(SC_B, "2026-09");
    give(r, at_b, 10, "school");
    submit_free(c, r);

    struct yxc *s = school_session(D_SCOPE, SC_A);
    struct cq q = {.year = 2026, .as_of = "2026-11-30"};
    Yanxiu__V1__Envelope *resp = teachers_ok(s, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 2);
    for (size_t i = 0; i < resp->teacher_list->n_teachers; i++)
        EXPECT_STR(resp->teacher_list->teachers[i]->unit_code, SC_A, "a school's teacher list");
    yxc_free(resp);
    resp = units_ok(s, &q);
    assert_int_equal(resp->unit_compliance->n_units, 1);
    EXPECT_STR(resp->unit_compliance->units[0]->unit_code, SC_A, "a school's unit list");
    yxc_free(resp);
    resp = groups_ok(s, &q);
    for (size_t i = 0; i < resp->group_list->n_groups; i++)
        EXPECT_STR(resp->group_list->groups[i]->unit_code, SC_A, "a school's groups");
    assert_int_equal(resp->group_list->n_groups, 1);
    yxc_free(resp);
    resp = rates_ok(s, &q);
    for (size_t i = 0; i < resp->rates->n_cells; i++)
        EXPECT_STR(resp->rates->cells[i]->unit_code, SC_A, "a school's reporting cells");
    assert_int_equal(find_month(resp->rates, "2026-09")->expected, 1);
    yxc_free(resp);
    q.unit = SC_A;
    resp = teachers_ok(s, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 2);
    yxc_free(resp);

    static const Yanxiu__V1__Envelope__BodyCase views[] = {
        YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS,
        YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS,
        YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS,
        YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES,
    };
    for (size_t i = 0; i < N_OF(views); i++) {
        char what[128];
        struct cq b = {.year = 2026, .as_of = "2026-11-30", .unit = SC_B};
        resp = cq_call(s, views[i], &b);
        snprintf(what, sizeof(what), "%s of unit B as school A", yxc_body_name(views[i]));
        expect_error(resp, YANXIU__V1__CODE__PERMISSION_DENIED, what);
        yxc_free(resp);
        /* another district, by a school and by a district account */
        struct cq d = {.year = 2026, .as_of = "2026-11-30", .district = D_OTHER};
        resp = cq_call(s, views[i], &d);
        snprintf(what, sizeof(what), "%s of district %s as school A", yxc_body_name(views[i]),
                 D_OTHER);
        expect_error(resp, YANXIU__V1__CODE__PERMISSION_DENIED, what);
        yxc_free(resp);
        resp = cq_call(other, views[i], &(struct cq){.year = 2026, .district = D_SCOPE});
        snprintf(what, sizeof(what), "%s of district %s by district %s", yxc_body_name(views[i]),
                 D_SCOPE, D_OTHER);
        expect_error(resp, YANXIU__V1__CODE__PERMISSION_DENIED, what);
        yxc_free(resp);
    }
    /* TeacherHistory of another unit's teacher: not found for the school. */
    resp = history(s, "SB1");
    expect_error(resp, YANXIU__V1__CODE__NOT_FOUND, "TeacherHistory of unit B's teacher");
    yxc_free(resp);
    resp = history(s, "SA1");
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory of its own teacher");
    yxc_free(resp);
    /* Another district's district account does not see this district's teacher. */
    resp = history(other, "SA1");
    expect_error(resp, YANXIU__V1__CODE__NOT_FOUND, "TeacherHistory of another district's teacher");
    yxc_free(resp);
    /* The policy is the district's to set; anyone may read it. */
    resp = set_policy(s, "[policy]\nhours_year = 1\n", "2020-01-01");
    expect_error(resp, YANXIU__V1__CODE__PERMISSION_DENIED, "SetPolicy as a school");
    yxc_free(resp);
    resp = get_policy(s, "2026-11-23");
    expect_ini_number(resp->policy->ini, "hours_year", 72);
    yxc_free(resp);
    yxc_close(s);
    yxc_close(other);
    yxc_close(c);
}

/* ================================================================================= */
/* the ledger                                                                         */
/* ================================================================================= */

/* The web console's pages of the teachers: limit and offset, total before paging, a search by
 * code or part of a name, fewest hours first; bad paging is refused with its reason. */
#define D_PAGE  "310118"
#define SC_PAGE "3101180001"
static void teachers_paged_searched_and_ordered_by_hours(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_PAGE, "分页测试区");
    static const struct unit_row units[] = {{SC_PAGE, "分页测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const all[] = {"PG1", "PG2", "PG3", "PG4", "PG5", NULL};
    roster(c, SC_PAGE, "语文", all);
    struct teacher_row ex;
    memset(&ex, 0, sizeof(ex));
    teacher_set(&ex, "PG6", SC_PAGE, "语文", "exempt"); /* 0 hours, but owes none */
    import_roster(c, &ex, 1);
    test_policy(c, 72, 0, NULL);
    Yanxiu__V1__SubmitReportRequest *r = report(SC_PAGE, "2026-09");
    give1(r, "PG1", 30, "school");
    give1(r, "PG2", 4, "school");
    give1(r, "PG3", 20, "school");
    give1(r, "PG5", 10, "school");
    submit_free(c, r);

    struct cq q = {.year = 2026, .as_of = "2026-11-30", .limit = 2};
    Yanxiu__V1__Envelope *resp = teachers_ok(c, &q);
    const Yanxiu__V1__ComplianceTeacherList *l = resp->teacher_list;
    assert_int_equal(l->n_teachers, 2);
    assert_int_equal(l->total, 6);
    EXPECT_STR(l->teachers[0]->teacher_code, "PG1", "page 1 row 1 (by code)");
    EXPECT_STR(l->teachers[1]->teacher_code, "PG2", "page 1 row 2");
    yxc_free(resp);
    q.offset = 4;
    resp = teachers_ok(c, &q);
    assert_int_equal(resp->teacher_list->n_teachers, 2);
    assert_int_equal(resp->teacher_list->total, 6);
    EXPECT_STR(resp->teacher_list->teachers[1]->teacher_code, "PG6", "the last page");
    yxc_free(resp);

    /* fewest hours first: PG4 (0), PG2 (4), PG5 (10) */
    struct cq h = {.year = 2026, .as_of = "2026-11-30", .limit = 3, .order = "hours"};
    resp = teachers_ok(c, &h);
    l = resp->teacher_list;
    assert_int_equal(l->n_teachers, 3);
    EXPECT_STR(l->teachers[0]->teacher_code, "PG4", "fewest hours first");
    EXPECT_STR(l->teachers[1]->teacher_code, "PG2", "then 4 hours");
    EXPECT_STR(l->teachers[2]->teacher_code, "PG5", "then 10 hours");
    yxc_free(resp);
    h.limit = 0;
    resp = teachers_ok(c, &h);
    assert_int_equal(resp->teacher_list->n_teachers, 6);
    EXPECT_STR(resp->teacher_list->teachers[5]->teacher_code, "PG6", "the exempt teacher last");
    yxc_free(resp);

    /* a search by code, and by a part of a name (the roster's names are 教师PGn) */
    struct cq s = {.year = 2026, .as_of = "2026-11-30", .search = "PG3"};
    resp = teachers_ok(c, &s);
    assert_int_equal(resp->teacher_list->n_teachers, 1);
    assert_int_equal(resp->teacher_list->total, 1);
    yxc_free(resp);
    s.search = "师PG4";
    resp = teachers_ok(c, &s);
    assert_int_equal(resp->teacher_list->n_teachers, 1);
    EXPECT_STR(resp->teacher_list->teachers[0]->teacher_code, "PG4", "found by a part of the name");
    yxc_free(resp);

    /* no paging: every row, as the CLI asks */
    struct cq every = {.year = 2026, .as_of = "2026-11-30"};
    resp = teachers_ok(c, &every);
    assert_int_equal(resp->teacher_list->n_teachers, 6);
    assert_int_equal(resp->teacher_list->total, 6);
    yxc_free(resp);

    struct cq big = {.year = 2026, .as_of = "2026-11-30", .limit = 5000};
    resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, &big);
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "a page of 5000 rows");
    EXPECT_STR(resp->error->reason, "page_limit_invalid", "its reason");
    yxc_free(resp);
    struct cq bad = {.year = 2026, .as_of = "2026-11-30", .order = "name; drop table"};
    resp = cq_call(c, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, &bad);
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "an unknown order");
    EXPECT_STR(resp->error->reason, "page_order_unknown", "its reason");
    yxc_free(resp);
    yxc_close(c);
}

/* The web console's pages of the assessment results: limit and offset, total before paging, a
 * search by code or part of a name; the grades counted over every row whatever the page. */
#define D_APAGE  "310119"
#define SC_APAGE "3101190001"
#define SCHEME_P "分页考核"

static Yanxiu__V1__Envelope *assess_page(struct yxc *c, uint32_t limit, uint32_t offset,
                                         const char *search)
{
    Yanxiu__V1__AssessmentQuery q = YANXIU__V1__ASSESSMENT_QUERY__INIT;
    q.year = 2026;
    q.as_of = "2026-11-30";
    q.limit = limit;
    q.offset = offset;
    q.search = (char *)(search ? search : "");
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ASSESSMENT_RESULTS;
    env.assessment_results = &q;
    return call(c, &env);
}

/* The grade counts as "grade=n" separated by ", " ("" the ungraded). */
static void grades_text(const Yanxiu__V1__AssessmentResults *a, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->n_grade_counts && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s=%u", i ? ", " : "", a->grade_counts[i]->grade,
                              a->grade_counts[i]->count);
}

static void assessment_paged_grades_counted_over_every_row(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_APAGE, "考核分页区");
    static const struct unit_row units[] = {{SC_APAGE, "考核分页中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const all[] = {"AP1", "AP2", "AP3", "AP4", "AP5", "AP6", NULL};
    roster(c, SC_APAGE, "语文", all);
    test_policy(c, 72, 0, NULL);
    Yanxiu__V1__SubmitReportRequest *r = report(SC_APAGE, "2026-09");
    give1(r, "AP1", 80, "school");
    give1(r, "AP2", 80, "school");
    submit_free(c, r);

    Yanxiu__V1__SetSchemeRequest set = YANXIU__V1__SET_SCHEME_REQUEST__INIT;
    set.ini = "[scheme]\nname = " SCHEME_P "\ntarget = teacher\n[items]\n师德 = 10\n业绩 = 30\n"
              "[grades]\n优秀 = 30\n合格 = 20\n不合格 = 0\n";
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SET_SCHEME;
    env.set_scheme = &set;
    Yanxiu__V1__Envelope *resp = call(c, &env);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST, "the scheme stored");
    yxc_free(resp);
    Yanxiu__V1__ItemScore sc[] = {
        {PROTOBUF_C_MESSAGE_INIT(&yanxiu__v1__item_score__descriptor), "AP1", "师德", 10},
        {PROTOBUF_C_MESSAGE_INIT(&yanxiu__v1__item_score__descriptor), "AP1", "业绩", 25},
        {PROTOBUF_C_MESSAGE_INIT(&yanxiu__v1__item_score__descriptor), "AP2", "业绩", 22},
        {PROTOBUF_C_MESSAGE_INIT(&yanxiu__v1__item_score__descriptor), "AP3", "业绩", 30},
        {PROTOBUF_C_MESSAGE_INIT(&yanxiu__v1__item_score__descriptor), "AP4", "师德", 5},
    };
    Yanxiu__V1__ItemScore *scp[] = {&sc[0], &sc[1], &sc[2], &sc[3], &sc[4]};
    Yanxiu__V1__ImportScoresRequest imp = YANXIU__V1__IMPORT_SCORES_REQUEST__INIT;
    imp.scheme = SCHEME_P;
    imp.year = 2026;
    imp.scores = scp;
    imp.n_scores = 5;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES;
    env.import_scores = &imp;
    resp = call(c, &env);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT, "the scores imported");
    yxc_free(resp);

    /* every row (the CLI): the grades are what its rows say */
    resp = assess_page(c, 0, 0, NULL);
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT, "every row");
    const Yanxiu__V1__AssessmentResults *a = resp->assessment;
    assert_int_equal(a->n_results, 6);
    assert_int_equal(a->results_total, 6);
    char every[256] = "", grades[256], g[256];
    uint32_t summed = 0;
    for (size_t i = 0; i < a->n_results; i++) {
        strncat(every, a->results[i]->subject_code, sizeof(every) - strlen(every) - 1);
        strncat(every, " ", sizeof(every) - strlen(every) - 1);
    }
    for (size_t i = 0; i < a->n_grade_counts; i++) {
        uint32_t rows = 0;
        for (size_t k = 0; k < a->n_results; k++)
            rows += strcmp(a->results[k]->final_grade, a->grade_counts[i]->grade) == 0;
        assert_int_equal(a->grade_counts[i]->count, rows);
        summed += rows;
    }
    assert_int_equal(summed, 6);
    grades_text(a, grades, sizeof(grades));
    printf("every row: %s; grades %s\n", every, grades);
    /* AP1 35 points and its hours: 优秀, the best grade, counted first */
    EXPECT_STR(a->results[0]->final_grade, "优秀", "AP1's grade");
    EXPECT_STR(a->grade_counts[0]->grade, "优秀", "the best grade first");
    yxc_free(resp);

    /* pages of 4: the same rows in the same order, the grades of every row on each */
    char paged[256] = "";
    for (uint32_t offset = 0; offset < 6; offset += 4) {
        resp = assess_page(c, 4, offset, NULL);
        expect_body(resp, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT, "a page");
        a = resp->assessment;
        assert_int_equal(a->n_results, offset ? 2 : 4);
        assert_int_equal(a->results_total, 6);
        for (size_t i = 0; i < a->n_results; i++) {
            strncat(paged, a->results[i]->subject_code, sizeof(paged) - strlen(paged) - 1);
            strncat(paged, " ", sizeof(paged) - strlen(paged) - 1);
        }
        grades_text(a, g, sizeof(g));
        EXPECT_STR(g, grades, "the grades of every row, not of the page");
        yxc_free(resp);
    }
    EXPECT_STR(paged, every, "the pages together, in order");
    resp = assess_page(c, 4, 8, NULL); /* past the end: no row, the counts still there */
    expect_body(resp, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT, "past the last page");
    assert_int_equal(resp->assessment->n_results, 0);
    assert_int_equal(resp->assessment->results_total, 6);
    grades_text(resp->assessment, g, sizeof(g));
    EXPECT_STR(g, grades, "the grades past the last page");
    yxc_free(resp);

    /* a search by code, and by a part of a name (教师APn): the grades stay those of every row */
    resp = assess_page(c, 50, 0, "AP3");
    a = resp->assessment;
    assert_int_equal(a->n_results, 1);
    assert_int_equal(a->results_total, 1);
    EXPECT_STR(a->results[0]->subject_code, "AP3", "found by its code");
    grades_text(a, g, sizeof(g));
    EXPECT_STR(g, grades, "the grades of every row, not of the search");
    yxc_free(resp);
    resp = assess_page(c, 50, 0, "师AP2");
    assert_int_equal(resp->assessment->n_results, 1);
    EXPECT_STR(resp->assessment->results[0]->subject_code, "AP2", "found by a part of the name");
    yxc_free(resp);

    resp = assess_page(c, 1001, 0, NULL);
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "a page of 1001 rows");
    EXPECT_STR(resp->error->reason, "page_limit_invalid", "its reason");
    yxc_free(resp);
    resp = assess_page(c, 10, 0,
                       "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
                       "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五");
    expect_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "a search of 65 characters");
    EXPECT_STR(resp->error->reason, "page_search_invalid", "its reason");
    yxc_free(resp);
    yxc_close(c);
}

#define D_LEDGER "310115"

static uint64_t rng_state = 20261123;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(int n)
{
    return (int)(rng() % (uint64_t)n);
}

enum { L_NONE, L_SUBMITTED, L_APPROVED, L_RETURNED, L_REOPENED, L_VOIDED };

#define L_TEACHERS 9
#define L_SCHOOLS  4
#define L_UNITS    3
#define L_MONTHS   4
#define L_MAXROWS  64

static const char *const L_SCHOOL[L_SCHOOLS] = {"3101150001", "3101150011", "3101150002",
                                                "3101150003"};
static const int L_SCHOOL_UNIT[L_SCHOOLS] = {0, 0, 1, 2};
static const char *const L_UNIT[L_UNITS] = {"3101150001", "3101150002", "3101150003"};
static const char *const L_MONTH[L_MONTHS] = {"2026-08", "2026-09", "2026-10", "2026-11"};

/* One counting row of the model: hours credited to a teacher, or an absence. */
struct lrow {
    int teacher;
    double hours;
    bool absent;
    const char *category, *level, *mode;
};

struct lreport {
    int status, version;
    size_t n;
    struct lrow rows[L_MAXROWS];
    Yanxiu__V1__SubmitReportRequest *last; /* the last submission made (for replays) */
    uint32_t last_version;
};

struct lmodel {
    struct lreport rep[L_UNITS][L_MONTHS];
    int school[L_TEACHERS]; /* index into L_SCHOOL */
};

static void l_teacher(int i, char out[8])
{
    snprintf(out, 8, "L%02u", (unsigned)(i + 1) % 100u);
}

/* A random new version of report (u, m), with its model rows in *out. */
static Yanxiu__V1__SubmitReportRequest *l_random_report(const struct lmodel *mo, int u, int m,
                                                        struct lreport *out)
{
    static const char *const cats[] = {"subject", "ethics", "homeroom", "it"};
    static const char *const levels[] = {"school", "town", "county"};
    static const char *const modes[] = {"centralized", "remote", "self"};
    Yanxiu__V1__SubmitReportRequest *r = report(L_UNIT[u], L_MONTH[m]);
    out->n = 0;
    int n_act = 1 + pick(3);
    for (int i = 0; i < n_act; i++) {
        double h = 0.5 * (1 + pick(8));
        const char *cat = cats[pick(4)], *lvl = levels[pick(3)], *mode = modes[pick(3)];
        Yanxiu__V1__Activity *a = activity(r, h, cat, lvl, mode);
        for (int t = 0; t < L_TEACHERS; t++) {
            if (pick(2))
                continue;
            char code[8];
            l_teacher(t, code);
            int s = pick(20);
            struct lrow row = {t, 0, false, cat, lvl, mode};
            if (s < 10) {
                sign(r, a, code, "present", 0);
                row.hours = h;
            } else if (s < 13) {
                double rh = h > 0.5 && pick(2) ? 0.5 * (1 + pick((int)(h * 2) - 1)) : 0;
                sign(r, a, code, "late", rh);
                row.hours = rh > 0 ? rh : h;
            } else if (s < 16) {
                sign(r, a, code, "excused", 0);
                continue;
            } else {
                sign(r, a, code, "absent", 0);
                row.absent = true;
            }
            assert_true(out->n < L_MAXROWS);
            out->rows[out->n++] = row;
        }
    }
    /* an external record for a teacher of this unit, now and then */
    if (pick(2)) {
        int cand[L_TEACHERS], nc = 0;
        for (int t = 0; t < L_TEACHERS; t++)
            if (L_SCHOOL_UNIT[mo->school[t]] == u)
                cand[nc++] = t;
        if (nc) {
            int t = cand[pick(nc)];
            char code[8], date[16];
            l_teacher(t, code);
            snprintf(date, sizeof(date), "%s-20", L_MONTH[m]);
            double h = 0.5 * (1 + pick(12));
            Yanxiu__V1__ExternalRecord *e =
                it_report_add_external(r, code, date, "县级集中培训（远程）", h);
            if (pick(2))
                e->category = YANXIU__V1__CATEGORY__CATEGORY_ETHICS;
            if (pick(3) == 0)
                e->credits = 2;
            assert_true(out->n < L_MAXROWS);
            out->rows[out->n++] = (struct lrow){
                t, h, false, vocab_code_of(&vocab_category, e->category), "county", "remote"};
        }
    }
    return r;
}

static bool l_counts(int status)
{
    return status == L_SUBMITTED || status == L_APPROVED;
}

struct lsum {
    double hours, school, ethics, central, homeroom;
    unsigned absences;
};

/* The model's sums of teacher t over months [m0, m1]. */
static struct lsum l_sum(const struct lmodel *mo, int t, int m0, int m1, bool approved_only)
{
    struct lsum s = {0};
    for (int u = 0; u < L_UNITS; u++)
        for (int m = m0; m <= m1; m++) {
            const struct lreport *r = &mo->rep[u][m];
            if (!l_counts(r->status) || (approved_only && r->status != L_APPROVED))
                continue;
            for (size_t i = 0; i < r->n; i++) {
                const struct lrow *x = &r->rows[i];
                if (x->teacher != t)
                    continue;
                if (x->absent) {
                    s.absences += strcmp(x->mode, "centralized") == 0;
                    continue;
                }
                s.hours += x->hours;
                s.school += strcmp(x->level, "school") == 0 ? x->hours : 0;
                s.ethics += strcmp(x->category, "ethics") == 0 ? x->hours : 0;
                s.homeroom += strcmp(x->category, "homeroom") == 0 ? x->hours : 0;
                s.central += strcmp(x->mode, "centralized") == 0 && strcmp(x->level, "school") != 0
                                 ? x->hours
                                 : 0;
            }
        }
    return s;
}

static const char *const l_status_name[] = {"none",     "submitted", "approved",
                                            "returned", "reopened",  "voided"};

/* One random operation; its answer is checked against the model, which then follows. */
static void l_step(struct yxc *c, struct lmodel *mo, int step)
{
    int u = pick(L_UNITS), m = pick(L_MONTHS);
    struct lreport *r = &mo->rep[u][m];
    int op = pick(20);
    char what[160];
    if (op < 8) { /* submit a new version */
        struct lreport next;
        Yanxiu__V1__SubmitReportRequest *req = l_random_report(mo, u, m, &next);
        snprintf(what, sizeof(what), "step %d: submit %s %s (%s)", step, L_UNIT[u], L_MONTH[m],
                 l_status_name[r->status]);
        printf("%s\n", what);
        Yanxiu__V1__Envelope *resp = submit(c, req);
        if (r->status == L_APPROVED || r->status == L_VOIDED) {
            expect_error(resp, YANXIU__V1__CODE__FAILED_PRECONDITION, what);
            it_report_free(req);
        } else {
            expect_body(resp, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, what);
            assert_int_equal(resp->report_reply->version, (uint32_t)r->version + 1);
            assert_false(resp->report_reply->replayed);
            r->version++;
            r->status = L_SUBMITTED;
            r->n = next.n;
            memcpy(r->rows, next.rows, next.n * sizeof(next.rows[0]));
            it_report_free(r->last);
            r->last = req;
            r->last_version = (uint32_t)r->version;
        }
        yxc_free(resp);
    } else if (op < 9) { /* a retry of the last submission: answered, nothing written */
        if (!r->last)
            return;
        snprintf(what, sizeof(what), "step %d: replay %s %s v%u", step, L_UNIT[u], L_MONTH[m],
                 r->last_version);
        printf("%s\n", what);
        Yanxiu__V1__Envelope *resp = submit(c, r->last);
        expect_body(resp, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, what);
        assert_true(resp->report_reply->replayed);
        assert_int_equal(resp->report_reply->version, r->last_version);
        yxc_free(resp);
    } else if (op < 18) { /* review */
        static const char *const actions[] = {"approve", "approve", "return", "reopen", "void"};
        const char *action = actions[pick(5)];
        snprintf(what, sizeof(what), "step %d: %s %s %s (%s)", step, action, L_UNIT[u], L_MONTH[m],
                 l_status_name[r->status]);
        printf("%s\n", what);
        Yanxiu__V1__Envelope *resp = review(c, L_UNIT[u], L_MONTH[m], action);
        int next = -1;
        if (r->status == L_NONE) {
            expect_error(resp, YANXIU__V1__CODE__NOT_FOUND, what);
        } else if (strcmp(action, "approve") == 0) {
            next = r->status == L_SUBMITTED ? L_APPROVED : -1;
        } else if (strcmp(action, "return") == 0) {
            next = r->status == L_SUBMITTED ? L_RETURNED : -1;
        } else if (strcmp(action, "reopen") == 0) {
            next = r->status == L_APPROVED || r->status == L_VOIDED ? L_REOPENED : -1;
        } else {
            next = r->status != L_VOIDED ? L_VOIDED : -1;
        }
        if (r->status != L_NONE) {
            if (next < 0) {
                expect_error(resp, YANXIU__V1__CODE__FAILED_PRECONDITION, what);
            } else {
                expect_body(resp, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, what);
                EXPECT_STR(vocab_code_of(&vocab_report_status, resp->report_reply->status),
                           l_status_name[next], "%s: status", what);
                r->status = next;
            }
        }
        yxc_free(resp);
    } else { /* transfer */
        int t = pick(L_TEACHERS), to = pick(L_SCHOOLS);
        if (to == mo->school[t])
            to = (to + 1) % L_SCHOOLS;
        char code[8];
        l_teacher(t, code);
        printf("step %d: transfer %s %s -> %s\n", step, code, L_SCHOOL[mo->school[t]],
               L_SCHOOL[to]);
        char from[16];
        transfer_ok(c, code, L_SCHOOL[to], from, NULL);
        EXPECT_STR(from, L_SCHOOL[mo->school[t]], "transfer of %s: from", code);
        mo->school[t] = to;
    }
}

/* The model against ComplianceTeachers and TeacherHistory. */
static void l_compare(struct yxc *c, const struct lmodel *mo)
{
    for (int ao = 0; ao < 2; ao++) {
        for (int year = 2025; year <= 2026; year++) {
            struct cq q = {.year = (uint32_t)year, .as_of = "2027-09-01", .approved_only = ao};
            Yanxiu__V1__Envelope *resp = teachers_ok(c, &q);
            for (int t = 0; t < L_TEACHERS; t++) {
                char code[8];
                l_teacher(t, code);
                const Yanxiu__V1__TeacherCompliance *x = teacher_of(resp->teacher_list, code);
                /* 2026-08 is the school year 2025; 2026-09 .. 2026-11 the school year 2026 */
                struct lsum s = year == 2025 ? l_sum(mo, t, 0, 0, ao) : l_sum(mo, t, 1, 3, ao);
                const char *ctx = ao ? "approved only" : "all";
                EXPECT_NUM(x->hours, s.hours, "%s, %d, %s: hours", code, year, ctx);
                EXPECT_NUM(x->school_hours, s.school, "%s, %d, %s: school hours", code, year, ctx);
                EXPECT_NUM(x->ethics_hours, s.ethics, "%s, %d, %s: ethics hours", code, year, ctx);
                EXPECT_NUM(x->centralized_hours, s.central, "%s, %d, %s: centralized hours", code,
                           year, ctx);
                EXPECT_NUM(x->homeroom_hours, s.homeroom, "%s, %d, %s: homeroom hours", code, year,
                           ctx);
                EXPECT_NUM(x->unexcused_absences, s.absences, "%s, %d, %s: absences", code, year,
                           ctx);
                EXPECT_STR(x->unit_code, L_UNIT[L_SCHOOL_UNIT[mo->school[t]]], "%s: unit", code);
            }
            yxc_free(resp);
        }
    }
    for (int t = 0; t < L_TEACHERS; t++) {
        char code[8];
        l_teacher(t, code);
        Yanxiu__V1__Envelope *resp = history(c, code);
        expect_body(resp, YANXIU__V1__ENVELOPE__BODY_HISTORY, "TeacherHistory");
        const Yanxiu__V1__TeacherHistory *h = resp->history;
        double recs = 0;
        for (size_t i = 0; i < h->n_records; i++)
            recs += h->records[i]->hours;
        struct lsum all = l_sum(mo, t, 0, L_MONTHS - 1, false);
        EXPECT_NUM(recs, all.hours, "history of %s: the records' hours", code);
        static const char *const years[] = {"2025", "2026"};
        for (int y = 0; y < 2; y++) {
            struct lsum s = y == 0 ? l_sum(mo, t, 0, 0, false) : l_sum(mo, t, 1, 3, false);
            struct lsum a = y == 0 ? l_sum(mo, t, 0, 0, true) : l_sum(mo, t, 1, 3, true);
            const Yanxiu__V1__PeriodTotal *p = find_total(h, "year", years[y]);
            EXPECT_NUM(p ? p->hours : 0, s.hours, "history of %s: year %s", code, years[y]);
            EXPECT_NUM(p ? p->approved_hours : 0, a.hours, "history of %s: approved, year %s", code,
                       years[y]);
        }
        yxc_free(resp);
    }
}

/* The kept rows (compliance_years, compliance_cycles, 018) against the model and against
 * themselves: the cycle's hours of every teacher (the cycle of year 2025 holds months
 * [c25_0, c25_1], that of 2026 [c26_0, c26_1]), and each unit's counts by status
 * (ComplianceUnits, counted in one pass) as ComplianceTeachers judges the unit's teachers. */
static void l_compare_kept(struct yxc *c, const struct lmodel *mo, int c25_0, int c25_1, int c26_0,
                           int c26_1)
{
    for (int ao = 0; ao < 2; ao++) {
        for (int year = 2025; year <= 2026; year++) {
            const char *ctx = ao ? "approved only" : "all";
            struct cq q = {
                .year = (uint32_t)year, .as_of = "2027-09-01", .approved_only = ao, .cycle = true};
            Yanxiu__V1__Envelope *resp = teachers_ok(c, &q);
            const Yanxiu__V1__ComplianceTeacherList *tl = resp->teacher_list;
            for (int t = 0; t < L_TEACHERS; t++) {
                char code[8];
                l_teacher(t, code);
                const Yanxiu__V1__TeacherCompliance *x = teacher_of(tl, code);
                struct lsum s =
                    year == 2025 ? l_sum(mo, t, c25_0, c25_1, ao) : l_sum(mo, t, c26_0, c26_1, ao);
                EXPECT_NUM(x->cycle_hours, s.hours, "%s, %d, %s: cycle hours", code, year, ctx);
                EXPECT_NUM(x->cycle_ethics_hours, s.ethics, "%s, %d, %s: cycle ethics hours", code,
                           year, ctx);
                EXPECT_NUM(x->cycle_centralized_hours, s.central,
                           "%s, %d, %s: cycle centralized hours", code, year, ctx);
                EXPECT_NUM(x->cycle_homeroom_hours, s.homeroom, "%s, %d, %s: cycle homeroom hours",
                           code, year, ctx);
            }
            Yanxiu__V1__Envelope *ur = units_ok(c, &q);
            const Yanxiu__V1__ComplianceUnitList *ul = ur->unit_compliance;
            for (size_t u = 0; u < ul->n_units; u++) {
                const Yanxiu__V1__UnitCompliance *x = ul->units[u];
                uint32_t n[6] = {0};
                for (size_t i = 0; i < tl->n_teachers; i++)
                    if (strcmp(tl->teachers[i]->unit_code, x->unit_code) == 0 &&
                        tl->teachers[i]->status < 6)
                        n[tl->teachers[i]->status]++, n[0]++;
                EXPECT_NUM(x->teachers, n[0], "unit %s, %d, %s: teachers", x->unit_code, year, ctx);
                EXPECT_NUM(x->compliant,
                           n[YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_COMPLIANT],
                           "unit %s, %d, %s: compliant", x->unit_code, year, ctx);
                EXPECT_NUM(x->on_track,
                           n[YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_ON_TRACK],
                           "unit %s, %d, %s: on track", x->unit_code, year, ctx);
                EXPECT_NUM(x->behind, n[YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_BEHIND],
                           "unit %s, %d, %s: behind", x->unit_code, year, ctx);
                EXPECT_NUM(x->non_compliant,
                           n[YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_NON_COMPLIANT],
                           "unit %s, %d, %s: non compliant", x->unit_code, year, ctx);
                EXPECT_NUM(x->exempt, n[YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_EXEMPT],
                           "unit %s, %d, %s: exempt", x->unit_code, year, ctx);
            }
            yxc_free(ur);
            yxc_free(resp);
        }
    }
}

/* Rows of ledger_differences() of the kept compliance rows, and how many kept rows district d
 * has (so that an empty table cannot pass). */
static void l_kept_agree(const char *d, const char *when)
{
    char *diff = it_psql_ok(false, "SELECT ledger, key, stored, expected FROM ledger_differences() "
                                   "WHERE ledger LIKE 'compliance_%%';");
    if (diff[0])
        fail_msg("%s: the kept compliance rows differ from the raw rows:\n%s", when, diff);
    free(diff);
    long years = it_psql_long(false,
                              "SELECT count(*) FROM compliance_years "
                              "WHERE district_code = '%s' AND hours > 0;",
                              d);
    long cycles = it_psql_long(false,
                               "SELECT count(*) FROM compliance_cycles "
                               "WHERE district_code = '%s' AND hours > 0;",
                               d);
    printf("%s: %ld compliance_years rows, %ld compliance_cycles rows with hours\n", when, years,
           cycles);
    if (years == 0 || cycles == 0)
        fail_msg("%s: no kept compliance rows with hours in district %s", when, d);
}

/* verify-ledger's exit status and output. */
static char *verify_ledger(int *status)
{
    char *out = it_sh_output(status, "\"$YX_YANXIUD\" -c \"$YX_CONF\" verify-ledger");
    printf("yanxiud verify-ledger: status %d\n%s", *status, out);
    return out;
}

/* A fixed-seed random sequence of submissions, resubmissions, replays, returns, voids, reopens,
 * approvals and transfers; afterwards the ledger agrees with the raw rows (and with a model of
 * what counts), verify-ledger says so, and names a row corrupted behind its back. */
static void ledger_survives_a_random_sequence(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_LEDGER, "台账测试区");
    static const struct unit_row units[] = {
        {"3101150001", "台账中心校", "central", 0, 0, 0},
        {"3101150011", "台账完小", "primary", "3101150001", 0, 0},
        {"3101150002", "台账二中心校", "central", 0, 0, 0},
        {"3101150003", "台账初中", "junior", 0, 0, 0},
    };
    import_units(c, units, N_OF(units));
    static struct lmodel mo;
    memset(&mo, 0, sizeof(mo));
    struct teacher_row t[L_TEACHERS];
    for (int i = 0; i < L_TEACHERS; i++) {
        char code[8];
        l_teacher(i, code);
        mo.school[i] = i % L_SCHOOLS;
        teacher_set(&t[i], code, L_SCHOOL[mo.school[i]], i % 2 ? "语文" : "数学", NULL);
        t[i].homeroom = i % 3 == 0;
    }
    import_roster(c, t, L_TEACHERS);
    test_policy(c, 72, 24, NULL);

    for (int step = 1; step <= 60; step++)
        l_step(c, &mo, step);
    for (int u = 0; u < L_UNITS; u++)
        for (int m = 0; m < L_MONTHS; m++)
            printf("  %s %s: %s v%d\n", L_UNIT[u], L_MONTH[m], l_status_name[mo.rep[u][m].status],
                   mo.rep[u][m].version);

    l_compare(c, &mo);
    /* cycles of 5 years from 2026: 2026-08 is in 2021-2025, 2026-09 .. 2026-11 in 2026-2030 */
    l_compare_kept(c, &mo, 0, 0, 1, 3);
    l_kept_agree(D_LEDGER, "after the sequence");
    /* a policy of 2-year cycles from 2025 (school years 2025-2026): its cycles are counted
     * again from the kept years, then kept by 20 more steps */
    set_policy_ok(c,
                  "[policy]\ncycle_years = 2\ncycle_first_year = 2025\nhours_cycle = 0\n"
                  "hours_year = 72\nschool_hours_year = 24\nethics_hours_cycle = 0\n"
                  "centralized_hours_cycle = 0\nhomeroom_hours_cycle = 0\ncredits_enabled = no\n"
                  "deadline_day = 5\nabsence_limit = 3\ngroup_short_percent = 15\n"
                  "year_basis = school\n",
                  "2020-01-01");
    l_kept_agree(D_LEDGER, "after the policy of 2-year cycles");
    for (int step = 61; step <= 80; step++)
        l_step(c, &mo, step);
    l_compare(c, &mo);
    l_compare_kept(c, &mo, 0, 3, 0, 3);
    l_kept_agree(D_LEDGER, "after 20 more steps");

    char *diff = it_psql_ok(false, "SELECT ledger, key, stored, expected FROM "
                                   "ledger_differences();");
    long n = it_psql_long(false, "SELECT count(*) FROM ledger_differences();");
    if (n != 0)
        fail_msg("ledger_differences() has %ld rows after the sequence:\n%s", n, diff);
    free(diff);
    int st;
    char *out = verify_ledger(&st);
    if (st != 0)
        fail_msg("yanxiud verify-ledger exited %d after the sequence:\n%s", st, out);
    free(out);

    /* Corrupt the monthly roll-up: verify-ledger exits 1 and names it. (The fine-grained
     * ledger is a view of the raw rows since 017: nothing to corrupt there.) */
    char *key = it_psql_ok(false,
                           "WITH k AS (SELECT teacher_code, month, approved FROM ledger_months "
                           "WHERE district_code = '%s' AND hours > 0 "
                           "ORDER BY teacher_code DESC, month, approved LIMIT 1), "
                           "u AS (UPDATE ledger_months l SET school_hours = l.school_hours + 0.5 "
                           "FROM k WHERE l.district_code = '%s' AND (l.teacher_code, l.month, "
                           "l.approved) = (k.teacher_code, k.month, k.approved) RETURNING l.*) "
                           "SELECT concat_ws(' ', district_code, teacher_code, "
                           "to_char(month, 'YYYY-MM'), CASE WHEN approved THEN 'approved' "
                           "ELSE 'pending' END) FROM u;",
                           D_LEDGER, D_LEDGER);
    key[strcspn(key, "\n")] = '\0';
    assert_true(key[0] != '\0');
    out = verify_ledger(&st);
    char named[256];
    snprintf(named, sizeof(named), "ledger_months %s:", key);
    if (st != 1 || !strstr(out, named))
        fail_msg("verify-ledger (status %d) does not name the corrupted roll-up row \"%s\":\n%s",
                 st, named, out);
    free(out);
    free(it_psql_ok(
        false,
        "UPDATE ledger_months SET school_hours = school_hours - 0.5 WHERE concat_ws(' ', "
        "district_code, teacher_code, to_char(month, 'YYYY-MM'), CASE WHEN approved "
        "THEN 'approved' ELSE 'pending' END) = '%s';",
        key));
    free(key);
    out = verify_ledger(&st);
    assert_int_equal(st, 0);
    free(out);
    /* and the kept compliance rows: approved-only hours of a teacher's year */
    key =
        it_psql_ok(false,
                   "WITH k AS (SELECT teacher_code, basis, year FROM compliance_years "
                   "WHERE district_code = '%s' AND hours > 0 "
                   "ORDER BY teacher_code, basis, year LIMIT 1), "
                   "u AS (UPDATE compliance_years l SET a_hours = l.a_hours + 2 FROM k "
                   "WHERE l.district_code = '%s' AND (l.teacher_code, l.basis, l.year) = "
                   "(k.teacher_code, k.basis, k.year) RETURNING l.*) "
                   "SELECT concat_ws(' ', district_code, teacher_code, basis, year::text) FROM u;",
                   D_LEDGER, D_LEDGER);
    key[strcspn(key, "\n")] = '\0';
    assert_true(key[0] != '\0');
    out = verify_ledger(&st);
    snprintf(named, sizeof(named), "compliance_years %s:", key);
    if (st != 1 || !strstr(out, named))
        fail_msg("verify-ledger (status %d) does not name the corrupted kept row \"%s\":\n%s", st,
                 named, out);
    free(out);
    free(it_psql_ok(false,
                    "UPDATE compliance_years SET a_hours = a_hours - 2 WHERE concat_ws(' ', "
                    "district_code, teacher_code, basis, year::text) = '%s';",
                    key));
    free(key);
    out = verify_ledger(&st);
    assert_int_equal(st, 0);
    free(out);

    for (int u = 0; u < L_UNITS; u++)
        for (int m = 0; m < L_MONTHS; m++)
            it_report_free(mo.rep[u][m].last);
    yxc_close(c);
}

#define D_ZERO "310116"
#define ZERO_U "3101160001"

/* A month in which a teacher's only row is an unexcused absence from a remote activity (which
 * the compliance rules do not count) is no difference between the ledger and the raw rows. */
static void verify_ledger_with_only_a_remote_absence(void **state)
{
    (void)state;
    struct yxc *c = district_session(D_ZERO, "远程缺勤测试区");
    static const struct unit_row units[] = {{ZERO_U, "远程缺勤测试中学", "junior", 0, 0, 0}};
    import_units(c, units, 1);
    static const char *const team[] = {"Z1", "Z2", NULL};
    roster(c, ZERO_U, "语文", team);
    test_policy(c, 72, 0, NULL);
    Yanxiu__V1__SubmitReportRequest *r = report(ZERO_U, "2026-10");
    Yanxiu__V1__Activity *a = activity(r, 2, "it", "county", "remote");
    sign(r, a, "Z1", "absent", 0);
    sign(r, a, "Z2", "present", 0);
    submit_free(c, r);
    expect_teacher(c, &(struct cq){.year = 2026, .as_of = "2026-11-30"}, "Z1", 0, "behind",
                   "hours_year 18 0");
    char *diff = it_psql_ok(false,
                            "SELECT ledger, key, stored, expected FROM ledger_differences() "
                            "WHERE key LIKE '%s %%';",
                            D_ZERO);
    if (diff[0])
        fail_msg("ledger_differences() reports a difference where there is none:\n%s", diff);
    free(diff);
    int st;
    char *out = verify_ledger(&st);
    if (st != 0)
        fail_msg("verify-ledger exited %d:\n%s", st, out);
    free(out);
    yxc_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(policy_defaults_then_versions, arm, disarm),
        cmocka_unit_test_setup_teardown(policy_as_shown_stores_back_unchanged, arm, disarm),
        cmocka_unit_test_setup_teardown(policy_non_creditable_words_round_trip, arm, disarm),
        cmocka_unit_test_setup_teardown(set_policy_errors_name_the_line, arm, disarm),
        cmocka_unit_test_setup_teardown(hours_year_boundary, arm, disarm),
        cmocka_unit_test_setup_teardown(school_hours_boundary, arm, disarm),
        cmocka_unit_test_setup_teardown(absences_boundary, arm, disarm),
        cmocka_unit_test_setup_teardown(research_group_boundary, arm, disarm),
        cmocka_unit_test_setup_teardown(on_track_arithmetic, arm, disarm),
        cmocka_unit_test_setup_teardown(calendar_year_basis, arm, disarm),
        cmocka_unit_test_setup_teardown(calendar_year_judged_by_the_policy_at_its_end, arm, disarm),
        cmocka_unit_test_setup_teardown(basis_added_after_reports_counts_the_years_again, arm,
                                        disarm),
        cmocka_unit_test_setup_teardown(transfer_mid_year, arm, disarm),
        cmocka_unit_test_setup_teardown(exempt_teachers, arm, disarm),
        cmocka_unit_test_setup_teardown(voided_and_returned_reports_do_not_count, arm, disarm),
        cmocka_unit_test_setup_teardown(approved_only_counts_approved_reports, arm, disarm),
        cmocka_unit_test_setup_teardown(reporting_rates, arm, disarm),
        cmocka_unit_test_setup_teardown(teacher_history, arm, disarm),
        cmocka_unit_test_setup_teardown(history_of_a_transferred_teacher_adds_up_for_the_new_school,
                                        arm, disarm),
        cmocka_unit_test_setup_teardown(school_sees_only_its_unit, arm, disarm),
        cmocka_unit_test_setup_teardown(teachers_paged_searched_and_ordered_by_hours, arm, disarm),
        cmocka_unit_test_setup_teardown(assessment_paged_grades_counted_over_every_row, arm,
                                        disarm),
        cmocka_unit_test_setup_teardown(ledger_survives_a_random_sequence, arm, disarm),
        cmocka_unit_test_setup_teardown(verify_ledger_with_only_a_remote_absence, arm, disarm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
