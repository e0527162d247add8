/*
 * rpc_roster: schools and reporting units (district), the teacher roster
 * (school: its own unit; district: any unit), transfers (district).
 */
#ifndef YANXIU_RPC_ROSTER_H
#define YANXIU_RPC_ROSTER_H

#include "rpc.h"

void rpc_roster_register(void);
enum rpc_status rpc_roster_import_units(struct rpc_req *req) YX_MUST_CHECK;
enum rpc_status rpc_roster_list_units(struct rpc_req *req) YX_MUST_CHECK;
enum rpc_status rpc_roster_import(struct rpc_req *req) YX_MUST_CHECK;
enum rpc_status rpc_roster_list(struct rpc_req *req) YX_MUST_CHECK;
enum rpc_status rpc_roster_transfer(struct rpc_req *req) YX_MUST_CHECK;

#endif
