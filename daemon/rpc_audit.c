/*
 * rpc_audit: ListAudit.
 */
#include "rpc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"
#include "rowmap.h"

#define AUDIT_DEFAULT_LIMIT 1000
#define AUDIT_MAX_LIMIT     10000

static const struct db_stmt audit_stmts[] = {
    {"audit_list", "SELECT to_char(at AT TIME ZONE 'Asia/Shanghai', "
                   "'YYYY-MM-DD\"T\"HH24:MI:SS+08:00') AS at, "
                   "user_name AS user, role, coalesce(district_code, '') AS district_code, "
                   "client_addr, action, target, outcome "
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
    struct rowmap_rows rows;
    if (!rowmap_get_rows(req, r, &yanxiu__v1__audit_entry__descriptor, &rows))
        return;
    Yanxiu__V1__AuditList list = YANXIU__V1__AUDIT_LIST__INIT;
    list.truncated = rows.n > limit;
    list.n_entries = list.truncated ? limit : rows.n;
    list.entries = (Yanxiu__V1__AuditEntry **)rows.msgs;
    /* Oldest first for reading; the query took the newest `limit`. */
    for (size_t i = 0; i < list.n_entries / 2; i++) {
        Yanxiu__V1__AuditEntry *e = list.entries[i];
        list.entries[i] = list.entries[list.n_entries - 1 - i];
        list.entries[list.n_entries - 1 - i] = e;
    }
    rowmap_answer(req, YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST, &list.base);
    rowmap_rows_free(&rows);
}

enum rpc_status rpc_audit_list(struct rpc_req *req)
{
    const Yanxiu__V1__AuditQuery *q = req->env->audit_query;
    if (strlen(q->user) > 64) {
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "audit_user_too_long",
                               NULL);
    }
    uint32_t limit = q->limit == 0 ? AUDIT_DEFAULT_LIMIT : q->limit;
    if (limit > AUDIT_MAX_LIMIT)
        limit = AUDIT_MAX_LIMIT;
    char since[24], lim[16];
    int64_t since_us = 0;
    if (q->since[0] && !rfc3339_parse(q->since, &since_us))
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "time_invalid", "value",
                               rpc_quote(q->since), NULL);
    snprintf(since, sizeof(since), "%lld", (long long)(since_us < 0 ? 0 : since_us));
    snprintf(lim, sizeof(lim), "%u", limit + 1);
    /* The district's scope, stated here as well as walled in the database. */
    const char *district = req->session.role == ROLE_ADMIN ? "" : req->session.district;
    const char *v[] = {since, q->user, district, lim};
    return rpc_query(req, list_done, "audit_list", 4, v);
}
