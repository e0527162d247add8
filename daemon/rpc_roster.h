/*
 * rpc_roster: schools and reporting units (district), the teacher roster
 * (school: its own unit; district: any unit), transfers (district).
 */
#ifndef YANXIU_RPC_ROSTER_H
#define YANXIU_RPC_ROSTER_H

#include "rpc.h"

void roster_register(void);
void roster_import_units(struct rpc_req *req);
void roster_list_units(struct rpc_req *req);
void roster_import(struct rpc_req *req);
void roster_list(struct rpc_req *req);
void roster_transfer(struct rpc_req *req);

#endif
