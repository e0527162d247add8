/*
 * The users' own files, read by the daemon (issue 12), against the real daemon
 * and database: XLSX workbooks and CSV files made at test time by
 * tests/integration/upload_files.py (openpyxl, then saved as Excel would: shared
 * strings, date and time cells, a merged title row, a formula with its cached
 * value) go in as SubmitReport / ImportRoster / ImportUnits / ImportScores with
 * `files`:
 *   - a right workbook is accepted in one attempt;
 *   - a wrong one gets every problem in one answer — the format's and the
 *     database's together — each at its file, sheet, row, column, header and
 *     value with its code, and nothing is written (rows counted before and after);
 *   - check_only checks everything and writes nothing;
 *   - a zip bomb, an .xls and an upload over the limit are refused with their codes;
 *   - parsing happens off the event loop: Pings are answered while a large upload
 *     is read (the figures are printed, not asserted).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

#define DISTRICT "110101"
#define UNIT     "1101010001"
#define N_OF(a)  (sizeof(a) / sizeof((a)[0]))

static const char *const DIST_USER = "up.district", *const DIST_PW = "UpDist-pw-5b2c9e17";
static const char *const SCHOOL_USER = "up.school", *const SCHOOL_PW = "UpSchool-pw-a0d3f6c8";
static struct yxc *dist, *school;
static char dir[512];   /* where upload_files.py wrote the files */
static char month[16];  /* the report's month: two months back */

/* --- files ---------------------------------------------------------------------------- */

struct upload {
    Yanxiu__V1__UploadFile f[4];
    Yanxiu__V1__UploadFile *p[4];
    size_t n;
};

/* Appends the file `name` of dir (its bytes read whole). */
static void add_file(struct upload *u, const char *name)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc((size_t)len + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    Yanxiu__V1__UploadFile *x = &u->f[u->n];
    yanxiu__v1__upload_file__init(x);
    x->name = (char *)name;
    x->data.data = data;
    x->data.len = (size_t)len;
    u->p[u->n++] = x;
}

static void upload_free(struct upload *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->f[i].data.data);
    u->n = 0;
}

/* --- calls ---------------------------------------------------------------------------- */

static Yanxiu__V1__Envelope *submit_files(struct yxc *c, struct upload *u, bool check_only)
{
    Yanxiu__V1__SubmitReportRequest r = YANXIU__V1__SUBMIT_REPORT_REQUEST__INIT;
    char key[40];
    snprintf(key, sizeof(key), "upload-%ld-%d", (long)time(NULL), rand());
    r.unit_code = UNIT;
    r.month = month;
    r.idempotency_key = key;
    r.files = u->p;
    r.n_files = u->n;
    r.check_only = check_only;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT;
    env.submit_report = &r;
    return it_call_env(c, &env);
}

static Yanxiu__V1__Envelope *roster_files(struct yxc *c, struct upload *u, bool check_only)
{
    Yanxiu__V1__ImportRosterRequest r = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
    r.files = u->p;
    r.n_files = u->n;
    r.check_only = check_only;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER;
    env.import_roster = &r;
    return it_call_env(c, &env);
}

static Yanxiu__V1__Envelope *units_files(struct yxc *c, struct upload *u)
{
    Yanxiu__V1__ImportUnitsRequest r = YANXIU__V1__IMPORT_UNITS_REQUEST__INIT;
    r.files = u->p;
    r.n_files = u->n;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS;
    env.import_units = &r;
    return it_call_env(c, &env);
}

static Yanxiu__V1__Envelope *scores_files(struct yxc *c, struct upload *u)
{
    Yanxiu__V1__ImportScoresRequest r = YANXIU__V1__IMPORT_SCORES_REQUEST__INIT;
    r.scheme = "教师考核";
    r.year = (uint32_t)atoi(month);
    r.files = u->p;
    r.n_files = u->n;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES;
    env.import_scores = &r;
    return it_call_env(c, &env);
}

/* --- answers -------------------------------------------------------------------------- */

/* A problem expected at a cell: the sheet, row and column letter ("" / 0: none), the
 * header and value as the file spells them (NULL: not checked), and the code. */
struct cell {
    const char *file, *sheet;
    unsigned row;
    const char *column, *header, *value, *code;
};
#define CELLS(...) ((const struct cell[]){__VA_ARGS__, {NULL, NULL, 0, NULL, NULL, NULL, NULL}})

static void print_answer(const Yanxiu__V1__Envelope *resp, const char *what)
{
    char d[16384];
    it_describe(resp, d, sizeof(d));
    printf("%s -> %s\n", what, d);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR)
        return;
    for (size_t i = 0; i < resp->error->n_violations; i++) {
        const Yanxiu__V1__FieldViolation *v = resp->error->violations[i];
        printf("   %s | %s | row %u | %s | header \"%s\" | value \"%s\" | %s | %s\n", v->file,
               v->sheet, v->row, v->column, v->header, v->value, v->code, v->message);
    }
}

/* Asserts resp is INVALID_ARGUMENT with exactly the problems `want`, in any order. */
static void assert_cells(const Yanxiu__V1__Envelope *resp, const struct cell *want,
                         const char *what)
{
    print_answer(resp, what);
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    const Yanxiu__V1__Error *e = resp->error;
    size_t n = 0;
    for (; want[n].code; n++) {
        const struct cell *w = &want[n];
        bool found = false;
        for (size_t i = 0; i < e->n_violations && !found; i++) {
            const Yanxiu__V1__FieldViolation *v = e->violations[i];
            found = strcmp(v->code, w->code) == 0 && strcmp(v->file, w->file) == 0 &&
                    strcmp(v->sheet, w->sheet) == 0 && v->row == w->row &&
                    strcmp(v->column, w->column) == 0 &&
                    (!w->header || strcmp(v->header, w->header) == 0) &&
                    (!w->value || strcmp(v->value, w->value) == 0) && v->message[0] &&
                    it_utf8_ok(v->message);
        }
        if (!found)
            fail_msg("%s: no problem %s at %s/%s row %u column %s (header %s, value %s)", what,
                     w->code, w->file, w->sheet, w->row, w->column, w->header ? w->header : "-",
                     w->value ? w->value : "-");
    }
    if (e->n_violations != n)
        fail_msg("%s: expected exactly %zu problems, got %zu", what, n, e->n_violations);
}

static long count(const char *sql)
{
    return it_psql_long(false, "%s", sql);
}

#define REPORTS_OF_UNIT                                                                        \
    "SELECT count(*) FROM report_versions WHERE unit_code = '" UNIT "'"
#define TEACHERS_OF_DISTRICT "SELECT count(*) FROM teachers WHERE district_code = '" DISTRICT "'"
#define SCHOOLS_OF_DISTRICT  "SELECT count(*) FROM schools WHERE district_code = '" DISTRICT "'"
#define SCORES_OF_DISTRICT                                                                     \
    "SELECT count(*) FROM assessment_scores WHERE district_code = '" DISTRICT "'"

/* --- setup ---------------------------------------------------------------------------- */

static void month_back(int back, char *out, size_t cap)
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1 - back;
    while (m < 1) {
        m += 12;
        y--;
    }
    snprintf(out, cap, "%04d-%02d", y, m);
}

static int setup(void **state)
{
    (void)state;
    srand((unsigned)time(NULL));
    month_back(2, month, sizeof(month));
    snprintf(dir, sizeof(dir), "%s/uploads", it_env("YX_DIR"));
    assert_int_equal(it_sh("mkdir -p '%s' && /usr/bin/python3 '%s/tests/integration/"
                           "upload_files.py' '%s' %s",
                           dir, YX_SOURCE_DIR, dir, month),
                     0);
    it_add_district(DISTRICT, "东城区");
    char *out = it_psql_ok(
        false,
        "INSERT INTO schools (code, district_code, name, kind, central_code, unit_code) VALUES "
        "('" UNIT "', '" DISTRICT "', '城关镇中心校', 'central', NULL, '" UNIT "');\n"
        "INSERT INTO teachers (district_code, code, name, school_code) VALUES "
        "('" DISTRICT "', 'T001', '王丽', '" UNIT "'), ('" DISTRICT "', 'T002', '李强', '" UNIT
        "'), ('" DISTRICT "', 'T003', '张敏', '" UNIT "'), ('" DISTRICT "', 'T004', '赵刚', '" UNIT
        "');\n");
    free(out);
    it_add_user(DIST_USER, "district", DISTRICT, NULL, DIST_PW);
    it_add_user(SCHOOL_USER, "school", DISTRICT, UNIT, SCHOOL_PW);
    dist = it_login(DIST_USER, DIST_PW, NULL);
    school = it_login(SCHOOL_USER, SCHOOL_PW, NULL);
    /* the scheme of the scores files: items 培训心得 (10) and 听课材料 (40) */
    Yanxiu__V1__SetSchemeRequest s = YANXIU__V1__SET_SCHEME_REQUEST__INIT;
    s.ini = "[scheme]\nname = 教师考核\ntarget = teacher\n[items]\n培训心得 = 10\n"
            "听课材料 = 40\n[grades]\n合格 = 30\n不合格 = 0\n";
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_SET_SCHEME;
    env.set_scheme = &s;
    Yanxiu__V1__Envelope *resp = it_call_env(dist, &env);
    print_answer(resp, "the scheme");
    assert_int_not_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_ERROR);
    yxc_free(resp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    yxc_close(dist);
    yxc_close(school);
    return 0;
}

/* --- reports --------------------------------------------------------------------------- */

static void report_workbook_is_accepted_in_one_attempt(void **state)
{
    (void)state;
    struct upload u = {0};
    add_file(&u, "report_good.xlsx");
    long before = count(REPORTS_OF_UNIT);
    Yanxiu__V1__Envelope *resp = submit_files(school, &u, true);
    print_answer(resp, "the right workbook, check_only");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY);
    assert_true(resp->report_reply->checked);
    assert_int_equal(resp->report_reply->activity_count, 2);
    assert_int_equal(resp->report_reply->attendance_count, 5);
    assert_int_equal(resp->report_reply->external_count, 1);
    assert_int_equal(count(REPORTS_OF_UNIT), before); /* check_only wrote nothing */
    yxc_free(resp);

    resp = submit_files(school, &u, false);
    print_answer(resp, "the right workbook");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY);
    assert_int_equal(resp->report_reply->activity_count, 2);
    assert_int_equal(resp->report_reply->attendance_count, 5);
    /* 2 + 2 + 1.5 (late) at A01, 2 (the formula's cached value) at A02, 10 outside */
    printf("teacher hours %.1f\n", resp->report_reply->teacher_hours);
    assert_true(resp->report_reply->teacher_hours == 2 + 2 + 1.5 + 2 + 10);
    assert_int_equal(count(REPORTS_OF_UNIT), before + 1);
    yxc_free(resp);
    /* the cells as stored: a time cell 0.354166… is 08:30, a date cell the date */
    char *row = it_psql_ok(false,
                           "SELECT a.date || ' ' || to_char(a.start_time, 'HH24:MI') || ' ' || "
                           "a.category || ' ' || a.hours FROM activities a JOIN report_versions v "
                           "ON v.report_id = a.report_id AND v.version = a.version "
                           "WHERE v.unit_code = '" UNIT "' AND a.ref = 'A01' LIMIT 1");
    printf("A01 stored: %s", row);
    char want[64];
    snprintf(want, sizeof(want), "%s-08 08:30 subject 2", month);
    assert_non_null(strstr(row, want));
    free(row);
    upload_free(&u);
}

static void report_csv_files_are_accepted(void **state)
{
    (void)state;
    struct upload u = {0};
    add_file(&u, "activities.csv");
    add_file(&u, "attendance.csv"); /* GB18030 */
    Yanxiu__V1__Envelope *resp = submit_files(school, &u, true);
    print_answer(resp, "the CSV files (UTF-8 with BOM, GB18030), check_only");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY);
    assert_true(resp->report_reply->checked);
    assert_int_equal(resp->report_reply->attendance_count, 2);
    yxc_free(resp);
    upload_free(&u);
}

static void wrong_report_workbook_gets_every_problem_at_its_cell(void **state)
{
    (void)state;
    struct upload u = {0};
    add_file(&u, "report_bad.xlsx");
    long before = count(REPORTS_OF_UNIT);
    Yanxiu__V1__Envelope *resp = submit_files(school, &u, false);
    const char *F = "report_bad.xlsx";
    assert_cells(resp,
                 CELLS({F, "研修活动", 3, "M", "学时", "1.3", "report_hours_bad"},
                       {F, "研修活动", 4, "F", "内容类别", "烹饪", "value_unknown"},
                       {F, "研修活动", 5, "K", "主持人", NULL, "cell_merged"},
                       {F, "校外培训", 1, "", NULL, NULL, "column_missing"},
                       {F, "签到表", 8, "B", "教师编号", "T099", "report_teacher_unknown"}),
                 "the wrong workbook");
    /* the unknown category is quoted and the accepted names listed */
    bool quoted = false;
    for (size_t i = 0; i < resp->error->n_violations; i++)
        quoted |= strcmp(resp->error->violations[i]->code, "value_unknown") == 0 &&
                  strstr(resp->error->violations[i]->message, "烹饪") &&
                  strstr(resp->error->violations[i]->message, "信息技术");
    assert_true(quoted);
    assert_int_equal(count(REPORTS_OF_UNIT), before);
    yxc_free(resp);
    upload_free(&u);
}

/* --- roster, units, scores ------------------------------------------------------------ */

static void roster_workbook_in_one_attempt_and_a_wrong_one_at_its_cells(void **state)
{
    (void)state;
    struct upload u = {0};
    add_file(&u, "roster_bad.xlsx");
    long before = count(TEACHERS_OF_DISTRICT);
    Yanxiu__V1__Envelope *resp = roster_files(school, &u, false);
    const char *F = "roster_bad.xlsx";
    assert_cells(resp,
                 CELLS({F, "名册", 6, "C", "学校代码", NULL, "value_required"},
                       {F, "名册", 7, "C", "学校代码", NULL, "cell_merged"},
                       {F, "名册", 7, "F", "班主任", "也许", "value_not_flag"},
                       {F, "名册", 8, "I", "状态", "病假", "value_unknown"},
                       {F, "名册", 8, "C", "学校代码", "1101019999", "roster_school_unknown"}),
                 "the wrong roster");
    assert_int_equal(count(TEACHERS_OF_DISTRICT), before);
    yxc_free(resp);
    upload_free(&u);

    add_file(&u, "roster_good.xlsx");
    resp = roster_files(school, &u, true);
    print_answer(resp, "the right roster, check_only");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT);
    assert_int_equal(resp->import_result->created, 0);
    assert_int_equal(count(TEACHERS_OF_DISTRICT), before);
    yxc_free(resp);
    resp = roster_files(school, &u, false);
    print_answer(resp, "the right roster");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT);
    assert_int_equal(resp->import_result->created, 3);
    assert_int_equal(count(TEACHERS_OF_DISTRICT), before + 3);
    assert_int_equal(count("SELECT count(*) FROM teachers WHERE code = 'T101' AND homeroom "
                           "AND NOT backbone AND school_code = '" UNIT "'"),
                     1);
    yxc_free(resp);
    upload_free(&u);
}

static void units_files_right_and_wrong(void **state)
{
    (void)state;
    struct upload u = {0};
    add_file(&u, "units_bad.xlsx");
    long before = count(SCHOOLS_OF_DISTRICT);
    Yanxiu__V1__Envelope *resp = units_files(dist, &u);
    const char *F = "units_bad.xlsx";
    assert_cells(resp,
                 CELLS({F, "学校", 2, "C", "类型", "大学", "value_unknown"},
                       {F, "学校", 3, "D", "所属中心校", "1101010999", "units_central_unknown"}),
                 "the wrong units");
    assert_int_equal(count(SCHOOLS_OF_DISTRICT), before);
    yxc_free(resp);
    upload_free(&u);

    add_file(&u, "units.csv");
    resp = units_files(dist, &u);
    print_answer(resp, "the right units");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT);
    assert_int_equal(resp->import_result->created, 1);
    assert_int_equal(count("SELECT count(*) FROM schools WHERE code = '1101010021' AND "
                           "opened = '2019-09-01' AND unit_code = '" UNIT "'"),
                     1);
    yxc_free(resp);
    upload_free(&u);
}

static void scores_workbook_right_and_wrong(void **state)
{
    (void)state;
    struct upload u = {0};
    add_file(&u, "scores_bad.xlsx");
    long before = count(SCORES_OF_DISTRICT);
    Yanxiu__V1__Envelope *resp = scores_files(dist, &u);
    const char *F = "scores_bad.xlsx";
    assert_cells(resp,
                 CELLS({F, "成绩", 4, "D", "听课材料", "很好", "value_not_number"},
                       {F, "成绩", 4, "C", "培训心得", "50", "scores_points_over_max"},
                       {F, "成绩", 4, "A", "教师编号", "T099", "scores_teacher_unknown"}),
                 "the wrong scores");
    assert_int_equal(count(SCORES_OF_DISTRICT), before);
    yxc_free(resp);
    upload_free(&u);

    add_file(&u, "scores_good.xlsx");
    resp = scores_files(dist, &u);
    print_answer(resp, "the right scores");
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT);
    assert_int_equal(resp->import_result->created, 3); /* T002's empty cell enters none */
    yxc_free(resp);
    upload_free(&u);
}

/* --- refusals --------------------------------------------------------------------------- */

static void zip_bomb_xls_and_oversize_are_refused(void **state)
{
    (void)state;
    long before = count(TEACHERS_OF_DISTRICT);
    struct upload u = {0};
    add_file(&u, "bomb.xlsx");
    Yanxiu__V1__Envelope *resp = roster_files(dist, &u, false);
    assert_cells(resp, CELLS({"bomb.xlsx", "名册", 0, "", NULL, NULL, "file_zip_bomb"}),
                 "a zip bomb");
    yxc_free(resp);
    upload_free(&u);

    add_file(&u, "old.xls");
    resp = roster_files(dist, &u, false);
    assert_cells(resp, CELLS({"old.xls", "", 0, "", NULL, NULL, "file_xls"}), "an .xls");
    yxc_free(resp);
    upload_free(&u);

    /* 16 MiB + 1 byte: over [limits] upload_max_bytes, refused before it is read */
    Yanxiu__V1__UploadFile big = YANXIU__V1__UPLOAD_FILE__INIT;
    big.name = "名册.csv";
    big.data.len = 16 * 1024 * 1024 + 1;
    big.data.data = calloc(1, big.data.len);
    assert_non_null(big.data.data);
    memset(big.data.data, 'x', big.data.len);
    u.p[0] = &big;
    u.n = 1;
    resp = roster_files(dist, &u, false);
    print_answer(resp, "16 MiB + 1 byte");
    it_assert_error(resp, YANXIU__V1__CODE__RESOURCE_EXHAUSTED);
    assert_string_equal(resp->error->reason, "upload_too_large");
    yxc_free(resp);
    free(big.data.data);
    u.n = 0;

    /* files and rows together */
    Yanxiu__V1__Teacher t = YANXIU__V1__TEACHER__INIT;
    Yanxiu__V1__Teacher *tp[] = {&t};
    add_file(&u, "roster_good.xlsx");
    Yanxiu__V1__ImportRosterRequest r = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
    r.files = u.p;
    r.n_files = u.n;
    r.teachers = tp;
    r.n_teachers = 1;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER;
    env.import_roster = &r;
    resp = it_call_env(dist, &env);
    print_answer(resp, "files and rows together");
    it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
    assert_string_equal(resp->error->reason, "upload_mixed");
    yxc_free(resp);
    upload_free(&u);
    assert_int_equal(count(TEACHERS_OF_DISTRICT), before);
}

/* --- off the loop ------------------------------------------------------------------------ */

struct big_upload {
    struct upload u;
    Yanxiu__V1__Envelope *resp;
    int64_t ms;
    volatile bool done;
};

static void *upload_thread(void *arg)
{
    struct big_upload *b = arg;
    struct yxc *c = it_login(DIST_USER, DIST_PW, NULL);
    int64_t t0 = it_now_ms();
    b->resp = roster_files(c, &b->u, true);
    b->ms = it_now_ms() - t0;
    yxc_close(c);
    b->done = true;
    return NULL;
}

static void pings_are_answered_while_a_large_upload_is_read(void **state)
{
    (void)state;
    struct big_upload b = {0};
    add_file(&b.u, "big_roster.csv");
    struct yxc *c = it_connect();
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, upload_thread, &b), 0);
    int pings = 0;
    int64_t worst = 0, total = 0;
    for (int i = 0; i < 100000 && !b.done; i++) {
        int64_t t0 = it_now_ms();
        it_ping_ok(c, false);
        int64_t dt = it_now_ms() - t0;
        worst = dt > worst ? dt : worst;
        total += dt;
        pings++;
        it_sleep_ms(5);
    }
    pthread_join(th, NULL);
    print_answer(b.resp, "99 000 teachers, check_only");
    printf("the upload (%zu bytes, 99 000 rows) took %lld ms; meanwhile %d pings were answered, "
           "%.1f ms on average, %lld ms at worst\n",
           b.u.f[0].data.len, (long long)b.ms, pings, pings ? (double)total / pings : 0.0,
           (long long)worst);
    assert_int_equal(b.resp->body_case, YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT);
    yxc_free(b.resp);
    yxc_close(c);
    upload_free(&b.u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_workbook_is_accepted_in_one_attempt),
        cmocka_unit_test(report_csv_files_are_accepted),
        cmocka_unit_test(wrong_report_workbook_gets_every_problem_at_its_cell),
        cmocka_unit_test(roster_workbook_in_one_attempt_and_a_wrong_one_at_its_cells),
        cmocka_unit_test(units_files_right_and_wrong),
        cmocka_unit_test(scores_workbook_right_and_wrong),
        cmocka_unit_test(zip_bomb_xls_and_oversize_are_refused),
        cmocka_unit_test(pings_are_answered_while_a_large_upload_is_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
