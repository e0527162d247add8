/*
 * Tenancy, table-driven (issue 3, "Tests"), against the real daemon and
 * database:
 *   - every RPC that needs a session, sent by a district account of district
 *     X about district Y, and by a school account of unit A about unit B (or
 *     about district Y), is refused with PERMISSION_DENIED or NOT_FOUND and
 *     writes nothing (schools, teachers, users, districts, reports, the ledger
 *     and its monthly roll-up, policies, assessment schemes and scores,
 *     audit_log compared as the superuser before and after every request);
 *   - inside one's own scope, the policy and the compliance views (teachers,
 *     units, research groups, reporting rates, a teacher's handbook) answer
 *     one's own district's rows, a school's of its own unit only; a district
 *     storing its policy changes nothing another district reads;
 *   - the same requests with a random 32-byte token are UNAUTHENTICATED and
 *     write nothing;
 *   - the row-level wall: the daemon's database role, set up as district X
 *     (or with nothing set at all), sees no row of district Y in any tenant
 *     table (policies, the ledger and ledger_months, assessment schemes and
 *     scores included) and cannot write one; set up as school A, it sees no
 *     report row of unit B (reports, versions, activities, sign-in rows,
 *     external records, flags, events) and no assessment score of unit B.
 *
 * ADDING AN RPC: add ONE row to RPCS[] below: its body case as in
 * daemon/methods.def (which gives its name and roles), a builder of its
 * cross-tenant requests, and the codes expected. The first test goes over
 * daemon/methods.def (included here, the same table the daemon dispatches
 * with) and fails, naming the method, until every method that needs a
 * session has its row.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common.h"
#include "session.h" /* enum role, the roles column of daemon/methods.def */
#include "vocab.h"

/* --- the districts, units, schools and teachers ---------------------------------- */

#define DISTRICT_X "110101"
#define DISTRICT_Y "120101"
#define UNIT_A     "1101010001" /* central school of X, reporting unit A */
#define PRIM_A     "1101010011" /* its member primary */
#define UNIT_B     "1101010002" /* central school of X, reporting unit B */
#define PRIM_B     "1101010021"
#define UNIT_Y     "1201010001" /* central school of Y */
#define PRIM_Y     "1201010011"

struct school {
    const char *code, *name, *kind, *central;
};
static const struct school SCHOOLS_X[] = {
    {UNIT_A, "东城第一中心校", "central", ""},
    {PRIM_A, "东城一中心附属小学", "primary", UNIT_A},
    {UNIT_B, "东城第二中心校", "central", ""},
    {PRIM_B, "东城二中心附属小学", "primary", UNIT_B},
};
static const struct school SCHOOLS_Y[] = {
    {UNIT_Y, "和平中心校", "central", ""},
    {PRIM_Y, "和平中心附属小学", "primary", UNIT_Y},
};

struct teacher {
    const char *code, *name, *school;
};
static const struct teacher TEACHERS_X[] = {
    {"XA01", "甲单位教师一", UNIT_A},
    {"XA02", "甲单位教师二", PRIM_A},
    {"XB01", "乙单位教师一", UNIT_B},
    {"XB02", "乙单位教师二", PRIM_B},
};
static const struct teacher TEACHERS_Y[] = {
    {"YT01", "和平教师一", UNIT_Y},
    {"YT02", "和平教师二", PRIM_Y},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Every unit (A, B and Y's) has a monthly report for this month, submitted in
 * the setup by its school account: five activities with the same sign-in list
 * (an identical_signin flag) and one external record. */
#define SEED_MONTH "2026-09"
#define SEED_DAY   "2026-09-10"

/* The compliance views are asked about the school year of SEED_MONTH (2026-09 ..
 * 2027-08) as of a fixed day after that month's report was due. */
#define SEED_YEAR  2026
#define SEED_AS_OF "2026-10-31"

/* Each district stores a policy in the setup (in force from today), each its own
 * hours_year: one district's policy written into the other would show. */
#define POLICY_INI_X "[policy]\nhours_year = 70\n"
#define POLICY_INI_Y "[policy]\nhours_year = 66\n"
#define HOURS_YEAR_X 70.0
#define HOURS_YEAR_Y 66.0

/* Assessment (考核): each district stores a teacher scheme of its own in the setup,
 * district X a unit scheme too, and every teacher (X's units too) gets scores of
 * SEED_YEAR in both items. Y's scheme has a name of its own and an item of its own:
 * X asking for it by name must find nothing. */
#define SCHEME_X      "东城教师考核"
#define SCHEME_X_UNIT "东城单位考核"
#define SCHEME_Y      "和平教师考核"
#define ITEM_1        "心得体会"
#define ITEM_2        "质量检测"
#define ITEM_Y        "和平特色"
#define SCHEME_INI(name, target, extra_item)                                                       \
    "[scheme]\nname = " name "\ntarget = " target "\n[items]\n" ITEM_1 " = 10\n" ITEM_2            \
    " = 30\n" extra_item "[grades]\n优秀 = 30\n合格 = 20\n不合格 = 0\n"
#define SCHEME_INI_X      SCHEME_INI(SCHEME_X, "teacher", "")
#define SCHEME_INI_X_UNIT SCHEME_INI(SCHEME_X_UNIT, "unit", "")
#define SCHEME_INI_Y      SCHEME_INI(SCHEME_Y, "teacher", ITEM_Y " = 20\n")

/* Names an answer to a cross-tenant request must never contain: teachers of
 * another unit or district, schools of another district. (School names of
 * one's own district are not secret: ListUnits shows them to every role.) */
static const char *const FOREIGN_TO_DISTRICT_X[] = {"和平教师一", "和平教师二", "和平中心校",
                                                    "和平中心附属小学", NULL};
static const char *const FOREIGN_TO_SCHOOL_A[] = {
    "乙单位教师一", "乙单位教师二",     "和平教师一", "和平教师二",
    "和平中心校",   "和平中心附属小学", NULL};

/* --- accounts and their sessions ------------------------------------------------- */

struct account {
    const char *name, *role, *district, *unit, *password;
};
static const struct account DIST_X = {"tn.district.x", "district", DISTRICT_X, NULL,
                                      "TnDistX-pw-4b1e9a07"};
static const struct account DIST_Y = {"tn.district.y", "district", DISTRICT_Y, NULL,
                                      "TnDistY-pw-d03c7f52"};
static const struct account SCHOOL_A = {"tn.school.a", "school", DISTRICT_X, UNIT_A,
                                        "TnSchoolA-pw-9e6d2c18"};
static const struct account SCHOOL_B = {"tn.school.b", "school", DISTRICT_X, UNIT_B,
                                        "TnSchoolB-pw-71af30e5"};
static const struct account SCHOOL_Y = {"tn.school.y", "school", DISTRICT_Y, UNIT_Y,
                                        "TnSchoolY-pw-2c58b6d9"};
static const struct account *const ACCOUNTS[] = {&DIST_X, &DIST_Y, &SCHOOL_A, &SCHOOL_B, &SCHOOL_Y};

/* One logged-in connection per account, for the whole run. */
static struct yxc *conns[N_OF(ACCOUNTS)];

static struct yxc *conn_of(const struct account *a)
{
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++)
        if (ACCOUNTS[i] == a)
            return conns[i];
    fail_msg("no session for %s", a->name);
    return NULL;
}

/* Who acts on whom in the table. */
enum actor { ACT_DISTRICT_X, ACT_SCHOOL_A, N_ACTORS };
static const struct {
    const struct account *acc;
    const char *acting_on;
    const char *const *foreign;
} ACTORS[N_ACTORS] = {
    [ACT_DISTRICT_X] = {&DIST_X, "district " DISTRICT_Y, FOREIGN_TO_DISTRICT_X},
    [ACT_SCHOOL_A] = {&SCHOOL_A, "unit " UNIT_B " (and district " DISTRICT_Y ")",
                      FOREIGN_TO_SCHOOL_A},
};

/* Role bits as in daemon/session.h (enum role), for the roles column. */
#define R_ADMIN    1u
#define R_DISTRICT 2u
#define R_SCHOOL   4u
#define R_ANY      (R_ADMIN | R_DISTRICT | R_SCHOOL)

static unsigned role_bit(const char *role)
{
    return strcmp(role, "admin") == 0      ? R_ADMIN
           : strcmp(role, "district") == 0 ? R_DISTRICT
           : strcmp(role, "school") == 0   ? R_SCHOOL
                                           : 0;
}

/* --- time bound ------------------------------------------------------------------- */

/* Each test (and the setup) must end within this; cmocka has no timeout of its own. */
#define TEST_SECONDS 300

static void on_alarm(int sig)
{
    static const char msg[] = "\ntest_tenancy: a test ran longer than its time bound; "
                              "stopping\n";
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

/* --- a request under construction ------------------------------------------------- */

/*
 * One cross-tenant request, built in place by a row's builder (it holds
 * pointers into itself: do not copy it). Besides the request, a builder may
 * widen what counts as a refusal for this one request:
 *   invalid_because: INVALID_ARGUMENT is accepted too, if there is at least one
 *                    field violation and every violation's reason contains one
 *                    of these (NULL-terminated);
 *   answer_ok:       a success is accepted too, if this says the answer holds
 *                    nothing of the other tenant (for a read whose request has no
 *                    field that names another tenant, only a filter).
 */
#define MAX_ROWS 4
struct form {
    Yanxiu__V1__Envelope env;
    union {
        Yanxiu__V1__LogoutRequest logout;
        Yanxiu__V1__WhoAmIRequest whoami;
        Yanxiu__V1__AuditQuery audit;
        Yanxiu__V1__ImportUnitsRequest import_units;
        Yanxiu__V1__ListUnitsRequest list_units;
        Yanxiu__V1__ImportRosterRequest import_roster;
        Yanxiu__V1__ListRosterRequest list_roster;
        Yanxiu__V1__TransferTeacherRequest transfer;
        Yanxiu__V1__SubmitReportRequest submit;
        Yanxiu__V1__ReviewReportRequest review;
        Yanxiu__V1__ListReportsRequest list_reports;
        Yanxiu__V1__ShowReportRequest show;
        Yanxiu__V1__GetPolicyRequest get_policy;
        Yanxiu__V1__SetPolicyRequest set_policy;
        Yanxiu__V1__ComplianceQuery query; /* the four compliance views */
        Yanxiu__V1__TeacherHistoryRequest history;
        Yanxiu__V1__SetSchemeRequest set_scheme;
        Yanxiu__V1__ListSchemesRequest list_schemes;
        Yanxiu__V1__ImportScoresRequest import_scores;
        Yanxiu__V1__AssessmentQuery assessment;
        Yanxiu__V1__WorkbookRequest workbook;
    } u;
    Yanxiu__V1__ComplianceQuery wb_query; /* Workbook: the view's query */
    /* SubmitBatch: the one report of u.submit, as a historical import */
    Yanxiu__V1__SubmitBatchRequest batch;
    Yanxiu__V1__SubmitReportRequest *batch_reports[1];
    /* SubmitReport: one activity with up to MAX_ROWS sign-in rows, and its key. */
    Yanxiu__V1__Activity activity;
    Yanxiu__V1__Activity *activity_ptrs[1];
    Yanxiu__V1__Attendance attendance[MAX_ROWS];
    Yanxiu__V1__Attendance *attendance_ptrs[MAX_ROWS];
    char key[40];
    Yanxiu__V1__Unit units[MAX_ROWS];
    Yanxiu__V1__Unit *unit_ptrs[MAX_ROWS];
    Yanxiu__V1__Teacher teachers[MAX_ROWS];
    Yanxiu__V1__Teacher *teacher_ptrs[MAX_ROWS];
    Yanxiu__V1__ItemScore scores[MAX_ROWS];
    Yanxiu__V1__ItemScore *score_ptrs[MAX_ROWS];
    char what[200];
    const char *invalid_because[3];
    bool (*answer_ok)(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen);
};

static void form_begin(struct form *f, Yanxiu__V1__Envelope__BodyCase body, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void form_begin(struct form *f, Yanxiu__V1__Envelope__BodyCase body, const char *fmt, ...)
{
    memset(f, 0, sizeof(*f));
    yanxiu__v1__envelope__init(&f->env);
    f->env.body_case = body;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->what, sizeof(f->what), fmt, ap);
    va_end(ap);
    switch (body) {
    case YANXIU__V1__ENVELOPE__BODY_LOGOUT:
        yanxiu__v1__logout_request__init(&f->u.logout);
        f->env.logout = &f->u.logout;
        break;
    case YANXIU__V1__ENVELOPE__BODY_WHOAMI:
        yanxiu__v1__who_am_irequest__init(&f->u.whoami);
        f->env.whoami = &f->u.whoami;
        break;
    case YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY:
        yanxiu__v1__audit_query__init(&f->u.audit);
        f->env.audit_query = &f->u.audit;
        break;
    case YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS:
        yanxiu__v1__import_units_request__init(&f->u.import_units);
        f->u.import_units.units = f->unit_ptrs;
        f->env.import_units = &f->u.import_units;
        break;
    case YANXIU__V1__ENVELOPE__BODY_LIST_UNITS:
        yanxiu__v1__list_units_request__init(&f->u.list_units);
        f->env.list_units = &f->u.list_units;
        break;
    case YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER:
        yanxiu__v1__import_roster_request__init(&f->u.import_roster);
        f->u.import_roster.teachers = f->teacher_ptrs;
        f->env.import_roster = &f->u.import_roster;
        break;
    case YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER:
        yanxiu__v1__list_roster_request__init(&f->u.list_roster);
        f->env.list_roster = &f->u.list_roster;
        break;
    case YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER:
        yanxiu__v1__transfer_teacher_request__init(&f->u.transfer);
        f->env.transfer_teacher = &f->u.transfer;
        break;
    case YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH:
    case YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT: {
        /* A well-formed report of SEED_MONTH (fresh key, one activity, no sign-in
         * rows yet): the builders add what makes it cross-tenant. */
        Yanxiu__V1__SubmitReportRequest *r = &f->u.submit;
        yanxiu__v1__submit_report_request__init(r);
        uint8_t raw[16];
        assert_int_equal(getrandom(raw, sizeof(raw), 0), (ssize_t)sizeof(raw));
        it_hex(raw, sizeof(raw), f->key);
        r->idempotency_key = f->key;
        r->month = SEED_MONTH;
        Yanxiu__V1__Activity *a = &f->activity;
        yanxiu__v1__activity__init(a);
        a->ref = "TN-01";
        a->date = SEED_DAY;
        a->start = "19:00";
        a->end = "21:00";
        a->title = "越界月报的课堂教学研讨";
        a->category = YANXIU__V1__CATEGORY__CATEGORY_SUBJECT;
        a->form = YANXIU__V1__FORM__FORM_LESSON_STUDY;
        a->level = YANXIU__V1__LEVEL__LEVEL_SCHOOL;
        a->mode = YANXIU__V1__MODE__MODE_CENTRALIZED;
        a->host = "教导主任";
        a->hours = 2;
        r->attendance = f->attendance_ptrs;
        f->activity_ptrs[0] = a;
        r->activities = f->activity_ptrs;
        r->n_activities = 1;
        if (body == YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH) {
            /* a month before the seed's, which has no report of unit A yet */
            r->month = "2026-08";
            a->date = "2026-08-14";
            r->submitted_at = "2026-09-03 10:00";
            yanxiu__v1__submit_batch_request__init(&f->batch);
            f->batch_reports[0] = r;
            f->batch.reports = f->batch_reports;
            f->batch.n_reports = 1;
            f->env.submit_batch = &f->batch;
        } else
            f->env.submit_report = r;
        break;
    }
    case YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT:
        yanxiu__v1__review_report_request__init(&f->u.review);
        f->u.review.month = SEED_MONTH;
        f->env.review_report = &f->u.review;
        break;
    case YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS:
        yanxiu__v1__list_reports_request__init(&f->u.list_reports);
        f->env.list_reports = &f->u.list_reports;
        break;
    case YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT:
        yanxiu__v1__show_report_request__init(&f->u.show);
        f->u.show.month = SEED_MONTH;
        f->env.show_report = &f->u.show;
        break;
    case YANXIU__V1__ENVELOPE__BODY_GET_POLICY:
        yanxiu__v1__get_policy_request__init(&f->u.get_policy);
        f->env.get_policy = &f->u.get_policy;
        break;
    case YANXIU__V1__ENVELOPE__BODY_SET_POLICY:
        /* A valid policy file, in force today: the builders add whose it is. */
        yanxiu__v1__set_policy_request__init(&f->u.set_policy);
        f->u.set_policy.ini = POLICY_INI_X;
        f->env.set_policy = &f->u.set_policy;
        break;
    case YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS:
    case YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS:
    case YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS:
    case YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES: {
        /* The school year of SEED_MONTH, as of a fixed day after its report was due. */
        Yanxiu__V1__ComplianceQuery *q = &f->u.query;
        yanxiu__v1__compliance_query__init(q);
        q->year = SEED_YEAR;
        q->as_of = SEED_AS_OF;
        if (body == YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS)
            f->env.compliance_teachers = q;
        else if (body == YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS)
            f->env.compliance_units = q;
        else if (body == YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS)
            f->env.compliance_groups = q;
        else
            f->env.reporting_rates = q;
        break;
    }
    case YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY:
        yanxiu__v1__teacher_history_request__init(&f->u.history);
        f->env.teacher_history = &f->u.history;
        break;
    case YANXIU__V1__ENVELOPE__BODY_SET_SCHEME:
        /* A valid scheme file (district X's teacher scheme): the builders add whose it is. */
        yanxiu__v1__set_scheme_request__init(&f->u.set_scheme);
        f->u.set_scheme.ini = SCHEME_INI_X;
        f->env.set_scheme = &f->u.set_scheme;
        break;
    case YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES:
        yanxiu__v1__list_schemes_request__init(&f->u.list_schemes);
        f->env.list_schemes = &f->u.list_schemes;
        break;
    case YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES:
        /* Scores of SEED_YEAR, no rows yet: the builders add the scheme and the scores. */
        yanxiu__v1__import_scores_request__init(&f->u.import_scores);
        f->u.import_scores.year = SEED_YEAR;
        f->u.import_scores.scores = f->score_ptrs;
        f->env.import_scores = &f->u.import_scores;
        break;
    case YANXIU__V1__ENVELOPE__BODY_ASSESSMENT_RESULTS:
        /* The results of SEED_YEAR as of the compliance views' fixed day. */
        yanxiu__v1__assessment_query__init(&f->u.assessment);
        f->u.assessment.year = SEED_YEAR;
        f->u.assessment.as_of = SEED_AS_OF;
        f->env.assessment_results = &f->u.assessment;
        break;
    case YANXIU__V1__ENVELOPE__BODY_WORKBOOK:
        /* A view's workbook of SEED_YEAR as of the views' fixed day: the builders add the
           kind and whose it is. */
        yanxiu__v1__workbook_request__init(&f->u.workbook);
        yanxiu__v1__compliance_query__init(&f->wb_query);
        f->wb_query.year = SEED_YEAR;
        f->wb_query.as_of = SEED_AS_OF;
        f->u.workbook.query = &f->wb_query;
        f->env.workbook = &f->u.workbook;
        break;
    default:
        fail_msg("form_begin: body %d has no case here yet", (int)body);
    }
}

static void add_unit(struct form *f, const char *code, const char *name, const char *kind,
                     const char *central)
{
    size_t n = f->u.import_units.n_units;
    assert_true(n < MAX_ROWS);
    Yanxiu__V1__Unit *u = &f->units[n];
    yanxiu__v1__unit__init(u);
    u->school_code = (char *)code;
    u->name = (char *)name;
    u->kind = (Yanxiu__V1__UnitKind)vocab_value(&vocab_unit_kind, kind);
    u->central_code = (char *)central;
    f->unit_ptrs[n] = u;
    f->u.import_units.n_units = n + 1;
}

static void add_teacher(struct form *f, const char *code, const char *name, const char *school)
{
    size_t n = f->u.import_roster.n_teachers;
    assert_true(n < MAX_ROWS);
    Yanxiu__V1__Teacher *t = &f->teachers[n];
    yanxiu__v1__teacher__init(t);
    t->teacher_code = (char *)code;
    t->name = (char *)name;
    t->school_code = (char *)school;
    t->subject = "语文";
    f->teacher_ptrs[n] = t;
    f->u.import_roster.n_teachers = n + 1;
}

/* A sign-in row (present, the activity's hours) on the one activity of a SubmitReport form. */
static void add_signin(struct form *f, const char *teacher, const char *name)
{
    Yanxiu__V1__SubmitReportRequest *r = &f->u.submit;
    size_t n = r->n_attendance;
    assert_true(n < MAX_ROWS);
    Yanxiu__V1__Attendance *t = &f->attendance[n];
    yanxiu__v1__attendance__init(t);
    t->activity_ref = f->activity.ref;
    t->teacher_code = (char *)teacher;
    if (name)
        t->name = (char *)name;
    t->status = YANXIU__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
    f->attendance_ptrs[n] = t;
    r->n_attendance = n + 1;
}

/* A score row of an ImportScores form. */
static void add_score(struct form *f, const char *subject, const char *item, double points)
{
    size_t n = f->u.import_scores.n_scores;
    assert_true(n < MAX_ROWS);
    Yanxiu__V1__ItemScore *s = &f->scores[n];
    yanxiu__v1__item_score__init(s);
    s->subject_code = (char *)subject;
    s->item = (char *)item;
    s->points = points;
    f->score_ptrs[n] = s;
    f->u.import_scores.n_scores = n + 1;
}

/* --- the builders: one per RPC; form i of actor a, false when there is none ------------ */

static bool build_logout(enum actor a, int i, struct form *f)
{
    if (i > 0)
        return false;
    form_begin(f, YANXIU__V1__ENVELOPE__BODY_LOGOUT,
               "Logout (its only form: the caller's own session)");
    return true;
}

static bool build_whoami(enum actor a, int i, struct form *f)
{
    if (i > 0)
        return false;
    form_begin(f, YANXIU__V1__ENVELOPE__BODY_WHOAMI,
               "WhoAmI (its only form: the caller's own session)");
    return true;
}

/* A district's audit list may hold only entries of that district. */
static bool audit_only_district_x(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST) {
        snprintf(why, whylen, "answered %s", yxc_body_name(resp->body_case));
        return false;
    }
    const Yanxiu__V1__AuditList *l = resp->audit_list;
    for (size_t i = 0; i < l->n_entries; i++) {
        const Yanxiu__V1__AuditEntry *e = l->entries[i];
        if (strcmp(e->district_code, DISTRICT_X) != 0 || strcmp(e->user, DIST_Y.name) == 0 ||
            strcmp(e->user, SCHOOL_Y.name) == 0) {
            snprintf(why, whylen, "the list holds an entry of district \"%s\": %s %s %s -> %s",
                     e->district_code, e->user, e->action, e->target, e->outcome);
            return false;
        }
    }
    snprintf(why, whylen, "%zu entries, all of district %s", l->n_entries, DISTRICT_X);
    return true;
}

static bool build_audit(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        if (i > 0)
            return false;
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY, "audit entries of user %s (unit B)",
                   SCHOOL_B.name);
        f->u.audit.user = (char *)SCHOOL_B.name;
        return true;
    }
    /* AuditQuery has no district field: the district is the caller's. Asking for
     * another district's user, or for everything, is a filter; the answer must
     * then hold no entry of Y (there are some: Y's accounts logged in). */
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY,
                   "audit entries of user %s (district Y)", DIST_Y.name);
        f->u.audit.user = (char *)DIST_Y.name;
        break;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY, "audit entries of every user");
        f->u.audit.limit = 10000;
        break;
    default:
        return false;
    }
    f->answer_ok = audit_only_district_x;
    return true;
}

static bool build_import_units(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        if (i > 0)
            return false;
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS, "rename unit B's central school");
        add_unit(f, UNIT_B, "改名的第二中心校", "central", "");
        return true;
    }
    /* Forms 1 and 2 name no district, only school codes of Y: units_import
     * (sql/003) checks those in the database, every row at once, and answers
     * INVALID_ARGUMENT with one violation per row (school codes are national,
     * so a clash is reported without showing the other district's row). */
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS,
                   "district_code %s: a new central school there", DISTRICT_Y);
        f->u.import_units.district_code = DISTRICT_Y;
        add_unit(f, "1201010099", "越界新学校", "central", "");
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS,
                   "Y's central school %s, renamed, into its own district", UNIT_Y);
        add_unit(f, UNIT_Y, "改名的和平中心校", "central", "");
        f->invalid_because[0] = "belongs to another district";
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS,
                   "a new primary of its own attached to Y's central school %s", UNIT_Y);
        add_unit(f, "1101010099", "越界附属小学", "primary", UNIT_Y);
        f->invalid_because[0] = "neither in this file nor in the district";
        return true;
    default:
        return false;
    }
}

static bool build_list_units(enum actor a, int i, struct form *f)
{
    /* ListUnitsRequest names a district only: a school lists its own district's
     * schools (by design, every role), so unit B has no form here. */
    if (i > 0)
        return false;
    form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_UNITS, "district_code %s", DISTRICT_Y);
    f->u.list_units.district_code = DISTRICT_Y;
    return true;
}

/* What roster_import (sql/003) says of a school outside the caller's unit, and
 * of a teacher who belongs to another unit. */
#define OUTSIDE_UNIT    "not in your reporting unit"
#define TAKEN_FROM_UNIT "belongs to another reporting unit"

static bool build_import_roster(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        /* The daemon checks schools against the caller's unit in the database
         * (roster_import in sql/003), all rows at once, and answers
         * INVALID_ARGUMENT with one violation per row so that a file's every
         * problem is listed: accepted here only when the violation says the
         * school is outside the caller's unit (or the teacher belongs to
         * another unit). */
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                       "a new teacher at %s, a school of unit B", PRIM_B);
            add_teacher(f, "XA99", "越界新教师", PRIM_B);
            f->invalid_because[0] = OUTSIDE_UNIT;
            f->invalid_because[1] = TAKEN_FROM_UNIT;
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                       "unit B's teacher XB01, renamed, at its own school %s", UNIT_B);
            add_teacher(f, "XB01", "改名的乙教师", UNIT_B);
            f->invalid_because[0] = OUTSIDE_UNIT;
            f->invalid_because[1] = TAKEN_FROM_UNIT;
            return true;
        case 2:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                       "unit B's teacher XB01 taken over into unit A's school %s", UNIT_A);
            add_teacher(f, "XB01", "被挖走的教师", UNIT_A);
            f->invalid_because[0] = OUTSIDE_UNIT;
            f->invalid_because[1] = TAKEN_FROM_UNIT;
            return true;
        case 3:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                       "district_code %s, a teacher at Y's school %s", DISTRICT_Y, UNIT_Y);
            f->u.import_roster.district_code = DISTRICT_Y;
            add_teacher(f, "XA98", "越界教师", UNIT_Y);
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                   "district_code %s, a new teacher at Y's school %s", DISTRICT_Y, PRIM_Y);
        f->u.import_roster.district_code = DISTRICT_Y;
        add_teacher(f, "YT99", "越界新教师", PRIM_Y);
        return true;
    case 1:
        /* No district named, only a school of Y: the same database check as for a
         * school's unit (INVALID_ARGUMENT, one violation per row), here saying the
         * school is not one of the caller's district. */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                   "a new teacher at Y's school %s, into its own district", PRIM_Y);
        add_teacher(f, "YT98", "越界新教师", PRIM_Y);
        f->invalid_because[0] = "not a school of this district";
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER,
                   "Y's teacher YT01, renamed, at Y's school %s", UNIT_Y);
        add_teacher(f, "YT01", "改名的和平教师", UNIT_Y);
        f->invalid_because[0] = "not a school of this district";
        return true;
    default:
        return false;
    }
}

static bool build_list_roster(enum actor a, int i, struct form *f)
{
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER, "district_code %s", DISTRICT_Y);
        f->u.list_roster.district_code = DISTRICT_Y;
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER, "unit_code %s (district Y)", UNIT_Y);
        f->u.list_roster.unit_code = UNIT_Y;
        return true;
    case 2:
        if (a != ACT_SCHOOL_A)
            return false;
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER, "unit_code %s (unit B)", UNIT_B);
        f->u.list_roster.unit_code = UNIT_B;
        return true;
    default:
        return false;
    }
}

static bool build_transfer(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        if (i > 0)
            return false;
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER,
                   "unit B's teacher XB01 to unit A's school %s", UNIT_A);
        f->u.transfer.teacher_code = "XB01";
        f->u.transfer.to_school_code = UNIT_A;
        return true;
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER,
                   "Y's teacher YT01 to X's school %s", UNIT_A);
        f->u.transfer.teacher_code = "YT01";
        f->u.transfer.to_school_code = UNIT_A;
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER,
                   "X's teacher XA01 to Y's school %s", UNIT_Y);
        f->u.transfer.teacher_code = "XA01";
        f->u.transfer.to_school_code = UNIT_Y;
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER,
                   "Y's teacher YT01 to Y's school %s", PRIM_Y);
        f->u.transfer.teacher_code = "YT01";
        f->u.transfer.to_school_code = PRIM_Y;
        return true;
    default:
        return false;
    }
}

/* What report_check (sql/005) says of a unit that is not one of the caller's district,
 * and of a teacher the district's roster does not know. */
#define NOT_OF_DISTRICT "is not a school of this district"
#define NOT_IN_ROSTER   "is not in the roster of"

static bool build_submit_report(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                       "unit B's report (unit_code %s) with unit B's teacher XB01", UNIT_B);
            f->u.submit.unit_code = UNIT_B;
            add_signin(f, "XB01", NULL);
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                       "district_code %s, no unit (its own)", DISTRICT_Y);
            f->u.submit.district_code = DISTRICT_Y;
            add_signin(f, "XA01", NULL);
            return true;
        case 2:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                       "Y's report (unit_code %s) with Y's teacher YT01", UNIT_Y);
            f->u.submit.unit_code = UNIT_Y;
            add_signin(f, "YT01", NULL);
            return true;
        case 3:
            /* Its own unit, but a sign-in row that names unit B's teacher XB01 with
             * a made-up name: the answer may say the name is wrong, not what the
             * roster of unit B calls that teacher. */
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                       "its own report, unit B's teacher XB01 under a made-up name");
            add_signin(f, "XA01", NULL);
            add_signin(f, "XB01", "猜一个名字");
            f->invalid_because[0] = "check the teacher code";
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                   "district_code %s, Y's unit %s with Y's teacher YT01", DISTRICT_Y, UNIT_Y);
        f->u.submit.district_code = DISTRICT_Y;
        f->u.submit.unit_code = UNIT_Y;
        add_signin(f, "YT01", NULL);
        return true;
    case 1:
        /* No district named, only Y's unit: report_check (sql/005) answers
         * INVALID_ARGUMENT at unit_code, without showing Y's school. */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                   "Y's unit %s with Y's teacher YT01, into its own district", UNIT_Y);
        f->u.submit.unit_code = UNIT_Y;
        add_signin(f, "YT01", NULL);
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT, "Y's primary %s, no teacher",
                   PRIM_Y);
        f->u.submit.unit_code = PRIM_Y;
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 3:
        /* Its own unit A, signing in Y's teachers: unknown to X's roster. */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT,
                   "unit A's report signing in Y's teachers YT01 (named) and YT02");
        f->u.submit.unit_code = UNIT_A;
        add_signin(f, "YT01", "和平教师一");
        add_signin(f, "YT02", NULL);
        f->invalid_because[0] = NOT_IN_ROSTER;
        return true;
    default:
        return false;
    }
}

/* The historical import in bulk: a batch of one report, with what makes it cross-tenant. */
static bool build_submit_batch(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) { /* not its method at all */
        if (i != 0)
            return false;
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH,
                   "a batch of unit B's report (unit_code %s)", UNIT_B);
        f->u.submit.unit_code = UNIT_B;
        add_signin(f, "XB01", NULL);
        return true;
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH,
                   "a batch for district_code %s: Y's unit %s with Y's teacher YT01", DISTRICT_Y,
                   UNIT_Y);
        f->batch.district_code = DISTRICT_Y;
        f->u.submit.unit_code = UNIT_Y;
        add_signin(f, "YT01", NULL);
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH,
                   "a batch of Y's unit %s with Y's teacher YT01, into its own district", UNIT_Y);
        f->u.submit.unit_code = UNIT_Y;
        add_signin(f, "YT01", NULL);
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH,
                   "a batch of unit A's report signing in Y's teachers YT01 (named) and YT02");
        f->u.submit.unit_code = UNIT_A;
        add_signin(f, "YT01", "和平教师一");
        add_signin(f, "YT02", NULL);
        f->invalid_because[0] = NOT_IN_ROSTER;
        return true;
    case 3:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH,
                   "a batch whose report names district_code %s, Y's unit %s", DISTRICT_Y, UNIT_Y);
        f->u.submit.district_code = DISTRICT_Y;
        f->u.submit.unit_code = UNIT_Y;
        add_signin(f, "YT01", NULL);
        f->invalid_because[0] = "the batch is for district";
        f->invalid_because[1] = NOT_OF_DISTRICT;
        return true;
    default:
        return false;
    }
}

static bool build_review_report(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        /* The school role may not review at all: unit B's report, or even its own. */
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT, "approve unit B's report");
            f->u.review.unit_code = UNIT_B;
            f->u.review.action = "approve";
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT, "void unit B's report");
            f->u.review.unit_code = UNIT_B;
            f->u.review.action = "void";
            f->u.review.reason = "越界作废";
            return true;
        case 2:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT, "approve its own report");
            f->u.review.unit_code = UNIT_A;
            f->u.review.action = "approve";
            return true;
        default:
            return false;
        }
    }
    static const char *const actions[] = {"approve", "return", "void", "reopen"};
    if (i < 4) {
        /* Y's report, Y's district named */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT, "%s Y's report, district_code %s",
                   actions[i], DISTRICT_Y);
        f->u.review.district_code = DISTRICT_Y;
        f->u.review.unit_code = UNIT_Y;
        f->u.review.action = (char *)actions[i];
        f->u.review.reason = strcmp(actions[i], "approve") == 0 ? "" : "越界审核";
        return true;
    }
    if (i < 8) {
        /* Y's unit in its own district: there is no such report (NOT_FOUND). */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT, "%s Y's report (unit_code %s)",
                   actions[i - 4], UNIT_Y);
        f->u.review.unit_code = UNIT_Y;
        f->u.review.action = (char *)actions[i - 4];
        f->u.review.reason = strcmp(actions[i - 4], "approve") == 0 ? "" : "越界审核";
        return true;
    }
    return false;
}

/* Every report of a list is one of unit_prefix's (a 6-digit district or a 10-digit unit). */
static bool reports_only_of(const Yanxiu__V1__Envelope *resp, const char *prefix, char *why,
                            size_t whylen)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_LIST) {
        snprintf(why, whylen, "answered %s", yxc_body_name(resp->body_case));
        return false;
    }
    const Yanxiu__V1__ReportList *l = resp->report_list;
    for (size_t i = 0; i < l->n_reports; i++) {
        const Yanxiu__V1__ReportSummary *r = l->reports[i];
        if (strncmp(r->unit_code, prefix, strlen(prefix)) != 0) {
            snprintf(why, whylen, "the list holds the report of unit %s (%s) for %s", r->unit_code,
                     r->unit_name, r->month);
            return false;
        }
    }
    snprintf(why, whylen, "%zu reports, all of %s", l->n_reports, prefix);
    return true;
}

static bool reports_only_of_district_x(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    return reports_only_of(resp, DISTRICT_X, why, whylen);
}

static bool build_list_reports(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "unit_code %s (unit B)", UNIT_B);
            f->u.list_reports.unit_code = UNIT_B;
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "district_code %s", DISTRICT_Y);
            f->u.list_reports.district_code = DISTRICT_Y;
            return true;
        case 2:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "unit_code %s (district Y)",
                       UNIT_Y);
            f->u.list_reports.unit_code = UNIT_Y;
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "district_code %s", DISTRICT_Y);
        f->u.list_reports.district_code = DISTRICT_Y;
        return true;
    case 1:
        /* A unit is a filter of the caller's own district: an empty list (or a refusal). */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "unit_code %s (district Y)", UNIT_Y);
        f->u.list_reports.unit_code = UNIT_Y;
        f->answer_ok = reports_only_of_district_x;
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "every report of %s", SEED_MONTH);
        f->u.list_reports.from_month = SEED_MONTH;
        f->u.list_reports.to_month = SEED_MONTH;
        f->answer_ok = reports_only_of_district_x;
        return true;
    default:
        return false;
    }
}

static bool build_show_report(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "unit B's report (latest)");
            f->u.show.unit_code = UNIT_B;
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "unit B's report, version 1");
            f->u.show.unit_code = UNIT_B;
            f->u.show.version = 1;
            return true;
        case 2:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "its own unit, district_code %s",
                       DISTRICT_Y);
            f->u.show.district_code = DISTRICT_Y;
            return true;
        case 3:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "Y's report (unit_code %s)",
                       UNIT_Y);
            f->u.show.unit_code = UNIT_Y;
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "Y's report, district_code %s",
                   DISTRICT_Y);
        f->u.show.district_code = DISTRICT_Y;
        f->u.show.unit_code = UNIT_Y;
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "Y's report (unit_code %s)", UNIT_Y);
        f->u.show.unit_code = UNIT_Y;
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT,
                   "Y's report (unit_code %s), version 1", UNIT_Y);
        f->u.show.unit_code = UNIT_Y;
        f->u.show.version = 1;
        return true;
    default:
        return false;
    }
}

static bool build_get_policy(enum actor a, int i, struct form *f)
{
    /* GetPolicyRequest names a district only: a school reads its own district's
     * policy (every role), so unit B has no form here. */
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_GET_POLICY, "district_code %s", DISTRICT_Y);
        f->u.get_policy.district_code = DISTRICT_Y;
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_GET_POLICY, "district_code %s, as of %s",
                   DISTRICT_Y, SEED_AS_OF);
        f->u.get_policy.district_code = DISTRICT_Y;
        f->u.get_policy.as_of = SEED_AS_OF;
        return true;
    default:
        return false;
    }
}

static bool build_set_policy(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        /* The school role may not store a policy at all: Y's, or even its own district's. */
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_POLICY, "its own district's policy");
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_POLICY, "district_code %s", DISTRICT_Y);
            f->u.set_policy.district_code = DISTRICT_Y;
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_POLICY, "district_code %s", DISTRICT_Y);
        f->u.set_policy.district_code = DISTRICT_Y;
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_POLICY,
                   "district_code %s, effective 2020-01-01", DISTRICT_Y);
        f->u.set_policy.district_code = DISTRICT_Y;
        f->u.set_policy.effective = "2020-01-01";
        return true;
    default:
        return false;
    }
}

/* The answer to a compliance view filtered on another tenant's unit or school:
 * a list of the right kind that holds nothing (no teacher, unit, group, cell, and
 * no month that expects a report). */
static bool compliance_answer_empty(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    switch (resp->body_case) {
    case YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST: {
        const Yanxiu__V1__ComplianceTeacherList *l = resp->teacher_list;
        if (l->n_teachers) {
            snprintf(why, whylen, "the list holds %zu teachers, the first %s %s of unit %s",
                     l->n_teachers, l->teachers[0]->teacher_code, l->teachers[0]->name,
                     l->teachers[0]->unit_code);
            return false;
        }
        break;
    }
    case YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE: {
        const Yanxiu__V1__ComplianceUnitList *l = resp->unit_compliance;
        if (l->n_units) {
            snprintf(why, whylen, "the list holds %zu units, the first %s %s (%u teachers)",
                     l->n_units, l->units[0]->unit_code, l->units[0]->name, l->units[0]->teachers);
            return false;
        }
        break;
    }
    case YANXIU__V1__ENVELOPE__BODY_GROUP_LIST: {
        const Yanxiu__V1__ComplianceGroupList *l = resp->group_list;
        if (l->n_groups) {
            snprintf(why, whylen, "the list holds %zu groups, the first \"%s\" of unit %s",
                     l->n_groups, l->groups[0]->group, l->groups[0]->unit_code);
            return false;
        }
        break;
    }
    case YANXIU__V1__ENVELOPE__BODY_RATES: {
        const Yanxiu__V1__ReportingRates *r = resp->rates;
        if (r->n_cells) {
            snprintf(why, whylen, "the rates hold %zu cells, the first of unit %s (%s) %s: %s",
                     r->n_cells, r->cells[0]->unit_code, r->cells[0]->unit_name, r->cells[0]->month,
                     vocab_code_of(&vocab_unit_month, r->cells[0]->state));
            return false;
        }
        for (size_t i = 0; i < r->n_months; i++)
            if (r->months[i]->expected || r->months[i]->received) {
                snprintf(why, whylen, "month %s counts %u expected and %u received reports",
                         r->months[i]->month, r->months[i]->expected, r->months[i]->received);
                return false;
            }
        break;
    }
    default:
        snprintf(why, whylen, "answered %s", yxc_body_name(resp->body_case));
        return false;
    }
    snprintf(why, whylen, "an empty %s", yxc_body_name(resp->body_case));
    return true;
}

/* The forms of the four compliance views (one ComplianceQuery each). A school's
 * unit filter is always its own unit: naming another is refused. A district's
 * unit or school filter is one of its own district's: naming Y's unit or school
 * finds nothing there (an empty answer, or a refusal). */
static bool build_compliance_query(Yanxiu__V1__Envelope__BodyCase body, enum actor a, int i,
                                   struct form *f)
{
    const char *name = yxc_body_name(body);
    bool has_school = body == YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS;
    bool rates = body == YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES;
    if (a == ACT_SCHOOL_A) {
        switch (i) {
        case 0:
            form_begin(f, body, "%s of unit_code %s (unit B)", name, UNIT_B);
            f->u.query.unit_code = UNIT_B;
            return true;
        case 1:
            /* the rates of one month instead of a year; the other views' official results */
            form_begin(f, body, "%s of unit_code %s (unit B), %s", name, UNIT_B,
                       rates ? "month " SEED_MONTH : "approved only");
            f->u.query.unit_code = UNIT_B;
            if (rates)
                f->u.query.month = SEED_MONTH;
            else
                f->u.query.approved_only = true;
            return true;
        case 2:
            form_begin(f, body, "%s of district_code %s", name, DISTRICT_Y);
            f->u.query.district_code = DISTRICT_Y;
            return true;
        case 3:
            form_begin(f, body, "%s of unit_code %s (district Y)", name, UNIT_Y);
            f->u.query.unit_code = UNIT_Y;
            return true;
        case 4:
            if (!has_school)
                return false;
            /* no unit named (its own), a school of unit B: nothing */
            form_begin(f, body, "%s of school_code %s (unit B)", name, PRIM_B);
            f->u.query.school_code = PRIM_B;
            f->answer_ok = compliance_answer_empty;
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, body, "%s of district_code %s", name, DISTRICT_Y);
        f->u.query.district_code = DISTRICT_Y;
        return true;
    case 1:
        form_begin(f, body, "%s of district_code %s, unit_code %s", name, DISTRICT_Y, UNIT_Y);
        f->u.query.district_code = DISTRICT_Y;
        f->u.query.unit_code = UNIT_Y;
        return true;
    case 2:
        form_begin(f, body, "%s of unit_code %s (district Y), in its own district", name, UNIT_Y);
        f->u.query.unit_code = UNIT_Y;
        f->answer_ok = compliance_answer_empty;
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 3:
        if (!has_school)
            return false;
        form_begin(f, body, "%s of school_code %s (district Y), in its own district", name, PRIM_Y);
        f->u.query.school_code = PRIM_Y;
        f->answer_ok = compliance_answer_empty;
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    default:
        return false;
    }
}

static bool build_compliance_teachers(enum actor a, int i, struct form *f)
{
    return build_compliance_query(YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, a, i, f);
}

static bool build_compliance_units(enum actor a, int i, struct form *f)
{
    return build_compliance_query(YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS, a, i, f);
}

static bool build_compliance_groups(enum actor a, int i, struct form *f)
{
    return build_compliance_query(YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS, a, i, f);
}

static bool build_reporting_rates(enum actor a, int i, struct form *f)
{
    return build_compliance_query(YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES, a, i, f);
}

static bool build_teacher_history(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        /* Another unit's teacher is not in the school's roster: NOT_FOUND. */
        static const char *const codes[] = {"XB01", "XB02", "YT01"};
        if (i < 3) {
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY, "teacher %s (%s)", codes[i],
                       i < 2 ? "unit B" : "district Y");
            f->u.history.teacher_code = (char *)codes[i];
            return true;
        }
        if (i > 3)
            return false;
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY,
                   "district_code %s, Y's teacher YT01", DISTRICT_Y);
        f->u.history.district_code = DISTRICT_Y;
        f->u.history.teacher_code = "YT01";
        return true;
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY,
                   "district_code %s, Y's teacher YT01", DISTRICT_Y);
        f->u.history.district_code = DISTRICT_Y;
        f->u.history.teacher_code = "YT01";
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY,
                   "Y's teacher YT01, in its own district");
        f->u.history.teacher_code = "YT01";
        return true;
    case 2:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY,
                   "Y's teacher YT02, in its own district");
        f->u.history.teacher_code = "YT02";
        return true;
    default:
        return false;
    }
}

/* What scores_import (sql/007) says of a teacher another district's, or another unit's,
 * and of a unit not of the caller's district. */
#define NOT_OF_YOUR_UNIT   "is not a teacher of your unit"
#define NOT_A_UNIT_OF_DIST "is not a reporting unit of district"

static bool build_set_scheme(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        /* The school role may not store a scheme at all: Y's, or even its own district's. */
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_SCHEME, "its own district's scheme %s",
                       SCHEME_X);
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_SCHEME, "district_code %s, scheme %s",
                       DISTRICT_Y, SCHEME_Y);
            f->u.set_scheme.district_code = DISTRICT_Y;
            f->u.set_scheme.ini = SCHEME_INI(SCHEME_Y, "teacher", "");
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_SCHEME, "district_code %s, a new scheme",
                   DISTRICT_Y);
        f->u.set_scheme.district_code = DISTRICT_Y;
        f->u.set_scheme.ini = SCHEME_INI("越界考核", "teacher", "");
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_SET_SCHEME,
                   "district_code %s, Y's scheme %s replaced (target unit, without %s)", DISTRICT_Y,
                   SCHEME_Y, ITEM_Y);
        f->u.set_scheme.district_code = DISTRICT_Y;
        f->u.set_scheme.ini = SCHEME_INI(SCHEME_Y, "unit", "");
        return true;
    default:
        return false;
    }
}

/* A scheme list of district X's schemes only (schemes are the district's: its
 * schools read them too). */
static bool schemes_only_of_district_x(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST) {
        snprintf(why, whylen, "answered %s", yxc_body_name(resp->body_case));
        return false;
    }
    const Yanxiu__V1__SchemeList *l = resp->scheme_list;
    for (size_t i = 0; i < l->n_schemes; i++) {
        const Yanxiu__V1__Scheme *s = l->schemes[i];
        bool x = strcmp(s->name, SCHEME_X) == 0 || strcmp(s->name, SCHEME_X_UNIT) == 0;
        bool y_item = false;
        for (size_t k = 0; k < s->n_items; k++)
            y_item = y_item || strcmp(s->items[k]->name, ITEM_Y) == 0;
        if (!x || y_item || strstr(s->ini, ITEM_Y) || strstr(s->ini, SCHEME_Y)) {
            snprintf(why, whylen, "the list holds scheme \"%s\" (%s, %zu items), not one of %s's",
                     s->name, s->target, s->n_items, DISTRICT_X);
            return false;
        }
    }
    snprintf(why, whylen, "%zu schemes, all of district %s", l->n_schemes, DISTRICT_X);
    return true;
}

static bool build_list_schemes(enum actor a, int i, struct form *f)
{
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES, "district_code %s", DISTRICT_Y);
        f->u.list_schemes.district_code = DISTRICT_Y;
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES, "district_code %s, scheme %s",
                   DISTRICT_Y, SCHEME_Y);
        f->u.list_schemes.district_code = DISTRICT_Y;
        f->u.list_schemes.name = SCHEME_Y;
        return true;
    case 2:
        /* A name that exists in Y only: scheme names resolve in one's own district. */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES, "scheme %s (district Y's only)",
                   SCHEME_Y);
        f->u.list_schemes.name = SCHEME_Y;
        return true;
    case 3:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES, "every scheme");
        f->answer_ok = schemes_only_of_district_x;
        return true;
    default:
        return false;
    }
}

static bool build_import_scores(enum actor a, int i, struct form *f)
{
    if (a == ACT_SCHOOL_A) {
        /* A school enters scores of its own unit's teachers only, of teacher schemes
         * only: another unit's teacher is a violation of its row (all rows are
         * checked at once, INVALID_ARGUMENT), a unit scheme is refused outright. */
        switch (i) {
        case 0:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                       "scheme %s, unit B's teacher XB01", SCHEME_X);
            f->u.import_scores.scheme = SCHEME_X;
            add_score(f, "XB01", ITEM_1, 1);
            add_score(f, "XB01", ITEM_2, 1);
            f->invalid_because[0] = NOT_OF_YOUR_UNIT;
            return true;
        case 1:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                       "scheme %s, its own XA01 and unit B's XB02 (at %s)", SCHEME_X, PRIM_B);
            f->u.import_scores.scheme = SCHEME_X;
            add_score(f, "XA01", ITEM_1, 9);
            add_score(f, "XB02", ITEM_1, 1);
            f->invalid_because[0] = NOT_OF_YOUR_UNIT;
            return true;
        case 2:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES, "unit scheme %s, unit B (%s)",
                       SCHEME_X_UNIT, UNIT_B);
            f->u.import_scores.scheme = SCHEME_X_UNIT;
            add_score(f, UNIT_B, ITEM_1, 1);
            return true;
        case 3:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                       "unit scheme %s, its own unit %s", SCHEME_X_UNIT, UNIT_A);
            f->u.import_scores.scheme = SCHEME_X_UNIT;
            add_score(f, UNIT_A, ITEM_1, 10);
            return true;
        case 4:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                       "district_code %s, scheme %s, Y's teacher YT01", DISTRICT_Y, SCHEME_Y);
            f->u.import_scores.district_code = DISTRICT_Y;
            f->u.import_scores.scheme = SCHEME_Y;
            add_score(f, "YT01", ITEM_1, 1);
            return true;
        case 5:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                       "scheme %s (district Y's only), Y's teacher YT01", SCHEME_Y);
            f->u.import_scores.scheme = SCHEME_Y;
            add_score(f, "YT01", ITEM_1, 1);
            return true;
        case 6:
            form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES, "scheme %s, Y's teacher YT01",
                       SCHEME_X);
            f->u.import_scores.scheme = SCHEME_X;
            add_score(f, "YT01", ITEM_1, 1);
            /* a school hears the same whether the code exists elsewhere or not */
            f->invalid_because[0] = NOT_OF_YOUR_UNIT;
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                   "district_code %s, scheme %s, Y's teachers YT01 and YT02", DISTRICT_Y, SCHEME_Y);
        f->u.import_scores.district_code = DISTRICT_Y;
        f->u.import_scores.scheme = SCHEME_Y;
        add_score(f, "YT01", ITEM_1, 1);
        add_score(f, "YT02", ITEM_Y, 1);
        return true;
    case 1:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                   "scheme %s (district Y's only), Y's teacher YT01", SCHEME_Y);
        f->u.import_scores.scheme = SCHEME_Y;
        add_score(f, "YT01", ITEM_1, 1);
        return true;
    case 2:
        /* Its own scheme, Y's teachers: unknown to X's roster. */
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                   "its own scheme %s, Y's teachers YT01 and YT02", SCHEME_X);
        f->u.import_scores.scheme = SCHEME_X;
        add_score(f, "YT01", ITEM_1, 1);
        add_score(f, "YT02", ITEM_2, 1);
        f->invalid_because[0] = NOT_IN_ROSTER;
        return true;
    case 3:
        form_begin(f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES,
                   "its own unit scheme %s, Y's unit %s", SCHEME_X_UNIT, UNIT_Y);
        f->u.import_scores.scheme = SCHEME_X_UNIT;
        add_score(f, UNIT_Y, ITEM_1, 1);
        f->invalid_because[0] = NOT_A_UNIT_OF_DIST;
        return true;
    default:
        return false;
    }
}

/* Every subject of an assessment answer is of `prefix` (a 6-digit district or a
 * 10-digit unit), and none is one of `foreign` (codes) or named one of `names`. */
static bool results_only_of(const Yanxiu__V1__Envelope *resp, const char *prefix,
                            const char *const *foreign, const char *const *names, char *why,
                            size_t whylen)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ASSESSMENT) {
        snprintf(why, whylen, "answered %s", yxc_body_name(resp->body_case));
        return false;
    }
    const Yanxiu__V1__AssessmentResults *l = resp->assessment;
    if (strcmp(l->scheme, SCHEME_Y) == 0) {
        snprintf(why, whylen, "the results are of Y's scheme %s", l->scheme);
        return false;
    }
    for (size_t i = 0; i < l->n_results; i++) {
        const Yanxiu__V1__AssessmentResult *r = l->results[i];
        bool bad = strncmp(r->unit_code, prefix, strlen(prefix)) != 0;
        for (const char *const *c = foreign; *c; c++)
            bad = bad || strcmp(r->subject_code, *c) == 0;
        for (const char *const *n = names; *n; n++)
            bad = bad || strcmp(r->name, *n) == 0;
        if (bad) {
            snprintf(why, whylen, "the results hold %s %s of unit %s (%g points, %s)",
                     r->subject_code, r->name, r->unit_code, r->score, r->grade);
            return false;
        }
    }
    snprintf(why, whylen, "%zu results of scheme %s, all of %s", l->n_results, l->scheme, prefix);
    return true;
}

static const char *const SUBJECTS_OF_Y[] = {"YT01", "YT02", UNIT_Y, PRIM_Y, NULL};
static const char *const SUBJECTS_OF_B_AND_Y[] = {"XB01", "XB02", UNIT_B, PRIM_B, "YT01",
                                                  "YT02", UNIT_Y, PRIM_Y, NULL};

static bool results_only_of_district_x(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    return results_only_of(resp, DISTRICT_X, SUBJECTS_OF_Y, FOREIGN_TO_DISTRICT_X, why, whylen);
}

static bool results_only_of_unit_a(const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    return results_only_of(resp, UNIT_A, SUBJECTS_OF_B_AND_Y, FOREIGN_TO_SCHOOL_A, why, whylen);
}

static bool build_assessment_results(enum actor a, int i, struct form *f)
{
    const Yanxiu__V1__Envelope__BodyCase body = YANXIU__V1__ENVELOPE__BODY_ASSESSMENT_RESULTS;
    if (a == ACT_SCHOOL_A) {
        switch (i) {
        case 0:
            form_begin(f, body, "scheme %s, unit_code %s (unit B)", SCHEME_X, UNIT_B);
            f->u.assessment.scheme = SCHEME_X;
            f->u.assessment.unit_code = UNIT_B;
            return true;
        case 1:
            form_begin(f, body, "unit scheme %s, unit_code %s (unit B)", SCHEME_X_UNIT, UNIT_B);
            f->u.assessment.scheme = SCHEME_X_UNIT;
            f->u.assessment.unit_code = UNIT_B;
            return true;
        case 2:
            form_begin(f, body, "district_code %s, scheme %s", DISTRICT_Y, SCHEME_Y);
            f->u.assessment.district_code = DISTRICT_Y;
            f->u.assessment.scheme = SCHEME_Y;
            return true;
        case 3:
            form_begin(f, body, "scheme %s, unit_code %s (district Y)", SCHEME_X, UNIT_Y);
            f->u.assessment.scheme = SCHEME_X;
            f->u.assessment.unit_code = UNIT_Y;
            return true;
        case 4:
            form_begin(f, body, "scheme %s (district Y's only)", SCHEME_Y);
            f->u.assessment.scheme = SCHEME_Y;
            return true;
        case 5:
            /* no unit named (its own): unit A's teachers only */
            form_begin(f, body, "scheme %s, every teacher it may see", SCHEME_X);
            f->u.assessment.scheme = SCHEME_X;
            f->answer_ok = results_only_of_unit_a;
            return true;
        case 6:
            form_begin(f, body, "scheme %s, approved only", SCHEME_X);
            f->u.assessment.scheme = SCHEME_X;
            f->u.assessment.approved_only = true;
            f->answer_ok = results_only_of_unit_a;
            return true;
        case 7:
            form_begin(f, body, "unit scheme %s, every unit it may see", SCHEME_X_UNIT);
            f->u.assessment.scheme = SCHEME_X_UNIT;
            f->answer_ok = results_only_of_unit_a;
            return true;
        default:
            return false;
        }
    }
    switch (i) {
    case 0:
        form_begin(f, body, "district_code %s (its only scheme)", DISTRICT_Y);
        f->u.assessment.district_code = DISTRICT_Y;
        return true;
    case 1:
        form_begin(f, body, "district_code %s, scheme %s", DISTRICT_Y, SCHEME_Y);
        f->u.assessment.district_code = DISTRICT_Y;
        f->u.assessment.scheme = SCHEME_Y;
        return true;
    case 2:
        form_begin(f, body, "scheme %s (district Y's only)", SCHEME_Y);
        f->u.assessment.scheme = SCHEME_Y;
        return true;
    case 3:
        form_begin(f, body, "scheme %s, unit_code %s (district Y), in its own district", SCHEME_X,
                   UNIT_Y);
        f->u.assessment.scheme = SCHEME_X;
        f->u.assessment.unit_code = UNIT_Y;
        f->answer_ok = results_only_of_district_x;
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 4:
        form_begin(f, body, "unit scheme %s, unit_code %s (district Y), in its own district",
                   SCHEME_X_UNIT, UNIT_Y);
        f->u.assessment.scheme = SCHEME_X_UNIT;
        f->u.assessment.unit_code = UNIT_Y;
        f->answer_ok = results_only_of_district_x;
        f->invalid_because[0] = NOT_OF_DISTRICT;
        return true;
    case 5:
        form_begin(f, body, "scheme %s, every teacher", SCHEME_X);
        f->u.assessment.scheme = SCHEME_X;
        f->answer_ok = results_only_of_district_x;
        return true;
    case 6:
        form_begin(f, body, "unit scheme %s, every unit", SCHEME_X_UNIT);
        f->u.assessment.scheme = SCHEME_X_UNIT;
        f->answer_ok = results_only_of_district_x;
        return true;
    default:
        return false;
    }
}

/* The workbooks the daemon makes run the views' own requests: each form names another
 * tenant's unit, district or teacher, as the views' forms do (a success would be a
 * workbook, so only the forms the views refuse are here). */
static bool build_workbook(enum actor a, int i, struct form *f)
{
    static const struct {
        Yanxiu__V1__WorkbookKind kind;
        const char *district, *unit, *teacher;
    } school[] =
        {
            {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE, "", UNIT_B, ""},
            {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_TEACHER_HISTORY, "", "", "XB01"},
            {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_TEACHERS, "", UNIT_B, ""},
            {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_UNITS, "", UNIT_B, ""},
            {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORTING_RATES, "", UNIT_B, ""},
            {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE, DISTRICT_Y, "", ""},
        },
      district[] = {
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE, DISTRICT_Y, UNIT_Y, ""},
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE, "", UNIT_Y, ""},
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_TEACHERS, DISTRICT_Y, "", ""},
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_UNITS, DISTRICT_Y, "", ""},
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORTING_RATES, DISTRICT_Y, "", ""},
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_TEACHER_HISTORY, "", "", "YT01"},
          {YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_TEACHER_HISTORY, DISTRICT_Y, "", "YT01"},
      };
    bool is_school = a == ACT_SCHOOL_A;
    size_t n = is_school ? N_OF(school) : N_OF(district);
    if (i < 0 || (size_t)i >= n)
        return false;
    const char *d = is_school ? school[i].district : district[i].district;
    const char *u = is_school ? school[i].unit : district[i].unit;
    const char *t = is_school ? school[i].teacher : district[i].teacher;
    Yanxiu__V1__WorkbookKind kind = is_school ? school[i].kind : district[i].kind;
    form_begin(f, YANXIU__V1__ENVELOPE__BODY_WORKBOOK,
               "workbook kind %d, district \"%s\" unit \"%s\" teacher \"%s\"", (int)kind, d, u, t);
    f->u.workbook.kind = kind;
    f->u.workbook.teacher_code = (char *)t;
    f->wb_query.district_code = (char *)d;
    f->wb_query.unit_code = (char *)u;
    return true;
}

/* --- THE TABLE: one row per RPC that needs a session ------------------------------- */

#define CODE_BIT(c) (1u << (c))
#define DENIED                                                                                     \
    (CODE_BIT(YANXIU__V1__CODE__PERMISSION_DENIED) | CODE_BIT(YANXIU__V1__CODE__NOT_FOUND))
/* Logout and WhoAmI act only on the caller's own session: they have no
 * cross-tenant form. Their row asserts that WhoAmI only ever answers the
 * caller's own identity and Logout ends only the caller's own session. */
#define OWN_SESSION_ONLY (1u << 31)

/* The daemon's methods, from the file its dispatch table is built from. */
struct method {
    Yanxiu__V1__Envelope__BodyCase body;
    const char *name;
    unsigned roles; /* the roles allowed (R_*); 0: no session needed */
};
static const struct method METHODS[] = {
#define YX_METHOD(body, name, roles, handler) {YANXIU__V1__ENVELOPE__BODY_##body, name, roles},
#include "methods.def"
};

static const struct method *method_of(Yanxiu__V1__Envelope__BodyCase body)
{
    for (size_t i = 0; i < N_OF(METHODS); i++)
        if (METHODS[i].body == body)
            return &METHODS[i];
    fail_msg("body case %d is not a method of daemon/methods.def", (int)body);
    return NULL;
}

struct rpc_row {
    Yanxiu__V1__Envelope__BodyCase body; /* its method in daemon/methods.def */
    bool (*build)(enum actor a, int i, struct form *f);
    /* what a caller whose role may call it gets (a role that may not: PERMISSION_DENIED) */
    unsigned expect;
};

static const struct rpc_row RPCS[] = {
    {YANXIU__V1__ENVELOPE__BODY_LOGOUT, build_logout, OWN_SESSION_ONLY},
    {YANXIU__V1__ENVELOPE__BODY_WHOAMI, build_whoami, OWN_SESSION_ONLY},
    {YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY, build_audit, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS, build_import_units, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_LIST_UNITS, build_list_units, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER, build_import_roster, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER, build_list_roster, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER, build_transfer, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT, build_submit_report, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH, build_submit_batch, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT, build_review_report, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, build_list_reports, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, build_show_report, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_GET_POLICY, build_get_policy, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_SET_POLICY, build_set_policy, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, build_compliance_teachers, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS, build_compliance_units, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS, build_compliance_groups, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES, build_reporting_rates, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY, build_teacher_history, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_SET_SCHEME, build_set_scheme, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES, build_list_schemes, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES, build_import_scores, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_ASSESSMENT_RESULTS, build_assessment_results, DENIED},
    {YANXIU__V1__ENVELOPE__BODY_WORKBOOK, build_workbook, DENIED},
};

/* --- calls, snapshots ------------------------------------------------------------------ */

/* Sends env on c and returns the answer (asserts the I/O). */
static Yanxiu__V1__Envelope *call(struct yxc *c, Yanxiu__V1__Envelope *env)
{
    struct yxc_error err;
    uint64_t id;
    if (!yxc_send(c, env, &id, &err))
        fail_msg("sending %s: %s", yxc_body_name(env->body_case), err.message);
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_await(c, id, &resp, &err))
        fail_msg("awaiting the answer to %s: %s", yxc_body_name(env->body_case), err.message);
    return resp;
}

/* The answer, for messages: "CODE: message [path: reason; ...]" or the body's name. */
static void describe(const Yanxiu__V1__Envelope *resp, char *out, size_t cap)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || !resp->error) {
        long n = resp->body_case == YANXIU__V1__ENVELOPE__BODY_ROSTER_LIST
                     ? (long)resp->roster_list->n_teachers
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_UNIT_LIST
                     ? (long)resp->unit_list->n_units
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST
                     ? (long)resp->audit_list->n_entries
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_REPORT_LIST
                     ? (long)resp->report_list->n_reports
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST
                     ? (long)resp->teacher_list->n_teachers
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE
                     ? (long)resp->unit_compliance->n_units
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_GROUP_LIST
                     ? (long)resp->group_list->n_groups
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_RATES ? (long)resp->rates->n_cells
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_HISTORY
                     ? (long)resp->history->n_records
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST
                     ? (long)resp->scheme_list->n_schemes
                 : resp->body_case == YANXIU__V1__ENVELOPE__BODY_ASSESSMENT
                     ? (long)resp->assessment->n_results
                     : -1;
        if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_POLICY)
            snprintf(out, cap, "a success (%s of district %s, version %u)",
                     yxc_body_name(resp->body_case), resp->policy->district_code,
                     resp->policy->version);
        else if (n >= 0)
            snprintf(out, cap, "a success (%s of %ld rows)", yxc_body_name(resp->body_case), n);
        else
            snprintf(out, cap, "a success (%s)", yxc_body_name(resp->body_case));
        return;
    }
    const Yanxiu__V1__Error *e = resp->error;
    size_t n = (size_t)snprintf(out, cap, "%s: %s", frame_code_name((int)e->code),
                                e->message ? e->message : "");
    for (size_t i = 0; i < e->n_violations && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s %s: %s", i ? ";" : " [", e->violations[i]->path,
                              e->violations[i]->message);
    if (e->n_violations && n < cap)
        snprintf(out + n, cap - n, "]");
}

static char *psql_ok(bool as_daemon_role, const char *sql)
{
    int st;
    char *full = NULL;
    if (asprintf(&full, "\\set ON_ERROR_STOP on\n%s", sql) < 0)
        fail_msg("out of memory");
    char *out = it_psql(as_daemon_role, &st, full);
    free(full);
    if (st != 0)
        fail_msg("psql as %s failed (status %d): %s",
                 as_daemon_role ? "the daemon's role" : "superuser", st, out);
    return out;
}

/* What a request could have written, read as the superuser. The audit log is
 * kept apart: Logout writes its own entry. */
struct snap {
    char *data;     /* every tenant table but the audit log: counts, newest update, digest */
    long audit_max; /* highest audit_log id */
    long audit_count;
};

static void snap_take(struct snap *s)
{
    char *out = psql_ok(
        false,
        "SELECT 'schools', count(*), coalesce(max(updated_at)::text, ''), "
        "md5(coalesce(string_agg(s::text, ',' ORDER BY code), '')) FROM schools s;\n"
        "SELECT 'teachers', count(*), coalesce(max(updated_at)::text, ''), "
        "md5(coalesce(string_agg(t::text, ',' ORDER BY district_code, code), '')) FROM teachers "
        "t;\n"
        "SELECT 'users', count(*), md5(coalesce(string_agg(concat_ws('/', name, role, "
        "district_code, unit_code, disabled, pw_hash), ',' ORDER BY id), '')) FROM users;\n"
        "SELECT 'districts', count(*), md5(coalesce(string_agg(d::text, ',' ORDER BY code), '')) "
        "FROM districts d;\n"
        "SELECT 'reports', count(*), md5(coalesce(string_agg(r::text, ',' ORDER BY id), '')) "
        "FROM reports r;\n"
        "SELECT 'report_versions', count(*), md5(coalesce(string_agg(v::text, ',' ORDER BY "
        "report_id, version), '')) FROM report_versions v;\n"
        "SELECT 'activities', count(*) FROM activities;\n"
        "SELECT 'attendance', count(*) FROM attendance;\n"
        "SELECT 'external_records', count(*) FROM external_records;\n"
        "SELECT 'report_flags', count(*) FROM report_flags;\n"
        "SELECT 'report_events', count(*) FROM report_events;\n"
        "SELECT 'ledger', count(*), md5(coalesce(string_agg(l::text, ',' ORDER BY l::text), '')) "
        "FROM ledger l;\n"
        "SELECT 'ledger_months', count(*), md5(coalesce(string_agg(l::text, ',' ORDER BY "
        "l::text), '')) FROM ledger_months l;\n"
        "SELECT 'policies', count(*), md5(coalesce(string_agg(p::text, ',' ORDER BY "
        "district_code, version), '')) FROM policies p;\n"
        "SELECT 'assessment_schemes', count(*), md5(coalesce(string_agg(s::text, ',' ORDER BY "
        "district_code, name), '')) FROM assessment_schemes s;\n"
        "SELECT 'assessment_items', count(*), md5(coalesce(string_agg(i::text, ',' ORDER BY "
        "district_code, scheme, item), '')) FROM assessment_items i;\n"
        "SELECT 'assessment_grades', count(*), md5(coalesce(string_agg(g::text, ',' ORDER BY "
        "district_code, scheme, grade), '')) FROM assessment_grades g;\n"
        "SELECT 'assessment_scores', count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY "
        "district_code, scheme, year, subject_code, item), '')) FROM assessment_scores x;\n"
        "SELECT count(*), coalesce(max(id), 0) FROM audit_log;\n");
    /* The last line is the audit log's. */
    char *last = out + strlen(out);
    while (last > out && last[-1] == '\n')
        *--last = '\0';
    char *nl = strrchr(out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    if (sscanf(nl + 1, "%ld|%ld", &s->audit_count, &s->audit_max) != 2)
        fail_msg("unexpected audit_log line: %s", nl + 1);
    s->data = out;
}

static void snap_free(struct snap *s)
{
    free(s->data);
    s->data = NULL;
}

/* Appends to `fails` (and prints) one failure; the tests report them all at the end. */
struct fails {
    int n;
    char first[2048];
};

static void fails_add(struct fails *fl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fails_add(struct fails *fl, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printf("FAIL: %s\n", msg);
    if (fl->n++ == 0)
        snprintf(fl->first, sizeof(fl->first), "%s", msg);
}

static void fails_end(const struct fails *fl, const char *what)
{
    if (fl->n)
        fail_msg("%d %s failed (each listed above with FAIL); the first: %s", fl->n, what,
                 fl->first);
}

/* Compares two snapshots; `audit_may_grow_by` entries of `own_user` only are allowed. */
static bool snap_same(const struct snap *before, const struct snap *after, const char *own_user,
                      char *why, size_t whylen)
{
    if (strcmp(before->data, after->data) != 0) {
        snprintf(why, whylen, "tables changed:\n--- before\n%s\n--- after\n%s", before->data,
                 after->data);
        return false;
    }
    if (after->audit_max == before->audit_max && after->audit_count == before->audit_count)
        return true;
    if (!own_user) {
        snprintf(why, whylen,
                 "audit_log changed: %ld rows (max id %ld) before, %ld (max id %ld) after",
                 before->audit_count, before->audit_max, after->audit_count, after->audit_max);
        return false;
    }
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FILTER (WHERE user_name <> '%s'), count(*) FROM audit_log "
             "WHERE id > %ld;",
             own_user, before->audit_max);
    char *out = psql_ok(false, sql);
    long others = -1, all = -1;
    bool ok = sscanf(out, "%ld|%ld", &others, &all) == 2 && others == 0 &&
              after->audit_count - before->audit_count == all;
    if (!ok)
        snprintf(why, whylen, "audit_log got entries of someone else than %s: %s", own_user, out);
    free(out);
    return ok;
}

/* --- setup ------------------------------------------------------------------------------ */

static void import_units_as(const struct account *a, const struct school *s, size_t n)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS, "seed units");
    for (size_t i = 0; i < n; i++)
        add_unit(&f, s[i].code, s[i].name, s[i].kind, s[i].central);
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &f.env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT)
        fail_msg("ImportUnits as %s: %s", a->name, d);
    assert_int_equal(resp->import_result->created, n);
    yxc_free(resp);
}

static void import_roster_as(const struct account *a, const struct teacher *t, size_t n)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER, "seed roster");
    for (size_t i = 0; i < n; i++)
        add_teacher(&f, t[i].code, t[i].name, t[i].school);
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &f.env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT)
        fail_msg("ImportRoster as %s: %s", a->name, d);
    assert_int_equal(resp->import_result->created, n);
    yxc_free(resp);
}

/* The seeded report of a unit: five activities with the same sign-in list, one
 * external record; submitted by the unit's own school account. */
static void seed_report(const struct account *a, const char *const *teachers, size_t n)
{
    Yanxiu__V1__SubmitReportRequest *r = it_report_new("", SEED_MONTH, 5, teachers, n);
    it_report_add_external(r, teachers[0], SEED_DAY, "国家智慧教育平台暑期研修", 10);
    Yanxiu__V1__Envelope env;
    it_env_submit(&env, r);
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY)
        fail_msg("SubmitReport as %s: %s", a->name, d);
    assert_int_equal(resp->report_reply->version, 1);
    assert_true(resp->report_reply->flag_count >= 1); /* identical_signin */
    yxc_free(resp);
    it_report_free(r);
}

static uint32_t set_policy(const struct account *a, const char *district, const char *ini);

/* SetScheme as a district account, of its own district. */
static void set_scheme_as(const struct account *a, const char *name, const char *ini)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_SET_SCHEME, "seed scheme");
    f.u.set_scheme.ini = (char *)ini;
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &f.env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST ||
        resp->scheme_list->n_schemes != 1)
        fail_msg("SetScheme %s as %s: %s", name, a->name, d);
    assert_string_equal(resp->scheme_list->schemes[0]->name, name);
    yxc_free(resp);
}

/* ImportScores of SEED_YEAR as a: both items of the two subjects (scheme "": the only one). */
static void import_scores_as(const struct account *a, const char *scheme, const char *s1,
                             const char *s2)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES, "seed scores");
    f.u.import_scores.scheme = (char *)scheme;
    add_score(&f, s1, ITEM_1, 8);
    add_score(&f, s1, ITEM_2, 25);
    add_score(&f, s2, ITEM_1, 6);
    add_score(&f, s2, ITEM_2, 15);
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &f.env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT)
        fail_msg("ImportScores (scheme \"%s\") as %s: %s", scheme, a->name, d);
    assert_int_equal(resp->import_result->created, 4);
    yxc_free(resp);
}

static int setup(void **state)
{
    arm(state);
    it_add_district(DISTRICT_X, "东城区");
    it_add_district(DISTRICT_Y, "和平区");
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++) {
        const struct account *a = ACCOUNTS[i];
        it_add_user(a->name, a->role, a->district, a->unit, a->password);
    }
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++)
        conns[i] = it_login(ACCOUNTS[i]->name, ACCOUNTS[i]->password, NULL);
    /* Seeded through the protocol, as each district. */
    import_units_as(&DIST_X, SCHOOLS_X, N_OF(SCHOOLS_X));
    import_units_as(&DIST_Y, SCHOOLS_Y, N_OF(SCHOOLS_Y));
    import_roster_as(&DIST_X, TEACHERS_X, N_OF(TEACHERS_X));
    import_roster_as(&DIST_Y, TEACHERS_Y, N_OF(TEACHERS_Y));
    static const char *const team_a[] = {"XA01", "XA02"}, *const team_b[] = {"XB01", "XB02"},
                             *const team_y[] = {"YT01", "YT02"};
    seed_report(&SCHOOL_A, team_a, 2);
    seed_report(&SCHOOL_B, team_b, 2);
    seed_report(&SCHOOL_Y, team_y, 2);
    /* A policy of each district's own (the policies the wall hides, too). */
    set_policy(&DIST_X, "", POLICY_INI_X);
    set_policy(&DIST_Y, "", POLICY_INI_Y);
    /* Assessment schemes of each district's own, and scores: each school enters its
     * own teachers', district X its units', school Y into its district's only scheme. */
    set_scheme_as(&DIST_X, SCHEME_X, SCHEME_INI_X);
    set_scheme_as(&DIST_X, SCHEME_X_UNIT, SCHEME_INI_X_UNIT);
    set_scheme_as(&DIST_Y, SCHEME_Y, SCHEME_INI_Y);
    import_scores_as(&SCHOOL_A, SCHEME_X, "XA01", "XA02");
    import_scores_as(&SCHOOL_B, SCHEME_X, "XB01", "XB02");
    import_scores_as(&DIST_X, SCHEME_X_UNIT, UNIT_A, UNIT_B);
    import_scores_as(&SCHOOL_Y, "", "YT01", "YT02");
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

/* --- the table covers the daemon -------------------------------------------------------- */

static void table_lists_every_rpc_of_the_daemon(void **state)
{
    bool seen[N_OF(RPCS)] = {0};
    char missing[1024] = "";
    int n_missing = 0;
    for (size_t i = 0; i < N_OF(METHODS); i++) {
        const struct method *m = &METHODS[i];
        size_t k = 0;
        while (k < N_OF(RPCS) && RPCS[k].body != m->body)
            k++;
        if (m->roles == 0) {
            printf("%-16s no session needed: not in the table\n", m->name);
            if (k < N_OF(RPCS))
                fail_msg("%s needs no session in daemon/methods.def but has a row in RPCS[]",
                         m->name);
        } else if (k == N_OF(RPCS)) {
            printf("%-16s MISSING from RPCS[] (test_tenancy.c): add its row\n", m->name);
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof(missing) - len, "%s%s", n_missing ? ", " : "", m->name);
            n_missing++;
        } else {
            seen[k] = true;
            printf("%-16s roles %u (daemon/methods.def): has its row\n", m->name, m->roles);
        }
    }
    assert_true(N_OF(METHODS) >= 8);
    if (n_missing)
        fail_msg("%d method(s) of daemon/methods.def have no row in RPCS[] (test_tenancy.c): %s",
                 n_missing, missing);
    for (size_t k = 0; k < N_OF(RPCS); k++)
        if (!seen[k])
            fail_msg("RPCS[] has a second row for %s", method_of(RPCS[k].body)->name);
}

/* --- reads inside one's own scope (the control: the refusals are not just broken requests) */

static Yanxiu__V1__Envelope *list_roster(const struct account *a, const char *unit)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER, "own roster");
    f.u.list_roster.unit_code = (char *)unit;
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &f.env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ROSTER_LIST)
        fail_msg("ListRoster as %s (unit \"%s\"): %s", a->name, unit, d);
    return resp;
}

/* The teacher codes of a roster list, sorted by the server, joined with spaces. */
static void codes_of(const Yanxiu__V1__RosterList *l, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->n_teachers && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "", l->teachers[i]->teacher_code);
}

static void own_scope_reads_see_only_own_rows(void **state)
{
    char codes[512];
    struct {
        const struct account *who;
        const char *unit;
        const char *expect;
    } cases[] = {
        {&DIST_X, "", "XA01 XA02 XB01 XB02"}, {&DIST_X, UNIT_B, "XB01 XB02"},
        {&DIST_Y, "", "YT01 YT02"},           {&SCHOOL_A, "", "XA01 XA02"},
        {&SCHOOL_A, UNIT_A, "XA01 XA02"},     {&SCHOOL_B, "", "XB01 XB02"},
        {&SCHOOL_Y, "", "YT01 YT02"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        Yanxiu__V1__Envelope *resp = list_roster(cases[i].who, cases[i].unit);
        codes_of(resp->roster_list, codes, sizeof(codes));
        printf("ListRoster as %-14s unit \"%s\": %s\n", cases[i].who->name, cases[i].unit, codes);
        assert_string_equal(codes, cases[i].expect);
        yxc_free(resp);
    }
    /* Units: a district sees its own schools, all of them; a school sees no
     * school of another district (today the whole list of its own district; a
     * list cut down to its unit would pass too). Our codes begin with the
     * district's. */
    const struct account *who[] = {&DIST_X, &SCHOOL_A, &DIST_Y, &SCHOOL_Y};
    for (size_t i = 0; i < N_OF(who); i++) {
        struct form f;
        form_begin(&f, YANXIU__V1__ENVELOPE__BODY_LIST_UNITS, "own units");
        Yanxiu__V1__Envelope *resp = call(conn_of(who[i]), &f.env);
        assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_UNIT_LIST);
        const Yanxiu__V1__UnitList *l = resp->unit_list;
        printf("ListUnits as %s: %zu units\n", who[i]->name, l->n_units);
        size_t all = strcmp(who[i]->district, DISTRICT_X) == 0 ? N_OF(SCHOOLS_X) : N_OF(SCHOOLS_Y);
        if (strcmp(who[i]->role, "district") == 0)
            assert_int_equal(l->n_units, all);
        else
            assert_in_range(l->n_units, 2, all); /* its central school and member primary */
        for (size_t k = 0; k < l->n_units; k++)
            assert_memory_equal(l->units[k]->school_code, who[i]->district, 6);
        yxc_free(resp);
    }
}

/* The units of the reports a list holds, in its order, joined with spaces. */
static void units_of(const Yanxiu__V1__ReportList *l, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->n_reports && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "", l->reports[i]->unit_code);
}

static void own_scope_report_reads_see_only_own_reports(void **state)
{
    struct {
        const struct account *who;
        const char *unit;
        const char *expect;
    } cases[] = {
        {&DIST_X, "", UNIT_A " " UNIT_B}, {&DIST_X, UNIT_B, UNIT_B},   {&DIST_Y, "", UNIT_Y},
        {&SCHOOL_A, "", UNIT_A},          {&SCHOOL_A, UNIT_A, UNIT_A}, {&SCHOOL_B, "", UNIT_B},
        {&SCHOOL_Y, "", UNIT_Y},
    };
    char units[256], d[2048];
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct form f;
        form_begin(&f, YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS, "own reports");
        f.u.list_reports.unit_code = (char *)cases[i].unit;
        Yanxiu__V1__Envelope *resp = call(conn_of(cases[i].who), &f.env);
        describe(resp, d, sizeof(d));
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_LIST)
            fail_msg("ListReports as %s (unit \"%s\"): %s", cases[i].who->name, cases[i].unit, d);
        units_of(resp->report_list, units, sizeof(units));
        printf("ListReports as %-14s unit \"%s\": %s\n", cases[i].who->name, cases[i].unit, units);
        assert_string_equal(units, cases[i].expect);
        yxc_free(resp);
    }
    /* Each school reads its own report in full; the district reads both of its units'. */
    struct {
        const struct account *who;
        const char *unit;
    } shows[] = {{&SCHOOL_A, ""},   {&SCHOOL_B, UNIT_B}, {&SCHOOL_Y, ""},
                 {&DIST_X, UNIT_A}, {&DIST_X, UNIT_B},   {&DIST_Y, UNIT_Y}};
    for (size_t i = 0; i < N_OF(shows); i++) {
        struct form f;
        form_begin(&f, YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT, "own report");
        f.u.show.unit_code = (char *)shows[i].unit;
        Yanxiu__V1__Envelope *resp = call(conn_of(shows[i].who), &f.env);
        describe(resp, d, sizeof(d));
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_DETAIL)
            fail_msg("ShowReport as %s (unit \"%s\"): %s", shows[i].who->name, shows[i].unit, d);
        const Yanxiu__V1__ReportDetail *det = resp->report_detail;
        printf("ShowReport as %-14s unit \"%s\": %s v%u, %zu activities\n", shows[i].who->name,
               shows[i].unit, det->report->unit_code, det->report->version, det->n_activities);
        assert_int_equal(det->n_activities, 5);
        assert_int_equal(det->n_external, 1);
        assert_memory_equal(det->report->unit_code, shows[i].who->district, 6);
        yxc_free(resp);
    }
}

/* --- the compliance views and the policy inside one's own scope --------------------------- */

/* Sends a form on a's session and returns the answer, which must be of case `expect`. */
static Yanxiu__V1__Envelope *call_expect(const struct account *a, struct form *f,
                                         Yanxiu__V1__Envelope__BodyCase expect)
{
    Yanxiu__V1__Envelope *resp = call(conn_of(a), &f->env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != expect)
        fail_msg("%s as %s: expected %s, got %s", f->what, a->name, yxc_body_name(expect), d);
    return resp;
}

/* The value of `key = value` in a policy file (fails when it is not there). */
static double ini_number(const char *ini, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = ini; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, n) == 0 && strncmp(p + n, " = ", 3) == 0)
            return strtod(p + n + 3, NULL);
    }
    fail_msg("the policy has no line \"%s = ...\":\n%s", key, ini);
    return 0;
}

/* GetPolicy as a, of its own district (district "" : not named); the answer must be that
 * district's policy. */
static Yanxiu__V1__Envelope *get_policy(const struct account *a, const char *district)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_GET_POLICY, "GetPolicy (district \"%s\")", district);
    f.u.get_policy.district_code = (char *)district;
    Yanxiu__V1__Envelope *resp = call_expect(a, &f, YANXIU__V1__ENVELOPE__BODY_POLICY);
    const Yanxiu__V1__PolicyText *p = resp->policy;
    printf("GetPolicy as %-14s district \"%s\": %s version %u effective %s, hours_year %g\n",
           a->name, district, p->district_code, p->version, p->effective,
           ini_number(p->ini, "hours_year"));
    assert_string_equal(p->district_code, a->district);
    if (strstr(p->ini, strcmp(a->district, DISTRICT_X) == 0 ? DISTRICT_Y : DISTRICT_X))
        fail_msg("the policy of %s shown to %s names the other district:\n%s", a->district, a->name,
                 p->ini);
    return resp;
}

/* SetPolicy as a of its own district (district "": not named); returns the new version. */
static uint32_t set_policy(const struct account *a, const char *district, const char *ini)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_SET_POLICY, "SetPolicy (district \"%s\")", district);
    f.u.set_policy.district_code = (char *)district;
    f.u.set_policy.ini = (char *)ini;
    Yanxiu__V1__Envelope *resp = call_expect(a, &f, YANXIU__V1__ENVELOPE__BODY_POLICY);
    const Yanxiu__V1__PolicyText *p = resp->policy;
    printf("SetPolicy as %-14s district \"%s\": %s version %u effective %s\n", a->name, district,
           p->district_code, p->version, p->effective);
    assert_string_equal(p->district_code, a->district);
    assert_true(p->version >= 1);
    uint32_t v = p->version;
    yxc_free(resp);
    return v;
}

/* A compliance view as a, filtered on unit (may be ""). */
static Yanxiu__V1__Envelope *compliance_view(const struct account *a,
                                             Yanxiu__V1__Envelope__BodyCase body, const char *unit)
{
    static const struct {
        Yanxiu__V1__Envelope__BodyCase ask, answer;
    } views[] = {
        {YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST},
        {YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS, YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE},
        {YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS, YANXIU__V1__ENVELOPE__BODY_GROUP_LIST},
        {YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES, YANXIU__V1__ENVELOPE__BODY_RATES},
    };
    size_t k = 0;
    while (k < N_OF(views) && views[k].ask != body)
        k++;
    assert_true(k < N_OF(views));
    struct form f;
    form_begin(&f, body, "%s (unit \"%s\")", yxc_body_name(body), unit);
    f.u.query.unit_code = (char *)unit;
    return call_expect(a, &f, views[k].answer);
}

/* Appends word to a space-separated list unless it is its last word already. */
static void add_word(char *out, size_t cap, const char *word)
{
    const char *last = strrchr(out, ' ');
    last = last ? last + 1 : out;
    if (out[0] && strcmp(last, word) == 0)
        return;
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s", n ? " " : "", word);
}

static void own_scope_policy_and_compliance_see_only_own_scope(void **state)
{
    /* The policy: each account reads its own district's (a school: its district's). */
    const struct account *readers[] = {&DIST_X, &SCHOOL_A, &SCHOOL_B, &DIST_Y, &SCHOOL_Y};
    for (size_t i = 0; i < N_OF(readers); i++) {
        bool x = strcmp(readers[i]->district, DISTRICT_X) == 0;
        for (int named = 0; named < 2; named++) {
            Yanxiu__V1__Envelope *resp = get_policy(readers[i], named ? readers[i]->district : "");
            assert_true(resp->policy->version >= 1);
            assert_true(ini_number(resp->policy->ini, "hours_year") ==
                        (x ? HOURS_YEAR_X : HOURS_YEAR_Y));
            yxc_free(resp);
        }
    }

    /* The compliance views: the teachers, units, groups and report cells of one's
     * own district, a school's of its own unit only. */
    struct {
        const struct account *who;
        const char *unit;
        const char *teachers, *units;
    } cases[] = {
        {&DIST_X, "", "XA01 XA02 XB01 XB02", UNIT_A " " UNIT_B},
        {&DIST_X, UNIT_B, "XB01 XB02", UNIT_B},
        {&DIST_Y, "", "YT01 YT02", UNIT_Y},
        {&SCHOOL_A, "", "XA01 XA02", UNIT_A},
        {&SCHOOL_A, UNIT_A, "XA01 XA02", UNIT_A},
        {&SCHOOL_B, "", "XB01 XB02", UNIT_B},
        {&SCHOOL_Y, "", "YT01 YT02", UNIT_Y},
    };
    char got[512];
    for (size_t i = 0; i < N_OF(cases); i++) {
        const struct account *who = cases[i].who;
        const char *unit = cases[i].unit;
        size_t n_units = strchr(cases[i].units, ' ') ? 2 : 1;

        Yanxiu__V1__Envelope *resp =
            compliance_view(who, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS, unit);
        const Yanxiu__V1__ComplianceTeacherList *tl = resp->teacher_list;
        got[0] = '\0';
        for (size_t k = 0; k < tl->n_teachers; k++) {
            add_word(got, sizeof(got), tl->teachers[k]->teacher_code);
            /* every seeded teacher signed in to the seeded report: its hours count */
            if (tl->teachers[k]->hours <= 0)
                fail_msg("ComplianceTeachers as %s: %s has %g hours", who->name,
                         tl->teachers[k]->teacher_code, tl->teachers[k]->hours);
        }
        printf("ComplianceTeachers as %-14s unit \"%s\": %s\n", who->name, unit, got);
        assert_string_equal(got, cases[i].teachers);
        yxc_free(resp);

        resp = compliance_view(who, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS, unit);
        const Yanxiu__V1__ComplianceUnitList *ul = resp->unit_compliance;
        got[0] = '\0';
        for (size_t k = 0; k < ul->n_units; k++) {
            add_word(got, sizeof(got), ul->units[k]->unit_code);
            /* two teachers and one report each (not the other units') */
            assert_int_equal(ul->units[k]->teachers, 2);
            assert_int_equal(ul->units[k]->reports_received, 1);
        }
        printf("ComplianceUnits    as %-14s unit \"%s\": %s\n", who->name, unit, got);
        assert_string_equal(got, cases[i].units);
        yxc_free(resp);

        resp = compliance_view(who, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS, unit);
        const Yanxiu__V1__ComplianceGroupList *gl = resp->group_list;
        got[0] = '\0';
        uint32_t teachers = 0;
        for (size_t k = 0; k < gl->n_groups; k++) {
            add_word(got, sizeof(got), gl->groups[k]->unit_code);
            teachers += gl->groups[k]->teachers;
        }
        printf("ComplianceGroups   as %-14s unit \"%s\": %zu groups of %s, %u teachers\n",
               who->name, unit, gl->n_groups, got, teachers);
        assert_string_equal(got, cases[i].units);
        assert_int_equal(teachers, 2 * n_units);
        yxc_free(resp);

        resp = compliance_view(who, YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES, unit);
        const Yanxiu__V1__ReportingRates *rr = resp->rates;
        got[0] = '\0';
        for (size_t k = 0; k < rr->n_cells; k++)
            add_word(got, sizeof(got), rr->cells[k]->unit_code);
        printf("ReportingRates     as %-14s unit \"%s\": %zu months, %zu cells of %s\n", who->name,
               unit, rr->n_months, rr->n_cells, got);
        assert_string_equal(got, cases[i].units);
        /* 2026-09 and 2026-10 (as of 2026-10-31): the months count one's own units only */
        assert_int_equal(rr->n_months, 2);
        assert_int_equal(rr->n_cells, 2 * n_units);
        for (size_t k = 0; k < rr->n_months; k++) {
            const Yanxiu__V1__MonthRate *m = rr->months[k];
            printf("    %s: %u expected, %u received\n", m->month, m->expected, m->received);
            assert_int_equal(m->expected, n_units);
            assert_int_equal(m->received, strcmp(m->month, SEED_MONTH) == 0 ? n_units : 0);
        }
        yxc_free(resp);
    }

    /* The registration handbook of one's own teachers: their records of their own
     * unit's reports. */
    struct {
        const struct account *who;
        const char *teacher, *unit;
    } histories[] = {
        {&SCHOOL_A, "XA01", UNIT_A}, {&SCHOOL_A, "XA02", UNIT_A}, {&SCHOOL_B, "XB01", UNIT_B},
        {&DIST_X, "XA01", UNIT_A},   {&DIST_X, "XB02", UNIT_B},   {&DIST_Y, "YT01", UNIT_Y},
        {&SCHOOL_Y, "YT02", UNIT_Y},
    };
    for (size_t i = 0; i < N_OF(histories); i++) {
        struct form f;
        form_begin(&f, YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY, "TeacherHistory of %s",
                   histories[i].teacher);
        f.u.history.teacher_code = (char *)histories[i].teacher;
        Yanxiu__V1__Envelope *resp =
            call_expect(histories[i].who, &f, YANXIU__V1__ENVELOPE__BODY_HISTORY);
        const Yanxiu__V1__TeacherHistory *h = resp->history;
        printf("TeacherHistory as %-14s of %s: unit %s, %zu records, %zu totals\n",
               histories[i].who->name, histories[i].teacher, h->teacher->unit_code, h->n_records,
               h->n_totals);
        assert_string_equal(h->teacher->teacher_code, histories[i].teacher);
        assert_string_equal(h->teacher->unit_code, histories[i].unit);
        assert_true(h->n_records >= 5); /* the seeded report's five activities */
        for (size_t k = 0; k < h->n_records; k++)
            if (strcmp(h->records[k]->unit_code, histories[i].unit) != 0)
                fail_msg("TeacherHistory of %s as %s holds a record of unit %s",
                         histories[i].teacher, histories[i].who->name, h->records[k]->unit_code);
        assert_true(h->n_totals >= 1);
        yxc_free(resp);
    }
}

/* --- assessment inside one's own scope ----------------------------------------------------- */

static void own_scope_assessment_sees_only_own_scope(void **state)
{
    /* The schemes: each district's own (its schools read them too). */
    struct {
        const struct account *who;
        const char *expect;
    } lists[] = {
        {&DIST_X, SCHEME_X " " SCHEME_X_UNIT},
        {&SCHOOL_A, SCHEME_X " " SCHEME_X_UNIT},
        {&SCHOOL_B, SCHEME_X " " SCHEME_X_UNIT},
        {&DIST_Y, SCHEME_Y},
        {&SCHOOL_Y, SCHEME_Y},
    };
    char got[512];
    for (size_t i = 0; i < N_OF(lists); i++) {
        struct form f;
        form_begin(&f, YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES, "ListSchemes");
        Yanxiu__V1__Envelope *resp =
            call_expect(lists[i].who, &f, YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST);
        const Yanxiu__V1__SchemeList *l = resp->scheme_list;
        /* in the order of the expectation, whatever the server's collation */
        got[0] = '\0';
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < l->n_schemes; k++)
                if ((strcmp(l->schemes[k]->target, "teacher") == 0) == (pass == 0))
                    add_word(got, sizeof(got), l->schemes[k]->name);
        printf("ListSchemes as %-14s %s\n", lists[i].who->name, got);
        assert_string_equal(got, lists[i].expect);
        for (size_t k = 0; k < l->n_schemes; k++)
            assert_int_equal(l->schemes[k]->n_items,
                             strcmp(l->schemes[k]->name, SCHEME_Y) == 0 ? 3 : 2);
        yxc_free(resp);
    }

    /* The results: the teachers (or units) of one's own district, a school's of its
     * own unit only, each with both items scored in the setup. */
    struct {
        const struct account *who;
        const char *scheme, *unit, *expect;
    } cases[] = {
        {&DIST_X, SCHEME_X, "", "XA01 XA02 XB01 XB02"},  {&DIST_X, SCHEME_X, UNIT_B, "XB01 XB02"},
        {&DIST_X, SCHEME_X_UNIT, "", UNIT_A " " UNIT_B}, {&SCHOOL_A, SCHEME_X, "", "XA01 XA02"},
        {&SCHOOL_A, SCHEME_X, UNIT_A, "XA01 XA02"},      {&SCHOOL_A, SCHEME_X_UNIT, "", UNIT_A},
        {&SCHOOL_B, SCHEME_X, "", "XB01 XB02"},          {&DIST_Y, "", "", "YT01 YT02"},
        {&SCHOOL_Y, SCHEME_Y, "", "YT01 YT02"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct form f;
        form_begin(&f, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT_RESULTS,
                   "AssessmentResults (scheme \"%s\", unit \"%s\")", cases[i].scheme,
                   cases[i].unit);
        f.u.assessment.scheme = (char *)cases[i].scheme;
        f.u.assessment.unit_code = (char *)cases[i].unit;
        Yanxiu__V1__Envelope *resp =
            call_expect(cases[i].who, &f, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT);
        const Yanxiu__V1__AssessmentResults *r = resp->assessment;
        got[0] = '\0';
        for (size_t k = 0; k < r->n_results; k++) {
            add_word(got, sizeof(got), r->results[k]->subject_code);
            assert_int_equal(r->results[k]->items_scored, 2);
            assert_memory_equal(r->results[k]->unit_code, cases[i].who->district, 6);
        }
        printf("AssessmentResults as %-14s scheme %s unit \"%s\": %s\n", cases[i].who->name,
               r->scheme, cases[i].unit, got);
        assert_string_equal(got, cases[i].expect);
        if (cases[i].scheme[0])
            assert_string_equal(r->scheme, cases[i].scheme);
        yxc_free(resp);
    }
}

/* The superuser's view of district d's policies and audit entries (one line). */
static char *district_policy_rows(const char *d)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) || ' ' || md5(coalesce(string_agg(p::text, ',' ORDER BY "
             "version), '')) FROM policies p WHERE district_code = '%s'), "
             "(SELECT count(*) FROM audit_log WHERE district_code = '%s');",
             d, d);
    return psql_ok(false, sql);
}

static void set_policy_of_x_changes_nothing_of_y(void **state)
{
    Yanxiu__V1__Envelope *y_before = get_policy(&DIST_Y, "");
    Yanxiu__V1__Envelope *ys_before = get_policy(&SCHOOL_Y, "");
    char *rows_before = district_policy_rows(DISTRICT_Y);
    Yanxiu__V1__Envelope *x_before = get_policy(&DIST_X, "");
    uint32_t xv = x_before->policy->version;
    yxc_free(x_before);

    /* District X stores its policy twice: its district not named, then named. */
    assert_int_equal(set_policy(&DIST_X, "", POLICY_INI_X), xv + 1);
    assert_int_equal(set_policy(&DIST_X, DISTRICT_X, POLICY_INI_X), xv + 2);

    /* X (and its schools) read the new version ... */
    const struct account *xs[] = {&DIST_X, &SCHOOL_A};
    for (size_t i = 0; i < N_OF(xs); i++) {
        Yanxiu__V1__Envelope *resp = get_policy(xs[i], "");
        assert_int_equal(resp->policy->version, xv + 2);
        yxc_free(resp);
    }
    /* ... and Y's policy is as it was, to the byte, in the daemon and in the database. */
    const struct {
        const struct account *who;
        Yanxiu__V1__Envelope *before;
    } ys[] = {{&DIST_Y, y_before}, {&SCHOOL_Y, ys_before}};
    for (size_t i = 0; i < N_OF(ys); i++) {
        Yanxiu__V1__Envelope *after = get_policy(ys[i].who, "");
        const Yanxiu__V1__PolicyText *b = ys[i].before->policy, *a = after->policy;
        if (a->version != b->version || strcmp(a->effective, b->effective) != 0 ||
            strcmp(a->ini, b->ini) != 0)
            fail_msg("SetPolicy of %s changed what %s reads: version %u effective %s before, "
                     "version %u effective %s after:\n--- before\n%s\n--- after\n%s",
                     DISTRICT_X, ys[i].who->name, b->version, b->effective, a->version,
                     a->effective, b->ini, a->ini);
        assert_true(ini_number(a->ini, "hours_year") == HOURS_YEAR_Y);
        yxc_free(after);
        yxc_free(ys[i].before);
    }
    char *rows_after = district_policy_rows(DISTRICT_Y);
    printf("district %s: policies and audit entries before: %s after: %s", DISTRICT_Y, rows_before,
           rows_after);
    assert_string_equal(rows_before, rows_after);
    free(rows_before);
    free(rows_after);
}

/* --- the cross-tenant table --------------------------------------------------------- */

/* An error answer must not name another tenant's teachers (or Y's schools). */
static bool leaks(const Yanxiu__V1__Envelope *resp, const char *const *foreign, const char **which)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || !resp->error)
        return false;
    const Yanxiu__V1__Error *e = resp->error;
    for (const char *const *n = foreign; *n; n++) {
        if (e->message && strstr(e->message, *n)) {
            *which = *n;
            return true;
        }
        for (size_t i = 0; i < e->n_violations; i++)
            if (strstr(e->violations[i]->message, *n)) {
                *which = *n;
                return true;
            }
    }
    return false;
}

/* Is `resp` an acceptable answer to form f of row by actor a? */
static bool refused_as_expected(const struct rpc_row *row, enum actor a, const struct form *f,
                                const Yanxiu__V1__Envelope *resp, char *why, size_t whylen)
{
    bool role_may = (method_of(row->body)->roles & role_bit(ACTORS[a].acc->role)) != 0;
    unsigned expect = role_may ? row->expect : CODE_BIT(YANXIU__V1__CODE__PERMISSION_DENIED);
    char d[2048];
    describe(resp, d, sizeof(d));
    const char *leaked;
    if (leaks(resp, ACTORS[a].foreign, &leaked)) {
        snprintf(why, whylen, "the answer names \"%s\", which %s may not see: %s", leaked,
                 ACTORS[a].acc->name, d);
        return false;
    }
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && resp->error) {
        const Yanxiu__V1__Error *e = resp->error;
        if ((int)e->code < 31 && (expect & CODE_BIT(e->code)))
            return true;
        if (role_may && e->code == YANXIU__V1__CODE__INVALID_ARGUMENT && f->invalid_because[0] &&
            e->n_violations > 0) {
            bool all = true;
            for (size_t i = 0; i < e->n_violations; i++) {
                bool one = false;
                for (int k = 0; f->invalid_because[k]; k++)
                    one = one || strstr(e->violations[i]->message, f->invalid_because[k]) != NULL;
                all = all && one;
            }
            if (all)
                return true;
        }
    } else if (role_may && f->answer_ok) {
        char how[512];
        if (f->answer_ok(resp, how, sizeof(how))) {
            printf("    (accepted: %s)\n", how);
            return true;
        }
        snprintf(why, whylen, "%s", how);
        return false;
    }
    char alt[256] = "";
    if (role_may && f->invalid_because[0])
        snprintf(alt, sizeof(alt), " (or INVALID_ARGUMENT whose every violation says \"%s\"%s%s%s)",
                 f->invalid_because[0], f->invalid_because[1] ? " or \"" : "",
                 f->invalid_because[1] ? f->invalid_because[1] : "",
                 f->invalid_because[1] ? "\"" : "");
    snprintf(why, whylen, "expected %s%s, got %s",
             role_may ? "PERMISSION_DENIED or NOT_FOUND" : "PERMISSION_DENIED (role not allowed)",
             alt, d);
    return false;
}

static void assert_whoami_is(struct yxc *c, const struct account *acc, struct fails *fl,
                             const char *when)
{
    struct form f;
    form_begin(&f, YANXIU__V1__ENVELOPE__BODY_WHOAMI, "whoami");
    Yanxiu__V1__Envelope *resp = call(c, &f.env);
    char d[2048];
    describe(resp, d, sizeof(d));
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY) {
        fails_add(fl, "WhoAmI of %s %s: %s", acc->name, when, d);
    } else {
        const Yanxiu__V1__Identity *id = resp->whoami_reply->identity;
        if (!id || strcmp(id->user, acc->name) != 0 ||
            strcmp(vocab_code_of(&vocab_role, id->role), acc->role) != 0 ||
            strcmp(id->district_code, acc->district) != 0 ||
            strcmp(id->unit_code, acc->unit ? acc->unit : "") != 0)
            fails_add(fl, "WhoAmI of %s %s answered another identity: %s %s %s %s", acc->name, when,
                      id ? id->user : "?", id ? vocab_code_of(&vocab_role, id->role) : "?",
                      id ? id->district_code : "?", id ? id->unit_code : "?");
    }
    yxc_free(resp);
}

/* Logout / WhoAmI: on a fresh session of the actor, nothing but that session. */
static void run_own_session_row(const struct rpc_row *row, enum actor a, struct fails *fl)
{
    const struct account *acc = ACTORS[a].acc;
    struct form f;
    assert_true(row->build(a, 0, &f));
    uint8_t token[32];
    struct yxc *c = it_login(acc->name, acc->password, token);
    struct snap before, after;
    snap_take(&before);
    Yanxiu__V1__Envelope *resp = call(c, &f.env);
    char d[2048], why[4096];
    describe(resp, d, sizeof(d));
    printf("%-15s as %-14s %s -> %s\n", method_of(row->body)->name, acc->name, f.what, d);
    if (f.env.body_case == YANXIU__V1__ENVELOPE__BODY_WHOAMI) {
        yxc_free(resp);
        assert_whoami_is(c, acc, fl, "on a fresh session");
    } else if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_LOGOUT_REPLY) {
        fails_add(fl, "Logout as %s: %s", acc->name, d);
        yxc_free(resp);
    } else {
        yxc_free(resp);
        /* That session is over ... */
        struct form w;
        form_begin(&w, YANXIU__V1__ENVELOPE__BODY_WHOAMI, "whoami");
        resp = call(c, &w.env);
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR ||
            resp->error->code != YANXIU__V1__CODE__UNAUTHENTICATED) {
            describe(resp, d, sizeof(d));
            fails_add(fl, "after Logout as %s, its token still answers WhoAmI: %s", acc->name, d);
        }
        yxc_free(resp);
    }
    /* ... and every other session, its own user's included, goes on as before. */
    for (size_t i = 0; i < N_OF(ACCOUNTS); i++)
        assert_whoami_is(conns[i], ACCOUNTS[i], fl, "after the row");
    snap_take(&after);
    if (!snap_same(&before, &after, acc->name, why, sizeof(why)))
        fails_add(fl, "%s as %s wrote something not its own: %s", method_of(row->body)->name,
                  acc->name, why);
    snap_free(&before);
    snap_free(&after);
    yxc_close(c);
}

static void cross_tenant_requests_are_refused_and_write_nothing(void **state)
{
    struct fails fl = {0};
    int requests = 0;
    for (size_t k = 0; k < N_OF(RPCS); k++) {
        const struct rpc_row *row = &RPCS[k];
        for (int a = 0; a < N_ACTORS; a++) {
            if (row->expect & OWN_SESSION_ONLY) {
                run_own_session_row(row, (enum actor)a, &fl);
                requests++;
                continue;
            }
            struct form f;
            for (int i = 0; row->build((enum actor)a, i, &f); i++) {
                const struct account *acc = ACTORS[a].acc;
                struct snap before, after;
                snap_take(&before);
                Yanxiu__V1__Envelope *resp = call(conn_of(acc), &f.env);
                snap_take(&after);
                requests++;
                char d[2048], why[4096];
                describe(resp, d, sizeof(d));
                printf("%-15s as %-14s on %s: %s -> %s\n", method_of(row->body)->name, acc->name,
                       ACTORS[a].acting_on, f.what, d);
                if (!refused_as_expected(row, (enum actor)a, &f, resp, why, sizeof(why)))
                    fails_add(&fl, "%s as %s, %s: %s", method_of(row->body)->name, acc->name,
                              f.what, why);
                if (!snap_same(&before, &after, NULL, why, sizeof(why)))
                    fails_add(&fl, "%s as %s, %s: something was written: %s",
                              method_of(row->body)->name, acc->name, f.what, why);
                yxc_free(resp);
                snap_free(&before);
                snap_free(&after);
            }
        }
    }
    printf("%d cross-tenant requests over %zu RPCs\n", requests, N_OF(RPCS));
    /* The data of both districts is untouched (the seed, exactly). */
    char codes[512];
    Yanxiu__V1__Envelope *resp = list_roster(&DIST_X, "");
    codes_of(resp->roster_list, codes, sizeof(codes));
    assert_string_equal(codes, "XA01 XA02 XB01 XB02");
    for (size_t i = 0; i < resp->roster_list->n_teachers; i++)
        assert_string_equal(resp->roster_list->teachers[i]->name, TEACHERS_X[i].name);
    yxc_free(resp);
    resp = list_roster(&DIST_Y, "");
    codes_of(resp->roster_list, codes, sizeof(codes));
    assert_string_equal(codes, "YT01 YT02");
    for (size_t i = 0; i < resp->roster_list->n_teachers; i++) {
        assert_string_equal(resp->roster_list->teachers[i]->name, TEACHERS_Y[i].name);
        assert_string_equal(resp->roster_list->teachers[i]->school_code, TEACHERS_Y[i].school);
    }
    yxc_free(resp);
    fails_end(&fl, "cross-tenant requests");
}

static void random_token_is_unauthenticated_for_every_rpc(void **state)
{
    struct yxc *c = it_connect();
    struct fails fl = {0};
    int requests = 0;
    for (size_t k = 0; k < N_OF(RPCS); k++) {
        for (int a = 0; a < N_ACTORS; a++) {
            struct form f;
            for (int i = 0; RPCS[k].build((enum actor)a, i, &f); i++) {
                uint8_t token[32];
                assert_int_equal(getrandom(token, sizeof(token), 0), (ssize_t)sizeof(token));
                f.env.session_token.data = token;
                f.env.session_token.len = sizeof(token);
                struct snap before, after;
                snap_take(&before);
                Yanxiu__V1__Envelope *resp = call(c, &f.env);
                snap_take(&after);
                requests++;
                char d[2048], why[4096];
                describe(resp, d, sizeof(d));
                printf("%-15s random token, %s -> %s\n", method_of(RPCS[k].body)->name, f.what, d);
                if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR ||
                    resp->error->code != YANXIU__V1__CODE__UNAUTHENTICATED)
                    fails_add(&fl, "%s with a random token (%s): expected UNAUTHENTICATED, got %s",
                              method_of(RPCS[k].body)->name, f.what, d);
                if (!snap_same(&before, &after, NULL, why, sizeof(why)))
                    fails_add(&fl, "%s with a random token (%s): something was written: %s",
                              method_of(RPCS[k].body)->name, f.what, why);
                yxc_free(resp);
                snap_free(&before);
                snap_free(&after);
            }
        }
    }
    printf("%d requests with random tokens\n", requests);
    it_ping_ok(c, false); /* the connection goes on */
    yxc_close(c);
    fails_end(&fl, "requests with a random token");
}

/* --- the row-level wall ------------------------------------------------------------- */

/* by_unit: walled per reporting unit too (a school account sees its own unit's rows only). */
static const struct {
    const char *table, *column;
    bool by_unit;
} TENANT_TABLES[] = {
    {"districts", "code", false},
    {"users", "district_code", false},
    {"audit_log", "district_code", false},
    {"schools", "district_code", false},
    {"teachers", "district_code", false},
    /* (ledger: since 017 a view of reports, activities, attendance and external_records,
     * walled by them, below) */
    {"ledger_months", "district_code", false},
    {"policies", "district_code", false},
    {"assessment_schemes", "district_code", false},
    {"assessment_items", "district_code", false},
    {"assessment_grades", "district_code", false},
    {"reports", "district_code", true},
    {"report_versions", "district_code", true},
    {"activities", "district_code", true},
    {"attendance", "district_code", true},
    {"external_records", "district_code", true},
    {"report_flags", "district_code", true},
    {"report_events", "district_code", true},
    {"assessment_scores", "district_code", true},
};
#define N_TABLES N_OF(TENANT_TABLES)

struct counts {
    long y, x, any, all; /* rows of Y, of X, of any district, in all */
    long a;              /* rows a school account of unit A may see (by_unit: unit A's; else X's) */
};

/* The counts query over every tenant table, one line per table. */
static void counts_sql(char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < N_TABLES; i++) {
        const char *t = TENANT_TABLES[i].table, *col = TENANT_TABLES[i].column;
        n += (size_t)snprintf(out + n, cap - n,
                              "SELECT count(*) FILTER (WHERE %s = '" DISTRICT_Y "'), "
                              "count(*) FILTER (WHERE %s = '" DISTRICT_X "'), "
                              "count(*) FILTER (WHERE %s IS NOT NULL), count(*), "
                              "count(*) FILTER (WHERE %s = '" DISTRICT_X "'%s) FROM %s;\n",
                              col, col, col, col,
                              TENANT_TABLES[i].by_unit ? " AND unit_code = '" UNIT_A "'" : "", t);
        assert_true(n < cap);
    }
}

static void parse_counts(const char *out, struct counts c[N_TABLES])
{
    const char *p = out;
    for (size_t i = 0; i < N_TABLES; i++) {
        if (sscanf(p, "%ld|%ld|%ld|%ld|%ld", &c[i].y, &c[i].x, &c[i].any, &c[i].all, &c[i].a) != 5)
            fail_msg("cannot read the counts of %s from: %s", TENANT_TABLES[i].table, out);
        p = strchr(p, '\n');
        if (!p && i + 1 < N_TABLES)
            fail_msg("too few lines of counts in: %s", out);
        if (p)
            p++;
    }
}

static void superuser_counts(struct counts c[N_TABLES])
{
    char sql[8192];
    counts_sql(sql, sizeof(sql));
    char *out = psql_ok(false, sql);
    parse_counts(out, c);
    free(out);
    for (size_t i = 0; i < N_TABLES; i++) {
        printf("superuser: %-10s %ld rows of %s, %ld of %s, %ld in all\n", TENANT_TABLES[i].table,
               c[i].y, DISTRICT_Y, c[i].x, DISTRICT_X, c[i].all);
        if (c[i].y <= 0 || c[i].x <= 0)
            fail_msg("the superuser sees no rows of %s in %s: nothing to test the wall with",
                     c[i].y <= 0 ? DISTRICT_Y : DISTRICT_X, TENANT_TABLES[i].table);
        if (TENANT_TABLES[i].by_unit && (c[i].a <= 0 || c[i].a >= c[i].x))
            fail_msg("%s holds %ld rows of unit %s and %ld of %s: nothing to test the unit wall "
                     "with",
                     TENANT_TABLES[i].table, c[i].a, UNIT_A, c[i].x, DISTRICT_X);
    }
}

/* The statement with which the daemon begins a transaction for account `a`:
 * session_begin with the token of a fresh session (since migration 010 the
 * wall reads the caller from the token; set_config of yanxiu.* gives nothing). */
static void begin_as(const struct account *a, char *out, size_t cap)
{
    uint8_t token[32];
    char hex[65];
    yxc_close(it_login(a->name, a->password, token));
    it_hex(token, sizeof(token), hex);
    snprintf(out, cap, "SELECT session_begin('\\x%s'::bytea) \\g /dev/null\n", hex);
}

static void row_level_wall_hides_district_y_from_the_daemon_role_set_to_x(void **state)
{
    static const struct {
        const char *role, *unit;
        const struct account *acc;
    } as[] = {{"district", "", &DIST_X}, {"school", UNIT_A, &SCHOOL_A}};
    /* What the daemon does: session_begin, for one transaction. The sessions
     * first: their logins add rows to audit_log. */
    char begin[N_OF(as)][256];
    for (size_t r = 0; r < N_OF(as); r++)
        begin_as(as[r].acc, begin[r], sizeof(begin[r]));
    struct counts su[N_TABLES], seen[N_TABLES];
    superuser_counts(su);
    char counts[8192], sql[16384];
    counts_sql(counts, sizeof(counts));
    for (size_t r = 0; r < N_OF(as); r++) {
        snprintf(sql, sizeof(sql), "BEGIN;\n%s%sCOMMIT;\n", begin[r], counts);
        char *out = psql_ok(true, sql);
        parse_counts(out, seen);
        free(out);
        for (size_t i = 0; i < N_TABLES; i++) {
            const char *t = TENANT_TABLES[i].table;
            printf("daemon role as %s of %s: %-10s %ld rows of %s, %ld of %s (of %ld), %ld in "
                   "all\n",
                   as[r].role, DISTRICT_X, t, seen[i].y, DISTRICT_Y, seen[i].x, DISTRICT_X, su[i].x,
                   seen[i].all);
            if (seen[i].y != 0)
                fail_msg("the daemon's role set up as %s of %s sees %ld rows of %s in %s",
                         as[r].role, DISTRICT_X, seen[i].y, DISTRICT_Y, t);
            /* A forgotten WHERE shows nothing but X's own rows (a school: its unit's) ... */
            long mine = as[r].unit[0] ? su[i].a : su[i].x;
            if (seen[i].all != mine || seen[i].any != mine)
                fail_msg("the daemon's role set up as %s of %s%s%s sees %ld rows of %s in all, "
                         "expected %ld (%s has %ld)",
                         as[r].role, DISTRICT_X, as[r].unit[0] ? ", unit " : "", as[r].unit,
                         seen[i].all, t, mine, DISTRICT_X, su[i].x);
            /* ... and those it does see (the wall is not simply "nothing"). */
            assert_int_equal(seen[i].x, mine);
        }
    }
}

static void row_level_wall_without_session_begin_shows_nothing(void **state)
{
    struct counts su[N_TABLES], seen[N_TABLES];
    superuser_counts(su);
    char counts[8192], sql[16384];
    counts_sql(counts, sizeof(counts));
    /* No settings at all (a forgotten session_begin); then settings left over from
     * an earlier transaction on the same connection (they are transaction-local). */
    static const char *const preludes[] = {
        "",
        "BEGIN;\nSELECT set_config('yanxiu.role', 'district', true), "
        "set_config('yanxiu.district', '" DISTRICT_X "', true) \\g /dev/null\nCOMMIT;\n",
    };
    static const char *const names[] = {"with nothing set", "after a transaction set up as X"};
    for (size_t p = 0; p < N_OF(preludes); p++) {
        snprintf(sql, sizeof(sql), "%s%s", preludes[p], counts);
        char *out = psql_ok(true, sql);
        parse_counts(out, seen);
        free(out);
        for (size_t i = 0; i < N_TABLES; i++) {
            printf("daemon role %s: %-10s %ld rows of any district (superuser: %ld), %ld in all\n",
                   names[p], TENANT_TABLES[i].table, seen[i].any, su[i].any, seen[i].all);
            if (seen[i].any != 0 || seen[i].y != 0 || seen[i].x != 0)
                fail_msg("the daemon's role %s sees %ld rows of %s (%ld of %s, %ld of %s)",
                         names[p], seen[i].any, TENANT_TABLES[i].table, seen[i].y, DISTRICT_Y,
                         seen[i].x, DISTRICT_X);
        }
    }
    /* And the session tables are closed to it whatever it sets. */
    static const char *const closed[] = {"sessions", "login_failures"};
    for (size_t i = 0; i < N_OF(closed); i++) {
        char q[256];
        snprintf(q, sizeof(q),
                 "BEGIN; SELECT set_config('yanxiu.role', 'admin', true) \\g /dev/null\n"
                 "SELECT count(*) FROM %s; COMMIT;",
                 closed[i]);
        int st;
        char *out = it_psql(true, &st, q);
        printf("daemon role: SELECT FROM %s -> %s", closed[i], out);
        if (!strstr(out, "permission denied"))
            fail_msg("the daemon's role can read %s: %s", closed[i], out);
        free(out);
    }
}

static void row_level_wall_refuses_writes_into_district_y(void **state)
{
    char begin[256], as_x[512];
    begin_as(&DIST_X, begin, sizeof(begin));
    snprintf(as_x, sizeof(as_x), "\\set ON_ERROR_STOP on\nBEGIN;\n%s", begin);
    struct snap before, after;
    snap_take(&before);
    /* Updates of Y's rows find nothing to update. */
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "%s"
             "WITH u AS (UPDATE teachers SET name = 'x', updated_at = now() "
             "WHERE district_code = '" DISTRICT_Y "' RETURNING 1) SELECT count(*) FROM u;\n"
             "WITH u AS (UPDATE schools SET name = 'x', updated_at = now() "
             "WHERE district_code = '" DISTRICT_Y "' RETURNING 1) SELECT count(*) FROM u;\n"
             "WITH u AS (UPDATE teachers SET name = 'x' RETURNING district_code) "
             "SELECT count(*) FILTER (WHERE district_code = '" DISTRICT_Y "') FROM u;\n"
             "ROLLBACK;\n",
             as_x);
    int st;
    char *out = it_psql(true, &st, sql);
    printf("daemon role as X, updating Y's rows: status %d, rows: %s", st, out);
    assert_int_equal(st, 0);
    assert_string_equal(out, "0\n0\n0\n");
    free(out);
    /* Inserting a row of Y is refused by the policy's WITH CHECK; the ledger tables
     * are written by the owner only (011): the daemon's role may not write them at all. */
    static const char *const inserts[] = {
        "INSERT INTO schools (code, district_code, name, kind, unit_code) "
        "VALUES ('1201010098', '" DISTRICT_Y "', '越界', 'central', '1201010098');",
        "INSERT INTO teachers (district_code, code, name, school_code) "
        "VALUES ('" DISTRICT_Y "', 'YT97', '越界', '" UNIT_Y "');",
        "INSERT INTO reports (district_code, unit_code, month, status, current_version, "
        "deadline, first_submitted_at, on_time) VALUES ('" DISTRICT_Y "', '" UNIT_Y "', "
        "'2026-08-01', 'submitted', 1, now(), now(), true);",
        "INSERT INTO ledger_months (district_code, teacher_code, month, approved, hours) "
        "VALUES ('" DISTRICT_Y "', 'YT01', '2026-08-01', true, 100);",
        "INSERT INTO policies (district_code, version, effective, cycle_years, "
        "cycle_first_year, hours_cycle, hours_year, school_hours_year, ethics_hours_cycle, "
        "centralized_hours_cycle, homeroom_hours_cycle, absence_limit, group_short_percent, "
        "credits_enabled, credits_year, credit_factor, year_basis, deadline_day, "
        "non_creditable) VALUES ('" DISTRICT_Y "', 99, '2020-01-01', 5, 2026, 1, 1, 1, 1, 1, 1, "
        "3, 15, false, 0, 1, 'school', 5, '{}');",
        /* the function SetPolicy calls, as X on Y: its insert is refused the same way */
        "SELECT policy_set('" DISTRICT_Y "', '2020-01-01', '', NULL, NULL, NULL, 1, NULL, NULL, "
        "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
        "INSERT INTO assessment_schemes (district_code, name, target, ini) "
        "VALUES ('" DISTRICT_Y "', '越界考核', 'teacher', '');",
        "INSERT INTO assessment_scores (district_code, scheme, year, subject_code, item, points, "
        "unit_code) VALUES ('" DISTRICT_Y "', '" SCHEME_Y "', 2025, 'YT01', '" ITEM_1 "', 1, "
        "'" UNIT_Y "');",
        /* the function SetScheme calls, as X on Y's scheme: it does not see it, and its
         * insert is refused */
        "SELECT * FROM scheme_set('" DISTRICT_Y "', '', '" SCHEME_Y "', 'unit', '', '', "
        "ARRAY['" ITEM_1 "'], ARRAY[10], ARRAY['合格'], ARRAY[0]);",
    };
    for (size_t i = 0; i < N_OF(inserts); i++) {
        snprintf(sql, sizeof(sql), "%s%s\nCOMMIT;\n", as_x, inserts[i]);
        out = it_psql(true, &st, sql);
        printf("daemon role as X: %s -> status %d: %s", inserts[i], st, out);
        const char *refusal = strncmp(inserts[i], "INSERT INTO ledger", 18) == 0
                                  ? "permission denied"
                                  : "row-level security";
        if (st == 0 || !strstr(out, refusal))
            fail_msg("the daemon's role set up as %s could write into %s (status %d): %s",
                     DISTRICT_X, DISTRICT_Y, st, out);
        free(out);
    }
    /* Updates of Y's report rows find nothing; the report functions, called as X on
     * Y's report, write nothing: the review does not find it, the flags refuse, the
     * submission does not know Y's unit. (The ledgers' function, ledger_move, is the
     * owner's trigger's alone: role_walls shows the runtime role cannot call it.) */
    char *yid = psql_ok(false, "SELECT id FROM reports WHERE district_code = '" DISTRICT_Y "';");
    yid[strcspn(yid, "\n")] = '\0';
    assert_true(yid[0] != '\0');
    snprintf(sql, sizeof(sql),
             "%s"
             "WITH u AS (UPDATE reports SET status = 'voided' RETURNING district_code) "
             "SELECT count(*) FILTER (WHERE district_code = '" DISTRICT_Y "') FROM u;\n"
             "SELECT count(*) FROM ledger_months;\n"
             "SELECT path || ': ' || code || ' ' || (args->>'unit') FROM report_submit('" DISTRICT_Y
             "', '" UNIT_Y "', '', "
             "'" SEED_MONTH "-01', 'tenancy-probe-0123456789', '\\x00', false, true, '寒假', '', "
             "NULL::text[], NULL::date[], NULL::time[], NULL::time[], NULL::text[], NULL::text[], "
             "NULL::text[], NULL::text[], NULL::text[], NULL::text[], NULL::text[], NULL::text[], "
             "NULL::numeric[], NULL::int[], NULL::int[], NULL::text[], NULL::text[], "
             "NULL::text[], NULL::numeric[], NULL::text[], NULL::date[], NULL::text[], "
             "NULL::text[], NULL::text[], NULL::text[], NULL::numeric[], NULL::numeric[], "
             "NULL::text[]);\n"
             "ROLLBACK;\n",
             as_x);
    out = it_psql(true, &st, sql);
    printf("daemon role as X, on Y's report %s: status %d: %s", yid, st, out);
    assert_int_equal(st, 0);
    /* the ledger as X: X's rows only (the seed's) */
    char *x_ledger = psql_ok(
        false, "SELECT count(*) FROM ledger_months WHERE district_code = '" DISTRICT_X "';");
    char expect[512];
    snprintf(expect, sizeof(expect), "0\n%sunit_code: report_unit_unknown " UNIT_Y, x_ledger);
    if (strncmp(out, expect, strlen(expect)) != 0)
        fail_msg("expected:\n%s\ngot:\n%s", expect, out);
    free(x_ledger);
    free(out);
    char flags_call[128];
    snprintf(flags_call, sizeof(flags_call), "SELECT report_compute_flags(%s, 1);", yid);
    const struct {
        const char *call, *error;
    } calls[] = {
        {"SELECT report_review('" DISTRICT_Y "', '" UNIT_Y "', '" SEED_MONTH "-01', 'void', "
         "'越界', '');",
         "report_not_found"},
        {flags_call, "report_not_yours"},
        /* the scores import and the results (SECURITY DEFINER: they check the
           caller's scope first), as X on Y's scheme */
        {"SELECT * FROM scores_import('" DISTRICT_Y "', '', '', '" SCHEME_Y "', 2026, "
         "ARRAY['YT01'], ARRAY['" ITEM_1 "'], ARRAY[1], false);",
         "scores_not_yours"},
        {"SELECT * FROM assessment_results('" DISTRICT_Y "', '" SCHEME_Y "', 2026, "
         "'" SEED_AS_OF "', false, '');",
         "results_not_yours"},
    };
    for (size_t i = 0; i < N_OF(calls); i++) {
        const char *q = calls[i].call;
        snprintf(sql, sizeof(sql), "%s%s\nCOMMIT;\n", as_x, q);
        out = it_psql(true, &st, sql);
        printf("daemon role as X: %s -> status %d: %s", q, st, out);
        if (st == 0 || !strstr(out, calls[i].error))
            fail_msg("the daemon's role set up as %s: %s: expected \"%s\" (status %d): %s",
                     DISTRICT_X, q, calls[i].error, st, out);
        free(out);
    }
    free(yid);
    snap_take(&after);
    char why[4096];
    if (!snap_same(&before, &after, NULL, why, sizeof(why)))
        fail_msg("something was written: %s", why);
    snap_free(&before);
    snap_free(&after);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* FAIL lines in order with cmocka's own */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(table_lists_every_rpc_of_the_daemon, arm, disarm),
        cmocka_unit_test_setup_teardown(own_scope_reads_see_only_own_rows, arm, disarm),
        cmocka_unit_test_setup_teardown(own_scope_report_reads_see_only_own_reports, arm, disarm),
        cmocka_unit_test_setup_teardown(own_scope_policy_and_compliance_see_only_own_scope, arm,
                                        disarm),
        cmocka_unit_test_setup_teardown(own_scope_assessment_sees_only_own_scope, arm, disarm),
        cmocka_unit_test_setup_teardown(set_policy_of_x_changes_nothing_of_y, arm, disarm),
        cmocka_unit_test_setup_teardown(cross_tenant_requests_are_refused_and_write_nothing, arm,
                                        disarm),
        cmocka_unit_test_setup_teardown(random_token_is_unauthenticated_for_every_rpc, arm, disarm),
        cmocka_unit_test_setup_teardown(
            row_level_wall_hides_district_y_from_the_daemon_role_set_to_x, arm, disarm),
        cmocka_unit_test_setup_teardown(row_level_wall_without_session_begin_shows_nothing, arm,
                                        disarm),
        cmocka_unit_test_setup_teardown(row_level_wall_refuses_writes_into_district_y, arm, disarm),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
