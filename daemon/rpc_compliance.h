/*
 * rpc_compliance: the policy (show: any role of the district; set: district
 * and admin), compliance of teachers, units and research groups, reporting
 * rates, and a teacher's registration handbook (登记手册). School accounts
 * see their own unit only.
 */
#ifndef YANXIU_RPC_COMPLIANCE_H
#define YANXIU_RPC_COMPLIANCE_H

#include "rpc.h"

void compliance_register(void);
void compliance_policy_get(struct rpc_req *req);
void compliance_policy_set(struct rpc_req *req);
void compliance_teachers(struct rpc_req *req);
void compliance_units(struct rpc_req *req);
void compliance_groups(struct rpc_req *req);
void compliance_reporting_rates(struct rpc_req *req);
void compliance_teacher_history(struct rpc_req *req);

#endif
