/*
 * rpc_basic: requests that need no session: Hello (versions) and Ping
 * (liveness, optionally with a database round trip).
 */
#ifndef YANXIU_RPC_BASIC_H
#define YANXIU_RPC_BASIC_H

#include "rpc.h"

void rpc_basic_register(void);

#endif
