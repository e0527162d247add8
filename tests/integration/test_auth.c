/*
 * Accounts, sessions, tenancy and the audit log (issue 3) against the real
 * daemon and database: tokens required and checked, lockout that reveals
 * nothing, each district walled off from the other (in the daemon and in
 * PostgreSQL), nothing secret stored or logged in clear, and a storm of
 * logins that does not stall other clients.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common.h"
#include "rfc3339.h"
#include "vocab.h"

#define DISTRICT_X "110101"
#define DISTRICT_Y "120101"
#define UNIT_X     "1101010001"
#define UNIT_Y     "1201010001"

/* Accounts made with `yanxiud user add` before the tests; passwords distinctive
 * enough that finding one in a log or a dump cannot be a coincidence. */
struct account {
    const char *name, *role, *district, *unit, *password;
};
static const struct account ADMIN = {"it.admin", "admin", NULL, NULL, "Admin-pw-9f3e1c7a"};
static const struct account DIST_X = {"dongcheng.office", "district", DISTRICT_X, NULL,
                                      "DistX-pw-51b0d2e8"};
static const struct account DIST_Y = {"heping.office", "district", DISTRICT_Y, NULL,
                                      "DistY-pw-a7c64f19"};
static const struct account SCHOOL_X = {"school.1101010001", "school", DISTRICT_X, UNIT_X,
                                        "SchoolX-pw-3d8e0b66"};
static const struct account SCHOOL_Y = {"school.1201010001", "school", DISTRICT_Y, UNIT_Y,
                                        "SchoolY-pw-c2f9a415"};
/* Dedicated to tests that leave failed logins behind (they lock the name). */
static const struct account PROBE = {"probe.user", "school", DISTRICT_X, UNIT_X,
                                     "Probe-pw-7e21cc90"};
static const struct account LOCKED = {"lock.me", "school", DISTRICT_Y, UNIT_Y, "Lock-pw-0b5f93d4"};
static const struct account STORM = {"storm.target", "school", DISTRICT_X, UNIT_X,
                                     "Storm-pw-68ad1e27"};
static const struct account EXPIRY = {"expiry.user", "district", DISTRICT_X, NULL,
                                      "Expiry-pw-f4092b3c"};
static const struct account LEAVER = {"leaver.user", "school", DISTRICT_Y, UNIT_Y,
                                      "Leaver-pw-2a9c5e71"};
/* A wrong password that must not show up anywhere either. */
#define WRONG_SECRET "Wrong-secret-1e6b7d08"

static const struct account *const ACCOUNTS[] = {&ADMIN, &DIST_X, &DIST_Y, &SCHOOL_X, &SCHOOL_Y,
                                                 &PROBE, &LOCKED, &STORM,  &EXPIRY,   &LEAVER};

static struct yxc *login_as(const struct account *a, uint8_t token[32])
{
    return it_login(a->name, a->password, token);
}

static int setup(void **state)
{
    it_add_district(DISTRICT_X, "东城区");
    it_add_district(DISTRICT_Y, "和平区");
    for (size_t i = 0; i < sizeof(ACCOUNTS) / sizeof(ACCOUNTS[0]); i++) {
        const struct account *a = ACCOUNTS[i];
        it_add_user(a->name, a->role, a->district, a->unit, a->password);
    }
    return 0;
}

/* Every RPC that needs a session, as a request builder. */
static void build_logout(struct it_req *r)
{
    it_req_logout(r);
}
static void build_whoami(struct it_req *r)
{
    it_req_whoami(r);
}
static void build_audit(struct it_req *r)
{
    it_req_audit(r, NULL, 0);
}
static const struct {
    const char *name;
    void (*build)(struct it_req *r);
} SESSION_RPCS[] = {
    {"Logout", build_logout}, {"WhoAmI", build_whoami}, {"AuditQuery", build_audit}};
#define N_SESSION_RPCS (sizeof(SESSION_RPCS) / sizeof(SESSION_RPCS[0]))

/* Each RPC that needs a session, sent with `token` (NULL: none), is UNAUTHENTICATED. */
static void assert_every_rpc_unauthenticated(struct yxc *c, const uint8_t *token, size_t len,
                                             const char *what)
{
    for (size_t i = 0; i < N_SESSION_RPCS; i++) {
        struct it_req r;
        SESSION_RPCS[i].build(&r);
        if (token)
            it_req_token(&r, token, len);
        char msg[512];
        printf("%s %s: ", SESSION_RPCS[i].name, what);
        it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, msg, sizeof(msg));
        printf("UNAUTHENTICATED: %s\n", msg);
    }
}

static void rpcs_without_token_are_unauthenticated(void **state)
{
    struct yxc *c = it_connect();
    assert_every_rpc_unauthenticated(c, NULL, 0, "without a token");
    it_ping_ok(c, false); /* and the connection goes on */
    yxc_close(c);
}

static void rpcs_with_unknown_or_malformed_token_are_unauthenticated(void **state)
{
    struct yxc *c = it_connect();
    uint8_t token[64];
    assert_int_equal(getrandom(token, sizeof(token), 0), (ssize_t)sizeof(token));
    assert_every_rpc_unauthenticated(c, token, 32, "with a random 32-byte token");
    assert_every_rpc_unauthenticated(c, token, 5, "with a 5-byte token");
    assert_every_rpc_unauthenticated(c, token, 64, "with a 64-byte token");
    yxc_close(c);
}

static void assert_identity(const Yanxiu__V1__Identity *id, const struct account *a)
{
    assert_non_null(id);
    assert_string_equal(id->user, a->name);
    assert_string_equal(vocab_code_of(&vocab_role, id->role), a->role);
    assert_string_equal(id->district_code, a->district ? a->district : "");
    assert_string_equal(id->unit_code, a->unit ? a->unit : "");
}

static void login_with_right_password_returns_token_and_identity(void **state)
{
    const struct account *who[] = {&ADMIN, &DIST_X, &SCHOOL_X};
    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
        struct yxc *c = it_connect();
        struct it_req r;
        it_req_login(&r, who[i]->name, who[i]->password);
        Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY);
        const Yanxiu__V1__LoginResponse *lr = resp->login_reply;
        assert_int_equal(lr->token.len, 32);
        assert_identity(lr->identity, who[i]);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t expires = 0;
        assert_true(rfc3339_parse(lr->expires_at, &expires));
        assert_true(expires > (int64_t)now.tv_sec * 1000000);
        assert_true(strlen(lr->expires_at) == 25 && strstr(lr->expires_at, "+08:00"));
        yxc_set_token(c, lr->token.data, lr->token.len);
        char expires_at[RFC3339_LEN];
        snprintf(expires_at, sizeof(expires_at), "%s", lr->expires_at);
        yxc_free(resp);

        it_req_whoami(&r);
        resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY);
        assert_identity(resp->whoami_reply->identity, who[i]);
        assert_string_equal(resp->whoami_reply->expires_at, expires_at);
        yxc_free(resp);
        yxc_close(c);
    }
}

static void token_works_from_another_connection(void **state)
{
    uint8_t token[32];
    struct yxc *c = login_as(&SCHOOL_Y, token);
    yxc_close(c);
    struct yxc *other = it_connect();
    struct it_req r;
    it_req_whoami(&r);
    it_req_token(&r, token, sizeof(token));
    Yanxiu__V1__Envelope *resp = it_call_ok(other, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY);
    assert_identity(resp->whoami_reply->identity, &SCHOOL_Y);
    yxc_free(resp);
    yxc_close(other);
}

static void logout_revokes_the_token(void **state)
{
    uint8_t token[32];
    struct yxc *c = login_as(&DIST_Y, token);
    struct it_req r;
    it_req_whoami(&r);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY));
    it_req_logout(&r);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_LOGOUT_REPLY));

    assert_every_rpc_unauthenticated(c, token, sizeof(token), "after logout");
    /* On another connection too (no per-connection state saves it). */
    struct yxc *other = it_connect();
    assert_every_rpc_unauthenticated(other, token, sizeof(token), "after logout, elsewhere");
    yxc_close(other);
    yxc_close(c);
}

static void expired_token_is_unauthenticated(void **state)
{
    uint8_t token[32];
    struct yxc *c = login_as(&EXPIRY, token);
    struct it_req r;
    it_req_whoami(&r);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY));

    /* Time passes (as the superuser: the session ends a second ago). */
    char hex[65], sql[512];
    it_hex(token, sizeof(token), hex);
    snprintf(sql, sizeof(sql),
             "UPDATE sessions SET expires_at = now() - interval '1 second' "
             "WHERE token_hash = sha256('\\x%s'::bytea) RETURNING 1;",
             hex);
    int st;
    char *out = it_psql(false, &st, sql);
    if (st != 0 || strncmp(out, "1", 1) != 0)
        fail_msg("could not expire the session (status %d): %s", st, out);
    free(out);

    assert_every_rpc_unauthenticated(c, token, sizeof(token), "with an expired token");
    yxc_close(c);
}

static void wrong_password_and_unknown_user_get_the_same_answer(void **state)
{
    struct yxc *c = it_connect();
    struct it_req r;
    char wrong[512], unknown[512];
    it_req_login(&r, PROBE.name, WRONG_SECRET);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, wrong, sizeof(wrong));
    it_req_login(&r, "nobody.here", WRONG_SECRET);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, unknown, sizeof(unknown));
    printf("wrong password: %s\nunknown user:   %s\n", wrong, unknown);
    assert_string_equal(wrong, unknown);
    yxc_close(c);
    /* The right password still works after a failure. */
    yxc_close(login_as(&PROBE, NULL));
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Median time of `n` failed logins of `name` (each a separate call). */
static int64_t median_failed_login_ms(struct yxc *c, const char *name, int n)
{
    int64_t t[8];
    assert_true(n <= 8);
    for (int i = 0; i < n; i++) {
        struct it_req r;
        it_req_login(&r, name, WRONG_SECRET);
        int64_t start = it_now_ms();
        it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, NULL, 0);
        t[i] = it_now_ms() - start;
    }
    qsort(t, (size_t)n, sizeof(t[0]), cmp_i64);
    return t[n / 2];
}

static void unknown_user_costs_as_much_time_as_a_wrong_password(void **state)
{
    /* Else the time of the answer tells which names exist. */
    struct yxc *c = it_connect();
    int64_t known = median_failed_login_ms(c, PROBE.name, 5);
    int64_t unknown = median_failed_login_ms(c, "nobody.timed", 5);
    printf("failed login, median of 5: existing user %lld ms, unknown name %lld ms\n",
           (long long)known, (long long)unknown);
    if (unknown * 2 < known)
        fail_msg("a login of an unknown name (%lld ms) is answered much faster than a wrong "
                 "password (%lld ms): the password hash is skipped",
                 (long long)unknown, (long long)known);
    yxc_close(c);
    yxc_close(login_as(&PROBE, NULL)); /* forgets the failures */
}

static void disabled_user_loses_sessions_and_cannot_log_in(void **state)
{
    uint8_t token[32];
    struct yxc *c = login_as(&LEAVER, token);
    struct it_req r;
    it_req_whoami(&r);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY));

    int st = it_sh("\"$YX_YANXIUD\" -c \"$YX_CONF\" user disable '%s'", LEAVER.name);
    assert_int_equal(st, 0);
    assert_every_rpc_unauthenticated(c, token, sizeof(token), "of a disabled user");
    yxc_close(c);

    /* The right password is answered like a wrong one. */
    c = it_connect();
    char msg[512], wrong[512];
    it_req_login(&r, LEAVER.name, LEAVER.password);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, msg, sizeof(msg));
    it_req_login(&r, "nobody.else", LEAVER.password);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, wrong, sizeof(wrong));
    assert_string_equal(msg, wrong);
    yxc_close(c);
}

/* A lockout message with its numbers taken out ("try again in 15 minutes"
 * depends on the clock, not on whether the name exists). */
static void without_digits(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (*in < '0' || *in > '9')
            out[n++] = *in;
    out[n] = '\0';
}

/* Ten wrong passwords for `name`, then `password` (right or not) → the lockout answer. */
static void lock_out(struct yxc *c, const char *name, const char *password, char *answer,
                     size_t cap)
{
    struct it_req r;
    for (int i = 0; i < 10; i++) {
        char msg[512];
        it_req_login(&r, name, WRONG_SECRET);
        it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, msg, sizeof(msg));
        if (strstr(msg, "too many failed"))
            fail_msg("%s locked after %d failures already: %s", name, i, msg);
    }
    it_req_login(&r, name, password);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, answer, cap);
    printf("%s after 10 failures: %s\n", name, answer);
    if (!strstr(answer, "too many failed"))
        fail_msg("expected a lockout (\"too many failed ...\") for %s, got: %s", name, answer);
}

static void lockout_after_ten_failures_refuses_the_right_password(void **state)
{
    struct yxc *c = it_connect();
    char answer[512], unknown[512];
    lock_out(c, LOCKED.name, LOCKED.password, answer, sizeof(answer));

    /* An unknown name locks the same way, with the same words. */
    lock_out(c, "nobody.at.all", "Whatever-pw-000", unknown, sizeof(unknown));
    char a[512], b[512];
    without_digits(answer, a, sizeof(a));
    without_digits(unknown, b, sizeof(b));
    assert_string_equal(a, b);

    /* Other users are not affected. */
    yxc_close(login_as(&SCHOOL_Y, NULL));
    yxc_close(c);
}

static void school_role_cannot_query_the_audit_log(void **state)
{
    struct yxc *c = login_as(&SCHOOL_X, NULL);
    struct it_req r;
    it_req_audit(&r, NULL, 0);
    char msg[512];
    it_call_fails(c, &r, YANXIU__V1__CODE__PERMISSION_DENIED, msg, sizeof(msg));
    printf("school AuditQuery: PERMISSION_DENIED: %s\n", msg);
    yxc_close(c);
}

/* Sends env on c and asserts an Error with `code` and `reason`; copies its message. */
static void refused_with(struct yxc *c, Yanxiu__V1__Envelope *env, int code, const char *reason,
                         char *msg, size_t cap)
{
    struct yxc_error err;
    uint64_t id;
    if (!yxc_send(c, env, &id, &err))
        fail_msg("sending %s: %s", yxc_body_name(env->body_case), err.message);
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_await(c, id, &resp, &err))
        fail_msg("awaiting %s: %s", yxc_body_name(env->body_case), err.message);
    it_assert_error(resp, code);
    printf("%s: %s: %s\n", yxc_body_name(env->body_case), resp->error->reason,
           resp->error->message);
    assert_string_equal(resp->error->reason, reason);
    snprintf(msg, cap, "%s", resp->error->message);
    yxc_free(resp);
}

static void school_user_is_answered_in_chinese_by_default_and_in_english_when_asked(void **state)
{
    char msg[512];
    /* Refused by the daemon (the role's wall), in the connection's language. */
    const char *langs[] = {NULL, "zh-CN", "en"};
    const char *expect[] = {"学校账号 "
                            "school.1101010001"
                            " 无权进行此操作",
                            "学校账号 "
                            "school.1101010001"
                            " 无权进行此操作",
                            "the school account school.1101010001 may not do this"};
    for (size_t i = 0; i < 3; i++) {
        struct yxc *c = it_login_lang(SCHOOL_X.name, SCHOOL_X.password, langs[i], NULL);
        struct it_req r;
        it_req_audit(&r, NULL, 0);
        refused_with(c, &r.env, YANXIU__V1__CODE__PERMISSION_DENIED, "role_not_allowed", msg,
                     sizeof(msg));
        assert_string_equal(msg, expect[i]);
        yxc_close(c);
    }
    /* Refused by the database (a RAISE with its code and JSON arguments), rendered the same
     * way: a review of a month the unit never reported. */
    Yanxiu__V1__ReviewReportRequest rv = YANXIU__V1__REVIEW_REPORT_REQUEST__INIT;
    rv.unit_code = (char *)UNIT_X;
    rv.month = "2024-01";
    rv.action = "approve";
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT;
    env.review_report = &rv;
    struct yxc *zh = it_login_lang(DIST_X.name, DIST_X.password, NULL, NULL);
    refused_with(zh, &env, YANXIU__V1__CODE__NOT_FOUND, "report_not_found", msg, sizeof(msg));
    assert_string_equal(msg, "单位 " UNIT_X " 没有 2024-01 的月报");
    yxc_close(zh);
    struct yxc *en = it_login_lang(DIST_X.name, DIST_X.password, "en", NULL);
    refused_with(en, &env, YANXIU__V1__CODE__NOT_FOUND, "report_not_found", msg, sizeof(msg));
    assert_string_equal(msg, "unit " UNIT_X " has no report for 2024-01");
    yxc_close(en);
}

/* The whole audit log as `c`'s caller sees it. */
static Yanxiu__V1__Envelope *audit_all(struct yxc *c, const char *user)
{
    struct it_req r;
    it_req_audit(&r, user, 10000);
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST);
    assert_false(resp->audit_list->truncated);
    return resp;
}

static bool has_entry(const Yanxiu__V1__AuditList *l, const char *user, const char *action,
                      const char *outcome_prefix)
{
    for (size_t i = 0; i < l->n_entries; i++) {
        const Yanxiu__V1__AuditEntry *e = l->entries[i];
        if (strcmp(e->user, user) == 0 && strcmp(e->action, action) == 0 &&
            strncmp(e->outcome, outcome_prefix, strlen(outcome_prefix)) == 0)
            return true;
    }
    return false;
}

/* Both districts' users log in (and fail once), so that both have audit rows. */
static void make_audit_rows_in_both_districts(void)
{
    yxc_close(login_as(&DIST_X, NULL));
    yxc_close(login_as(&DIST_Y, NULL));
    yxc_close(login_as(&SCHOOL_X, NULL));
    yxc_close(login_as(&SCHOOL_Y, NULL));
    struct yxc *c = it_connect();
    struct it_req r;
    it_req_login(&r, SCHOOL_Y.name, WRONG_SECRET);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, NULL, 0);
    it_req_login(&r, SCHOOL_X.name, WRONG_SECRET);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, NULL, 0);
    yxc_close(c);
    /* A right login forgets the failures: keep these names unlocked. */
    yxc_close(login_as(&SCHOOL_X, NULL));
    yxc_close(login_as(&SCHOOL_Y, NULL));
}

static void assert_district_sees_only_its_own(const struct account *office,
                                              const struct account *own_school,
                                              const struct account *other_office,
                                              const struct account *other_school)
{
    struct yxc *c = login_as(office, NULL);
    Yanxiu__V1__Envelope *resp = audit_all(c, NULL);
    const Yanxiu__V1__AuditList *l = resp->audit_list;
    printf("%s sees %zu audit entries\n", office->name, l->n_entries);
    for (size_t i = 0; i < l->n_entries; i++) {
        const Yanxiu__V1__AuditEntry *e = l->entries[i];
        if (strcmp(e->district_code, office->district) != 0)
            fail_msg("%s (district %s) sees an entry of district \"%s\": %s %s %s -> %s",
                     office->name, office->district, e->district_code, e->user, e->action,
                     e->target, e->outcome);
        assert_string_not_equal(e->user, other_office->name);
        assert_string_not_equal(e->user, other_school->name);
    }
    assert_true(has_entry(l, office->name, "login", "ok"));
    assert_true(has_entry(l, own_school->name, "login", "ok"));
    assert_true(has_entry(l, own_school->name, "login", "failed"));
    yxc_free(resp);

    /* Asking for the other district's user by name finds nothing either. */
    resp = audit_all(c, other_school->name);
    assert_int_equal(resp->audit_list->n_entries, 0);
    yxc_free(resp);
    resp = audit_all(c, other_office->name);
    assert_int_equal(resp->audit_list->n_entries, 0);
    yxc_free(resp);
    yxc_close(c);
}

static void district_audit_query_returns_only_its_district(void **state)
{
    make_audit_rows_in_both_districts();
    assert_district_sees_only_its_own(&DIST_X, &SCHOOL_X, &DIST_Y, &SCHOOL_Y);
    assert_district_sees_only_its_own(&DIST_Y, &SCHOOL_Y, &DIST_X, &SCHOOL_X);
}

static void admin_audit_query_sees_every_district(void **state)
{
    make_audit_rows_in_both_districts();
    struct yxc *c = login_as(&ADMIN, NULL);
    Yanxiu__V1__Envelope *resp = audit_all(c, NULL);
    const Yanxiu__V1__AuditList *l = resp->audit_list;
    printf("admin sees %zu audit entries\n", l->n_entries);
    assert_true(has_entry(l, DIST_X.name, "login", "ok"));
    assert_true(has_entry(l, DIST_Y.name, "login", "ok"));
    assert_true(has_entry(l, SCHOOL_X.name, "login", "failed"));
    assert_true(has_entry(l, SCHOOL_Y.name, "login", "failed"));
    assert_true(has_entry(l, ADMIN.name, "login", "ok"));
    bool seen_x = false, seen_y = false;
    for (size_t i = 0; i < l->n_entries; i++) {
        seen_x = seen_x || strcmp(l->entries[i]->district_code, DISTRICT_X) == 0;
        seen_y = seen_y || strcmp(l->entries[i]->district_code, DISTRICT_Y) == 0;
    }
    assert_true(seen_x && seen_y);
    yxc_free(resp);
    yxc_close(c);
}

/* Reads a whole file (malloc'd, NUL-terminated; *len without the NUL). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void assert_absent(const char *where, const char *text, size_t len, const void *secret,
                          size_t slen, const char *what)
{
    if (memmem(text, len, secret, slen))
        fail_msg("%s holds %s in clear", where, what);
}

/* Standard base64 of bytes, for looking for a token written that way. */
static void base64(const uint8_t *in, size_t len, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = t[(v >> 18) & 63];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < len ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

static void no_password_or_token_in_clear_in_database_or_logs(void **state)
{
    /* A session that is used, a failed login, and a logout: all of it logged. */
    uint8_t token[32];
    struct yxc *c = login_as(&DIST_X, token);
    struct it_req r;
    it_req_whoami(&r);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY));
    it_req_audit(&r, NULL, 10);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST));
    yxc_close(c);
    uint8_t token2[32];
    c = login_as(&SCHOOL_Y, token2);
    it_req_logout(&r);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_LOGOUT_REPLY));
    yxc_close(c);
    c = it_connect();
    it_req_login(&r, ADMIN.name, WRONG_SECRET);
    it_call_fails(c, &r, YANXIU__V1__CODE__UNAUTHENTICATED, NULL, 0);
    yxc_close(c);
    yxc_close(login_as(&ADMIN, NULL)); /* forgets the failure */

    /* Every stored password is an argon2id hash. */
    int st;
    char *out = it_psql(false, &st, "SELECT name || ' ' || pw_hash FROM users ORDER BY name;");
    assert_int_equal(st, 0);
    size_t users = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        const char *hash = strchr(line, ' ');
        assert_non_null(hash);
        if (strncmp(hash + 1, "$argon2id$", 10) != 0)
            fail_msg("users.pw_hash of %.*s is not an argon2id hash", (int)(hash - line), line);
        users++;
    }
    assert_int_equal(users, sizeof(ACCOUNTS) / sizeof(ACCOUNTS[0]));
    free(out);

    /* What to look for: each password, the wrong one, and both tokens as
     * raw bytes, hex (also how bytea prints) and base64. */
    char hex[2][65], b64[2][48];
    it_hex(token, 32, hex[0]);
    it_hex(token2, 32, hex[1]);
    base64(token, 32, b64[0]);
    base64(token2, 32, b64[1]);

    size_t len;
    char path[4096];
    const char *files[3];
    char *texts[3];
    size_t lens[3];
    /* The database, whole, as pg_dump sees it. */
    out = it_sh_output(&st, "pg_dump -h \"$YX_PGHOST\" -p \"$YX_PGPORT\" -U postgres --data-only "
                            "\"$YX_DBNAME\"");
    if (st != 0)
        fail_msg("pg_dump failed (status %d): %s", st, out);
    assert_non_null(strstr(out, "argon2id")); /* it did dump the users */
    files[0] = "a pg_dump of the database";
    texts[0] = out;
    lens[0] = strlen(out);
    files[1] = "the daemon's log ($YX_DAEMON_LOG)";
    texts[1] = slurp(it_env("YX_DAEMON_LOG"), &len);
    lens[1] = len;
    snprintf(path, sizeof(path), "%s/postgres.log", it_env("YX_DIR"));
    files[2] = "PostgreSQL's log";
    texts[2] = slurp(path, &len);
    lens[2] = len;
    printf("searched %zu bytes of dump, %zu of daemon log, %zu of PostgreSQL log\n", lens[0],
           lens[1], lens[2]);

    for (int f = 0; f < 3; f++) {
        for (size_t i = 0; i < sizeof(ACCOUNTS) / sizeof(ACCOUNTS[0]); i++)
            assert_absent(files[f], texts[f], lens[f], ACCOUNTS[i]->password,
                          strlen(ACCOUNTS[i]->password), "a password");
        assert_absent(files[f], texts[f], lens[f], WRONG_SECRET, strlen(WRONG_SECRET),
                      "a wrong password");
        for (int t = 0; t < 2; t++) {
            assert_absent(files[f], texts[f], lens[f], t ? token2 : token, 32, "a token (raw)");
            assert_absent(files[f], texts[f], lens[f], hex[t], 64, "a token (hex)");
            assert_absent(files[f], texts[f], lens[f], b64[t], 43, "a token (base64)");
        }
        free(texts[f]);
    }
}

/* Logs `a` in (a fresh session) and returns its token in hex (65 bytes). */
static void token_of(const struct account *a, char hex[65])
{
    uint8_t token[32];
    yxc_close(login_as(a, token));
    it_hex(token, sizeof(token), hex);
}

/* Runs SQL as the daemon's role inside a transaction begun, as the daemon
 * does, with a session token (hex); set_config of the yanxiu.* settings
 * gives nothing since migration 010. */
static char *as_daemon(const char *hex, const char *queries, int *st)
{
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "BEGIN;\n"
             "SELECT session_begin('\\x%s'::bytea) \\g /dev/null\n"
             "%s\n"
             "COMMIT;\n",
             hex, queries);
    return it_psql(true, st, sql);
}

static void row_level_wall_hides_other_districts_from_the_daemon_role(void **state)
{
    /* Both districts have rows in every tenant table (counted as the superuser). */
    make_audit_rows_in_both_districts();
    static const char counts[] =
        "SELECT count(*) FROM users WHERE district_code = '" DISTRICT_Y "';\n"
        "SELECT count(*) FROM audit_log WHERE district_code = '" DISTRICT_Y "';\n"
        "SELECT count(*) FROM districts WHERE code = '" DISTRICT_Y "';\n"
        "SELECT count(*) FROM users WHERE district_code = '" DISTRICT_X "';\n"
        "SELECT count(*) FROM audit_log WHERE district_code = '" DISTRICT_X "';\n"
        "SELECT count(*) FROM districts WHERE code = '" DISTRICT_X "';\n"
        /* a forgotten WHERE: everything the caller can see that is not its own */
        "SELECT count(*) FROM users WHERE district_code IS DISTINCT FROM '" DISTRICT_X "';\n"
        "SELECT count(*) FROM audit_log WHERE district_code IS DISTINCT FROM '" DISTRICT_X "';\n"
        "SELECT count(*) FROM districts WHERE code <> '" DISTRICT_X "';";
    enum {
        Y_USERS,
        Y_AUDIT,
        Y_DISTRICTS,
        X_USERS,
        X_AUDIT,
        X_DISTRICTS,
        NOT_X_USERS,
        NOT_X_AUDIT,
        NOT_X_DISTRICTS,
        NCOUNTS
    };
    static const char *const names[NCOUNTS] = {
        "users of Y", "audit_log of Y", "districts Y",        "users of X",     "audit_log of X",
        "district X", "users not of X", "audit_log not of X", "districts not X"};

    /* the sessions first: their logins add rows to audit_log */
    static const char *const roles[] = {"district", "school"};
    static const struct account *const accounts[] = {&DIST_X, &SCHOOL_X};
    char tokens[2][65];
    for (size_t k = 0; k < 2; k++)
        token_of(accounts[k], tokens[k]);
    int st;
    long all[NCOUNTS], seen[NCOUNTS];
    char *out = it_psql(false, &st, counts);
    if (st != 0)
        fail_msg("psql as superuser failed: %s", out);
    char *p = out;
    for (int i = 0; i < NCOUNTS; i++)
        all[i] = strtol(p, &p, 10);
    free(out);
    for (int i = 0; i < NCOUNTS; i++)
        if (all[i] <= 0)
            fail_msg("the superuser sees no rows of %s: nothing to test the wall with", names[i]);

    for (size_t k = 0; k < 2; k++) {
        out = as_daemon(tokens[k], counts, &st);
        if (st != 0)
            fail_msg("psql as the daemon's role failed: %s", out);
        p = out;
        for (int i = 0; i < NCOUNTS; i++)
            seen[i] = strtol(p, &p, 10);
        free(out);
        for (int i = 0; i < NCOUNTS; i++)
            printf("as %s of %s: %-20s %ld of %ld rows\n", roles[k], DISTRICT_X, names[i], seen[i],
                   all[i]);
        for (int i = Y_USERS; i <= Y_DISTRICTS; i++)
            if (seen[i] != 0)
                fail_msg("the daemon's role, set up as %s %s, sees %ld rows of %s", roles[k],
                         DISTRICT_X, seen[i], names[i]);
        for (int i = NOT_X_USERS; i <= NOT_X_DISTRICTS; i++)
            assert_int_equal(seen[i], 0);
        /* Its own rows it does see: the wall is not simply "nothing". */
        for (int i = X_USERS; i <= X_DISTRICTS; i++)
            assert_int_equal(seen[i], all[i]);
    }

    /* With no caller set at all, nothing of any district is visible. */
    out = it_psql(true, &st,
                  "SELECT count(*) FROM users; SELECT count(*) FROM audit_log "
                  "WHERE district_code IS NOT NULL; SELECT count(*) FROM districts;");
    if (st != 0)
        fail_msg("psql as the daemon's role failed: %s", out);
    assert_string_equal(out, "0\n0\n0\n");
    free(out);
}

static void assert_daemon_role_refused(const char *sql, const char *expect)
{
    int st;
    char *out = it_psql(true, &st, sql);
    printf("as yanxiud: %s -> status %d: %s", sql, st, out);
    if (st == 0)
        fail_msg("the daemon's role was allowed: %s", sql);
    if (!strstr(out, expect))
        fail_msg("expected \"%s\" for %s, got: %s", expect, sql, out);
    free(out);
}

static void daemon_role_cannot_rewrite_audit_log_or_read_secrets(void **state)
{
    make_audit_rows_in_both_districts();
    static const char admin_scope[] = "SET yanxiu.role = 'admin'; SET yanxiu.district = ''; ";
    char sql[512];
    snprintf(sql, sizeof(sql), "%sUPDATE audit_log SET outcome = 'ok';", admin_scope);
    assert_daemon_role_refused(sql, "denied");
    snprintf(sql, sizeof(sql), "%sDELETE FROM audit_log;", admin_scope);
    assert_daemon_role_refused(sql, "denied");
    assert_daemon_role_refused("TRUNCATE audit_log;", "denied");
    assert_daemon_role_refused("SELECT pw_hash FROM users;", "denied");
    assert_daemon_role_refused("SELECT * FROM sessions;", "denied");
    assert_daemon_role_refused("SELECT * FROM login_failures;", "denied");
    assert_daemon_role_refused("UPDATE users SET role = 'admin';", "denied");

    /* Append-only holds for the schema's owner too (in a transaction rolled back). */
    int st;
    char *out = it_psql(false, &st,
                        "BEGIN; SET LOCAL ROLE yanxiu_owner; UPDATE audit_log SET outcome = 'x'; "
                        "ROLLBACK;");
    if (st == 0 || !strstr(out, "append-only"))
        fail_msg("the owner could update audit_log (status %d): %s", st, out);
    free(out);

    /* The daemon's role is no superuser and owns nothing. */
    out = it_psql(false, &st,
                  "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'yanxiud';"
                  "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                  "WHERE r.rolname IN ('yanxiud', 'yanxiu_app');");
    assert_int_equal(st, 0);
    assert_string_equal(out, "f\n0\n");
    free(out);
}

/* --- a storm of logins ---------------------------------------------------------------- */

enum { STORM_LOGINS = 100, STORM_PINGS = 50 };

struct pinger {
    struct yxc *c;
    int pause_ms;
    int64_t done_at[STORM_PINGS];
    int64_t latency_ms[STORM_PINGS];
    int failed; /* pings that got no ping_reply */
    char why[512];
};

static void *ping_thread(void *arg)
{
    struct pinger *p = arg;
    for (int i = 0; i < STORM_PINGS; i++) {
        struct it_req r;
        it_req_ping(&r, false);
        struct yxc_error err;
        Yanxiu__V1__Envelope *resp = NULL;
        int64_t t = it_now_ms();
        bool ok = yxc_call(p->c, &r.env, YANXIU__V1__ENVELOPE__BODY_PING_REPLY, &resp, &err);
        p->done_at[i] = it_now_ms();
        p->latency_ms[i] = p->done_at[i] - t;
        if (!ok) {
            p->failed++;
            snprintf(p->why, sizeof(p->why), "%s", err.message);
        }
        yxc_free(resp);
        it_sleep_ms(p->pause_ms);
    }
    return NULL;
}

static void login_storm_does_not_stall_pings(void **state)
{
    it_raise_nofile(STORM_LOGINS + 64);
    /* One wrong login alone, to know what a hash costs here. */
    struct yxc *c = it_connect();
    struct it_req one;
    it_req_login(&one, "storm.warmup", WRONG_SECRET);
    int64_t t = it_now_ms();
    it_call_fails(c, &one, YANXIU__V1__CODE__UNAUTHENTICATED, NULL, 0);
    int64_t one_ms = it_now_ms() - t;
    yxc_close(c);

    struct yxc *conns[STORM_LOGINS];
    struct it_req reqs[STORM_LOGINS];
    uint64_t ids[STORM_LOGINS];
    struct yxc_error err;
    for (int i = 0; i < STORM_LOGINS; i++) {
        conns[i] = it_connect();
        yxc_set_timeout(conns[i], 240000); /* the last one waits for all the others */
        it_req_login(&reqs[i], STORM.name, WRONG_SECRET);
    }
    struct pinger p = {.c = it_connect()};
    it_ping_ok(p.c, false);
    /* Spread the pings over roughly the time the storm should take. */
    p.pause_ms = (int)(one_ms * STORM_LOGINS / 2 / STORM_PINGS);
    if (p.pause_ms < 2)
        p.pause_ms = 2;
    if (p.pause_ms > 200)
        p.pause_ms = 200;

    int64_t start = it_now_ms();
    for (int i = 0; i < STORM_LOGINS; i++)
        if (!yxc_send(conns[i], &reqs[i].env, &ids[i], &err))
            fail_msg("sending login %d: %s", i + 1, err.message);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, ping_thread, &p), 0);

    int wrong = 0, locked = 0;
    for (int i = 0; i < STORM_LOGINS; i++) {
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_await(conns[i], ids[i], &resp, &err)) {
            pthread_join(th, NULL);
            fail_msg("awaiting login %d: %s", i + 1, err.message);
        }
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR) {
            pthread_join(th, NULL);
            fail_msg("a wrong password was answered with %s", yxc_body_name(resp->body_case));
        }
        if (resp->error->code != YANXIU__V1__CODE__UNAUTHENTICATED) {
            pthread_join(th, NULL);
            fail_msg("login %d: expected UNAUTHENTICATED, got %s: %s", i + 1,
                     frame_code_name((int)resp->error->code), resp->error->message);
        }
        if (strstr(resp->error->message, "too many failed"))
            locked++;
        else
            wrong++;
        yxc_free(resp);
    }
    int64_t storm_end = it_now_ms();
    int64_t storm_ms = storm_end - start;
    assert_int_equal(pthread_join(th, NULL), 0);

    /* Figures over the pings that overlapped the storm. */
    int64_t max_ms = 0, sum_ms = 0, sorted[STORM_PINGS];
    int during = 0;
    for (int i = 0; i < STORM_PINGS; i++) {
        if (p.done_at[i] - p.latency_ms[i] > storm_end)
            continue;
        sorted[during++] = p.latency_ms[i];
        sum_ms += p.latency_ms[i];
        if (p.latency_ms[i] > max_ms)
            max_ms = p.latency_ms[i];
    }
    qsort(sorted, (size_t)during, sizeof(sorted[0]), cmp_i64);
    int64_t median_ms = during ? sorted[during / 2] : 0;
    printf("one wrong login alone: %lld ms\n", (long long)one_ms);
    printf("%d concurrent wrong-password logins: %lld ms in total (%d wrong password, %d "
           "locked out)\n",
           STORM_LOGINS, (long long)storm_ms, wrong, locked);
    printf("%d pings %d ms apart, %d of them during the storm: max %lld ms, median %lld ms, "
           "mean %.1f ms\n",
           STORM_PINGS, p.pause_ms, during, (long long)max_ms, (long long)median_ms,
           during ? (double)sum_ms / during : 0.0);
    for (int i = 0; i < STORM_LOGINS; i++)
        yxc_close(conns[i]);
    yxc_close(p.c);

    if (p.failed)
        fail_msg("%d pings failed during the storm, last: %s", p.failed, p.why);
    /* The storm did hash: else it proves nothing about the workers. */
    assert_true(wrong >= 10);
    assert_true(during >= 10);
    if (max_ms * 4 >= storm_ms)
        fail_msg("a ping took %lld ms during a %lld ms login storm: the loop stalls",
                 (long long)max_ms, (long long)storm_ms);
    /* Stricter, and still relative to this machine's speed: a typical ping
     * waits for no hash at all (one hash on the loop per wakeup would put it
     * near one login's time). */
    if (median_ms * 2 >= one_ms)
        fail_msg("the median ping took %lld ms during the storm, a lone login %lld ms: pings "
                 "wait for password hashes",
                 (long long)median_ms, (long long)one_ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rpcs_without_token_are_unauthenticated),
        cmocka_unit_test(rpcs_with_unknown_or_malformed_token_are_unauthenticated),
        cmocka_unit_test(login_with_right_password_returns_token_and_identity),
        cmocka_unit_test(token_works_from_another_connection),
        cmocka_unit_test(logout_revokes_the_token),
        cmocka_unit_test(expired_token_is_unauthenticated),
        cmocka_unit_test(wrong_password_and_unknown_user_get_the_same_answer),
        cmocka_unit_test(unknown_user_costs_as_much_time_as_a_wrong_password),
        cmocka_unit_test(lockout_after_ten_failures_refuses_the_right_password),
        cmocka_unit_test(disabled_user_loses_sessions_and_cannot_log_in),
        cmocka_unit_test(school_role_cannot_query_the_audit_log),
        cmocka_unit_test(school_user_is_answered_in_chinese_by_default_and_in_english_when_asked),
        cmocka_unit_test(district_audit_query_returns_only_its_district),
        cmocka_unit_test(admin_audit_query_sees_every_district),
        cmocka_unit_test(no_password_or_token_in_clear_in_database_or_logs),
        cmocka_unit_test(row_level_wall_hides_other_districts_from_the_daemon_role),
        cmocka_unit_test(daemon_role_cannot_rewrite_audit_log_or_read_secrets),
        cmocka_unit_test(login_storm_does_not_stall_pings),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
