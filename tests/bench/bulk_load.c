/*
 * bulk_load: the load generator of the historical import in bulk
 * (SubmitBatch, daemon/rpc_bulk.c): a county's months loaded as a district
 * taking up yanxiu would, many reports a request.
 *
 *   bulk_load --district D --units U --months M --user NAME
 *             [--batch N] [--connections C] [--server HOST:PORT]
 *             [--key-prefix P] [--label L] [--token-file FILE] [--by-unit]
 *
 * logs in (password from $YANXIU_PASSWORD, or the token saved in FILE by an
 * earlier run), then sends the U x M reports (unit u of D0001.. as
 * tests/bench/report_load files makes them, 30 teachers T<unit>-01..30; the
 * M months that ended last; month by month, all units' reports of a month
 * together, or with --by-unit unit by unit, a unit's months together, as a
 * manifest listing each school's folder would) in batches of N, one batch in flight on each of
 * C connections, and prints reports/s, the batches' latency and the CPU time
 * the client used. Each report has 8 activities on different days, each
 * teacher signed in to each (present, late, excused, absent in a mix), and
 * the submission time 18:00 of its month's last day (a historical import).
 * Every answer is checked (N reports, each written or replayed with 240
 * sign-in rows); exits 1 when any batch failed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_common.h"
#include "vocab.h"
#include "yxc.h"

#define NACT      8
#define NTEACH    30
#define NATT      (NACT * NTEACH)
#define MAX_BATCH 500

struct opts {
    const char *district, *user, *server, *key_prefix, *label, *token_file;
    int units, months, batch, connections;
    bool by_unit; /* a unit's months together (--by-unit), not a month's units */
    int cur_year, cur_month; /* the last month ended (Asia/Shanghai) */
};

/* ---- one report ----------------------------------------------------------------- */

static const char *const titles[NACT] = {"师德师风专题讲座",
                                         "语文组大单元教学设计集体备课",
                                         "信息技术2.0：交互式白板课堂应用",
                                         "数学组公开课听评课",
                                         "青年教师课堂教学能力提升工作坊",
                                         "班主任工作经验交流与案例研讨",
                                         "中小学生心理健康教育专题培训",
                                         "校本课题开题论证"};
static const char *const categories[NACT] = {
    "ethics", "subject", "it", "skills", "skills", "homeroom", "mental_health", "research"};

struct report {
    Yanxiu__V1__SubmitReportRequest req;
    Yanxiu__V1__Activity act[NACT];
    Yanxiu__V1__Activity *actp[NACT];
    Yanxiu__V1__Attendance att[NATT];
    Yanxiu__V1__Attendance *attp[NATT];
    char unit[16], month[16], key[80], at[32];
    char date[NACT][32], ref[NACT][8];
    char tcode[NTEACH][24];
};

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
            *hours = 1.5;
        return "late";
    }
    return "present";
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* Report k: unit k % U, month k / U months before the last month ended; by unit, unit k / M,
 * month k % M months before. Its key names its unit and month, whatever the order. */
static void report_build(const struct opts *o, long k, struct report *r)
{
    int u = (int)(o->by_unit ? k / o->months : k % o->units);
    long back = o->by_unit ? k % o->months : k / o->units;
    long t = (long)o->cur_year * 12 + (o->cur_month - 1) - back;
    int year = (int)(t / 12), month = (int)(t % 12) + 1;
    snprintf(r->unit, sizeof(r->unit), "%s%04d", o->district, (u + 1) % 10000);
    snprintf(r->month, sizeof(r->month), "%04d-%02d", year % 10000, month % 100);
    snprintf(r->key, sizeof(r->key), "%s-import-%04d-%03ld", o->key_prefix, u, back);
    snprintf(r->at, sizeof(r->at), "%s-%02d 18:00", r->month, days_in(year, month));
    yanxiu__v1__submit_report_request__init(&r->req);
    r->req.unit_code = r->unit;
    r->req.month = r->month;
    r->req.idempotency_key = r->key;
    r->req.submitted_at = r->at;
    r->req.summary = "本月校本研修按计划开展，全体教师按要求签到。";
    r->req.activities = r->actp;
    r->req.n_activities = NACT;
    r->req.attendance = r->attp;
    r->req.n_attendance = NATT;
    for (int p = 0; p < NTEACH; p++)
        snprintf(r->tcode[p], sizeof(r->tcode[p]), "T%s-%02d", r->unit, p + 1);
    for (int a = 0; a < NACT; a++) {
        Yanxiu__V1__Activity *x = &r->act[a];
        yanxiu__v1__activity__init(x);
        r->actp[a] = x;
        snprintf(r->ref[a], sizeof(r->ref[a]), "A%02d", a + 1);
        snprintf(r->date[a], sizeof(r->date[a]), "%s-%02d", r->month, 1 + (3 * a + u) % 28);
        x->ref = r->ref[a];
        x->date = r->date[a];
        x->start = "14:00";
        x->end = "16:00";
        x->title = (char *)titles[a];
        x->category = (Yanxiu__V1__Category)vocab_value(&vocab_category, categories[a]);
        x->form = (Yanxiu__V1__Form)vocab_value(&vocab_form, "lecture");
        x->level = (Yanxiu__V1__Level)vocab_value(&vocab_level, "school");
        x->mode = (Yanxiu__V1__Mode)vocab_value(&vocab_mode, "centralized");
        x->place = "学校报告厅";
        x->host = "教导处";
        x->hours = 2.0;
        for (int p = 0; p < NTEACH; p++) {
            Yanxiu__V1__Attendance *s = &r->att[a * NTEACH + p];
            yanxiu__v1__attendance__init(s);
            r->attp[a * NTEACH + p] = s;
            s->activity_ref = x->ref;
            s->teacher_code = r->tcode[p];
            s->status = (Yanxiu__V1__AttendanceStatus)vocab_value(&vocab_attendance,
                                                                  att_status(a, p, &s->hours));
        }
    }
}

/* ---- the run ---------------------------------------------------------------------- */

struct shared {
    const struct opts *o;
    char host[256];
    uint16_t port;
    uint8_t token[32];
    long reports, batches;
    atomic_long next;   /* the next batch */
    atomic_long failed; /* batches */
    atomic_long written, replayed;
    double *latency_ms; /* per batch; NAN when it failed */
};

static struct yxc *connect_to(struct shared *sh, struct yxc_error *err)
{
    struct yxc *c = yxc_connect(sh->host, sh->port, 10000, err);
    Yanxiu__V1__Envelope *hello = NULL;
    if (c && !yxc_hello(c, "bulk_load", "en", &hello, err)) {
        yxc_close(c);
        return NULL;
    }
    yxc_free(hello);
    if (c)
        yxc_set_timeout(c, 600000);
    return c;
}

/* The session: the token saved in --token-file, else a login (saved there). */
static void session_token(struct shared *sh)
{
    const char *path = sh->o->token_file;
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f) {
        char hex[65] = "";
        bool ok = fscanf(f, "%64s", hex) == 1 && strlen(hex) == 64;
        for (int i = 0; ok && i < 32; i++) {
            unsigned v;
            ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
            sh->token[i] = (uint8_t)v;
        }
        fclose(f);
        if (!ok)
            bench_die("%s does not hold a token (64 hex digits)", path);
        return;
    }
    const char *password = getenv("YANXIU_PASSWORD");
    if (!password)
        bench_die("set YANXIU_PASSWORD to the password of %s", sh->o->user);
    struct yxc_error err;
    struct yxc *c = connect_to(sh, &err);
    if (!c)
        bench_die("connecting to %s: %s", sh->o->server, err.message);
    Yanxiu__V1__LoginRequest login = YANXIU__V1__LOGIN_REQUEST__INIT;
    login.user = (char *)sh->o->user;
    login.password = (char *)password;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_LOGIN;
    env.login = &login;
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_call(c, &env, YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY, &resp, &err))
        bench_die("logging in as %s: %s", sh->o->user, err.message);
    if (resp->login_reply->token.len != 32)
        bench_die("a token of %zu bytes, not 32", resp->login_reply->token.len);
    memcpy(sh->token, resp->login_reply->token.data, 32);
    yxc_free(resp);
    yxc_close(c);
    if (path && (f = fopen(path, "w"))) {
        for (int i = 0; i < 32; i++)
            fprintf(f, "%02x", sh->token[i]);
        fputc('\n', f);
        fclose(f);
    }
}

/* Why the answer to batch b (reports first..first+n-1) is not what was sent, or "". */
static void check_answer(const Yanxiu__V1__SubmitBatchReply *a, struct report **rs, long n,
                         char *why, size_t cap)
{
    why[0] = '\0';
    if ((long)a->n_reports != n || (long)(a->written + a->replayed) != n) {
        snprintf(why, cap, "%zu reports answered (%u written, %u replayed), %ld sent", a->n_reports,
                 a->written, a->replayed, n);
        return;
    }
    for (long i = 0; i < n; i++) {
        const Yanxiu__V1__ReportSummary *s = a->reports[i];
        if (strcmp(s->unit_code, rs[i]->unit) != 0 || strcmp(s->month, rs[i]->month) != 0 ||
            s->attendance_count != NATT || s->activity_count != NACT || !s->imported) {
            snprintf(why, cap, "report %ld answered as %s %s (%u activities, %u rows), sent %s %s",
                     i, s->unit_code, s->month, s->activity_count, s->attendance_count, rs[i]->unit,
                     rs[i]->month);
            return;
        }
    }
}

static void *worker(void *arg)
{
    struct shared *sh = arg;
    const struct opts *o = sh->o;
    struct yxc_error err;
    struct yxc *c = connect_to(sh, &err);
    if (!c) {
        fprintf(stderr, "bulk_load: connecting to %s: %s\n", o->server, err.message);
        atomic_fetch_add(&sh->failed, 1);
        return NULL;
    }
    yxc_set_token(c, sh->token, sizeof(sh->token));
    /* A connection takes frames above 64 KiB once a request of it carried a valid session. */
    Yanxiu__V1__WhoAmIRequest who = YANXIU__V1__WHO_AM_IREQUEST__INIT;
    Yanxiu__V1__Envelope wenv = YANXIU__V1__ENVELOPE__INIT;
    wenv.body_case = YANXIU__V1__ENVELOPE__BODY_WHOAMI;
    wenv.whoami = &who;
    Yanxiu__V1__Envelope *wresp = NULL;
    if (!yxc_call(c, &wenv, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY, &wresp, &err)) {
        fprintf(stderr, "bulk_load: WhoAmI: %s\n", err.message);
        atomic_fetch_add(&sh->failed, 1);
        yxc_close(c);
        return NULL;
    }
    yxc_free(wresp);
    struct report **rs = calloc((size_t)o->batch, sizeof(*rs));
    Yanxiu__V1__SubmitReportRequest **reqs = calloc((size_t)o->batch, sizeof(*reqs));
    for (int i = 0; rs && i < o->batch; i++)
        if (!(rs[i] = malloc(sizeof(*rs[i]))))
            bench_die("out of memory");
    if (!rs || !reqs)
        bench_die("out of memory");
    for (;;) {
        long b = atomic_fetch_add(&sh->next, 1);
        if (b >= sh->batches)
            break;
        long first = b * o->batch;
        long n = first + o->batch <= sh->reports ? o->batch : sh->reports - first;
        for (long i = 0; i < n; i++) {
            report_build(o, first + i, rs[i]);
            reqs[i] = &rs[i]->req;
        }
        Yanxiu__V1__SubmitBatchRequest batch = YANXIU__V1__SUBMIT_BATCH_REQUEST__INIT;
        batch.district_code = (char *)o->district; /* an admin names it; a district repeats it */
        batch.reports = reqs;
        batch.n_reports = (size_t)n;
        Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
        env.body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH;
        env.submit_batch = &batch;
        Yanxiu__V1__Envelope *resp = NULL;
        double t0 = bench_now();
        uint64_t id;
        bool ok = yxc_send(c, &env, &id, &err) && yxc_await(c, id, &resp, &err);
        double t1 = bench_now();
        char why[1024] = "";
        if (!ok)
            snprintf(why, sizeof(why), "%s", err.message);
        else if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR) {
            const Yanxiu__V1__Error *e = resp->error;
            int len = snprintf(why, sizeof(why), "%s", e->message);
            for (size_t i = 0; i < e->n_violations && i < 3 && len > 0 && len < (int)sizeof(why);
                 i++)
                len += snprintf(why + len, sizeof(why) - (size_t)len, "; %s %s %s: %s",
                                e->violations[i]->unit_code, e->violations[i]->month,
                                e->violations[i]->path, e->violations[i]->message);
            ok = false;
            err.fail = YXC_ERR_SERVER;
        } else if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_BATCH_REPLY)
            snprintf(why, sizeof(why), "answered %s", yxc_body_name(resp->body_case));
        else
            check_answer(resp->batch_reply, rs, n, why, sizeof(why));
        if (ok && !why[0]) {
            atomic_fetch_add(&sh->written, resp->batch_reply->written);
            atomic_fetch_add(&sh->replayed, resp->batch_reply->replayed);
            sh->latency_ms[b] = (t1 - t0) * 1e3;
        } else {
            fprintf(stderr, "bulk_load: batch %ld (reports %ld..%ld): %s\n", b, first,
                    first + n - 1, why);
            atomic_fetch_add(&sh->failed, 1);
        }
        yxc_free(resp);
        if (!ok && err.fail != YXC_ERR_SERVER)
            break;
    }
    for (int i = 0; i < o->batch; i++)
        free(rs[i]);
    free(rs);
    free(reqs);
    yxc_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    bench_prog = "bulk_load";
    static const struct option longopts[] = {
        {"district", required_argument, NULL, 'd'},
        {"units", required_argument, NULL, 'u'},
        {"months", required_argument, NULL, 'm'},
        {"batch", required_argument, NULL, 'b'},
        {"connections", required_argument, NULL, 'c'},
        {"server", required_argument, NULL, 's'},
        {"user", required_argument, NULL, 'U'},
        {"key-prefix", required_argument, NULL, 'k'},
        {"label", required_argument, NULL, 'l'},
        {"token-file", required_argument, NULL, 'T'},
        {"by-unit", no_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {.server = getenv("YX_SERVER"),
                     .key_prefix = "bulk",
                     .label = "bulk",
                     .batch = 100,
                     .connections = 2,
                     .months = 12};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o.district = optarg;
            break;
        case 'u':
            o.units = (int)bench_num_arg("units", optarg, 1, 9999);
            break;
        case 'm':
            o.months = (int)bench_num_arg("months", optarg, 1, 120);
            break;
        case 'b':
            o.batch = (int)bench_num_arg("batch", optarg, 1, MAX_BATCH);
            break;
        case 'c':
            o.connections = (int)bench_num_arg("connections", optarg, 1, 64);
            break;
        case 's':
            o.server = optarg;
            break;
        case 'U':
            o.user = optarg;
            break;
        case 'k':
            o.key_prefix = optarg;
            break;
        case 'l':
            o.label = optarg;
            break;
        case 'T':
            o.token_file = optarg;
            break;
        case 'B':
            o.by_unit = true;
            break;
        default:
            bench_die("usage: bulk_load --district D --units U --months M --user NAME [--batch N] "
                      "[--connections C] [--server HOST:PORT] [--key-prefix P] [--label L] "
                      "[--token-file FILE] [--by-unit]");
        }
    }
    if (!o.district || !o.units || !o.user || !o.server)
        bench_die("--district, --units, --user and --server (or YX_SERVER) are required");
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    long last = (long)(tm.tm_year + 1900) * 12 + tm.tm_mon - 1; /* the month before this one */
    o.cur_year = (int)(last / 12);
    o.cur_month = (int)(last % 12) + 1;

    struct shared sh = {.o = &o};
    struct yxc_error err;
    if (!yxc_parse_server(o.server, sh.host, sizeof(sh.host), &sh.port, &err))
        bench_die("%s", err.message);
    session_token(&sh);
    sh.reports = (long)o.units * o.months;
    sh.batches = (sh.reports + o.batch - 1) / o.batch;
    sh.latency_ms = malloc((size_t)sh.batches * sizeof(double));
    pthread_t *th = calloc((size_t)o.connections, sizeof(*th));
    if (!sh.latency_ms || !th)
        bench_die("out of memory");
    for (long b = 0; b < sh.batches; b++)
        sh.latency_ms[b] = NAN;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = bench_now();
    for (int i = 0; i < o.connections; i++)
        if (pthread_create(&th[i], NULL, worker, &sh) != 0)
            bench_die("pthread_create failed");
    for (int i = 0; i < o.connections; i++)
        pthread_join(th[i], NULL);
    double secs = bench_now() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                 (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    size_t n = 0;
    for (long b = 0; b < sh.batches; b++)
        if (!isnan(sh.latency_ms[b]))
            sh.latency_ms[n++] = sh.latency_ms[b];
    qsort(sh.latency_ms, n, sizeof(double), bench_cmp_double);
    long written = atomic_load(&sh.written), replayed = atomic_load(&sh.replayed);
    long failed = atomic_load(&sh.failed);
    double rate = (double)(written + replayed) / secs;
    printf("%s: %ld reports (%d activities x %d teachers; %ld written, %ld replayed) in %zu "
           "batches of %d over %d connections in %.2f s: %.1f reports/s; batch p50 %.0f ms, "
           "p99 %.0f ms; client CPU %.2f s; %ld batches failed\n",
           o.label, written + replayed, NACT, NTEACH, written, replayed, n, o.batch, o.connections,
           secs, rate, bench_percentile(sh.latency_ms, n, 50),
           bench_percentile(sh.latency_ms, n, 99), cpu, failed);
    printf("RESULT %s reports=%ld written=%ld replayed=%ld seconds=%.3f rate=%.2f "
           "batch_p50_ms=%.1f batch_p99_ms=%.1f failed=%ld\n",
           o.label, written + replayed, written, replayed, secs, rate,
           bench_percentile(sh.latency_ms, n, 50), bench_percentile(sh.latency_ms, n, 99), failed);
    free(sh.latency_ms);
    free(th);
    return failed ? 1 : 0;
}
