/*
 * rpc_roster: schools and reporting units (district), the teacher roster
 * (school: its own unit; district: any unit), transfers (district).
 */
#ifndef YANXIU_RPC_ROSTER_H
#define YANXIU_RPC_ROSTER_H

#include "rpc.h"

void rpc_roster_register(void);

#endif
