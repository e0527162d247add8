/*
 * Monthly reports (月报, issues 4 and 5) against the real daemon and database:
 *   - every rule of a submission, each refused with the exact field path and
 *     a reason that says why, writing nothing (the report tables, the ledger
 *     and the audit log compared as the superuser before and after);
 *   - several problems in one report all listed in one answer;
 *   - idempotent retries, resubmissions (every version kept, the ledger
 *     holding only the latest), the review lifecycle (approve, return,
 *     reopen, void) and its audit trail, timeliness;
 *   - the signals of false records (overlap, day_hours, identical_signin);
 *   - ListReports filters;
 *   - at the end, the maintained ledger equals what the raw rows say.
 *
 * Months are counted back from the current month in Asia/Shanghai (month_ago),
 * so that the test means the same whenever it runs: a month two or more back
 * is past its deadline (the 5th of the following month); each test works on
 * months of its own (see the M_* indexes) so that the tests do not interfere.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "vocab.h"

#define DISTRICT_X "110101"
#define DISTRICT_Y "120101"
#define UNIT_A     "1101010001" /* central school: reports for itself and PRIM_A */
#define PRIM_A     "1101010011"
#define UNIT_B     "1101010002" /* junior middle school: reports by itself */
#define UNIT_Y     "1201010001" /* central school of district Y */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Teachers: TA01-TA08 at UNIT_A, TA09-TA12 at PRIM_A (named 甲教师NN), TB01-TB06 at
 * UNIT_B (乙教师NN), TY01-TY02 at UNIT_Y (丙教师NN). */
static const char *const TEAM_A[] = {"TA01", "TA02", "TA03", "TA04", "TA05", "TA06",
                                     "TA07", "TA08", "TA09", "TA10", "TA11", "TA12"};
static const char *const TEAM_B[] = {"TB01", "TB02", "TB03", "TB04", "TB05", "TB06"};

struct account {
    const char *name, *role, *district, *unit, *password;
};
static const struct account DIST_X = {"rp.district.x", "district", DISTRICT_X, NULL,
                                      "RpDistX-pw-6a0f3b91"};
static const struct account DIST_Y = {"rp.district.y", "district", DISTRICT_Y, NULL,
                                      "RpDistY-pw-17c4e2d8"};
static const struct account SCHOOL_A = {"rp.school.a", "school", DISTRICT_X, UNIT_A,
                                        "RpSchoolA-pw-e59d0c42"};
static const struct account SCHOOL_B = {"rp.school.b", "school", DISTRICT_X, UNIT_B,
                                        "RpSchoolB-pw-3b8a61f7"};
static const struct account *const ACCOUNTS[] = {&DIST_X, &DIST_Y, &SCHOOL_A, &SCHOOL_B};
static struct yxc *conns[N_OF(ACCOUNTS)];

static struct yxc *as(const struct account *a)
{
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++)
        if (ACCOUNTS[i] == a)
            return conns[i];
    fail_msg("no session for %s", a->name);
    return NULL;
}

/* --- months --------------------------------------------------------------------------- */

/* The months the tests use, by how many months before the current one. */
enum {
    M_NOW = 0,      /* on time */
    M_LATE = 2,     /* past its deadline */
    M_BAD = 3,      /* refused submissions: nothing may ever be written here */
    M_NAMES = 4,    /* Chinese names of the enumerations */
    M_EMPTY = 5,    /* an empty report */
    M_IDEM = 6,     /* idempotent retries */
    M_RESUBMIT = 7, /* versions, diff, ledger */
    M_REVIEW = 8,   /* approve / reopen (unit A), return (unit B) */
    M_VOID = 9,     /* void */
    M_OVERLAP = 10, /* overlap flags, within a report and across units */
    M_DAY = 11,     /* day_hours */
    M_SAME = 12,    /* identical_signin */
    M_LIST_1 = 13,  /* ListReports filters: 13, 14 and 15 */
    M_LIST_2 = 14,
    M_LIST_3 = 15,
    M_ABSENT = 16, /* absences at a remote activity (ledger roll-up) */
    N_MONTHS = 17,
};
static char months[N_MONTHS][16];
static char month_next[16]; /* the month after the current one: not begun */
static char today[16];      /* YYYY-MM-DD in Asia/Shanghai */

static void month_of(int back, char *out, size_t cap)
{
    time_t t = time(NULL) + 8 * 3600; /* Asia/Shanghai has no daylight saving time */
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1 - back;
    while (m < 1) {
        m += 12;
        y--;
    }
    while (m > 12) {
        m -= 12;
        y++;
    }
    snprintf(out, cap, "%04d-%02d", y, m);
}

static const char *M(int back)
{
    assert_true(back >= 0 && back < N_MONTHS);
    return months[back];
}

/* "YYYY-MM-DD" of day d of month m (into a rotating buffer). */
static const char *day_of(const char *month, int d)
{
    static char bufs[8][16];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 16, "%.7s-%02d", month, d);
    return b;
}

/* --- time bound ------------------------------------------------------------------------- */

#define TEST_SECONDS 150

static void on_alarm(int sig)
{
    static const char msg[] = "\ntest_reports: a test ran longer than its time bound; stopping\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(1);
}

static int arm(void **state)
{
    signal(SIGALRM, on_alarm);
    alarm(TEST_SECONDS);
    return 0;
}

static int disarm(void **state)
{
    alarm(0);
    return 0;
}

/* --- what was written ------------------------------------------------------------------- */

/* Everything a submission or a review could write, read as the superuser, on one line. */
static char *written(void)
{
    char *out = it_psql_ok(
        false, "SELECT concat_ws(' | ', "
               "'reports ' || (SELECT count(*) || ' ' || md5(coalesce(string_agg(r::text, ',' "
               "ORDER BY id), '')) FROM reports r), "
               "'versions ' || (SELECT count(*) FROM report_versions), "
               "'activities ' || (SELECT count(*) FROM activities), "
               "'attendance ' || (SELECT count(*) FROM attendance), "
               "'external ' || (SELECT count(*) FROM external_records), "
               "'flags ' || (SELECT count(*) FROM report_flags), "
               "'events ' || (SELECT count(*) FROM report_events), "
               "'ledger_years ' || (SELECT count(*) || ' ' || md5(coalesce(string_agg(l::text, "
               "',' ORDER BY l::text), '')) FROM ledger_years l), "
               "'ledger_months ' || (SELECT count(*) || ' ' || md5(coalesce(string_agg(l::text, "
               "',' ORDER BY l::text), '')) FROM ledger_months l), "
               "'audit ' || (SELECT count(*) FROM audit_log));");
    out[strcspn(out, "\n")] = '\0';
    return out;
}

static void assert_same(const char *before, const char *after, const char *what)
{
    if (strcmp(before, after) != 0)
        fail_msg("%s wrote something:\n  before: %s\n  after:  %s", what, before, after);
}

/* --- calls ------------------------------------------------------------------------------ */

/* Every string of an answer is well-formed UTF-8 (protobuf says so; other clients check). */
static void assert_answer_utf8(const Yanxiu__V1__Envelope *resp)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || !resp->error)
        return;
    const Yanxiu__V1__Error *e = resp->error;
    if (!it_utf8_ok(e->message))
        fail_msg("the error message is not UTF-8: %s", e->message);
    for (size_t i = 0; i < e->n_violations; i++) {
        if (!it_utf8_ok(e->violations[i]->path) || !it_utf8_ok(e->violations[i]->message))
            fail_msg("violation %zu is not UTF-8: %s: %s", i, e->violations[i]->path,
                     e->violations[i]->message);
    }
}

static Yanxiu__V1__Envelope *submit(const struct account *who, Yanxiu__V1__SubmitReportRequest *r)
{
    Yanxiu__V1__Envelope env;
    it_env_submit(&env, r);
    Yanxiu__V1__Envelope *resp = it_call_env(as(who), &env);
    assert_answer_utf8(resp);
    return resp;
}

/* Submits r and asserts it was accepted; returns the answer (free with yxc_free). */
static Yanxiu__V1__Envelope *submit_ok(const struct account *who,
                                       Yanxiu__V1__SubmitReportRequest *r)
{
    Yanxiu__V1__Envelope *resp = submit(who, r);
    char d[4096];
    it_describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY)
        fail_msg("SubmitReport of %s %s as %s: expected a report, got %s", r->unit_code, r->month,
                 who->name, d);
    const Yanxiu__V1__ReportSummary *s = resp->report_reply;
    printf("SubmitReport %s %s as %s: version %u, %s, on_time %d, %u activities, %u rows, "
           "%.1f teacher-hours, %u flags%s\n",
           s->unit_code, s->month, who->name, s->version,
           vocab_code_of(&vocab_report_status, s->status), s->on_time, s->activity_count,
           s->attendance_count, s->teacher_hours, s->flag_count, s->replayed ? " (replayed)" : "");
    for (size_t i = 0; i < s->n_flags; i++)
        printf("    flag %s %s: %s\n", vocab_code_of(&vocab_flag, s->flags[i]->kind),
               s->flags[i]->teacher_code, s->flags[i]->detail);
    return resp;
}

/* Submits r, accepted, and returns its version. */
static uint32_t submit_version(const struct account *who, Yanxiu__V1__SubmitReportRequest *r)
{
    Yanxiu__V1__Envelope *resp = submit_ok(who, r);
    uint32_t v = resp->report_reply->version;
    yxc_free(resp);
    return v;
}

/* An expected violation: its exact path and its reason code, or a part of its message. */
struct want {
    const char *path, *reason;
};
#define WANT(...) ((const struct want[]){__VA_ARGS__, {NULL, NULL}})

static size_t wants(const struct want *w)
{
    size_t n = 0;
    while (w && w[n].path)
        n++;
    return n;
}

/*
 * Asserts resp is an Error with `code` whose message contains `message` (when not NULL)
 * and whose violations are exactly `w` (each path once, its reason containing the part
 * given), in any order.
 */
static void assert_refused(const Yanxiu__V1__Envelope *resp, int code, const char *message,
                           const struct want *w, const char *what)
{
    char d[8192];
    it_describe(resp, d, sizeof(d));
    printf("%s -> %s\n", what, d);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || !resp->error)
        fail_msg("%s: expected %s, got %s", what, frame_code_name(code), d);
    const Yanxiu__V1__Error *e = resp->error;
    if ((int)e->code != code)
        fail_msg("%s: expected %s, got %s", what, frame_code_name(code), d);
    if (message && !strstr(e->message, message))
        fail_msg("%s: expected a message with \"%s\", got %s", what, message, d);
    size_t n = wants(w);
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t i = 0; i < e->n_violations && !found; i++)
            found = strcmp(e->violations[i]->path, w[k].path) == 0 &&
                    (strcmp(e->violations[i]->code, w[k].reason) == 0 ||
                     strstr(e->violations[i]->message, w[k].reason) != NULL);
        if (!found)
            fail_msg("%s: expected a violation at %s saying \"%s\", got %s", what, w[k].path,
                     w[k].reason, d);
    }
    if (e->n_violations != n)
        fail_msg("%s: expected exactly %zu violation(s), got %zu: %s", what, n, e->n_violations, d);
}

/* Submits r as who; asserts the refusal (as assert_refused) and that nothing was written. */
static void refused(const struct account *who, Yanxiu__V1__SubmitReportRequest *r, int code,
                    const char *message, const struct want *w, const char *what)
{
    char *before = written();
    Yanxiu__V1__Envelope *resp = submit(who, r);
    char *after = written();
    assert_refused(resp, code, message, w, what);
    assert_same(before, after, what);
    yxc_free(resp);
    free(before);
    free(after);
}

static Yanxiu__V1__Envelope *review(const struct account *who, const char *unit, const char *month,
                                    const char *action, const char *reason)
{
    Yanxiu__V1__ReviewReportRequest rr = YANXIU__V1__REVIEW_REPORT_REQUEST__INIT;
    rr.unit_code = (char *)unit;
    rr.month = (char *)month;
    rr.action = (char *)action;
    rr.reason = (char *)(reason ? reason : "");
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT;
    env.review_report = &rr;
    Yanxiu__V1__Envelope *resp = it_call_env(as(who), &env);
    assert_answer_utf8(resp);
    return resp;
}

/* A review that must succeed; asserts the status it leaves. */
static void review_ok(const struct account *who, const char *unit, const char *month,
                      const char *action, const char *reason, const char *status)
{
    Yanxiu__V1__Envelope *resp = review(who, unit, month, action, reason);
    char d[2048];
    it_describe(resp, d, sizeof(d));
    printf("ReviewReport %s %s %s as %s -> %s\n", action, unit, month, who->name, d);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY)
        fail_msg("ReviewReport %s of %s %s: expected a report, got %s", action, unit, month, d);
    assert_string_equal(vocab_code_of(&vocab_report_status, resp->report_reply->status), status);
    assert_string_equal(resp->report_reply->unit_code, unit);
    assert_string_equal(resp->report_reply->month, month);
    yxc_free(resp);
}

/* A review that must be refused with code (message part), writing nothing. */
static void review_refused(const struct account *who, const char *unit, const char *month,
                           const char *action, const char *reason, int code, const char *message)
{
    char what[256];
    snprintf(what, sizeof(what), "ReviewReport %s %s %s as %s (reason \"%s\")", action, unit, month,
             who->name, reason ? reason : "");
    char *before = written();
    Yanxiu__V1__Envelope *resp = review(who, unit, month, action, reason);
    char *after = written();
    assert_refused(resp, code, message, NULL, what);
    assert_same(before, after, what);
    yxc_free(resp);
    free(before);
    free(after);
}

static Yanxiu__V1__Envelope *list_reports(const struct account *who, const char *unit,
                                          const char *from, const char *to, const char *status)
{
    Yanxiu__V1__ListReportsRequest lr = YANXIU__V1__LIST_REPORTS_REQUEST__INIT;
    lr.unit_code = (char *)(unit ? unit : "");
    lr.from_month = (char *)(from ? from : "");
    lr.to_month = (char *)(to ? to : "");
    lr.status = (Yanxiu__V1__ReportStatus)vocab_value(&vocab_report_status, status ? status : "");
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS;
    env.list_reports = &lr;
    Yanxiu__V1__Envelope *resp = it_call_env(as(who), &env);
    assert_answer_utf8(resp);
    return resp;
}

/* The reports of a list as "unit month status" separated by ", ". */
static void list_text(const Yanxiu__V1__ReportList *l, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->n_reports && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s %s %s", i ? ", " : "",
                              l->reports[i]->unit_code, l->reports[i]->month,
                              vocab_code_of(&vocab_report_status, l->reports[i]->status));
}

/* ListReports that must succeed, and its reports as list_text. */
static Yanxiu__V1__Envelope *list_ok(const struct account *who, const char *unit, const char *from,
                                     const char *to, const char *status, char *text, size_t cap)
{
    Yanxiu__V1__Envelope *resp = list_reports(who, unit, from, to, status);
    char d[2048];
    it_describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_LIST)
        fail_msg("ListReports as %s (unit \"%s\", %s..%s, status \"%s\"): %s", who->name,
                 unit ? unit : "", from ? from : "", to ? to : "", status ? status : "", d);
    list_text(resp->report_list, text, cap);
    printf("ListReports as %s (unit \"%s\", %s..%s, status \"%s\"): %s\n", who->name,
           unit ? unit : "", from ? from : "", to ? to : "", status ? status : "", text);
    return resp;
}

static Yanxiu__V1__Envelope *show(const struct account *who, const char *unit, const char *month,
                                  uint32_t version)
{
    Yanxiu__V1__ShowReportRequest sr = YANXIU__V1__SHOW_REPORT_REQUEST__INIT;
    sr.unit_code = (char *)unit;
    sr.month = (char *)month;
    sr.version = version;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT;
    env.show_report = &sr;
    Yanxiu__V1__Envelope *resp = it_call_env(as(who), &env);
    assert_answer_utf8(resp);
    return resp;
}

static Yanxiu__V1__Envelope *show_ok(const struct account *who, const char *unit, const char *month,
                                     uint32_t version)
{
    Yanxiu__V1__Envelope *resp = show(who, unit, month, version);
    char d[2048];
    it_describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_DETAIL)
        fail_msg("ShowReport %s %s version %u as %s: %s", unit, month, version, who->name, d);
    return resp;
}

static bool has_flag(const Yanxiu__V1__ReportSummary *s, const char *kind, const char *teacher,
                     const char *detail_part)
{
    for (size_t i = 0; i < s->n_flags; i++) {
        const Yanxiu__V1__Flag *f = s->flags[i];
        if (strcmp(vocab_code_of(&vocab_flag, f->kind), kind) == 0 &&
            (!teacher || strcmp(f->teacher_code, teacher) == 0) &&
            (!detail_part || strstr(f->detail, detail_part)))
            return true;
    }
    return false;
}

static void assert_flag(const Yanxiu__V1__ReportSummary *s, const char *kind, const char *teacher,
                        const char *detail_part, const char *where)
{
    if (!has_flag(s, kind, teacher, detail_part)) {
        fprintf(stderr, "flags of %s %s (%s):\n", s->unit_code, s->month, where);
        for (size_t i = 0; i < s->n_flags; i++)
            fprintf(stderr, "  %s %s: %s\n", vocab_code_of(&vocab_flag, s->flags[i]->kind),
                    s->flags[i]->teacher_code, s->flags[i]->detail);
        fail_msg("%s: no %s flag for teacher %s with \"%s\" on %s %s", where, kind,
                 teacher ? teacher : "(any)", detail_part ? detail_part : "", s->unit_code,
                 s->month);
    }
    if (s->flag_count != s->n_flags)
        fail_msg("%s: flag_count %u but %zu flags listed", where, s->flag_count, s->n_flags);
}

/* --- the ledger -------------------------------------------------------------------------- */

/* Sum of a teacher's ledger hours in month (of district X): approved "true", "false" or NULL. */
static double ledger_hours(const char *teacher, const char *month, const char *approved)
{
    char *out =
        it_psql_ok(false,
                   "SELECT coalesce(sum(hours), 0) FROM ledger WHERE district_code = "
                   "'" DISTRICT_X "' AND teacher_code = '%s' AND month = '%s-01'%s%s;",
                   teacher, month, approved ? " AND approved = " : "", approved ? approved : "");
    double h = strtod(out, NULL);
    free(out);
    return h;
}

static void assert_ledger(const char *teacher, const char *month, const char *approved,
                          double expect)
{
    double h = ledger_hours(teacher, month, approved);
    printf("ledger: %s %s%s%s: %.1f hours (expected %.1f)\n", teacher, month,
           approved ? " approved=" : "", approved ? approved : "", h, expect);
    if (fabs(h - expect) > 1e-9)
        fail_msg("the ledger holds %.1f hours for %s in %s%s%s, expected %.1f", h, teacher, month,
                 approved ? " approved=" : "", approved ? approved : "", expect);
}

/*
 * The maintained ledger equals what the raw rows say: a FULL JOIN of the ledger
 * (all-zero rows left by withdrawn contributions ignored) and the view
 * ledger_expected returns no row; the same for the monthly roll-up ledger_months
 * against the roll-up of ledger_expected.
 */
static void assert_ledger_consistent(const char *when)
{
    char *out = it_psql_ok(
        false,
        "SELECT 'ledger', coalesce(l.teacher_code, e.teacher_code), "
        "to_char(coalesce(l.month, e.month), 'YYYY-MM'), coalesce(l.category, e.category), "
        "coalesce(l.level, e.level), coalesce(l.mode, e.mode), coalesce(l.approved, e.approved), "
        "'stored', l.hours, l.credit_hours, l.credits, l.absences, "
        "'expected', e.hours, e.credit_hours, e.credits, e.absences "
        "FROM (SELECT * FROM ledger WHERE hours <> 0 OR credit_hours <> 0 OR credits <> 0 "
        "      OR absences <> 0) l "
        "FULL JOIN ledger_expected e ON (l.district_code, l.teacher_code, l.month, l.category, "
        "    l.level, l.mode, l.approved) = (e.district_code, e.teacher_code, e.month, "
        "    e.category, e.level, e.mode, e.approved) "
        "WHERE (l.hours, l.credit_hours, l.credits, l.absences) IS DISTINCT FROM "
        "      (e.hours, e.credit_hours, e.credits, e.absences);\n"
        "WITH e AS (SELECT district_code, teacher_code, month, approved, sum(hours) AS hours, "
        "    coalesce(sum(hours) FILTER (WHERE level = 'school'), 0) AS school_hours, "
        "    coalesce(sum(hours) FILTER (WHERE category = 'ethics'), 0) AS ethics_hours, "
        "    coalesce(sum(hours) FILTER (WHERE mode = 'centralized' AND level <> 'school'), 0) "
        "        AS centralized_hours, "
        "    coalesce(sum(hours) FILTER (WHERE category = 'homeroom'), 0) AS homeroom_hours, "
        "    sum(credit_hours) AS credit_hours, sum(credits) AS credits, "
        "    coalesce(sum(absences) FILTER (WHERE mode = 'centralized'), 0) AS absences "
        "    FROM ledger_expected GROUP BY 1, 2, 3, 4), "
        "nz_e AS (SELECT * FROM e WHERE (hours, school_hours, ethics_hours, centralized_hours, "
        "    homeroom_hours, credit_hours, credits, absences) <> (0, 0, 0, 0, 0, 0, 0, 0)), "
        "nz_m AS (SELECT * FROM ledger_months WHERE (hours, school_hours, ethics_hours, "
        "    centralized_hours, homeroom_hours, credit_hours, credits, absences) "
        "    <> (0, 0, 0, 0, 0, 0, 0, 0)) "
        "SELECT 'ledger_months', coalesce(m.teacher_code, e.teacher_code), "
        "to_char(coalesce(m.month, e.month), 'YYYY-MM'), coalesce(m.approved, e.approved), "
        "'stored', m.hours, m.school_hours, m.ethics_hours, m.centralized_hours, "
        "m.homeroom_hours, m.credit_hours, m.credits, m.absences, 'expected', e.hours, "
        "e.school_hours, e.ethics_hours, e.centralized_hours, e.homeroom_hours, e.credit_hours, "
        "e.credits, e.absences "
        "FROM nz_m m FULL JOIN nz_e e USING (district_code, teacher_code, month, approved) "
        "WHERE (m.hours, m.school_hours, m.ethics_hours, m.centralized_hours, m.homeroom_hours, "
        "       m.credit_hours, m.credits, m.absences) IS DISTINCT FROM "
        "      (e.hours, e.school_hours, e.ethics_hours, e.centralized_hours, e.homeroom_hours, "
        "       e.credit_hours, e.credits, e.absences);\n");
    long rows = it_psql_long(false, "SELECT count(*) FROM ledger_expected;");
    printf("ledger %s: %ld expected rows; differences: %s\n", when, rows, out[0] ? out : "none");
    if (out[0])
        fail_msg("%s: the ledger differs from ledger_expected (or ledger_months from its "
                 "roll-up):\n%s",
                 when, out);
    free(out);
}

/* --- setup ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    arm(state);
    for (int i = 0; i < N_MONTHS; i++)
        month_of(i, months[i], sizeof(months[i]));
    month_of(-1, month_next, sizeof(month_next));
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    printf("current month %s (today %s), months back: %s .. %s\n", M(M_NOW), today, M(1),
           M(N_MONTHS - 1));

    it_add_district(DISTRICT_X, "东城区");
    it_add_district(DISTRICT_Y, "和平区");
    char *out = it_psql_ok(
        false,
        "INSERT INTO schools (code, district_code, name, kind, central_code, unit_code) VALUES "
        "('" UNIT_A "', '" DISTRICT_X "', '东城第一中心校', 'central', NULL, '" UNIT_A "'), "
        "('" PRIM_A "', '" DISTRICT_X "', '东城一中心附属小学', 'primary', '" UNIT_A "', '" UNIT_A
        "'), "
        "('" UNIT_B "', '" DISTRICT_X "', '东城第二中学', 'junior', NULL, '" UNIT_B "'), "
        "('" UNIT_Y "', '" DISTRICT_Y "', '和平中心校', 'central', NULL, '" UNIT_Y "');\n"
        "INSERT INTO teachers (district_code, code, name, school_code) "
        "SELECT '" DISTRICT_X "', format('TA%%s', lpad(i::text, 2, '0')), "
        "format('甲教师%%s', lpad(i::text, 2, '0')), "
        "CASE WHEN i <= 8 THEN '" UNIT_A "' ELSE '" PRIM_A "' END FROM generate_series(1, 12) i;\n"
        "INSERT INTO teachers (district_code, code, name, school_code) "
        "SELECT '" DISTRICT_X "', format('TB%%s', lpad(i::text, 2, '0')), "
        "format('乙教师%%s', lpad(i::text, 2, '0')), '" UNIT_B "' FROM generate_series(1, 6) i;\n"
        "INSERT INTO teachers (district_code, code, name, school_code) "
        "SELECT '" DISTRICT_Y "', format('TY%%s', lpad(i::text, 2, '0')), "
        "format('丙教师%%s', lpad(i::text, 2, '0')), '" UNIT_Y "' FROM generate_series(1, 2) i;\n");
    free(out);
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++) {
        const struct account *a = ACCOUNTS[i];
        it_add_user(a->name, a->role, a->district, a->unit, a->password);
        conns[i] = it_login(a->name, a->password, NULL);
    }
    disarm(state);
    return 0;
}

static int teardown(void **state)
{
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++) {
        yxc_close(conns[i]);
        conns[i] = NULL;
    }
    return 0;
}

/* A well-formed report of unit A for M_BAD: two activities of three teachers. */
static Yanxiu__V1__SubmitReportRequest *bad_base(void)
{
    return it_report_new(UNIT_A, M(M_BAD), 2, TEAM_A, 3);
}

/* --- validation ------------------------------------------------------------------------- */

static void month_malformed_or_not_begun_is_refused(void **state)
{
    static const char *const malformed[] = {"2026-13", "2026/10", "26-10",
                                            "2026-1",  "",        "2026-10-01"};
    for (size_t i = 0; i < N_OF(malformed); i++) {
        Yanxiu__V1__SubmitReportRequest *r = bad_base();
        it_set(&r->month, malformed[i]);
        char what[64];
        snprintf(what, sizeof(what), "month \"%s\"", malformed[i]);
        refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, "the month must be YYYY-MM", NULL,
                what);
        it_report_free(r);
    }
    /* Next month has not begun: refused at "month" (its dates are in that month). */
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, month_next, 2, TEAM_A, 3);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL, WANT({"month", "has not begun"}),
            "next month");
    it_report_free(r);
}

static void unit_of_another_district_or_a_primary_is_refused(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_set(&r->unit_code, UNIT_Y);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"unit_code", "is not a school of this district"}), "a unit of district Y");
    it_set(&r->unit_code, PRIM_A);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"unit_code", "is a primary of central school " UNIT_A}),
            "a primary (its central school reports for it)");
    it_set(&r->unit_code, "1101019999");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"unit_code", "is not a school of this district"}), "an unknown school code");
    /* A district account must name the unit; a school account acts for its own only. */
    it_set(&r->unit_code, "");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, "10-digit school code", NULL,
            "a district account naming no unit");
    it_set(&r->unit_code, UNIT_B);
    refused(&SCHOOL_A, r, YANXIU__V1__CODE__PERMISSION_DENIED, "acts for unit " UNIT_A " only",
            NULL, "school A for unit B");
    it_report_free(r);
}

static void duplicated_activity_ref_is_refused(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_report_add_activity(r, "", NULL, NULL, NULL, 2); /* a third, ref set below */
    it_set(&r->activities[2]->ref, r->activities[0]->ref);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[2].ref", "value_duplicate"}), "a ref used twice");
    it_set(&r->activities[2]->ref, "");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[2].ref", "value_required"}), "an empty ref");
    it_report_free(r);
}

static void activity_date_and_times_are_checked(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_set(&r->activities[1]->date, day_of(M(M_BAD + 1), 28));
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[1].date", "is not in the report's month"}),
            "a date in the month before");
    it_set(&r->activities[1]->date, day_of(M(M_BAD), 32));
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[1].date", "value_not_date"}), "day 32");
    it_set(&r->activities[1]->date, day_of(M(M_BAD), 10));
    it_set(&r->activities[1]->start, "16:00");
    it_set(&r->activities[1]->end, "14:00");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[1].end", "before it starts"}), "ends before it starts");
    it_set(&r->activities[1]->end, "16:00");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[1].end", "before it starts"}), "ends when it starts");
    it_set(&r->activities[1]->start, "8:00");
    it_set(&r->activities[1]->end, "24:00");
    refused(
        &DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
        WANT({"activities[1].start", "value_not_time"}, {"activities[1].end", "value_not_time"}),
        "times 8:00 and 24:00");
    it_report_free(r);
}

static void activity_hours_are_checked(void **state)
{
    static const struct {
        double hours;
        const char *reason;
    } cases[] = {
        {0, "value_required"}, /* 0: not given */
        {0.3, "report_hours_bad"},
        {1.25, "report_hours_bad"},
        {-2, "report_hours_bad"},
        {2.5, "report_hours_over_duration"}, /* 08:00-10:00 lasts 2 hours */
        {NAN, "report_hours_bad"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        Yanxiu__V1__SubmitReportRequest *r = bad_base();
        r->activities[0]->hours = cases[i].hours;
        char what[64];
        snprintf(what, sizeof(what), "activity hours %g", cases[i].hours);
        refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
                WANT({"activities[0].hours", cases[i].reason}), what);
        it_report_free(r);
    }
}

static void unknown_enumerations_are_refused(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    Yanxiu__V1__Activity *a = r->activities[1];
    a->category = 99; /* values the enums do not have, and none at all */
    a->form = 12;
    a->level = YANXIU__V1__LEVEL__LEVEL_UNSPECIFIED;
    a->mode = 4;
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[1].category", "\"99\" is not one of the accepted values: 师德"},
                 {"activities[1].form", "\"12\""}, {"activities[1].level", "is required"},
                 {"activities[1].mode", "\"4\" is not one of the accepted values: 集中"}),
            "unknown category, form, level and mode");
    it_report_free(r);
}

static void enumerations_and_chinese_sign_ins_are_stored(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, M(M_NAMES), 0, NULL, 0);
    Yanxiu__V1__Activity *a = it_report_add_activity(r, NULL, NULL, "14:00", "16:30", 2.5);
    a->category = YANXIU__V1__CATEGORY__CATEGORY_ETHICS;
    a->form = YANXIU__V1__FORM__FORM_LECTURE;
    a->level = YANXIU__V1__LEVEL__LEVEL_SCHOOL;
    a->mode = YANXIU__V1__MODE__MODE_CENTRALIZED;
    it_report_add_attendance(r, a, "TA01", "甲教师01", "出席", 0);
    it_report_add_attendance(r, a, "TA02", "甲教师02", "迟到", 1.5);
    it_report_add_attendance(r, a, "TA03", NULL, "请假", 0);
    it_report_add_attendance(r, a, "TA09", NULL, "无故缺席", 0); /* of the member primary */
    Yanxiu__V1__Envelope *resp = submit_ok(&SCHOOL_A, r);
    assert_int_equal(resp->report_reply->attendance_count, 4);
    assert_true(resp->report_reply->teacher_hours == 4.0); /* 2.5 + 1.5 */
    yxc_free(resp);
    resp = show_ok(&SCHOOL_A, "", M(M_NAMES), 0);
    const Yanxiu__V1__ReportDetail *d = resp->report_detail;
    assert_int_equal(d->n_activities, 1);
    const Yanxiu__V1__Activity *s = d->activities[0];
    printf("stored as %s %s %s %s, present %u late %u excused %u absent %u, %.1f hours\n",
           vocab_code_of(&vocab_category, s->category), vocab_code_of(&vocab_form, s->form),
           vocab_code_of(&vocab_level, s->level), vocab_code_of(&vocab_mode, s->mode), s->present,
           s->late, s->excused, s->absent, s->teacher_hours);
    assert_int_equal(s->category, YANXIU__V1__CATEGORY__CATEGORY_ETHICS);
    assert_int_equal(s->form, YANXIU__V1__FORM__FORM_LECTURE);
    assert_int_equal(s->level, YANXIU__V1__LEVEL__LEVEL_SCHOOL);
    assert_int_equal(s->mode, YANXIU__V1__MODE__MODE_CENTRALIZED);
    assert_int_equal(s->present, 1);
    assert_int_equal(s->late, 1);
    assert_int_equal(s->excused, 1);
    assert_int_equal(s->absent, 1);
    assert_true(s->teacher_hours == 4.0);
    yxc_free(resp);
    assert_ledger("TA01", M(M_NAMES), "false", 2.5);
    assert_ledger("TA02", M(M_NAMES), "false", 1.5);
    assert_ledger("TA03", M(M_NAMES), NULL, 0);
    long absences = it_psql_long(false,
                                 "SELECT coalesce(sum(absences), 0) FROM ledger WHERE "
                                 "teacher_code = 'TA09' AND month = '%s-01';",
                                 M(M_NAMES));
    assert_int_equal(absences, 1);
    it_report_free(r);
}

static void title_and_host_are_required(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_set(&r->activities[0]->title, "");
    it_set(&r->activities[1]->host, "");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[0].title", "required"}, {"activities[1].host", "required"}),
            "no title, no host");
    it_report_free(r);
}

static void non_creditable_titles_are_refused(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, M(M_BAD), 4, TEAM_A, 2);
    it_set(&r->activities[0]->title, "十月教职工例会");
    it_set(&r->activities[1]->title, "政治学习：学习文件精神");
    it_set(&r->activities[2]->title, "赴杭州外出考察学习");
    it_report_add_external(r, "TA01", day_of(M(M_BAD), 3), "外出考察名校", 4);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[0].title", "(例会)"}, {"activities[1].title", "(政治学习)"},
                 {"activities[2].title", "(外出考察)"}, {"external[0].title", "(外出考察)"}),
            "staff meeting, political study, field trips");
    it_report_free(r);
}

static void attendance_is_checked_against_the_roster(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    /* activity 0: TA01, TA02, TA03; the second row becomes unknown */
    it_set(&it_report_att(r, 0, 1)->teacher_code, "NOBODY");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"attendance[1].teacher_code", "report_teacher_unknown"}),
            "a teacher nobody knows");
    it_set(&it_report_att(r, 0, 1)->teacher_code, "TY01");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"attendance[1].teacher_code", "report_teacher_unknown"}),
            "a teacher of district Y");
    it_set(&it_report_att(r, 0, 1)->teacher_code, "TA02");
    it_set(&it_report_att(r, 1, 0)->name, "张冠李戴");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"attendance[3].name", "report_teacher_name"}), "a name that is not the roster's");
    it_set(&it_report_att(r, 1, 0)->name, "甲教师01");
    it_set(&it_report_att(r, 1, 2)->teacher_code, "TA01");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"attendance[5].teacher_code", "report_signed_twice"}),
            "a teacher twice at one activity");
    it_set(&it_report_att(r, 1, 2)->teacher_code, "TA 03");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"attendance[5].teacher_code", "teacher_code_bad"}), "a malformed teacher code");
    it_report_free(r);
}

static void attendance_status_and_hours_are_checked(void **state)
{
    static const struct {
        const char *status;
        double hours;
        const char *path, *reason;
    } cases[] = {
        {"到场了", 0, "status", "is required"}, /* not a term: no value (files name it) */
        {"excused", 1, "hours", "report_hours_not_credited"},
        {"请假", 1, "hours", "report_hours_not_credited"},
        {"absent", 2, "hours", "report_hours_not_credited"},
        {"present", 2.5, "hours", "more than the activity's 2.0"},
        {"late", 0.3, "hours", "report_hours_bad"},
        {"late", -1, "hours", "report_hours_bad"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        Yanxiu__V1__SubmitReportRequest *r = bad_base();
        Yanxiu__V1__Attendance *t = it_report_att(r, 1, 2);
        t->status = (Yanxiu__V1__AttendanceStatus)vocab_value(&vocab_attendance, cases[i].status);
        t->hours = cases[i].hours;
        char path[96], what[96];
        snprintf(path, sizeof(path), "attendance[5].%s", cases[i].path); /* 3 a team */
        snprintf(what, sizeof(what), "sign-in \"%s\" with %g hours", cases[i].status,
                 cases[i].hours);
        refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL, WANT({path, cases[i].reason}),
                what);
        it_report_free(r);
    }
}

static void external_records_are_checked(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    const char *d3 = day_of(M(M_BAD), 3);
    it_report_add_external(r, "TA01", d3, "国家智慧教育平台暑期研修", 10); /* fine */
    it_report_add_external(r, "TB01", d3, "县级集中培训", 6);              /* unit B's */
    it_report_add_external(r, "NOBODY", d3, "县级集中培训", 6);
    it_report_add_external(r, "TA10", day_of(M(M_BAD + 1), 3), "县级集中培训", 6);
    it_report_add_external(r, "TA11", d3, "县级集中培训", 0);
    it_report_add_external(r, "TA12", d3, "县级集中培训", -4);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"external[1].teacher_code", "belongs to another reporting unit"},
                 {"external[2].teacher_code", "not in the roster"},
                 {"external[3].date", "is not in the report's month"},
                 {"external[4].hours", "value_required"}, {"external[5].hours", "more than 0"}),
            "external records of another unit's teacher, an unknown teacher, a date of "
            "another month, no hours");
    it_report_free(r);
}

static void invalid_utf8_is_refused(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_set(&r->activities[0]->title, "\xff\xfe研修");
    it_set(&r->activities[1]->place, "会议\xe5\xae"); /* cut in the middle of 室 */
    it_set(&it_report_att(r, 0, 0)->name, "\xc3\x28");
    it_set(&r->summary, "本月\xed\xa0\x80开展"); /* a UTF-16 surrogate */
    it_set(&r->reason, "\xc0\xaf");              /* an overlong '/' */
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[0].title", ""}, {"activities[1].place", "not text"},
                 {"attendance[0].name", "value_not_text"}, {"summary", "not text"},
                 {"reason", "not text"}),
            "invalid UTF-8 in title, place, name, summary and reason");
    it_report_free(r);
}

/* What the daemon echoes back of a refused report is well-formed UTF-8 too: a
 * duplicated ref that is not text ... */
static void a_duplicate_that_is_not_text_is_not_echoed(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_set(&r->activities[0]->ref, "\xff\xfe");
    it_set(&r->activities[1]->ref, "\xff\xfe");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[0].ref", "not text"}, {"activities[1].ref", "not text"},
                 {"activities[1].ref", "value_duplicate"}),
            "a ref that is not text, twice");
    it_report_free(r);
}

/* ... and a reason longer than the daemon's 512-byte buffer is not cut in the middle of a
 * character: "x" + 180 x 研 + 例会 is 183 characters (the limit is 200), 547 bytes, and the
 * reason that quotes it is cut after 511 bytes, within a 研. */
static void a_long_reason_is_cut_between_characters(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    char title[1024] = "x";
    for (int i = 0; i < 180; i++)
        strcat(title, "研");
    strcat(title, "例会");
    it_set(&r->activities[0]->title, title);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities[0].title", "\""}), "a long non-creditable title");
    it_report_free(r);
}

/* ... nor a district code that is not text (rpc_scope_district, shared by every RPC). */
static void a_district_code_that_is_not_text_is_not_echoed(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    it_set(&r->district_code, "\xff\xfe");
    refused(&DIST_X, r, YANXIU__V1__CODE__PERMISSION_DENIED, "may act only on district", NULL,
            "a district code that is not text");
    it_report_free(r);
}

static void empty_reports(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, M(M_BAD), 0, NULL, 0);
    r->empty = true;
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"reason", "an empty report says why"}), "an empty report without a reason");
    it_report_free(r);

    r = bad_base();
    r->empty = true;
    it_set(&r->reason, "寒假");
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"empty", "carries no activities"}), "an empty report with activities");
    it_report_free(r);

    r = it_report_new(UNIT_A, M(M_BAD), 0, NULL, 0);
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, NULL,
            WANT({"activities", "submitted as empty, with a reason"}),
            "a report with nothing, not marked empty");
    it_report_free(r);

    r = it_report_new("", M(M_EMPTY), 0, NULL, 0);
    r->empty = true;
    it_set(&r->reason, "寒假");
    Yanxiu__V1__Envelope *resp = submit_ok(&SCHOOL_A, r);
    const Yanxiu__V1__ReportSummary *s = resp->report_reply;
    assert_true(s->empty);
    assert_int_equal(s->version, 1);
    assert_int_equal(s->activity_count, 0);
    assert_string_equal(s->unit_code, UNIT_A);
    yxc_free(resp);
    resp = show_ok(&DIST_X, UNIT_A, M(M_EMPTY), 0);
    assert_string_equal(resp->report_detail->reason, "寒假");
    assert_true(resp->report_detail->report->empty);
    yxc_free(resp);
    it_report_free(r);
}

static void size_bounds_are_resource_exhausted(void **state)
{
    /* 1001 activities (one sign-in row each, the same row) */
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, M(M_BAD), 1, TEAM_A, 1);
    Yanxiu__V1__Activity *a = r->activities[0];
    Yanxiu__V1__Activity **acts = malloc(1001 * sizeof(*acts));
    assert_non_null(acts);
    for (size_t i = 0; i < 1001; i++)
        acts[i] = a;
    free(r->activities);
    r->activities = acts;
    r->n_activities = 1001;
    refused(&DIST_X, r, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "at most 1000", NULL,
            "1001 activities");
    /* 1000 activities without hours (and with one ref): INVALID_ARGUMENT, 1999 problems, the
     * first 1000 (RPC_MAX_VIOLATIONS) listed */
    r->n_activities = 1000;
    a->hours = 0;
    char *before = written();
    Yanxiu__V1__Envelope *resp = submit(&DIST_X, r);
    char *after = written();
    char d[512];
    it_describe(resp, d, sizeof(d));
    printf("1000 activities without hours -> %.500s\n", d);
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    assert_true(resp->error->n_violations == 1000);
    assert_non_null(strstr(resp->error->message, "1999 problems found (the first 1000 listed)"));
    assert_same(before, after, "1000 activities without hours");
    yxc_free(resp);
    free(before);
    free(after);
    r->n_activities = 1;
    a->hours = 2;
    it_report_free(r);

    /* 200 001 sign-in rows: one activity, every row the same (the daemon refuses by count) */
    r = it_report_new(UNIT_A, M(M_BAD), 1, TEAM_A, 1);
    a = r->activities[0];
    Yanxiu__V1__Attendance **rows = malloc(200001 * sizeof(*rows));
    assert_non_null(rows);
    for (size_t i = 0; i < 200001; i++)
        rows[i] = r->attendance[0];
    free(r->attendance);
    r->attendance = rows;
    r->n_attendance = 200001;
    refused(&DIST_X, r, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "200001 sign-in rows", NULL,
            "200001 sign-in rows");
    it_report_free(r);

    /* 10 001 external records */
    r = it_report_new(UNIT_A, M(M_BAD), 0, NULL, 0);
    Yanxiu__V1__ExternalRecord *e =
        it_report_add_external(r, "TA01", day_of(M(M_BAD), 3), "县级集中培训", 2);
    Yanxiu__V1__ExternalRecord **ext = malloc(10001 * sizeof(*ext));
    assert_non_null(ext);
    for (size_t i = 0; i < 10001; i++)
        ext[i] = e;
    free(r->external);
    r->external = ext;
    r->n_external = 10001;
    refused(&DIST_X, r, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "10001 external records", NULL,
            "10001 external records");
    it_report_free(r);
    it_assert_serving();
}

static void several_problems_are_all_listed_at_once(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = bad_base();
    r->activities[0]->hours = 0.3;                           /* format */
    it_set(&it_report_att(r, 0, 1)->teacher_code, "NOBODY"); /* roster */
    it_set(&r->activities[1]->title, "月度例会");            /* policy */
    it_set(&it_report_att(r, 1, 0)->name, "错名");           /* roster */
    r->activities[1]->level = 9;                             /* format */
    it_set(&r->idempotency_key, "short");                    /* format */
    refused(&DIST_X, r, YANXIU__V1__CODE__INVALID_ARGUMENT, "6 problems",
            WANT({"activities[0].hours", "multiple of 0.5"},
                 {"attendance[1].teacher_code", "report_teacher_unknown"},
                 {"activities[1].title", "report_not_creditable"},
                 {"attendance[3].name", "report_teacher_name"},
                 {"activities[1].level", "value_unknown"}, {"idempotency_key", "16 to 64"}),
            "format, roster and policy problems together");
    it_report_free(r);
}

/* --- idempotency, versions ------------------------------------------------------------------ */

static void a_retry_is_answered_with_the_first_result(void **state)
{
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, M(M_IDEM), 3, TEAM_A, 4);
    Yanxiu__V1__Envelope *first = submit_ok(&DIST_X, r);
    assert_int_equal(first->report_reply->version, 1);
    assert_false(first->report_reply->replayed);
    char *before = written();
    for (int i = 0; i < 2; i++) {
        Yanxiu__V1__Envelope *again = submit_ok(&DIST_X, r);
        const Yanxiu__V1__ReportSummary *s = again->report_reply;
        assert_true(s->replayed);
        assert_int_equal(s->version, 1);
        assert_string_equal(s->submitted_at, first->report_reply->submitted_at);
        assert_int_equal(s->attendance_count, 12);
        yxc_free(again);
    }
    char *after = written();
    assert_same(before, after, "a retry with the same key and report");
    free(after);

    /* The same key with another report: refused, nothing written. */
    it_set(&r->activities[2]->title, "改过的主题");
    refused(&DIST_X, r, YANXIU__V1__CODE__ALREADY_EXISTS, "was already used for a different report",
            NULL, "the same key, another report");
    /* ... also from the school's own account, for its own unit. */
    it_set(&r->unit_code, "");
    refused(&SCHOOL_A, r, YANXIU__V1__CODE__ALREADY_EXISTS,
            "was already used for a different report", NULL, "the same key, from the school");
    /* A new key: a new version. */
    it_report_new_key(r);
    Yanxiu__V1__Envelope *second = submit_ok(&SCHOOL_A, r);
    assert_int_equal(second->report_reply->version, 2);
    assert_false(second->report_reply->replayed);
    yxc_free(second);
    yxc_free(first);
    free(before);
    it_report_free(r);
    assert_ledger_consistent("after retries");
}

static void a_resubmission_replaces_the_previous_version(void **state)
{
    const char *m = M(M_RESUBMIT);
    /* version 1: three activities of TA01-TA04, 2 hours each (24 teacher-hours) */
    Yanxiu__V1__SubmitReportRequest *v1 = it_report_new(UNIT_A, m, 3, TEAM_A, 4);
    it_report_add_external(v1, "TA01", day_of(m, 20), "国家智慧教育平台暑期研修", 10);
    v1->external[0]->credits = 3;
    assert_int_equal(submit_version(&SCHOOL_A, v1), 1);
    assert_ledger("TA01", m, "false", 16); /* 3 x 2 + 10 */
    assert_ledger("TA04", m, "false", 6);
    assert_ledger_consistent("after version 1");

    /* version 2: activity 3 dropped, activity 4 (TA01 and TA05, 1.5 hours) added, the
     * external record gone */
    Yanxiu__V1__SubmitReportRequest *v2 = it_report_new(UNIT_A, m, 2, TEAM_A, 4);
    Yanxiu__V1__Activity *a =
        it_report_add_activity(v2, "NEW-04", day_of(m, 15), "14:00", "16:00", 1.5);
    it_report_add_attendance(v2, a, "TA01", NULL, "present", 0);
    it_report_add_attendance(v2, a, "TA05", "甲教师05", "present", 0);
    Yanxiu__V1__Envelope *resp = submit_ok(&SCHOOL_A, v2);
    assert_int_equal(resp->report_reply->version, 2);
    assert_true(resp->report_reply->teacher_hours == 19.0); /* 2 x 4 x 2 + 2 x 1.5 */
    yxc_free(resp);
    assert_ledger("TA01", m, NULL, 5.5); /* 2 + 2 + 1.5: nothing of version 1 */
    assert_ledger("TA03", m, NULL, 4);
    assert_ledger("TA05", m, NULL, 1.5);
    long credits = it_psql_long(false,
                                "SELECT count(*) FROM ledger WHERE month = '%s-01' AND "
                                "(credits <> 0 OR category = 'other') AND hours <> 0;",
                                m);
    assert_int_equal(credits, 0);
    assert_ledger_consistent("after version 2");

    /* every version readable; version 2 says what changed */
    resp = show_ok(&DIST_X, UNIT_A, m, 1);
    const Yanxiu__V1__ReportDetail *d = resp->report_detail;
    printf("version 1: %s, %zu activities, %zu external, latest %u\n",
           vocab_code_of(&vocab_report_status, d->report->status), d->n_activities, d->n_external,
           d->latest_version);
    assert_int_equal(d->report->version, 1);
    assert_int_equal(d->report->status, YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUPERSEDED);
    assert_int_equal(d->n_activities, 3);
    assert_int_equal(d->n_external, 1);
    assert_true(d->external[0]->credits == 3);
    assert_int_equal(d->latest_version, 2);
    assert_string_equal(d->activities[2]->ref, v1->activities[2]->ref);
    assert_null(d->diff);
    yxc_free(resp);

    resp = show_ok(&SCHOOL_A, "", m, 2);
    d = resp->report_detail;
    assert_int_equal(d->report->version, 2);
    assert_int_equal(d->report->status, YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUBMITTED);
    assert_int_equal(d->n_activities, 3);
    assert_int_equal(d->n_external, 0);
    assert_non_null(d->diff);
    const Yanxiu__V1__ReportDiff *df = d->diff;
    printf("diff against %u: +%zu -%zu activities, +%u -%u sign-ins, %+.1f hours\n",
           df->against_version, df->n_activities_added, df->n_activities_removed,
           df->attendance_added, df->attendance_removed, df->hours_delta);
    assert_int_equal(df->against_version, 1);
    assert_int_equal(df->n_activities_added, 1);
    assert_string_equal(df->activities_added[0], "NEW-04");
    assert_int_equal(df->n_activities_removed, 1);
    assert_string_equal(df->activities_removed[0], v1->activities[2]->ref);
    assert_int_equal(df->attendance_added, 2);
    assert_int_equal(df->attendance_removed, 4);
    assert_true(df->hours_delta == 19.0 - 34.0); /* 24 + 10 external before */
    assert_int_equal(d->n_history, 2);
    assert_string_equal(d->history[0]->action, "submit");
    assert_int_equal(d->history[1]->version, 2);
    yxc_free(resp);

    resp = show_ok(&DIST_X, UNIT_A, m, 0); /* the latest */
    assert_int_equal(resp->report_detail->report->version, 2);
    yxc_free(resp);
    resp = show(&DIST_X, UNIT_A, m, 3);
    assert_refused(resp, YANXIU__V1__CODE__NOT_FOUND, "no version 3", NULL, "version 3");
    yxc_free(resp);
    it_report_free(v1);
    it_report_free(v2);
}

/* A school's ShowReport names no unit: the answer to a missing report or version still says
 * which unit it looked at. */
static void show_not_found_names_the_school_unit(void **state)
{
    Yanxiu__V1__Envelope *resp = show(&SCHOOL_A, "", M(M_BAD), 0);
    assert_refused(resp, YANXIU__V1__CODE__NOT_FOUND, "unit " UNIT_A " has no report for", NULL,
                   "ShowReport of a month without a report, as the school");
    yxc_free(resp);
    resp = show(&SCHOOL_A, "", M(M_RESUBMIT), 3);
    assert_refused(resp, YANXIU__V1__CODE__NOT_FOUND, "unit " UNIT_A " has no version 3", NULL,
                   "ShowReport of version 3, as the school");
    yxc_free(resp);
}

/* --- review ----------------------------------------------------------------------------------- */

/* The report events of unit/month in the audit log: "action outcome" lines. */
static char *audit_of(const char *unit, const char *month)
{
    return it_psql_ok(false,
                      "SELECT user_name || ' ' || action || ' ' || outcome FROM audit_log "
                      "WHERE district_code = '" DISTRICT_X "' AND target = '%s %s' ORDER BY id;",
                      unit, month);
}

static void approve_locks_until_reopened(void **state)
{
    const char *m = M(M_REVIEW);
    Yanxiu__V1__SubmitReportRequest *r = it_report_new("", m, 2, TEAM_A, 3);
    assert_int_equal(submit_version(&SCHOOL_A, r), 1);
    assert_ledger("TA01", m, "false", 4);

    review_refused(&DIST_X, UNIT_A, m, "reopen", "还没批准", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "only an approved or voided report is reopened");
    review_refused(&DIST_X, UNIT_A, m, "publish", "", YANXIU__V1__CODE__INVALID_ARGUMENT,
                   "approve, return, reopen or void");
    review_ok(&DIST_X, UNIT_A, m, "approve", "", "approved");
    assert_ledger("TA01", m, "true", 4);
    assert_ledger("TA01", m, "false", 0);
    assert_ledger_consistent("after approve");

    /* locked: a resubmission names who approved and when */
    it_report_new_key(r);
    char msg[64];
    snprintf(msg, sizeof(msg), "approved by %s on %s", DIST_X.name, today);
    refused(&SCHOOL_A, r, YANXIU__V1__CODE__FAILED_PRECONDITION, msg, NULL,
            "a resubmission of an approved report");
    review_refused(&DIST_X, UNIT_A, m, "approve", "", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "only a submitted report is approved");
    review_refused(&DIST_X, UNIT_A, m, "return", "补材料", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "an approved one is reopened");
    review_refused(&DIST_X, UNIT_A, m, "reopen", "", YANXIU__V1__CODE__INVALID_ARGUMENT,
                   "reopen needs a reason");

    review_ok(&DIST_X, UNIT_A, m, "reopen", "补报第三次活动", "reopened");
    assert_ledger("TA01", m, NULL, 0);
    assert_ledger_consistent("after reopen");
    review_refused(&DIST_X, UNIT_A, m, "approve", "", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "only a submitted report is approved");

    /* the reopened report takes version 2 */
    Yanxiu__V1__Activity *a = it_report_add_activity(r, NULL, NULL, NULL, NULL, 2);
    it_report_add_attendance(r, a, "TA01", NULL, "present", 0);
    Yanxiu__V1__Envelope *resp = submit_ok(&SCHOOL_A, r);
    assert_int_equal(resp->report_reply->version, 2);
    assert_int_equal(resp->report_reply->status,
                     YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUBMITTED);
    yxc_free(resp);
    assert_ledger("TA01", m, "false", 6);
    assert_ledger("TA01", m, "true", 0);
    review_ok(&DIST_X, UNIT_A, m, "approve", "同意", "approved");
    assert_ledger("TA01", m, "true", 6);
    assert_ledger_consistent("after the second approve");

    /* the history and the audit log hold every action */
    resp = show_ok(&SCHOOL_A, "", m, 0);
    const Yanxiu__V1__ReportDetail *d = resp->report_detail;
    char hist[1024] = "";
    for (size_t i = 0; i < d->n_history; i++) {
        size_t n = strlen(hist);
        snprintf(hist + n, sizeof(hist) - n, "%s%s v%u %s %s", i ? ", " : "", d->history[i]->action,
                 d->history[i]->version, d->history[i]->user, d->history[i]->reason);
    }
    printf("history: %s\n", hist);
    char expect[1024];
    snprintf(expect, sizeof(expect),
             "submit v1 %s , approve v1 %s , reopen v1 %s 补报第三次活动, submit v2 %s , "
             "approve v2 %s 同意",
             SCHOOL_A.name, DIST_X.name, DIST_X.name, SCHOOL_A.name, DIST_X.name);
    assert_string_equal(hist, expect);
    yxc_free(resp);
    char *audit = audit_of(UNIT_A, m);
    printf("audit:\n%s", audit);
    snprintf(expect, sizeof(expect),
             "%s report submit ok: version 1\n%s report approve ok\n"
             "%s report reopen ok: 补报第三次活动\n%s report submit ok: version 2\n"
             "%s report approve ok: 同意\n",
             SCHOOL_A.name, DIST_X.name, DIST_X.name, SCHOOL_A.name, DIST_X.name);
    assert_string_equal(audit, expect);
    free(audit);
    it_report_free(r);
}

static void return_takes_the_hours_out_until_resubmitted(void **state)
{
    const char *m = M(M_REVIEW);
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_B, m, 2, TEAM_B, 3);
    assert_int_equal(submit_version(&DIST_X, r), 1);
    assert_ledger("TB01", m, "false", 4);
    review_refused(&DIST_X, UNIT_B, m, "return", "", YANXIU__V1__CODE__INVALID_ARGUMENT,
                   "return needs a reason");
    review_refused(&SCHOOL_B, UNIT_B, m, "return", "自己退回", YANXIU__V1__CODE__PERMISSION_DENIED,
                   "the school account rp.school.b may not do this");
    review_ok(&DIST_X, UNIT_B, m, "return", "签到表不全", "returned");
    assert_ledger("TB01", m, NULL, 0);
    assert_ledger_consistent("after return");
    char text[1024], listed_as[128];
    Yanxiu__V1__Envelope *resp = list_ok(&SCHOOL_B, "", m, m, "", text, sizeof(text));
    snprintf(listed_as, sizeof(listed_as), UNIT_B " %s returned", m);
    assert_string_equal(text, listed_as);
    yxc_free(resp);
    review_refused(&DIST_X, UNIT_B, m, "approve", "", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "is returned, not submitted");

    /* resubmitted by the school itself */
    it_set(&r->unit_code, "");
    it_report_new_key(r);
    resp = submit_ok(&SCHOOL_B, r);
    assert_int_equal(resp->report_reply->version, 2);
    assert_int_equal(resp->report_reply->status,
                     YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUBMITTED);
    yxc_free(resp);
    assert_ledger("TB01", m, "false", 4);
    assert_ledger_consistent("after the resubmission");
    char *audit = audit_of(UNIT_B, m);
    printf("audit:\n%s", audit);
    char expect[512];
    snprintf(expect, sizeof(expect),
             "%s report submit ok: version 1\n%s report return ok: 签到表不全\n"
             "%s report submit ok: version 2\n",
             DIST_X.name, DIST_X.name, SCHOOL_B.name);
    assert_string_equal(audit, expect);
    free(audit);
    it_report_free(r);
}

static void void_takes_the_hours_out_for_good(void **state)
{
    const char *m = M(M_VOID);
    /* an approved report voided */
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, m, 2, TEAM_A, 2);
    assert_int_equal(submit_version(&DIST_X, r), 1);
    review_ok(&DIST_X, UNIT_A, m, "approve", "", "approved");
    review_refused(&DIST_X, UNIT_A, m, "void", "", YANXIU__V1__CODE__INVALID_ARGUMENT,
                   "void needs a reason");
    review_ok(&DIST_X, UNIT_A, m, "void", "签到造假，不予认定学分", "voided");
    assert_ledger("TA01", m, NULL, 0);
    assert_ledger_consistent("after void of an approved report");
    it_report_new_key(r);
    refused(&DIST_X, r, YANXIU__V1__CODE__FAILED_PRECONDITION, "was voided", NULL,
            "a resubmission of a voided report");
    review_refused(&DIST_X, UNIT_A, m, "void", "再作废", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "already voided");
    review_refused(&DIST_X, UNIT_A, m, "approve", "", YANXIU__V1__CODE__FAILED_PRECONDITION,
                   "only a submitted report is approved");
    /* the data stays for the audit */
    Yanxiu__V1__Envelope *resp = show_ok(&DIST_X, UNIT_A, m, 0);
    assert_int_equal(resp->report_detail->report->status,
                     YANXIU__V1__REPORT_STATUS__REPORT_STATUS_VOIDED);
    assert_int_equal(resp->report_detail->n_activities, 2);
    assert_int_equal(resp->report_detail->activities[0]->present, 2);
    yxc_free(resp);

    /* a submitted report voided */
    Yanxiu__V1__SubmitReportRequest *rb = it_report_new(UNIT_B, m, 1, TEAM_B, 2);
    assert_int_equal(submit_version(&SCHOOL_B, rb), 1);
    assert_ledger("TB01", m, "false", 2);
    review_ok(&DIST_X, UNIT_B, m, "void", "重复上报", "voided");
    assert_ledger("TB01", m, NULL, 0);
    assert_ledger_consistent("after void of a submitted report");

    /* no report at all */
    review_refused(&DIST_X, UNIT_B, M(M_BAD), "approve", "", YANXIU__V1__CODE__NOT_FOUND,
                   "has no report");
    char *audit = audit_of(UNIT_A, m);
    printf("audit:\n%s", audit);
    char expect[512];
    snprintf(expect, sizeof(expect),
             "%s report submit ok: version 1\n%s report approve ok\n"
             "%s report void ok: 签到造假，不予认定学分\n",
             DIST_X.name, DIST_X.name, DIST_X.name);
    assert_string_equal(audit, expect);
    free(audit);
    it_report_free(r);
    it_report_free(rb);
}

/* --- timeliness ------------------------------------------------------------------------------- */

static void on_time_is_the_first_version_by_the_deadline(void **state)
{
    char deadline[64];
    /* this month: on time; the deadline is the 5th of next month, 23:59:59 (RFC 3339) */
    Yanxiu__V1__SubmitReportRequest *r = it_report_new("", M(M_NOW), 2, TEAM_A, 2);
    Yanxiu__V1__Envelope *resp = submit_ok(&SCHOOL_A, r);
    const Yanxiu__V1__ReportSummary *s = resp->report_reply;
    snprintf(deadline, sizeof(deadline), "%s-05T23:59:59+08:00", month_next);
    printf("%s: on_time %d, deadline %s, first submitted %s\n", s->month, s->on_time, s->deadline,
           s->first_submitted_at);
    assert_true(s->on_time);
    assert_string_equal(s->deadline, deadline);
    assert_memory_equal(s->first_submitted_at, today, 10);
    assert_memory_equal(s->submitted_at, today, 10);
    assert_string_equal(s->submitted_by, SCHOOL_A.name);
    yxc_free(resp);

    /* two months ago: late */
    Yanxiu__V1__SubmitReportRequest *late = it_report_new(UNIT_B, M(M_LATE), 1, TEAM_B, 2);
    resp = submit_ok(&DIST_X, late);
    s = resp->report_reply;
    snprintf(deadline, sizeof(deadline), "%s-05T23:59:59+08:00", M(M_LATE - 1));
    printf("%s: on_time %d, deadline %s\n", s->month, s->on_time, s->deadline);
    assert_false(s->on_time);
    assert_string_equal(s->deadline, deadline);
    yxc_free(resp);
    char text[1024];
    resp = list_ok(&DIST_X, "", M(M_LATE), M(M_NOW), "", text, sizeof(text));
    const Yanxiu__V1__ReportList *l = resp->report_list;
    for (size_t i = 0; i < l->n_reports; i++) {
        if (strcmp(l->reports[i]->month, M(M_NOW)) == 0)
            assert_true(l->reports[i]->on_time);
        if (strcmp(l->reports[i]->month, M(M_LATE)) == 0)
            assert_false(l->reports[i]->on_time);
        assert_true(l->reports[i]->deadline[0] != '\0');
    }
    yxc_free(resp);
    it_report_free(r);
    it_report_free(late);
}

/* --- flags ----------------------------------------------------------------------------------- */

/* The summary of unit/month in ListReports (asserts it is there; free the envelope). */
static const Yanxiu__V1__ReportSummary *listed(const struct account *who, const char *unit,
                                               const char *month, Yanxiu__V1__Envelope **resp)
{
    char text[2048];
    *resp = list_ok(who, unit, month, month, "", text, sizeof(text));
    const Yanxiu__V1__ReportList *l = (*resp)->report_list;
    for (size_t i = 0; i < l->n_reports; i++)
        if (strcmp(l->reports[i]->unit_code, unit) == 0)
            return l->reports[i];
    fail_msg("ListReports has no report of %s for %s: %s", unit, month, text);
    return NULL;
}

static void overlapping_activities_are_flagged(void **state)
{
    const char *m = M(M_OVERLAP);
    const char *d10 = day_of(m, 10);
    /* unit A: TA01 at two overlapping activities of its own report */
    Yanxiu__V1__SubmitReportRequest *ra = it_report_new(UNIT_A, m, 0, NULL, 0);
    Yanxiu__V1__Activity *a1 = it_report_add_activity(ra, "OV-A1", d10, "14:00", "16:00", 2);
    it_report_add_attendance(ra, a1, "TA01", NULL, "present", 0);
    it_report_add_attendance(ra, a1, "TA02", NULL, "present", 0);
    Yanxiu__V1__Activity *a2 = it_report_add_activity(ra, "OV-A2", d10, "15:00", "17:00", 2);
    it_report_add_attendance(ra, a2, "TA01", NULL, "present", 0);
    it_report_add_attendance(ra, a2, "TA03", NULL, "present", 0);
    Yanxiu__V1__Activity *a3 = it_report_add_activity(ra, "OV-A3", d10, "17:00", "18:00", 1);
    it_report_add_attendance(ra, a3, "TA02", NULL, "present", 0); /* touches, no overlap */
    Yanxiu__V1__Envelope *resp = submit_ok(&SCHOOL_A, ra);
    const Yanxiu__V1__ReportSummary *s = resp->report_reply;
    assert_flag(s, "overlap", "TA01", "OV-A1", "SubmitReport of unit A");
    assert_flag(s, "overlap", "TA01", "OV-A2", "SubmitReport of unit A");
    assert_false(has_flag(s, "overlap", "TA02", NULL));
    assert_false(has_flag(s, "overlap", "TA03", NULL));
    assert_int_equal(s->flag_count, 1);
    yxc_free(resp);
    const Yanxiu__V1__ReportSummary *ls = listed(&DIST_X, UNIT_A, m, &resp);
    assert_flag(ls, "overlap", "TA01", "OV-A1", "ListReports of unit A");
    yxc_free(resp);

    /* unit B: TA01 (of unit A) signed in at B's activity that overlaps A's OV-A1 */
    Yanxiu__V1__SubmitReportRequest *rb = it_report_new(UNIT_B, m, 0, NULL, 0);
    Yanxiu__V1__Activity *b1 = it_report_add_activity(rb, "OV-B1", d10, "13:00", "14:30", 1.5);
    it_report_add_attendance(rb, b1, "TA01", "甲教师01", "present", 0);
    it_report_add_attendance(rb, b1, "TB01", NULL, "present", 0);
    resp = submit_ok(&SCHOOL_B, rb);
    s = resp->report_reply;
    assert_flag(s, "overlap", "TA01", "of unit " UNIT_A, "SubmitReport of unit B");
    assert_flag(s, "overlap", "TA01", "OV-B1", "SubmitReport of unit B");
    assert_false(has_flag(s, "overlap", "TB01", NULL));
    uint32_t b_flags = s->flag_count;
    yxc_free(resp);
    /* B's second version (a later version reads the other reports by two ranges, a first
     * by one): the same flags, A's report found again, B's own first version not */
    it_report_new_key(rb);
    resp = submit_ok(&SCHOOL_B, rb);
    s = resp->report_reply;
    assert_int_equal(s->version, 2);
    assert_flag(s, "overlap", "TA01", "of unit " UNIT_A, "SubmitReport of unit B, version 2");
    assert_false(has_flag(s, "overlap", "TB01", NULL));
    assert_int_equal(s->flag_count, b_flags);
    yxc_free(resp);
    ls = listed(&DIST_X, UNIT_B, m, &resp);
    assert_flag(ls, "overlap", "TA01", "of unit " UNIT_A, "ListReports of unit B");
    yxc_free(resp);
    ls = listed(&SCHOOL_B, UNIT_B, m, &resp);
    assert_flag(ls, "overlap", "TA01", "OV-B1", "ListReports of unit B as the school");
    yxc_free(resp);
    /* flags do not block: both reports count */
    assert_ledger("TA01", m, "false", 5.5);
    it_report_free(ra);
    it_report_free(rb);
}

static void more_than_ten_hours_a_day_is_flagged(void **state)
{
    const char *m = M(M_DAY);
    const char *d12 = day_of(m, 12);
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, m, 0, NULL, 0);
    static const struct {
        const char *start, *end;
        double hours;
    } slots[] = {{"08:00", "12:00", 4}, {"13:00", "17:00", 4}, {"18:00", "21:00", 3}};
    for (size_t i = 0; i < N_OF(slots); i++) {
        Yanxiu__V1__Activity *a =
            it_report_add_activity(r, NULL, d12, slots[i].start, slots[i].end, slots[i].hours);
        it_report_add_attendance(r, a, "TA01", NULL, "present", 0);
        it_report_add_attendance(r, a, "TA02", NULL, "present", 0);
        /* TA03 late with fewer hours at the last: 4 + 4 + 2 = 10, not more */
        it_report_add_attendance(r, a, "TA03", NULL, i == 2 ? "late" : "present", i == 2 ? 2 : 0);
    }
    Yanxiu__V1__Envelope *resp = submit_ok(&DIST_X, r);
    const Yanxiu__V1__ReportSummary *s = resp->report_reply;
    assert_flag(s, "day_hours", "TA01", "11", "SubmitReport");
    assert_flag(s, "day_hours", "TA02", d12, "SubmitReport");
    assert_false(has_flag(s, "day_hours", "TA03", NULL));
    assert_false(has_flag(s, "overlap", NULL, NULL));
    yxc_free(resp);
    const Yanxiu__V1__ReportSummary *ls = listed(&DIST_X, UNIT_A, m, &resp);
    assert_flag(ls, "day_hours", "TA01", d12, "ListReports");
    assert_int_equal(ls->flag_count, 2);
    yxc_free(resp);
    it_report_free(r);
}

static void identical_sign_in_lists_are_flagged(void **state)
{
    const char *m = M(M_SAME);
    /* unit A: five activities (days 1-5) with the same three teachers */
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_A, m, 5, TEAM_A, 3);
    Yanxiu__V1__Envelope *resp = submit_ok(&DIST_X, r);
    assert_flag(resp->report_reply, "identical_signin", NULL, "5 activities", "SubmitReport");
    assert_int_equal(resp->report_reply->flag_count, 1);
    yxc_free(resp);
    const Yanxiu__V1__ReportSummary *ls = listed(&SCHOOL_A, UNIT_A, m, &resp);
    assert_flag(ls, "identical_signin", NULL, "same sign-in list of 3 teachers", "ListReports");
    yxc_free(resp);
    /* unit B: four are not many */
    Yanxiu__V1__SubmitReportRequest *rb = it_report_new(UNIT_B, m, 4, TEAM_B, 3);
    resp = submit_ok(&DIST_X, rb);
    assert_int_equal(resp->report_reply->flag_count, 0);
    assert_int_equal(resp->report_reply->n_flags, 0);
    yxc_free(resp);
    it_report_free(r);
    it_report_free(rb);
}

/* --- ListReports --------------------------------------------------------------------------- */

static void list_reports_filters(void **state)
{
    const char *m1 = M(M_LIST_1), *m2 = M(M_LIST_2), *m3 = M(M_LIST_3);
    struct {
        const char *unit, *month, *action, *reason;
    } seed[] = {
        {UNIT_A, m1, NULL, NULL},
        {UNIT_B, m1, "approve", ""},
        {UNIT_A, m2, "return", "缺少签到表"},
        {UNIT_B, m3, NULL, NULL},
    };
    for (size_t i = 0; i < N_OF(seed); i++) {
        Yanxiu__V1__SubmitReportRequest *r = it_report_new(
            seed[i].unit, seed[i].month, 1, strcmp(seed[i].unit, UNIT_A) == 0 ? TEAM_A : TEAM_B, 2);
        submit_version(&DIST_X, r);
        it_report_free(r);
        if (seed[i].action)
            review_ok(&DIST_X, seed[i].unit, seed[i].month, seed[i].action, seed[i].reason,
                      strcmp(seed[i].action, "approve") == 0 ? "approved" : "returned");
    }
    char text[2048], expect[2048];
    Yanxiu__V1__Envelope *resp;
    /* the range: newest month first, then by unit */
    resp = list_ok(&DIST_X, "", m3, m1, "", text, sizeof(text));
    snprintf(expect, sizeof(expect),
             UNIT_A " %s submitted, " UNIT_B " %s approved, " UNIT_A " %s returned, " UNIT_B
                    " %s submitted",
             m1, m1, m2, m3);
    assert_string_equal(text, expect);
    yxc_free(resp);
    resp = list_ok(&DIST_X, UNIT_B, m3, m1, "", text, sizeof(text));
    snprintf(expect, sizeof(expect), UNIT_B " %s approved, " UNIT_B " %s submitted", m1, m3);
    assert_string_equal(text, expect);
    yxc_free(resp);
    resp = list_ok(&DIST_X, "", m3, m1, "approved", text, sizeof(text));
    snprintf(expect, sizeof(expect), UNIT_B " %s approved", m1);
    assert_string_equal(text, expect);
    yxc_free(resp);
    resp = list_ok(&DIST_X, "", m3, m1, "returned", text, sizeof(text));
    snprintf(expect, sizeof(expect), UNIT_A " %s returned", m2);
    assert_string_equal(text, expect);
    yxc_free(resp);
    resp = list_ok(&DIST_X, "", m2, m2, "", text, sizeof(text));
    snprintf(expect, sizeof(expect), UNIT_A " %s returned", m2);
    assert_string_equal(text, expect);
    yxc_free(resp);
    resp = list_ok(&DIST_X, "", m3, "", "", text, sizeof(text)); /* from m3 on */
    assert_non_null(strstr(text, M(M_NOW)));
    assert_null(strstr(text, M(M_ABSENT)));
    yxc_free(resp);
    /* a school sees its own unit only, with or without a filter */
    resp = list_ok(&SCHOOL_A, "", m3, m1, "", text, sizeof(text));
    snprintf(expect, sizeof(expect), UNIT_A " %s submitted, " UNIT_A " %s returned", m1, m2);
    assert_string_equal(text, expect);
    yxc_free(resp);
    resp = list_ok(&SCHOOL_A, "", NULL, NULL, NULL, text, sizeof(text));
    const Yanxiu__V1__ReportList *l = resp->report_list;
    assert_true(l->n_reports >= 8);
    for (size_t i = 0; i < l->n_reports; i++)
        assert_string_equal(l->reports[i]->unit_code, UNIT_A);
    yxc_free(resp);
    resp = list_ok(&SCHOOL_B, "", m3, m1, "", text, sizeof(text));
    snprintf(expect, sizeof(expect), UNIT_B " %s approved, " UNIT_B " %s submitted", m1, m3);
    assert_string_equal(text, expect);
    yxc_free(resp);
    /* district Y sees none of X's */
    resp = list_ok(&DIST_Y, "", NULL, NULL, NULL, text, sizeof(text));
    assert_int_equal(resp->report_list->n_reports, 0);
    yxc_free(resp);
    /* bad filters */
    resp = list_reports(&DIST_X, "", "", "", "superseded");
    assert_refused(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "the status is", NULL,
                   "status superseded");
    yxc_free(resp);
    resp = list_reports(&DIST_X, "", "2026-13", "", "");
    assert_refused(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "YYYY-MM", NULL, "from 2026-13");
    yxc_free(resp);
    resp = list_reports(&DIST_X, "12345", "", "", "");
    assert_refused(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "10-digit", NULL, "unit 12345");
    yxc_free(resp);
}

/* A page of district X's reports (every one with limit 0), all statuses and months. */
static Yanxiu__V1__Envelope *list_page(uint32_t limit, uint32_t offset)
{
    Yanxiu__V1__ListReportsRequest lr = YANXIU__V1__LIST_REPORTS_REQUEST__INIT;
    lr.limit = limit;
    lr.offset = offset;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS;
    env.list_reports = &lr;
    Yanxiu__V1__Envelope *resp = it_call_env(as(&DIST_X), &env);
    assert_answer_utf8(resp);
    return resp;
}

/* The reports of a list as "unit month status flags" separated by ", ", appended at out + *n. */
static void list_text_flags(const Yanxiu__V1__ReportList *l, char *out, size_t cap, size_t *n)
{
    for (size_t i = 0; i < l->n_reports && *n < cap; i++)
        *n += (size_t)snprintf(out + *n, cap - *n, "%s%s %s %s %zu", *n ? ", " : "",
                               l->reports[i]->unit_code, l->reports[i]->month,
                               vocab_code_of(&vocab_report_status, l->reports[i]->status),
                               l->reports[i]->n_flags);
}

/* The web console's review queue pages through the reports: limit and offset, the total before
 * paging, the pages together the whole list in its order with every report's flags; a page of
 * more than 1000 reports is refused. */
static void list_reports_paged(void **state)
{
    (void)state;
    Yanxiu__V1__Envelope *resp = list_page(0, 0);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_LIST)
        fail_msg("ListReports of every report: not a ReportList");
    const uint32_t n = (uint32_t)resp->report_list->n_reports;
    assert_true(n >= 7); /* the earlier tests' reports, some with flags */
    assert_int_equal(resp->report_list->total, n);
    static char every[16384], paged[16384];
    size_t len = 0, plen = 0;
    list_text_flags(resp->report_list, every, sizeof(every), &len);
    yxc_free(resp);
    const uint32_t size = 3;
    uint32_t pages = 0;
    for (uint32_t offset = 0; offset < n; offset += size, pages++) {
        resp = list_page(size, offset);
        assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_REPORT_LIST);
        assert_int_equal(resp->report_list->total, n);
        assert_int_equal(resp->report_list->n_reports, n - offset < size ? n - offset : size);
        list_text_flags(resp->report_list, paged, sizeof(paged), &plen);
        yxc_free(resp);
    }
    printf("%u reports in %u pages of %u: %s\n", n, pages, size, paged);
    assert_string_equal(paged, every); /* the same order, the same flags */
    /* past the last page: no report */
    resp = list_page(size, n);
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_REPORT_LIST);
    assert_int_equal(resp->report_list->n_reports, 0);
    yxc_free(resp);
    /* at most 1000 a page */
    resp = list_page(1000, 0);
    assert_int_equal(resp->report_list->n_reports, n);
    yxc_free(resp);
    resp = list_page(1001, 0);
    assert_refused(resp, YANXIU__V1__CODE__INVALID_ARGUMENT, "1000", NULL, "a page of 1001");
    assert_string_equal(resp->error->reason, "page_limit_invalid");
    yxc_free(resp);
}

/* --- the ledger at the end -------------------------------------------------------------------- */

static void ledger_equals_what_the_rows_say(void **state)
{
    /* Absences at a remote activity (they count in the fine ledger, not in the
     * roll-up's absences), credits of an external record, a late row with its own
     * hours; then a return and a resubmission of it. */
    const char *m = M(M_ABSENT);
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_B, m, 0, NULL, 0);
    Yanxiu__V1__Activity *a = it_report_add_activity(r, NULL, NULL, "19:00", "21:00", 2);
    a->mode = YANXIU__V1__MODE__MODE_REMOTE;
    a->form = YANXIU__V1__FORM__FORM_ONLINE;
    a->level = YANXIU__V1__LEVEL__LEVEL_COUNTY;
    it_report_add_attendance(r, a, "TB05", NULL, "present", 0);
    it_report_add_attendance(r, a, "TB06", NULL, "absent", 0);
    it_report_add_attendance(r, a, "TB04", NULL, "late", 1);
    Yanxiu__V1__ExternalRecord *e =
        it_report_add_external(r, "TB03", day_of(m, 8), "学历教育（本科）", 20);
    e->credits = 15;
    it_set(&e->certificate, "ZS-2026-0001");
    assert_int_equal(submit_version(&SCHOOL_B, r), 1);
    assert_ledger_consistent("after a report with absences and credits");
    review_ok(&DIST_X, UNIT_B, m, "return", "补充证书", "returned");
    it_report_new_key(r);
    it_set(&r->unit_code, UNIT_B);
    assert_int_equal(submit_version(&DIST_X, r), 2);
    review_ok(&DIST_X, UNIT_B, m, "approve", "", "approved");

    /* everything the earlier tests left: submits, resubmits, returns, voids, approves */
    assert_ledger_consistent("at the end");
    char *sum = it_psql_ok(false, "SELECT count(*), count(DISTINCT month), "
                                  "count(*) FILTER (WHERE approved), sum(hours) FROM ledger "
                                  "WHERE hours <> 0 OR absences <> 0;");
    printf("ledger rows (non-zero), months, approved rows, hours: %s", sum);
    free(sum);
    /* the daemon's own verification agrees */
    char *diff = it_psql_ok(false, "SELECT ledger || ' ' || key || ': stored ' || stored || "
                                   "', expected ' || expected FROM ledger_differences();");
    printf("ledger_differences(): %s\n", diff[0] ? diff : "none");
    if (diff[0])
        fail_msg("ledger_differences() reports differences where the ledger agrees with the "
                 "raw rows:\n%s",
                 diff);
    free(diff);
    it_report_free(r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
#define T(f) cmocka_unit_test_setup_teardown(f, arm, disarm)
    const struct CMUnitTest tests[] = {
        T(month_malformed_or_not_begun_is_refused),
        T(unit_of_another_district_or_a_primary_is_refused),
        T(duplicated_activity_ref_is_refused),
        T(activity_date_and_times_are_checked),
        T(activity_hours_are_checked),
        T(unknown_enumerations_are_refused),
        T(enumerations_and_chinese_sign_ins_are_stored),
        T(title_and_host_are_required),
        T(non_creditable_titles_are_refused),
        T(attendance_is_checked_against_the_roster),
        T(attendance_status_and_hours_are_checked),
        T(external_records_are_checked),
        T(invalid_utf8_is_refused),
        T(a_duplicate_that_is_not_text_is_not_echoed),
        T(a_long_reason_is_cut_between_characters),
        T(a_district_code_that_is_not_text_is_not_echoed),
        T(empty_reports),
        T(size_bounds_are_resource_exhausted),
        T(several_problems_are_all_listed_at_once),
        T(a_retry_is_answered_with_the_first_result),
        T(a_resubmission_replaces_the_previous_version),
        T(show_not_found_names_the_school_unit),
        T(approve_locks_until_reopened),
        T(return_takes_the_hours_out_until_resubmitted),
        T(void_takes_the_hours_out_for_good),
        T(on_time_is_the_first_version_by_the_deadline),
        T(overlapping_activities_are_flagged),
        T(more_than_ten_hours_a_day_is_flagged),
        T(identical_sign_in_lists_are_flagged),
        T(list_reports_filters),
        T(list_reports_paged),
        T(ledger_equals_what_the_rows_say),
    };
#undef T
    return cmocka_run_group_tests(tests, setup, teardown);
}
