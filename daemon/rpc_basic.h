/*
 * rpc_basic: requests that need no session: Hello (versions) and Ping
 * (liveness, optionally with a database round trip).
 */
#ifndef YANXIU_RPC_BASIC_H
#define YANXIU_RPC_BASIC_H

#include "rpc.h"

void rpc_basic_register(void);
enum rpc_status rpc_basic_hello(struct rpc_req *req) YX_MUST_CHECK;
enum rpc_status rpc_basic_ping(struct rpc_req *req) YX_MUST_CHECK;

#endif
