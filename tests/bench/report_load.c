/*
 * report_load: the load generator of the report benchmark
 * (tests/bench/report-bench.sh). One program writes everything the
 * benchmark needs from one template, so that the daemon's run and
 * PostgreSQL's direct run write the same rows:
 *
 *   report_load files   --district D --units U --units-csv F --roster-csv F
 *       the units (D0001.., junior schools) and their rosters (30 teachers
 *       each, codes T<unit>-01..30) as CSV files for `yanxiu units|roster import`
 *   report_load run     --district D --units U --reports N --connections C
 *                       --user NAME [--server HOST:PORT] [--key-prefix P]
 *                       [--first K] [--label L] [--latencies FILE]
 *                       [--token-file FILE]
 *       logs in (password from $YANXIU_PASSWORD; or the session of the
 *       token in FILE, saved there by the first run), then submits N reports
 *       (numbers K to K+N-1) over C connections, one request in flight on
 *       each, and prints reports/s and the latency percentiles (and
 *       appends each latency in ms to FILE). Every answer is checked (8
 *       activities, 240 sign-in rows, the teacher-hours, no flags); exits 1
 *       when any submission failed or answered something else.
 *   report_load pgbench --district D --units U --connections C --token HEX
 *                       --script F --defs F [--key-prefix P] [--first K]
 *       the pgbench script doing what the daemon's job for one submission
 *       does (session_begin, report_submit with the same arrays, the answer
 *       query, pipelined with one Sync), and its -D definitions, one
 *       name=value a line.
 *   report_load pgbench --raw SCHEMA --district D --units U --connections C
 *                       --script F --defs F [--first K] [--attendance-date]
 *       the floor: a pgbench script writing the same report's activities and
 *       sign-in rows in ONE statement (unnest of the same arrays) into
 *       SCHEMA.activities and SCHEMA.attendance (tables like the real ones,
 *       without row-level security or triggers), report_id k, version 1;
 *       with --attendance-date, each sign-in row's date too (its activity's,
 *       as report_submit writes it since migration 017).
 *
 * Report k goes to unit k % U (D0001 + k % U) for the month k / U months
 * before the last month that has ended (Asia/Shanghai), so that no two reports share a
 * unit and month. Its 8 activities are on different days (1 + (3i + u) % 28
 * for activity i of unit number u) at different times; each of the 30
 * teachers of the unit signs in to every activity as present, late (some
 * with fewer hours), excused or absent in a mix that differs per activity,
 * so that the report raises no flags.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "vocab.h"
#include "yxc.h"

#define NACT      8
#define NTEACH    30
#define NATT      (NACT * NTEACH)
#define MAX_UNITS 9999

/* ---- the template --------------------------------------------------------------- */

struct act_tpl {
    const char *title, *category, *form, *level, *mode, *place, *host, *speaker;
    const char *start, *end;
    double hours;
};

static const struct act_tpl acts[NACT] = {
    {"师德师风专题讲座：做新时代“四有”好老师", "ethics", "lecture", "county", "centralized",
     "学校报告厅", "王建国", "县教师发展中心 李明华", "14:00", "16:00", 2.0},
    {"语文组大单元教学设计集体备课", "subject", "collective_prep", "school", "centralized",
     "语文教研室", "张丽", "", "15:30", "17:00", 1.5},
    {"信息技术2.0：交互式白板课堂应用", "it", "lecture", "school", "centralized", "多媒体教室",
     "刘洋", "电教中心 陈晓东", "14:30", "16:30", 2.0},
    {"数学组公开课听评课《一元二次方程》", "skills", "observation", "school", "centralized",
     "初二（3）班教室", "赵敏", "孙伟", "08:30", "10:00", 1.5},
    {"青年教师课堂教学能力提升工作坊", "skills", "demonstration", "town", "centralized",
     "镇中心学校会议室", "周强", "镇教研员 吴芳", "14:00", "17:00", 3.0},
    {"班主任工作经验交流与案例研讨", "homeroom", "other", "school", "centralized", "三楼会议室",
     "郑红", "", "16:00", "17:30", 1.5},
    {"中小学生心理健康教育专题培训", "mental_health", "lecture", "county", "remote", "线上直播",
     "王建国", "县心理健康教育中心 冯静", "19:00", "20:30", 1.5},
    {"校本课题《“双减”背景下的作业设计》开题论证", "research", "research", "school", "centralized",
     "图书馆阅览室", "陈刚", "市教科院 何平", "14:00", "16:30", 2.5},
};

static const char *const names[NTEACH] = {
    "李娜", "王芳", "张伟", "刘洋", "陈静", "杨敏", "赵磊", "黄丽", "周杰", "吴霞",
    "徐强", "孙燕", "胡军", "朱婷", "高峰", "林红", "何勇", "郭佳", "马超", "罗琳",
    "梁斌", "宋洁", "郑浩", "谢颖", "韩冰", "唐亮", "冯雪", "于涛", "董慧", "萧然",
};
static const char *const subjects[NTEACH] = {
    "语文", "数学", "英语",     "物理", "化学", "生物",     "历史", "地理", "政治", "音乐",
    "美术", "体育", "信息技术", "语文", "数学", "英语",     "语文", "数学", "英语", "物理",
    "化学", "生物", "历史",     "地理", "政治", "心理健康", "语文", "数学", "英语", "体育",
};

static const char summary[] =
    "本月围绕“双减”背景下的课堂提质开展校本研修：师德专题讲座一次，学科集体备课与听评课"
    "各一次，信息技术应用培训一次，青年教师工作坊一次，班主任经验交流一次，心理健康线上"
    "培训一次，校本课题开题论证一次。全体教师按要求签到，请假教师已补学。";

/* Sign-in of teacher p at activity a: the status, and hours when not the activity's. */
static const char *att_status(int a, int p, double *hours)
{
    int h = (p * 7 + a * 11) % NTEACH;
    *hours = 0;
    if (h == 0 && a % 3 == 0)
        return "absent";
    if (h < 2)
        return "excused";
    if (h < 5) {
        if (h == 2)
            *hours = acts[a].hours - 0.5;
        return "late";
    }
    return "present";
}

/* The teacher-hours a report of the template credits. */
static double expected_hours(void)
{
    double sum = 0;
    for (int a = 0; a < NACT; a++)
        for (int p = 0; p < NTEACH; p++) {
            double h;
            const char *st = att_status(a, p, &h);
            if (strcmp(st, "present") == 0 || strcmp(st, "late") == 0)
                sum += h != 0 ? h : acts[a].hours;
        }
    return sum;
}

static int act_day(int a, int u)
{
    return 1 + (3 * a + u) % 28;
}

/* ---- options ---------------------------------------------------------------------- */

struct opts {
    const char *mode;
    const char *district;
    int units;
    long reports;
    long first; /* the number of the first report */
    int connections;
    const char *server;
    const char *user;
    const char *key_prefix;
    const char *label;
    const char *latencies; /* file to append the latencies (ms) to, or NULL */
    const char *token_file;
    const char *units_csv, *roster_csv;
    const char *token, *script, *defs;
    const char *raw;         /* pgbench: the schema of the raw tables, or NULL */
    bool attendance_date;    /* pgbench --raw: attendance has a date column */
    int cur_year, cur_month; /* the last month ended, in Asia/Shanghai */
};

static void usage(void)
{
    fputs("usage: report_load files   --district D --units U --units-csv F --roster-csv F\n"
          "       report_load run     --district D --units U --reports N --connections C\n"
          "                           --user NAME [--server HOST:PORT] [--key-prefix P]\n"
          "                           [--first K] [--label L] [--latencies FILE]\n"
          "                           [--token-file FILE]\n"
          "       report_load pgbench --district D --units U --connections C --token HEX\n"
          "                           --script F --defs F [--key-prefix P] [--first K]\n"
          "       report_load pgbench --raw SCHEMA --district D --units U --connections C\n"
          "                           --script F --defs F [--first K] [--attendance-date]\n"
          "The password of --user comes from YANXIU_PASSWORD; --server defaults to "
          "$YX_SERVER.\n",
          stderr);
    exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"district", required_argument, NULL, 'd'},
        {"units", required_argument, NULL, 'u'},
        {"reports", required_argument, NULL, 'n'},
        {"connections", required_argument, NULL, 'c'},
        {"server", required_argument, NULL, 's'},
        {"user", required_argument, NULL, 'U'},
        {"key-prefix", required_argument, NULL, 'k'},
        {"units-csv", required_argument, NULL, 'A'},
        {"roster-csv", required_argument, NULL, 'B'},
        {"token", required_argument, NULL, 't'},
        {"script", required_argument, NULL, 'S'},
        {"defs", required_argument, NULL, 'D'},
        {"first", required_argument, NULL, 'f'},
        {"label", required_argument, NULL, 'l'},
        {"latencies", required_argument, NULL, 'L'},
        {"token-file", required_argument, NULL, 'T'},
        {"raw", required_argument, NULL, 'R'},
        {"attendance-date", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    if (argc < 2)
        usage();
    o->mode = argv[1];
    o->server = getenv("YX_SERVER");
    o->key_prefix = "bench";
    o->label = "daemon";
    o->connections = 8;
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o->district = optarg;
            break;
        case 'u':
            o->units = (int)bench_num_arg("units", optarg, 1, MAX_UNITS);
            break;
        case 'n':
            o->reports = bench_num_arg("reports", optarg, 1, 10000000);
            break;
        case 'l':
            o->label = optarg;
            break;
        case 'L':
            o->latencies = optarg;
            break;
        case 'T':
            o->token_file = optarg;
            break;
        case 'f':
            o->first = bench_num_arg("first", optarg, 0, 10000000);
            break;
        case 'c':
            o->connections = (int)bench_num_arg("connections", optarg, 1, 1000);
            break;
        case 's':
            o->server = optarg;
            break;
        case 'U':
            o->user = optarg;
            break;
        case 'k':
            o->key_prefix = optarg;
            break;
        case 'A':
            o->units_csv = optarg;
            break;
        case 'B':
            o->roster_csv = optarg;
            break;
        case 't':
            o->token = optarg;
            break;
        case 'S':
            o->script = optarg;
            break;
        case 'D':
            o->defs = optarg;
            break;
        case 'R':
            o->raw = optarg;
            break;
        case 'a':
            o->attendance_date = true;
            break;
        default:
            usage();
        }
    }
    if (optind != argc)
        usage();
    if (!o->district || strlen(o->district) != 6 || strspn(o->district, "0123456789") != 6)
        bench_die("--district: a 6-digit division code is required");
    if (!o->units)
        bench_die("--units is required");
    size_t plen = strlen(o->key_prefix);
    if (plen > 32 ||
        strspn(o->key_prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
            plen)
        bench_die("--key-prefix: at most 32 letters, digits, _ or -");

    /* The last month that has ended, in Asia/Shanghai (UTC+8, no daylight saving): its
     * activities' days (up to the 28th) are all past, so none is flagged future_date. */
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    o->cur_year = tm.tm_mon == 0 ? tm.tm_year + 1900 - 1 : tm.tm_year + 1900;
    o->cur_month = tm.tm_mon == 0 ? 12 : tm.tm_mon;
}

/* ---- names of things ------------------------------------------------------------------ */

static void unit_code(const struct opts *o, int u, char out[16])
{
    snprintf(out, 16, "%s%04d", o->district, u + 1);
}

static void teacher_code(const char *unit, int p, char out[24])
{
    snprintf(out, 24, "T%s-%02d", unit, p + 1);
}

/* The month of report k as year and month. */
static void report_month(const struct opts *o, long k, int *year, int *month)
{
    long t = (long)o->cur_year * 12 + (o->cur_month - 1) - k / o->units;
    *year = (int)(t / 12);
    *month = (int)(t % 12) + 1;
}

/* ---- files ---------------------------------------------------------------------------- */

static int cmd_files(const struct opts *o)
{
    if (!o->units_csv || !o->roster_csv)
        bench_die("files: --units-csv and --roster-csv are required");
    FILE *uf = fopen(o->units_csv, "w");
    FILE *rf = fopen(o->roster_csv, "w");
    if (!uf || !rf)
        bench_die("files: cannot write %s / %s: %s", o->units_csv, o->roster_csv, strerror(errno));
    fputs("school_code,name,kind,central_code\n", uf);
    fputs("teacher_code,name,school_code,subject,group,homeroom,backbone,new_teacher,status\n", rf);
    for (int u = 0; u < o->units; u++) {
        char code[16];
        unit_code(o, u, code);
        fprintf(uf, "%s,第%d初级中学,junior,\n", code, u + 1);
        for (int p = 0; p < NTEACH; p++) {
            char tc[24];
            teacher_code(code, p, tc);
            fprintf(rf, "%s,%s,%s,%s,%s组,%s,%s,%s,在职\n", tc, names[p], code, subjects[p],
                    subjects[p], p % 5 == 0 ? "是" : "否", p % 7 == 0 ? "是" : "否",
                    p % 11 == 3 ? "是" : "否");
        }
    }
    bool ok = !ferror(uf) && !ferror(rf);
    ok = (fclose(uf) == 0) & ok;
    ok = (fclose(rf) == 0) & ok;
    if (!ok)
        bench_die("files: writing failed: %s", strerror(errno));
    return 0;
}

/* ---- one report as a request ------------------------------------------------------------- */

struct report {
    Yanxiu__V1__SubmitReportRequest req;
    Yanxiu__V1__Activity act[NACT];
    Yanxiu__V1__Activity *actp[NACT];
    Yanxiu__V1__Attendance att[NATT];
    Yanxiu__V1__Attendance *attp[NATT];
    char unit[16], month[16], key[72];
    char date[NACT][32];
    char tcode[NTEACH][24];
};

static void report_build(const struct opts *o, long k, struct report *r)
{
    int u = (int)(k % o->units), year, month;
    report_month(o, k, &year, &month);
    unit_code(o, u, r->unit);
    snprintf(r->month, sizeof(r->month), "%04d-%02d", year % 10000, month % 100);
    snprintf(r->key, sizeof(r->key), "%s-%08ld", o->key_prefix, k);
    for (int p = 0; p < NTEACH; p++)
        teacher_code(r->unit, p, r->tcode[p]);

    yanxiu__v1__submit_report_request__init(&r->req);
    r->req.unit_code = r->unit;
    r->req.month = r->month;
    r->req.idempotency_key = r->key;
    r->req.summary = (char *)summary;
    r->req.n_activities = NACT;
    r->req.activities = r->actp;
    r->req.n_attendance = NACT * NTEACH; /* flat, each row naming its activity's ref */
    r->req.attendance = r->attp;
    for (int a = 0; a < NACT; a++) {
        const struct act_tpl *t = &acts[a];
        Yanxiu__V1__Activity *x = &r->act[a];
        yanxiu__v1__activity__init(x);
        r->actp[a] = x;
        snprintf(r->date[a], sizeof(r->date[a]), "%s-%02d", r->month, act_day(a, u));
        static const char *const refs[NACT] = {"A01", "A02", "A03", "A04",
                                               "A05", "A06", "A07", "A08"};
        x->ref = (char *)refs[a];
        x->date = r->date[a];
        x->start = (char *)t->start;
        x->end = (char *)t->end;
        x->title = (char *)t->title;
        x->category = (Yanxiu__V1__Category)vocab_value(&vocab_category, t->category);
        x->form = (Yanxiu__V1__Form)vocab_value(&vocab_form, t->form);
        x->level = (Yanxiu__V1__Level)vocab_value(&vocab_level, t->level);
        x->mode = (Yanxiu__V1__Mode)vocab_value(&vocab_mode, t->mode);
        x->place = (char *)t->place;
        x->host = (char *)t->host;
        x->speaker = (char *)t->speaker;
        x->hours = t->hours;
        for (int p = 0; p < NTEACH; p++) {
            Yanxiu__V1__Attendance *s = &r->att[a * NTEACH + p];
            yanxiu__v1__attendance__init(s);
            r->attp[a * NTEACH + p] = s;
            s->activity_ref = x->ref;
            s->teacher_code = r->tcode[p];
            s->name = (char *)names[p];
            s->status = (Yanxiu__V1__AttendanceStatus)vocab_value(&vocab_attendance,
                                                                  att_status(a, p, &s->hours));
        }
    }
}

/* ---- run --------------------------------------------------------------------------------- */

struct shared {
    const struct opts *o;
    char host[256];
    uint16_t port;
    const char *password;
    uint8_t token[32];
    pthread_barrier_t ready;
    atomic_long next;
    atomic_long attempted;
    atomic_long failed;
    atomic_long failed_to_start;
    double *latency_ms; /* per report; NAN when it failed */
    double expect_hours;
    pthread_mutex_t print_lock;
    int printed;
};

/* Prints the first few failures in full; counts them all. */
static void report_failure(struct shared *sh, long k, const char *unit, const char *month,
                           const char *what)
{
    atomic_fetch_add(&sh->failed, 1);
    pthread_mutex_lock(&sh->print_lock);
    if (sh->printed++ < 10)
        fprintf(stderr, "report_load: report %ld (%s %s) failed: %s\n", k, unit, month, what);
    pthread_mutex_unlock(&sh->print_lock);
}

/* What is wrong with the answer to a fresh submission of the template ("" when nothing). */
static void check_answer(const struct shared *sh, const struct report *r,
                         const Yanxiu__V1__ReportSummary *s, char *why, size_t cap)
{
    why[0] = '\0';
    if (!s)
        snprintf(why, cap, "no report in the answer");
    else if (strcmp(s->unit_code, r->unit) != 0 || strcmp(s->month, r->month) != 0)
        snprintf(why, cap, "answered for %s %s", s->unit_code, s->month);
    else if (s->replayed)
        snprintf(why, cap, "answered as a replay of a known key (run with a new --key-prefix)");
    else if (s->status != YANXIU__V1__REPORT_STATUS__REPORT_STATUS_SUBMITTED)
        snprintf(why, cap, "status %s, not submitted",
                 vocab_code_of(&vocab_report_status, s->status));
    else if (s->activity_count != NACT || s->attendance_count != NATT || s->external_count != 0)
        snprintf(why, cap,
                 "%u activities, %u sign-in rows, %u external records; expected %d, %d, 0",
                 s->activity_count, s->attendance_count, s->external_count, NACT, NATT);
    else if (fabs(s->teacher_hours - sh->expect_hours) > 0.01)
        snprintf(why, cap, "%.1f teacher-hours, expected %.1f", s->teacher_hours, sh->expect_hours);
    else if (s->flag_count != 0)
        snprintf(why, cap, "%u flags (the first: %s %s)", s->flag_count,
                 s->n_flags ? vocab_code_of(&vocab_flag, s->flags[0]->kind) : "?",
                 s->n_flags ? s->flags[0]->detail : "");
}

/* Logs in on a connection of its own; fills token (32 bytes). */
static bool login_token(struct shared *sh, uint8_t token[32], struct yxc_error *err)
{
    struct yxc *c = yxc_connect(sh->host, sh->port, 10000, err);
    if (!c)
        return false;
    Yanxiu__V1__Envelope *hello = NULL;
    if (!yxc_hello(c, "report_load", "en", &hello, err)) {
        yxc_close(c);
        return false;
    }
    yxc_free(hello);
    yxc_set_timeout(c, 60000);
    Yanxiu__V1__LoginRequest login = YANXIU__V1__LOGIN_REQUEST__INIT;
    login.user = (char *)sh->o->user;
    login.password = (char *)sh->password;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_LOGIN;
    env.login = &login;
    Yanxiu__V1__Envelope *resp = NULL;
    bool ok = yxc_call(c, &env, YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY, &resp, err);
    if (ok && resp->login_reply->token.len != 32) {
        snprintf(err->message, sizeof(err->message), "a token of %zu bytes, not 32",
                 resp->login_reply->token.len);
        ok = false;
    }
    if (ok)
        memcpy(token, resp->login_reply->token.data, 32);
    yxc_free(resp);
    yxc_close(c);
    return ok;
}

/*
 * The session's token: read from --token-file (hex) when that file exists,
 * else from a login, then saved there. Reusing it keeps the login (an
 * argon2id hash in the daemon) out of the CPU time a driver measures.
 */
static void session_token(struct shared *sh, uint8_t token[32])
{
    const char *path = sh->o->token_file;
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f) {
        char hex[65] = "";
        bool ok = fscanf(f, "%64s", hex) == 1 && strlen(hex) == 64;
        for (int i = 0; ok && i < 32; i++) {
            unsigned v;
            ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
            token[i] = (uint8_t)v;
        }
        fclose(f);
        if (!ok)
            bench_die("run: %s does not hold a token (64 hex digits)", path);
        return;
    }
    sh->password = getenv("YANXIU_PASSWORD");
    if (!sh->password)
        bench_die("run: set YANXIU_PASSWORD to the password of %s", sh->o->user);
    struct yxc_error err;
    if (!login_token(sh, token, &err))
        bench_die("run: logging in as %s: %s", sh->o->user, err.message);
    if (path) {
        f = fopen(path, "w");
        if (!f)
            bench_die("run: cannot write %s: %s", path, strerror(errno));
        for (int i = 0; i < 32; i++)
            fprintf(f, "%02x", token[i]);
        fputc('\n', f);
        if (ferror(f) || fclose(f) != 0)
            bench_die("run: writing %s failed", path);
    }
}

static struct yxc *worker_connect(struct shared *sh, struct yxc_error *err)
{
    struct yxc *c = yxc_connect(sh->host, sh->port, 10000, err);
    Yanxiu__V1__Envelope *hello = NULL;
    if (c && !yxc_hello(c, "report_load", "en", &hello, err)) {
        yxc_close(c);
        return NULL;
    }
    yxc_free(hello);
    if (c) {
        yxc_set_timeout(c, 120000);
        yxc_set_token(c, sh->token, sizeof(sh->token));
    }
    return c;
}

static void *worker(void *arg)
{
    struct shared *sh = arg;
    struct yxc_error err;
    struct yxc *c = worker_connect(sh, &err);
    if (!c) {
        fprintf(stderr, "report_load: connecting to %s: %s\n", sh->o->server, err.message);
        atomic_fetch_add(&sh->failed_to_start, 1);
    }
    struct report *r = malloc(sizeof(*r));
    if (!r) {
        fprintf(stderr, "report_load: out of memory\n");
        atomic_fetch_add(&sh->failed_to_start, 1);
    }
    pthread_barrier_wait(&sh->ready);
    if (!c || !r || atomic_load(&sh->failed_to_start)) {
        yxc_close(c);
        free(r);
        return NULL;
    }
    for (;;) {
        long k = atomic_fetch_add(&sh->next, 1);
        if (k >= sh->o->first + sh->o->reports)
            break;
        atomic_fetch_add(&sh->attempted, 1);
        report_build(sh->o, k, r);
        Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
        env.body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT;
        env.submit_report = &r->req;
        Yanxiu__V1__Envelope *resp = NULL;
        double t0 = bench_now();
        bool ok = yxc_call(c, &env, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, &resp, &err);
        double t1 = bench_now();
        if (!ok) {
            report_failure(sh, k, r->unit, r->month, err.message);
            if (err.fail != YXC_ERR_SERVER)
                break; /* the connection is gone; the others go on */
            continue;
        }
        char why[256];
        check_answer(sh, r, resp->report_reply, why, sizeof(why));
        yxc_free(resp);
        if (why[0]) {
            report_failure(sh, k, r->unit, r->month, why);
            continue;
        }
        sh->latency_ms[k - sh->o->first] = (t1 - t0) * 1e3;
    }
    yxc_close(c);
    free(r);
    return NULL;
}

/* Nearest-rank percentile of sorted v[0..n). */
static int cmd_run(const struct opts *o)
{
    if (!o->reports || !o->user)
        bench_die("run: --reports and --user are required");
    if (!o->server)
        bench_die("run: --server or YX_SERVER is required");
    struct shared sh;
    memset(&sh, 0, sizeof(sh));
    sh.o = o;
    struct yxc_error err;
    if (!yxc_parse_server(o->server, sh.host, sizeof(sh.host), &sh.port, &err))
        bench_die("run: %s", err.message);
    session_token(&sh, sh.token);
    sh.expect_hours = expected_hours();
    sh.latency_ms = malloc((size_t)o->reports * sizeof(double));
    pthread_t *th = calloc((size_t)o->connections, sizeof(*th));
    if (!sh.latency_ms || !th)
        bench_die("out of memory");
    for (long k = 0; k < o->reports; k++)
        sh.latency_ms[k] = NAN;
    atomic_init(&sh.next, o->first);
    atomic_init(&sh.attempted, 0);
    atomic_init(&sh.failed, 0);
    atomic_init(&sh.failed_to_start, 0);
    pthread_mutex_init(&sh.print_lock, NULL);
    pthread_barrier_init(&sh.ready, NULL, (unsigned)o->connections + 1);
    for (int i = 0; i < o->connections; i++) {
        int rc = pthread_create(&th[i], NULL, worker, &sh);
        if (rc != 0)
            bench_die("pthread_create: %s", strerror(rc));
    }
    pthread_barrier_wait(&sh.ready); /* every connection made */
    double t0 = bench_now();
    for (int i = 0; i < o->connections; i++)
        pthread_join(th[i], NULL);
    double secs = bench_now() - t0;
    if (atomic_load(&sh.failed_to_start))
        bench_die("run: %ld of %d connections could not be made; nothing was submitted",
                  (long)atomic_load(&sh.failed_to_start), o->connections);

    size_t n = 0;
    for (long k = 0; k < o->reports; k++)
        if (!isnan(sh.latency_ms[k]))
            sh.latency_ms[n++] = sh.latency_ms[k];
    qsort(sh.latency_ms, n, sizeof(double), bench_cmp_double);
    if (o->latencies) {
        FILE *lf = fopen(o->latencies, "a");
        if (!lf)
            bench_die("run: cannot write %s: %s", o->latencies, strerror(errno));
        for (size_t i = 0; i < n; i++)
            fprintf(lf, "%.3f\n", sh.latency_ms[i]);
        if (ferror(lf) || fclose(lf) != 0)
            bench_die("run: writing %s failed", o->latencies);
    }
    long unsent = o->reports - atomic_load(&sh.attempted);
    if (unsent > 0)
        fprintf(stderr, "report_load: %ld reports not sent: every connection broke\n", unsent);
    long failed = atomic_load(&sh.failed) + unsent;
    double rate = (double)n / secs;
    printf("%s: %zu reports (%d activities x %d teachers) over %d connections in %.2f s: "
           "%.1f reports/s, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %ld failed\n",
           o->label, n, NACT, NTEACH, o->connections, secs, rate,
           bench_percentile(sh.latency_ms, n, 50), bench_percentile(sh.latency_ms, n, 99),
           n ? sh.latency_ms[n - 1] : NAN, failed);
    printf("RESULT %s reports=%zu seconds=%.3f rate=%.2f p50_ms=%.2f p99_ms=%.2f failed=%ld\n",
           o->label, n, secs, rate, bench_percentile(sh.latency_ms, n, 50),
           bench_percentile(sh.latency_ms, n, 99), failed);
    free(sh.latency_ms);
    free(th);
    pthread_barrier_destroy(&sh.ready);
    pthread_mutex_destroy(&sh.print_lock);
    return failed ? 1 : 0;
}

/* ---- pgbench ------------------------------------------------------------------------------ */

/* The daemon's statements (daemon/rpc_report.c), with $n as pgbench variables. */
static const char answer_sql[] = "SELECT * FROM report_answer()";

/*
 * Writes sql with every ':' inside a string literal spelled ' || chr(58) || '
 * (pgbench takes :name anywhere for a variable; the planner folds the
 * constant back, so the statement runs as the daemon's does).
 */
static void put_sql_no_colons(FILE *f, const char *sql)
{
    bool quoted = false;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        if (quoted && *p == ':')
            fputs("' || chr(58) || '", f);
        else
            fputc(*p, f);
    }
}

/* An array literal the way the daemon's pgarr writes it: every element quoted. */
struct strbuf {
    char *s;
    size_t len, cap;
};

static void sb_put(struct strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns)
            bench_die("out of memory");
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static void sb_elem(struct strbuf *b, const char *s)
{
    sb_put(b, b->len ? ",\"" : "{\"");
    for (const char *p = s; *p; p++) {
        char c[3] = {*p, 0, 0};
        if (*p == '"' || *p == '\\') {
            c[0] = '\\';
            c[1] = *p;
        }
        sb_put(b, c);
    }
    sb_put(b, "\"");
}

static void sb_null(struct strbuf *b)
{
    sb_put(b, b->len ? ",NULL" : "{NULL");
}

static void def_array(FILE *f, const char *name, struct strbuf *b)
{
    fprintf(f, "%s=%s}\n", name, b->len ? b->s : "{");
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

/* The dates of the report's activities, as an array expression of the script. */
static void put_dates(FILE *sf)
{
    fputs("ARRAY[", sf);
    for (int a = 0; a < NACT; a++)
        fprintf(sf, "%smake_date(:year, :month, :d%d)", a ? ", " : "", a);
    fputs("]", sf);
}

/*
 * The raw side: the report's rows as report_submit writes them (the same
 * unnest of the same arrays, sql/functions/report.sql), in one statement and
 * nothing else: no session, no report row, no checks, flags or ledger.
 */
static void write_raw(FILE *sf, const char *schema, bool with_date)
{
    fputs("-- The floor: one statement writes the report's activities and sign-in rows.\n", sf);
    fprintf(sf,
            "WITH a AS (INSERT INTO %s.activities (report_id, version, idx, district_code, "
            "unit_code, ref, date, start_time, end_time, title, category, form, level, mode, "
            "place, host, speaker, hours) SELECT :k::bigint, 1, x.i - 1, :district::text, "
            ":unit::text, x.ref, x.date, x.st, x.en, x.title, x.cat, x.form, x.lvl, x.mode, "
            "coalesce(x.place, ''), x.host, coalesce(x.speaker, ''), x.hours FROM "
            "unnest(:a_ref::text[], ",
            schema);
    put_dates(sf);
    fprintf(sf,
            ", :a_start::time[], :a_end::time[], :a_title::text[], :a_category::text[], "
            ":a_form::text[], :a_level::text[], :a_mode::text[], :a_place::text[], "
            ":a_host::text[], :a_speaker::text[], :a_hours::numeric[]) WITH ORDINALITY AS "
            "x(ref, date, st, en, title, cat, form, lvl, mode, place, host, speaker, hours, i)) "
            "INSERT INTO %s.attendance (report_id, version, act_idx, pos, district_code, "
            "unit_code, teacher_code, status, hours%s) SELECT :k::bigint, 1, x.a, x.p, "
            ":district::text, :unit::text, x.code, x.status, x.hours",
            schema, with_date ? ", date" : "");
    if (with_date) {
        fputs(", (", sf);
        put_dates(sf);
        fputs(")[x.a + 1]", sf);
    }
    fputs(" FROM unnest(:t_act::int[], :t_pos::int[], replace(:t_teacher, '@', "
          ":unit::text)::text[], :t_status::text[], :t_hours::numeric[]) AS x(a, p, code, "
          "status, hours);\n",
          sf);
}

static int cmd_pgbench(const struct opts *o)
{
    if (!o->script || !o->defs)
        bench_die("pgbench: --script and --defs are required");
    if (o->raw) {
        size_t n = strlen(o->raw);
        if (!n || n > 63 || strspn(o->raw, "abcdefghijklmnopqrstuvwxyz_0123456789") != n ||
            (o->raw[0] >= '0' && o->raw[0] <= '9'))
            bench_die("pgbench: --raw: a schema name of lower-case letters, digits and _");
    } else if (!o->token || strlen(o->token) != 64 || strspn(o->token, "0123456789abcdef") != 64) {
        bench_die(
            "pgbench: --token: the 64 lower-case hex digits of a session's token (session_begin "
            "takes the token itself)");
    }
    FILE *df = fopen(o->defs, "w");
    if (!df)
        bench_die("pgbench: cannot write %s: %s", o->defs, strerror(errno));
    /* The head of report_submit, as the daemon passes it. */
    fprintf(df, "district=%s\n", o->district);
    if (!o->raw) {
        fprintf(df, "addr=127.0.0.1:40000\n");
        fprintf(df, "token=\\x%s\n", o->token);
        fprintf(df, "keyprefix=%s-\n", o->key_prefix);
        /* The daemon sends the SHA-256 of the request; a constant costs the database the same. */
        fprintf(df, "hash=\\x%s\n", o->token);
        fprintf(df, "summary=%s\n", summary);
    }
    /* The arrays that are the same in every report. */
    struct strbuf b = {0};
    static const char *const refs[NACT] = {"A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08"};
#define ACT_ARRAY(name, expr)                                                                      \
    do {                                                                                           \
        for (int a = 0; a < NACT; a++)                                                             \
            sb_elem(&b, (expr));                                                                   \
        def_array(df, name, &b);                                                                   \
    } while (0)
    ACT_ARRAY("a_ref", refs[a]);
    ACT_ARRAY("a_start", acts[a].start);
    ACT_ARRAY("a_end", acts[a].end);
    ACT_ARRAY("a_title", acts[a].title);
    ACT_ARRAY("a_category", acts[a].category);
    ACT_ARRAY("a_form", acts[a].form);
    ACT_ARRAY("a_level", acts[a].level);
    ACT_ARRAY("a_mode", acts[a].mode);
    ACT_ARRAY("a_place", acts[a].place);
    ACT_ARRAY("a_host", acts[a].host);
    ACT_ARRAY("a_speaker", acts[a].speaker);
    char num[32];
    ACT_ARRAY("a_hours", (snprintf(num, sizeof(num), "%.1f", acts[a].hours), num));
#undef ACT_ARRAY
#define ATT_ARRAY(name, stmt)                                                                      \
    do {                                                                                           \
        for (int a = 0; a < NACT; a++)                                                             \
            for (int p = 0; p < NTEACH; p++) {                                                     \
                double h;                                                                          \
                const char *st = att_status(a, p, &h);                                             \
                (void)st;                                                                          \
                stmt;                                                                              \
            }                                                                                      \
        def_array(df, name, &b);                                                                   \
    } while (0)
    ATT_ARRAY("t_act", (snprintf(num, sizeof(num), "%d", a), sb_elem(&b, num)));
    ATT_ARRAY("t_pos", (snprintf(num, sizeof(num), "%d", p), sb_elem(&b, num)));
    /* '@' stands for the unit's code: the script replaces it. */
    ATT_ARRAY("t_teacher", (snprintf(num, sizeof(num), "T@-%02d", p + 1), sb_elem(&b, num)));
    ATT_ARRAY("t_name", sb_elem(&b, names[p]));
    ATT_ARRAY("t_status", sb_elem(&b, st));
    ATT_ARRAY("t_hours",
              h != 0 ? (snprintf(num, sizeof(num), "%.1f", h), sb_elem(&b, num)) : sb_null(&b));
#undef ATT_ARRAY
    free(b.s);
    /* Which report a transaction writes (see the top of the script). */
    fprintf(df, "clients=%d\n", o->connections);
    fprintf(df, "units=%d\n", o->units);
    fprintf(df, "ubase=%s0001\n", o->district);
    fprintf(df, "curmonth=%d\n", o->cur_year * 12 + o->cur_month - 1);
    if (o->first % o->connections)
        bench_die("pgbench: --first must be a multiple of --connections");
    fprintf(df, "n=%ld\n", o->first / o->connections);
    if (ferror(df) || fclose(df) != 0)
        bench_die("pgbench: writing %s failed", o->defs);

    FILE *sf = fopen(o->script, "w");
    if (!sf)
        bench_die("pgbench: cannot write %s: %s", o->script, strerror(errno));
    if (o->raw)
        fputs("-- Written by report_load pgbench --raw. One transaction is one report's rows\n"
              "-- written as plainly as PostgreSQL can: one statement, the same arrays.\n",
              sf);
    else
        fputs("-- Written by report_load pgbench. One transaction is one SubmitReport job of "
              "yanxiud\n"
              "-- (session_begin, report_submit, the answer) in one pipeline with one Sync.\n",
              sf);
    fputs(
        "-- Transaction n of client c writes report k = c + clients * n, to unit k % units\n"
        "-- for the month k / units months before the last month ended, as report_load run does.\n",
        sf);
    fputs("\\set k :client_id + :clients * :n\n"
          "\\set n :n + 1\n"
          "\\set u :k % :units\n"
          "\\set unit :ubase + :u\n"
          "\\set m :curmonth - :k / :units\n"
          "\\set year :m / 12\n"
          "\\set month 1 + :m % 12\n",
          sf);
    for (int a = 0; a < NACT; a++)
        fprintf(sf, "\\set d%d 1 + (%d + :u) %% 28\n", a, 3 * a);
    if (o->raw) {
        write_raw(sf, o->raw, o->attendance_date);
        if (ferror(sf) || fclose(sf) != 0)
            bench_die("pgbench: writing %s failed", o->script);
        return 0;
    }
    fputs("\\startpipeline\n"
          "SELECT session_begin(:token::bytea);\n",
          sf);
    fputs("SELECT path, code, args FROM report_submit(:district, :unit::text, :addr, "
          "make_date(:year, :month, 1), :keyprefix::text || lpad(:k::text, 8, '0'), :hash::bytea, "
          "false, false, '', :summary, :a_ref::text[], ",
          sf);
    put_dates(sf);
    fputs(", :a_start::time[], :a_end::time[], :a_title::text[], :a_category::text[], "
          ":a_form::text[], :a_level::text[], :a_mode::text[], :a_place::text[], "
          ":a_host::text[], :a_speaker::text[], :a_hours::numeric[], :t_act::int[], "
          ":t_pos::int[], replace(:t_teacher, '@', :unit::text)::text[], :t_name::text[], "
          ":t_status::text[], :t_hours::numeric[], '{}'::text[], '{}'::date[], '{}'::text[], "
          "'{}'::text[], '{}'::text[], '{}'::text[], '{}'::numeric[], '{}'::numeric[], "
          "'{}'::text[]);\n",
          sf);
    put_sql_no_colons(sf, answer_sql);
    fputs(";\n\\endpipeline\n", sf);
    if (ferror(sf) || fclose(sf) != 0)
        bench_die("pgbench: writing %s failed", o->script);
    return 0;
}

int main(int argc, char **argv)
{
    bench_prog = "report_load";
    struct opts o;
    parse_opts(argc, argv, &o);
    if (strcmp(o.mode, "files") == 0)
        return cmd_files(&o);
    if (strcmp(o.mode, "run") == 0)
        return cmd_run(&o);
    if (strcmp(o.mode, "pgbench") == 0)
        return cmd_pgbench(&o);
    usage();
}
