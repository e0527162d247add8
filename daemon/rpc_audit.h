/*
 * rpc_audit: reading the append-only audit log (admin: all; district: its
 * own district, walled in the database as well).
 */
#ifndef YANXIU_RPC_AUDIT_H
#define YANXIU_RPC_AUDIT_H

#include "rpc.h"

void rpc_audit_register(void);

#endif
