/*
 * The database goes away under a running daemon: requests that need it get
 * UNAVAILABLE (never a success), everything else keeps being answered, and
 * once PostgreSQL is back the daemon recovers by itself, without a restart.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common.h"

#define USER     "fault.school"
#define PASSWORD "fault-Passw0rd-4c1d"
/* Logged in before the outage: its session must outlive it. */
#define OFFICE          "fault.office"
#define OFFICE_PASSWORD "office-Passw0rd-93b2"
/* Logs in while the database is being stopped. */
#define RACER          "race.school"
#define RACER_PASSWORD "race-Passw0rd-d70e"

/* How long a stopped database may take to show as UNAVAILABLE, and to come back. */
#define DOWN_WITHIN_MS    10000
#define RECOVER_WITHIN_MS 30000
#define POLL_MS           200

static bool pg_down;
static uint8_t office_token[32];

static void pg_stop(void)
{
    int st = it_sh("%s", it_env("YX_PG_STOP"));
    if (st != 0)
        fail_msg("stopping PostgreSQL ($YX_PG_STOP) failed with status %d", st);
    pg_down = true;
}

static void pg_start(void)
{
    int st = it_sh("%s", it_env("YX_PG_START"));
    if (st != 0)
        fail_msg("starting PostgreSQL ($YX_PG_START) failed with status %d", st);
    pg_down = false;
}

static void assert_daemon_alive(void)
{
    pid_t pid = (pid_t)atol(it_env("YX_DAEMON_PID"));
    assert_true(pid > 0);
    if (kill(pid, 0) != 0)
        fail_msg("yanxiud (pid %d) is gone: see $YX_DAEMON_LOG", (int)pid);
}

/* Sessions in the database of `user` that are not revoked. */
static int count_sessions(const char *user)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
             "WHERE u.name = '%s' AND s.revoked_at IS NULL;",
             user);
    int st;
    char *out = it_psql(false, &st, sql);
    if (st != 0)
        fail_msg("psql failed: %s", out);
    int n = atoi(out);
    free(out);
    return n;
}

/*
 * Sends a database ping on c and returns its answer: 0 for a success, else
 * the error code. The answer itself must come within the connection's timeout.
 */
static int ping_database(struct yxc *c, char *msg, size_t msglen)
{
    struct it_req r;
    it_req_ping(&r, true);
    uint64_t id;
    struct yxc_error err;
    if (!yxc_send(c, &r.env, &id, &err))
        fail_msg("sending a database ping: %s", err.message);
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_await(c, id, &resp, &err))
        fail_msg("no answer to a database ping: %s", err.message);
    int code = 0;
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR) {
        code = (int)resp->error->code;
        snprintf(msg, msglen, "%s", resp->error->message);
    } else {
        assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
        assert_true(resp->ping_reply->database_time_us > 0);
        msg[0] = '\0';
    }
    yxc_free(resp);
    return code;
}

static int setup(void **state)
{
    it_add_district("130101", "长安区");
    it_add_user(USER, "school", "130101", "1301010001", PASSWORD);
    it_add_user(OFFICE, "district", "130101", NULL, OFFICE_PASSWORD);
    it_add_user(RACER, "school", "130101", "1301010002", RACER_PASSWORD);
    yxc_close(it_login(OFFICE, OFFICE_PASSWORD, office_token));
    return 0;
}

static int teardown(void **state)
{
    /* Leave the cluster running for the harness, whatever failed. */
    if (pg_down)
        (void)it_sh("%s", getenv("YX_PG_START"));
    return 0;
}

static void database_ping_works_while_database_is_up(void **state)
{
    struct yxc *c = it_connect();
    it_ping_ok(c, true);
    it_ping_ok(c, false);
    yxc_close(c);
}

static void database_stopped_gives_unavailable_while_daemon_keeps_answering(void **state)
{
    struct yxc *c = it_connect();
    it_ping_ok(c, true);
    pg_stop();

    int64_t start = it_now_ms();
    char msg[512];
    bool unavailable = false;
    int tries = 0;
    while (!unavailable && it_now_ms() - start < DOWN_WITHIN_MS) {
        int code = ping_database(c, msg, sizeof(msg));
        tries++;
        if (code == 0)
            fail_msg("a database ping succeeded while PostgreSQL is stopped");
        if (code == YANXIU__V1__CODE__UNAVAILABLE)
            unavailable = true;
        else
            printf("database ping %d: %s: %s\n", tries, frame_code_name(code), msg);
        if (!unavailable)
            it_sleep_ms(POLL_MS);
    }
    if (!unavailable)
        fail_msg("no UNAVAILABLE within %d ms of stopping PostgreSQL (%d tries)", DOWN_WITHIN_MS,
                 tries);
    printf("UNAVAILABLE after %lld ms (%d tries): %s\n", (long long)(it_now_ms() - start), tries,
           msg);

    /* The daemon itself is fine: plain pings and new connections are served. */
    it_ping_ok(c, false);
    it_assert_serving();
    assert_daemon_alive();

    /* And a new client asking for the database hears UNAVAILABLE at once, too. */
    struct yxc *c2 = it_connect();
    int64_t t = it_now_ms();
    int code = ping_database(c2, msg, sizeof(msg));
    if (code != YANXIU__V1__CODE__UNAVAILABLE)
        fail_msg("expected UNAVAILABLE, got %s: %s", code ? frame_code_name(code) : "success", msg);
    printf("a fresh client heard UNAVAILABLE in %lld ms\n", (long long)(it_now_ms() - t));
    yxc_close(c2);
    yxc_close(c);
}

static void requests_sent_while_database_down_never_succeed(void **state)
{
    if (!pg_down)
        pg_stop();
    enum { PINGS = 10, LOGINS = 3 };
    struct yxc *c = it_connect();
    struct it_req pings[PINGS], logins[LOGINS];
    uint64_t ping_ids[PINGS], login_ids[LOGINS];
    struct yxc_error err;
    for (int i = 0; i < PINGS; i++) {
        it_req_ping(&pings[i], true);
        if (!yxc_send(c, &pings[i].env, &ping_ids[i], &err))
            fail_msg("%s", err.message);
    }
    /* The right password: a login that would write a session if it could. */
    for (int i = 0; i < LOGINS; i++) {
        it_req_login(&logins[i], USER, PASSWORD);
        if (!yxc_send(c, &logins[i].env, &login_ids[i], &err))
            fail_msg("%s", err.message);
    }
    for (int i = 0; i < PINGS + LOGINS; i++) {
        uint64_t id = i < PINGS ? ping_ids[i] : login_ids[i - PINGS];
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_await(c, id, &resp, &err))
            fail_msg("no answer to request %llu while the database is down: %s",
                     (unsigned long long)id, err.message);
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR)
            fail_msg("%s answered %s while PostgreSQL is stopped",
                     i < PINGS ? "a database ping" : "a login", yxc_body_name(resp->body_case));
        it_assert_error(resp, YANXIU__V1__CODE__UNAVAILABLE);
        yxc_free(resp);
    }
    /* A valid session cannot be checked or ended without the database either:
     * the daemon's session cache must not turn these into successes. */
    yxc_set_token(c, office_token, sizeof(office_token));
    struct it_req r;
    it_req_whoami(&r);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAVAILABLE, NULL, 0);
    it_req_audit(&r, NULL, 0);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAVAILABLE, NULL, 0);
    it_req_logout(&r);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAVAILABLE, NULL, 0);
    yxc_set_token(c, NULL, 0);

    /* Requests that need no database still work on the same connection. */
    it_ping_ok(c, false);
    yxc_close(c);
    assert_daemon_alive();
}

/* Polls with database pings until one succeeds; returns how long it took. */
static int64_t wait_for_recovery(struct yxc *c)
{
    int64_t start = it_now_ms();
    char msg[512] = "";
    int last = -1;
    for (;;) {
        last = ping_database(c, msg, sizeof(msg));
        if (last == 0)
            return it_now_ms() - start;
        if (it_now_ms() - start >= RECOVER_WITHIN_MS)
            break;
        it_sleep_ms(POLL_MS);
    }
    fail_msg("the daemon did not recover within %d ms of PostgreSQL's restart; last answer: "
             "%s: %s",
             RECOVER_WITHIN_MS, frame_code_name(last), msg);
    return -1;
}

static void database_back_recovers_without_daemon_restart(void **state)
{
    if (!pg_down)
        pg_stop();
    struct yxc *c = it_connect();
    pg_start();
    int64_t took = wait_for_recovery(c);
    printf("database pings succeed again %lld ms after PostgreSQL started\n", (long long)took);
    assert_daemon_alive();

    /* Nothing tried during the outage was written: no session from the
     * logins, and the logout that failed did not end the office's session. */
    assert_int_equal(count_sessions(USER), 0);
    assert_int_equal(count_sessions(OFFICE), 1);
    struct yxc *o = it_connect();
    yxc_set_token(o, office_token, sizeof(office_token));
    struct it_req w;
    it_req_whoami(&w);
    Yanxiu__V1__Envelope *who = it_call_ok(o, &w, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY);
    assert_string_equal(who->whoami_reply->identity->user, OFFICE);
    yxc_free(who);
    yxc_close(o);

    /* Work that needs the database is served again: a login and a session check. */
    uint8_t token[32];
    struct yxc *s = it_login(USER, PASSWORD, token);
    struct it_req r;
    it_req_whoami(&r);
    Yanxiu__V1__Envelope *resp = it_call_ok(s, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY);
    assert_string_equal(resp->whoami_reply->identity->user, USER);
    yxc_free(resp);
    assert_int_equal(count_sessions(USER), 1);
    yxc_close(s);
    yxc_close(c);
}

static void daemon_recovers_from_a_second_outage_too(void **state)
{
    struct yxc *c = it_connect();
    it_ping_ok(c, true);
    pg_stop();
    char msg[512];
    int code = 0;
    int64_t start = it_now_ms();
    do {
        code = ping_database(c, msg, sizeof(msg));
        if (code == 0)
            fail_msg("a database ping succeeded while PostgreSQL is stopped");
        if (code != YANXIU__V1__CODE__UNAVAILABLE)
            it_sleep_ms(POLL_MS);
    } while (code != YANXIU__V1__CODE__UNAVAILABLE && it_now_ms() - start < DOWN_WITHIN_MS);
    assert_int_equal(code, YANXIU__V1__CODE__UNAVAILABLE);
    pg_start();
    printf("recovered %lld ms after the second restart\n", (long long)wait_for_recovery(c));
    it_ping_ok(c, false);
    yxc_close(c);
    assert_daemon_alive();
}

/*
 * Logins (each a read, a hash on a worker, then a write) in flight while
 * PostgreSQL shuts down: whichever way each one ends, a login reported as a
 * success has its session in the database, and one reported as an error has
 * none.
 */
static void login_racing_a_database_stop_succeeds_only_if_committed(void **state)
{
    enum { N = 6 };
    if (pg_down) {
        struct yxc *c = it_connect();
        pg_start();
        (void)wait_for_recovery(c);
        yxc_close(c);
    }
    /* One login alone, to stop the database when about half of them are through. */
    int64_t t = it_now_ms();
    yxc_close(it_login(RACER, RACER_PASSWORD, NULL));
    int64_t one_ms = it_now_ms() - t;
    int before = count_sessions(RACER);
    struct yxc *conns[N];
    struct it_req reqs[N];
    uint64_t ids[N];
    struct yxc_error err;
    for (int i = 0; i < N; i++) {
        conns[i] = it_connect();
        it_req_login(&reqs[i], RACER, RACER_PASSWORD);
    }
    for (int i = 0; i < N; i++)
        if (!yxc_send(conns[i], &reqs[i].env, &ids[i], &err))
            fail_msg("%s", err.message);
    it_sleep_ms((int)(one_ms * N / 2 / 2)); /* two hashing workers on this box, or more */
    pg_stop();

    int ok = 0;
    uint8_t tokens[N][32];
    for (int i = 0; i < N; i++) {
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_await(conns[i], ids[i], &resp, &err))
            fail_msg("no answer to login %d: %s", i + 1, err.message);
        if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY) {
            assert_int_equal(resp->login_reply->token.len, 32);
            memcpy(tokens[ok++], resp->login_reply->token.data, 32);
        } else {
            it_assert_error(resp, YANXIU__V1__CODE__UNAVAILABLE);
        }
        yxc_free(resp);
        yxc_close(conns[i]);
    }
    printf("%d of %d logins racing the stop succeeded\n", ok, N);

    struct yxc *c = it_connect();
    pg_start();
    (void)wait_for_recovery(c);
    assert_int_equal(count_sessions(RACER), before + ok);
    for (int i = 0; i < ok; i++) {
        struct it_req r;
        it_req_whoami(&r);
        it_req_token(&r, tokens[i], 32);
        Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY);
        assert_string_equal(resp->whoami_reply->identity->user, RACER);
        yxc_free(resp);
    }
    yxc_close(c);
    assert_daemon_alive();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(database_ping_works_while_database_is_up),
        cmocka_unit_test(database_stopped_gives_unavailable_while_daemon_keeps_answering),
        cmocka_unit_test(requests_sent_while_database_down_never_succeed),
        cmocka_unit_test(database_back_recovers_without_daemon_restart),
        cmocka_unit_test(daemon_recovers_from_a_second_outage_too),
        cmocka_unit_test(login_racing_a_database_stop_succeeds_only_if_committed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
