/*
 * rpc_basic: Hello and Ping.
 */
#include "rpc_basic.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "conn.h"

static const struct db_stmt basic_stmts[] = {
    {"ping_db", "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::int8, "
                "(SELECT coalesce(max(version), 0) FROM schema_migrations)"},
};

void rpc_basic_register(void)
{
    db_register(basic_stmts, sizeof(basic_stmts) / sizeof(basic_stmts[0]));
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum rpc_status rpc_basic_hello(struct rpc_req *req)
{
    static uint32_t versions[] = {PROTOCOL_VERSION};
    const Yanxiu__V1__HelloRequest *in = req->env->hello;
    enum msg_lang lang;
    if (!msg_lang_parse(in->language, &lang))
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "language_unsupported",
                               "language", rpc_text_ok(in->language, 64) ? in->language : "?",
                               NULL);
    req->lang = lang; /* the refusal below is in the language asked for */
    /* The server speaks one version: a client of another (or one naming
     * none, as v1 clients might) is refused, not answered with a version 0. */
    if (in->protocol_version != PROTOCOL_VERSION) {
        char asked[16], spoken[16];
        snprintf(asked, sizeof(asked), "%u", (unsigned)in->protocol_version);
        snprintf(spoken, sizeof(spoken), "%u", PROTOCOL_VERSION);
        return rpc_fail_reason(req, YANXIU__V1__CODE__FAILED_PRECONDITION,
                               "protocol_version_unsupported", "asked", asked, "spoken", spoken,
                               NULL);
    }
    if (req->conn) {
        req->conn->hello = true;
        req->conn->lang = lang;
    }
    Yanxiu__V1__HelloResponse out = YANXIU__V1__HELLO_RESPONSE__INIT;
    out.server_name = "yanxiud";
    out.server_version = YANXIU_VERSION;
    out.protocol_versions = versions;
    out.n_protocol_versions = 1;
    out.protocol_version = PROTOCOL_VERSION;
    out.language = (char *)msg_lang_name(lang);
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY;
    env.hello_reply = &out;
    return rpc_reply(req, &env);
}

static void ping_reply(struct rpc_req *req, int64_t db_us, uint32_t schema)
{
    Yanxiu__V1__PingResponse out = YANXIU__V1__PING_RESPONSE__INIT;
    out.server_time_us = now_us();
    out.database_time_us = db_us;
    out.schema_version = schema;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_PING_REPLY;
    env.ping_reply = &out;
    rpc_reply(req, &env);
}

static void ping_db_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    PGresult *r = out->results[0];
    ping_reply(req, strtoll(PQgetvalue(r, 0, 0), NULL, 10),
               (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10));
}

enum rpc_status rpc_basic_ping(struct rpc_req *req)
{
    if (!req->env->ping->database) {
        ping_reply(req, 0, 0);
        return RPC_ANSWERED;
    }
    /* Reachable means usable: a pool that answers while logins cannot be made is not. */
    if (db_pool_up(req->srv->login_db) == 0) {
        rpc_log_warn(req, ": the login pool (login_conninfo) has no connection");
        return rpc_fail_reason(req, YANXIU__V1__CODE__UNAVAILABLE, "database_down", NULL);
    }
    struct db_job *job = rpc_job_for(req, ping_db_done, req, NULL);
    if (!job || !db_job_add(job, "ping_db", 0, NULL)) {
        db_job_free(job);
        return rpc_fail_oom(req);
    }
    return rpc_submit(req, job);
}
