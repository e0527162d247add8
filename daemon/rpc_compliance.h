/*
 * rpc_compliance: the policy (show: any role of the district; set: district
 * and admin), compliance of teachers, units and research groups, reporting
 * rates, and a teacher's registration handbook (登记手册). School accounts
 * see their own unit only.
 */
#ifndef YANXIU_RPC_COMPLIANCE_H
#define YANXIU_RPC_COMPLIANCE_H

#include "rpc.h"

void rpc_compliance_register(void);

/* Helpers the views share (rpc_assess too); each returns false after answering. */

/* Today in Asia/Shanghai, YYYY-MM-DD. */
void rpc_compliance_today(char out[11]);
/* The as-of day of a request: `given` (checked) or today. */
bool rpc_compliance_as_of(struct rpc_req *req, const char *given, char out[11]);
/* The unit filter: a school's own unit always (naming another is PERMISSION_DENIED);
   otherwise `requested` ('' for all), checked to be a 10-digit code. */
bool rpc_compliance_unit_filter(struct rpc_req *req, const char *requested, const char **unit);
/* A year from 2000 to 2100. */
bool rpc_compliance_year_ok(struct rpc_req *req, uint32_t year);
/* Splits "rule\x1fneeded\x1fhad\x1e..." into Reasons; false on OOM (free either way). */
bool rpc_compliance_parse_reasons(const char *s, Yanxiu__V1__Reason ***out, size_t *n);
void rpc_compliance_reasons_free(Yanxiu__V1__Reason **v, size_t n);

#endif
