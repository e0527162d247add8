/*
 * rpc_auth: Login, Logout, WhoAmI. Login verifies the password on the
 * hashing workers (never the loop) and counts failures per name for the
 * lockout; answers never tell whether a user exists.
 */
#ifndef YANXIU_RPC_AUTH_H
#define YANXIU_RPC_AUTH_H

#include "rpc.h"

void auth_register(void);
void auth_login(struct rpc_req *req);
void auth_logout(struct rpc_req *req);
void auth_whoami(struct rpc_req *req);

#endif
