/*
 * rpc_audit: ListAudit.
 */
#include "rpc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_DEFAULT_LIMIT 1000
#define AUDIT_MAX_LIMIT     10000

static const struct db_stmt audit_stmts[] = {
    {"audit_list", "SELECT (extract(epoch FROM at) * 1000000)::int8, user_name, role, "
                   "coalesce(district_code, ''), client_addr, action, target, outcome "
                   "FROM audit_log "
                   "WHERE at >= to_timestamp($1::int8 / 1000000.0) AND ($2 = '' OR user_name = $2) "
                   "AND ($3 = '' OR district_code = $3) "
                   "ORDER BY id DESC LIMIT $4::int"},
};

void rpc_audit_register(void)
{
    db_register(audit_stmts, sizeof(audit_stmts) / sizeof(audit_stmts[0]));
}

static void list_done(void *arg, const struct db_outcome *out)
{
    struct rpc_req *req = arg;
    PGresult *r = out->results[RPC_FIRST_RESULT];
    uint32_t limit = req->env->audit_query->limit;
    if (limit == 0 || limit > AUDIT_MAX_LIMIT)
        limit = limit == 0 ? AUDIT_DEFAULT_LIMIT : AUDIT_MAX_LIMIT;
    int rows = PQntuples(r);
    bool truncated = rows > (int)limit;
    if (truncated)
        rows = (int)limit;
    Yanxiu__V1__AuditEntry *entries = calloc((size_t)rows + 1, sizeof(*entries));
    Yanxiu__V1__AuditEntry **ptrs = calloc((size_t)rows + 1, sizeof(*ptrs));
    if (!entries || !ptrs) {
        free(entries);
        free(ptrs);
        rpc_fail_oom(req);
        return;
    }
    /* Oldest first for reading; the query took the newest `limit`. */
    for (int i = 0; i < rows; i++) {
        int row = rows - 1 - i;
        Yanxiu__V1__AuditEntry *e = &entries[i];
        yanxiu__v1__audit_entry__init(e);
        e->at_us = strtoll(PQgetvalue(r, row, 0), NULL, 10);
        e->user = PQgetvalue(r, row, 1);
        e->role = PQgetvalue(r, row, 2);
        e->district_code = PQgetvalue(r, row, 3);
        e->client_addr = PQgetvalue(r, row, 4);
        e->action = PQgetvalue(r, row, 5);
        e->target = PQgetvalue(r, row, 6);
        e->outcome = PQgetvalue(r, row, 7);
        ptrs[i] = e;
    }
    Yanxiu__V1__AuditList list = YANXIU__V1__AUDIT_LIST__INIT;
    list.entries = ptrs;
    list.n_entries = (size_t)rows;
    list.truncated = truncated;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST;
    env.audit_list = &list;
    rpc_reply(req, &env);
    free(entries);
    free(ptrs);
}

enum rpc_status rpc_audit_list(struct rpc_req *req)
{
    const Yanxiu__V1__AuditQuery *q = req->env->audit_query;
    if (strlen(q->user) > 64) {
        return rpc_fail(req, YANXIU__V1__CODE__INVALID_ARGUMENT,
                        "audit: the user name is too long");
    }
    uint32_t limit = q->limit == 0 ? AUDIT_DEFAULT_LIMIT : q->limit;
    if (limit > AUDIT_MAX_LIMIT)
        limit = AUDIT_MAX_LIMIT;
    char since[24], lim[16];
    snprintf(since, sizeof(since), "%lld", (long long)(q->since_us < 0 ? 0 : q->since_us));
    snprintf(lim, sizeof(lim), "%u", limit + 1);
    /* The district's scope, stated here as well as walled in the database. */
    const char *district = req->session.role == ROLE_ADMIN ? "" : req->session.district;
    const char *v[] = {since, q->user, district, lim};
    return rpc_query(req, list_done, "audit_list", 4, v);
}
