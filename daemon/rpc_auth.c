/*
 * rpc_auth: sessions. Login is three steps: read the stored hash and the
 * lockout state (auth_login_begin), verify on a worker, then record the
 * session or the failure, all on the login pool (login_conninfo's role, the
 * only one that may call these functions). The token is 32 random bytes
 * returned once; the database keeps only its SHA-256.
 */
#include "rpc_auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hashpool.h"
#include "log.h"
#include "rfc3339.h"
#include "server.h"
#include "vocab.h"

#define MAX_USER     64
#define MAX_PASSWORD 1024

/* Prepared on the login pool only: its role alone may call these functions. */
static const struct db_stmt login_stmts[] = {
    {"auth_login_begin", "SELECT user_id, pw_hash, locked, retry_after_s "
                         "FROM auth_login_begin($1, $2::int, $3::int)"},
    {"auth_login_ok", "SELECT name, role, coalesce(district_code, ''), coalesce(unit_code, ''), "
                      "(extract(epoch FROM expires_at) * 1000000)::int8 "
                      "FROM auth_login_ok($1::int8, $2::bytea, $3::int, $4, $5)"},
    {"auth_login_failed", "SELECT auth_login_failed($1, $2, $3)"},
};

static const struct db_stmt auth_stmts[] = {
    {"session_revoke", "SELECT session_revoke($1::bytea, $2)"},
};

void rpc_auth_register(void)
{
    db_register(auth_stmts, sizeof(auth_stmts) / sizeof(auth_stmts[0]));
}

const struct db_stmt *rpc_auth_login_statements(size_t *n)
{
    *n = sizeof(login_stmts) / sizeof(login_stmts[0]);
    return login_stmts;
}

/* A login in progress; lives from auth_login until the answer. */
struct login {
    struct rpc_req *req;
    const char *answer; /* the reason code a failed login is told */
    char minutes[16];   /* its argument, for login_locked */
    int64_t user_id;    /* 0: unknown or disabled */
    uint8_t token[SESSION_TOKEN_BYTES];
    struct session s;
};

static void login_free(struct login *l);

static void login_drop(void *arg)
{
    login_free(arg);
}

/*
 * Adds one statement to a fresh job for the login and submits it to the
 * login pool; on any failure frees the login and answers. Login jobs carry
 * no session_begin: there is no session yet. `fn` is called for success
 * only; a failed job frees the login and is answered by the rpc layer.
 */
static enum rpc_status login_submit(struct login *l, db_done_fn fn, const char *stmt, int n,
                                    const char *const *v, const int *len, const int *fmt)
{
    struct rpc_req *req = l->req;
    struct db_job *job = rpc_job_for(req, fn, l, login_drop);
    if (!job || !db_job_add_bin(job, stmt, n, v, len, fmt)) {
        db_job_free(job);
        login_free(l);
        return rpc_fail_oom(req);
    }
    if (db_submit(req->srv->login_db, job) != DB_SUBMITTED) {
        login_free(l);
        return rpc_fail_reason(req, YANXIU__V1__CODE__UNAVAILABLE, "database_down", NULL);
    }
    req->submitted++;
    return RPC_PENDING;
}

/* Call before answering: the answer frees the request, and the password with it. */
static void login_free(struct login *l)
{
    /* The password is wiped here too, whatever path the login took. */
    Yanxiu__V1__LoginRequest *in = l->req ? l->req->env->login : NULL;
    if (in && in->password)
        sodium_memzero(in->password, strlen(in->password));
    sodium_memzero(l, sizeof(*l));
    free(l);
}

static void failed_done(void *arg, const struct db_outcome *out)
{
    struct login *l = arg;
    struct rpc_req *req = l->req;
    const char *answer = l->answer;
    char minutes[sizeof(l->minutes)];
    memcpy(minutes, l->minutes, sizeof(minutes));
    login_free(l);
    /* login_locked says in how many minutes; login_wrong has no argument. */
    rpc_fail_reason(req, YANXIU__V1__CODE__UNAUTHENTICATED, answer, minutes[0] ? "minutes" : NULL,
                    minutes, NULL);
}

/* Records a failed login (and its audit entry), then answers the reason `answer`. */
static void login_failed(struct login *l, const char *why, const char *answer)
{
    struct rpc_req *req = l->req;
    l->answer = answer;
    const char *v[] = {req->env->login->user, req->peer, why};
    (void)login_submit(l, failed_done, "auth_login_failed", 3, v, NULL, NULL);
}

static void ok_done(void *arg, const struct db_outcome *out)
{
    struct login *l = arg;
    struct rpc_req *req = l->req;
    PGresult *r = out->results[0];
    /* Copied out of the login, which is freed (and its password wiped)
     * before the answer frees the request. */
    struct session sess = l->s;
    uint8_t token[SESSION_TOKEN_BYTES];
    memcpy(token, l->token, sizeof(token));
    sess.user_id = l->user_id;
    snprintf(sess.user, sizeof(sess.user), "%s", PQgetvalue(r, 0, 0));
    sess.role = session_role_parse(PQgetvalue(r, 0, 1));
    snprintf(sess.district, sizeof(sess.district), "%s", PQgetvalue(r, 0, 2));
    snprintf(sess.unit, sizeof(sess.unit), "%s", PQgetvalue(r, 0, 3));
    sess.expires_us = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
    session_cache_put(&sess);
    login_free(l);
    if (req->conn)
        conn_logged_in(req->conn);

    Yanxiu__V1__Identity id = YANXIU__V1__IDENTITY__INIT;
    id.user = sess.user;
    id.role = (Yanxiu__V1__Role)vocab_value(&vocab_role, session_role_name(sess.role));
    id.district_code = sess.district;
    id.unit_code = sess.unit;
    Yanxiu__V1__LoginResponse resp = YANXIU__V1__LOGIN_RESPONSE__INIT;
    resp.token.data = token;
    resp.token.len = sizeof(token);
    char expires[RFC3339_LEN];
    rfc3339_format(sess.expires_us, expires);
    resp.expires_at = expires;
    resp.identity = &id;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY;
    env.login_reply = &resp;
    rpc_reply(req, &env);
    sodium_memzero(token, sizeof(token));
}

static void verified(void *arg, bool ok, const char *new_hash)
{
    struct login *l = arg;
    struct rpc_req *req = l->req;
    if (!ok || l->user_id == 0) {
        login_failed(l, l->user_id == 0 ? "unknown or disabled user" : "wrong password",
                     "login_wrong");
        return;
    }
    randombytes_buf(l->token, sizeof(l->token));
    session_hash_token(l->token, sizeof(l->token), l->s.token_hash);
    char uid[24], ttl[16];
    snprintf(uid, sizeof(uid), "%lld", (long long)l->user_id);
    snprintf(ttl, sizeof(ttl), "%d", req->srv->cfg.session_ttl);
    const char *v[] = {uid, (const char *)l->s.token_hash, ttl, req->peer, new_hash};
    int len[] = {0, SESSION_HASH_BYTES, 0, 0, 0};
    int fmt[] = {0, 1, 0, 0, 0};
    (void)login_submit(l, ok_done, "auth_login_ok", 5, v, len, fmt);
}

static void begin_done(void *arg, const struct db_outcome *out)
{
    struct login *l = arg;
    struct rpc_req *req = l->req;
    PGresult *r = out->results[0];
    bool locked = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
    if (locked) {
        /* Names that do not exist lock too: the answer reveals nothing. */
        snprintf(l->minutes, sizeof(l->minutes), "%d", (atoi(PQgetvalue(r, 0, 3)) + 59) / 60);
        login_failed(l, "locked", "login_locked");
        return;
    }
    const char *hash = NULL;
    if (!PQgetisnull(r, 0, 0)) {
        l->user_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        hash = PQgetvalue(r, 0, 1);
    }
    enum hashpool_status st = hashpool_verify(req->srv->hash, req->peer_lane, req->env->login->user,
                                              hash, req->env->login->password, verified, l);
    if (st == HASHPOOL_QUEUED)
        return;
    login_free(l);
    if (st == HASHPOOL_CLIENT_FULL) {
        char max[16];
        snprintf(max, sizeof(max), "%d", req->srv->cfg.hash_queue_per_addr);
        rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "login_busy_address", "address",
                        req->peer_lane, "max", max, NULL);
    } else {
        rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "login_busy", NULL);
    }
}

enum rpc_status rpc_auth_login(struct rpc_req *req)
{
    const Yanxiu__V1__LoginRequest *in = req->env->login;
    size_t ulen = strlen(in->user);
    if (ulen == 0 || ulen > MAX_USER || strlen(in->password) > MAX_PASSWORD) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                               ulen == 0 ? "login_name_empty" : "login_too_long", NULL);
    }
    struct login *l = calloc(1, sizeof(*l));
    if (!l) {
        return rpc_fail_oom(req);
    }
    l->req = req;
    char maxf[16], window[16];
    snprintf(maxf, sizeof(maxf), "%d", req->srv->cfg.lockout_failures);
    snprintf(window, sizeof(window), "%d", req->srv->cfg.lockout_window);
    const char *v[] = {in->user, maxf, window};
    return login_submit(l, begin_done, "auth_login_begin", 3, v, NULL, NULL);
}

static void logout_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    Yanxiu__V1__LogoutResponse resp = YANXIU__V1__LOGOUT_RESPONSE__INIT;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_LOGOUT_REPLY;
    env.logout_reply = &resp;
    rpc_reply(req, &env);
}

enum rpc_status rpc_auth_logout(struct rpc_req *req)
{
    session_cache_drop(req->session.token_hash);
    /* The token itself: the database hashes it (a hash alone revokes nothing). */
    const char *v[] = {(const char *)req->env->session_token.data, req->peer};
    int len[] = {SESSION_TOKEN_BYTES, 0};
    int fmt[] = {1, 0};
    /* Through session_begin: an expired or revoked token is refused, not "logged out". */
    struct db_job *job = rpc_job_new(req, logout_done);
    if (!job || !db_job_add_bin(job, "session_revoke", 2, v, len, fmt)) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}

static void whoami_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    const struct session *s = &req->session;
    Yanxiu__V1__Identity id = YANXIU__V1__IDENTITY__INIT;
    id.user = (char *)s->user;
    id.role = (Yanxiu__V1__Role)vocab_value(&vocab_role, session_role_name(s->role));
    id.district_code = (char *)s->district;
    id.unit_code = (char *)s->unit;
    Yanxiu__V1__WhoAmIResponse resp = YANXIU__V1__WHO_AM_IRESPONSE__INIT;
    resp.identity = &id;
    char expires[RFC3339_LEN];
    rfc3339_format(s->expires_us, expires);
    resp.expires_at = expires;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY;
    env.whoami_reply = &resp;
    rpc_reply(req, &env);
}

enum rpc_status rpc_auth_whoami(struct rpc_req *req)
{
    /* Through the database, so that a revoked session is caught now. */
    struct db_job *job = rpc_job_new(req, whoami_done);
    if (!job) {
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}
