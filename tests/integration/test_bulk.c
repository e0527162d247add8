/*
 * The historical import in bulk (SubmitBatch, 批量历史导入) against the real
 * daemon and database:
 *   - a batch is written whole, in one transaction: every report's version,
 *     marked imported, with its true submission time;
 *   - sent again, it answers every report as replayed and writes nothing;
 *   - one bad report in the middle (a problem only the database sees, or one
 *     the daemon sees) writes nothing at all, and every problem names its
 *     report (unit, month, "reports[N]." path), in the connection's language;
 *   - a school may not send one; the bounds (no report, too many, the same
 *     unit and month twice, a report without its submission time);
 *   - the ledger's changes of a batch are moved once, at its commit (023): the
 *     kept sums agree with the rows, and a failure at the commit itself, after
 *     every statement of the batch has answered, writes nothing and is
 *     answered as a failure.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define DISTRICT "130101"
#define UNIT_1   "1301010001"
#define UNIT_2   "1301010002"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const TEAM_1[] = {"BK101", "BK102", "BK103", "BK104"};
static const char *const TEAM_2[] = {"BK201", "BK202", "BK203"};

static struct yxc *district;
static struct yxc *district_zh;
static struct yxc *school;

/* The month `back` months before the current one (Asia/Shanghai), into a rotating buffer. */
static const char *month_ago(int back)
{
    static char bufs[16][24];
    static int next;
    char *b = bufs[next++ % 16];
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1 - back;
    while (m < 1) {
        m += 12;
        y--;
    }
    snprintf(b, 24, "%04d-%02d", y, m);
    return b;
}

/* Everything a batch could write, read as the superuser, on one line. */
static char *written(void)
{
    char *out = it_psql_ok(
        false, "SELECT concat_ws(' | ', "
               "'reports ' || (SELECT count(*) FROM reports), "
               "'versions ' || (SELECT count(*) FROM report_versions), "
               "'activities ' || (SELECT count(*) FROM activities), "
               "'attendance ' || (SELECT count(*) FROM attendance), "
               "'events ' || (SELECT count(*) FROM report_events), "
               "'ledger ' || (SELECT count(*) || ' ' || md5(coalesce(string_agg(l::text, ',' "
               "ORDER BY l::text), '')) FROM ledger l), "
               "'months ' || (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l::text), '')) "
               "FROM ledger_months l), "
               "'years ' || (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l::text), '')) "
               "FROM compliance_years l), "
               "'audit ' || (SELECT count(*) FROM audit_log));");
    out[strcspn(out, "\n")] = '\0';
    return out;
}

/* A report of unit for the month `back` months ago, submitted on the 3rd of the month after. */
static Yanxiu__V1__SubmitReportRequest *report(const char *unit, int back)
{
    const char *const *team = strcmp(unit, UNIT_1) == 0 ? TEAM_1 : TEAM_2;
    size_t n = strcmp(unit, UNIT_1) == 0 ? N_OF(TEAM_1) : N_OF(TEAM_2);
    Yanxiu__V1__SubmitReportRequest *r = it_report_new(unit, month_ago(back), 3, team, n);
    char at[32];
    snprintf(at, sizeof(at), "%s-03 16:30", month_ago(back - 1));
    it_set(&r->submitted_at, at);
    return r;
}

struct batch {
    Yanxiu__V1__SubmitBatchRequest req;
    Yanxiu__V1__SubmitReportRequest *r[600];
};

static void batch_init(struct batch *b)
{
    memset(b, 0, sizeof(*b));
    yanxiu__v1__submit_batch_request__init(&b->req);
    b->req.reports = b->r;
}

static void batch_add(struct batch *b, Yanxiu__V1__SubmitReportRequest *r)
{
    b->r[b->req.n_reports++] = r;
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->req.n_reports; i++)
        it_report_free(b->r[i]);
    b->req.n_reports = 0;
}

static Yanxiu__V1__Envelope *send_batch(struct yxc *c, struct batch *b)
{
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH;
    env.submit_batch = &b->req;
    return it_call_env(c, &env);
}

static const Yanxiu__V1__SubmitBatchReply *assert_written(const Yanxiu__V1__Envelope *resp,
                                                          const char *what)
{
    char d[8192];
    it_describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_BATCH_REPLY)
        fail_msg("%s: expected a batch reply, got %s", what, d);
    return resp->batch_reply;
}

/* The violation at `path` (exactly), or a failure listing what there is. */
static const Yanxiu__V1__FieldViolation *violation_at(const Yanxiu__V1__Envelope *resp,
                                                      const char *path)
{
    char d[8192];
    it_describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR)
        fail_msg("expected an error with a problem at %s, got %s", path, d);
    for (size_t i = 0; i < resp->error->n_violations; i++)
        if (strcmp(resp->error->violations[i]->path, path) == 0)
            return resp->error->violations[i];
    fail_msg("no problem at %s in %s", path, d);
    return NULL;
}

/* --- time bound ------------------------------------------------------------------------- */

static void on_alarm(int sig)
{
    static const char msg[] = "\ntest_bulk: a test ran longer than its time bound; stopping\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    (void)sig;
    _exit(1);
}

static int arm(void **state)
{
    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(150);
    return 0;
}

static int disarm(void **state)
{
    (void)state;
    alarm(0);
    return 0;
}

static int setup(void **state)
{
    arm(state);
    it_add_district(DISTRICT, "桥西区");
    free(it_psql_ok(
        false,
        "INSERT INTO schools (code, district_code, name, kind, central_code, unit_code) VALUES "
        "('" UNIT_1 "', '" DISTRICT "', '桥西第一中心校', 'central', NULL, '" UNIT_1 "'), "
        "('" UNIT_2 "', '" DISTRICT "', '桥西第二中学', 'junior', NULL, '" UNIT_2 "');\n"
        "INSERT INTO teachers (district_code, code, name, school_code) "
        "SELECT '" DISTRICT "', format('BK1%%s', lpad(i::text, 2, '0')), "
        "format('甲老师%%s', i), '" UNIT_1 "' FROM generate_series(1, 4) i;\n"
        "INSERT INTO teachers (district_code, code, name, school_code) "
        "SELECT '" DISTRICT "', format('BK2%%s', lpad(i::text, 2, '0')), "
        "format('乙老师%%s', i), '" UNIT_2 "' FROM generate_series(1, 3) i;\n"));
    it_add_user("bk.district", "district", DISTRICT, NULL, "BkDistrict-pw-4c1e99a2");
    it_add_user("bk.school", "school", DISTRICT, UNIT_1, "BkSchool-pw-70d3aa15");
    district = it_login("bk.district", "BkDistrict-pw-4c1e99a2", NULL);
    district_zh = it_login_lang("bk.district", "BkDistrict-pw-4c1e99a2", "zh_CN", NULL);
    school = it_login("bk.school", "BkSchool-pw-70d3aa15", NULL);
    disarm(state);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    yxc_close(district);
    yxc_close(district_zh);
    yxc_close(school);
    return 0;
}

/* --- tests ------------------------------------------------------------------------------ */

/* Months 2..5 of both units: 8 reports written in one batch, then replayed. */
static void batch_is_written_whole_and_replays(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    for (int back = 2; back <= 5; back++) {
        batch_add(&b, report(UNIT_1, back));
        batch_add(&b, report(UNIT_2, back));
    }
    long versions = it_psql_long(false, "SELECT count(*) FROM report_versions");
    Yanxiu__V1__Envelope *resp = send_batch(district, &b);
    const Yanxiu__V1__SubmitBatchReply *a = assert_written(resp, "a batch of 8");
    assert_int_equal(a->n_reports, 8);
    assert_int_equal(a->written, 8);
    assert_int_equal(a->replayed, 0);
    for (size_t i = 0; i < a->n_reports; i++) {
        assert_string_equal(a->reports[i]->unit_code, b.r[i]->unit_code);
        assert_string_equal(a->reports[i]->month, b.r[i]->month);
        assert_int_equal(a->reports[i]->version, 1);
        assert_true(a->reports[i]->imported);
        assert_false(a->reports[i]->replayed);
        /* submitted on the 3rd of the month after: on time */
        assert_true(a->reports[i]->on_time);
        assert_int_equal(a->reports[i]->attendance_count, b.r[i]->n_attendance);
    }
    yxc_free(resp);
    assert_int_equal(it_psql_long(false, "SELECT count(*) FROM report_versions"), versions + 8);
    assert_int_equal(it_psql_long(false, "SELECT count(*) FROM report_versions WHERE imported AND "
                                         "district_code = '" DISTRICT "'"),
                     8);
    /* the audit log says each report was imported */
    assert_int_equal(
        it_psql_long(false, "SELECT count(*) FROM audit_log WHERE action = 'report import' AND "
                            "user_name = 'bk.district'"),
        8);

    char *before = written();
    resp = send_batch(district, &b);
    a = assert_written(resp, "the same batch again");
    assert_int_equal(a->written, 0);
    assert_int_equal(a->replayed, 8);
    for (size_t i = 0; i < a->n_reports; i++)
        assert_true(a->reports[i]->replayed);
    yxc_free(resp);
    char *after = written();
    assert_string_equal(before, after);
    free(before);
    free(after);
    batch_free(&b);
}

/* A report whose teacher the roster does not know (only the database sees it) in the middle
 * of a batch: nothing of the batch is written, the problem names its report. */
static void bad_report_in_the_middle_writes_nothing(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    for (int back = 6; back <= 8; back++) {
        batch_add(&b, report(UNIT_1, back));
        batch_add(&b, report(UNIT_2, back));
    }
    /* report 3 (unit 2, month 7 back): its first sign-in row names a stranger */
    it_set(&b.r[3]->attendance[0]->teacher_code, "ZZ999");
    char *before = written();
    Yanxiu__V1__Envelope *resp = send_batch(district, &b);
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    const Yanxiu__V1__FieldViolation *v =
        violation_at(resp, "reports[3].attendance[0].teacher_code");
    assert_string_equal(v->code, "report_teacher_unknown");
    assert_string_equal(v->unit_code, UNIT_2);
    assert_string_equal(v->month, month_ago(7));
    assert_int_equal(resp->error->n_violations, 1);
    printf("problem: %s %s %s: %s\n", v->unit_code, v->month, v->path, v->message);
    yxc_free(resp);
    char *after = written();
    assert_string_equal(before, after);
    free(after);

    /* A problem the daemon sees (hours not a multiple of 0.5) and the stranger: both listed,
     * in Chinese on a Chinese connection, nothing written. */
    b.r[1]->activities[1]->hours = 1.25;
    resp = send_batch(district_zh, &b);
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    v = violation_at(resp, "reports[1].activities[1].hours");
    assert_string_equal(v->unit_code, UNIT_2);
    assert_string_equal(v->month, month_ago(6));
    printf("problem: %s %s %s: %s\n", v->unit_code, v->month, v->path, v->message);
    v = violation_at(resp, "reports[3].attendance[0].teacher_code");
    printf("problem: %s %s %s: %s\n", v->unit_code, v->month, v->path, v->message);
    assert_non_null(strstr(v->message, "ZZ999"));
    assert_non_null(strstr(v->message, "名册")); /* the zh_CN catalog's message */
    yxc_free(resp);
    after = written();
    assert_string_equal(before, after);
    free(after);

    /* Mended, the same batch is written whole. */
    it_set(&b.r[3]->attendance[0]->teacher_code, "BK201");
    b.r[1]->activities[1]->hours = 2;
    resp = send_batch(district, &b);
    assert_int_equal(assert_written(resp, "the batch mended")->written, 6);
    yxc_free(resp);
    free(before);
    batch_free(&b);
}

static void school_may_not_send_a_batch(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    batch_add(&b, report(UNIT_1, 9));
    char *before = written();
    Yanxiu__V1__Envelope *resp = send_batch(school, &b);
    it_assert_error(resp, YANXIU__V1__CODE__PERMISSION_DENIED);
    yxc_free(resp);
    char *after = written();
    assert_string_equal(before, after);
    free(before);
    free(after);
    batch_free(&b);
}

static void batch_bounds(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    char *before = written();
    /* no report */
    Yanxiu__V1__Envelope *resp = send_batch(district, &b);
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(resp->error->message, "1 to 500"));
    yxc_free(resp);
    /* 501 reports (empty months, small): over the count */
    for (int i = 0; i < 501; i++) {
        Yanxiu__V1__SubmitReportRequest *r = it_report_new(UNIT_1, month_ago(10), 0, NULL, 0);
        r->empty = true;
        it_set(&r->reason, "寒假");
        batch_add(&b, r);
    }
    resp = send_batch(district, &b);
    it_assert_error(resp, YANXIU__V1__CODE__RESOURCE_EXHAUSTED);
    yxc_free(resp);
    batch_free(&b);
    /* the same unit and month twice; a report without its submission time */
    batch_add(&b, report(UNIT_1, 10));
    batch_add(&b, report(UNIT_2, 10));
    batch_add(&b, report(UNIT_1, 10));
    Yanxiu__V1__SubmitReportRequest *r = report(UNIT_2, 11);
    it_set(&r->submitted_at, "");
    batch_add(&b, r);
    resp = send_batch(district, &b);
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    assert_string_equal(violation_at(resp, "reports[2].month")->code, "report_batch_month_twice");
    assert_string_equal(violation_at(resp, "reports[3].submitted_at")->code,
                        "report_batch_submitted_at_required");
    yxc_free(resp);
    char *after = written();
    assert_string_equal(before, after);
    free(before);
    free(after);
    batch_free(&b);
}

/* Months 12..15 of both units in one batch: the teachers' years take the four months'
 * hours in one move at the commit. First the commit itself fails (the deferred move raises,
 * replaced for the test): nothing is written and the answer is a failure, not the batch's
 * versions; then, restored, the batch is written and the kept sums agree with the rows. */
static void batch_ledger_moves_at_commit(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    for (int back = 12; back <= 15; back++) {
        batch_add(&b, report(UNIT_1, back));
        batch_add(&b, report(UNIT_2, back));
    }
    char *def = it_psql_ok(false, "SELECT pg_get_functiondef('ledger_batch_apply'::regproc);");
    free(it_psql_ok(false, "CREATE OR REPLACE FUNCTION ledger_batch_apply() RETURNS trigger "
                           "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp "
                           "AS $$ BEGIN RAISE EXCEPTION 'test_bulk: this commit fails'; END $$;"));
    char *before = written();
    Yanxiu__V1__Envelope *resp = send_batch(district, &b);
    char d[4096];
    it_describe(resp, d, sizeof(d));
    printf("the commit failing: %s\n", d);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR)
        fail_msg("a batch whose commit failed was answered %s", d);
    yxc_free(resp);
    char *after = written();
    assert_string_equal(before, after);
    free(after);
    free(it_psql_ok(false, "%s;", def));
    free(def);

    resp = send_batch(district, &b);
    const Yanxiu__V1__SubmitBatchReply *a = assert_written(resp, "the batch, its commit restored");
    assert_int_equal(a->written, 8);
    yxc_free(resp);
    assert_int_equal(it_psql_long(false, "SELECT count(*) FROM ledger_differences()"), 0);
    /* each teacher's months are there, the four of them */
    assert_int_equal(it_psql_long(false, "SELECT count(*) FROM ledger_months WHERE teacher_code = "
                                         "'BK101' AND month >= '%s-01' AND month <= '%s-01'",
                                  month_ago(15), month_ago(12)),
                     4);
    free(before);
    batch_free(&b);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, arm, disarm)
    const struct CMUnitTest tests[] = {
        T(batch_is_written_whole_and_replays),
        T(bad_report_in_the_middle_writes_nothing),
        T(school_may_not_send_a_batch),
        T(batch_bounds),
        T(batch_ledger_moves_at_commit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
