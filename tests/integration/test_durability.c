/*
 * Durability: PostgreSQL with fsync on (YX_PG_FSYNC=1) crashes (pg_ctl stop
 * -m immediate) while several clients submit monthly reports. After it comes
 * back, every report the daemon acknowledged is there exactly once and whole
 * (its activities and sign-ins as sent), a submission whose answer was lost
 * is there at most once, and `yanxiud verify-ledger` agrees.
 *
 * Two crashes: one in the middle of the submissions (answers lost in
 * flight: each such report is stored at most once, whole), and one the
 * moment the clients have their answers but before they send more (the
 * acknowledged commits are the newest WAL).
 *
 * The cluster runs with synchronous_commit = off (as with-server sets it)
 * and a WAL writer that wakes only every 10 s: a commit acknowledged before
 * its WAL reached the kernel would vanish in the crash, unless the daemon
 * turns synchronous_commit on for its sessions, as it must.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

#define DISTRICT "330101"
#define OFFICE   "durable.office"
#define PASSWORD "durable-Passw0rd-71c3"

enum {
    CLIENTS = 4,           /* submitting at once, one unit each */
    MONTHS = 36,           /* at most this many submissions per client */
    ACTIVITIES = 4,        /* per report */
    TEACHERS = 6,          /* per unit, all signed in to every activity */
    CRASH_AFTER_ACKS = 40, /* acknowledged submissions before the first crash */
    MORE_ACKS = 20,        /* and before the second */
    START_WITHIN_MS = 60000,
    RECOVER_WITHIN_MS = 60000,
};

enum outcome { PENDING, ACKED, LOST, REFUSED };

struct submission {
    char key[65];
    char month[8];
    enum outcome outcome;
    char answer[600]; /* what came back when it was not an acknowledgement */
};

struct client {
    pthread_t thread;
    int index;
    struct yxc *conn;
    char unit[11];
    char teachers[TEACHERS][8];
    struct submission subs[MONTHS];
    int n;
};

static struct client clients[CLIENTS];
static atomic_int acks;
static atomic_bool hold; /* clients send nothing more */

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

/* One client: submits a new month after another until an answer is not an acknowledgement
 * or `hold` is set; a later run goes on with the next month. No cmocka asserts here (another
 * thread); the main thread judges what is recorded. */
static void *client_run(void *arg)
{
    struct client *c = arg;
    const char *teachers[TEACHERS];
    for (int i = 0; i < TEACHERS; i++)
        teachers[i] = c->teachers[i];
    for (int m = c->n; m < MONTHS && !atomic_load(&hold); m++) {
        struct submission *s = &c->subs[m];
        month_back(m + 1, s->month, sizeof(s->month));
        Yanxiu__V1__SubmitReportRequest *r =
            it_report_new(c->unit, s->month, ACTIVITIES, teachers, TEACHERS);
        it_set(&r->district_code, "");
        snprintf(s->key, sizeof(s->key), "%s", r->idempotency_key);
        c->n = m + 1;
        Yanxiu__V1__Envelope env;
        it_env_submit(&env, r);
        struct yxc_error err;
        uint64_t id;
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_send(c->conn, &env, &id, &err) || !yxc_await(c->conn, id, &resp, &err)) {
            s->outcome = LOST;
            snprintf(s->answer, sizeof(s->answer), "%s", err.message);
        } else if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY &&
                   resp->report_reply->version == 1) {
            s->outcome = ACKED;
            atomic_fetch_add(&acks, 1);
        } else {
            it_describe(resp, s->answer, sizeof(s->answer));
            bool unavailable = resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR &&
                               resp->error->code == YANXIU__V1__CODE__UNAVAILABLE;
            s->outcome = unavailable ? LOST : REFUSED;
        }
        yxc_free(resp);
        it_report_free(r);
        if (s->outcome != ACKED)
            break;
    }
    return NULL;
}

static int setup(void **state)
{
    /* Commits that are not flushed at once would stay in shared memory up to 10 s. */
    free(it_psql_ok(false, "ALTER SYSTEM SET wal_writer_delay = '10s';\n"
                           "SELECT pg_reload_conf();\n"));
    char *fsync = it_psql_ok(false, "SHOW fsync;");
    if (strncmp(fsync, "on", 2) != 0)
        fail_msg("PostgreSQL runs with fsync = %s: run this test with YX_PG_FSYNC=1", fsync);
    free(fsync);
    char *sc = it_psql_ok(true, "SHOW synchronous_commit;");
    if (strncmp(sc, "off", 3) != 0)
        fail_msg("the cluster's synchronous_commit is %s; this test needs off (with-server)", sc);
    free(sc);

    it_add_district(DISTRICT, "上城区");
    it_add_user(OFFICE, "district", DISTRICT, NULL, PASSWORD);
    for (int i = 0; i < CLIENTS; i++) {
        struct client *c = &clients[i];
        c->index = i;
        snprintf(c->unit, sizeof(c->unit), "33010100%02d", i + 1);
        for (int t = 0; t < TEACHERS; t++)
            snprintf(c->teachers[t], sizeof(c->teachers[t]), "D%dT%02d", i + 1, t + 1);
        free(it_psql_ok(false,
                        "INSERT INTO schools (code, district_code, name, kind, central_code, "
                        "unit_code) VALUES ('%s', '" DISTRICT "', '上城第%d中学', 'junior', NULL, "
                        "'%s');\n"
                        "INSERT INTO teachers (district_code, code, name, school_code) "
                        "SELECT '" DISTRICT "', format('D%dT%%s', lpad(i::text, 2, '0')), "
                        "format('教师%d-%%s', i), '%s' FROM generate_series(1, %d) i;\n",
                        c->unit, i + 1, c->unit, i + 1, i + 1, c->unit, TEACHERS));
    }
    return 0;
}

static void wait_for_database(int within_ms)
{
    int64_t start = it_now_ms();
    char last[512] = "";
    while (it_now_ms() - start < within_ms) {
        struct yxc *c = it_connect();
        struct it_req r;
        it_req_ping(&r, true);
        Yanxiu__V1__Envelope *resp = it_call_env(c, &r.env);
        bool ok = resp->body_case == YANXIU__V1__ENVELOPE__BODY_PING_REPLY;
        it_describe(resp, last, sizeof(last));
        yxc_free(resp);
        yxc_close(c);
        if (ok)
            return;
        it_sleep_ms(200);
    }
    fail_msg("the daemon did not reach the database within %d ms: %s", within_ms, last);
}

/* One stored version of the district, as the database has it after the crash. */
struct stored {
    char key[65];
    int activity_count, attendance_count; /* as counted at submission */
    int activity_rows, attendance_rows;   /* the rows there are */
};

/* Every version of the district with its rows counted. Returns how many; *out is malloc'd. */
static int read_stored(struct stored **out)
{
    char *text =
        it_psql_ok(false, "SELECT v.idem_key, v.activity_count, v.attendance_count, "
                          "(SELECT count(*) FROM activities a WHERE a.report_id = v.report_id "
                          "AND a.version = v.version), "
                          "(SELECT count(*) FROM attendance t WHERE t.report_id = v.report_id "
                          "AND t.version = v.version) "
                          "FROM report_versions v WHERE v.district_code = '" DISTRICT "';");
    int cap = 16, n = 0;
    struct stored *v = malloc((size_t)cap * sizeof(*v));
    assert_non_null(v);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            cap *= 2;
            v = realloc(v, (size_t)cap * sizeof(*v));
            assert_non_null(v);
        }
        struct stored *s = &v[n];
        if (sscanf(line, "%64[^|]|%d|%d|%d|%d", s->key, &s->activity_count, &s->attendance_count,
                   &s->activity_rows, &s->attendance_rows) != 5)
            fail_msg("unexpected line from psql: %s", line);
        n++;
    }
    free(text);
    *out = v;
    return n;
}

/* Logs every client in on a new connection and starts them. */
static void clients_start(void)
{
    atomic_store(&hold, false);
    for (int i = 0; i < CLIENTS; i++) {
        yxc_close(clients[i].conn);
        clients[i].conn = it_login(OFFICE, PASSWORD, NULL);
    }
    for (int i = 0; i < CLIENTS; i++)
        assert_int_equal(pthread_create(&clients[i].thread, NULL, client_run, &clients[i]), 0);
}

static void clients_join(void)
{
    for (int i = 0; i < CLIENTS; i++)
        assert_int_equal(pthread_join(clients[i].thread, NULL), 0);
}

/* Waits until `n` submissions have been acknowledged in all (asserts it happens in time). */
static void wait_for_acks(int n)
{
    int64_t start = it_now_ms();
    while (atomic_load(&acks) < n && it_now_ms() - start < START_WITHIN_MS)
        it_sleep_ms(1);
    if (atomic_load(&acks) < n)
        fail_msg("only %d of %d submissions acknowledged within %d ms", atomic_load(&acks), n,
                 START_WITHIN_MS);
}

static void pg_crash(void)
{
    int st = it_sh("%s", it_env("YX_PG_CRASH"));
    if (st != 0)
        fail_msg("pg_ctl stop -m immediate ($YX_PG_CRASH) failed with status %d", st);
}

static void acknowledged_reports_survive_an_immediate_stop_under_load(void **state)
{
    /* 1: the crash in the middle of the submissions. */
    clients_start();
    wait_for_acks(CRASH_AFTER_ACKS);
    int before = atomic_load(&acks);
    pg_crash();
    int after = atomic_load(&acks);
    clients_join();
    printf("first crash after %d acknowledged submissions (%d by the time pg_ctl returned)\n",
           before, after);
    assert_int_equal(it_sh("%s", it_env("YX_PG_START")), 0);
    wait_for_database(RECOVER_WITHIN_MS);

    /* 2: the crash as soon as the clients have their answers, before they send more. */
    int target = atomic_load(&acks) + MORE_ACKS;
    clients_start();
    wait_for_acks(target);
    atomic_store(&hold, true);
    clients_join();
    before = atomic_load(&acks);
    pg_crash();
    printf("second crash after %d acknowledged submissions, none in flight\n", before);
    assert_int_equal(it_sh("%s", it_env("YX_PG_START")), 0);
    wait_for_database(RECOVER_WITHIN_MS);

    struct stored *stored;
    int nstored = read_stored(&stored);
    int acked = 0, lost = 0, lost_present = 0, missing = 0, wrong = 0;
    for (int i = 0; i < CLIENTS; i++) {
        struct client *c = &clients[i];
        for (int m = 0; m < c->n; m++) {
            struct submission *s = &c->subs[m];
            if (s->outcome == REFUSED)
                fail_msg("client %d, %s: refused: %s", i + 1, s->month, s->answer);
            int found = 0;
            for (int k = 0; k < nstored; k++) {
                if (strcmp(stored[k].key, s->key) != 0)
                    continue;
                found++;
                const struct stored *v = &stored[k];
                if (v->activity_count != ACTIVITIES || v->activity_rows != ACTIVITIES ||
                    v->attendance_count != ACTIVITIES * TEACHERS ||
                    v->attendance_rows != ACTIVITIES * TEACHERS) {
                    printf("client %d, %s (key %s): %d/%d activities, %d/%d sign-ins stored; "
                           "%d and %d were sent\n",
                           i + 1, s->month, s->key, v->activity_count, v->activity_rows,
                           v->attendance_count, v->attendance_rows, ACTIVITIES,
                           ACTIVITIES * TEACHERS);
                    wrong++;
                }
            }
            if (s->outcome == ACKED) {
                acked++;
                if (found != 1) {
                    printf("client %d, %s (key %s): acknowledged, stored %d times\n", i + 1,
                           s->month, s->key, found);
                    missing++;
                }
            } else {
                lost++;
                lost_present += found;
                printf("client %d, %s: no acknowledgement (%s); stored %d times\n", i + 1, s->month,
                       s->answer, found);
                if (found > 1)
                    wrong++;
            }
        }
    }
    printf("%d acknowledged, %d without an answer (%d of them stored), %d versions stored\n", acked,
           lost, lost_present, nstored);
    free(stored);
    for (int i = 0; i < CLIENTS; i++)
        yxc_close(clients[i].conn);
    if (missing || wrong)
        fail_msg("%d acknowledged submissions are not stored exactly once, %d stored wrong "
                 "(see above)",
                 missing, wrong);
    assert_int_equal(nstored, acked + lost_present);

    int vst;
    char *out =
        it_sh_output(&vst, "%s -c %s verify-ledger", it_env("YX_YANXIUD"), it_env("YX_CONF"));
    printf("verify-ledger: %s", out);
    if (vst != 0)
        fail_msg("yanxiud verify-ledger failed (status %d) after the crash: %s", vst, out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_reports_survive_an_immediate_stop_under_load),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
