/*
 * seedgen: writes the Envelope seeds of the fuzz corpus — one valid request
 * of every kind the daemon serves, with the values a real client sends
 * (tests/fuzz/corpus/handlers/), and byte streams of whole frames, pipelined
 * requests, answers and broken headers (tests/fuzz/corpus/frame/). Run it
 * again when the protocol grows a request:
 *   build-tests/tests/fuzz/fuzz_seedgen tests/fuzz/corpus
 * Files are only created or replaced under the directory given.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frame.h"

static const char *root;
static uint8_t token_admin[32], token_district[32], token_school[32];

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", root, dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A growing stream of frames for the frame corpus. */
struct stream {
    uint8_t buf[1 << 16];
    size_t len;
};

static void stream_add(struct stream *s, const Yanxiu__V1__Envelope *env)
{
    size_t n;
    uint8_t *f = frame_pack(env, FRAME_DEFAULT_MAX, &n);
    if (!f || s->len + n > sizeof(s->buf)) {
        fprintf(stderr, "seedgen: a stream grew too large\n");
        exit(1);
    }
    memcpy(s->buf + s->len, f, n);
    s->len += n;
    free(f);
}

/* One request: a handlers seed (the body) and, into `s` when given, its frame. */
static void seed(const char *name, Yanxiu__V1__Envelope *env, const uint8_t *token,
                 struct stream *s)
{
    static uint64_t next_id = 1;
    env->request_id = next_id++;
    if (token) {
        env->session_token.data = (uint8_t *)token;
        env->session_token.len = 32;
    }
    size_t n = yanxiu__v1__envelope__get_packed_size(env);
    uint8_t *body = malloc(n ? n : 1);
    if (!body)
        exit(1);
    yanxiu__v1__envelope__pack(env, body);
    write_file("handlers", name, body, n);
    free(body);
    if (s)
        stream_add(s, env);
}

#define ENV(field, CASE)                                                                           \
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;                                         \
    env.body_case = YANXIU__V1__ENVELOPE__BODY_##CASE;                                             \
    env.field = &in

static void session_requests(struct stream *s)
{
    {
        Yanxiu__V1__HelloRequest in = YANXIU__V1__HELLO_REQUEST__INIT;
        in.client_name = "yanxiu";
        in.client_version = "0.1.0";
        in.protocol_version = PROTOCOL_VERSION;
        in.language = "zh-CN";
        ENV(hello, HELLO);
        seed("hello", &env, NULL, s);
    }
    {
        Yanxiu__V1__PingRequest in = YANXIU__V1__PING_REQUEST__INIT;
        in.database = 1;
        ENV(ping, PING);
        seed("ping_db", &env, NULL, s);
    }
    {
        Yanxiu__V1__LoginRequest in = YANXIU__V1__LOGIN_REQUEST__INIT;
        in.user = "wang.li";
        in.password = "correct horse battery staple";
        ENV(login, LOGIN);
        seed("login", &env, NULL, s);
    }
    {
        Yanxiu__V1__LogoutRequest in = YANXIU__V1__LOGOUT_REQUEST__INIT;
        ENV(logout, LOGOUT);
        seed("logout", &env, token_district, NULL);
    }
    {
        Yanxiu__V1__WhoAmIRequest in = YANXIU__V1__WHO_AM_IREQUEST__INIT;
        ENV(whoami, WHOAMI);
        seed("whoami", &env, token_school, NULL);
    }
    {
        Yanxiu__V1__AuditQuery in = YANXIU__V1__AUDIT_QUERY__INIT;
        in.since = "2026-09-01T00:00:00+08:00";
        in.user = "wang.li";
        in.limit = 100;
        ENV(audit_query, AUDIT_QUERY);
        seed("audit_query", &env, token_admin, NULL);
    }
}

static void roster_requests(void)
{
    {
        Yanxiu__V1__Unit u1 = YANXIU__V1__UNIT__INIT, u2 = YANXIU__V1__UNIT__INIT;
        u1.school_code = "4114230001";
        u1.name = "城关镇中心校";
        u1.kind = YANXIU__V1__UNIT_KIND__UNIT_KIND_CENTRAL;
        u2.school_code = "4114230002";
        u2.name = "城关镇第二小学";
        u2.kind = YANXIU__V1__UNIT_KIND__UNIT_KIND_PRIMARY;
        u2.central_code = "4114230001";
        u2.opened = "1998-09-01";
        Yanxiu__V1__Unit *units[] = {&u1, &u2};
        char *columns[] = {"school_code", "name", "kind", "central_code", "opened"};
        Yanxiu__V1__ImportUnitsRequest in = YANXIU__V1__IMPORT_UNITS_REQUEST__INIT;
        in.district_code = "411423";
        in.district_code = "411423";
        in.units = units;
        in.n_units = 2;
        in.columns = columns;
        in.n_columns = 5;
        ENV(import_units, IMPORT_UNITS);
        seed("import_units", &env, token_district, NULL);
    }
    {
        Yanxiu__V1__ListUnitsRequest in = YANXIU__V1__LIST_UNITS_REQUEST__INIT;
        in.district_code = "411423";
        in.district_code = "411423";
        ENV(list_units, LIST_UNITS);
        seed("list_units", &env, token_admin, NULL);
    }
    {
        Yanxiu__V1__Teacher t1 = YANXIU__V1__TEACHER__INIT, t2 = YANXIU__V1__TEACHER__INIT;
        t1.teacher_code = "T0001";
        t1.name = "王丽";
        t1.school_code = "4114230002";
        t1.subject = "语文";
        t1.research_group = "语文组";
        t1.homeroom = 1;
        t1.status = YANXIU__V1__TEACHER_STATUS__TEACHER_STATUS_ACTIVE;
        t2.teacher_code = "T0002";
        t2.name = "李强";
        t2.school_code = "4114230002";
        t2.subject = "数学";
        t2.new_teacher = 1;
        t2.status = YANXIU__V1__TEACHER_STATUS__TEACHER_STATUS_ACTIVE;
        Yanxiu__V1__Teacher *teachers[] = {&t1, &t2};
        Yanxiu__V1__ImportRosterRequest in = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
        in.district_code = "411423";
        in.teachers = teachers;
        in.n_teachers = 2;
        ENV(import_roster, IMPORT_ROSTER);
        seed("import_roster", &env, token_school, NULL);
    }
    {
        /* the same as a file the daemon reads (daemon/layout.c), with a problem in it */
        static const char csv[] = "\xef\xbb\xbf教师编号,姓名,学校代码,班主任,状态\r\n"
                                  "T0001,王丽,4114230002,是,在职\r\n"
                                  "T0002,李强,,也许,退休\r\n";
        Yanxiu__V1__UploadFile f = YANXIU__V1__UPLOAD_FILE__INIT;
        f.name = "名册.csv";
        f.data.data = (uint8_t *)csv;
        f.data.len = sizeof(csv) - 1;
        Yanxiu__V1__UploadFile *files[] = {&f};
        Yanxiu__V1__ImportRosterRequest in = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
        in.files = files;
        in.n_files = 1;
        in.check_only = 1;
        ENV(import_roster, IMPORT_ROSTER);
        seed("import_roster_file", &env, token_school, NULL);
    }
    {
        Yanxiu__V1__ListRosterRequest in = YANXIU__V1__LIST_ROSTER_REQUEST__INIT;
        in.district_code = "411423";
        in.unit_code = "4114230001";
        ENV(list_roster, LIST_ROSTER);
        seed("list_roster", &env, token_district, NULL);
    }
    {
        Yanxiu__V1__TransferTeacherRequest in = YANXIU__V1__TRANSFER_TEACHER_REQUEST__INIT;
        in.district_code = "411423";
        in.teacher_code = "T0002";
        in.to_school_code = "4114230003";
        ENV(transfer_teacher, TRANSFER_TEACHER);
        seed("transfer_teacher", &env, token_district, NULL);
    }
}

static void report_requests(struct stream *s)
{
    {
        Yanxiu__V1__Attendance a1 = YANXIU__V1__ATTENDANCE__INIT, a2 = YANXIU__V1__ATTENDANCE__INIT;
        a1.teacher_code = "T0001";
        a1.name = "王丽";
        a1.status = YANXIU__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
        a2.teacher_code = "T0002";
        a2.status = YANXIU__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_LATE;
        a2.hours = 1.5;
        a1.activity_ref = a2.activity_ref = "2026-10-A01";
        Yanxiu__V1__Attendance *att[] = {&a1, &a2};
        Yanxiu__V1__Activity act = YANXIU__V1__ACTIVITY__INIT;
        act.ref = "2026-10-A01";
        act.date = "2026-10-08";
        act.start = "14:30";
        act.end = "16:30";
        act.title = "整本书阅读教学研讨";
        act.category = YANXIU__V1__CATEGORY__CATEGORY_SUBJECT;
        act.form = YANXIU__V1__FORM__FORM_LESSON_STUDY;
        act.level = YANXIU__V1__LEVEL__LEVEL_SCHOOL;
        act.mode = YANXIU__V1__MODE__MODE_CENTRALIZED;
        act.place = "三楼会议室";
        act.host = "王丽";
        act.speaker = "张敏";
        act.hours = 2;
        Yanxiu__V1__Activity *acts[] = {&act};
        Yanxiu__V1__ExternalRecord ext = YANXIU__V1__EXTERNAL_RECORD__INIT;
        ext.teacher_code = "T0001";
        ext.date = "2026-10-20";
        ext.title = "国家智慧教育平台暑期研修";
        ext.category = YANXIU__V1__CATEGORY__CATEGORY_IT;
        ext.level = YANXIU__V1__LEVEL__LEVEL_NATIONAL;
        ext.mode = YANXIU__V1__MODE__MODE_REMOTE;
        ext.hours = 10;
        ext.certificate = "ZH2026-0042";
        Yanxiu__V1__ExternalRecord *exts[] = {&ext};
        Yanxiu__V1__SubmitReportRequest in = YANXIU__V1__SUBMIT_REPORT_REQUEST__INIT;
        in.district_code = "411423";
        in.unit_code = "4114230001";
        in.month = "2026-10";
        in.idempotency_key = "k-4114230001-2026-10-0001";
        in.summary = "本月开展校本研修一次。";
        in.activities = acts;
        in.n_activities = 1;
        in.attendance = att;
        in.n_attendance = 2;
        in.external = exts;
        in.n_external = 1;
        ENV(submit_report, SUBMIT_REPORT);
        seed("submit_report", &env, token_school, s);
    }
    {
        /* the report as its CSV files (daemon/layout.c) */
        static const char acts[] = "编号,日期,开始,结束,主题,内容类别,形式,级别,方式,地点,主持人,"
                                   "主讲人,学时\r\nA01,2026/10/8,8:30,10:30,整本书阅读教学研讨,"
                                   "学科专业知识,课例研究,校级,集中,,王丽,,2\r\n";
        static const char att[] = "活动编号,教师编号,姓名,签到,学时\r\nA01,T0001,王丽,出席,\r\n"
                                  "A01,T0002,李强,迟到,1.5\r\nA02,T0003,,缺席,\r\n";
        Yanxiu__V1__UploadFile f1 = YANXIU__V1__UPLOAD_FILE__INIT,
                               f2 = YANXIU__V1__UPLOAD_FILE__INIT;
        f1.name = "activities.csv";
        f1.data.data = (uint8_t *)acts;
        f1.data.len = sizeof(acts) - 1;
        f2.name = "attendance.csv";
        f2.data.data = (uint8_t *)att;
        f2.data.len = sizeof(att) - 1;
        Yanxiu__V1__UploadFile *files[] = {&f1, &f2};
        Yanxiu__V1__SubmitReportRequest in = YANXIU__V1__SUBMIT_REPORT_REQUEST__INIT;
        in.unit_code = "4114230001";
        in.month = "2026-10";
        in.idempotency_key = "k-4114230001-2026-10-files";
        in.files = files;
        in.n_files = 2;
        ENV(submit_report, SUBMIT_REPORT);
        seed("submit_report_files", &env, token_school, NULL);
    }
    {
        Yanxiu__V1__SubmitReportRequest in = YANXIU__V1__SUBMIT_REPORT_REQUEST__INIT;
        in.district_code = "411423";
        in.unit_code = "4114230001";
        in.month = "2027-02";
        in.idempotency_key = "k-4114230001-2027-02-empty";
        in.empty = 1;
        in.reason = "寒假";
        in.district_code = "411423";
        ENV(submit_report, SUBMIT_REPORT);
        seed("submit_report_empty", &env, token_admin, NULL);
    }
    {
        Yanxiu__V1__ReviewReportRequest in = YANXIU__V1__REVIEW_REPORT_REQUEST__INIT;
        in.district_code = "411423";
        in.unit_code = "4114230001";
        in.month = "2026-10";
        in.action = "return";
        in.reason = "签到表缺少主讲人";
        ENV(review_report, REVIEW_REPORT);
        seed("review_report", &env, token_district, NULL);
    }
    {
        Yanxiu__V1__ListReportsRequest in = YANXIU__V1__LIST_REPORTS_REQUEST__INIT;
        in.district_code = "411423";
        in.from_month = "2026-09";
        in.to_month = "2027-06";
        in.status = YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUBMITTED;
        ENV(list_reports, LIST_REPORTS);
        seed("list_reports", &env, token_district, NULL);
    }
    {
        Yanxiu__V1__ShowReportRequest in = YANXIU__V1__SHOW_REPORT_REQUEST__INIT;
        in.district_code = "411423";
        in.unit_code = "4114230001";
        in.month = "2026-10";
        in.version = 2;
        ENV(show_report, SHOW_REPORT);
        seed("show_report", &env, token_school, NULL);
    }
}

static void compliance_requests(void)
{
    {
        Yanxiu__V1__GetPolicyRequest in = YANXIU__V1__GET_POLICY_REQUEST__INIT;
        in.district_code = "411423";
        in.as_of = "2027-08-31";
        ENV(get_policy, GET_POLICY);
        seed("get_policy", &env, token_school, NULL);
    }
    {
        Yanxiu__V1__SetPolicyRequest in = YANXIU__V1__SET_POLICY_REQUEST__INIT;
        in.district_code = "411423";
        in.ini = "[policy]\ncycle_years = 5\nhours_year = 72\nyear_basis = school\n"
                 "credits_enabled = no\ncredit_factor = 1.25\nnon_creditable = 例会, 政治学习\n";
        in.effective = "2026-09-01";
        ENV(set_policy, SET_POLICY);
        seed("set_policy", &env, token_district, NULL);
    }
    static const struct {
        const char *name;
        Yanxiu__V1__Envelope__BodyCase body;
    } views[] = {
        {"compliance_teachers", YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS},
        {"compliance_units", YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS},
        {"compliance_groups", YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS},
        {"reporting_rates", YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES},
    };
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
        Yanxiu__V1__ComplianceQuery in = YANXIU__V1__COMPLIANCE_QUERY__INIT;
        in.district_code = "411423";
        in.year = 2026;
        in.cycle = i == 0;
        in.unit_code = "4114230001";
        in.status = i == 0 ? YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_BEHIND
                           : YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_UNSPECIFIED;
        in.as_of = "2027-06-30";
        in.month = i == 3 ? "2026-10" : "";
        Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
        env.body_case = views[i].body;
        env.compliance_teachers = &in; /* one union: every view takes a ComplianceQuery */
        seed(views[i].name, &env, token_district, NULL);
    }
    {
        Yanxiu__V1__TeacherHistoryRequest in = YANXIU__V1__TEACHER_HISTORY_REQUEST__INIT;
        in.district_code = "411423";
        in.teacher_code = "T0001";
        ENV(teacher_history, TEACHER_HISTORY);
        seed("teacher_history", &env, token_district, NULL);
    }
}

static void assessment_requests(void)
{
    {
        Yanxiu__V1__SetSchemeRequest in = YANXIU__V1__SET_SCHEME_REQUEST__INIT;
        in.district_code = "411423";
        in.ini = "[scheme]            ; or [方案]\nname = 教师考核\ntarget = teacher\n"
                 "title = 2026学年教师培训考核\n[items]\n培训心得体会 = 10\n质量检测 = 30\n"
                 "暑期研修证书 = 10\n云教研反思 = 10\n推门听课材料 = 40\n[grades]\n优秀 = 90\n"
                 "合格 = 60\n不合格 = 0\n";
        ENV(set_scheme, SET_SCHEME);
        seed("set_scheme", &env, token_district, NULL);
    }
    {
        Yanxiu__V1__ListSchemesRequest in = YANXIU__V1__LIST_SCHEMES_REQUEST__INIT;
        in.district_code = "411423";
        in.name = "教师考核";
        ENV(list_schemes, LIST_SCHEMES);
        seed("list_schemes", &env, token_school, NULL);
    }
    {
        Yanxiu__V1__ItemScore s1 = YANXIU__V1__ITEM_SCORE__INIT, s2 = YANXIU__V1__ITEM_SCORE__INIT;
        s1.subject_code = "T0001";
        s1.item = "培训心得体会";
        s1.points = 9.5;
        s2.subject_code = "T0001";
        s2.item = "质量检测";
        s2.points = 27;
        Yanxiu__V1__ItemScore *scores[] = {&s1, &s2};
        Yanxiu__V1__ImportScoresRequest in = YANXIU__V1__IMPORT_SCORES_REQUEST__INIT;
        in.district_code = "411423";
        in.scheme = "教师考核";
        in.year = 2026;
        in.scores = scores;
        in.n_scores = 2;
        ENV(import_scores, IMPORT_SCORES);
        seed("import_scores", &env, token_school, NULL);
    }
    {
        Yanxiu__V1__AssessmentQuery in = YANXIU__V1__ASSESSMENT_QUERY__INIT;
        in.district_code = "411423";
        in.scheme = "教师考核";
        in.year = 2026;
        in.as_of = "2027-09-01";
        in.approved_only = 1;
        ENV(assessment_results, ASSESSMENT_RESULTS);
        seed("assessment_results", &env, token_district, NULL);
    }
}

/* Answers, as a client reads them, and broken streams. */
static void frame_streams(struct stream *pipelined)
{
    write_file("frame", "pipelined_requests", pipelined->buf, pipelined->len);

    struct stream s = {.len = 0};
    Yanxiu__V1__FieldViolation v = YANXIU__V1__FIELD_VIOLATION__INIT;
    v.path = "attendance[1].teacher_code";
    v.row = 2;
    v.code = "report_teacher_unknown";
    v.message =
        "teacher T0009 is not in the roster of 城关镇中心校 or of any school of the district";
    Yanxiu__V1__FieldViolation *vs[] = {&v};
    Yanxiu__V1__Error err = YANXIU__V1__ERROR__INIT;
    err.code = YANXIU__V1__CODE__INVALID_ARGUMENT;
    err.message = "report 2026-10: 1 problem; nothing was written";
    err.violations = vs;
    err.n_violations = 1;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.request_id = 7;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = &err;
    stream_add(&s, &env);
    Yanxiu__V1__Identity id = YANXIU__V1__IDENTITY__INIT;
    id.user = "wang.li";
    id.role = YANXIU__V1__ROLE__ROLE_SCHOOL;
    id.district_code = "411423";
    id.unit_code = "4114230001";
    Yanxiu__V1__LoginResponse lr = YANXIU__V1__LOGIN_RESPONSE__INIT;
    lr.token.data = token_school;
    lr.token.len = 32;
    lr.expires_at = "2026-12-08T06:44:06+08:00";
    lr.identity = &id;
    Yanxiu__V1__Envelope env2 = YANXIU__V1__ENVELOPE__INIT;
    env2.request_id = 8;
    env2.body_case = YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY;
    env2.login_reply = &lr;
    stream_add(&s, &env2);
    write_file("frame", "answers", s.buf, s.len);

    /* A whole frame, then one cut short. */
    struct stream t = s;
    write_file("frame", "truncated", t.buf, t.len - 3);
    /* A frame, then a length of 0. */
    memcpy(t.buf + t.len, "\0\0\0\0", 4);
    write_file("frame", "then_empty", t.buf, t.len + 4);
    /* A length over any limit (4 GiB - 1), as a stranger's first bytes. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x08, 0x01};
    write_file("frame", "huge_length", huge, sizeof(huge));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR   (e.g. tests/fuzz/corpus)\n", argv[0]);
        return 2;
    }
    root = argv[1];
    memset(token_admin, 'A', 32); /* the tokens fuzz_handlers keeps sessions for */
    memset(token_district, 'D', 32);
    memset(token_school, 'S', 32);
    static struct stream pipelined;
    session_requests(&pipelined);
    roster_requests();
    report_requests(&pipelined);
    compliance_requests();
    assessment_requests();
    frame_streams(&pipelined);
    return 0;
}
